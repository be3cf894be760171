"""Settings as users see them kept: on disk the moment the bot says "Saved." or "Done", gone from disk
the moment a chat says /forget or removes or blocks the bot, untouched by a failed write (the user is
told it did not work), and no trace of a chat that only talked to the bot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.reply import Responder
from bot.state.sqlite import SqliteStateStore
from bot.state.store import CHAT
from bot.telegram.config import Settings
from bot.telegram.persistence import StorePersistence
from bot.telegram.state import PREFS_KEY, ChatPrefs, PrefsStore
from bot.testing.fake_bot_api import Call, FakeBotApi
from bot.testing.harness import PollingBot
from bot.testing.updates import Person, Updates, group_chat, private_chat
from tests.conftest import start_bot
from tests.test_telegram_state_store import FailingStore

ALICE = Person(1001, "Alice")
PRIVATE = private_chat(ALICE)
MODERATOR = Person(2002, "Mo")
GROUP = group_chat(-100_777)


@pytest.fixture(autouse=True)
def moderator_is_admin(fake_api: FakeBotApi) -> None:
    fake_api.set_member_status(GROUP["id"], MODERATOR.id, "administrator")


def on_disk(path: Path) -> dict[str, Any]:
    """The chats' records as another process would read them from the file right now."""
    store = SqliteStateStore.open(path)
    try:
        return store.load(CHAT)
    finally:
        store.close()


def sent(calls: list[Call], method: str = "sendMessage") -> list[Call]:
    return [call for call in calls if call.method == method]


def a_region(responder: Responder) -> str:
    return list(responder.knowledge.safety.regions)[-1]


async def choose_region(bot: PollingBot, updates: Updates, region: str) -> list[Call]:
    [menu] = sent(await bot.exchange(updates.text(PRIVATE, ALICE, "/region")))
    return await bot.exchange(updates.button_press(ALICE, menu.result, f"r:{region}"))


def membership(chat: dict[str, Any], api: FakeBotApi, old: str, new: str) -> dict[str, Any]:
    return {
        "my_chat_member": {
            "chat": chat,
            "from": ALICE.as_json() if chat is PRIVATE else MODERATOR.as_json(),
            "date": 0,
            "old_chat_member": {"status": old, "user": api.bot_user},
            "new_chat_member": {"status": new, "user": api.bot_user}
            | ({"until_date": 0} if new == "kicked" else {}),
        }
    }


async def test_a_setting_is_on_disk_when_the_bot_says_saved_and_forget_removes_it_at_once(
    polling_bot: PollingBot, updates: Updates, responder: Responder, telegram_settings: Settings
) -> None:
    path = telegram_settings.persistence_path
    region = a_region(responder)
    calls = await choose_region(polling_bot, updates, region)
    [toast] = sent(calls, "answerCallbackQuery")
    assert toast.params["text"] == responder.knowledge.texts("telegram.settings_saved")
    record = {PREFS_KEY: {"region": region, "safety_watch": True, "moderator_alerts": False}}
    assert on_disk(path) == {str(ALICE.id): record}  # not waiting for a periodic save
    [done] = sent(await polling_bot.exchange(updates.text(PRIVATE, ALICE, "/forget")))
    assert done.text.startswith("Done")
    assert on_disk(path) == {}


async def test_removing_or_blocking_the_bot_deletes_the_chats_record_from_disk_at_once(
    polling_bot: PollingBot,
    updates: Updates,
    responder: Responder,
    telegram_settings: Settings,
    fake_api: FakeBotApi,
) -> None:
    path = telegram_settings.persistence_path
    await choose_region(polling_bot, updates, a_region(responder))
    [panel] = sent(await polling_bot.exchange(updates.text(GROUP, MODERATOR, "/settings")))
    await polling_bot.exchange(updates.button_press(MODERATOR, panel.result, "w:off"))
    assert set(on_disk(path)) == {str(ALICE.id), str(GROUP["id"])}

    assert await polling_bot.exchange(membership(GROUP, fake_api, "member", "left")) == []
    assert set(on_disk(path)) == {str(ALICE.id)}
    assert await polling_bot.exchange(membership(PRIVATE, fake_api, "member", "kicked")) == []
    assert on_disk(path) == {}
    assert PrefsStore(polling_bot.application).get(GROUP["id"]) == ChatPrefs()


async def test_a_chat_that_only_talked_to_the_bot_leaves_no_record(
    fake_api: FakeBotApi, telegram_settings: Settings, responder: Responder, updates: Updates
) -> None:
    async with start_bot(fake_api, telegram_settings, responder) as bot:
        await bot.exchange(
            updates.text(PRIVATE, ALICE, "hello"),
            updates.text(GROUP, MODERATOR, "/help"),
            membership(GROUP, fake_api, "left", "member"),
        )
        await bot.application.update_persistence()  # what the periodic save would write
        assert dict(bot.application.chat_data) == {}  # nor in memory: it stays flat
        assert dict(bot.application.user_data) == {}
    assert on_disk(telegram_settings.persistence_path) == {}


async def test_a_setting_that_cannot_be_written_is_not_said_saved_and_the_old_one_stays(
    fake_api: FakeBotApi, telegram_settings: Settings, responder: Responder, updates: Updates
) -> None:
    regions = list(responder.knowledge.safety.regions)
    async with start_bot(fake_api, telegram_settings, responder) as bot:
        await choose_region(bot, updates, regions[0])
        persistence = bot.application.persistence
        assert isinstance(persistence, StorePersistence)
        persistence.store = FailingStore(persistence.store)
        calls = await choose_region(bot, updates, regions[1])
        [toast] = sent(calls, "answerCallbackQuery")
        assert toast.params["text"] == responder.knowledge.texts("telegram.error_apology")
        assert sent(calls, "editMessageText") == []  # no "region set" confirmation
        assert PrefsStore(bot.application).get(ALICE.id).region == regions[0]
        [reply] = sent(await bot.exchange(updates.text(PRIVATE, ALICE, "/forget")))
        assert not reply.text.startswith("Done")
        persistence.store = persistence.store.store  # the disk has room again
    async with start_bot(fake_api, telegram_settings, responder) as bot:
        assert PrefsStore(bot.application).get(ALICE.id).region == regions[0]


async def test_the_fake_server_delivers_only_the_update_types_the_bot_allowed(
    fake_api: FakeBotApi, updates: Updates
) -> None:
    def text() -> dict[str, Any]:
        return updates.text(PRIVATE, ALICE, "hi")

    def removed() -> dict[str, Any]:
        return membership(GROUP, fake_api, "member", "left")

    def reaction() -> dict[str, Any]:
        return {"message_reaction": {"chat": GROUP, "message_id": 1, "date": 0}}

    url = f"{fake_api.base_url}{fake_api.token}/getUpdates"
    async with httpx.AsyncClient() as client:

        async def fetch(*pushed: dict[str, Any], **params: Any) -> list[str]:
            offset = fake_api.last_update_id + 1  # confirms what was fetched before
            for update in pushed:
                fake_api.push(update)
            answer = (await client.post(url, json={"offset": offset, **params})).json()
            return [next(k for k in update if k != "update_id") for update in answer["result"]]

        # Never told: Telegram's default leaves out reactions (and chat_member), not my_chat_member.
        assert await fetch(text(), removed(), reaction()) == ["message", "my_chat_member"]
        assert await fetch(text(), removed(), allowed_updates=["message"]) == ["message"]
        assert await fetch(text(), removed()) == ["message"]  # the last choice stands
        everything = await fetch(text(), removed(), reaction(), allowed_updates=[])
        assert everything == ["message", "my_chat_member"]  # an empty list: the default again
