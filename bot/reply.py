"""The one decision: a message (and its chat's settings) in, a Reply out.

Safety triage runs first and pre-empts everything else; then small talk; then retrieval, which answers,
asks "did you mean", or falls back. Every reply, whatever its kind, ends with the disclaimer, added here
and nowhere else. The console, `ask`, `evaluate`, the benchmark and the Telegram adapter all call
`Responder.reply`.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from bot.knowledge import Entry, Knowledge, SafetyNote, load_knowledge
from bot.normalise import normalise
from bot.render import bold, escape, italic, plain, split_message
from bot.retrieval.candidate import Candidate
from bot.retrieval.encoder import Encoder, MultilingualEncoder, WordLlamaEncoder
from bot.retrieval.lexical import Matcher
from bot.retrieval.ranker import Ranker, Ranking
from bot.retrieval.semantic import SemanticIndex
from bot.retrieval.tuning import Tuning, load_tuning
from bot.safety import SecondLook, Tier, Triage, escalation_text, triage


class Kind(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    FALLBACK = "fallback"
    ESCALATION = "escalation"
    SMALLTALK = "smalltalk"
    LANGUAGE = "language"  # written in another language: a note that the bot answers in English


@dataclass(frozen=True)
class ChatSettings:
    region: str | None = None  # a region code from knowledge/resources.yaml; None = not set yet
    # Soft check-ins this conversation already had recently, counted by the front end (a number, never
    # the messages). Risk builds over turns: a second check-in-level message gets the crisis reply.
    earlier_checkins: int = 0
    # A group chat: a crisis reply then ends with the group variant of its closing line, which offers a
    # private chat instead (the Telegram layer adds the button that opens one).
    in_group: bool = False


@dataclass(frozen=True)
class Reply:
    kind: Kind
    # The whole reply as the user sees it: safe for Telegram's HTML mode, ending with the disclaimer.
    text: str
    entry: str | None = None
    section: str | None = None
    escalation: Tier | None = None
    triage_rule: str | None = None
    score: float = 0.0
    # Related entries for an answer, or the candidates of a "did you mean".
    suggestions: tuple[str, ...] = field(default=())
    checkin: bool = False  # a soft check-in led the reply: the front end counts it for the chat

    def parts(self) -> list[str]:
        """The text split into messages that each fit Telegram's limit."""
        return split_message(self.text)

    @property
    def plain_text(self) -> str:
        """The reply as plain text, as a terminal shows it."""
        return plain(self.text)

    def as_json(self) -> dict[str, Any]:
        """`text` is plain; `html` is exactly what Telegram is sent (its HTML parse mode)."""
        return {
            "kind": self.kind.value,
            "entry": self.entry,
            "section": self.section,
            "escalation": self.escalation.value if self.escalation else None,
            "triage_rule": self.triage_rule,
            "score": self.score,
            "suggestions": list(self.suggestions),
            "checkin": self.checkin,
            "text": self.plain_text,
            "html": self.text,
        }


# A message that matches small talk this closely, as a whole, is small talk ("thanks!" but not
# "thanks, and what about dry lips?").
SMALLTALK_SCORE = 90.0

# Triage results kept for the latest texts, in memory only: the Telegram layer triages each update on
# arrival (to put escalations first) and again in `reply`, and floods repeat the same text.
TRIAGE_CACHE_SIZE = 1024


