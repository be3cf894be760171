"""A conversation on Telegram, end to end through the fake Bot API: follow-ups and choices resolved
against a short memory, which is forgotten after a silence and by /forget; other languages; feedback
buttons counted for `stats`; and, in groups, crisis replies that lead to a private chat and alert the
moderators who asked for it. The core (`Responder`) is the oracle for what each answer says."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.conversation import ExpiringMemory
from bot.conversation.memory import MEMORY_SECONDS
from bot.knowledge import Knowledge
from bot.reply import ChatSettings, Kind, Reply, Responder
from bot.telegram.config import Settings
from bot.telegram.stats import read_summary, stats_report
from bot.testing.fake_bot_api import BOT_USERNAME, Call, FakeBotApi
from bot.testing.harness import PollingBot
from bot.testing.updates import Person, Updates, group_chat, private_chat
from tests.conftest import start_bot

ALICE = Person(1001, "Alice")
CHAT = private_chat(ALICE)
GROUP = group_chat(-100_777)
MODERATOR = Person(2002, "Mo")
SILENT_ADMIN = Person(3003, "Sam")  # an admin who never opened a private chat with the bot
CRISIS = "I want to kill myself"
# A question the content answers with "did you mean" and at least two options.
AMBIGUOUS = "will i need blood tests"
FOREIGN_CRISES = ("je veux me suicider", "quiero suicidarme", "ich will mich umbringen")
SPANISH = "¿Puedo tomar el sol durante el tratamiento con isotretinoína?"


def sent(calls: list[Call], method: str = "sendMessage") -> list[Call]:
    return [call for call in calls if call.method == method]


def texts(knowledge: Knowledge, key: str, **fields: str) -> str:
    return knowledge.texts(key, **fields)


def options_of(responder: Responder, question: str) -> tuple[str, ...]:
    reply = responder.reply(question)
    assert reply.kind is Kind.CLARIFY, "content changed: pick another ambiguous question"
    assert len(reply.suggestions) >= 2
    return reply.suggestions


def answer_to(responder: Responder, entry_id: str) -> Reply:
    reply = responder.entry_reply(entry_id)
    assert reply is not None
    return reply


def read_bytes(path: Path) -> bytes:
    """The state store's file and any companion files (an SQLite journal or write-ahead log)."""
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(f"{path.name}*")))


async def say(
    bot: PollingBot, updates: Updates, text: str, chat: dict[str, object] = CHAT
) -> Call:
    [reply] = sent(await bot.exchange(updates.text(chat, ALICE, text)))
    return reply


