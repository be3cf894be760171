"""Finding the question(s) in a message: a long story often ends with the one thing being asked."""

from __future__ import annotations

import re
from collections.abc import Callable

# A sentence ends at . ! ? (or several) followed by a space, or at a line break.
_BOUNDARY = re.compile(r"(?<=[.!?])\s+|\n+")
_QUESTION_START = re.compile(
    r"^(how|what|whats|when|where|why|which|who|is|are|am|was|can|could|should|would|will|do|does|did"
    r"|has|have|any|anyone|anybody|ok|okay|normal)\b",
    re.IGNORECASE,
)
# A post asks a few things at most; bounding them bounds the work a crafted message can cause.
MAX_QUESTIONS = 3
# Shorter fragments ("Hi." "Thanks!") carry no question of their own.
MIN_SENTENCE_WORDS = 3


def sentences(message: str) -> list[str]:
    parts = (part.strip() for part in _BOUNDARY.split(message))
    return [part for part in parts if len(part.split()) >= MIN_SENTENCE_WORDS]


def is_question(sentence: str) -> bool:
    return sentence.rstrip().endswith("?") or bool(_QUESTION_START.match(sentence.strip()))


def questions(message: str, vague: Callable[[str], bool] | None = None) -> list[str]:
    """The sentences that ask something, in order (the first ones and the last, at most
    MAX_QUESTIONS); for a story with none, its last sentence. A question that `vague` finds says too
    little on its own ("How careful do I need to be?") is read with the story sentence before it (not
    with another question, which has its own subject)."""
    found = sentences(message)
    asked = [index for index, sentence in enumerate(found) if is_question(sentence)]
    if len(asked) > MAX_QUESTIONS:
        asked = [*asked[: MAX_QUESTIONS - 1], asked[-1]]
    if not asked and len(found) >= 2:
        asked = [len(found) - 1]
    return [_with_context(found, index, vague) for index in asked]


def _with_context(found: list[str], index: int, vague: Callable[[str], bool] | None) -> str:
    story = index > 0 and not is_question(found[index - 1])
    if story and vague is not None and vague(found[index]):
        return f"{found[index - 1]} {found[index]}"
    return found[index]