class Responder:
    """Holds the loaded knowledge and its indexes; `reply` is pure and safe to call concurrently."""

    def __init__(
        self,
        knowledge: Knowledge,
        tuning: Tuning | None = None,
        encoder: Encoder | None = None,
        safety_encoder: Encoder | None = None,
    ) -> None:
        """`encoder` None means the lexical matcher alone (`load_responder` passes the real model);
        `safety_encoder` is the second look's model (None: the same as `encoder`)."""
        self.knowledge = knowledge
        self.tuning = tuning or load_tuning(knowledge.directory / "retrieval.yaml")
        entry_phrasings = {
            entry.id: (entry.title, *entry.questions, *entry.keywords)
            for entry in knowledge.entries.values()
        }
        # Subjects the guide does not cover compete with the entries, so that "can I drink alcohol on
        # it?" is told honestly that the guide doesn't cover it instead of getting the diet answer.
        self.ranker = Ranker(
            entry_phrasings,
            {topic.id: topic.questions for topic in knowledge.out_of_scope},
            knowledge.synonyms,
            self.tuning,
            encoder,
        )
        self.smalltalk = Matcher(
            {talk.id: talk.questions for talk in knowledge.smalltalk},
            knowledge.synonyms,
            frozenset(),
        )
        looking = safety_encoder or encoder
        self.second_look = _second_look(knowledge, looking) if looking is not None else None
        self._triage = lru_cache(maxsize=TRIAGE_CACHE_SIZE)(self._triage_uncached)

    def reply(self, message: str, chat: ChatSettings | None = None) -> Reply:
        chat = chat or ChatSettings()
        # Triage comes before anything that could dismiss the message: "💊💊💊" has no words to
        # answer from, yet triage reads emoji.
        flagged = self._triage(message)
        if flagged is not None and flagged.checkin and chat.earlier_checkins > 0:
            flagged = Triage(Tier.CRISIS, f"crisis.repeated.{flagged.rule}")
        if flagged is not None and not flagged.checkin:
            return self._escalate(flagged, chat)
        words = normalise(message, self.knowledge.synonyms).split()
        if not words:
            reply = self._finish(Kind.FALLBACK, self._text("reply.empty_message"))
        else:
            reply = self._smalltalk(words) or self._retrieve(message)
        if flagged is not None:  # a soft check-in leads; the answer, if any, follows
            return self._lead_with_checkin(flagged, chat, reply)
        return self._with_helpline(reply, chat)

    def escalates(self, message: str) -> bool:
        """Whether `reply` would escalate this message (an escalation or a check-in leading it):
        triage alone, without the retrieval an answer needs."""
        return self._triage(message) is not None

    def _triage_uncached(self, message: str) -> Triage | None:
        return triage(message, self.knowledge.safety, self.second_look)

    def entry_reply(self, entry_id: str, chat: ChatSettings | None = None) -> Reply | None:
        """The answer to a topic chosen directly (button, deep link, inline result)."""
        entry = self.knowledge.entries.get(entry_id)
        if entry is None:
            return None
        return self._with_helpline(self._answer(entry, score=100.0), chat or ChatSettings())

    def _retrieve(self, message: str) -> Reply:
        ranking = self.ranker.rank(message, limit=max(self.tuning.max_suggestions, 5))
        tuning = self.tuning
        if not ranking.candidates or ranking.candidates[0].score < tuning.clarify_score:
            best = ranking.candidates[0].score if ranking.candidates else 0.0
            return self._finish(Kind.FALLBACK, self._text("reply.fallback"), score=best)
        top = ranking.candidates[0]
        if top.key in self.ranker.uncovered:
            return self._not_covered(top)
        entries = [c for c in ranking.candidates if c.key not in self.ranker.uncovered]
        # Runners-up from the top entry's own section are the same topic: they do not make a tie.
        section = self.knowledge.entries[top.key].section
        rivals = [
            c
            for c in entries[1:]
            if top.score - c.score < tuning.margin
            and self.knowledge.entries[c.key].section != section
        ]
        if top.score >= tuning.answer_score and not rivals:
            return self._answer(self.knowledge.entries[top.key], top.score, ranking)
        close = [c for c in entries if top.score - c.score < tuning.margin]
        if len(close) < 2:  # a "did you mean" with one option is an answer with extra steps
            return self._answer(self.knowledge.entries[top.key], top.score, ranking)
        return self._clarify(close[: tuning.max_suggestions])

    def _answer(self, entry: Entry, score: float, ranking: Ranking | None = None) -> Reply:
        body = (
            f"{bold(entry.title)}\n{escape(entry.answer)}{self._note(entry.note, 'answer_note')}"
        )
        # A second question in the message is offered first among the related topics.
        other = ranking.other_question if ranking else None
        asked = (other.key,) if other and other.key != entry.id else ()
        related = tuple(key for key in entry.related if key not in asked)
        return self._finish(
            Kind.ANSWER,
            body,
            entry=entry.id,
            section=entry.section,
            score=score,
            suggestions=(*asked, *related),
        )

    def _clarify(self, candidates: list[Candidate]) -> Reply:
        titles = "\n".join(f"• {escape(self.knowledge.entries[c.key].title)}" for c in candidates)
        top = self.knowledge.entries[candidates[0].key]
        return self._finish(
            Kind.CLARIFY,
            f"{self._text('reply.clarify')}\n{titles}",
            section=top.section,
            score=candidates[0].score,
            suggestions=tuple(c.key for c in candidates),
        )

    def _not_covered(self, match: Candidate) -> Reply:
        topic = next(t for t in self.knowledge.out_of_scope if t.id == match.key)
        text = escape(self.knowledge.texts("reply.not_covered", topic=topic.name))
        return self._finish(
            Kind.FALLBACK, text + self._note(topic.note, "not_covered_note"), score=match.score
        )

    def _note(self, note: SafetyNote | None, key: str) -> str:
        """A labelled safety fact as its own paragraph (its source stays in the YAML for reviewers)."""
        if note is None:
            return ""
        return "\n\n" + escape(self.knowledge.texts(f"reply.{key}", note=note.text))

    def _with_helpline(self, reply: Reply, chat: ChatSettings) -> Reply:
        """A first-person low-mood answer ends with the chat's region's helpline, before the disclaimer."""
        entry = self.knowledge.entries.get(reply.entry or "")
        if reply.kind is not Kind.ANSWER or entry is None or not entry.helpline:
            return reply
        line = self.knowledge.safety.place(chat.region).resources[0]
        helpline = self.knowledge.texts("reply.helpline", name=line.name, contact=line.contact)
        body = self._body(reply)
        return replace(reply, text=self.with_disclaimer(f"{body}\n\n{escape(helpline)}"))

    def _smalltalk(self, words: list[str]) -> Reply | None:
        ranked = self.smalltalk.rank(words, limit=1)
        if not ranked or ranked[0].score < SMALLTALK_SCORE:
            return None
        talk = next(t for t in self.knowledge.smalltalk if t.id == ranked[0].key)
        return self._finish(Kind.SMALLTALK, escape(talk.answer), score=ranked[0].score)

    def _escalate(self, flagged: Triage, chat: ChatSettings) -> Reply:
        details: dict[str, Any] = {
            "escalation": flagged.tier,
            "triage_rule": flagged.rule,
            "score": 100.0,
        }
        if flagged.tier is not Tier.CRISIS:
            return self._finish(Kind.ESCALATION, self._escalation_body(flagged, chat), **details)
        # A crisis reply ends with a closing line of its own, not the disclaimer.
        body = escalation_text(flagged, chat.region, self.knowledge.safety)
        if chat.region is None and not chat.in_group:
            body = f"{body}\n{self._text('reply.crisis_region_tip')}"
        closing = "safety.crisis_closing_group" if chat.in_group else "reply.crisis_closing"
        return Reply(
            Kind.ESCALATION, f"{body}\n\n{italic(self.knowledge.texts(closing))}", **details
        )

    def _lead_with_checkin(self, flagged: Triage, chat: ChatSettings, reply: Reply) -> Reply:
        checkin = self._escalation_body(flagged, chat)
        body = self._body(reply)
        if reply.kind is Kind.FALLBACK:  # nothing useful to add after the check-in
            body = ""
        return self._finish(
            Kind.ESCALATION,
            f"{checkin}\n\n{body}".strip(),
            entry=reply.entry,
            section=reply.section,
            escalation=flagged.tier,
            triage_rule=flagged.rule,
            score=reply.score,
            suggestions=reply.suggestions,
            checkin=True,
        )

    def _escalation_body(self, flagged: Triage, chat: ChatSettings) -> str:
        body = escalation_text(flagged, chat.region, self.knowledge.safety)
        if chat.region is None:
            body = f"{body}\n{self._text('reply.region_hint')}"
        return body

    def with_disclaimer(self, body: str) -> str:
        """`body` (Telegram HTML) followed by the disclaimer, as every message the bot sends ends."""
        return f"{body}\n\n{self._disclaimer()}"

    def _body(self, reply: Reply) -> str:
        """A finished reply's text without its disclaimer, to build on."""
        return reply.text.removesuffix(self._disclaimer()).rstrip()

    def _finish(self, kind: Kind, body: str, **details: Any) -> Reply:
        return Reply(kind=kind, text=self.with_disclaimer(body), **details)

    def _disclaimer(self) -> str:
        return italic(self.knowledge.texts("reply.disclaimer"))

    def _text(self, key: str) -> str:
        return escape(self.knowledge.texts(key))


def _second_look(knowledge: Knowledge, encoder: Encoder) -> SecondLook:
    """Every question the bot answers, and its small talk, is a calm example for the second look."""
    answered = [
        *(text for entry in knowledge.entries.values() for text in entry.questions),
        *(text for topic in knowledge.out_of_scope for text in topic.questions),
        *(text for talk in knowledge.smalltalk for text in talk.questions),
    ]
    return SecondLook(
        knowledge.safety.examples,
        answered,
        knowledge.safety.lexicon,
        lambda groups: SemanticIndex(groups, encoder).rank_many,
    )


def load_responder(directory: Path | None = None) -> Responder:
    responder = Responder(
        load_knowledge(directory),
        encoder=default_encoder(),
        safety_encoder=default_safety_encoder(),
    )
    # The content, the model and the indexes live as long as the process: frozen, the collector no
    # longer rescans their ~70 000 objects in each full collection (a ~40 ms pause inside a reply).
    gc.freeze()
    return responder


@cache
def default_encoder() -> Encoder:
    """The bundled model, loaded (and its checksum verified) once per process."""
    return WordLlamaEncoder()


@cache
def default_safety_encoder() -> Encoder:
    """The second look's multilingual model, loaded (and verified) once per process."""
    return MultilingualEncoder()
