"""Ranks keys by meaning: the nearest of each key's phrasings in the encoder's vector space.

The index is built ("trained") from the content when it loads, so it can never be stale: a nearest-
neighbour classifier over every alternate question needs no artefact and takes milliseconds to build.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from bot.retrieval.candidate import Candidate
from bot.retrieval.encoder import Encoder


class SemanticIndex:
    def __init__(self, phrasings: Mapping[str, Sequence[str]], encoder: Encoder) -> None:
        self._encoder = encoder
        # Phrasings grouped by key, so that a key's best is one `maximum.reduceat` over its run.
        pairs = sorted(
            (key, text) for key, texts in phrasings.items() for text in dict.fromkeys(texts)
        )
        self._keys = sorted({key for key, _ in pairs})
        firsts: dict[str, int] = {}
        for index, (key, _) in enumerate(pairs):
            firsts.setdefault(key, index)
        self._starts = np.array([firsts[key] for key in self._keys], dtype=np.intp)
        self._vectors = encoder.encode([text for _, text in pairs]) if pairs else None

    def rank_many(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """For each text, every key's score (0-100): the cosine of its closest phrasing."""
        if self._vectors is None or not texts:
            return [{} for _ in texts]
        # One matrix-vector product per text: a matrix product of these sizes goes to a BLAS that
        # wakes its thread pool, 10-30 times slower than this on a busy two-core machine.
        vectors = self._vectors
        similarities = np.stack([vectors @ query for query in self._encoder.encode(texts)])
        best = np.maximum.reduceat(similarities, self._starts, axis=1)
        scores = np.round(100.0 * np.clip(best, 0.0, None), 1).tolist()
        return [dict(zip(self._keys, row, strict=True)) for row in scores]

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        scores = self.rank_many([text])[0]
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [Candidate(key, score) for key, score in ranked]
