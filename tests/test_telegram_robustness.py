"""What the other Telegram tests do not stage: the Bot API server gone (connections refused) and back,
updates with fields missing or of kinds the bot does not handle, error pages that quote the token, and
hand-made callback data against group settings. Nothing crashes, every update is answered or logged by
its id, the token never reaches a log, and only admins change a group's settings."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.error import NetworkError
from telegram.request import HTTPXRequest

from bot.reply import ChatSettings, Kind, Reply, Responder
from bot.telegram.app import build_application
from bot.telegram.config import Settings
from bot.telegram.logs import REDACTED, WITHHELD
from bot.telegram.state import ChatPrefs, PrefsStore
from bot.testing.fake_bot_api import BOT_USERNAME, Call, FakeBotApi, Fault
from bot.testing.harness import PollingBot
from bot.testing.updates import Person, Updates, group_chat, private_chat, sent_message
from tests.conftest import TELEGRAM_TIMEOUT
from tests.test_telegram_run import STARTUP, bot_process, free_port, stop

ALICE = Person(1001, "Alice")
MODERATOR = Person(2002, "Mo")
CHAT = private_chat(ALICE)
GROUP = group_chat(-100_321)
CHANNEL = {"id": -100_999, "type": "channel", "title": "Announcements"}
CAPTION = "caption-words-kept-private"
UPDATE_LINE = re.compile(r"update (\d+)\b")


def replies(calls: list[Call]) -> list[Call]:
    return [call for call in calls if call.method == "sendMessage" and call.fault is None]


def answerable(responder: Responder) -> tuple[str, Reply]:
    """A question answered directly, in one message, the same in private and in a group."""
    group = ChatSettings(responder.knowledge.safety.default_region)
    for entry in responder.knowledge.entries.values():
        question = entry.questions[0]
        reply = responder.reply(question)
        if reply.kind is Kind.ANSWER and reply.text == responder.reply(question, group).text:
            return question, reply
    raise AssertionError("no entry is answered directly by its first question")


def text_of(responder: Responder, key: str) -> str:
    return responder.knowledge.texts(f"telegram.{key}")


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every record's message, and the formatted log with its tracebacks."""
    return "\n".join([record.getMessage() for record in caplog.records] + [caplog.text])


def assert_no_token(caplog: pytest.LogCaptureFixture, api: FakeBotApi) -> None:
    logged = everything_logged(caplog)
    assert api.token.split(":", 1)[1] not in logged


# -- The server stopped, then back on the same port --------------------------------------------------


class WatchedConnection(HTTPXRequest):
    """The bot's HTTP connection, counting the requests that found nobody listening."""

    def __init__(self) -> None:
        super().__init__(
            read_timeout=TELEGRAM_TIMEOUT,
            write_timeout=TELEGRAM_TIMEOUT,
            connect_timeout=TELEGRAM_TIMEOUT,
            pool_timeout=TELEGRAM_TIMEOUT,
        )
        self.refused: Counter[str] = Counter()  # by Bot API method
        self._changed = asyncio.Condition()

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        try:
            return await super().do_request(*args, **kwargs)
        except NetworkError as error:
            if isinstance(error.__cause__, httpx.ConnectError):
                self.refused[str(kwargs["url"]).rsplit("/", 1)[-1]] += 1
                async with self._changed:
                    self._changed.notify_all()
            raise

    async def wait_refused(self, method: str, *, within: float = 5.0) -> None:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: self.refused[method] > 0), within
            )


@dataclass
class WatchedBot:
    bot: PollingBot
    replies: WatchedConnection  # sendMessage and the rest
    polls: WatchedConnection  # getUpdates


@pytest.fixture
async def watched(
    fake_api: FakeBotApi, telegram_settings: Settings, responder: Responder
) -> AsyncIterator[WatchedBot]:
    connections = WatchedConnection(), WatchedConnection()
    application = build_application(
        telegram_settings, responder, request=connections[0], get_updates_request=connections[1]
    )
    async with PollingBot(fake_api, application) as bot:
        yield WatchedBot(bot, *connections)