async def test_a_private_conversation_with_follow_ups_and_a_choice_by_number(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    options = options_of(responder, AMBIGUOUS)
    clarify = await say(polling_bot, updates, AMBIGUOUS)
    assert clarify.callback_data == [f"t:{entry_id}" for entry_id in options]

    second = await say(polling_bot, updates, "2")  # the second option, not a fallback
    assert second.text == answer_to(responder, options[1]).text
    assert f"f:+{options[1]}" in second.callback_data  # 👍/👎 under every answer

    other = await say(polling_bot, updates, "what about the other one?")
    assert other.text == answer_to(responder, options[0]).text

    more = await say(polling_bot, updates, "tell me more")
    entry = responder.knowledge.entries[options[0]]
    assert more.text.startswith(texts(responder.knowledge, "conversation.more", topic=entry.title))
    assert more.callback_data == [f"t:{related}" for related in entry.related]
    picked = await say(polling_bot, updates, "the first one")
    assert picked.text == answer_to(responder, entry.related[0]).text

    # A new topic wins over the memory; a short question pointing back at it is read with it.
    nosebleeds = await say(polling_bot, updates, "nosebleeds")
    assert nosebleeds.text == responder.reply("nosebleeds").text
    follow_up = await say(polling_bot, updates, "how long does it last?")
    assert any(data.startswith("f:+") for data in follow_up.callback_data)  # an answer
    nosebleed_entry = responder.reply("nosebleeds").entry
    assert nosebleed_entry is not None
    title = responder.knowledge.entries[nosebleed_entry].title
    assert follow_up.text == responder.reply(f"how long does it last? {title}").text

    thanks = await say(polling_bot, updates, "thnaks so much, this helped 🙏")
    fallback = texts(responder.knowledge, "reply.fallback")
    assert fallback not in thanks.text
    assert len(thanks.text) < 300


async def test_no_and_neither_offer_the_topic_browser(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    await say(polling_bot, updates, AMBIGUOUS)
    browser = await say(polling_bot, updates, "neither")
    assert browser.text.startswith(texts(responder.knowledge, "conversation.neither"))
    assert browser.callback_data == [f"s:{section}" for section in responder.knowledge.sections]


async def test_memory_is_forgotten_after_half_an_hour_of_silence_and_by_forget(
    fake_api: FakeBotApi, telegram_settings: Settings, updates: Updates, responder: Responder
) -> None:
    now = [0.0]
    memory = ExpiringMemory(clock=lambda: now[0])
    no_topic = texts(responder.knowledge, "conversation.no_topic_yet")
    async with start_bot(fake_api, telegram_settings, responder, memory) as bot:
        options = options_of(responder, AMBIGUOUS)
        await say(bot, updates, AMBIGUOUS)
        now[0] += MEMORY_SECONDS - 60
        assert (await say(bot, updates, "2")).text == answer_to(responder, options[1]).text

        await say(bot, updates, AMBIGUOUS)
        now[0] += MEMORY_SECONDS
        assert (await say(bot, updates, "2")).text.startswith(no_topic)

        await say(bot, updates, AMBIGUOUS)
        forgotten = await say(bot, updates, "/forget")
        assert forgotten.text.startswith(texts(responder.knowledge, "telegram.forget_done"))
        assert (await say(bot, updates, "2")).text.startswith(no_topic)
        assert len(memory) == 1  # only this chat, and only ids of topics


async def test_a_spanish_question_gets_the_language_note(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    note = await say(polling_bot, updates, SPANISH)
    assert note.text.startswith(texts(responder.knowledge, "conversation.language_es")[:40])
    assert texts(responder.knowledge, "conversation.language_note")[:40] in note.text
    assert note.text.endswith(responder.with_disclaimer("").strip())


async def test_a_crisis_in_another_language_still_gets_the_crisis_reply(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    # Which crisis phrasings in other languages triage knows is the safety lexicon's business; the
    # conversation's is that none of them ever gets the language note instead.
    foreign_crises = [m for m in FOREIGN_CRISES if responder.reply(m).kind is Kind.ESCALATION]
    assert foreign_crises
    for message in foreign_crises:
        assert (await say(polling_bot, updates, message)).text == responder.reply(message).text


# -- groups ----------------------------------------------------------------------------------------


@pytest.fixture
def admins(fake_api: FakeBotApi) -> None:
    fake_api.set_member_status(GROUP["id"], MODERATOR.id, "administrator")
    fake_api.set_member_status(GROUP["id"], SILENT_ADMIN.id, "creator")
    fake_api.strangers.add(SILENT_ADMIN.id)


async def switch_alerts_on(bot: PollingBot, updates: Updates) -> None:
    [panel] = sent(await bot.exchange(updates.text(GROUP, MODERATOR, "/settings")))
    assert "m:on" in panel.callback_data
    calls = await bot.exchange(updates.button_press(MODERATOR, panel.result, "m:on"))
    [edit] = sent(calls, "editMessageText")
    assert "m:off" in edit.callback_data


@pytest.mark.usefixtures("admins")
async def test_a_group_crisis_offers_a_private_chat_and_alerts_opted_in_admins(
    polling_bot: PollingBot, updates: Updates, fake_api: FakeBotApi, responder: Responder
) -> None:
    await switch_alerts_on(polling_bot, updates)
    calls = await polling_bot.exchange(updates.text(GROUP, ALICE, CRISIS))
    [crisis] = sent(calls, "sendMessage")[:1]
    assert crisis.chat_id == GROUP["id"]
    region = responder.knowledge.safety.default_region
    assert crisis.text == responder.reply(CRISIS, ChatSettings(region, in_group=True)).text
    assert crisis.text != responder.reply(CRISIS, ChatSettings(region)).text
    assert "/region" not in crisis.text  # nothing a member can't do in the group
    assert [b["url"] for b in crisis.buttons] == [f"https://t.me/{BOT_USERNAME}"]

    alerts = [call for call in sent(calls) if call.chat_id != GROUP["id"]]
    delivered = [call for call in alerts if call.fault is None]
    assert [call.chat_id for call in delivered] == [MODERATOR.id]
    [alert] = delivered
    assert CRISIS.casefold() not in alert.text.casefold()  # a link, never the text
    assert alert.buttons[0]["url"].startswith("https://t.me/c/")
    assert [call.chat_id for call in alerts if call.fault is not None] == [SILENT_ADMIN.id]

    again = await polling_bot.exchange(updates.text(GROUP, ALICE, CRISIS))
    assert [call.chat_id for call in sent(again)] == [GROUP["id"]]  # one alert per few minutes


@pytest.mark.usefixtures("admins")
async def test_no_admin_alert_while_alerts_are_off(
    polling_bot: PollingBot, updates: Updates
) -> None:
    calls = await polling_bot.exchange(updates.text(GROUP, ALICE, CRISIS))
    assert [call.chat_id for call in sent(calls)] == [GROUP["id"]]


# -- feedback and stats ----------------------------------------------------------------------------


@pytest.mark.usefixtures("admins")
async def test_feedback_buttons_are_counted_and_shown_by_stats(
    fake_api: FakeBotApi, telegram_settings: Settings, updates: Updates, responder: Responder
) -> None:
    bot_name = f"@{BOT_USERNAME}"
    question = "nosebleeds"
    entry = responder.reply(question).entry
    assert entry is not None
    async with start_bot(fake_api, telegram_settings, responder) as bot:
        answer = await say(bot, updates, question)
        calls = await bot.exchange(updates.button_press(ALICE, answer.result, f"f:+{entry}"))
        [toast] = sent(calls, "answerCallbackQuery")
        assert toast.params["text"] == texts(responder.knowledge, "telegram.feedback_thanks")
        [edit] = sent(calls, "editMessageReplyMarkup")
        assert not [data for data in edit.callback_data if data.startswith("f:")]  # rated once

        in_group = await say(bot, updates, f"{bot_name} {question}", GROUP)
        await bot.exchange(updates.button_press(ALICE, in_group.result, f"f:-{entry}"))
        [refused] = sent(await bot.exchange(updates.text(GROUP, ALICE, "/stats")))
        assert refused.text.startswith(texts(responder.knowledge, "telegram.stats_admins_only"))
        [stats] = sent(await bot.exchange(updates.text(GROUP, MODERATOR, "/stats")))
    title = responder.knowledge.entries[entry].title
    assert f"{title}: 1 · 👍 0 · 👎 1" in stats.text  # the group's own counts only

    summary = await read_summary(telegram_settings.persistence_path)
    report = stats_report(summary, responder.knowledge)
    assert f"{title}: 2 · 👍 1 · 👎 1" in report  # all chats
    assert "answer: 2" in report


async def test_no_log_line_and_no_stored_record_contains_message_text(
    fake_api: FakeBotApi,
    telegram_settings: Settings,
    updates: Updates,
    responder: Responder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_api.set_member_status(GROUP["id"], MODERATOR.id, "administrator")
    messages = [
        "nosebleeds zanzibar",
        AMBIGUOUS,
        "2",
        "tell me more",
        "thanks quixotic",
        SPANISH,
        "my lips are cracking terribly",
    ]
    caplog.set_level(logging.DEBUG)
    async with start_bot(fake_api, telegram_settings, responder) as bot:
        await switch_alerts_on(bot, updates)
        for message in messages:
            await bot.exchange(updates.text(CHAT, ALICE, message))
        answer = await say(bot, updates, "nosebleeds")
        await bot.exchange(updates.button_press(ALICE, answer.result, answer.callback_data[0]))
        await bot.exchange(updates.text(GROUP, ALICE, CRISIS))
    stored = read_bytes(telegram_settings.persistence_path)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for message in [*messages, CRISIS]:
        if len(message) > 3:
            assert message.encode() not in stored
            assert message not in logged
    assert b"insight" in stored  # the counts were stored, as counts
