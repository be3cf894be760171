"""Escalations first, end to end: a crisis is answered within seconds however busy the bot is with
others (a group spamming buttons, a burst of thousands of updates), and a chat that floods the bot
does not hold up the rest."""

from __future__ import annotations

import time
from typing import Any

import pytest
from telegram import Message, Update

from bot.reply import ChatSettings, Kind, Responder
from bot.telegram.delivery import FairUpdateProcessor
from bot.testing.fake_bot_api import Call, FakeBotApi
from bot.testing.harness import PollingBot
from bot.testing.updates import Person, Updates, group_chat, private_chat

CRISIS = "I want to kill myself"
PROMPT_SECONDS = 2.0  # the bound for a crisis reply, however busy the bot is
GROUP = group_chat(-100_777)
ALICE = Person(1001, "Alice")
BOB = Person(1002, "Bob")
NEWCOMER = Person(1003, "Nell")
BURST = 10_000


@pytest.fixture(autouse=True)
def quick_stop(polling_bot: PollingBot) -> None:
    """The test leaves a backlog behind on purpose: drop it at the end instead of answering it."""
    processor = polling_bot.application.update_processor
    assert isinstance(processor, FairUpdateProcessor)
    processor.drain_seconds = 0.2


def answerable(responder: Responder) -> str:
    for entry in responder.knowledge.entries.values():
        if responder.reply(entry.questions[0]).kind is Kind.ANSWER:
            return entry.questions[0]
    raise AssertionError("no entry is answered directly by its first question")


async def answered_within(api: FakeBotApi, update: dict[str, Any], expected: str) -> float:
    """Push `update`; the seconds until the bot sent `expected` into its chat."""
    chat_id = (update.get("message") or update["edited_message"])["chat"]["id"]
    started = time.perf_counter()
    api.push(update)

    def is_reply(call: Call) -> bool:
        return call.text == expected

    await api.wait_for("sendMessage", chat_id=chat_id, where=is_reply, within=30)
    return time.perf_counter() - started


async def test_a_crisis_in_a_group_spamming_buttons_is_answered_at_once(
    polling_bot: PollingBot, fake_api: FakeBotApi, updates: Updates, responder: Responder
) -> None:
    [menu] = await polling_bot.exchange(updates.text(GROUP, ALICE, "/topics"))
    section = next(iter(responder.knowledge.sections))
    for _ in range(40):  # each an edit of the menu, against the group's 20 messages a minute
        fake_api.push(updates.button_press(BOB, menu.result, f"s:{section}"))
    expected = responder.reply(
        CRISIS, ChatSettings(responder.knowledge.safety.default_region, in_group=True)
    ).text
    crisis = updates.text(GROUP, ALICE, CRISIS)
    assert await answered_within(fake_api, crisis, expected) < PROMPT_SECONDS
    edits = fake_api.calls_to("editMessageText", chat_id=GROUP["id"])
    assert len(edits) < 20, "browsing buttons must be within the group's cooldown"


async def test_a_crisis_and_a_newcomer_are_answered_during_a_burst_elsewhere(
    polling_bot: PollingBot, fake_api: FakeBotApi, updates: Updates, responder: Responder
) -> None:
    """10 000 questions from five chats arrive at once (each chat keeps its latest 256 waiting: still
    over 40 s of replies at Telegram's 30 a second); they are put straight into the bot's update
    queue, as polling would after fetching them, since making and parsing them over HTTP would take
    the test longer than the bot takes to answer."""
    question = answerable(responder)
    application = polling_bot.application
    bot = application.bot
    flooders = [private_chat(Person(5000 + n, f"F{n}")) for n in range(5)]
    asked = [
        Message.de_json(updates.text(chat, Person(chat["id"], "F"), question)["message"], bot)
        for chat in flooders
    ]
    first_id = fake_api.last_update_id + 1_000_000  # ids apart from the ones the fake hands out
    for number in range(BURST):
        await application.update_queue.put(Update(first_id + number, message=asked[number % 5]))
    crisis = updates.text(private_chat(ALICE), ALICE, CRISIS)
    assert await answered_within(fake_api, crisis, responder.reply(CRISIS).text) < PROMPT_SECONDS
    newcomer = updates.text(private_chat(NEWCOMER), NEWCOMER, question)
    expected = responder.reply(question).text
    assert await answered_within(fake_api, newcomer, expected) < PROMPT_SECONDS
