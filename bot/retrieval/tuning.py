"""The retrieval thresholds and weights in `knowledge/retrieval.yaml`, chosen by `python -m bot evaluate`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.content import Fields, read_yaml

SCORE_FIELDS = (
    "answer_score",
    "clarify_score",
    "margin",
    "max_suggestions",
    "semantic_weight",
    "vague_question_words",
)
TUNING_FIELDS = ("stopwords", *SCORE_FIELDS)


@dataclass(frozen=True)
class Tuning:
    stopwords: frozenset[str]
    answer_score: float  # best score needed to answer directly
    clarify_score: (
        float  # best score needed to offer "did you mean" (or to answer a lone candidate)
    )
    margin: float  # lead over a runner-up from another section needed to answer directly
    max_suggestions: int
    semantic_weight: float = 0.0  # share (in %) of the semantic score in the combined score
    # A question in a longer post with fewer content words than this is read with the sentence before
    # it: alone, "How careful do I need to be?" matches whatever entry is about being careful.
    vague_question_words: int = 0


def load_tuning(path: Path) -> Tuning:
    fields = Fields(read_yaml(path), path)
    fields.reject_unknown(TUNING_FIELDS)
    return Tuning(
        stopwords=frozenset(" ".join(fields.text_list("stopwords")).casefold().split()),
        answer_score=fields.score("answer_score"),
        clarify_score=fields.score("clarify_score"),
        margin=fields.score("margin"),
        max_suggestions=int(fields.score("max_suggestions")),
        semantic_weight=fields.score("semantic_weight"),
        vague_question_words=int(fields.score("vague_question_words")),
    )
