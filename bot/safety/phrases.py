"""Lexicon phrases and where they occur in a message.

A phrase is a sequence of slots, each matching whole canonical words (see words.py):
  word      that word                  a|b|c     any of these words
  @name     any item of a word class   word?     optional slot
  a_b|c     "a b" or "c": an alternative of several words is joined by "_" ("keep_going|looks")
  ...       up to four words, commas aside, within one sentence    #  a number    ##  10 or more
Matching is on whole words ("skilled" never matches "killed"). Each word of a message also stands for
the lexicon words one typo away from it ("klil" for "kill", "lvie" for "live", "tried" for "tired"), so
a typo in any word of four letters or more does not hide a phrase. Context phrases (negation triggers,
terminators, question openers) match exact words only: a typo must not invent a "not".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import accumulate

from bot.content import Fields
from bot.safety.words import PUNCTUATION, SENTENCE_ENDS

MAX_GAP = 4
GAP = "..."
NUMBER = "#"  # in a phrase: any number; in a message: one more option of every number
MANY = "##"  # a number from 10 up: "30 pills at once" is not "2 pills at once"
MANY_FROM = 10
_LITERAL = re.compile(r"[a-z0-9]+|[.!?;,]|##?")

Sequence = tuple[str, ...]  # consecutive words


@dataclass(frozen=True)
class Span:
    start: int  # index of the first word
    end: int  # index of the last word (inclusive)

    def overlaps(self, other: Span) -> bool:
        return self.start <= other.end and other.start <= self.end


class Document:
    """A message's canonical words, each with the words it may stand for."""

    def __init__(self, words: list[str], options: list[frozenset[str]]) -> None:
        self.words = words
        self.exact = [_with_number(word, frozenset({word})) for word in words]
        self.fuzzy = [_with_number(word, opts) for word, opts in zip(words, options, strict=True)]
        self.positions = (_positions(self.exact), _positions(self.fuzzy))
        self.sentence = list(accumulate((word in SENTENCE_ENDS for word in words), initial=0))[:-1]

    def options(self, fuzzy: bool) -> list[frozenset[str]]:
        return self.fuzzy if fuzzy else self.exact

    def is_comma(self, index: int) -> bool:
        return self.words[index] == ","

    def breaks_clause(self, index: int) -> bool:
        return self.words[index] in PUNCTUATION


def _with_number(word: str, options: frozenset[str]) -> frozenset[str]:
    if not word.isdecimal():  # not isdigit: "²" is a digit that int() refuses
        return options
    return options | ({NUMBER, MANY} if int(word) >= MANY_FROM else {NUMBER})


