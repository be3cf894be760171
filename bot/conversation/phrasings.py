"""Reading a message as a follow-up (knowledge/conversation.yaml): a choice, "neither", "tell me more",
"why?", "the other one", a pointer back at the last topic, or an emoji reaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.content import ContentError, Fields, read_yaml

# A whole-message match this close counts, so "the secnd one" and "tel me more" still do.
FOLLOW_UP_SCORE = 86.0
# A message pointing back at the last topic is short; a long one carries its own subject.
MAX_POINTER_WORDS = 8

MAX_CASUAL_WORDS = 12
CUE_SCORE = 83.0  # one word: "thnaks" is still "thanks", but "after" is not "later"
_WORD = re.compile(r"[\w']+")


class Move(StrEnum):
    NEITHER = "neither"
    MORE = "more"
    WHY = "why"
    OTHER = "other"


@dataclass(frozen=True)
class Phrasings:
    picks: dict[str, int]  # phrasing -> option number (1-based)
    moves: dict[str, Move]  # phrasing -> what it asks
    pointers: frozenset[str]  # single words and two-word openings
    reactions: dict[str, str]  # emoji -> small talk id
    languages: frozenset[str]  # codes of the languages with a note
    cues: dict[str, tuple[str, ...]]  # small talk id -> words that carry it

    def choice(self, message: str) -> int | None:
        """The option number a message picks ("2", "the first one", "yes"), or None."""
        return self.picks.get(_closest(words_of(message), list(self.picks)) or "")

    def move(self, message: str) -> Move | None:
        return self.moves.get(_closest(words_of(message), list(self.moves)) or "")

    def points_back(self, message: str) -> bool:
        """A short message with a word like "it" or an opening like "and ..." refers to the last topic."""
        words = words_of(message).split()
        if not words or len(words) > MAX_POINTER_WORDS:
            return False
        opening = " ".join(words[:2])
        return bool(self.pointers & set(words)) or opening in self.pointers

    def casual(self, message: str) -> str | None:
        """The small talk a short casual message carries ("thnaks so much", "gotta go ttyl"), or None:
        the talk with the most cue words, when cue words make up a quarter of the message."""
        words = words_of(message).split()
        if not words or len(words) > MAX_CASUAL_WORDS:
            return None
        carried = {
            talk_id: sum(1 for word in words if _closest(word, list(cues), CUE_SCORE) is not None)
            for talk_id, cues in self.cues.items()
        }
        talk_id = max(carried, key=lambda talk: carried[talk], default=None)
        if talk_id is None or sum(carried.values()) * 4 < len(words):
            return None
        return talk_id

    def reaction(self, message: str) -> str | None:
        """The small talk an emoji-only message means ("👍" is an okay, "🙏" a thanks)."""
        symbols = [c for c in message if not c.isspace() and c not in _JOINERS]
        if not symbols or any(c not in self.reactions for c in symbols):
            return None
        return self.reactions[symbols[0]]


# Variation selectors, skin tones and joiners ride along with emoji without changing their meaning.
_JOINERS = frozenset("\ufe0f\ufe0e\u200d") | frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))


def words_of(message: str) -> str:
    return " ".join(_WORD.findall(message.casefold()))


def _closest(words: str, phrasings: list[str], cutoff: float = FOLLOW_UP_SCORE) -> str | None:
    if not words:
        return None
    if words in phrasings:
        return words
    if len(words) < 4:  # "no" and "so", "2" and "3": short words must match exactly
        return None
    found = process.extractOne(words, phrasings, scorer=fuzz.ratio, score_cutoff=cutoff)
    return None if found is None else str(found[0])


def load_phrasings(path: Path) -> Phrasings:
    fields = Fields(read_yaml(path), path)
    fields.reject_unknown(
        ("pick", *(m.value for m in Move), "pointers", "languages", "cues", "reactions")
    )
    picks: dict[str, int] = {}
    for number, phrasings in enumerate(fields.items("pick"), start=1):
        if not isinstance(phrasings, list):
            raise fields.error("pick", "each option's phrasings must be a list")
        picks.update((words_of(str(phrasing)), number) for phrasing in phrasings)
    moves = {
        words_of(phrasing): move for move in Move for phrasing in fields.text_list(move.value)
    }
    reactions = {
        symbol: talk_id
        for talk_id, symbols in _texts(fields, "reactions").items()
        for symbol in symbols
        if symbol not in _JOINERS
    }
    clash = set(picks) & set(moves)
    if clash:
        raise ContentError(path, f"'{sorted(clash)[0]}' is both a choice and another follow-up")
    return Phrasings(
        picks,
        moves,
        frozenset(fields.text_list("pointers")),
        reactions,
        frozenset(fields.text_list("languages")),
        {talk_id: tuple(words.split()) for talk_id, words in _texts(fields, "cues").items()},
    )


def _texts(fields: Fields, key: str) -> dict[str, str]:
    """A mapping of names to texts (a list is read as its words joined)."""
    table = Fields(fields.data.get(key), fields.file, entry=key)
    return {
        str(name): " ".join(map(str, value)) if isinstance(value, list) else str(value)
        for name, value in table.data.items()
    }
