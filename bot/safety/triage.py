"""Safety triage: recognise serious symptoms and crises before any retrieval.

Deterministic and explainable: every decision names the lexicon rule (knowledge/safety.yaml) that made it.
The tiers, most serious first:
- crisis: suicidal thoughts, self-harm, intent, plan or means, harming others;
- emergency: call the emergency number now;
- urgent: stop isotretinoin and contact the prescriber today.
Urgent signs from different body systems, three or more different signs, or one with "worst ever",
"sudden" or "getting worse fast", are an emergency. A negated crisis phrase ("I'm not suicidal") never
clears the risk: alone it is an urgent soft check-in (`checkin=True`, rule `crisis.negated.<rule>`);
next to any other risk cue it is a crisis (`crisis.negated-with-risk.<rule>`). Rules of a `checkin`
group (the safety net for death words no phrase explains) are soft check-ins too, unless more is found.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from bot.safety.context import Findings, find, said_of_someone_else
from bot.safety.lexicon import Lexicon, Rule, Tier, load_lexicon
from bot.safety.replies import (
    Region,
    RegionResources,
    Replies,
    load_replies,
    load_resources,
)
from bot.safety.second_look import Examples, SecondLook, load_examples

# Different urgent signs of one body system that together are an emergency ("headache, vomiting and
# blurred vision"); two of them are often one problem ("head pounding and vision blurry").
SEVERAL_SIGNS = 3


@dataclass(frozen=True)
class Triage:
    tier: Tier
    rule: str  # the id of the rule that fired, shown by `ask --jsonl` as `triage_rule`
    checkin: bool = False  # a negated crisis phrase: a soft check-in; the answer may follow it
    about_other: bool = False  # said of someone else ("my son said..."): the helper's reply
    reply: str | None = None  # the reply kind, when no lexicon rule names one (the second look)


@dataclass(frozen=True)
class SafetyContent:
    regions: dict[str, Region]
    default_region: str
    lexicon: Lexicon
    places: dict[str, RegionResources]  # region code -> its numbers
    replies: Replies
    examples: Examples  # for the second look, which needs a sentence model (see SecondLook)

    def place(self, region: str | None) -> RegionResources:
        """A region's numbers; the default region's when none is chosen or the code is gone."""
        return self.places.get(region or "") or self.places[self.default_region]

    def reply_kind(self, result: Triage) -> str:
        """The reply text to use; its helper version when the message is about someone else."""
        kind = self._kind(result)
        helper = f"{kind}_helper"
        return helper if result.about_other and helper in self.replies.templates else kind

    def _kind(self, result: Triage) -> str:
        if result.reply is not None:
            return result.reply
        rule = next((r for r in self.lexicon.rules if r.id == result.rule), None)
        if rule is not None and rule.group is not None:
            return self.lexicon.groups[rule.group].reply
        if result.checkin:
            return "checkin"
        return result.tier.value


def load_safety(directory: Path) -> SafetyContent:
    places, default = load_resources(directory / "resources.yaml")
    return SafetyContent(
        regions={code: place.region for code, place in places.items()},
        default_region=default,
        lexicon=load_lexicon(directory / "safety.yaml"),
        places=places,
        replies=load_replies(directory / "texts" / "safety.yaml"),
        examples=load_examples(directory / "safety-examples.yaml"),
    )


SECOND_LOOK_RULE = "crisis.second-look"


def triage(
    message: str, safety: SafetyContent, second_look: SecondLook | None = None
) -> Triage | None:
    """The lexicon's decision; when it finds nothing, the second look's check-in, if one is given."""
    lexicon = safety.lexicon
    document = lexicon.read(message)
    found = find(lexicon, document)
    result = decide(found, lexicon)
    if result is None and second_look is not None and second_look.concerned(message, document):
        return Triage(Tier.URGENT, SECOND_LOOK_RULE, checkin=True, reply=second_look.reply)
    place = found.places.get(result.rule) if result is not None else None
    if result is not None and place is not None and said_of_someone_else(lexicon, document, place):
        return replace(result, about_other=True)
    return result


def decide(found: Findings, lexicon: Lexicon) -> Triage | None:
    """The most serious tier the findings support, and the rule that explains it."""
    by_tier = {tier: [r for r in found.hits if r.tier is tier] for tier in Tier}
    if by_tier[Tier.CRISIS]:
        return Triage(Tier.CRISIS, by_tier[Tier.CRISIS][0].id)
    risky = found.risk_cue or any(lexicon.groups[_group(r)].risk_cue for r in by_tier[Tier.URGENT])
    if found.denied and risky:
        return Triage(Tier.CRISIS, f"crisis.negated-with-risk.{_name(found.denied[0])}")
    if by_tier[Tier.EMERGENCY]:
        return Triage(Tier.EMERGENCY, by_tier[Tier.EMERGENCY][0].id)
    upgraded = _upgrade(by_tier[Tier.URGENT], found.amplified, lexicon)
    if upgraded is not None:
        return upgraded
    urgent = [r for r in by_tier[Tier.URGENT] if not lexicon.groups[_group(r)].checkin]
    if urgent:
        return Triage(Tier.URGENT, urgent[0].id)
    if found.denied:
        return Triage(Tier.URGENT, f"crisis.negated.{_name(found.denied[0])}", checkin=True)
    if by_tier[Tier.URGENT]:
        return Triage(Tier.URGENT, by_tier[Tier.URGENT][0].id, checkin=True)
    return None


def _upgrade(urgent: list[Rule], amplified: bool, lexicon: Lexicon) -> Triage | None:
    """Emergency for urgent signs of two body systems, three different signs, or an amplified one."""
    upgradable = [r for r in urgent if lexicon.groups[_group(r)].upgrades]
    systems = list(dict.fromkeys(_group(r) for r in upgradable))
    if len(systems) > 1:
        return Triage(Tier.EMERGENCY, f"emergency.upgrade.several-signs.{'+'.join(systems)}")
    if len(upgradable) >= SEVERAL_SIGNS:
        signs = "+".join(_name(r) for r in upgradable)
        return Triage(Tier.EMERGENCY, f"emergency.upgrade.several-signs.{signs}")
    if upgradable and amplified:
        return Triage(Tier.EMERGENCY, f"emergency.upgrade.amplified.{_name(upgradable[0])}")
    return None


def escalation_text(result: Triage, region: str | None, safety: SafetyContent) -> str:
    """The HTML-safe escalation body (no disclaimer: the reply adds it)."""
    return safety.replies.render(safety.reply_kind(result), safety.place(region))


def _name(rule: Rule) -> str:
    """A rule's id without its tier prefix: 'crisis.want-to-die' -> 'want-to-die'."""
    return rule.id.split(".", 1)[1]


def _group(rule: Rule) -> str:
    return rule.group or ""
