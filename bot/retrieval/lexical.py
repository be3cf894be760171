"""The lexical matcher: fuzzy word and character overlap with rapidfuzz.

Messages and every entry's alternate questions, title and keywords are normalised the same way
(folding, synonyms, filler words dropped), then compared. An entry's score is its best-matching
phrasing. The caller decides between answering, asking "did you mean" and falling back, using the
thresholds in `knowledge/retrieval.yaml`, which were chosen by running `python -m bot evaluate`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from bot.normalise import Synonyms, normalise
from bot.retrieval.candidate import Candidate


class Matcher:
    """Ranks keys by how closely a message matches any of their phrasings.

    Two views are blended: word overlap weighted by rarity (IDF), with misspelt words corrected to
    the closest known word, and rapidfuzz's character-level similarity. Words decide *what* is
    asked; character similarity rewards phrasing that is close as a whole. A message sharing no
    known word with a key never matches it, which keeps "best pizza near me" away from diet answers.
    """

    def __init__(
        self, phrasings: dict[str, tuple[str, ...]], synonyms: Synonyms, stopwords: frozenset[str]
    ) -> None:
        self._synonyms = synonyms
        self._stopwords = stopwords
        self._phrases: list[tuple[str, str]] = []  # (key, prepared text)
        for key, texts in phrasings.items():
            prepared = dict.fromkeys(self.prepare(text) for text in texts)
            self._phrases.extend((key, text) for text in prepared if text)
        postings: dict[str, list[int]] = {}  # word -> the phrases that use it
        for index, (_, text) in enumerate(self._phrases):
            for word in set(text.split()):
                postings.setdefault(word, []).append(index)
        self._postings = postings
        count = max(len({key for key, _ in self._phrases}), 1)
        self._idf = {
            word: math.log(1 + count / len({self._phrases[i][0] for i in indices}))
            for word, indices in postings.items()
        }
        self._phrase_weights = [
            sum(self._idf[word] for word in set(text.split())) for _, text in self._phrases
        ]
        self._unknown_weight = math.log(1 + count) * UNKNOWN_WORD_WEIGHT
        self._vocabulary_by_initial: dict[str, list[str]] = {}
        for word in sorted(self._idf):
            self._vocabulary_by_initial.setdefault(word[0], []).append(word)

    def prepare(self, text: str) -> str:
        """The comparable form: normalised words without filler ("what", "is", "my"...)."""
        return " ".join(self._content(normalise(text, self._synonyms).split()))

    def _content(self, words: Sequence[str]) -> list[str]:
        return [word for word in words if word not in self._stopwords]

    def rank(self, normalised: Sequence[str], limit: int = 5) -> list[Candidate]:
        """Rank keys for a message already normalised (`bot.normalise.normalise(...).split()`).

        The caller normalises once and shares the words between matchers.
        """
        words = list(dict.fromkeys(self._content(normalised)))[:MAX_QUERY_WORDS]
        corrected = [self._known(word) for word in words]
        known = set(filter(None, corrected))
        if not known:
            return []
        weight = sum(self._idf[word] for word in known)
        weight += self._unknown_weight * corrected.count(None)
        query = " ".join(fixed or word for word, fixed in zip(words, corrected, strict=True))
        best: dict[str, float] = {}
        for index, overlap in self._overlaps(known, weight)[:SHORTLIST]:
            key, text = self._phrases[index]
            score = WORD_WEIGHT * overlap + (1 - WORD_WEIGHT) * similarity(query, text) / 100
            best[key] = max(best.get(key, 0.0), score)
        # Ties are broken by key so that results never depend on hash order.
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [Candidate(key, round(100 * score, 1)) for key, score in ranked]

    def _overlaps(self, known: set[str], weight: float) -> list[tuple[int, float]]:
        """Phrases sharing a word with the message, by IDF-weighted F-beta overlap, best first."""
        shared: dict[int, float] = {}
        for word in known:
            for index in self._postings[word]:
                shared[index] = shared.get(index, 0.0) + self._idf[word]
        scored = []
        for index, common in shared.items():
            phrase_weight = self._phrase_weights[index]
            recall = common / phrase_weight
            # A rambling message is not penalised beyond being a few times longer than the phrase.
            precision = common / min(weight, LONG_MESSAGE_FACTOR * phrase_weight)
            scored.append((index, (1 + BETA2) * precision * recall / (BETA2 * precision + recall)))
        return sorted(scored, key=lambda item: (-item[1], item[0]))

    def _known(self, word: str) -> str | None:
        """The word itself if known, else the closest known word for a likely typo, else None.

        Only words with the same first letter are candidates: typos rarely hit the first letter,
        and without this real words get "corrected" into others (spain -> pain, gone -> one).
        """
        if word in self._idf:
            return word
        if len(word) < MIN_TYPO_LENGTH:
            return None
        match = process.extractOne(
            word,
            self._vocabulary_by_initial.get(word[0], []),
            scorer=fuzz.ratio,
            score_cutoff=TYPO_SIMILARITY,
        )
        return match[0] if match else None


# Scoring constants, chosen by sweeping them on eval/retrieval.tsv (see README, "Retrieval").
# Character similarity (the costly part) is only computed for this many best-overlapping phrases.
SHORTLIST = 20
LONG_MESSAGE_FACTOR = 2.0
# Long messages: the question is rarely past this many content words.
MAX_QUERY_WORDS = 200
# Shorter words are too easily "corrected" into another word.
MIN_TYPO_LENGTH = 4
TYPO_SIMILARITY = 84.0
# Words the knowledge base never uses weigh a little over half as much as the rarest known word.
UNKNOWN_WORD_WEIGHT = 0.6
# F-beta with beta 2: covering a phrasing matters more than covering a rambling message.
BETA2 = 4.0
WORD_WEIGHT = 0.4


def similarity(query: str, choice: str) -> float:
    """Word-order-insensitive similarity that does not reward a query for being a subset.

    `token_set_ratio` alone gives 100 whenever one side's words are a subset of the other's ("pain"
    against any phrasing containing "pain"), so it is damped by how much of the longer side is covered.
    """
    sort_score = fuzz.token_sort_ratio(query, choice)
    set_score = fuzz.token_set_ratio(query, choice)
    shorter, longer = sorted((len(query), len(choice)))
    coverage = shorter / longer if longer else 0.0
    return max(sort_score, set_score * (0.6 + 0.4 * coverage))
