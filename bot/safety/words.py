"""Triage's view of a message: a list of canonical words and sentence punctuation.

Built on `normalise.fold`, then: emoji become words (💊 → pills), newlines end sentences, leetspeak
is decoded (k1ll → kill), stretched letters shrink (pleeease → please), contractions expand
(can't → can not), slang and abbreviations are rewritten (kms → kill myself), as are their typos
(wnana → want to), and a word that is another known word with two neighbouring letters swapped
becomes that word (slef → self, wsant → wasnt → was not). A contraction's stem may be a typo too:
"n't" follows an auxiliary (dosn't → does not) and "'s" is "is" after a time word or a pronoun, its
typos included (tonght's → tonght is). The lexicon's phrases are written in this canonical form.
`options` gives, for each word, the lexicon words it may be a typo of (klil → kill, weeend →
weekend: three letters alike are not always a stretched word).
Real words are not typos, with two exceptions: a doubled letter may be a slip (stoop → stop, bleed →
bled), and the lexicon lists a few real words that are common typos of its own words (hut → hurt).
"""

from __future__ import annotations

import re
import unicodedata
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
# An ellipsis is a pause, not the end of a sentence: "i want to die... of laughter" is one clause.
_ELLIPSIS = re.compile(r"\.{2,}|…")
# "39.4" is "39" to triage: a decimal point must not end a sentence ("temperature 39.4").
_DECIMAL = re.compile(r"(\d+)[.,]\d+")
# French and Italian elision: "j'ai", "d'en", "l'ho" are two words ("j ai", "d en", "l ho").
_ELISION = re.compile(r"(qu|[cdjlmnst])'(\w{2,})")
_DOUBLED = re.compile(r"(\w)\1+")

# Contractions whose stem is not the first word ("can't" is "can not", not "ca not").
_IRREGULAR = {"can't": ("can", "not"), "won't": ("will", "not"), "ain't": ("is", "not")}
_SUFFIXES = {"n't": "not", "'m": "am", "'re": "are", "'ve": "have", "'ll": "will", "'d": "would"}
# The words "n't" follows: any other stem is a slip of one of them ("dosn't", "woudn't").
_AUXILIARIES = frozenset(
    {"do", "does", "did", "is", "was", "are", "were", "have", "has", "had", "could", "would"}
    | {"should", "might", "must", "need", "dare", "ought"}
)
# "'s" is "is" after these (or a typo of one: "tonght's"); after anything else it is a possessive
# ("mum's") and is dropped.
_IS_OR_POSSESSIVE = "'s"
_IS_AFTER = frozenset(
    {"it", "that", "what", "there", "here", "he", "she", "who", "everything", "life", "time"}
    | {"tonight", "today", "tomorrow", "nobody", "everyone", "everybody", "someone", "nothing"}
)

# A typo is one edit (OSA: a letter dropped, added, changed, or two swapped) away from a lexicon word of
# at least MIN_TYPO_TARGET letters, keeping the first letter: "klil", "lvie", "ded" but never "dye".
MIN_TYPO_TARGET = 4
MIN_TYPO_WORD = 3
# A stretched or doubled word is never shrunk to fewer letters than this.
MIN_SHRUNK = 3