def _positions(options: list[frozenset[str]]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for index, words in enumerate(options):
        for word in words:
            found.setdefault(word, []).append(index)
    return found


@dataclass(frozen=True)
class Slot:
    choices: tuple[Sequence, ...]  # empty for a gap
    optional: bool = False
    # The choices by their first word: a word class of fifty items is not tried item by item at
    # every position, only the items that start with a word found there.
    by_first: Mapping[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_first: dict[str, list[int]] = {}
        for index, sequence in enumerate(self.choices):
            by_first.setdefault(sequence[0], []).append(index)
        object.__setattr__(self, "by_first", {k: tuple(v) for k, v in by_first.items()})

    def candidates(
        self, document: Document, options: list[frozenset[str]], position: int
    ) -> list[Sequence]:
        """The choices that can start at `position` (after any commas), in their written order."""
        found = set(self.by_first.get(",", ()))
        while position < len(options) and document.is_comma(position):
            position += 1
        if position < len(options):
            for word in options[position]:
                found.update(self.by_first.get(word, ()))
        return [self.choices[index] for index in sorted(found)]


@dataclass(frozen=True)
class Phrase:
    text: str  # as written in the content, for explanations
    slots: tuple[Slot, ...]
    anchors: frozenset[str]  # a message must have one of these words (cheap pre-check)
    first_words: frozenset[str]  # words a match can start with
    # For each required slot, the words its choices start with: a message lacking any one of these
    # sets cannot match, and is not tried word by word.
    needs: tuple[frozenset[str], ...] = ()

    def possible(self, present: Mapping[str, object]) -> bool:
        return all(any(word in present for word in need) for need in self.needs)

    def spans(self, document: Document, fuzzy: bool) -> list[Span]:
        """Every match; call only for a document that has one of the `anchors`."""
        positions = document.positions[fuzzy]
        first = self.first_words.intersection(positions)
        starts = sorted({i for word in first for i in positions[word]})
        found = []
        for start in starts:
            end = self._end(document, document.options(fuzzy), 0, start)
            if end is not None:
                found.append(Span(start, end - 1))
        return found

    def _end(
        self, document: Document, options: list[frozenset[str]], slot_index: int, position: int
    ) -> int | None:
        """Where a match of the slots from `slot_index` on, starting at `position`, ends."""
        if slot_index == len(self.slots):
            return position
        slot = self.slots[slot_index]
        if not slot.choices:
            return self._after_gap(document, options, slot_index, position)
        for sequence in slot.candidates(document, options, position):
            end = _fit(document, options, sequence, position)
            if end is not None:
                found = self._end(document, options, slot_index + 1, end)
                if found is not None:
                    return found
        return self._end(document, options, slot_index + 1, position) if slot.optional else None

    def _after_gap(
        self, document: Document, options: list[frozenset[str]], slot_index: int, position: int
    ) -> int | None:
        # A gap crosses a comma ("sorry for everything, you were the best": a quoted farewell is
        # still one thought) but never the end of a sentence.
        for skipped in range(MAX_GAP + 1):
            if skipped:
                index = position + skipped - 1
                if index >= len(document.words) or (
                    document.breaks_clause(index) and not document.is_comma(index)
                ):
                    return None
            found = self._end(document, options, slot_index + 1, position + skipped)
            if found is not None:
                return found
        return None


def _fit(
    document: Document, options: list[frozenset[str]], sequence: Sequence, position: int
) -> int | None:
    """The position after `sequence` if it occurs at `position`; commas in between are ignored."""
    for word in sequence:
        while position < len(options) and document.is_comma(position) and word != ",":
            position += 1
        if position >= len(options) or word not in options[position]:
            return None
        position += 1
    return position


class PhraseSet:
    """Several phrases that mean one thing; finds every place any of them occurs."""

    def __init__(self, phrases: Iterable[Phrase], *, fuzzy: bool) -> None:
        self.phrases = tuple(phrases)
        self.fuzzy = fuzzy
        self._by_anchor: dict[str, list[int]] = {}
        for index, phrase in enumerate(self.phrases):
            for word in phrase.anchors:
                self._by_anchor.setdefault(word, []).append(index)
        self._anchors = frozenset(self._by_anchor)

    def spans(self, document: Document) -> list[Span]:
        present = self._anchors.intersection(document.positions[self.fuzzy])
        if not present:
            return []
        by_anchor = self._by_anchor
        words = document.positions[self.fuzzy]
        candidates = {index for word in present for index in by_anchor[word]}
        return [
            span
            for index in sorted(candidates)
            if self.phrases[index].possible(words)
            for span in self.phrases[index].spans(document, self.fuzzy)
        ]

    def words(self) -> set[str]:
        return {
            word
            for phrase in self.phrases
            for slot in phrase.slots
            for sequence in slot.choices
            for word in sequence
        }


class PhraseCompiler:
    """Compiles phrase strings against the lexicon's word classes and rewrites, with located errors."""

    def __init__(self, classes: Mapping[str, tuple[str, ...]], rewritten: frozenset[str]) -> None:
        self.classes = classes
        self.rewritten = rewritten  # words the tokeniser rewrites: they never reach a phrase

    def compile_list(
        self, fields: Fields, field: str, *, fuzzy: bool = True, required: bool = True
    ) -> PhraseSet:
        texts = fields.text_list(field, required=required)
        return PhraseSet((self.compile(text, fields, field) for text in texts), fuzzy=fuzzy)

    def compile(self, text: str, fields: Fields, field: str) -> Phrase:
        slots: list[Slot] = []
        for part in text.split():
            if part == GAP:
                slots.append(Slot(()))
                continue
            optional = part.endswith("?") and part != "?"
            choices = self._choices(part[:-1] if optional else part, text, fields, field)
            slots.append(Slot(tuple(tuple(choice.split()) for choice in choices), optional))
        required = [slot for slot in slots if slot.choices and not slot.optional]
        if not slots[0].choices or not slots[-1].choices or not required:
            raise fields.error(
                field, f"phrase '{text}' needs a required word and cannot start or end with '...'"
            )
        needs = tuple(frozenset(sequence[0] for sequence in slot.choices) for slot in required)
        return Phrase(text, tuple(slots), _anchors(required), _first_words(slots), needs)

    def _choices(self, slot: str, phrase: str, fields: Fields, field: str) -> list[str]:
        choices: list[str] = []
        for choice in slot.split("|"):
            if choice.startswith("@"):
                if choice[1:] not in self.classes:
                    raise fields.error(field, f"phrase '{phrase}': unknown word class '{choice}'")
                choices.extend(self.classes[choice[1:]])
            else:
                # "keep_going|looks": several words as one alternative ("keep going|looks" is two
                # slots, "keep" then "going" or "looks").
                words = choice.split("_")
                for word in words:
                    self.check_word(word, phrase, fields, field)
                choices.append(" ".join(words))
        return choices

    def check_word(self, word: str, phrase: str, fields: Fields, field: str) -> None:
        if not _LITERAL.fullmatch(word):
            raise fields.error(
                field,
                f"phrase '{phrase}': '{word}' must be lower-case letters or digits "
                "(write contractions out: 'can not', 'i am')",
            )
        if word in self.rewritten:
            raise fields.error(
                field,
                f"phrase '{phrase}': '{word}' is rewritten before matching; "
                "use its canonical form from `rewrites`",
            )


def _anchors(required: list[Slot]) -> frozenset[str]:
    """One word of the required slot whose words are least common (longest), so that most phrases
    are skipped without being tried."""
    best: frozenset[str] = frozenset()
    for slot in required:
        words = frozenset(max(sequence, key=len) for sequence in slot.choices)
        if not best or min(map(len, words)) > min(map(len, best)):
            best = words
    return best


def _first_words(slots: list[Slot]) -> frozenset[str]:
    words: set[str] = set()
    for slot in slots:
        if not slot.choices:
            break
        words |= {sequence[0] for sequence in slot.choices}
        if not slot.optional:
            break
    return frozenset(words)
