"""What a patient gets back: the right topic, a calm fallback, and the disclaimer every time."""

from __future__ import annotations

import html
import re

import pytest

from bot.reply import ChatSettings, Kind, Responder
from bot.safety import Tier


def _disclaimer(responder: Responder) -> str:
    return html.escape(responder.knowledge.texts("reply.disclaimer"), quote=False)


@pytest.mark.parametrize(
    ("message", "entry"),
    [
        ("my lips are so dry and cracked", "dry-lips"),
        ("nosebleeds on tane", "dry-nose-nosebleeds"),
        ("DRY EYES???", "dry-eyes"),
        ("what blood tests do i need before starting accutane", "baseline-blood-tests"),
        ("what is cumulative dose", "cumulative-dose"),
        ("do i need sunscreen on roaccutane", "sun-protection"),
        ("can i stop taking it early", "stopping-early"),
    ],
)
def test_patient_questions_reach_their_entry(
    responder: Responder, message: str, entry: str
) -> None:
    reply = responder.reply(message)
    assert reply.kind is Kind.ANSWER
    assert reply.entry == entry
    assert reply.section == responder.knowledge.entries[entry].section
    assert responder.knowledge.entries[entry].title in html.unescape(reply.text)


def test_typos_and_slang_still_reach_the_entry(responder: Responder) -> None:
    assert responder.reply("dry lipps on acutane").entry == "dry-lips"
    reply = responder.reply("moisturizer for accutaine dry skin")
    assert (reply.entry or reply.suggestions[0]) in {"dry-skin", "moisturising"}
    assert responder.reply("will my acne come back after round 2").section == "long-term"


@pytest.mark.parametrize(
    "message", ["what's the weather tomorrow", "best pizza near me", "who won the football"]
)
def test_off_topic_gets_the_fallback_never_a_medical_answer(
    responder: Responder, message: str
) -> None:
    reply = responder.reply(message)
    assert reply.kind is Kind.FALLBACK
    assert reply.entry is None


def test_uncovered_medical_subject_is_named_honestly(responder: Responder) -> None:
    reply = responder.reply("can i drink alcohol on accutane")
    assert reply.kind is Kind.FALLBACK
    assert "alcohol" in reply.text
    assert reply.entry is None


@pytest.mark.parametrize(
    "message", ["is zoloft ok with tane", "I'm on sertraline, can I take accutane with it?"]
)
def test_a_medicine_named_by_brand_or_generic_name_finds_the_medicines_topic(
    responder: Responder, message: str
) -> None:
    reply = responder.reply(message)
    assert reply.kind is Kind.FALLBACK
    assert "other medicines and interactions" in reply.text
    assert reply.entry is None


def test_question_fitting_two_topics_offers_both(responder: Responder) -> None:
    reply = responder.reply("blood tests")
    assert reply.kind is Kind.CLARIFY
    assert set(reply.suggestions) == {"baseline-blood-tests", "monitoring-blood-tests"}
    for key in reply.suggestions:
        assert responder.knowledge.entries[key].title in html.unescape(reply.text)
    assert reply.entry is None


def test_small_talk_is_recognised_but_not_mixed_with_questions(responder: Responder) -> None:
    assert responder.reply("hi").kind is Kind.SMALLTALK
    assert responder.reply("thanks!").kind is Kind.SMALLTALK
    assert responder.reply("hi, my lips are really dry and cracked").entry == "dry-lips"


@pytest.mark.parametrize("message", ["", "   ", "🙂🙂", "???", "\u200b\u200d"])
def test_empty_or_symbol_only_messages_get_a_gentle_prompt(
    responder: Responder, message: str
) -> None:
    reply = responder.reply(message)
    assert reply.kind is Kind.FALLBACK
    assert reply.text.endswith(f"<i>{_disclaimer(responder)}</i>")


@pytest.mark.parametrize(
    "message",
    ["dry lips", "hello", "pizza", "pain", "", "can i drink alcohol", "<b>dry</b> & eyes"],
)
def test_every_reply_ends_with_the_disclaimer(responder: Responder, message: str) -> None:
    assert responder.reply(message).text.endswith(f"<i>{_disclaimer(responder)}</i>")


def test_reply_markup_is_only_our_own_tags(responder: Responder) -> None:
    for message in ["<script>alert(1)</script> dry lips", "a & b < c > d", "dry eyes"]:
        text = responder.reply(message).text
        assert "<script>" not in text
        assert set(re.findall(r"</?([a-z]+)", text)) <= {"b", "i"}


def test_related_topics_are_offered_with_an_answer(responder: Responder) -> None:
    reply = responder.reply("my lips are so dry")
    assert reply.suggestions
    assert all(key in responder.knowledge.entries for key in reply.suggestions)


def test_topic_chosen_directly_is_answered(responder: Responder) -> None:
    reply = responder.entry_reply("cleansing")
    assert reply is not None
    assert (reply.kind, reply.entry) == (Kind.ANSWER, "cleansing")
    assert responder.entry_reply("no-such-topic") is None


def test_json_contract_of_a_reply(responder: Responder) -> None:
    data = responder.reply("dry lips").as_json()
    assert set(data) >= {"kind", "entry", "section", "escalation", "score", "suggestions", "text"}
    assert data["kind"] == "answer"
    assert 0 <= data["score"] <= 100


SOFT = "im not suicidal lol"
SOFT_AGAIN = "im not going to kill myself dont worry"


def test_risk_builds_over_a_conversation(responder: Responder) -> None:
    first = responder.reply(SOFT)
    assert (first.kind, first.checkin, first.escalation) == (Kind.ESCALATION, True, Tier.URGENT)
    alone = responder.reply(SOFT_AGAIN)
    assert alone.checkin
    assert alone.escalation is Tier.URGENT
    again = responder.reply(SOFT_AGAIN, ChatSettings(earlier_checkins=1))
    assert (again.escalation, again.checkin) == (Tier.CRISIS, False)
    assert again.triage_rule is not None
    assert again.triage_rule.startswith("crisis.repeated.")
    assert again.text == responder.reply("i want to kill myself").text  # the full crisis reply


def test_earlier_check_ins_change_nothing_for_ordinary_questions(responder: Responder) -> None:
    plain = responder.reply("my lips are so dry")
    assert responder.reply("my lips are so dry", ChatSettings(earlier_checkins=3)) == plain


def test_escalates_agrees_with_reply_on_every_kind_of_message(responder: Responder) -> None:
    """The Telegram layer asks `escalates` on arrival (triage only) to give escalations priority."""
    messages = [
        "dry lips",
        "i want to die",
        "im not suicidal",
        "my throat is swelling",
        "hi",
        "💊",
    ]
    for message in messages:
        escalated = responder.reply(message).kind is Kind.ESCALATION
        assert responder.escalates(message) is escalated, message
