"""The bot in a private chat, end to end: a real PTB Application polling a fake Bot API over HTTP.

The core (`Responder`) is the oracle for what an answer says; these tests check what Telegram sees:
which messages, which buttons, which callback answers, and that every message ends with the disclaimer.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.reply import Kind, Reply, Responder, load_responder
from bot.telegram.config import Settings
from bot.telegram.state import PrefsStore
from bot.testing.fake_bot_api import Call, FakeBotApi
from bot.testing.harness import PollingBot
from bot.testing.updates import Person, Updates, private_chat
from tests.conftest import start_bot

ALICE = Person(1001, "Alice")
CHAT = private_chat(ALICE)


def sent(calls: list[Call], method: str = "sendMessage") -> list[Call]:
    return [call for call in calls if call.method == method]


def disclaimer(responder: Responder) -> str:
    return responder.with_disclaimer("").strip()


def first_answerable(responder: Responder) -> tuple[str, Reply]:
    """A question the core answers directly, with the reply it gives (content changes; this adapts)."""
    for entry in responder.knowledge.entries.values():
        for question in entry.questions:
            reply = responder.reply(question)
            if reply.kind is Kind.ANSWER and reply.suggestions:
                return question, reply
    raise AssertionError("no entry with related topics is answered directly by its own question")


async def test_start_greets_with_the_disclaimer_and_area_buttons(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    calls = await polling_bot.exchange(updates.text(CHAT, ALICE, "/start"))
    [greeting] = sent(calls)
    assert greeting.chat_id == ALICE.id
    assert greeting.text.startswith("Hello!")
    assert greeting.text.endswith(disclaimer(responder))
    assert greeting.params["parse_mode"] == "HTML"
    assert greeting.params["link_preview_options"] == {"is_disabled": True}
    sections = responder.knowledge.sections
    assert greeting.callback_data == [f"s:{section}" for section in sections]


async def test_startup_registers_command_menus_per_scope(
    polling_bot: PollingBot, fake_api: FakeBotApi
) -> None:
    menus = {
        call.params["scope"]["type"]: [c["command"] for c in call.params["commands"]]
        for call in fake_api.calls_to("setMyCommands")
    }
    assert set(menus) == {"all_private_chats", "all_group_chats", "all_chat_administrators"}
    assert "start" in menus["all_private_chats"]
    assert "ask" in menus["all_group_chats"]
    assert "settings" in menus["all_chat_administrators"]
    assert "settings" not in menus["all_group_chats"]
    assert fake_api.calls_to("setMyDescription")
    assert fake_api.calls_to("setMyShortDescription")


async def test_deep_links_open_a_topic_an_area_or_the_browser(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    entry = next(iter(responder.knowledge.entries.values()))
    section = next(iter(responder.knowledge.sections))
    calls = await polling_bot.exchange(
        updates.text(CHAT, ALICE, f"/start {entry.id}"),
        updates.text(CHAT, ALICE, f"/start topics-{section}"),
        updates.text(CHAT, ALICE, "/start topics"),
        updates.text(CHAT, ALICE, "/start no-such-thing"),
    )
    topic, area, browser, welcome = sent(calls)
    expected = responder.entry_reply(entry.id)
    assert expected is not None
    assert topic.text == expected.text
    entry_ids = [e.id for e in responder.knowledge.entries_in(section)]
    assert area.callback_data == [*(f"t:{i}" for i in entry_ids), "s:"]
    assert browser.callback_data[0].startswith("s:")
    assert welcome.text.startswith("Hello!")


async def test_a_question_gets_the_cores_answer_with_related_topic_buttons(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    question, reply = first_answerable(responder)
    [answer] = sent(await polling_bot.exchange(updates.text(CHAT, ALICE, question)))
    assert answer.text == reply.text
    rating = [f"f:+{reply.entry}", f"f:-{reply.entry}"]
    assert answer.callback_data == rating + [f"t:{entry_id}" for entry_id in reply.suggestions]
    assert "reply_parameters" not in answer.params  # private chats: no quoting


async def test_pressing_a_topic_button_answers_it_and_stops_the_spinner(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    question, reply = first_answerable(responder)
    [answer] = sent(await polling_bot.exchange(updates.text(CHAT, ALICE, question)))
    related = reply.suggestions[0]
    calls = await polling_bot.exchange(updates.button_press(ALICE, answer.result, f"t:{related}"))
    [callback_answer] = sent(calls, "answerCallbackQuery")
    assert "text" not in callback_answer.params
    [topic] = sent(calls)
    expected = responder.entry_reply(related)
    assert expected is not None
    assert topic.text == expected.text


async def test_did_you_mean_offers_its_candidates_as_buttons(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    knowledge = responder.knowledge
    words = sorted({w for e in knowledge.entries.values() for w in e.title.split() if len(w) > 3})
    vague = [*knowledge.sections.values(), *words]
    clarified = next((m for m in vague if responder.reply(m).kind is Kind.CLARIFY), None)
    assert clarified is not None, "no area title or title word makes the core ask 'did you mean'"
    reply = responder.reply(clarified)
    [question] = sent(await polling_bot.exchange(updates.text(CHAT, ALICE, clarified)))
    assert question.text == reply.text
    assert question.callback_data == [f"t:{entry_id}" for entry_id in reply.suggestions]


async def test_topics_are_browsed_by_editing_the_menu(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    [menu] = sent(await polling_bot.exchange(updates.text(CHAT, ALICE, "/topics")))
    section = next(iter(responder.knowledge.sections))
    calls = await polling_bot.exchange(updates.button_press(ALICE, menu.result, f"s:{section}"))
    [edit] = sent(calls, "editMessageText")
    assert edit.params["message_id"] == menu.result["message_id"]
    assert edit.callback_data[-1] == "s:"
    assert sent(calls, "answerCallbackQuery")
    back = await polling_bot.exchange(updates.button_press(ALICE, edit.result, "s:"))
    [areas] = sent(back, "editMessageText")
    assert areas.callback_data == menu.callback_data
    assert areas.text.endswith(disclaimer(responder))


@pytest.mark.parametrize(
    "data",
    ["t:no-such-entry", "s:no-such-area", "r:xx", "w:on", "x:1", "garbage", "t" * 70],
)
async def test_unknown_or_forged_button_data_gets_a_polite_answer(
    polling_bot: PollingBot, updates: Updates, responder: Responder, data: str
) -> None:
    [menu] = sent(await polling_bot.exchange(updates.text(CHAT, ALICE, "/topics")))
    calls = await polling_bot.exchange(updates.button_press(ALICE, menu.result, data))
    [callback_answer] = sent(calls, "answerCallbackQuery")
    assert callback_answer.params["text"] == responder.knowledge.texts("telegram.button_expired")
    assert [call.method for call in calls] == ["answerCallbackQuery"]
    question, _ = first_answerable(responder)
    assert sent(await polling_bot.exchange(updates.text(CHAT, ALICE, question)))


@pytest.mark.parametrize(
    ("command", "key"),
    [
        ("/help", "help"),
        ("/about", "about"),
        ("/disclaimer", "disclaimer_details"),
        ("/privacy", "privacy"),
        ("/settings", "settings_private"),
        ("/nonsense", "help"),
    ],
)
async def test_information_commands(
    polling_bot: PollingBot, updates: Updates, responder: Responder, command: str, key: str
) -> None:
    [message] = sent(await polling_bot.exchange(updates.text(CHAT, ALICE, command)))
    first_line = responder.knowledge.texts(f"telegram.{key}").splitlines()[0]
    assert message.text.startswith(first_line.replace("&", "&amp;"))
    assert message.text.endswith(disclaimer(responder))


async def test_region_is_chosen_with_buttons_stored_and_forgotten(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    regions = responder.knowledge.safety.regions
    [menu] = sent(await polling_bot.exchange(updates.text(CHAT, ALICE, "/region")))
    assert menu.callback_data == [f"r:{code}" for code in regions]
    code = list(regions)[-1]
    calls = await polling_bot.exchange(updates.button_press(ALICE, menu.result, f"r:{code}"))
    [confirmation] = sent(calls, "editMessageText")
    assert regions[code].name in confirmation.text
    store = PrefsStore(polling_bot.application)
    assert store.get(ALICE.id).region == code
    [forgotten] = sent(await polling_bot.exchange(updates.text(CHAT, ALICE, "/forget")))
    assert forgotten.text.startswith("Done")
    assert store.get(ALICE.id).region is None


async def test_a_sticker_gets_i_can_only_read_text(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    [message] = sent(await polling_bot.exchange(updates.sticker(CHAT, ALICE)))
    assert message.text.startswith("I can only read text")
    assert message.text.endswith(disclaimer(responder))


async def test_edits_are_not_answered_again(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    question, _ = first_answerable(responder)
    original = updates.text(CHAT, ALICE, question)
    assert sent(await polling_bot.exchange(original))
    assert await polling_bot.exchange(updates.edited(original, question + " please")) == []


async def test_an_edit_that_now_escalates_is_answered(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    worrying = "my eyes are yellow"
    expected = responder.reply(worrying)
    assert expected.kind is Kind.ESCALATION, "safety triage must escalate this message"
    original = updates.text(CHAT, ALICE, "is it normal to feel tired")
    assert sent(await polling_bot.exchange(original))
    [answer] = sent(await polling_bot.exchange(updates.edited(original, worrying)))
    assert answer.text == expected.text


async def test_a_5000_character_message_is_answered(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    question, _ = first_answerable(responder)
    long_message = (question + " ") * (5000 // (len(question) + 1) + 1)
    long_message = long_message[:5000]
    [reply] = sent(await polling_bot.exchange(updates.text(CHAT, ALICE, long_message)))
    assert reply.text == responder.reply(long_message).text


async def test_a_reply_over_telegrams_limit_is_split_with_buttons_on_the_last_part(
    fake_api: FakeBotApi,
    telegram_settings: Settings,
    knowledge_copy: Path,
    updates: Updates,
) -> None:
    entry_file = sorted((knowledge_copy / "entries").glob("*.yaml"))[0]
    content = yaml.safe_load(entry_file.read_text(encoding="utf-8"))
    long_entry = content["entries"][0]
    paragraph = "Keep every appointment & write your questions down first. " * 20
    long_entry["answer"] = "\n\n".join([paragraph] * 5)
    entry_file.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    responder = load_responder(knowledge_copy)

    async with start_bot(fake_api, telegram_settings, responder) as bot:
        calls = await bot.exchange(updates.text(CHAT, ALICE, f"/start {long_entry['id']}"))
    parts = sent(calls)
    reply = responder.entry_reply(long_entry["id"])
    assert reply is not None
    assert [part.text for part in parts] == reply.parts()
    assert len(parts) >= 2
    assert all(len(part.text) <= 4096 for part in parts)
    assert parts[-1].text.endswith(disclaimer(responder))
    assert all(not part.buttons for part in parts[:-1])
    rating = [f"f:+{reply.entry}", f"f:-{reply.entry}"]
    assert parts[-1].callback_data == rating + [f"t:{i}" for i in reply.suggestions]


async def test_every_message_of_a_conversation_ends_with_the_disclaimer(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    question, _ = first_answerable(responder)
    calls = await polling_bot.exchange(
        updates.text(CHAT, ALICE, "/start"),
        updates.text(CHAT, ALICE, question),
        updates.text(CHAT, ALICE, "hello"),
        updates.text(CHAT, ALICE, "qwerty zxcv"),
        updates.text(CHAT, ALICE, "/region"),
        updates.sticker(CHAT, ALICE),
    )
    menu = sent(calls)[0]
    calls += await polling_bot.exchange(
        updates.button_press(ALICE, menu.result, f"s:{next(iter(responder.knowledge.sections))}")
    )
    messages = sent(calls) + sent(calls, "editMessageText")
    assert len(messages) == 7
    for message in messages:
        assert message.text.endswith(disclaimer(responder)), message.text


async def test_a_second_worrying_message_gets_the_full_crisis_reply(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    soft = responder.reply("im not suicidal lol")
    assert soft.checkin
    [first] = sent(await polling_bot.exchange(updates.text(CHAT, ALICE, "im not suicidal lol")))
    assert first.text == soft.text
    [second] = sent(
        await polling_bot.exchange(
            updates.text(CHAT, ALICE, "im not going to kill myself dont worry")
        )
    )
    assert second.text == responder.reply("i want to kill myself").text


async def test_region_alone_lists_the_codes_and_region_with_a_code_sets_it(
    polling_bot: PollingBot, updates: Updates, responder: Responder
) -> None:
    regions = responder.knowledge.safety.regions
    [menu] = sent(await polling_bot.exchange(updates.text(CHAT, ALICE, "/region")))
    assert all(f"{code} ({region.name})" in menu.text for code, region in regions.items())
    [done] = sent(await polling_bot.exchange(updates.text(CHAT, ALICE, "/region GB")))
    assert regions["gb"].name in done.text
    reply = sent(await polling_bot.exchange(updates.text(CHAT, ALICE, "i want to die")))[0]
    assert "116 123" in reply.text  # Samaritans: the chosen region's numbers
