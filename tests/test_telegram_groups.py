"""The bot in a support group, end to end: it speaks when addressed, never floods, watches for crises,
and only admins change its settings (which survive a restart)."""

from __future__ import annotations

import pytest

from bot.reply import Kind, Reply, Responder
from bot.safety import Tier
from bot.telegram.config import Settings
from bot.telegram.state import GROUP_REPLIES_PER_WINDOW, ChatPrefs, PrefsStore
from bot.testing.fake_bot_api import BOT_USERNAME, Call, FakeBotApi
from bot.testing.harness import PollingBot
from bot.testing.updates import Person, Updates, group_chat
from tests.conftest import start_bot

GROUP = group_chat(-100_555)
ALICE = Person(1001, "Alice")
MODERATOR = Person(2002, "Mo")
CRISIS = "I want to kill myself"
BOT = f"@{BOT_USERNAME}"


@pytest.fixture(autouse=True)
def moderator_is_admin(fake_api: FakeBotApi) -> None:
    fake_api.set_member_status(GROUP["id"], MODERATOR.id, "administrator")


def sent(calls: list[Call], method: str = "sendMessage") -> list[Call]:
    return [call for call in calls if call.method == method]


def answerable(responder: Responder) -> tuple[str, Reply]:
    for entry in responder.knowledge.entries.values():
        reply = responder.reply(entry.questions[0], None)
        if reply.kind is Kind.ANSWER:
            return entry.questions[0], reply
    raise AssertionError("no entry is answered directly by its first question")


def group_reply(responder: Responder, message: str) -> Reply:
    """What the core says in a group that kept the default region."""
    from bot.reply import ChatSettings

    default = responder.knowledge.safety.default_region
    return responder.reply(message, ChatSettings(default, in_group=True))


def crisis_reply(responder: Responder) -> Reply:
    reply = group_reply(responder, CRISIS)
    assert reply.escalation is Tier.CRISIS, "safety triage must treat this message as a crisis"
    return reply


