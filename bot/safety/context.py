"""Which lexicon rules a message sets off, after context: negation, hypotheticals, history, idioms.

A sign found in a message is
- dropped when it sits inside a benign idiom ("dying to know"), or, for medical signs, when it is
  hypothetical ("what if I get a headache"), historical ("I had a seizure as a kid", "on my first
  course ... but it went back to normal") or someone else's, asked about ("my dad had a stroke, is
  accutane safe for me?");
- negated when a negation trigger reaches it ("no headache, no blurred vision"). A negated medical sign
  is dropped; a negated crisis phrase is kept as a denial, which never clears the risk by itself.
A rule with `max_other_words` fires only when its phrases (with risk cues and filler such as
"thanks") are nearly all their sentence says ("🪦", "i'm done. doing it tonight").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property

from bot.safety.lexicon import Lexicon, Rule, Scope, Tier
from bot.safety.phrases import Document, PhraseSet, Span
from bot.safety.words import PUNCTUATION


class Status(Enum):
    CLEAR = "clear"
    NEGATED = "negated"
    DROPPED = "dropped"


@dataclass
class Findings:
    hits: list[Rule] = field(default_factory=list)  # rules whose sign is there, in lexicon order
    denied: list[Rule] = field(default_factory=list)  # crisis rules found only negated
    amplified: bool = False  # "worst ever", "sudden", "getting worse fast"
    # Rule id -> where its sign was first found clear: who it is said of is read there.
    places: dict[str, Span] = field(default_factory=dict)
    risk_cue: bool = False  # a risk cue that means a denial is not to be trusted


@dataclass(frozen=True)
class _Triggers:
    """One scope's triggers as found in a message."""

    before: list[Span]
    after: list[Span]
    window: int
    terminators: list[Span]

    def reach(self, sign: Span) -> bool:
        return any(
            t.end < sign.start and self._scoped(t.end, sign.start) for t in self.before
        ) or any(t.start > sign.end and self._scoped(sign.end, t.start) for t in self.after)

    def _scoped(self, left: int, right: int) -> bool:
        """True when `left` and `right` are close enough, with no terminator between them."""
        if right - left - 1 > self.window:
            return False
        return not any(left < t.start and t.end < right for t in self.terminators)


# A message this short with no person in it names a topic ("night vision") rather than reporting one.
BARE_TOPIC_WORDS = 2


def _checkin(rule: Rule, lexicon: Lexicon) -> bool:
    return rule.group is not None and lexicon.groups[rule.group].checkin


class _Context:
    """The context triggers found in one message, and what they do to a sign at a given place.
    Looked for only once a sign is found: most messages have none."""

    def __init__(self, lexicon: Lexicon, document: Document) -> None:
        self.lexicon = lexicon
        self.document = document

    @cached_property
    def pseudo(self) -> list[Span]:
        return self.lexicon.context.pseudo.spans(self.document)

    @cached_property
    def exceptions(self) -> list[Span]:
        return self.lexicon.exceptions.spans(self.document)

    @cached_property
    def negation(self) -> _Triggers:
        return self._triggers(self.lexicon.context.negation)

    @cached_property
    def clearing(self) -> list[_Triggers]:
        context = self.lexicon.context
        return [
            self._triggers(scope)
            for scope in (context.hypothetical, context.historical, context.family)
        ]

    @cached_property
    def neutral(self) -> list[Span]:
        """Risk cues and filler: never benign context for `max_other_words`."""
        lexicon, document = self.lexicon, self.document
        return lexicon.risk_cues.spans(document) + lexicon.filler.spans(document)

    @cached_property
    def informational(self) -> bool:
        """The whole message is a general question about the drug (for rules of cues only)."""
        return self._general_question(None)

    @cached_property
    def bare_topic(self) -> bool:
        """A few words naming a subject, with nobody in them ("night vision", "yellow eyes?")."""
        words = [w for w in self.document.words if w not in PUNCTUATION]
        speakers = self.lexicon.speakers
        people = speakers.me | speakers.others | self.lexicon.informational.first_person
        return len(words) <= BARE_TOPIC_WORDS and not people.intersection(words)

    def informational_at(self, sign: Span) -> bool:
        """The sign's own sentence is a general question about the drug."""
        return self._general_question(self.document.sentence[sign.start])

    def _general_question(self, sentence: int | None) -> bool:
        """A question phrase, and no first-person words outside question openers, in `sentence`
        (None: the whole message)."""
        document, frame = self.document, self.lexicon.informational

        def inside(index: int) -> bool:
            return sentence is None or document.sentence[index] == sentence

        if not any(inside(question.start) for question in self._questions):
            return False
        return not any(
            word in frame.first_person
            and inside(i)
            and not any(o.start <= i <= o.end for o in self._openers)
            for i, word in enumerate(document.words)
        )

    @cached_property
    def _questions(self) -> list[Span]:
        return self.lexicon.informational.questions.spans(self.document)

    @cached_property
    def _openers(self) -> list[Span]:
        return self.lexicon.informational.openers.spans(self.document)

    def status(self, sign: Span, *, crisis: bool, negatable: bool = True) -> Status:
        if any(sign.overlaps(idiom) for idiom in self.exceptions):
            return Status.DROPPED
        if negatable and self.negation.reach(sign):
            return Status.NEGATED if crisis else Status.DROPPED
        if not crisis and any(triggers.reach(sign) for triggers in self.clearing):
            return Status.DROPPED
        return Status.CLEAR

    def _triggers(self, scope: Scope) -> _Triggers:
        document = self.document

        def real(spans: list[Span]) -> list[Span]:
            return [s for s in spans if not any(s.overlaps(p) for p in self.pseudo)]

        if scope.needs is not None and not scope.needs.spans(document):
            return _Triggers([], [], scope.window, [])
        return _Triggers(
            real(scope.before.spans(document)),
            real(scope.after.spans(document)),
            scope.window,
            scope.terminators.spans(document),
        )


