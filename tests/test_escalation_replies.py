"""Escalation replies in every region: the right numbers, the disclaimer, and nothing unsafe in them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.content import ContentError
from bot.render import escape
from bot.reply import ChatSettings, Kind, Reply, Responder
from bot.safety import SafetyContent, Tier, load_safety, triage
from bot.safety.replies import RegionResources
from tests.helpers import edit_file

# One message per reply text, with the tier it is reported as.
MESSAGES = {
    "crisis": ("I want to die", Tier.CRISIS),
    "emergency": ("my throat is closing up", Tier.EMERGENCY),
    "urgent": ("blurry vision since yesterday", Tier.URGENT),
    "urgent_mood": ("i've been so depressed since starting round 2", Tier.URGENT),
    "urgent_pregnancy": ("the condom broke last night", Tier.URGENT),
    "checkin": ("I'm not suicidal", Tier.URGENT),
    "checkin_concern": ("honestly i have nothing to lose anymore", Tier.URGENT),
}
CHECKINS = ("checkin", "checkin_concern")  # soft check-ins: the answer, if any, follows
# Words that would be method or dose information, or that safe-messaging guidance rules out.
FORBIDDEN = re.compile(
    r"\b(mg|milligrams?|doses?|overdose|lethal|fatal|pills?|tablets?|capsules?|how many|"
    r"committed|successful|promise)\b",
    re.IGNORECASE,
)


def region_codes(responder: Responder) -> list[str]:
    return list(responder.knowledge.safety.places)


def reply_in(responder: Responder, kind: str, region: str | None) -> Reply:
    message, tier = MESSAGES[kind]
    reply = responder.reply(message, ChatSettings(region=region))
    assert reply.kind is Kind.ESCALATION
    assert reply.escalation is tier
    result = triage(message, responder.knowledge.safety)
    assert result is not None
    assert responder.knowledge.safety.reply_kind(result) == kind
    return reply


def body(reply: Reply, responder: Responder) -> str:
    """The reply without its closing: the disclaimer, or for a crisis its own closing line."""
    key = "reply.crisis_closing" if reply.escalation is Tier.CRISIS else "reply.disclaimer"
    closing = escape(responder.knowledge.texts(key))
    assert reply.text.endswith(f"<i>{closing}</i>")
    return reply.text.removesuffix(f"<i>{closing}</i>")


def region_numbers(place: RegionResources) -> list[str]:
    texts = [place.emergency, place.urgent_care]
    texts += [text for resource in place.resources for text in (resource.name, resource.contact)]
    return [escape(text) for text in texts]


@pytest.mark.parametrize("kind", list(MESSAGES))
def test_every_region_gets_its_own_numbers_and_the_disclaimer(
    responder: Responder, safety: SafetyContent, kind: str
) -> None:
    for code, place in safety.places.items():
        text = body(reply_in(responder, kind, code), responder)
        first_line = escape(place.resources[0].contact)
        if kind in (*CHECKINS, "urgent_mood"):
            assert first_line in text, (code, kind)
        if kind != "checkin":
            assert escape(place.emergency) in text, (code, kind)
        if kind == "crisis":
            assert all(escape(r.contact) in text for r in place.resources), code
        if kind.startswith("urgent"):
            assert escape(place.urgent_care) in text, (code, kind)


@pytest.mark.parametrize("kind", list(MESSAGES))
def test_no_method_or_dose_information(
    responder: Responder, safety: SafetyContent, kind: str
) -> None:
    for code, place in safety.places.items():
        text = body(reply_in(responder, kind, code), responder)
        if kind in CHECKINS:  # the knowledge-base answer may follow the check-in
            text = text.split("\n\n")[0]
        assert not FORBIDDEN.search(text), (code, kind, FORBIDDEN.search(text))
        for number in region_numbers(place):
            text = text.replace(number, "")
        assert not re.search(r"\d", text), (code, kind, text)


def test_the_crisis_reply_names_at_most_three_resources_emergency_first(
    responder: Responder, safety: SafetyContent
) -> None:
    for code, place in safety.places.items():
        text = body(reply_in(responder, "crisis", code), responder)
        bullets = [line for line in text.splitlines() if line.startswith("•")]
        assert len(bullets) <= 3, code
        assert escape(place.emergency) in bullets[0], code


@pytest.mark.parametrize("kind", list(MESSAGES))
def test_calm_markup(responder: Responder, kind: str) -> None:
    text = reply_in(responder, kind, "gb").text
    assert set(re.findall(r"</?(\w+)", text)) <= {"b", "i"}
    assert text.count("<b>") <= 2
    assert "!" not in text


def test_an_unknown_region_gets_the_international_default_and_the_hint(
    responder: Responder, safety: SafetyContent
) -> None:
    default = safety.places[safety.default_region]
    hint = escape(responder.knowledge.texts("reply.region_hint"))
    for kind in MESSAGES:
        text = reply_in(responder, kind, None).text
        # A crisis reply says it in its own closing line; the others carry the tip.
        assert (hint in text) if MESSAGES[kind][1] is not Tier.CRISIS else "/region" in text, kind
        shown = default.resources[0].contact if kind == "checkin" else default.emergency
        assert escape(shown) in text, kind
    stale = reply_in(responder, "crisis", "atlantis").text  # a code a later release removed
    assert escape(default.emergency) in stale
    assert hint not in stale


def test_a_check_in_leads_and_the_answer_follows(responder: Responder) -> None:
    reply = responder.reply("I'm not suicidal. Can accutane cause depression?")
    assert reply.kind is Kind.ESCALATION
    assert reply.triage_rule is not None
    assert reply.triage_rule.startswith("crisis.negated.")
    assert reply.entry == "depression-warning"
    assert reply.text.index("talk to someone") < reply.text.index("<b>")


def test_the_safety_net_check_in_leads_the_answer(responder: Responder) -> None:
    """Death words no crisis phrase explains get a gentle question first, then the answer."""
    reply = responder.reply("i feel like i'm dying inside. can accutane cause depression?")
    assert reply.kind is Kind.ESCALATION
    assert reply.escalation is Tier.URGENT
    assert reply.triage_rule == "urgent.concern"
    assert reply.entry == "depression-warning"
    assert reply.text.index("check in") < reply.text.index("<b>")


def test_replies_are_short_enough_for_one_message(responder: Responder) -> None:
    for kind in MESSAGES:
        for code in region_codes(responder):
            assert len(reply_in(responder, kind, code).parts()) == 1


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("resources.yaml", "default: intl", "default: mars", "field 'default'"),
        ("resources.yaml", '    emergency: "999"\n', "", "entry 'gb', field 'emergency'"),
        (
            "resources.yaml",
            "        contact: text SHOUT to 85258 (free, 24/7)\n",
            "        contact: text SHOUT to 85258 (free, 24/7)\n      - name: Extra\n"
            "        contact: call 1\n",
            "entry 'gb', field 'resources'",
        ),
        ("texts/safety.yaml", "call {emergency} now", "call {emergncy} now", "{emergncy}"),
        ("texts/safety.yaml", "go to the nearest", "go to **the** **nearest**", "bold"),
    ],
)
def test_resource_and_reply_mistakes_are_located(
    knowledge_copy: Path, file: str, old: str, new: str, message: str
) -> None:
    edit_file(knowledge_copy, file, old, new)
    with pytest.raises(ContentError) as error:
        load_safety(knowledge_copy)
    assert message in str(error.value)
    assert Path(file).name in str(error.value)
