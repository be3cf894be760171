"""A typo never talks the bot out of a crisis reply (metamorphic test on eval/safety.tsv).

Every `crisis` line of the labelled set is changed the way people type on a phone in distress, one
change at a time, and must still get an escalation. Word-level typos (swapped, dropped or doubled
letter) go inside words of four letters or more, away from the first letter: a typo in "die" or
"kms" leaves a different word ("de", "ks"), which no reader could be expected to recover either.
A stray comma is never put after a leading "no" ("no, one would miss me" says something else).
A dropped letter is two kinds: one that leaves a non-word ("wont" -> "wot"), which triage must read
as the typo, and one that leaves a real word ("live" -> "lie"), which it reads as written.
Each kind is one test that lists every (message, variant) that lost its escalation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.reply import Kind, Responder

ROOT = Path(__file__).resolve().parent.parent
SAFETY_SET = ROOT / "eval" / "safety.tsv"
# Real words one edit from a lexicon word (generated list; see its header)
REAL_WORDS_LIST = ROOT / "knowledge" / "safety-real-words.txt"
MIN_TYPO_WORD = 4
_WORD = re.compile(rf"[^\W\d_]{{{MIN_TYPO_WORD},}}")


def crisis_lines() -> list[str]:
    if not SAFETY_SET.is_file():
        return []
    lines = SAFETY_SET.read_text(encoding="utf-8").splitlines()[1:]  # after the header
    rows = [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]
    return [row[0] for row in rows if len(row) == 2 and row[1].strip() == "crisis"]


def real_words() -> frozenset[str]:
    lines = REAL_WORDS_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(word for line in lines if not line.startswith("#") for word in line.split())


CRISIS_LINES = crisis_lines()
REAL_WORDS = real_words()
pytestmark = pytest.mark.skipif(not CRISIS_LINES, reason="eval/safety.tsv has no crisis lines yet")

Typo = Callable[[str], Iterator[str]]


def _swap_with_previous(text: str, index: int) -> str:
    return text[: index - 1] + text[index] + text[index - 1] + text[index + 1 :]


def _drop(text: str, index: int) -> str:
    return text[:index] + text[index + 1 :]


def _double(text: str, index: int) -> str:
    return text[:index] + text[index] + text[index:]


def _in_each_word(
    change: Callable[[str, int], str], leaving: Callable[[str], bool] = lambda _: True
) -> Typo:
    """The change made in turn in each long-enough word, at its middle letter, where the changed
    word is one that `leaving` accepts."""

    def variants(message: str) -> Iterator[str]:
        for match in _WORD.finditer(message):
            word, middle = match.group(), len(match.group()) // 2
            if leaving(change(word, middle)):
                yield change(message, match.start() + middle)

    return variants


def _real_word(word: str) -> bool:
    return word.casefold() in REAL_WORDS


_APOSTROPHES = str.maketrans("'\u2019", "\u2019'")  # straight to curly and back


def _apostrophes(message: str) -> Iterator[str]:
    yield message.translate(_APOSTROPHES)


def _stray_punctuation(message: str) -> Iterator[str]:
    yield f"{message}!!!"
    yield f"{message}..."
    yield f"...{message}"
    yield f"{message} 😭"
    yield f"😔 {message}"


def _stray_comma(message: str) -> Iterator[str]:
    first_word, _, rest = message.partition(" ")
    if rest and first_word.casefold() != "no":  # "no, one would miss me" says something else
        yield f"{first_word}, {rest}"


def _case(message: str) -> Iterator[str]:
    yield message.upper()
    yield message.lower()


def _context(message: str) -> Iterator[str]:
    yield f"Hi. {message}"
    yield f"{message} Thanks."
    yield "My lips are so dry. " * 40 + message


TYPOS: dict[str, Typo] = {
    "swapped letters": _in_each_word(_swap_with_previous),
    "dropped letter": _in_each_word(_drop, lambda word: not _real_word(word)),
    "dropped letter leaving a real word": _in_each_word(_drop, _real_word),
    "doubled letter": _in_each_word(_double),
    "apostrophe": _apostrophes,
    "stray punctuation or emoji": _stray_punctuation,
    "stray comma": _stray_comma,
    "case": _case,
    "context around it": _context,
}

# Kinds that safety triage does not survive yet. Strict, so that a fix shows up as XPASS and the mark
# must go; `pytest --runxfail tests/test_metamorphic.py` prints the current misses.
# A dropped letter that leaves another real word is a design limit: "live" -> "lie", "died" -> "did",
# "left" -> "let", "once" -> "one", "wasnt" -> "want" make sentences that mean something else ("no
# reason to lie anymore", "if i did, nobody would care"), so triage reads them as written; "wont" ->
# "wot" is slang for "what", and reading it as "will not" would negate "wot is this rash". Only real
# words listed in knowledge/safety.yaml `real_word_typos` ("hut" for "hurt") also stand for the typo.
KNOWN_GAPS = frozenset({"dropped letter leaving a real word"})


def test_every_crisis_line_escalates(responder: Responder) -> None:
    """The relation below starts from an escalation; the labelled lines themselves must have one."""
    missed = [line for line in CRISIS_LINES if responder.reply(line).kind is not Kind.ESCALATION]
    assert not missed, missed


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(
            kind,
            marks=pytest.mark.xfail(strict=True, reason="triage misses some; see KNOWN_GAPS"),
        )
        if kind in KNOWN_GAPS
        else kind
        for kind in TYPOS
    ],
)
def test_a_typo_never_removes_the_escalation(responder: Responder, kind: str) -> None:
    lost = [
        (line, variant)
        for line in CRISIS_LINES
        if responder.reply(line).kind is Kind.ESCALATION
        for variant in dict.fromkeys(TYPOS[kind](line))
        if variant != line and responder.reply(variant).kind is not Kind.ESCALATION
    ]
    assert not lost, "\n".join(f"{line!r} -> {variant!r}" for line, variant in lost)
