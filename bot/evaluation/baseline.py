"""A BM25 baseline (rank-bm25, a development dependency) that ranks whole sections, for comparison.

It answers with the section whose text shares the most weighted words with the message, and
rejects a message only when no section shares a word with it: a plain search over the guide.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.content import ContentError
from bot.evaluation.labelled import LabelledSet
from bot.knowledge import Knowledge
from bot.normalise import plain_words


class Baseline:
    def __init__(self, name: str, documents: dict[str, str], stopwords: frozenset[str]) -> None:
        from rank_bm25 import BM25Okapi

        self.name = name
        self._sections = list(documents)
        self._stopwords = stopwords
        self._index = BM25Okapi([self._tokens(text) for text in documents.values()])

    def _tokens(self, text: str) -> list[str]:
        return [word for word in plain_words(text) if word not in self._stopwords] or [""]

    def predict(self, message: str) -> str | None:
        scores = list(self._index.get_scores(self._tokens(message)))
        best = max(range(len(scores)), key=scores.__getitem__)
        return self._sections[best] if scores[best] > 0 else None

    def score(self, labelled: LabelledSet, knowledge: Knowledge) -> tuple[float, float]:
        """(right section first on on-topic rows, rejection of `none` rows), in percent."""
        hits = rejected = on_topic = off_topic = 0
        for message, labels in labelled.rows:
            expected = {
                knowledge.entries[label].section if label in knowledge.entries else label
                for label in labels
            } & set(knowledge.sections)
            predicted = self.predict(message)
            if expected:
                on_topic += 1
                hits += predicted in expected
            elif "none" in labels:
                off_topic += 1
                rejected += predicted is None
        return 100.0 * hits / max(on_topic, 1), 100.0 * rejected / max(off_topic, 1)


def baselines_for(
    knowledge: Knowledge, stopwords: frozenset[str], guide: Path | None
) -> list[Baseline]:
    """BM25 over the guide's raw sections (when its text is given) and over the answers."""
    try:
        import rank_bm25  # noqa: F401  (a development dependency: skip the comparison without it)
    except ImportError:
        return []
    answers = {
        section: " ".join(f"{e.title} {e.answer}" for e in knowledge.entries_in(section))
        for section in knowledge.sections
    }
    found = [Baseline("BM25 over the knowledge base's answers", answers, stopwords)]
    if guide is not None:
        found.insert(
            0, Baseline("BM25 over the guide's raw sections", _guide(guide, knowledge), stopwords)
        )
    return found


def _guide(path: Path, knowledge: Knowledge) -> dict[str, str]:
    """The guide cut into its sections; a missing or unrecognised file is a content error."""
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError):
        raise ContentError(path, "file is missing") from None
    return guide_sections(text, knowledge.guide_headings, path)


def guide_sections(text: str, headings: dict[str, str], path: Path) -> dict[str, str]:
    """Cut the guide at its section headings; text under a part heading stays with the section before."""
    positions = []
    for section, heading in headings.items():
        match = re.search(rf"^{re.escape(heading)}\s*$", text, flags=re.MULTILINE)
        if match is None:
            raise ContentError(
                path, f"the heading of section '{section}' is not in it: {heading!r}"
            )
        positions.append((match.start(), section))
    positions.sort()
    ends = [start for start, _ in positions[1:]] + [len(text)]
    return {
        section: text[start:end] for (start, section), end in zip(positions, ends, strict=True)
    }
