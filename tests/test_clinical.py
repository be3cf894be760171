"""The clinical review's must-fix items, pinned through the real reply path (`Responder.reply`).

Each test sends what a patient would write and checks what they would read: the answer served, its
labelled safety note, or the honest "not covered" reply with its one sourced safety line.
"""

from __future__ import annotations

import re

import pytest

from bot.reply import ChatSettings, Kind, Reply, Responder
from bot.safety import Tier


def _ask(responder: Responder, message: str, region: str | None = "gb") -> Reply:
    return responder.reply(message, ChatSettings(region=region))


def _text(reply: Reply) -> str:
    return reply.plain_text.lower()


def _answered(responder: Responder, message: str, entry: str) -> str:
    reply = _ask(responder, message)
    assert (reply.kind, reply.entry) == (Kind.ANSWER, entry), message
    return _text(reply)


def _not_covered(responder: Responder, message: str) -> str:
    reply = _ask(responder, message)
    assert reply.kind is Kind.FALLBACK, message
    text = _text(reply)
    assert "doesn't cover" in text, message
    assert "official leaflet" in text, message
    return text


# H1: stopping-early served for "my side effects are bad" must not say "keep taking it".
@pytest.mark.parametrize(
    "message",
    [
        "my side effects are bad can I stop",
        "I want to quit tane because of the side effects",
        "is a mid-course break from accutane ok",
    ],
)
def test_stopping_answer_says_stop_and_call_for_serious_signs(
    responder: Responder, message: str
) -> None:
    text = _answered(responder, message, "stopping-early")
    assert "keep taking" not in text
    assert "stop taking it and contact your prescriber today" in text


def test_no_answer_tells_anyone_to_keep_taking_it(responder: Responder) -> None:
    """The urgent replies say "stop taking isotretinoin": no answer may say the opposite."""
    urgent = _text(_ask(responder, "I have a severe headache and blurred vision on accutane"))
    assert "stop taking isotretinoin" in urgent
    for entry_id in responder.knowledge.entries:
        reply = responder.entry_reply(entry_id)
        assert reply is not None
        assert not re.search(r"\b(keep|carry on|continue) taking\b", _text(reply)), entry_id


# H2: the pregnancy answer says the drug can seriously harm an unborn baby.
@pytest.mark.parametrize(
    "message",
    [
        "can I get pregnant while taking it",
        "what if I get pregnant on isotretinoin",
        "does roaccutane harm a baby",
    ],
)
def test_pregnancy_answer_warns_of_harm_to_an_unborn_baby(
    responder: Responder, message: str
) -> None:
    reply = _ask(responder, message)
    text = _text(reply)
    assert "seriously harm an unborn baby" in text
    if reply.kind is Kind.ANSWER:
        assert "at least 1 month after the last dose" in text
        assert "anyone who could become pregnant" in text
        assert "for women" not in text


def test_pregnancy_answer_and_urgent_pregnancy_reply_agree_on_stopping(
    responder: Responder,
) -> None:
    answer = _answered(responder, "can I get pregnant while taking it", "pregnancy-test")
    urgent = _ask(responder, "my period is late and I'm on accutane")
    assert urgent.escalation is Tier.URGENT
    assert "stop taking" in _text(urgent)
    assert "stop taking it and contact your prescriber today" in answer


# H3: the warning signs are examples, with the others and "stop" added.
def test_warning_signs_are_examples_and_say_stop(responder: Responder) -> None:
    text = _answered(
        responder, "what are the serious side effects of accutane", "serious-warning-signs"
    )
    assert "not a full list" in text
    for sign in ("stomach pain", "yellow skin", "dark urine", "blistering", "trouble breathing"):
        assert sign in text, sign
    assert "stop taking isotretinoin and contact your prescriber" in text
    assert "trouble breathing or chest pain need emergency help" in text


@pytest.mark.parametrize(
    ("message", "entry"),
    [
        ("can accutane cause headaches", "headaches-vision"),
        ("can accutane cause depression", "depression-warning"),
    ],
)
def test_serious_side_effect_answers_say_stop(
    responder: Responder, message: str, entry: str
) -> None:
    assert "stop taking it and contact your prescriber today" in _answered(
        responder, message, entry
    )


