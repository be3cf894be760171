"""Safety triage on what people really say: warning-sign families, other languages, who is speaking,
accidental doses, and the look-alikes that must stay calm. Every message here is our own wording."""

from __future__ import annotations

import re

import pytest

from bot.reply import ChatSettings, Kind, Responder
from bot.safety import SafetyContent, Tier, triage
from bot.safety.words import MAX_REPEATS
from tests.helpers import tier_of


@pytest.mark.parametrize(
    "message",
    [
        "i have a plan and a date",  # plan
        "im going to jump tonight",
        "already decided how",
        "i took 30 capsules on purpose",  # means taken
        "i keep looking up how many of these pills it would take",  # researching means
        "honestly i do not feel safe with myself tonight",  # not safe
        "my head keeps telling me to end it",  # an inner voice
        "my brother has been giving his things away to friends",  # arrangements, someone else
        "i dont think i'll be around much longer",  # said through a negation
        "no quiero seguir aquí",  # Spanish, indirect
        "finally feeling really peaceful, i've made my decision",  # sudden calm after deciding
        "suddenly feel at peace, it is time",
        "wrote letters to everyone just in case",  # goodbyes and arrangements
        "gave my dog to my cousin and deleted my socials, i feel at peace now",  # sudden calm
        "every morning i wake up disappointed that i woke up",
        "my boyfriend keeps talking about ending it",  # someone else
        "getting thoughts to finish my life",
        "it would be easier if i just got ill and died",
        "honestly whats the point of me even being here",  # the point of oneself
        "im scared of what i could do to myself tonight",  # fear of one's own acts
        "i have about 40 capsules saved up and i know why",  # means kept
        "what's the least painful way to go",  # method
        "everything is decided now and i feel calm",  # sudden calm after deciding
        "my family would move on in like a week",  # burden
        "i dont see the point of any of it",  # two phrases once read as two slots each
        "thinking about not getting out of the bath this time",
    ],
)
def test_crisis_families_in_plain_wording(safety: SafetyContent, message: str) -> None:
    assert tier_of(message, safety) == "crisis"


@pytest.mark.parametrize(
    "message",
    [
        "no quiero vivir más",  # Spanish
        "ich will nicht mehr leben",  # German
        "j'ai envie d'en finir",  # French, with elision
        "não quero mais viver",  # Portuguese, accents folded
        "non voglio più vivere",  # Italian
        "mujhe marna hai",  # Hindi in Latin script
    ],
)
def test_crisis_in_other_languages_gets_the_regions_numbers(
    responder: Responder, message: str
) -> None:
    reply = responder.reply(message, ChatSettings(region="gb"))
    assert reply.escalation is Tier.CRISIS
    assert "116 123" in reply.text  # Samaritans, the United Kingdom's line


@pytest.mark.parametrize(
    "message",
    [
        "tengo ganas de morirme",  # a wish, then a death word, in any of their forms
        "quisiera estar muerta",
        "me voy a matar",
        "ich wünschte, ich wäre tot",
        "ich habe keinen Grund mehr zu leben",  # not wanting to live, negation included
        "je voudrais être morte",
        "j'ai plus envie de vivre",
        "queria estar morto",
        "sem vontade nenhuma de viver",
        "vorrei morire",
        "mi voglio ammazzare",
        "mujhe ab jeena nahi hai",
        "main mar jaungi",
    ],
)
def test_crisis_wordings_in_other_languages(safety: SafetyContent, message: str) -> None:
    assert tier_of(message, safety) == "crisis"


@pytest.mark.parametrize(
    ("message", "tier"),
    [
        ("ya escribí una carta de despedida para mis papás", "crisis"),  # letters left
        ("hab alle meine sachen verschenkt, brauche ich eh nicht mehr", "crisis"),  # things given
        ("c'est mon dernier message ici, merci pour tout", "crisis"),  # a last message
        ("penso di buttarmi dal ponte stasera", "crisis"),  # a jump
        ("aaj subah na uthu toh theek hai", "crisis"),  # not waking
        ("a minha avó ficou com a boca torta e fala enrolada", "emergency"),  # stroke signs
        ("mi novio se desmayó y no reacciona", "emergency"),  # collapse
        ("depuis la 2e cure je pleure tout le temps", "urgent"),  # mood
        ("tengo un dolor de estómago horrible que se me va a la espalda", "urgent"),  # abdomen
        ("seit gestern höre ich schlecht auf dem linken ohr", "urgent"),  # hearing
    ],
)
def test_warning_sign_families_in_other_languages(
    safety: SafetyContent, message: str, tier: str
) -> None:
    assert tier_of(message, safety) == tier


