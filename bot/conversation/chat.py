"""One chat's turn: the core's reply, read against what the chat said just before.

Order of precedence: safety triage (inside `Responder.reply`, on the message alone) > another language >
an emoji reaction > a choice among the options just offered > "tell me more" / "why?" / "the other one"
> a new topic of its own > a message pointing back at the last topic > the core's reply as it was.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.conversation.language import LanguageNotes
from bot.conversation.memory import ExpiringMemory, Memory, MemoryStore
from bot.conversation.phrasings import Move, Phrasings, load_phrasings
from bot.knowledge import Entry
from bot.normalise import normalise
from bot.render import escape
from bot.reply import ChatSettings, Kind, Reply, Responder, load_responder


@dataclass(frozen=True)
class Turn:
    reply: Reply
    browse: bool = False  # none of the options fitted: show the topic browser with the reply


class Conversation:
    def __init__(
        self, responder: Responder, phrasings: Phrasings, memory: MemoryStore | None = None
    ) -> None:
        self.responder = responder
        self.knowledge = responder.knowledge
        self.phrasings = phrasings
        self.memory: MemoryStore = memory if memory is not None else ExpiringMemory()
        self.languages = LanguageNotes(phrasings.languages)
        self.topic_words = _topic_words(responder)
        for code in sorted(phrasings.languages):  # a missing note fails at start, not mid-reply
            self.knowledge.texts(f"conversation.language_{code}")

    def reply(self, chat: Hashable, message: str, settings: ChatSettings | None = None) -> Turn:
        remembered = self.memory.get(chat) or Memory()
        turn, memory = self._resolve(
            message, self.responder.reply(message, settings), remembered, settings
        )
        self.memory.put(chat, memory)
        return turn

    def choose(self, chat: Hashable, entry_id: str) -> Reply | None:
        """A topic picked by a button: answered, and remembered as the last topic."""
        reply = self.responder.entry_reply(entry_id)
        if reply is not None:
            options = (self.memory.get(chat) or Memory()).options
            self.memory.put(chat, Memory(entry_id, options))
        return reply

    def forget(self, chat: Hashable) -> bool:
        return self.memory.forget(chat)

    def _resolve(
        self, message: str, base: Reply, memory: Memory, settings: ChatSettings | None
    ) -> tuple[Turn, Memory]:
        if base.kind is Kind.ESCALATION:
            return Turn(base), memory
        language = self.languages.foreign(message)
        if language is not None:
            return Turn(self._language_note(language)), memory
        reaction = self.phrasings.reaction(message)
        if reaction is not None:
            return Turn(self._smalltalk(reaction)), memory
        choice = self.phrasings.choice(message)
        move = self.phrasings.move(message)
        if memory.options and choice is not None and choice <= len(memory.options):
            return self._answer(memory.options[choice - 1], memory.options)
        if move is Move.NEITHER:
            if not memory.options:
                return Turn(self._finish(Kind.SMALLTALK, "conversation.nothing_offered")), memory
            neither = self._finish(Kind.CLARIFY, "conversation.neither")
            return Turn(neither, browse=True), Memory(memory.entry)
        if memory.entry is not None and move in (Move.MORE, Move.WHY):
            return self._more(self.knowledge.entries[memory.entry], move)
        if memory.entry is not None and move is Move.OTHER:
            return self._other(memory)
        pointer = memory.entry is not None and self.phrasings.points_back(message)
        if base.kind is Kind.ANSWER:
            # A new topic wins; a short question pointing back ("how long does it last?") that reads
            # at least as well with the last topic is about that topic.
            combined = self._with_last_topic(message, memory, settings) if pointer else None
            if (
                combined is not None
                and combined.kind is Kind.ANSWER
                and combined.score >= base.score
            ):
                return self._remembered(combined, memory)
            return Turn(base), Memory(base.entry)
        unanswered = base.kind in (Kind.FALLBACK, Kind.CLARIFY)
        casual = self.phrasings.casual(message) if unanswered and self._no_topic(message) else None
        if casual is not None:
            return Turn(self._smalltalk(casual)), memory
        if unanswered and pointer:
            combined = self._with_last_topic(message, memory, settings)
            if combined is not None and combined.kind in (Kind.ANSWER, Kind.CLARIFY):
                return self._remembered(combined, memory)
        pointless = base.kind is Kind.FALLBACK and self.phrasings.points_back(message)
        if unanswered and (move is not None or choice is not None or pointless):
            return Turn(self._finish(Kind.FALLBACK, "conversation.no_topic_yet")), memory
        return self._remembered(base, memory)

    def _with_last_topic(
        self, message: str, memory: Memory, settings: ChatSettings | None
    ) -> Reply | None:
        if memory.entry is None:
            return None
        title = self.knowledge.entries[memory.entry].title
        return self.responder.reply(f"{message} {title}", settings)

    def _no_topic(self, message: str) -> bool:
        """Not a question: no word the entries are about ("lips ok"), and no question mark."""
        if message.rstrip().endswith("?"):
            return False
        words = normalise(message, self.knowledge.synonyms).split()
        return not self.topic_words.intersection(words)

    def _remembered(self, reply: Reply, memory: Memory) -> tuple[Turn, Memory]:
        if reply.kind is Kind.ANSWER:
            return Turn(reply), Memory(reply.entry)
        if reply.kind is Kind.CLARIFY:
            return Turn(reply), Memory(memory.entry, reply.suggestions)
        return Turn(reply), memory

    def _answer(self, entry_id: str, options: tuple[str, ...]) -> tuple[Turn, Memory]:
        reply = self.responder.entry_reply(entry_id)
        assert reply is not None  # options are entry ids the core itself offered
        return Turn(reply), Memory(entry_id, options)

    def _other(self, memory: Memory) -> tuple[Turn, Memory]:
        """The option not taken; after a direct answer, its first related topic."""
        assert memory.entry is not None
        pool = memory.options or (memory.entry, *self.knowledge.entries[memory.entry].related)
        others = [entry_id for entry_id in pool if entry_id != memory.entry]
        if not others:
            return self._more(self.knowledge.entries[memory.entry], Move.MORE)
        return self._answer(others[0], memory.options)

    def _more(self, entry: Entry, move: Move) -> tuple[Turn, Memory]:
        """All an entry says is its answer: say so honestly, and offer its related topics."""
        key = move.value if entry.related else f"{move.value}_no_related"
        text = escape(self.knowledge.texts(f"conversation.{key}", topic=entry.title))
        titles = "".join(f"\n• {escape(self.knowledge.entries[e].title)}" for e in entry.related)
        reply = Reply(
            kind=Kind.CLARIFY,
            text=self.responder.with_disclaimer(text + titles),
            entry=entry.id,
            section=entry.section,
            suggestions=entry.related,
        )
        return Turn(reply), Memory(entry.id, entry.related)

    def _language_note(self, language: str) -> Reply:
        note = self.knowledge.texts(f"conversation.language_{language}")
        english = self.knowledge.texts("conversation.language_note")
        body = f"{escape(note)}\n\n{escape(english)}"
        return Reply(kind=Kind.LANGUAGE, text=self.responder.with_disclaimer(body))

    def _smalltalk(self, talk_id: str) -> Reply:
        talk = next(t for t in self.knowledge.smalltalk if t.id == talk_id)
        body = escape(talk.answer.strip())
        return Reply(kind=Kind.SMALLTALK, text=self.responder.with_disclaimer(body), score=100.0)

    def _finish(self, kind: Kind, key: str) -> Reply:
        body = escape(self.knowledge.texts(key))
        return Reply(kind=kind, text=self.responder.with_disclaimer(body))


def _topic_words(responder: Responder) -> frozenset[str]:
    """Words of the entries' phrasings that small talk and filler never use."""
    knowledge = responder.knowledge

    def words(phrasings: Iterable[str]) -> set[str]:
        return {w for p in phrasings for w in normalise(p, knowledge.synonyms).split()}

    entries = words(
        p for e in knowledge.entries.values() for p in (e.title, *e.questions, *e.keywords)
    )
    chatter = words(q for talk in knowledge.smalltalk for q in talk.questions)
    return frozenset(entries - chatter - responder.tuning.stopwords)


def load_conversation(
    directory: Path | None = None, memory: MemoryStore | None = None
) -> Conversation:
    responder = load_responder(directory)
    return conversation_for(responder, memory)


def conversation_for(responder: Responder, memory: MemoryStore | None = None) -> Conversation:
    phrasings = load_phrasings(responder.knowledge.directory / "conversation.yaml")
    return Conversation(responder, phrasings, memory)