class Tokeniser:
    """Turns a message into canonical words; one instance per loaded lexicon, safe to share."""

    def __init__(
        self,
        *,
        emoji: Mapping[str, str],
        rewrites: Mapping[str, str],
        vocabulary: frozenset[str],
        not_typos: frozenset[str],
        real_word_typos: Mapping[str, frozenset[str]],
    ) -> None:
        self._emoji = dict(emoji)
        self._emoji_pattern = re.compile(
            "|".join(re.escape(e) for e in sorted(self._emoji, key=len, reverse=True)) or "(?!)"
        )
        single = {k: tuple(v.split()) for k, v in rewrites.items() if " " not in k}
        self._single_rewrites = single
        self._phrase_rewrites = Synonyms({k: v for k, v in rewrites.items() if " " in k})
        # words of multi-word variants ("my self"): rewritten only when spelt exactly
        self._phrase_words = frozenset(w for k in rewrites if " " in k for w in k.split())
        self._vocabulary = vocabulary
        self._not_typos = not_typos
        self._known = vocabulary | not_typos | frozenset(single)
        self._real_word_typos = dict(real_word_typos)
        self._rewrite_letters = _by_letters(frozenset(single) | self._phrase_words)
        self._known_letters = _by_letters(self._known)
        self._word_targets = _by_initial(vocabulary)
        self._known_by_letter = _by_letter_at(self._known)
        self._rewrite_targets = _by_initial(frozenset(single))
        self.canonical = lru_cache(maxsize=8192)(self._canonical)
        self.options = lru_cache(maxsize=8192)(self._options)

    def tokens(self, message: str) -> list[str]:
        text = fold(message.replace("\n", " . ").replace("\ufe0f", ""))
        text = _ELLIPSIS.sub(" , ", self._emoji_pattern.sub(self._emoji_word, text))
        text = _DECIMAL.sub(r"\1", text)
        words: list[str] = []
        for raw in _TOKEN.findall(text):
            for part in _elided(_unaccented(raw)):
                words.extend(self.canonical(part))
        return _without_long_runs(self._phrase_rewrites.apply(words))

    def _emoji_word(self, match: re.Match[str]) -> str:
        return f" {self._emoji[match.group()]} "

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
            # "diiie", "diee" -> "die"; but "odd" stays "odd", and "hee" (here) is never "he"
            if len(shrunk) >= MIN_SHRUNK and shrunk in self._vocabulary:
                return (shrunk,)
        expanded = _expand_contraction(stretched)
        if expanded is not None:
            return self._contraction(stretched, *expanded)
        if "*" in stretched:
            return (self._censored(stretched),)
        # Rewrites need the exact word: a swap ("wsant", "slef") is undone first. Other typos are
        # left to `options`, where a swap may also be a dropped letter ("evry" is "every", not "very").
        swapped = _unswapped(stretched, self._rewrite_letters)
        if swapped is not None:
            return self.canonical(swapped)
        if stretched != word and not self._near_word(stretched) and self._near_word(word):
            stretched = word  # "weeend": a letter dropped between two, not a stretched word
        return self._rewritten_typo(stretched) or (stretched,)

    def _contraction(self, word: str, stem: str, *rest: str) -> tuple[str, ...]:
        """A contraction's words, its stem's slips put right ("wassn't", "dosn't", "toinght's")."""
        fixed = _auxiliary(stem) if rest == ("not",) else None
        fixed = fixed or self._known_stem(stem)
        if fixed is not None and fixed != stem and word.startswith(stem):
            return self.canonical(fixed + word[len(stem) :])
        words = self.canonical(stem)
        if rest == (_IS_OR_POSSESSIVE,):  # "tomorow's" is "tomorrow is", "tonght's" "tonight is"
            rest = ("is",) if words and self.options(words[-1]) & _IS_AFTER else ()
        return (*words, *rest)

    def _known_stem(self, stem: str) -> str | None:
        """A contraction's stem as a known word: as it is, with a doubled letter single, or with two
        swapped letters put back."""
        if stem in self._known:
            return stem
        single = _DOUBLED.sub(r"\1", stem)
        if single in self._known:
            return single
        return _unswapped(stem, self._known_letters)

    def _rewritten_typo(self, word: str) -> tuple[str, ...] | None:
        """A typo of exactly one rewritten word ("wnana" for "wanna", "sef" in "my sef"), and of no
        other lexicon word."""
        near = self._near_word(word)
        if len(near) == 1 and near[0] in self._phrase_words:
            return (near[0],)
        if len(word) < MIN_TYPO_TARGET or near:
            return None
        meanings = {self._single_rewrites[v] for v in _near(word, self._rewrite_targets)}
        return meanings.pop() if len(meanings) == 1 else None

    def typo_targets(self, word: str) -> list[str]:
        """The lexicon words and one-word rewrite variants `word` is one edit from, even if it is a
        real word: a real word near any of them must be listed as one (bot/safety/real_words.py)."""
        return [*_near(word, self._word_targets), *_near(word, self._rewrite_targets)]

    def _near_word(self, word: str) -> list[str]:
        """The lexicon words `word` may be a typo of, real word or not."""
        return _near(word, self._word_targets) if len(word) >= MIN_TYPO_WORD else []

    def _options(self, word: str) -> frozenset[str]:
        """The word, and the lexicon words it may be a typo of."""
        if len(word) < MIN_TYPO_WORD or not word.isalpha():
            return frozenset({word})
        listed = self._real_word_typos.get(word, frozenset())
        if word in self._not_typos:
            return frozenset({word, *self._undoubled(word), *listed})
        return frozenset({word, *_near(word, self._word_targets), *listed})

    def _undoubled(self, word: str) -> list[str]:
        """Lexicon words that `word` is with one letter typed twice ("stoop" -> "stop")."""
        return [
            shorter
            for index in range(1, len(word))
            if word[index] == word[index - 1]
            and (shorter := word[:index] + word[index + 1 :]) in self._vocabulary
        ]

    def _censored(self, word: str) -> str:
        """'k*ll' or 's*icide': the one known word that fits, '*' standing for one letter.

        Only known words of the same length with the same letter at the word's rarest position are
        compared, so a thousand made-up censored words cost what a few do (no pattern per word)."""
        letters = [(i, c) for i, c in enumerate(word) if c != "*"]
        if not letters:
            return word
        buckets = [self._known_by_letter.get((len(word), i, c), ()) for i, c in letters]
        fits = [known for known in min(buckets, key=len) if all(known[i] == c for i, c in letters)]
        return fits[0] if len(fits) == 1 else word


