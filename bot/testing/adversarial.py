"""Crafted messages, each as long as Telegram allows (4 096 characters), aimed at the costly paths of
normalisation, triage and retrieval. `python -m bot bench` reports the slowest reply over them.

Every generator makes fresh messages from its own seed, so that no cache built by an earlier message
hides the cost of a new one (an attacker varies the words too)."""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Iterator

MAX_MESSAGE_LENGTH = 4096  # Telegram's limit on a message's text
VOWELS = "aeiou"

Generator = Callable[[random.Random, list[str]], str]


def _fill(words: Iterator[str], limit: int = MAX_MESSAGE_LENGTH) -> str:
    """Space-separated words up to `limit` characters."""
    parts: list[str] = []
    length = 0
    for word in words:
        if length + len(word) + 1 > limit:
            break
        parts.append(word)
        length += len(word) + 1
    return " ".join(parts)


def censored_words(rng: random.Random, vocabulary: list[str]) -> str:
    """About 800 fresh words with a letter starred out, like "q*ab" (one censored-word lookup each)."""

    def word() -> Iterator[str]:
        while True:
            letters = rng.choices(string.ascii_lowercase, k=rng.randint(3, 6))
            letters[rng.randrange(1, len(letters))] = "*"
            yield "".join(letters)

    return _fill(word())


def pills(rng: random.Random, vocabulary: list[str]) -> str:
    """2 048 pill emoji: two UTF-16 units each, so Telegram's 4 096 units allow no more."""
    return "\U0001f48a" * (MAX_MESSAGE_LENGTH // 2)


def nfkc_expansion(rng: random.Random, vocabulary: list[str]) -> str:
    """U+FDFA, which NFKC turns into 18 characters: 73 728 characters after normalisation."""
    return "\ufdfa" * MAX_MESSAGE_LENGTH


def bounded_expansion(rng: random.Random, vocabulary: list[str]) -> str:
    """U+2487 ("(20)"), among the characters NFKC grows most that normalisation keeps (4x)."""
    return "\u2487" * MAX_MESSAGE_LENGTH


def one_letter(rng: random.Random, vocabulary: list[str]) -> str:
    """One letter 4 096 times: one enormous word."""
    return rng.choice(string.ascii_lowercase) * MAX_MESSAGE_LENGTH


def one_word_repeated(rng: random.Random, vocabulary: list[str]) -> str:
    """A known word over and over: the longest run of one word."""
    word = rng.choice(vocabulary)
    return _fill(iter(lambda: word, None))


def random_unicode(rng: random.Random, vocabulary: list[str]) -> str:
    """Code points from the whole range (surrogates aside): scripts, symbols, unassigned ones."""

    def char() -> str:
        while True:
            code = rng.randrange(0x110000)
            if not 0xD800 <= code <= 0xDFFF:
                return chr(code)

    return "".join(char() for _ in range(MAX_MESSAGE_LENGTH // 2))


def many_sentences(rng: random.Random, vocabulary: list[str]) -> str:
    """Hundreds of short sentences of known words (triage judges each sentence)."""

    def sentence() -> Iterator[str]:
        while True:
            yield " ".join(rng.choices(vocabulary, k=rng.randint(1, 3))).capitalize() + "."

    return _fill(sentence())


def zero_width_spam(rng: random.Random, vocabulary: list[str]) -> str:
    """Known words with zero-width characters between every letter."""
    joiners = "\u200b\u200c\u200d\u2060\ufeff"

    def word() -> Iterator[str]:
        while True:
            yield "".join(letter + rng.choice(joiners) for letter in rng.choice(vocabulary))

    return _fill(word())


def distinct_typos(rng: random.Random, vocabulary: list[str]) -> str:
    """Known words each misspelt a different way (a fuzzy lookup each, no two alike)."""

    def typo() -> Iterator[str]:
        while True:
            letters = list(rng.choice(vocabulary))
            position = rng.randrange(len(letters))
            edit = rng.randrange(3)
            if edit == 0:
                letters.insert(position, rng.choice(string.ascii_lowercase))
            elif edit == 1 and len(letters) > 2:
                del letters[position]
            else:
                letters[position] = rng.choice(VOWELS)
            yield "".join(letters)

    return _fill(typo())


GENERATORS: dict[str, Generator] = {
    "censored words": censored_words,
    "2048 x pill emoji": pills,
    "4096 x U+FDFA (18x under NFKC)": nfkc_expansion,
    "4096 x U+2487 (4x under NFKC)": bounded_expansion,
    "one letter 4096 times": one_letter,
    "one known word repeated": one_word_repeated,
    "random unicode": random_unicode,
    "many sentences": many_sentences,
    "zero-width spam": zero_width_spam,
    "distinct typos": distinct_typos,
}


def adversarial_messages(vocabulary: list[str], per_generator: int) -> dict[str, list[str]]:
    """`per_generator` fresh messages from each generator, from fixed seeds (reproducible)."""
    words = [word for word in vocabulary if len(word) >= 3] or ["word"]
    return {
        name: [make(random.Random(f"{name}/{n}"), words) for n in range(per_generator)]
        for name, make in GENERATORS.items()
    }
