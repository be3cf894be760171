"""Triage's view of a message: a list of canonical words and sentence punctuation.

Built on `normalise.fold`, then: emoji become words (💊 → pills), newlines end sentences, leetspeak is
decoded (k1ll → kill), stretched letters shrink (pleeease → please), contractions expand (can't → can not),
slang and abbreviations are rewritten (kms → kill myself) and typos in the lexicon's key words are
corrected (headahce → headache). The lexicon's phrases are written in this canonical form, so matching is
plain whole-word comparison.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from rapidfuzz.distance import OSA

from bot.normalise import Synonyms, fold

# Punctuation that triage keeps as tokens: sentence ends stop a phrase gap and a negation's scope.
SENTENCE_ENDS = frozenset(".!?;")
PUNCTUATION = SENTENCE_ENDS | {","}

_TOKEN = re.compile(r"[\w@$*']+|[.!?;,]")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_LEET_WORD = re.compile(r"(?=.*[a-z])(?=.*[0-9@$])[a-z@$][a-z0-9@$]*")
_STRETCHED = re.compile(r"(\w)\1{2,}")
_DOUBLED = re.compile(r"(\w)\1+")

# Contractions whose stem is not the first word ("can't" is "can not", not "ca not").
_IRREGULAR = {"can't": ("can", "not"), "won't": ("will", "not"), "ain't": ("is", "not")}
_SUFFIXES = {"n't": "not", "'m": "am", "'re": "are", "'ve": "have", "'ll": "will", "'d": "would"}
# "'s" is "is" after these; after anything else it is a possessive ("mum's") and is dropped.
_IS_AFTER = frozenset(
    {"it", "that", "what", "there", "here", "he", "she", "who", "everything", "life"}
)

MIN_TYPO_LENGTH = 5  # shorter words have too many real neighbours ("kiss"/"kills") to guess a typo


class Tokeniser:
    """Turns a message into canonical words; one instance per loaded lexicon, safe to share."""

    def __init__(
        self,
        *,
        emoji: Mapping[str, str],
        rewrites: Mapping[str, str],
        vocabulary: frozenset[str],
        not_typos: frozenset[str],
    ) -> None:
        self._emoji = dict(emoji)
        self._emoji_pattern = re.compile(
            "|".join(re.escape(e) for e in sorted(self._emoji, key=len, reverse=True)) or "(?!)"
        )
        single = {k: tuple(v.split()) for k, v in rewrites.items() if " " not in k}
        self._single_rewrites = single
        self._phrase_rewrites = Synonyms({k: v for k, v in rewrites.items() if " " in k})
        self._vocabulary = vocabulary
        self._known = vocabulary | not_typos | frozenset(single)
        by_initial: dict[str, list[str]] = {}
        for word in vocabulary:
            if len(word) >= MIN_TYPO_LENGTH and word.isalpha():
                by_initial.setdefault(word[0], []).append(word)
        self._typo_targets = {k: tuple(sorted(v)) for k, v in by_initial.items()}
        self.canonical = lru_cache(maxsize=8192)(self._canonical)

    def tokens(self, message: str) -> list[str]:
        text = fold(message.replace("\n", " . ").replace("\ufe0f", ""))
        text = self._emoji_pattern.sub(lambda m: f" {self._emoji[m.group()]} ", text)
        words: list[str] = []
        for raw in _TOKEN.findall(text):
            words.extend(self.canonical(raw))
        return self._phrase_rewrites.apply(words)

    def _canonical(self, raw: str) -> tuple[str, ...]:
        if raw in PUNCTUATION:
            return (raw,)
        word = raw.strip("'")
        if not word:
            return ()
        if _LEET_WORD.fullmatch(word):
            word = word.translate(_LEET)
        stretched = _STRETCHED.sub(r"\1\1", word)
        if stretched in self._single_rewrites:
            return self._single_rewrites[stretched]
        if stretched in self._known:
            return (stretched,)
        for shrunk in (_STRETCHED.sub(r"\1", word), _DOUBLED.sub(r"\1", word)):
            if shrunk in self._vocabulary:  # "diiie", "diee" -> "die"; but "odd" stays "odd"
                return (shrunk,)
        expanded = _expand_contraction(stretched)
        if expanded is not None:
            return expanded
        if "*" in stretched:
            return (self._censored(stretched),)
        return (self._correct_typo(stretched),)

    def _correct_typo(self, word: str) -> str:
        """A lexicon word one edit away (same first letter), else the word itself."""
        if len(word) < MIN_TYPO_LENGTH:
            return word
        for target in self._typo_targets.get(word[0], ()):
            if (
                abs(len(target) - len(word)) <= 1
                and OSA.distance(word, target, score_cutoff=1) <= 1
            ):
                return target
        return word

    def _censored(self, word: str) -> str:
        """'k*ll' or 's*icide': the one known word that fits, '*' standing for one letter."""
        pattern = re.compile(re.escape(word).replace(r"\*", "[a-z]"))
        fits = [known for known in self._known if pattern.fullmatch(known)]
        return fits[0] if len(fits) == 1 else word


def _expand_contraction(word: str) -> tuple[str, ...] | None:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for suffix, meaning in _SUFFIXES.items():
        if word.endswith(suffix) and len(word) > len(suffix):
            return (word[: -len(suffix)], meaning)
    if word.endswith("'s") and len(word) > 2:
        stem = word[:-2]
        return (stem, "is") if stem in _IS_AFTER else (stem,)
    return None
