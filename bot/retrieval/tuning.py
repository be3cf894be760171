"""The retrieval thresholds and weights in `knowledge/retrieval.yaml`, chosen by `python -m bot evaluate`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.content import Fields, read_yaml

SCORE_FIELDS = ("answer_score", "clarify_score", "margin", "max_suggestions", "semantic_weight")
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
        semantic_weight=number("semantic_weight"),
    )