# L16 and O2: night vision, and night driving routed to it.
def test_night_driving_gets_the_night_vision_warning(responder: Responder) -> None:
    text = _answered(responder, "can I drive at night on accutane", "headaches-vision")
    assert "night vision" in text
    assert "driving in the dark" in text


# M4: mood answers say stop and contact the prescriber, and show the region's helpline.
@pytest.mark.parametrize(
    ("message", "entry"),
    [
        ("I've been feeling low during my course", "anxiety-depression-help"),
        ("mood swings on isotretinoin", "mood-changes"),
    ],
)
def test_low_mood_answers_say_stop_and_show_the_helpline(
    responder: Responder, message: str, entry: str
) -> None:
    text = _answered(responder, message, entry)
    assert "contact your prescriber" in text
    assert "stop taking isotretinoin" in text
    assert "samaritans, call 116 123" in text
    assert text.rstrip().endswith("with your dermatologist.")


def test_helpline_follows_the_chats_region(responder: Responder) -> None:
    us = _text(_ask(responder, "I've been feeling low during my course", region="us"))
    unset = _text(_ask(responder, "I've been feeling low during my course", region=None))
    assert "988" in us
    assert "talk to someone any time" in unset


def test_helpline_is_not_added_to_other_answers(responder: Responder) -> None:
    assert "talk to someone any time" not in _answered(responder, "dry lips", "dry-lips")


# M5: past mental-health problems have an answer of their own.
def test_mental_health_history_is_answered(responder: Responder) -> None:
    text = _answered(
        responder, "I've had depression before can I take accutane again", "mental-health-history"
    )
    assert "tell your dermatologist" in text
    assert "mental health" in text


# M6, M7: mood effects can outlast the course, as the crisis texts say.
def test_side_effect_overview_does_not_promise_mood_settles(responder: Responder) -> None:
    text = _answered(
        responder, "what are the common side effects of accutane", "side-effects-overview"
    )
    assert "mood changes are the exception" in text
    assert "after the course" in text


def test_side_effects_end_says_a_few_last_longer(responder: Responder) -> None:
    text = _answered(responder, "are the side effects permanent", "side-effects-end")
    assert "can last longer" in text


# M8
def test_missed_dose_says_never_double(responder: Responder) -> None:
    text = _answered(responder, "should I double up if I missed a dose", "missed-dose")
    assert "never take a double dose" in text


# M9 and O2: leftover and shared pills.
@pytest.mark.parametrize(
    "message",
    ["can i share my pills with my sister", "I have leftover tane pills can I just start them"],
)
def test_leftover_and_shared_pills_are_never_taken(responder: Responder, message: str) -> None:
    text = _answered(responder, message, "see-derm-first")
    assert "never restart from leftover capsules" in text
    assert "share yours" in text


# M10
def test_sunbed_question_mentions_sunbeds(responder: Responder) -> None:
    text = _answered(responder, "can I use a sunbed on isotretinoin", "sun-protection")
    assert "sunbeds" in text


# M11 and the diet contradiction.
def test_food_answer_warns_about_vitamin_a(responder: Responder) -> None:
    text = _answered(responder, "foods to avoid while taking accutane", "diet-while-on-it")
    assert "vitamin a supplements" in text
    assert "alcohol" in text


def test_diet_and_acne_is_about_acne_in_general(responder: Responder) -> None:
    assert _answered(responder, "does dairy cause acne", "diet-and-acne").startswith(
        "diet and acne\nfor acne in general"
    )


# M12: a topical retinoid during the course is not the maintenance answer.
def test_topical_retinoid_during_the_course(responder: Responder) -> None:
    text = _answered(responder, "can I use adapalene while on isotretinoin", "products-to-avoid")
    assert "retinoid creams" in text
    assert "unless your dermatologist says so" in text
    maintenance = _answered(responder, "maintenance routine after isotretinoin", "maintenance")
    assert "once your course has finished" in maintenance


# M13
def test_muscle_pain_has_a_red_flag(responder: Responder) -> None:
    text = _answered(responder, "joint pain on isotretinoin", "muscle-joint-pain")
    assert "muscles feel weak" in text
    assert "dark urine" in text


