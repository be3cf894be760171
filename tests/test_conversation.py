"""The conversation core (bot/conversation): memory, follow-ups, small talk and other languages, with
no Telegram in sight. The end-to-end versions are in test_telegram_conversation.py."""

from __future__ import annotations

import io

import pytest

from bot.console import run_console
from bot.conversation import Conversation, ExpiringMemory, Memory
from bot.conversation.chat import conversation_for
from bot.conversation.language import LanguageNotes
from bot.reply import Kind, Responder

AMBIGUOUS = "will i need blood tests"


@pytest.fixture
def conversation(responder: Responder) -> Conversation:
    return conversation_for(responder)


def test_memory_expires_after_silence_and_stays_bounded() -> None:
    now = [0.0]
    memory = ExpiringMemory(seconds=60, capacity=2, clock=lambda: now[0])
    memory.put(1, Memory("a"))
    now[0] = 59
    assert memory.get(1) == Memory("a")
    now[0] = 60
    assert memory.get(1) is None
    for chat in (1, 2, 3):
        memory.put(chat, Memory("b"))
    assert len(memory) == 2
    assert memory.get(1) is None  # the least recently used chat went first
    assert memory.forget(3)
    assert not memory.forget(3)


@pytest.mark.parametrize(
    ("said", "option"),
    [("2", 1), ("the second one", 1), ("the secnd one", 1), ("yes", 0), ("The first one!", 0)],
)
def test_a_choice_picks_the_option_offered(
    conversation: Conversation, responder: Responder, said: str, option: int
) -> None:
    options = conversation.reply("chat", AMBIGUOUS).reply.suggestions
    assert len(options) >= 2
    assert conversation.reply("chat", said).reply.entry == options[option]


def test_a_new_topic_wins_over_the_options(
    conversation: Conversation, responder: Responder
) -> None:
    conversation.reply("chat", AMBIGUOUS)
    assert conversation.reply("chat", "dry lips").reply == responder.reply("dry lips")


def test_triage_reads_every_message_first(
    conversation: Conversation, responder: Responder
) -> None:
    conversation.reply("chat", AMBIGUOUS)
    crisis = conversation.reply("chat", "I want to kill myself").reply
    assert crisis.kind is Kind.ESCALATION
    assert conversation.reply("chat", "2").reply.kind is Kind.ANSWER  # the options survive it


def test_chats_do_not_share_memory(conversation: Conversation) -> None:
    conversation.reply("one", AMBIGUOUS)
    assert conversation.reply("other", "2").reply.kind is not Kind.ANSWER


def test_memory_holds_only_entry_ids(conversation: Conversation, responder: Responder) -> None:
    memory = ExpiringMemory()
    talk = Conversation(responder, conversation.phrasings, memory)
    for message in (AMBIGUOUS, "2", "tell me more", "thanks so much", "why?"):
        talk.reply("chat", message)
    remembered = memory.get("chat")
    assert remembered is not None
    ids = [remembered.entry, *remembered.options]
    assert all(entry_id in responder.knowledge.entries for entry_id in ids)


@pytest.mark.parametrize(
    "message",
    [
        "thnaks",
        "ok thank you so much, this helped",
        "thx!!",
        "appreciate u",
        "gotta go ttyl",
        "👍",
        "🙏🏽",
        "❤️❤️",
        "👋",
        "ok cool",
        "nah",
        "gracias",  # a thanks in another language is a thanks, not a language note
        "merci beaucoup",
        "danke",
    ],
)
def test_small_talk_holds_up_and_stays_short(
    conversation: Conversation, responder: Responder, message: str
) -> None:
    reply = conversation.reply("chat", message).reply
    assert reply.kind is Kind.SMALLTALK
    assert len(reply.plain_text) < 250  # never the long fallback paragraph


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("Hola, ¿cuánto tiempo dura el segundo tratamiento?", "es"),
        ("Kann ich während der Behandlung in die Sonne gehen?", "de"),
        ("Est-ce que mes lèvres vont rester sèches longtemps ?", "fr"),
        ("Posso beber álcool enquanto tomo o remédio?", "pt"),
        ("Quanto tempo ci vuole per vedere i risultati?", "it"),
        ("क्या मुझे खून की जांच करानी होगी?", "hi"),
    ],
)
def test_other_languages_get_the_note_in_their_language(
    conversation: Conversation, responder: Responder, message: str, language: str
) -> None:
    reply = conversation.reply("chat", message).reply
    assert reply.kind is Kind.LANGUAGE
    note = responder.knowledge.texts(f"conversation.language_{language}")
    assert reply.plain_text.startswith(note[:30])


def test_no_english_phrasing_in_the_content_is_taken_for_another_language(
    conversation: Conversation, responder: Responder
) -> None:
    notes = LanguageNotes(conversation.phrasings.languages)
    knowledge = responder.knowledge
    phrasings = [q for entry in knowledge.entries.values() for q in entry.questions]
    phrasings += [q for talk in knowledge.smalltalk for q in talk.questions]
    assert [p for p in phrasings if notes.foreign(p)] == []


def test_the_console_follows_up_and_lists_regions(responder: Responder) -> None:
    source = io.StringIO(f"/region\n{AMBIGUOUS}\n2\n/forget\n2\n/quit\n")
    sink = io.StringIO()
    run_console(responder, source, sink)
    output = sink.getvalue()
    for code in responder.knowledge.safety.regions:
        assert f"  {code}: " in output
    options = responder.reply(AMBIGUOUS).suggestions
    assert responder.knowledge.entries[options[1]].title in output
    assert responder.knowledge.texts("console.forgotten") in output
    assert output.count(responder.knowledge.texts("conversation.no_topic_yet")[:30]) == 1


@pytest.mark.parametrize("message", ["is sunscreen ok?", "moisturiser help", "lips ok lol"])
def test_a_question_with_a_small_talk_word_is_still_a_question(
    conversation: Conversation, responder: Responder, message: str
) -> None:
    assert conversation.reply("chat", message).reply == responder.reply(message)
