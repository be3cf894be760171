"""Text normalisation shared by retrieval and safety triage.

Patients type on phones: curly apostrophes, emoji, zero-width joiners, stray punctuation, shouting.
Everything is folded to one plain form before any matching, so that the same words always compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping

# Typographic look-alikes that NFKC leaves alone but that break word matching (a curly apostrophe in
# "can\u2019t" against the straight one in "can't").
_LOOKALIKES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)

# Format characters (Cf: zero-width space/joiner, BOM, bidi marks) and other invisible code points.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Cs", "Co", "Cn"})
_WHITESPACE_CONTROLS = frozenset("\t\n\r\v\f")


class _CharacterTable(dict[int, str | None]):
    """A `str.translate` table whose answer for each code point is decided once and remembered, so
    folding runs at C speed after the first sight of a character, even for very long messages.

    At most REMEMBERED code points are kept, so messages of ever new characters cannot grow it without
    bound; past that, the rest are decided each time."""

    REMEMBERED = 65_536

    def __init__(self, decide: Callable[[str], str | None]) -> None:
        super().__init__()
        self._decide = decide

    def __missing__(self, code_point: int) -> str | None:
        kept = self._decide(chr(code_point))
        if len(self) < self.REMEMBERED:
            self[code_point] = kept
        return kept


def _visible(char: str) -> str | None:
    """Invisible characters deleted, whitespace controls made spaces, the rest kept."""
    if char in _WHITESPACE_CONTROLS:
        return " "
    return None if unicodedata.category(char) in _INVISIBLE_CATEGORIES else char


# NFKC turns a few characters into many (U+FDFA, an Arabic ligature, into 18), so that a crafted
# message would grow 18x before any matching. Such characters become a word break instead; every other
# character grows at most MAX_EXPANSION times. Nothing a person wrote is cut off: a crisis at the end of
# a long message must still be read (Telegram itself caps a message at 4 096 characters).
MAX_EXPANSION = 4


def _bounded_expansion(char: str) -> str:
    return char if len(unicodedata.normalize("NFKC", char)) <= MAX_EXPANSION else " "


_INVISIBLE = _CharacterTable(_visible)
_BOUNDED_EXPANSION = _CharacterTable(_bounded_expansion)

_NOT_WORD = re.compile(r"[^\w']+|_")
_EDGE_APOSTROPHES = re.compile(r"(?<!\w)'|'(?!\w)")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Unicode-normalise and case-fold, keeping punctuation and emoji (triage needs both)."""
    compatible = unicodedata.normalize("NFKC", text.translate(_BOUNDED_EXPANSION))
    visible = compatible.translate(_LOOKALIKES).translate(_INVISIBLE)
    return _SPACES.sub(" ", visible).strip().casefold()


def plain_words(text: str) -> list[str]:
    """Fold, then keep only words: punctuation, symbols and emoji become word breaks.

    Apostrophes inside words survive ("can't", "don't") so phrases keep their meaning.
    """
    stripped = _NOT_WORD.sub(" ", fold(text))
    return _EDGE_APOSTROPHES.sub(" ", stripped).split()


class Synonyms:
    """Rewrites variant spellings and slang ("tane", "derm", "2nd") to one canonical form.

    Multi-word variants are matched as whole-word phrases, longest first, so "second round" wins over "round".
    """

    def __init__(self, canonical_by_variant: Mapping[str, str]) -> None:
        self._by_variant = {
            " ".join(plain_words(variant)): " ".join(plain_words(canonical))
            for variant, canonical in canonical_by_variant.items()
        }
        self._longest_variant = max((len(v.split()) for v in self._by_variant), default=0)
        # Most words start no variant: one set lookup each, no phrases built (long messages).
        self._first_words = frozenset(
            variant.split()[0] for variant in self._by_variant if variant
        )

    def apply(self, words: list[str]) -> list[str]:
        result: list[str] = []
        position = 0
        while position < len(words):
            if words[position] not in self._first_words:
                result.append(words[position])
                position += 1
                continue
            for span in range(min(self._longest_variant, len(words) - position), 0, -1):
                phrase = " ".join(words[position : position + span])
                canonical = self._by_variant.get(phrase)
                if canonical is not None:
                    result.extend(canonical.split())
                    position += span
                    break
            else:
                result.append(words[position])
                position += 1
        return result


def normalise(text: str, synonyms: Synonyms | None = None) -> str:
    """The matching form of a message: folded plain words, synonyms applied, single-spaced."""
    words = plain_words(text)
    if synonyms is not None:
        words = synonyms.apply(words)
    return " ".join(words)