# L14
def test_nosebleed_answer_has_a_threshold(responder: Responder) -> None:
    text = _answered(responder, "nosebleeds on isotretinoin", "dry-nose-nosebleeds")
    assert "10 to 15 minutes" in text


# L15
def test_first_course_answer_does_not_overstate(responder: Responder) -> None:
    text = _answered(responder, "was my first course not strong enough", "first-course-not-enough")
    assert "for good" not in text
    assert "long term" in text


# O2: liver questions reach the monitoring answer.
def test_liver_question_gets_the_blood_tests_answer(responder: Responder) -> None:
    text = _answered(responder, "will it affect my liver", "monitoring-blood-tests")
    assert "liver function" in text
    assert "yellow skin or eyes" in text


# O1 and the coverage gaps: honest "not covered", each with its one sourced safety line.
@pytest.mark.parametrize(
    ("message", "line"),
    [
        ("doxycycline with accutane", "must not be taken with isotretinoin"),
        ("st johns wort", "contraception work less well"),
        ("can i breastfeed on accutane", "while you're breastfeeding"),
        ("vitamin a supplements", "don't take vitamin a supplements"),
        ("can i give blood on accutane", "1 month after your last dose"),
        ("laser hair removal", "6 months after your last dose"),
        ("can i buy it online", "don't buy it online"),
        ("can i drink alcohol on isotretinoin", "ask your prescriber"),
        ("how long between accutane courses", "never restart from leftover capsules"),
        ("accutane purge", "7 to 10 days"),
        ("how long after accutane can i get pregnant", "at least 1 month after your last dose"),
        ("does roaccutane affect sperm", "never share their capsules"),
        ("can i take accutane at 16", "under 18"),
        ("how do i get rid of acne scars", "6 months after your last dose"),
    ],
)
def test_uncovered_subject_gets_its_safety_line(
    responder: Responder, message: str, line: str
) -> None:
    assert line in _not_covered(responder, message)


def test_every_labelled_note_has_an_official_source(responder: Responder) -> None:
    knowledge = responder.knowledge
    notes = [e.note for e in knowledge.entries.values()]
    notes += [t.note for t in knowledge.out_of_scope]
    labelled = [note for note in notes if note is not None]
    assert len(labelled) >= 25
    assert all(note.source.startswith("https://") for note in labelled)


def test_answers_with_their_note_stay_phone_sized(responder: Responder) -> None:
    for entry_id in responder.knowledge.entries:
        reply = responder.entry_reply(entry_id)
        assert reply is not None
        assert len(reply.plain_text.split()) <= 170, entry_id


@pytest.mark.parametrize(
    "message",
    [
        "can I get pregnant while taking it",
        "my side effects are bad can I stop",
        "what are the serious side effects of accutane",
        "can accutane cause depression",
    ],
)
def test_general_questions_are_answered_not_dismissed(responder: Responder, message: str) -> None:
    """A general question gets a real answer or the urgent reply, never a fallback."""
    assert _ask(responder, message).kind in (Kind.ANSWER, Kind.ESCALATION)


def test_low_mood_answer_and_urgent_mood_reply_agree(responder: Responder) -> None:
    """One contradiction of the review: a soft mood answer beside an urgent reply that says stop."""
    urgent = _ask(responder, "I feel sad all the time")
    answer = _answered(
        responder, "I've been feeling low during my course", "anxiety-depression-help"
    )
    assert urgent.escalation is Tier.URGENT
    for text in (_text(urgent), answer):
        assert "prescriber" in text
        assert "stop" in text
    assert "samaritans" in _text(urgent)
    assert "samaritans" in answer


def test_a_low_mood_topic_chosen_from_a_button_also_shows_a_helpline(responder: Responder) -> None:
    chosen = responder.entry_reply("anxiety-depression-help", ChatSettings(region="gb"))
    default = responder.entry_reply("anxiety-depression-help")
    assert chosen is not None
    assert default is not None
    assert "Samaritans" in chosen.plain_text
    assert "talk to someone any time" in default.plain_text
