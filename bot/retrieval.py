"""Fuzzy retrieval of knowledge-base entries with rapidfuzz.

Messages and every entry's alternate questions, title and keywords are normalised the same way (folding,
synonyms, filler words dropped), then compared. An entry's score is its best-matching phrasing. The caller
decides between answering, asking "did you mean" and falling back, using the thresholds in
`knowledge/retrieval.yaml`, which were chosen by running `python -m bot evaluate`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.content import Fields, read_yaml
from bot.normalise import Synonyms, normalise

TUNING_FIELDS = ("stopwords", "answer_score", "clarify_score", "margin", "max_suggestions")


@dataclass(frozen=True)
class Tuning:
    stopwords: frozenset[str]
    answer_score: float  # best score needed to answer directly
    clarify_score: float  # best score needed to offer "did you mean"
    margin: float  # lead over the runner-up needed to answer directly
    max_suggestions: int


@dataclass(frozen=True)
class Candidate:
    key: str  # an entry id (or a small-talk id for the small-talk matcher)
    score: float  # 0-100


def load_tuning(path: Path) -> Tuning:
    fields = Fields(read_yaml(path), path)
    fields.reject_unknown(TUNING_FIELDS)

    def number(name: str) -> float:
        value = fields.data.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise fields.error(name, "must be a number from 0 to 100")
        return float(value)

    return Tuning(
        stopwords=frozenset(" ".join(fields.text_list("stopwords")).casefold().split()),
        answer_score=number("answer_score"),
        clarify_score=number("clarify_score"),
        margin=number("margin"),
        max_suggestions=int(number("max_suggestions")),
    )


class Matcher:
    """Ranks keys by how closely a message matches any of their phrasings.

    Two views are blended: word overlap weighted by rarity (IDF), with misspelt words corrected to the
    closest known word, and rapidfuzz's character-level similarity. Words decide *what* is asked; character
    similarity rewards phrasing that is close as a whole. A message sharing no known word with a key never
    matches it, which keeps "best pizza near me" away from the diet answers.
    """

    def __init__(
        self, phrasings: dict[str, tuple[str, ...]], synonyms: Synonyms, stopwords: frozenset[str]
    ) -> None:
        self._synonyms = synonyms
        self._stopwords = stopwords
        self._phrasings: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for key, texts in phrasings.items():
            prepared = dict.fromkeys(self.prepare(text) for text in texts)
            self._phrasings[key] = [(text, frozenset(text.split())) for text in prepared if text]
        keys_by_word: dict[str, set[str]] = {}
        for key, variants in self._phrasings.items():
            for _, words in variants:
                for word in words:
                    keys_by_word.setdefault(word, set()).add(key)
        self._keys_by_word = keys_by_word
        count = max(len(self._phrasings), 1)
        self._idf = {word: math.log(1 + count / len(keys)) for word, keys in keys_by_word.items()}
        self._unknown_weight = math.log(1 + count) * UNKNOWN_WORD_WEIGHT
        self._vocabulary = sorted(self._idf)

    def prepare(self, text: str) -> str:
        """The comparable form: normalised words without filler ("what", "is", "my"...)."""
        words = normalise(text, self._synonyms).split()
        return " ".join(word for word in words if word not in self._stopwords)

    def rank(self, message: str, limit: int = 5) -> list[Candidate]:
        words = list(dict.fromkeys(self.prepare(message).split()))[:MAX_QUERY_WORDS]
        known = {self._known(word) for word in words} - {None}
        if not known:
            return []
        weight = sum(self._idf[w] for w in known if w) + self._unknown_weight * (
            len(words) - len(known)
        )
        query = " ".join(self._known(word) or word for word in words)
        keys = {key for word in known if word for key in self._keys_by_word[word]}
        scored = [
            Candidate(key, round(self._score(key, query, known, weight), 1)) for key in keys
        ]
        return sorted(scored, key=lambda candidate: -candidate.score)[:limit]

    def _known(self, word: str) -> str | None:
        """The word itself if known, else the closest known word for a likely typo, else None."""
        if word in self._idf:
            return word
        if len(word) < MIN_TYPO_LENGTH:
            return None
        match = process.extractOne(
            word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_SIMILARITY
        )
        return match[0] if match else None

    def _score(self, key: str, query: str, known: set[str | None], weight: float) -> float:
        best = 0.0
        for text, words in self._phrasings[key]:
            shared = sum(self._idf[word] for word in words if word in known)
            if not shared:
                continue
            phrasing_weight = sum(self._idf[word] for word in words)
            recall = shared / phrasing_weight
            # A rambling message is not penalised beyond being a few times longer than the phrasing.
            precision = shared / min(weight, LONG_MESSAGE_FACTOR * phrasing_weight)
            overlap = (1 + BETA2) * precision * recall / (BETA2 * precision + recall)
            characters = similarity(query, text) / 100
            best = max(best, WORD_WEIGHT * overlap + (1 - WORD_WEIGHT) * characters)
        return 100 * best


LONG_MESSAGE_FACTOR = 2.0
MAX_QUERY_WORDS = 200  # long messages: the question is rarely past this many content words
MIN_TYPO_LENGTH = 4  # shorter words are too easily "corrected" into another word
TYPO_SIMILARITY = 84.0
UNKNOWN_WORD_WEIGHT = 0.6  # words the knowledge base never uses weigh a little over half the rarest
BETA2 = 4.0  # F-beta with beta 2: covering a phrasing matters more than covering a rambling message
WORD_WEIGHT = 0.4


def similarity(query: str, choice: str) -> float:
    """Word-order-insensitive similarity that does not reward a query for being a subset of a choice.

    `token_set_ratio` alone gives 100 whenever one side's words are a subset of the other's ("pain" against
    any phrasing containing "pain"), so it is damped by how much of the longer side is covered.
    """
    sort_score = fuzz.token_sort_ratio(query, choice)
    set_score = fuzz.token_set_ratio(query, choice)
    shorter, longer = sorted((len(query), len(choice)))
    coverage = shorter / longer if longer else 0.0
    return max(sort_score, set_score * (0.6 + 0.4 * coverage))