async def test_updates_sent_while_the_server_was_down_are_answered_once_it_is_back(
    watched: WatchedBot,
    fake_api: FakeBotApi,
    responder: Responder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    question, reply = answerable(responder)
    updates = Updates()
    [before] = replies(await watched.bot.exchange(updates.text(CHAT, ALICE, question)))
    assert before.text == reply.text

    await fake_api.go_down()
    people = [Person(4000 + n, f"Queued {n}") for n in range(3)]
    queued = [updates.text(private_chat(person), person, question) for person in people]
    in_group = updates.text(GROUP, ALICE, f"/ask {question}")
    for update in [*queued, in_group]:
        fake_api.push(update)
    await watched.polls.wait_refused("getUpdates")
    await fake_api.come_back()
    await watched.bot.settle(within=10)

    answers = replies(fake_api.calls)
    assert len(answers) == 1 + len(people) + 1
    for person in people:
        [answer] = [call for call in answers if call.chat_id == person.id]
        assert answer.text == reply.text
    [group_answer] = [call for call in answers if call.chat_id == GROUP["id"]]
    assert group_answer.text == reply.text
    quoted = group_answer.params["reply_parameters"]["message_id"]
    assert quoted == in_group["message"]["message_id"]
    assert_no_token(caplog, fake_api)


async def test_a_reply_caught_by_a_short_outage_is_delivered_once_the_server_is_back(
    watched: WatchedBot, fake_api: FakeBotApi, responder: Responder
) -> None:
    question, reply = answerable(responder)
    fake_api.fail("sendMessage", Fault.HANG)
    fake_api.push(Updates().text(CHAT, ALICE, question))
    await fake_api.wait_until(
        lambda: any(call.fault is Fault.HANG for call in fake_api.calls), 5.0, "a hanging reply"
    )
    await fake_api.go_down()  # the hanging reply's connection drops, its retry is refused
    await watched.replies.wait_refused("sendMessage")
    await fake_api.come_back()
    await watched.bot.settle(within=10)
    [answer] = replies(fake_api.calls)
    assert answer.text == reply.text


async def test_a_reply_lost_to_a_long_outage_is_logged_by_its_update_id(
    watched: WatchedBot,
    fake_api: FakeBotApi,
    responder: Responder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    question, reply = answerable(responder)
    updates = Updates()
    fake_api.fail("sendMessage", Fault.HANG)
    lost = fake_api.push(updates.text(CHAT, ALICE, question))
    await fake_api.wait_until(
        lambda: any(call.fault is Fault.HANG for call in fake_api.calls), 5.0, "a hanging reply"
    )
    await fake_api.go_down()  # longer than the retries last: the reply and the apology both fail
    await asyncio.wait_for(watched.bot.application.update_queue.join(), 10)
    logged = [record.getMessage() for record in caplog.records]
    assert f"update {lost}: reply failed after retries (NetworkError)" in logged
    assert f"update {lost}: apology not sent (NetworkError)" in logged

    await fake_api.come_back()
    fake_api.push(updates.text(CHAT, ALICE, question))
    await watched.bot.settle(within=10)
    [answer] = replies(fake_api.calls)
    assert answer.text == reply.text


# -- Updates with fields missing, or of kinds the bot does not handle -------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    update: dict[str, Any]
    answered_by: tuple[str, ...] = ()  # the Bot API calls answering it; none: logged only
    text: str | None = None  # how the answer (message or callback notice) starts


def answers_to(update: dict[str, Any], calls: list[Call]) -> list[Call]:
    """The calls that answer `update`: a message to its chat (in a group, in reply to it), or the
    answer to its callback or inline query."""
    message = update.get("message")
    query = update.get("callback_query") or update.get("inline_query")
    found = []
    for call in calls:
        if call.method == "sendMessage" and isinstance(message, dict):
            quoted = call.params.get("reply_parameters", {}).get("message_id")
            in_chat = call.chat_id == message.get("chat", {}).get("id")
            if in_chat and quoted in (None, message["message_id"]):
                found.append(call)
        elif call.method in ("answerCallbackQuery", "answerInlineQuery") and query is not None:
            query_id = call.params.get("callback_query_id", call.params.get("inline_query_id"))
            if query_id == query["id"]:
                found.append(call)
    return found


def odd_updates(responder: Responder, api: FakeBotApi) -> list[Case]:
    question, reply = answerable(responder)
    updates = Updates()
    people = (Person(3000 + n, f"Odd {n}") for n in range(20))

    def private(**content: Any) -> dict[str, Any]:
        person = next(people)
        return updates.message(private_chat(person), person, **content)

    def without(update: dict[str, Any], *fields: str) -> dict[str, Any]:
        kind = next(iter(update))
        update[kind] = {k: v for k, v in update[kind].items() if k not in fields}
        return update

    def changed(update: dict[str, Any], **fields: Any) -> dict[str, Any]:
        kind = next(iter(update))
        update[kind] = {**update[kind], **fields}
        return update

    def rename(update: dict[str, Any], kind: str) -> dict[str, Any]:
        return {kind: next(iter(update.values()))}

    bot_message = sent_message(CHAT, 77, api.bot_user)
    entry_id = next(iter(responder.knowledge.entries))
    press = updates.button_press(ALICE, bot_message, f"t:{entry_id}")
    bot_member = {"status": "member", "user": api.bot_user}
    bot_left = {"status": "left", "user": api.bot_user}
    membership = {"chat": GROUP, "from": MODERATOR.as_json(), "date": 0}
    channel_post = {"message_id": 5, "date": 0, "chat": CHANNEL, "sender_chat": CHANNEL}
    bot = f"@{BOT_USERNAME}"
    expired = text_of(responder, "button_expired")
    return [
        Case(
            "a message without a sender",
            without(private(text=question), "from"),
            ("sendMessage",),
            reply.text,
        ),
        Case(
            "/ask sent on behalf of a channel",
            changed(
                without(updates.text(GROUP, ALICE, f"/ask {question}"), "from"),
                sender_chat=CHANNEL,
            ),
            ("sendMessage",),
            reply.text,
        ),
        Case(
            "/settings without any sender",
            without(updates.text(GROUP, ALICE, "/settings"), "from"),
            ("sendMessage",),
            text_of(responder, "settings_admins_only"),
        ),
        Case(
            "a private message with neither text nor media",
            private(),
            ("sendMessage",),
            text_of(responder, "only_text"),
        ),
        Case("a group message with neither text nor media", updates.message(GROUP, ALICE)),
        Case(
            "a button under an inline message (no message)",
            without(changed(press, inline_message_id="inline-1"), "message"),
            ("answerCallbackQuery",),
            expired,
        ),
        Case(
            "a button without data",
            without(updates.button_press(ALICE, bot_message, "t:x"), "data"),
            ("answerCallbackQuery",),
            expired,
        ),
        Case(
            "a button under a message too old to see",
            updates.button_press(ALICE, {"message_id": 1, "date": 0, "chat": CHAT}, "s:"),
            ("answerCallbackQuery",),
            expired,
        ),
        Case("a channel post", {"channel_post": {**channel_post, "text": f"/ask{bot} hi"}}),
        Case("an edited channel post", {"edited_channel_post": {**channel_post, "text": "hi"}}),
        Case(
            "the bot added to a group",
            {
                "my_chat_member": {
                    **membership,
                    "old_chat_member": bot_left,
                    "new_chat_member": bot_member,
                }
            },
        ),
        Case(
            "the bot removed from a group",
            {
                "my_chat_member": {
                    **membership,
                    "old_chat_member": bot_member,
                    "new_chat_member": bot_left,
                }
            },
        ),
        Case(
            "an inline query with an empty string",
            updates.inline_query(ALICE, ""),
            ("answerInlineQuery",),
        ),
        Case("an update of a kind the bot does not know", {"future_update": {"id": "1"}}),
        Case("a message without a chat", without(private(text=question), "chat")),
        Case("a message whose date is not a number", private(text=question, date="yesterday")),
        Case("an edited caption", rename(private(caption=CAPTION), "edited_message")),
        Case(
            "a reply to a channel post in a group",
            updates.text(
                GROUP, ALICE, "nice", reply_to={**channel_post, "chat": GROUP, "text": "post"}
            ),
        ),
        Case(
            "a mention whose entity lies past the text's end",
            changed(
                updates.text(GROUP, ALICE, "hello"),
                entities=[{"type": "mention", "offset": 10, "length": 20}],
            ),
        ),
    ]


async def test_odd_updates_are_answered_or_logged_by_id_and_nothing_breaks(
    polling_bot: PollingBot,
    fake_api: FakeBotApi,
    responder: Responder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    fake_api.ignores_allowed_updates = True  # kinds the bot never asked for reach it too
    cases = odd_updates(responder, fake_api)
    update_ids = {case.name: fake_api.push(case.update) for case in cases}
    await polling_bot.settle()
    calls = [call for call in fake_api.calls if call.method != "getUpdates"]

    for case in cases:
        answers = answers_to(case.update, calls)
        assert tuple(call.method for call in answers) == case.answered_by, case.name
        if case.text is not None:
            [answer] = answers
            assert answer.params.get("text", "").startswith(case.text), (case.name, answer)
    logged_ids = {
        int(match[1])
        for record in caplog.records
        if (match := UPDATE_LINE.match(record.getMessage()))
    }
    assert set(update_ids.values()) <= logged_ids
    troubles = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert troubles == [], [r.getMessage() for r in troubles]
    assert CAPTION not in everything_logged(caplog)  # ids and kinds only

    question, reply = answerable(responder)
    [answer] = replies(await polling_bot.exchange(Updates().text(CHAT, ALICE, question)))
    assert answer.text == reply.text


async def test_an_unreadable_update_does_not_hold_up_the_ones_after_it(
    polling_bot: PollingBot,
    fake_api: FakeBotApi,
    responder: Responder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    question, reply = answerable(responder)
    updates = Updates()
    unreadable = updates.text(CHAT, ALICE, f"{question} private-words")
    del unreadable["message"]["chat"]
    calls = await polling_bot.exchange(unreadable, updates.text(CHAT, ALICE, question))
    [answer] = replies(calls)
    assert answer.text == reply.text
    polls = [call for call in fake_api.calls if call.method == "getUpdates"]
    assert len(polls) < 10  # PTB alone fetched the same batch again and again, at full speed
    logged = everything_logged(caplog)
    assert "update 1 unreadable (" in logged
    assert "private-words" not in logged


async def test_an_unreadable_update_posted_to_the_webhook_is_logged_by_id_only(
    fake_api: FakeBotApi, responder: Responder, tmp_path: Path
) -> None:
    port, secret = free_port(), "webhook_secret-456"
    env = {
        "TELEGRAM_BOT_TOKEN": fake_api.token,
        "TELEGRAM_API_BASE_URL": fake_api.base_url,
        "BOT_PERSISTENCE_PATH": str(tmp_path / "bot.sqlite3"),
        "WEBHOOK_URL": "https://bot.example.org/hook",
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_SECRET": secret,
    }
    question, reply = answerable(responder)
    updates = Updates()
    unreadable = {"update_id": 41, **updates.text(CHAT, ALICE, CAPTION)}
    unreadable["message"]["date"] = "yesterday"
    readable = {"update_id": 42, **updates.text(CHAT, ALICE, question)}
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
    async with bot_process(env) as process, httpx.AsyncClient() as client:
        await fake_api.wait_for("setWebhook", within=STARTUP)

        async def post(update: dict[str, Any]) -> int:
            for _ in range(int(STARTUP * 10)):  # the server starts just after setWebhook
                with contextlib.suppress(httpx.ConnectError):
                    hook = f"http://127.0.0.1:{port}/hook"
                    return (await client.post(hook, json=update, headers=headers)).status_code
                await asyncio.sleep(0.1)
            raise AssertionError("the webhook server never started")

        assert await post(unreadable) == 200  # skipped, as in polling: Telegram need not retry it
        assert await post(readable) == 200
        [answer] = await fake_api.wait_for("sendMessage", chat_id=ALICE.id, within=STARTUP)
        stderr = await stop(process)
    assert answer.text == reply.text
    assert "update 41 unreadable (" in stderr
    assert CAPTION not in stderr


# -- The token, whatever the server answers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "fault", "sign"),
    [
        ("sendMessage", Fault.NOT_FOUND_PAGE, REDACTED),  # read as a rejected token: a traceback
        ("sendMessage", Fault.BAD_GATEWAY_PAGE, WITHHELD),  # retried, then given up
        ("sendMessage", Fault.UNAUTHORIZED, "InvalidToken"),  # the token was revoked
        ("getUpdates", Fault.BAD_GATEWAY_PAGE, "getUpdates failed (NetworkError)"),
    ],
)
async def test_the_token_never_reaches_the_logs(
    polling_bot: PollingBot,
    fake_api: FakeBotApi,
    responder: Responder,
    caplog: pytest.LogCaptureFixture,
    method: str,
    fault: Fault,
    sign: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    question, _ = answerable(responder)
    # Polling fails once (PTB waits a second before the next); a reply twice: with its retry or apology.
    fake_api.fail(method, fault, times=1 if method == "getUpdates" else 2)
    update_id = fake_api.push(Updates().text(CHAT, ALICE, question))
    await polling_bot.settle(within=10)
    logged = everything_logged(caplog)
    assert sign in logged  # the server's answer reached the log path under test
    assert f"update {update_id} " in logged or f"update {update_id}:" in logged
    assert_no_token(caplog, fake_api)


async def test_a_rejected_token_is_not_repeated_by_the_process(fake_api: FakeBotApi) -> None:
    secret = "wrong-secret_token"
    env = {
        "TELEGRAM_BOT_TOKEN": f"999:{secret}",
        "TELEGRAM_API_BASE_URL": fake_api.base_url,
        "LOG_LEVEL": "DEBUG",
    }
    async with bot_process(env) as process:
        stdout, stderr = await asyncio.wait_for(process.communicate(), STARTUP)
    assert process.returncode == 2
    assert secret not in (stdout + stderr).decode()


async def test_the_running_process_logs_no_token_when_polling_meets_an_error_page(
    fake_api: FakeBotApi, responder: Responder, tmp_path: Path
) -> None:
    fake_api.fail("getUpdates", Fault.BAD_GATEWAY_PAGE)
    env = {
        "TELEGRAM_BOT_TOKEN": fake_api.token,
        "TELEGRAM_API_BASE_URL": fake_api.base_url,
        "BOT_PERSISTENCE_PATH": str(tmp_path / "bot.sqlite3"),
        "LOG_LEVEL": "DEBUG",
    }
    question, reply = answerable(responder)
    async with bot_process(env) as process:
        fake_api.push(Updates().text(CHAT, ALICE, question))
        [answer] = await fake_api.wait_for("sendMessage", chat_id=ALICE.id, within=STARTUP)
        stderr = await stop(process)
    assert answer.text == reply.text
    assert "getUpdates failed (NetworkError); polling again" in stderr
    assert WITHHELD in stderr  # where PTB would log the page, URL and token included
    assert fake_api.token.split(":", 1)[1] not in stderr


# -- Group settings and callback data, crafted by hand -----------------------------------------------


async def settings_panel(bot: PollingBot, updates: Updates) -> Call:
    bot.api.set_member_status(GROUP["id"], MODERATOR.id, "administrator")
    [panel] = replies(await bot.exchange(updates.text(GROUP, MODERATOR, "/settings")))
    return panel


async def test_no_settings_action_is_open_to_a_member_even_crafted_by_hand(
    polling_bot: PollingBot, updates: Updates, fake_api: FakeBotApi, responder: Responder
) -> None:
    panel = await settings_panel(polling_bot, updates)
    regions = responder.knowledge.safety.regions
    actions = ["w:on", "w:off", "m:on", "m:off", *(f"r:{code}" for code in regions)]
    assert set(panel.callback_data) <= set(actions)  # every action the panel can offer
    former = Person(5005, "Gone")
    fake_api.set_member_status(GROUP["id"], former.id, "left")
    presses = [
        updates.button_press(person, panel.result, data)
        for person in (ALICE, former)
        for data in actions
    ]
    assert len(presses) > 20  # more admin checks than the group's messages a minute: not counted
    calls = await polling_bot.exchange(*presses)
    alerts = [call for call in calls if call.method == "answerCallbackQuery"]
    assert len(alerts) == len(presses)
    for alert in alerts:
        assert alert.params["text"] == text_of(responder, "settings_admins_only")
        assert alert.params["show_alert"] is True
    assert [call.method for call in calls if call.method != "answerCallbackQuery"] == [
        "getChatMember"
    ] * len(presses)
    assert PrefsStore(polling_bot.application).get(GROUP["id"]) == ChatPrefs()


async def test_a_failed_admin_check_changes_nothing(
    polling_bot: PollingBot, updates: Updates, fake_api: FakeBotApi, responder: Responder
) -> None:
    panel = await settings_panel(polling_bot, updates)
    fake_api.fail("getChatMember", Fault.BAD_REQUEST)
    calls = await polling_bot.exchange(updates.button_press(MODERATOR, panel.result, "w:off"))
    [notice] = [call for call in calls if call.method == "answerCallbackQuery"]
    assert notice.params["text"] == text_of(responder, "error_apology")
    assert not [call for call in calls if call.method == "editMessageText"]
    assert PrefsStore(polling_bot.application).get(GROUP["id"]) == ChatPrefs()


@pytest.mark.parametrize(
    "data",
    [
        "w:maybe",
        "w:",
        "r:",
        "r:xx",
        "r:GB",
        "t:no-such-entry",
        "t:" + "a" * 62,  # 64 bytes: the longest data Telegram carries, naming nothing
        "t:" + "é" * 40,  # 82 bytes: more than Telegram carries
        "s:../../etc/passwd",
        "x:1",
        "",
    ],
)
async def test_forged_button_data_in_a_group_gets_a_polite_answer_even_from_an_admin(
    polling_bot: PollingBot, updates: Updates, responder: Responder, data: str
) -> None:
    panel = await settings_panel(polling_bot, updates)
    calls = await polling_bot.exchange(updates.button_press(MODERATOR, panel.result, data))
    assert [call.method for call in calls] == ["answerCallbackQuery"]
    assert calls[0].params["text"] == text_of(responder, "button_expired")
    assert PrefsStore(polling_bot.application).get(GROUP["id"]) == ChatPrefs()
