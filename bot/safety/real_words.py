"""knowledge/safety-real-words.txt: the real words triage must never read as typos of lexicon words,
generated from a dictionary and the loaded lexicon by `python -m bot safety-words [--check]`.

A word is listed when the tokeniser would otherwise take it for a typo of a lexicon word or a
one-word rewrite variant (`Tokeniser.typo_targets`), so the list follows the triage's own rules.
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.safety.lexicon import REAL_WORDS, Lexicon, load_lexicon
from bot.safety.words import MIN_TYPO_WORD

DEFAULT_DICTIONARY = Path("/usr/share/dict/words")
WIDTH = 99
HEADER = """\
# Real English words one typo away from a word of knowledge/safety.yaml (same first letter).
# Triage treats any other word that is one edit from a lexicon word as a possible typo of it
# ("klil" may be "kill"); a real word never is ("nose" is not "noose", "acne" is not "ache").
# Generated from the Debian `wamerican` word list (2020.12.07, /usr/share/dict/words): every word
# of 3+ letters a-z (no capitals, accents or apostrophes) within one edit (OSA distance) of a
# lexicon word of 4+ letters other than itself, with the same first letter. Lexicon words are the
# words of every phrase, word class and context list, the canonical words of `rewrites` and their
# one-word variants: a typo of a variant is rewritten too ("wnana" -> "want to"), so "owed" must be
# known not to be "oded" (overdosed). Regenerate after adding lexicon words or rewrites, with
# `python -m bot safety-words` (`--check` only reports the words that differ). The file is
# rewritten whole: add other real words to `not_typos` in safety.yaml, not here.
"""
# Plain words only: triage folds case and splits off "'s"; accented loanwords (passé) are left out.
_PLAIN_WORD = re.compile("[a-z]+")


def real_words(lexicon: Lexicon, dictionary: Iterable[str]) -> list[str]:
    """The dictionary's plain words that triage would take for a typo of a lexicon word, sorted."""
    tokeniser = lexicon.tokeniser
    return sorted(
        {
            word
            for word in dictionary
            if len(word) >= MIN_TYPO_WORD
            and _PLAIN_WORD.fullmatch(word)
            and tokeniser.typo_targets(word)
        }
    )


def render(words: Sequence[str]) -> str:
    """The file's text: the header, then the words wrapped at WIDTH."""
    return HEADER + textwrap.fill(" ".join(words), width=WIDTH) + "\n"


def write_real_words(path: Path, words: Sequence[str]) -> None:
    path.write_text(render(words), encoding="utf-8")


def run_safety_words(directory: Path, dictionary: Path, *, check: bool) -> int:
    """Rewrite the directory's list, or with `check` report how it differs (exit status 1)."""
    lexicon = load_lexicon(directory / "safety.yaml")
    try:
        words = real_words(lexicon, dictionary.read_text(encoding="utf-8").split())
    except FileNotFoundError:
        sys.stderr.write(f"No word list at {dictionary} (Debian, Ubuntu: apt install wamerican)\n")
        return 2
    path = directory / REAL_WORDS
    if check:
        return _check(path, words)
    write_real_words(path, words)
    sys.stdout.write(f"Wrote {len(words)} real words to {path}\n")
    return 0


def _check(path: Path, words: Sequence[str]) -> int:
    committed = path.read_text(encoding="utf-8")
    if committed == render(words):
        sys.stdout.write(f"OK: {path} is up to date ({len(words)} real words)\n")
        return 0
    listed = {
        w for line in committed.splitlines() if not line.startswith("#") for w in line.split()
    }
    missing = sorted(set(words) - listed)
    extra = sorted(listed - set(words))
    report = [f"{path} is out of date; regenerate it with `python -m bot safety-words`."]
    if missing:
        report.append(f"Missing ({len(missing)}): {' '.join(missing)}")
    if extra:
        report.append(f"Not generated ({len(extra)}): {' '.join(extra)}")
    if not missing and not extra:
        report.append("The words are right; the header or the line breaks differ.")
    sys.stdout.write("\n".join(report) + "\n")
    return 1
