"""When Telegram misbehaves: 429 with retry_after, 5xx, timeouts, dropped connections, garbage, a user
who blocked the bot. The update is not lost, the bot does not crash, and the logs stay private."""

from __future__ import annotations

import logging

import pytest

from bot.reply import Kind, Reply, Responder
from bot.telegram.config import Settings
from bot.testing.fake_bot_api import Call, FakeBotApi, Fault
from bot.testing.harness import PollingBot
from bot.testing.updates import Person, Updates, group_chat, private_chat
from tests.conftest import start_bot

ALICE = Person(1001, "Alice")
CHAT = private_chat(ALICE)


def replies(calls: list[Call]) -> list[Call]:
    return [call for call in calls if call.method == "sendMessage" and call.fault is None]


def answerable(responder: Responder) -> tuple[str, Reply]:
    for entry in responder.knowledge.entries.values():
        reply = responder.reply(entry.questions[0])
        if reply.kind is Kind.ANSWER:
            return entry.questions[0], reply
    raise AssertionError("no entry is answered directly by its first question")


@pytest.mark.parametrize(
    "fault", [Fault.RETRY_AFTER, Fault.SERVER_ERROR, Fault.HANG, Fault.DISCONNECT]
)
async def test_a_failed_send_is_retried_and_the_answer_arrives(
    polling_bot: PollingBot, fake_api: FakeBotApi, responder: Responder, fault: Fault
) -> None:
    question, reply = answerable(responder)
    fake_api.fail("sendMessage", fault)
    calls = await polling_bot.exchange(Updates().text(CHAT, ALICE, question))
    attempts = [call for call in fake_api.calls if call.method == "sendMessage"]
    assert [call.fault for call in attempts] == [fault, None]
    [answer] = replies(calls)
    assert answer.text == reply.text


async def test_two_server_errors_in_a_row_are_still_survived(
    polling_bot: PollingBot, fake_api: FakeBotApi, responder: Responder
) -> None:
    question, reply = answerable(responder)
    fake_api.fail("sendMessage", Fault.SERVER_ERROR, times=2)
    [answer] = replies(await polling_bot.exchange(Updates().text(CHAT, ALICE, question)))
    assert answer.text == reply.text


async def test_garbage_from_the_api_gets_an_apology_and_the_bot_carries_on(
    polling_bot: PollingBot, fake_api: FakeBotApi, responder: Responder
) -> None:
    question, reply = answerable(responder)
    updates = Updates()
    fake_api.fail("sendMessage", Fault.MALFORMED)
    [apology] = replies(await polling_bot.exchange(updates.text(CHAT, ALICE, question)))
    assert apology.text.startswith("Sorry, something went wrong")
    assert apology.text.endswith(responder.with_disclaimer("").strip())
    [answer] = replies(await polling_bot.exchange(updates.text(CHAT, ALICE, question)))
    assert answer.text == reply.text


async def test_a_user_who_blocked_the_bot_is_not_retried_nor_apologised_to(
    polling_bot: PollingBot, fake_api: FakeBotApi, responder: Responder
) -> None:
    question, reply = answerable(responder)
    updates = Updates()
    fake_api.fail("sendMessage", Fault.FORBIDDEN)
    assert replies(await polling_bot.exchange(updates.text(CHAT, ALICE, question))) == []
    assert len([c for c in fake_api.calls if c.method == "sendMessage"]) == 1
    [answer] = replies(await polling_bot.exchange(updates.text(CHAT, ALICE, question)))
    assert answer.text == reply.text


async def test_polling_recovers_from_a_failed_get_updates(
    polling_bot: PollingBot, fake_api: FakeBotApi, responder: Responder
) -> None:
    question, reply = answerable(responder)
    fake_api.fail("getUpdates", Fault.SERVER_ERROR)
    await fake_api.wait_until(
        lambda: any(c.fault for c in fake_api.calls if c.method == "getUpdates"), 5.0, "a 500"
    )
    fake_api.push(Updates().text(CHAT, ALICE, question))
    [answer] = await fake_api.wait_for("sendMessage", chat_id=ALICE.id)
    assert answer.text == reply.text


async def test_the_bot_runs_when_its_command_menus_cannot_be_set(
    fake_api: FakeBotApi, telegram_settings: Settings, responder: Responder
) -> None:
    for method in ("setMyCommands", "setMyDescription"):
        fake_api.fail(method, Fault.BAD_REQUEST, times=3)
    question, reply = answerable(responder)
    async with start_bot(fake_api, telegram_settings, responder) as bot:
        [answer] = replies(await bot.exchange(Updates().text(CHAT, ALICE, question)))
    assert answer.text == reply.text
    menus = [call for call in fake_api.calls if call.method == "setMyCommands"]
    assert [call.fault for call in menus] == [Fault.BAD_REQUEST] * 3  # one per scope, no retry


async def test_the_logs_of_a_whole_conversation_hold_no_message_text_and_no_token(
    fake_api: FakeBotApi,
    telegram_settings: Settings,
    responder: Responder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from dataclasses import replace

    caplog.set_level(logging.DEBUG)
    settings = replace(telegram_settings, log_level=logging.DEBUG)
    question, _ = answerable(responder)
    secret_words = "marmalade-xylophone"
    said = [
        f"{question} {secret_words}",
        f"{secret_words} qwerty",
        f"I want to kill myself {secret_words}",
        f"/ask {question} {secret_words}",
    ]
    group = group_chat(-100_777)
    updates = Updates()
    conversation = [
        updates.text(CHAT, ALICE, "/start"),
        updates.text(CHAT, ALICE, said[0]),
        updates.text(CHAT, ALICE, said[1]),
        updates.text(group, ALICE, said[2]),
        updates.text(group, ALICE, said[3]),
        updates.inline_query(ALICE, said[0]),
    ]
    async with start_bot(fake_api, settings, responder) as bot:
        await bot.exchange(*conversation[:2])
        fake_api.fail("sendMessage", Fault.SERVER_ERROR)
        await bot.exchange(conversation[2])
        fake_api.fail("sendMessage", Fault.MALFORMED)
        await bot.exchange(*conversation[3:])
        await bot.exchange(updates.edited(conversation[1], said[1]))

    assert any(r.name.startswith("telegram") for r in caplog.records)
    assert any(r.name.startswith("bot.telegram") for r in caplog.records)
    logged = "\n".join(
        [record.getMessage() for record in caplog.records]
        + [caplog.text]  # formatted, with tracebacks
    )
    assert secret_words not in logged
    assert question not in logged
    assert fake_api.token not in logged
    assert fake_api.token.split(":", 1)[1] not in logged
