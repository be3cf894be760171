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
        pairs = [(key, text) for key, texts in phrasings.items() for text in dict.fromkeys(texts)]
        self._keys = sorted({key for key, _ in pairs})
        position = {key: index for index, key in enumerate(self._keys)}
        self._owner = np.array([position[key] for key, _ in pairs], dtype=np.intp)
        self._vectors = encoder.encode([text for _, text in pairs]) if pairs else None

    def rank_many(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """For each text, every key's score (0-100): the cosine of its closest phrasing."""
        if self._vectors is None or not texts:
            return [{} for _ in texts]
        similarities = self._encoder.encode(texts) @ self._vectors.T
        results = []
        for row in similarities:
            best = np.full(len(self._keys), -1.0, dtype=np.float32)
            np.maximum.at(best, self._owner, row)
            results.append(
                {
                    key: round(100.0 * max(float(score), 0.0), 1)
                    for key, score in zip(self._keys, best, strict=True)
                }
            )
        return results

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        scores = self.rank_many([text])[0]
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [Candidate(key, score) for key, score in ranked]
