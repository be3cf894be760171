"""Inline mode end to end: `@bot question` in any chat offers answers a member can share."""

from __future__ import annotations

from typing import Any

from bot.reply import ChatSettings, Kind, Responder
from bot.safety import Tier
from bot.testing.fake_bot_api import Call
from bot.testing.harness import PollingBot
from bot.testing.updates import Person, Updates

BOB = Person(3003, "Bob")
CRISIS = "I want to kill myself"


async def inline(bot: PollingBot, query: str) -> Call:
    calls = await bot.exchange(Updates().inline_query(BOB, query))
    [answer] = [call for call in calls if call.method == "answerInlineQuery"]
    return answer


def results(answer: Call) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = answer.params["results"]
    return found


def default_settings(responder: Responder) -> ChatSettings:
    return ChatSettings(responder.knowledge.safety.default_region)


async def test_a_question_offers_the_answer_then_its_related_topics(
    polling_bot: PollingBot, responder: Responder
) -> None:
    entry = next(
        e
        for e in responder.knowledge.entries.values()
        if responder.reply(e.questions[0]).kind is Kind.ANSWER and e.related
    )
    answer = await inline(polling_bot, entry.questions[0])
    offered = results(answer)
    assert [r["id"] for r in offered] == [entry.id, *entry.related]
    first = offered[0]
    assert first["type"] == "article"
    assert first["title"] == entry.title
    assert 0 < len(first["description"]) <= 101
    expected = responder.entry_reply(entry.id)
    assert expected is not None
    content = first["input_message_content"]
    assert content["message_text"] == expected.text
    assert content["parse_mode"] == "HTML"
    assert content["message_text"].endswith(responder.with_disclaimer("").strip())
    assert answer.params["is_personal"] is True
    assert answer.params["button"]["start_parameter"] == "topics"


async def test_an_empty_or_unmatched_query_offers_only_the_private_chat_button(
    polling_bot: PollingBot, responder: Responder
) -> None:
    for query in ("", "qwerty zxcvb"):
        answer = await inline(polling_bot, query)
        assert results(answer) == []
        assert answer.params["button"]["start_parameter"] == "topics"


async def test_an_escalating_query_offers_the_escalation_alone(
    polling_bot: PollingBot, responder: Responder
) -> None:
    expected = responder.reply(CRISIS, default_settings(responder))
    assert expected.escalation is Tier.CRISIS, "safety triage must treat this message as a crisis"
    [only] = results(await inline(polling_bot, CRISIS))
    assert only["id"] == "escalation"
    assert only["input_message_content"]["message_text"] == expected.text