@pytest.mark.parametrize(
    "message", ["no quiero morir, solo tengo miedo", "não quero morrer", "je ne veux pas mourir"]
)
def test_a_denied_wish_in_another_language_gets_the_check_in_as_in_english(
    safety: SafetyContent, message: str
) -> None:
    result = triage(message, safety)
    assert result is not None, message
    assert result.checkin, message
    assert result.tier is Tier.URGENT


def test_despair_alone_in_another_language_gets_the_check_in_but_a_question_does_not(
    safety: SafetyContent,
) -> None:
    for message in ("ich kann nicht mehr", "ya no puedo más", "non ce la faccio più"):
        result = triage(message, safety)
        assert result is not None, message
        assert result.checkin, message
    assert triage("ich will nicht mehr so trockene lippen haben", safety) is None


@pytest.mark.parametrize(
    "message",
    [
        "no puedo respirar",
        "ich kriege keine luft",
        "dor no peito muito forte",
        "ich kriege kaum luft und meine lippen schwellen an",  # breathing and swelling as patterns
        "la cara se me está hinchando",
        "j'ai du mal à respirer",
        "minha garganta está inchada",
        "mi si gonfia la gola",
    ],
)
def test_emergencies_in_other_languages(safety: SafetyContent, message: str) -> None:
    assert tier_of(message, safety) == "emergency"


@pytest.mark.parametrize(
    "message",
    [
        "every breath is like breathing through a straw",
        "the room keeps going dark at the edges and my heart is racing",
        "my little brother might have eaten my capsules, the strip is empty",
        "throwing up stuff that looks like coffee grounds",
    ],
)
def test_emergencies_in_everyday_words(safety: SafetyContent, message: str) -> None:
    assert tier_of(message, safety) == "emergency"


@pytest.mark.parametrize(
    "message",
    [
        "5 wks pregnant and still on tane",
        "faint second line this morning, on iso",
        "estoy embarazada y tomo isotretinoína",
        "my son hears voices since starting accutane",  # psychotic symptoms, someone else
        "muffled hearing in one ear since yesterday",
        "my pee looks like coca cola this week",  # liver, everyday words
        "my ears hum all day since round 2",
        "oops i took my dose twice today",  # the dose reply
        "took yesterday's dose and today's dose together by mistake",
        "my liver results were high and the doctor said to stop taking it",  # labs, told to stop
        "veo borroso desde ayer",  # blurred vision, Spanish
        "my implant fell out and i'm on accutane",  # contraception
        "everything feels unreal lately, like i'm watching myself",  # unreality
        "my ears are ringing all the time now",  # hearing
    ],
)
def test_urgent_signs_in_more_phrasings(safety: SafetyContent, message: str) -> None:
    assert tier_of(message, safety) == "urgent"


@pytest.mark.parametrize(
    "message",
    [
        "took my pills 💊",
        "💊💊💊 done for the day",
        "overdosed on moisturiser lol",
        "i'm dead on my feet after work, normal on iso?",
        "my derm said to stop killing myself over every pimple",
        "i want to die... of laughter at my crispy lips",
        "part of me is so angry i need a second course",
        "i give up on this lip balm, any better ones?",
        "Before I start, is it true that accutane causes suicidal thoughts? I feel fine.",
        "can i get pregnant on accutane",
        "night vision",
        "my dad will kill me when he sees my report card",  # someone else does the "killing"
        "gonna die my hair blue after the course",
        "can't wait for this course to be over",
        "are there studies on suicide risk and isotretinoin?",
        "fainted a bit at the needle during my blood test, always do",
        "i feel like death warmed up with this cold",
        "was soll ich tun, wenn ich eine dosis vergesse?",  # a question in German
        "me muero de ganas de empezar el tratamiento",  # "dying to start"
        "estoy harta de este acné",
        "voglio sapere se posso bere alcol",
        "mujhe jeena hai, acne ke saath bhi",  # "I want to live, even with acne"
        "sin dolor de cabeza ni problemas de vista, solo los labios",  # "without": negation
        "roacutan pode causar depressão?",  # a general question, in Portuguese
        "este calor me mata con la piel tan seca",  # "me mata": an idiom, not a typo of "matar"
        "ça me tue ces lèvres sèches",
        "whats the point of being here at 8am for bloods",
        "what's the overdose risk for a toddler if they find it?",  # a question about storage
        "i made a plan for my skincare routine, can you check it",
        "i'm hopeless at applying lip balm",
        "should i take both capsules together or split them?",  # a question about a dose plan
        "my doctor says stop worrying, my cholesterol is ok",
        "i'm really done with tane this time, last capsule today",
    ],
)
def test_look_alikes_stay_calm(safety: SafetyContent, message: str) -> None:
    assert tier_of(message, safety) == "none"