async def test_ask_is_answered_in_reply_to_the_question(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    question, _ = answerable(responder)
    ask = updates.text(GROUP, ALICE, f"/ask {question}")
    [answer] = sent(await polling_bot.exchange(ask))
    assert answer.chat_id == GROUP["id"]
    assert answer.text == group_reply(responder, question).text
    assert answer.params["reply_parameters"]["message_id"] == ask["message"]["message_id"]


async def test_ask_addressed_to_this_bot_is_answered_and_to_another_bot_ignored(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    question, _ = answerable(responder)
    mine = await polling_bot.exchange(updates.text(GROUP, ALICE, f"/ask{BOT} {question}"))
    assert len(sent(mine)) == 1
    other = await polling_bot.exchange(updates.text(GROUP, ALICE, f"/ask@other_bot {question}"))
    assert other == []


async def test_ask_without_a_question_explains_how_to_ask(
    polling_bot: PollingBot, updates: Updates
) -> None:
    [usage] = sent(await polling_bot.exchange(updates.text(GROUP, ALICE, "/ask")))
    assert usage.text.startswith("Ask me like this")


async def test_a_mention_is_answered_without_the_mention(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    question, _ = answerable(responder)
    [answer] = sent(await polling_bot.exchange(updates.text(GROUP, ALICE, f"{BOT} {question}")))
    assert answer.text == group_reply(responder, question).text


async def test_a_reply_to_the_bot_is_answered(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    [card] = sent(await polling_bot.exchange(updates.text(GROUP, ALICE, "/help")))
    question, _ = answerable(responder)
    follow_up = updates.text(GROUP, ALICE, question, reply_to=card.result)
    [answer] = sent(await polling_bot.exchange(follow_up))
    assert answer.text == group_reply(responder, question).text


async def test_chatter_gets_nothing_but_an_addressed_fallback_is_answered(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    question, _ = answerable(responder)
    chatter = [
        updates.text(GROUP, ALICE, question),  # on topic, but not addressed to the bot
        updates.text(GROUP, ALICE, "lol same, see you all tomorrow"),
        updates.text(GROUP, ALICE, "@someone_else what do you think?"),
        updates.text(GROUP, ALICE, "/unknown_command"),
        updates.sticker(GROUP, ALICE),
    ]
    assert await polling_bot.exchange(*chatter) == []
    gibberish = "qwerty zxcvb"
    assert group_reply(responder, gibberish).kind is Kind.FALLBACK
    [fallback] = sent(await polling_bot.exchange(updates.text(GROUP, ALICE, f"{BOT} {gibberish}")))
    assert fallback.text == group_reply(responder, gibberish).text


async def test_the_cooldown_stops_a_flood_but_never_an_escalation(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    expected = crisis_reply(responder)
    question, _ = answerable(responder)
    limit = GROUP_REPLIES_PER_WINDOW
    flood = [updates.text(GROUP, ALICE, f"/ask {question}") for _ in range(limit + 3)]
    replies = sent(await polling_bot.exchange(*flood))
    cooldown_note = responder.knowledge.texts("telegram.cooldown").split(",")[0]
    assert len(replies) == limit + 1
    assert replies[-1].text.startswith(cooldown_note)
    assert replies[-1].buttons[0]["url"] == f"https://t.me/{BOT_USERNAME}"
    [escalation] = sent(await polling_bot.exchange(updates.text(GROUP, ALICE, f"/ask {CRISIS}")))
    assert escalation.text == expected.text


async def test_an_unaddressed_crisis_is_answered_while_the_safety_watch_is_on(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    expected = crisis_reply(responder)
    message = updates.text(GROUP, ALICE, CRISIS)
    [answer] = sent(await polling_bot.exchange(message))
    assert answer.text == expected.text
    assert answer.params["reply_parameters"]["message_id"] == message["message"]["message_id"]


async def test_an_edit_into_a_crisis_is_answered(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    expected = crisis_reply(responder)
    original = updates.text(GROUP, ALICE, "having a rough week")
    assert await polling_bot.exchange(original) == []
    [answer] = sent(await polling_bot.exchange(updates.edited(original, CRISIS)))
    assert answer.text == expected.text


async def test_settings_are_for_admins_only(
    polling_bot: PollingBot, updates: Updates, fake_api: FakeBotApi, responder: Responder
) -> None:
    crisis_reply(responder)
    calls = await polling_bot.exchange(updates.text(GROUP, ALICE, "/settings"))
    assert sent(calls, "getChatMember")[0].params["user_id"] == ALICE.id
    [refusal] = sent(calls)
    assert refusal.text.startswith("Only this group's admins")
    [panel] = sent(await polling_bot.exchange(updates.text(GROUP, MODERATOR, "/settings")))
    assert panel.callback_data[:2] == ["w:off", "m:on"]  # moderator alerts start off
    regions = responder.knowledge.safety.regions
    assert panel.callback_data[2:] == [f"r:{code}" for code in regions]

    # A member pressing the admin's buttons, or crafting the data by hand, is refused politely.
    for data in ("w:off", f"r:{list(regions)[-1]}"):
        forged = await polling_bot.exchange(updates.button_press(ALICE, panel.result, data))
        [alert] = sent(forged, "answerCallbackQuery")
        assert alert.params["text"].startswith("Only this group's admins")
        assert alert.params["show_alert"] is True
        assert not sent(forged, "editMessageText")
    assert sent(await polling_bot.exchange(updates.text(GROUP, ALICE, CRISIS)))  # still on


async def test_an_admin_switches_the_watch_off_and_it_stays_off_after_a_restart(
    fake_api: FakeBotApi,
    telegram_settings: Settings,
    responder: Responder,
    updates: Updates,
) -> None:
    crisis_reply(responder)
    region = list(responder.knowledge.safety.regions)[-1]
    async with start_bot(fake_api, telegram_settings, responder) as bot:
        [panel] = sent(await bot.exchange(updates.text(GROUP, MODERATOR, "/settings")))
        calls = await bot.exchange(
            updates.button_press(MODERATOR, panel.result, "w:off"),
            updates.button_press(MODERATOR, panel.result, f"r:{region}"),
        )
        assert len(sent(calls, "answerCallbackQuery")) == 2
        edits = sent(calls, "editMessageText")
        assert edits[0].callback_data[0] == "w:on"
        assert await bot.exchange(updates.text(GROUP, ALICE, CRISIS)) == []
    assert telegram_settings.persistence_path.exists()

    async with start_bot(fake_api, telegram_settings, responder) as bot:
        assert await bot.exchange(updates.text(GROUP, ALICE, CRISIS)) == []
        [panel] = sent(await bot.exchange(updates.text(GROUP, MODERATOR, "/settings")))
        assert panel.callback_data[0] == "w:on"
        name = responder.knowledge.safety.regions[region].name
        assert f"✓ {name}" in [button["text"] for button in panel.buttons]
        # An addressed crisis is still answered when the watch is off.
        [answer] = sent(await bot.exchange(updates.text(GROUP, ALICE, f"/ask {CRISIS}")))
        assert answer.chat_id == GROUP["id"]


async def test_the_card_links_every_area_into_a_private_chat(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    [card] = sent(await polling_bot.exchange(updates.text(GROUP, MODERATOR, f"/card{BOT}")))
    urls = [button["url"] for button in card.buttons]
    base = f"https://t.me/{BOT_USERNAME}"
    assert urls[0] == f"{base}?start=topics"
    assert urls[1:-1] == [f"{base}?start=topics-{s}" for s in responder.knowledge.sections]
    assert urls[-1] == base
    assert card.text.endswith(responder.with_disclaimer("").strip())


async def test_topics_can_be_browsed_in_a_group(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    [menu] = sent(await polling_bot.exchange(updates.text(GROUP, ALICE, "/topics")))
    section = next(iter(responder.knowledge.sections))
    calls = await polling_bot.exchange(updates.button_press(ALICE, menu.result, f"s:{section}"))
    [area] = sent(calls, "editMessageText")
    entry_id = area.callback_data[0].removeprefix("t:")
    calls = await polling_bot.exchange(updates.button_press(ALICE, area.result, f"t:{entry_id}"))
    assert sent(calls, "answerCallbackQuery")
    [answer] = sent(calls)
    expected = responder.entry_reply(entry_id)
    assert expected is not None
    assert answer.text == expected.text


async def test_the_watch_answers_emergencies_but_leaves_urgent_chatter_to_the_group(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    emergency, urgent = "my throat is swelling and I can't breathe", "my eyes are yellow"
    assert group_reply(responder, emergency).escalation is Tier.EMERGENCY
    assert group_reply(responder, urgent).escalation is Tier.URGENT
    [answer] = sent(await polling_bot.exchange(updates.text(GROUP, ALICE, emergency)))
    assert answer.text == group_reply(responder, emergency).text
    assert await polling_bot.exchange(updates.text(GROUP, ALICE, urgent)) == []
    [asked] = sent(await polling_bot.exchange(updates.text(GROUP, ALICE, f"{BOT} {urgent}")))
    assert asked.text == group_reply(responder, urgent).text


async def test_an_anonymous_admin_may_open_the_settings(
    polling_bot: PollingBot, updates: Updates, fake_api: FakeBotApi
) -> None:
    anonymous = Person(1087968824, "Group")  # Telegram's GroupAnonymousBot
    message = updates.text(GROUP, anonymous, "/settings")
    message["message"]["sender_chat"] = GROUP
    [panel] = sent(await polling_bot.exchange(message))
    assert panel.callback_data[0] == "w:off"
    assert not fake_api.calls_to("getChatMember")


async def test_settings_follow_a_group_that_becomes_a_supergroup(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    old_id = -4_000
    old_group = {"id": old_id, "type": "group", "title": "Small group"}
    new_group = group_chat(-100_4000)
    polling_bot.api.set_member_status(old_id, MODERATOR.id, "administrator")
    [panel] = sent(await polling_bot.exchange(updates.text(old_group, MODERATOR, "/settings")))
    await polling_bot.exchange(updates.button_press(MODERATOR, panel.result, "w:off"))
    migration = updates.message(old_group, MODERATOR, migrate_to_chat_id=new_group["id"])
    assert await polling_bot.exchange(migration) == []
    crisis_reply(responder)
    assert await polling_bot.exchange(updates.text(new_group, ALICE, CRISIS)) == []


async def test_a_group_that_removes_the_bot_has_its_settings_forgotten(
    fake_api: FakeBotApi, telegram_settings: Settings, responder: Responder, updates: Updates
) -> None:
    region = list(responder.knowledge.safety.regions)[-1]
    removed = {
        "my_chat_member": {
            "chat": GROUP,
            "from": MODERATOR.as_json(),
            "date": 0,
            "old_chat_member": {"status": "member", "user": fake_api.bot_user},
            "new_chat_member": {"status": "left", "user": fake_api.bot_user},
        }
    }
    async with start_bot(fake_api, telegram_settings, responder) as bot:
        [panel] = sent(await bot.exchange(updates.text(GROUP, MODERATOR, "/settings")))
        await bot.exchange(updates.button_press(MODERATOR, panel.result, f"r:{region}"))
        assert PrefsStore(bot.application).get(GROUP["id"]).region == region
        assert await bot.exchange(removed) == []
        assert PrefsStore(bot.application).get(GROUP["id"]) == ChatPrefs()


async def test_a_routine_pill_emoji_post_is_left_alone_but_an_unaddressed_crisis_is_not(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    """An emoji alone never makes a crisis: a routine 💊 post must not get a public crisis reply."""
    routine = ["took my pills 💊", "morning routine done: cleanser, spf, pills 💊", "day 40 💊💧"]
    for post in routine:
        assert group_reply(responder, post).kind is not Kind.ESCALATION, post
    assert await polling_bot.exchange(*(updates.text(GROUP, ALICE, p) for p in routine)) == []
    plan = "im going to jump off the car park roof tonight"
    [answer] = sent(await polling_bot.exchange(updates.text(GROUP, ALICE, plan)))
    assert answer.text == group_reply(responder, plan).text
    assert group_reply(responder, plan).escalation is Tier.CRISIS
