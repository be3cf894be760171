"""The second look behind the lexicon: its interface with a word-overlap fake, the real model once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.content import ContentError
from bot.reply import ChatSettings, Kind, Responder
from bot.safety import SafetyContent, SecondLook, Tier, escalation_text, triage
from bot.safety.second_look import MAX_SENTENCES, Examples, Rank, load_examples

# Made-up words the lexicon has no rule for, so that only the second look can see them.
CRISIS_EXAMPLE = "the purple kettle sings tonight for me"
CALM_EXAMPLE = "the purple kettle sings on sundays"
EXAMPLES = Examples(
    crisis=(CRISIS_EXAMPLE,),
    calm=(CALM_EXAMPLE,),
    reply="checkin_concern",
    margin=20,
    similarity=50,
    min_words=4,
)


class OverlapIndex:
    """Each group's score: 100 x the best word overlap (Jaccard) with one of its examples."""

    def __init__(self, groups: Mapping[str, Sequence[str]]) -> None:
        self.examples = {
            name: [set(text.split()) for text in texts] for name, texts in groups.items()
        }
        self.calls: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.calls.append(list(texts))
        return [
            {name: _best(set(text.split()), sets) for name, sets in self.examples.items()}
            for text in texts
        ]


def _best(words: set[str], examples: list[set[str]]) -> float:
    return max(100 * len(words & example) / len(words | example) for example in examples)


def overlap_index(groups: Mapping[str, Sequence[str]]) -> Rank:
    return OverlapIndex(groups)


def look(safety: SafetyContent, more_calm: Sequence[str] = ()) -> SecondLook:
    return SecondLook(EXAMPLES, more_calm, safety.lexicon, overlap_index)


def test_a_sentence_near_a_crisis_example_gets_the_concern_checkin(safety: SafetyContent) -> None:
    message = "Long shift at work today. The purple kettle sings tonight for me."
    assert triage(message, safety) is None  # the lexicon alone sees nothing
    result = triage(message, safety, look(safety))
    assert result is not None
    assert (result.tier, result.checkin, result.rule) == (Tier.URGENT, True, "crisis.second-look")
    text = escalation_text(result, "gb", safety)
    assert "check in" in text
    assert safety.place("gb").emergency in text  # the crisis line and the emergency number


def test_nearer_a_calm_example_it_stays_quiet(safety: SafetyContent) -> None:
    assert triage("the purple kettle sings on sundays", safety, look(safety)) is None


def test_the_knowledge_base_questions_count_as_calm(safety: SafetyContent) -> None:
    second_look = look(safety, more_calm=["the purple kettle sings tonight for me"])
    assert triage(CRISIS_EXAMPLE, safety, second_look) is None


def test_a_recognised_idiom_is_the_lexicons_call(safety: SafetyContent) -> None:
    message = "the purple kettle sings tonight for me, dying of laughter"
    assert triage(message, safety, look(safety)) is None


def test_a_sentence_too_short_to_mean_much_is_not_read(safety: SafetyContent) -> None:
    short = replace(EXAMPLES, crisis=("kettle sings",))
    second_look = SecondLook(short, (), safety.lexicon, overlap_index)
    assert triage("Day 100!! kettle sings 💊🎉", safety, second_look) is None


def test_it_never_softens_what_the_lexicon_found(safety: SafetyContent) -> None:
    result = triage("i want to kill myself", safety, look(safety))
    assert result is not None
    assert result.tier is Tier.CRISIS
    assert not result.checkin


def test_a_long_post_is_read_in_bounded_work(safety: SafetyContent) -> None:
    indexes: list[OverlapIndex] = []

    def remembered(groups: Mapping[str, Sequence[str]]) -> Rank:
        indexes.append(OverlapIndex(groups))
        return indexes[-1]

    second_look = SecondLook(EXAMPLES, (), safety.lexicon, remembered)
    story = " ".join(f"Sentence number {n} of my long story." for n in range(200))
    triage(story, safety, second_look)
    assert len(indexes[0].calls[-1]) <= MAX_SENTENCES + 1  # the whole, and that many sentences


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda data: data["second_look"].update(reply="shout"), "reply"),
        (lambda data: data["second_look"].update(margin=150), "margin"),
        (lambda data: data["second_look"].update(threshold=20), "threshold"),
        (lambda data: data.update(crisis=[]), "crisis"),
    ],
)
def test_broken_examples_are_one_clear_error(
    knowledge_copy: Path, change: object, field: str
) -> None:
    path = knowledge_copy / "safety-examples.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_examples(path)
    assert error.value.field == field


def test_with_the_real_model_unseen_crisis_wording_gets_the_checkin_and_the_line(
    responder: Responder,
) -> None:
    # Spanish, in words no lexicon phrase has: the multilingual model puts it near English examples.
    message = "ultimamente pienso que todos estarían mejor si yo no estuviera"
    assert message not in responder.knowledge.safety.examples.crisis
    assert triage(message, responder.knowledge.safety) is None  # beyond the lexicon
    reply = responder.reply(message)
    assert reply.kind is Kind.ESCALATION
    assert reply.checkin
    assert reply.triage_rule == "crisis.second-look"
    assert responder.escalates(message)  # the Telegram layer puts it first too
    again = responder.reply(message, ChatSettings(earlier_checkins=1))
    assert again.escalation is Tier.CRISIS  # a second check-in within the hour: the crisis reply
    assert not again.checkin


def test_with_the_real_model_no_question_the_bot_answers_gets_the_checkin(
    responder: Responder,
) -> None:
    knowledge = responder.knowledge
    second_look = responder.second_look
    assert second_look is not None
    questions = [q for entry in knowledge.entries.values() for q in entry.questions]
    flagged = [q for q in questions if triage(q, knowledge.safety, second_look) is not None]
    unflagged_by_lexicon = [q for q in flagged if triage(q, knowledge.safety) is None]
    assert unflagged_by_lexicon == []
