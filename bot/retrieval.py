"""Fuzzy retrieval of knowledge-base entries with rapidfuzz.

Messages and every entry's alternate questions, title and keywords are normalised the same way (folding,
synonyms, filler words dropped), then compared. An entry's score is its best-matching phrasing. The caller
decides between answering, asking "did you mean" and falling back, using the thresholds in
`knowledge/retrieval.yaml`, which were chosen by running `python -m bot evaluate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.content import Fields, read_yaml
from bot.normalise import Synonyms, normalise

TUNING_FIELDS = ("stopwords", "answer_score", "clarify_score", "margin", "max_suggestions")


@dataclass(frozen=True)
class Tuning:
    stopwords: frozenset[str]
    answer_score: float  # best score needed to answer directly
    clarify_score: float  # best score needed to offer "did you mean"
    margin: float  # lead over the runner-up needed to answer directly
    max_suggestions: int


@dataclass(frozen=True)
class Candidate:
    key: str  # an entry id (or a small-talk id for the small-talk matcher)
    score: float  # 0-100


def load_tuning(path: Path) -> Tuning:
    fields = Fields(read_yaml(path), path)
    fields.reject_unknown(TUNING_FIELDS)

    def number(name: str) -> float:
        value = fields.data.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise fields.error(name, "must be a number from 0 to 100")
        return float(value)

    return Tuning(
        stopwords=frozenset(" ".join(fields.text_list("stopwords")).casefold().split()),
        answer_score=number("answer_score"),
        clarify_score=number("clarify_score"),
        margin=number("margin"),
        max_suggestions=int(number("max_suggestions")),
    )


class Matcher:
    """Ranks keys by how closely a message matches any of their phrasings."""

    def __init__(
        self, phrasings: dict[str, tuple[str, ...]], synonyms: Synonyms, stopwords: frozenset[str]
    ) -> None:
        self._synonyms = synonyms
        self._stopwords = stopwords
        self._choices: list[str] = []
        self._owners: list[str] = []
        for key, texts in phrasings.items():
            for text in dict.fromkeys(self.prepare(text) for text in texts):
                if text:
                    self._choices.append(text)
                    self._owners.append(key)

    def prepare(self, text: str) -> str:
        """The comparable form: normalised words without filler ("what", "is", "my"...)."""
        words = normalise(text, self._synonyms).split()
        content = [word for word in words if word not in self._stopwords]
        return " ".join(content)

    def rank(self, message: str, limit: int = 5) -> list[Candidate]:
        query = self.prepare(message)
        if not query:
            return []
        # Native scorers pick a shortlist fast; the finer (Python) combination only scores that shortlist.
        shortlist = {
            index
            for scorer in (fuzz.token_sort_ratio, fuzz.token_set_ratio)
            for _, _, index in process.extract(query, self._choices, scorer=scorer, limit=_SHORTLIST)
        }
        best: dict[str, float] = {}
        for index in shortlist:
            owner = self._owners[index]
            best[owner] = max(best.get(owner, 0.0), similarity(query, self._choices[index]))
        ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
        return [Candidate(key, round(score, 1)) for key, score in ranked[:limit]]


_SHORTLIST = 40


def similarity(query: str, choice: str) -> float:
    """Word-order-insensitive similarity that does not reward a query for being a subset of a choice.

    `token_set_ratio` alone gives 100 whenever one side's words are a subset of the other's ("pain" against
    any phrasing containing "pain"), so it is damped by how much of the longer side is covered.
    """
    sort_score = fuzz.token_sort_ratio(query, choice)
    set_score = fuzz.token_set_ratio(query, choice)
    shorter, longer = sorted((len(query), len(choice)))
    coverage = shorter / longer if longer else 0.0
    return max(sort_score, set_score * (0.6 + 0.4 * coverage))
