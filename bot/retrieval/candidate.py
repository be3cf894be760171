"""What every matcher returns: a key and how well the message matches it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    key: str  # an entry id, an out-of-scope topic id or a small-talk id
    score: float  # 0-100
