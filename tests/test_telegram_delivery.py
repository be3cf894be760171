"""Telegram's details, end to end: an update delivered twice is answered once; polling outlives
answers of the wrong shape (pausing longer each time) and update ids that are no integers; a stop
answers what was already fetched, within Docker's 10 s grace."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest
from telegram import Update

from bot.reply import Kind, Responder
from bot.telegram.config import Settings
from bot.telegram.delivery import MAX_CHAT_QUEUE, FairUpdateProcessor
from bot.testing.fake_bot_api import Call, FakeBotApi, Fault
from bot.testing.harness import PollingBot
from bot.testing.updates import Person, Updates, private_chat
from tests.conftest import start_bot

ALICE = Person(1001, "Alice")
CHAT = private_chat(ALICE)
DOCKER_GRACE_SECONDS = 10.0


def question_of(responder: Responder) -> str:
    for entry in responder.knowledge.entries.values():
        if responder.reply(entry.questions[0]).kind is Kind.ANSWER:
            return entry.questions[0]
    raise AssertionError("no entry is answered directly by its first question")


def replies(calls: list[Call]) -> list[Call]:
    return [call for call in calls if call.method == "sendMessage"]


async def test_an_update_delivered_twice_is_answered_once(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    update = updates.text(CHAT, ALICE, question_of(responder))
    update["update_id"] = 41
    twice = await polling_bot.exchange(update, dict(update))  # in one batch
    assert len(replies(twice)) == 1
    application = polling_bot.application
    await application.update_queue.put(Update.de_json(dict(update), application.bot))  # later
    await asyncio.wait_for(application.update_queue.join(), 5)
    assert len(polling_bot.api.calls_to("sendMessage")) == 1


@pytest.mark.parametrize("shape", [Fault.NO_RESULT, Fault.BARE_LIST])
async def test_polling_outlives_answers_of_the_wrong_shape(
    polling_bot: PollingBot, updates: Updates, responder: Responder, shape: Fault
) -> None:
    polling_bot.api.fail("getUpdates", shape)
    [answer] = replies(
        await polling_bot.exchange(updates.text(CHAT, ALICE, question_of(responder)))
    )
    assert answer.chat_id == ALICE.id


async def test_polling_pauses_longer_after_each_answer_of_the_wrong_shape(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    api = polling_bot.api
    api.fail("getUpdates", Fault.RESULT_OBJECT, times=3)
    [answer] = replies(
        await polling_bot.exchange(updates.text(CHAT, ALICE, question_of(responder)))
    )
    assert answer.chat_id == ALICE.id
    faulty = [call for call in api.calls if call.fault is Fault.RESULT_OBJECT]
    pauses = [later.at - earlier.at for earlier, later in itertools.pairwise(faulty)]
    assert len(pauses) == 2
    assert pauses[0] >= 0.9  # no busy loop ...
    assert pauses[1] > pauses[0]  # ... and a growing pause


async def test_updates_whose_id_is_no_integer_are_skipped_and_polling_goes_on(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    api = polling_bot.api
    for bad_id in ("7", 7.5, None, True):
        api.push_raw({**updates.text(CHAT, ALICE, "hello"), "update_id": bad_id})
    [answer] = replies(
        await polling_bot.exchange(updates.text(CHAT, ALICE, question_of(responder)))
    )
    assert answer.chat_id == ALICE.id


async def test_a_stop_answers_every_fetched_update_within_docker_s_grace(
    fake_api: FakeBotApi, telegram_settings: Settings, responder: Responder, updates: Updates
) -> None:
    """900 questions from 900 people (30 s of replies at Telegram's 30 messages a second): the stop
    comes at the first reply, and stops as PTB's run_polling does at SIGTERM (the updater, then the
    application). The bot fetched only what it could answer in time, and answered all of it."""
    question = question_of(responder)
    people = [Person(7000 + n, f"P{n}") for n in range(900)]
    bot = start_bot(fake_api, telegram_settings, responder)
    async with bot:
        for person in people:
            fake_api.push(updates.text(private_chat(person), person, question))
        await fake_api.wait_for("sendMessage", within=10)
        stopping = time.perf_counter()
    stop_seconds = time.perf_counter() - stopping
    confirmed = fake_api.polled_offset - 1  # the bot took these; Telegram will not resend them
    answered = {call.chat_id for call in fake_api.calls_to("sendMessage")}
    assert 0 < confirmed < len(people)  # the rest stays with Telegram for the next start
    assert answered == {person.id for person in people[:confirmed]}
    assert stop_seconds < DOCKER_GRACE_SECONDS


def chat_update(update_id: int, chat_id: int = 5) -> Update:
    chat: dict[str, Any] = {"id": chat_id, "type": "private"}
    message = {"message_id": update_id, "date": 0, "chat": chat, "text": "hi"}
    return Update.de_json({"update_id": update_id, "message": message}, None)


async def test_a_flooding_chat_keeps_only_its_latest_updates_waiting() -> None:
    processor = FairUpdateProcessor(1, is_urgent=lambda update: False)
    handled: list[int] = []
    release = asyncio.Event()

    async def handle(update_id: int) -> None:
        if update_id == 0:
            await release.wait()
        handled.append(update_id)

    flood = 1 + MAX_CHAT_QUEUE + 50
    async with processor:
        tasks = [
            asyncio.create_task(processor.process_update(chat_update(n), handle(n)))
            for n in range(flood)
        ]
        await asyncio.sleep(0.01)
        release.set()
        await asyncio.gather(*tasks)
    assert handled == [0, *range(flood - MAX_CHAT_QUEUE, flood)]


async def test_a_stop_gives_up_on_a_backlog_it_cannot_answer_in_time() -> None:
    processor = FairUpdateProcessor(1, is_urgent=lambda update: False, drain_seconds=0.1)
    handled: list[int] = []

    async def handle(update_id: int) -> None:
        await asyncio.sleep(0.01)
        handled.append(update_id)

    async with processor:
        tasks = [
            asyncio.create_task(processor.process_update(chat_update(n), handle(n)))
            for n in range(MAX_CHAT_QUEUE)
        ]
        processor.stop_soon()
        started = time.perf_counter()
        await asyncio.gather(*tasks)
    assert time.perf_counter() - started < 1.0
    assert 0 < len(handled) < MAX_CHAT_QUEUE
    assert handled == sorted(handled)  # what was handled, in the chat's order
