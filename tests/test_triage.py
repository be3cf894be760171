"""Safety triage on the shipped lexicon: tiers, context, typos, upgrades, and the labelled set's targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import ContentError
from bot.evaluation.labelled import read_labelled
from bot.evaluation.safety import evaluate_safety
from bot.reply import Responder
from bot.safety import SafetyContent, Tier, Triage, load_safety, triage
from tests.helpers import edit_file, tier_of

SAFETY_SET = Path(__file__).resolve().parent.parent / "eval" / "safety.tsv"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("I want to die", "crisis"),
        ("i dont want to be here anymore", "crisis"),
        ("everyone would be better off without me", "crisis"),
        ("thinking of taking all my accutane at once", "crisis"),
        ("I cut myself again last night", "crisis"),
        ("i have urges to hurt other people", "crisis"),
        ("my friend says she wants to kill herself", "crisis"),
        ("I finished accutane 6 months ago and I still want to die", "crisis"),
        ("I can't breathe", "emergency"),
        ("my tongue is swelling up", "emergency"),
        ("having chest pain on accutane", "emergency"),
        ("i just had a seizure", "emergency"),
        ("one side of my face is drooping", "emergency"),
        ("I suddenly can't see out of my left eye", "emergency"),
        ("blisters all over my body and a fever", "emergency"),
        ("I've had a really bad headache for 3 days", "urgent"),
        ("I can't see properly and my head is pounding", "urgent"),
        ("the whites of my eyes are yellow", "urgent"),
        ("blood when i poop", "urgent"),
        ("i have a new rash and a fever", "urgent"),
        ("ringing in my ears that won't stop", "urgent"),
        ("my legs are so weak i can't climb the stairs", "urgent"),
        ("i cry every day since starting tane", "urgent"),
        ("my period is late and i'm on accutane", "urgent"),
        ("the condom broke last night", "urgent"),
        ("my lips are so dry", "none"),
        ("what dose will I be on for round 2", "none"),
    ],
)
def test_tiers_for_representative_messages(
    safety: SafetyContent, message: str, expected: str
) -> None:
    assert tier_of(message, safety) == expected


def test_every_decision_names_its_rule(safety: SafetyContent) -> None:
    result = triage("i just had a seizure", safety)
    assert result == Triage(Tier.EMERGENCY, "emergency.seizure")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("I'm so skilled at applying vaseline now", "none"),
        ("I killed it at the gym today", "none"),
        ("my cat keeps stroking my face", "none"),
        ("I wanna dye my hair on accutane", "none"),
        ("my nose is so dry inside", "none"),  # "nose" is a word, not a typo of "noose"
        ("my chest acne is so painful", "none"),  # nor "acne" of "ache"
        ("fewer breakouts and a new rash", "none"),  # nor "fewer" of "fever"
        ("i want to kill myself", "crisis"),
    ],
)
def test_whole_words_only(safety: SafetyContent, message: str, expected: str) -> None:
    assert tier_of(message, safety) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("headahce for a week straight", "urgent"),
        ("my vison is blury", "urgent"),
        ("i think i had a sezure", "emergency"),
        ("chset pain", "emergency"),
        ("i\u2019m sucidal", "crisis"),
        ("i want to klil myself", "crisis"),
        ("i dont wnana live anymore", "crisis"),
        ("i want to k1ll mys3lf", "crisis"),
        ("pleeease i just want to diiie", "crisis"),
        ("I WANT TO DIE", "crisis"),
        ("kms", "crisis"),
        ("thinking about unaliving tbh", "crisis"),
        ("💊💊💊 goodbye", "crisis"),
    ],
)
def test_typos_slang_and_coded_words(safety: SafetyContent, message: str, expected: str) -> None:
    assert tier_of(message, safety) == expected


@pytest.mark.parametrize(
    "message", ["I don\u2019t want to be alive anymore", "I don't want to be alive anymore"]
)
def test_curly_and_straight_apostrophes_are_the_same(safety: SafetyContent, message: str) -> None:
    assert tier_of(message, safety) == "crisis"
    assert tier_of(message.replace("alive anymore", "here"), safety) == "crisis"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("no headache, no blurred vision, just dry lips", "none"),
        ("I do not have chest pain, just chapped lips", "none"),
        ("no chest pain, no shortness of breath", "none"),
        ("the fever went away and the rash cleared", "none"),
        ("not depressed at all, just annoyed about my skin", "none"),
        ("no headache but my vision is blurry", "urgent"),  # "but" ends the negation's scope
        ("not sure if i'm pregnant, my period is late", "urgent"),  # a pseudo-negation
        ("my headache won't go away", "urgent"),  # persistence, not negation
    ],
)
def test_negation_of_medical_signs(safety: SafetyContent, message: str, expected: str) -> None:
    assert tier_of(message, safety) == expected


def test_a_negated_crisis_phrase_is_a_check_in_never_cleared(safety: SafetyContent) -> None:
    for message in [
        "I'm not suicidal",
        "I would never kill myself",
        "I'm not going to hurt myself",
    ]:
        result = triage(message, safety)
        assert result is not None, message
        assert (result.tier, result.checkin) == (Tier.URGENT, True)
        assert result.rule.startswith("crisis.negated.")


@pytest.mark.parametrize(
    "message",
    [
        "I'm not suicidal but everyone would be better off without me",
        "I wouldn't kill myself but I feel so hopeless",
        "not gonna kill myself or anything, i just feel worthless and empty",
    ],
)
def test_a_negated_crisis_phrase_with_another_risk_cue_is_a_crisis(
    safety: SafetyContent, message: str
) -> None:
    result = triage(message, safety)
    assert result is not None
    assert (result.tier, result.checkin) == (Tier.CRISIS, False)


@pytest.mark.parametrize(
    "message",
    [
        "this dry skin is killing me",
        "dying to know when my skin will clear",
        "a mild headache yesterday",
        "my friend is pregnant",
        "dying laughing at my peeling nose",
        "this lip balm is to die for",
        "I could kill for a moisturiser that works",
        "dry lips are the worst ever",
        "I watched a documentary about suicide prevention",
        "I'm dead tired after work",
    ],
)
def test_idioms_and_look_alikes_stay_calm(safety: SafetyContent, message: str) -> None:
    assert triage(message, safety) is None


@pytest.mark.parametrize(
    "message",
    [
        "can accutane cause depression?",
        "does isotretinoin cause suicidal thoughts",
        "what are the serious side effects?",
        "do I need a pregnancy test",
        "can it cause headaches?",
        "is blurry vision a side effect of accutane",
        "what should I do if I get a bad headache on tane?",
        "I had a seizure as a kid, can I take accutane?",
    ],
)
def test_questions_about_side_effects_are_not_escalations(
    safety: SafetyContent, message: str
) -> None:
    assert triage(message, safety) is None


def test_a_question_with_a_personal_symptom_still_escalates(safety: SafetyContent) -> None:
    message = "can accutane cause depression? I've been crying every day"
    assert tier_of(message, safety) == "urgent"


def test_hypotheticals_never_clear_a_crisis(safety: SafetyContent) -> None:
    assert tier_of("what if I just ended it all", safety) == "crisis"


@pytest.mark.parametrize(
    ("message", "rule"),
    [
        ("severe headache and my eyes look yellow", "emergency.upgrade.several-signs."),
        ("my headache is getting worse fast", "emergency.upgrade.amplified."),
        ("suddenly my vision went blurry", "emergency.upgrade.amplified."),
        ("the pain in my stomach is the worst ever", "emergency.upgrade.amplified."),
    ],
)
def test_several_urgent_signs_or_an_amplifier_upgrade_to_emergency(
    safety: SafetyContent, message: str, rule: str
) -> None:
    result = triage(message, safety)
    assert result is not None
    assert result.tier is Tier.EMERGENCY
    assert result.rule.startswith(rule)


@pytest.mark.parametrize(
    "message",
    [
        "my head is pounding and my vision is blurry",  # one sign: raised pressure in the head
        "sudden mood swings, I snapped and punched a wall",  # mood is not upgraded by "sudden"
        "the worst depression of my life",
    ],
)
def test_what_does_not_upgrade(safety: SafetyContent, message: str) -> None:
    assert tier_of(message, safety) == "urgent"


@pytest.mark.parametrize(
    "message",
    [
        "some nights i pray i dont wake up",  # passive wish
        "my parents would be relieved if i was gone",  # burden
        "ive been saving up my capsules for a while now",  # means
        "what happens if you take 30 accutane at once",  # many at once
        "thinking about stepping off the platform when the train comes",
        "thought about driving my car into a wall on the way home",
        "i'll be gone by the weekend",  # intent and timing
        "i hit my head against the wall til it bled",  # self-harm
        "my mum found fresh cuts on my arm",
        "suicidal thoughts since stopped the course",  # stopping the drug is not a denial
        "🪦",  # crisis emoji with nothing benign around them
        "💊 + 🍷 tonight",
        "tonight's the night",
    ],
)
def test_crisis_families(safety: SafetyContent, message: str) -> None:
    assert tier_of(message, safety) == "crisis"


@pytest.mark.parametrize(
    "message",
    [
        "can i take 2 pills at once",
        "took my 💊 and had a 🍷 with dinner, is that ok?",
        "my skin barrier 🪦 lol",
        "tonight is the night i finally try the new moisturiser",
        "i'm saving up for laser treatment after tane",
        "my lips have fresh cuts from being so dry",
        "i'm off to bed, goodbye everyone 😊",
        "i jumped off the diving board today, is chlorine ok on tane",
    ],
)
def test_look_alikes_of_crisis_families_stay_calm(safety: SafetyContent, message: str) -> None:
    assert triage(message, safety) is None


def test_the_safety_net_asks_gently_unless_it_is_a_joke(safety: SafetyContent) -> None:
    result = triage("i keep thinking i'm dying", safety)
    assert result == Triage(Tier.URGENT, "urgent.concern", checkin=True)
    assert safety.reply_kind(result) == "checkin_concern"
    assert triage("i keep thinking i'm dying lol", safety) is None
    assert (
        tier_of("i want to die lol my skin is so bad", safety) == "crisis"
    )  # a phrase still counts


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("on my first course i had blurry vision for a while but it cleared up after", "none"),
        ("i had a bad headache for 3 days but it went away", "none"),
        ("the headache went away but now my vision is blurry", "urgent"),
        ("my dad had a stroke in 2019, is accutane safe for me?", "none"),
        ("my grandma fainted years ago, does accutane cause fainting?", "none"),
        ("my mum just had a seizure", "emergency"),
        ("my son is having a seizure, can accutane cause seizures?", "emergency"),
        ("the photo filter makes my skin look yellow haha", "none"),
    ],
)
def test_history_and_someone_elses_illness(
    safety: SafetyContent, message: str, expected: str
) -> None:
    assert tier_of(message, safety) == expected


@pytest.mark.parametrize(
    ("message", "rule"),
    [
        (
            "yellow eyes, dark pee and stabbing pain in my stomach",
            "emergency.upgrade.several-signs.",
        ),
        ("bad headache, throwing up and my vision is blurry", "emergency.upgrade.several-signs."),
        (
            "my poo is black and there's heaps of it and i'm lightheaded",
            "emergency.gi-bleeding-dizzy",
        ),
        ("its like a curtain came down over my right eye", "emergency.vision-loss"),
    ],
)
def test_emergencies_described_in_other_words(
    safety: SafetyContent, message: str, rule: str
) -> None:
    result = triage(message, safety)
    assert result is not None
    assert result.tier is Tier.EMERGENCY
    assert result.rule.startswith(rule)


@pytest.mark.parametrize(
    "message",
    [
        "i want to kill my slef",  # swapped letters undone before a rewrite ("my self")
        "they'd all be better off if i wsant around",  # ... and before "wasnt" -> "was not"
        "i dot want to be here anymore",  # "dot" after "i" is "dont"
        "i'm sucdal",  # a typo of a typo ("sucidal")
        "i want to hut myself",  # a real word listed as a common slip
        "i want it all to stoop",  # a doubled letter
    ],
)
def test_typos_that_make_other_words(safety: SafetyContent, message: str) -> None:
    assert tier_of(message, safety) == "crisis"


def test_the_shipped_set_meets_its_targets(responder: Responder) -> None:
    rows = read_labelled(SAFETY_SET).rows
    tiers = [tier for _, labels in rows for tier in labels]
    assert len(rows) >= 200
    assert {"none", "urgent", "emergency", "crisis"} <= set(tiers)
    report, met = evaluate_safety(SAFETY_SET, responder)
    assert met, report
    assert "crisis     recall 100.0%" in report
    assert "emergency  recall 100.0%" in report


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("- id: crisis.method\n", "- id: method\n", "entry 'method', field 'id'"),
        ("ringing ears,", "ringing @earz,", "unknown word class '@earz'"),
        ("ringing ears,", "ringing cant,", "'cant' is rewritten"),
        ("ringing ears,", "ringing ears', ", "must be lower-case"),
        ("    group: hearing\n", "", "entry 'urgent.hearing', field 'group'"),
        ("  window: 4\n", "  window: many\n", "field 'window'"),
        ("  hut: [hurt]\n", "  hut: [hurtt]\n", "'hurtt' is not a word of any phrase"),
        ("    max_other_words: 2\n", "    max_other_words: -1\n", "field 'max_other_words'"),
        ("  historical:\n", "  historical:\n    befor: [x]\n", "entry 'context.historical'"),
    ],
)
def test_lexicon_mistakes_are_located(
    knowledge_copy: Path, old: str, new: str, message: str
) -> None:
    edit_file(knowledge_copy, "safety.yaml", old, new)
    with pytest.raises(ContentError) as error:
        load_safety(knowledge_copy)
    assert message in str(error.value)
    assert "safety.yaml" in str(error.value)


@pytest.mark.parametrize(
    "message",
    [
        "relapsed on sh last night",
        "i gave away my guitar and my cat this week",
        "i've sorted out who gets my things",
        "i keep googling which painkillers are lethal",
        "i know where my dad keeps his shotgun",
        "i have thoughts of pushing my brother down the stairs",
        "i've got my pills and i'm going to use them tonight",
        "everyone will understand once i'm gone",
    ],
)
def test_arrangements_means_and_slang_are_a_crisis(safety: SafetyContent, message: str) -> None:
    result = triage(message, safety)
    assert result is not None
    assert result.tier is Tier.CRISIS


@pytest.mark.parametrize(
    "message",
    [
        "i gave my dog to my mum for the weekend",
        "my sister can have my room when i move out",
        "i'm saving them for when my lips get really dry",
        "my lips bleed out of nowhere",
        "i'm writing my will for a law assignment",
        "i could die happy if my skin stays clear",
    ],
)
def test_look_alikes_of_arrangements_and_means_stay_calm(
    safety: SafetyContent, message: str
) -> None:
    assert triage(message, safety) is None


def test_an_alternative_of_several_words_is_joined_with_underscores(knowledge_copy: Path) -> None:
    """'keep_going|looks blurry' is "keep going blurry" or "looks blurry"; without the underscore
    "keep going|looks" would be two slots and match neither as meant."""
    edit_file(
        knowledge_copy,
        "safety.yaml",
        "rules:\n",
        "rules:\n  - id: urgent.test-multiword\n    tier: urgent\n    group: head-and-eyes\n"
        '    phrases: ["keeps_going|looks|gone_all fuzzy"]\n',
    )
    safety = load_safety(knowledge_copy)
    for message in [
        "the board keeps going fuzzy",
        "the board looks fuzzy",
        "it has gone all fuzzy",
    ]:
        assert triage(message, safety) == Triage(Tier.URGENT, "urgent.test-multiword"), message
    assert tier_of("the board keeps fuzzy", safety) == "none"


def test_a_gap_crosses_a_comma_but_not_the_end_of_a_sentence(safety: SafetyContent) -> None:
    # "thanks for everything ... look after my <pet>" is one rule; phones put commas everywhere.
    assert tier_of("thanks for everything, please look after my cat", safety) == "crisis"
    assert triage("thanks for everything. please look after my cat", safety) != triage(
        "thanks for everything, please look after my cat", safety
    )