# More of the same word in a row says nothing new ("💊" x 2048): triage reads at most this many.
MAX_REPEATS = 3


def _without_long_runs(words: list[str]) -> list[str]:
    kept: list[str] = []
    for word in words:
        if len(kept) < MAX_REPEATS or any(w != word for w in kept[-MAX_REPEATS:]):
            kept.append(word)
    return kept


def _by_letter_at(words: frozenset[str]) -> dict[tuple[int, int, str], tuple[str, ...]]:
    """(length, position, letter) -> the words with that letter there."""
    found: dict[tuple[int, int, str], list[str]] = {}
    for word in sorted(words):
        for index, letter in enumerate(word):
            found.setdefault((len(word), index, letter), []).append(word)
    return {key: tuple(value) for key, value in found.items()}


@lru_cache(maxsize=8192)
def _unaccented(word: str) -> str:
    """ "isotretinoína" -> "isotretinoina": the lexicon writes other languages without accents."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _elided(word: str) -> tuple[str, ...]:
    match = _ELISION.fullmatch(word)
    return (match.group(1), match.group(2)) if match else (word,)


def _by_initial(words: frozenset[str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for word in words:
        if len(word) >= MIN_TYPO_TARGET and word.isalpha():
            found.setdefault(word[0], []).append(word)
    return {initial: tuple(sorted(group)) for initial, group in found.items()}


def _unswapped(word: str, known: Mapping[str, tuple[str, ...]]) -> str | None:
    """The one word of `known` that `word` is with two neighbouring letters swapped ("slef")."""
    fits = [
        candidate
        for candidate in known.get("".join(sorted(word)), ())
        if OSA.distance(word, candidate, score_cutoff=1) == 1
    ]
    return fits[0] if len(fits) == 1 else None


def _by_letters(words: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Words of 3+ letters by their sorted letters: the words a swap of two letters can turn into."""
    found: dict[str, list[str]] = {}
    for word in words:
        if len(word) >= MIN_TYPO_WORD and word.isalpha():
            found.setdefault("".join(sorted(word)), []).append(word)
    return {letters: tuple(sorted(group)) for letters, group in found.items()}


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
        return (word[:-2], _IS_OR_POSSESSIVE)
    return None


def _auxiliary(stem: str) -> str | None:
    """The auxiliary an "n't" stem is, or is one slip from ("dos" in "dosn't" is "does"); the
    longer first, a dropped letter being the commonest slip ("hav" is "have", not "has")."""
    if stem in _AUXILIARIES:
        return stem
    near = [
        auxiliary
        for auxiliary in _AUXILIARIES
        if auxiliary[0] == stem[0] and OSA.distance(stem, auxiliary, score_cutoff=1) <= 1
    ]
    return max(near, key=lambda auxiliary: (len(auxiliary), auxiliary), default=None)
