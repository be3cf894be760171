"""Safety triage: recognise serious symptoms and crises before any retrieval.

INTERFACE STUB (to be replaced by the safety work, issue 3). The names and signatures below are the contract
that bot/reply.py and the Telegram layer rely on.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Tier(StrEnum):
    URGENT = "urgent"
    EMERGENCY = "emergency"
    CRISIS = "crisis"


@dataclass(frozen=True)
class Triage:
    tier: Tier
    rule: str  # the id of the rule that fired, shown by `ask --jsonl` as `triage_rule`
    checkin: bool = False  # a negated crisis phrase: a soft check-in; the answer may follow it


@dataclass(frozen=True)
class Region:
    code: str  # "us", "gb", ..., "intl"
    name: str  # "United Kingdom"


@dataclass(frozen=True)
class SafetyContent:
    regions: dict[str, Region]
    default_region: str


def load_safety(directory: Path) -> SafetyContent:
    return SafetyContent(regions={"intl": Region("intl", "International")}, default_region="intl")


def triage(message: str, safety: SafetyContent) -> Triage | None:
    return None


def escalation_text(result: Triage, region: str | None, safety: SafetyContent) -> str:
    """The HTML-safe escalation body (no disclaimer: the reply adds it)."""
    raise NotImplementedError