def find(lexicon: Lexicon, document: Document) -> Findings:
    context = _Context(lexicon, document)
    cues: dict[str, bool] = {}
    findings = Findings()
    crisis_spans: list[Span] = []  # a check-in rule only counts for words no crisis phrase took
    for rule in lexicon.rules:
        spans = rule.phrases.spans(document)
        if rule.informational:  # a general question about the drug, in the sign's own sentence
            if rule.cues and context.informational:
                continue
            spans = [span for span in spans if not context.informational_at(span)]
        if (not spans and not rule.cues) or (
            rule.unless is not None and rule.unless.spans(document)
        ):
            continue
        if rule.tier is Tier.URGENT and context.bare_topic and not _checkin(rule, lexicon):
            continue  # "night vision": a topic to read about, not a report of a symptom
        crisis = rule.tier is Tier.CRISIS
        if crisis:
            crisis_spans += spans
        elif _checkin(rule, lexicon):
            spans = [s for s in spans if not any(s.overlaps(c) for c in crisis_spans)]
        found = {
            span: context.status(span, crisis=crisis, negatable=rule.negatable) for span in spans
        }
        limit = rule.max_other_words
        if limit is not None and _others(document, list(found), context.neutral) > limit:
            continue
        statuses = set(found.values())
        if Status.CLEAR in statuses or _all_cues(rule, lexicon, document, context, cues):
            findings.hits.append(rule)
            clear = [span for span, status in found.items() if status is Status.CLEAR]
            if clear:
                findings.places[rule.id] = clear[0]
        elif crisis and Status.NEGATED in statuses:
            findings.denied.append(rule)
    if any(rule.tier is Tier.URGENT for rule in findings.hits):
        findings.amplified = _present(lexicon.amplifiers, document, context)
    if findings.denied:
        findings.risk_cue = _present(lexicon.risk_cues, document, context)
    return findings


def _others(document: Document, matches: list[Span], neutral: list[Span]) -> int:
    """How many words of the sentences with `matches` lie outside them and the `neutral` spans
    (punctuation not counted): "tonight's the night" alone, or after "Hi.", has none."""
    covered = {i for span in (*matches, *neutral) for i in range(span.start, span.end + 1)}
    sentences = {document.sentence[span.start] for span in matches}
    return sum(
        1
        for index, sentence in enumerate(document.sentence)
        if sentence in sentences and index not in covered and not document.breaks_clause(index)
    )


def _all_cues(
    rule: Rule, lexicon: Lexicon, document: Document, context: _Context, seen: dict[str, bool]
) -> bool:
    if not rule.cues:
        return False
    for name in rule.cues:
        if name not in seen:
            seen[name] = _present(lexicon.cues[name], document, context)
        if not seen[name]:
            return False
    return True


def _present(phrases: PhraseSet, document: Document, context: _Context) -> bool:
    return any(
        context.status(span, crisis=False) is Status.CLEAR for span in phrases.spans(document)
    )


def said_of_someone_else(lexicon: Lexicon, document: Document, sign: Span) -> bool:
    """True when the nearest speaker word before the sign, in its sentence, is someone else's
    ("my son said he doesn't see the point"); "i", or no such word at all, is the writer."""
    sentence = document.sentence[sign.start]
    speakers = lexicon.speakers
    for index in range(sign.end, -1, -1):
        if document.sentence[index] != sentence:
            break
        word = document.words[index]
        if word in speakers.me:
            return False
        if word in speakers.others:
            return True
    return False
