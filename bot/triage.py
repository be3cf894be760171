"""Safety triage: recognise serious symptoms and crises before any retrieval.

Deterministic and explainable: every decision names the lexicon rule (knowledge/safety.yaml) that made it.
The tiers, most serious first:
- crisis: suicidal thoughts, self-harm, intent, plan or means, harming others;
- emergency: call the emergency number now;
- urgent: stop isotretinoin and contact the prescriber today.
Several urgent signs from different body systems, or one with "worst ever", "sudden" or "getting worse
fast", is an emergency. A negated crisis phrase ("I'm not suicidal") never clears the risk: alone it is
an urgent soft check-in (`checkin=True`, rule `crisis.negated.<rule>`); next to any other risk cue it is
a crisis (`crisis.negated-with-risk.<rule>`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.safety_lexicon import Lexicon, Rule, Tier, load_lexicon
from bot.safety_match import Findings, find
from bot.safety_replies import (
    Region,
    RegionResources,
    Replies,
    load_replies,
    load_resources,
)

__all__ = [
    "Region",
    "SafetyContent",
    "Tier",
    "Triage",
    "escalation_text",
    "load_safety",
    "triage",
]


@dataclass(frozen=True)
class Triage:
    tier: Tier
    rule: str  # the id of the rule that fired, shown by `ask --jsonl` as `triage_rule`
    checkin: bool = False  # a negated crisis phrase: a soft check-in; the answer may follow it


@dataclass(frozen=True)
class SafetyContent:
    regions: dict[str, Region]
    default_region: str
    lexicon: Lexicon
    places: dict[str, RegionResources]  # region code -> its numbers
    replies: Replies

    def reply_kind(self, result: Triage) -> str:
        if result.checkin:
            return "checkin"
        if result.tier is not Tier.URGENT:
            return result.tier.value
        rule = next((r for r in self.lexicon.rules if r.id == result.rule), None)
        if rule is None or rule.group is None:
            return "urgent"
        return self.lexicon.groups[rule.group].reply


def load_safety(directory: Path) -> SafetyContent:
    places, default = load_resources(directory / "resources.yaml")
    return SafetyContent(
        regions={code: place.region for code, place in places.items()},
        default_region=default,
        lexicon=load_lexicon(directory / "safety.yaml"),
        places=places,
        replies=load_replies(directory / "texts" / "safety.yaml"),
    )


def triage(message: str, safety: SafetyContent) -> Triage | None:
    lexicon = safety.lexicon
    return decide(find(lexicon, lexicon.read(message)), lexicon)


def decide(found: Findings, lexicon: Lexicon) -> Triage | None:
    """The most serious tier the findings support, and the rule that explains it."""
    by_tier = {tier: [r for r in found.hits if r.tier is tier] for tier in Tier}
    urgent = by_tier[Tier.URGENT]
    if by_tier[Tier.CRISIS]:
        return Triage(Tier.CRISIS, by_tier[Tier.CRISIS][0].id)
    risky = found.risk_cue or any(lexicon.groups[_group(r)].risk_cue for r in urgent)
    if found.denied and risky:
        return Triage(Tier.CRISIS, f"crisis.negated-with-risk.{_name(found.denied[0])}")
    if by_tier[Tier.EMERGENCY]:
        return Triage(Tier.EMERGENCY, by_tier[Tier.EMERGENCY][0].id)
    upgradable = [r for r in urgent if lexicon.groups[_group(r)].upgrades]
    systems = list(dict.fromkeys(_group(r) for r in upgradable))
    if len(systems) > 1:
        return Triage(Tier.EMERGENCY, f"emergency.upgrade.several-signs.{'+'.join(systems)}")
    if upgradable and found.amplified:
        return Triage(Tier.EMERGENCY, f"emergency.upgrade.amplified.{_name(upgradable[0])}")
    if urgent:
        return Triage(Tier.URGENT, urgent[0].id)
    if found.denied:
        return Triage(Tier.URGENT, f"crisis.negated.{_name(found.denied[0])}", checkin=True)
    return None


def escalation_text(result: Triage, region: str | None, safety: SafetyContent) -> str:
    """The HTML-safe escalation body (no disclaimer: the reply adds it)."""
    place = safety.places.get(region or "") or safety.places[safety.default_region]
    return safety.replies.render(safety.reply_kind(result), place)


def _name(rule: Rule) -> str:
    """A rule's id without its tier prefix: 'crisis.want-to-die' -> 'want-to-die'."""
    return rule.id.split(".", 1)[1]


def _group(rule: Rule) -> str:
    return rule.group or ""
