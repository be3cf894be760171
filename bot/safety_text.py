"""Triage's view of a message: a list of canonical words and sentence punctuation.

Built on `normalise.fold`, then: emoji become words (💊 → pills), newlines end sentences, leetspeak
is decoded (k1ll → kill), stretched letters shrink (pleeease → please), contractions expand
(can't → can not), slang and abbreviations are rewritten (kms → kill myself), as are their typos
(wnana → want to). The lexicon's phrases are written in this canonical form. `options` gives, for
each word, the lexicon words it may be a typo of (klil → kill); real words are never typos.
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

# A typo is one edit (OSA: a letter dropped, added, changed, or two swapped) away from a lexicon word of
# at least MIN_TYPO_TARGET letters, keeping the first letter: "klil", "lvie", "ded" but never "dye".
MIN_TYPO_TARGET = 4
MIN_TYPO_WORD = 3


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
        self._not_typos = not_typos
        self._known = vocabulary | not_typos | frozenset(single)
        self._word_targets = _by_initial(vocabulary)
        self._rewrite_targets = _by_initial(frozenset(single))
        self.canonical = lru_cache(maxsize=8192)(self._canonical)
        self.options = lru_cache(maxsize=8192)(self._options)

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
        if expanded is not None:  # the stem may itself be stretched or misspelt ("wassn't")
            stem, *rest = expanded
            return (*self.canonical(stem), *rest)
        if "*" in stretched:
            return (self._censored(stretched),)
        return self._rewritten_typo(stretched) or (stretched,)

    def _rewritten_typo(self, word: str) -> tuple[str, ...] | None:
        """A typo of exactly one rewritten word ("wnana" for "wanna"), and of no lexicon word."""
        if len(word) < MIN_TYPO_TARGET or _near(word, self._word_targets):
            return None
        meanings = {self._single_rewrites[v] for v in _near(word, self._rewrite_targets)}
        return meanings.pop() if len(meanings) == 1 else None

    def _options(self, word: str) -> frozenset[str]:
        """The word, and the lexicon words it may be a typo of."""
        if word in self._not_typos or len(word) < MIN_TYPO_WORD or not word.isalpha():
            return frozenset({word})
        return frozenset({word, *_near(word, self._word_targets)})

    def _censored(self, word: str) -> str:
        """'k*ll' or 's*icide': the one known word that fits, '*' standing for one letter."""
        pattern = re.compile(re.escape(word).replace(r"\*", "[a-z]"))
        fits = [known for known in self._known if pattern.fullmatch(known)]
        return fits[0] if len(fits) == 1 else word


def _by_initial(words: frozenset[str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for word in words:
        if len(word) >= MIN_TYPO_TARGET and word.isalpha():
            found.setdefault(word[0], []).append(word)
    return {initial: tuple(sorted(group)) for initial, group in found.items()}


def _near(word: str, targets: Mapping[str, tuple[str, ...]]) -> list[str]:
    return [
        target
        for target in targets.get(word[0], ())
        if target != word
        and abs(len(target) - len(word)) <= 1
        and OSA.distance(word, target, score_cutoff=1) <= 1
    ]


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
