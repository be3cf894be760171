"""The ranker: lexical and semantic scores blended, over the whole message and each question in it.

A key's score is `(1 - w) * lexical + w * semantic` (w = `semantic_weight`), its best over the message
as a whole and each sentence that asks something, so that a long story does not drown its question.
Entries and out-of-scope subjects are ranked together: a message about laser or alcohol finds its
uncovered subject before the nearest guide topic. A second question, when the message asks about two
topics, is kept apart so the reply can answer the main one and offer the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.normalise import Synonyms, normalise
from bot.retrieval.candidate import Candidate
from bot.retrieval.encoder import Encoder
from bot.retrieval.lexical import Matcher
from bot.retrieval.semantic import SemanticIndex
from bot.retrieval.sentences import questions
from bot.retrieval.tuning import Tuning

Phrasings = Mapping[str, Sequence[str]]
SHORTLIST = 8  # candidates taken from each view, per text


@dataclass(frozen=True)
class Ranking:
    candidates: list[Candidate]  # entries and out-of-scope subjects, best first
    other_question: Candidate | None = None  # the best entry for a second question, if any


class Ranker:
    def __init__(
        self,
        entries: Phrasings,
        out_of_scope: Phrasings,
        synonyms: Synonyms,
        tuning: Tuning,
        encoder: Encoder | None,
    ) -> None:
        self._synonyms = synonyms
        self._vague_words = tuning.vague_question_words
        self._weight = tuning.semantic_weight / 100 if encoder is not None else 0.0
        self.uncovered = frozenset(out_of_scope)
        overlap = self.uncovered & set(entries)
        if overlap:
            raise ValueError(
                f"ids used by both an entry and an out-of-scope topic: {sorted(overlap)}"
            )
        self._lexical = [
            Matcher(_tuples(entries), synonyms, tuning.stopwords),
            Matcher(_tuples(out_of_scope), synonyms, tuning.stopwords),
        ]
        # The model reads what the matcher reads: normalised words without filler, which would
        # otherwise dominate an average of word vectors.
        prepare = self._lexical[0].prepare
        phrasings = {
            key: [prepare(text) for text in texts]
            for key, texts in {**entries, **out_of_scope}.items()
        }
        self._semantic = SemanticIndex(phrasings, encoder) if encoder is not None else None
        self.model_name = encoder.name if encoder is not None else "none (lexical only)"

    def rank(self, message: str, limit: int = 5) -> Ranking:
        texts = [message, *questions(message, self._is_vague)]
        prepared = [normalise(text, self._synonyms) for text in dict.fromkeys(texts)]
        per_text = self._score_texts(prepared)
        best: dict[str, float] = {}
        for scores in per_text:
            for key, score in scores.items():
                best[key] = max(best.get(key, 0.0), score)
        return Ranking(
            candidates=_top(best, limit),
            other_question=self._other_question(per_text[1:], best),
        )

    def _is_vague(self, sentence: str) -> bool:
        content = self._lexical[0].prepare(normalise(sentence, self._synonyms))
        return len(content.split()) < self._vague_words

    def _score_texts(self, prepared: list[str]) -> list[dict[str, float]]:
        content = [self._lexical[0].prepare(text) for text in prepared]
        semantic = self._semantic.rank_many(content) if self._semantic else [{} for _ in prepared]
        results = []
        for text, meaning in zip(prepared, semantic, strict=True):
            words = text.split()
            lexical = {
                c.key: c.score for matcher in self._lexical for c in matcher.rank(words, SHORTLIST)
            }
            shortlist = set(lexical) | {c.key for c in _top(meaning, SHORTLIST)}
            results.append(
                {
                    key: round(
                        (1 - self._weight) * lexical.get(key, 0.0)
                        + self._weight * meaning.get(key, 0.0),
                        1,
                    )
                    for key in shortlist
                }
            )
        return results

    def _other_question(
        self, per_question: list[dict[str, float]], best: dict[str, float]
    ) -> Candidate | None:
        """When two sentences ask about different entries, the entry the main one is not."""
        tops = [top[0] for top in (_top(scores, 1) for scores in per_question) if top]
        entries = [c for c in tops if c.key not in self.uncovered]
        if len({c.key for c in entries}) < 2:
            return None
        main = _top({k: v for k, v in best.items() if k not in self.uncovered}, 1)
        others = [c for c in entries if not main or c.key != main[0].key]
        return max(others, key=lambda c: (c.score, c.key)) if others else None


def _top(scores: Mapping[str, float], limit: int) -> list[Candidate]:
    # Ties are broken by key so that results never depend on hash order.
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [Candidate(key, score) for key, score in ranked]


def _tuples(phrasings: Phrasings) -> dict[str, tuple[str, ...]]:
    return {key: tuple(texts) for key, texts in phrasings.items()}