def test_ambiguous_despair_alone_gets_at_least_the_soft_check_in(safety: SafetyContent) -> None:
    for message in ("i cant do this anymore", "i give up", "whats the point anymore"):
        result = triage(message, safety)
        assert result is not None, message
        assert result.checkin or result.tier is Tier.CRISIS


def test_a_general_risk_question_gets_the_answer_not_the_stop_reply(responder: Responder) -> None:
    reply = responder.reply("can i get pregnant on accutane")
    assert reply.kind is not Kind.ESCALATION
    # The pregnancy answer itself says to stop if you might be pregnant (clinical review H2); what a
    # general question must not get is the urgent reply that leads with it.
    assert "please stop taking isotretinoin" not in reply.text.casefold()


def test_a_message_about_someone_else_gets_the_helper_reply(responder: Responder) -> None:
    own = responder.reply("i want to kill myself", ChatSettings(region="us"))
    other = responder.reply("my daughter told me she wants to kill herself", ChatSettings("us"))
    assert other.escalation is Tier.CRISIS
    assert "If you might act" in own.text
    assert "If you might act" not in other.text
    assert "stay with them" in other.text
    assert "988" in other.text


def test_an_accidental_extra_dose_gets_pharmacist_advice_not_the_stop_reply(
    responder: Responder,
) -> None:
    reply = responder.reply("i accidentally took two capsules this morning")
    assert reply.escalation is Tier.URGENT
    assert "pharmacist" in reply.text
    assert "Please stop taking isotretinoin" not in reply.text
    child = responder.reply("my toddler chewed some of my accutane capsules")
    assert child.escalation is Tier.EMERGENCY


def test_the_crisis_reply_puts_means_out_of_reach_and_ends_with_its_own_line(
    responder: Responder,
) -> None:
    reply = responder.reply("i want to die", ChatSettings(region="gb"))
    assert "out of reach" in reply.text
    assert "stop and tell your prescriber" in reply.text
    closing = responder.knowledge.texts("reply.crisis_closing")
    assert reply.plain_text.endswith(closing)
    assert responder.knowledge.texts("reply.disclaimer") not in reply.plain_text


def test_triage_reads_repeated_words_and_censored_words_in_bounded_work(
    safety: SafetyContent, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Structural, not timed: runs of one word are cut short, and made-up censored words are looked
    up in an index without compiling a pattern per word (bench reports the worst case in time)."""
    tokens = safety.lexicon.tokeniser.tokens("💊" * 2048)
    assert tokens == ["pills"] * MAX_REPEATS

    def no_compiling(*_: object, **__: object) -> None:
        raise AssertionError("a pattern compiled per word")

    monkeypatch.setattr(re, "compile", no_compiling)
    censored = " ".join(f"q*{a}{b}" for a in "abcdefghij" for b in "klmnopqrst")
    assert safety.lexicon.tokeniser.tokens(censored)
    assert safety.lexicon.tokeniser.tokens("k*ll myself")[0] == "kill"


def test_a_nosebleed_is_an_emergency_only_past_ten_minutes(safety: SafetyContent) -> None:
    """The NHS threshold: a nosebleed that lasts over 10-15 minutes needs emergency care."""
    assert tier_of("nosebleed for 5 minutes", safety) == "none"
    assert tier_of("my nose has been bleeding for 30 minutes", safety) == "emergency"


def test_the_check_in_after_a_denial_does_not_presume_safety(responder: Responder) -> None:
    reply = responder.reply("im not suicidal")
    assert reply.checkin
    assert "It sounds like you're not thinking" not in reply.text
    assert "Thanks for telling me" in reply.text


def test_the_crisis_reply_asks_for_the_country_only_while_none_is_chosen(
    responder: Responder,
) -> None:
    tip = responder.knowledge.texts("reply.crisis_region_tip")
    assert tip in responder.reply("i want to die").plain_text
    assert tip not in responder.reply("i want to die", ChatSettings(region="gb")).plain_text
