"""Retrieval accuracy on a labelled set: what a patient would get, measured through the full reply path.

A label names what is right: entry ids or section ids (`|` between several), `none` for a message the
bot should not answer from the knowledge base (off-topic, or a subject the guide does not cover, where
an honest "not covered" is right) or `smalltalk`. A "did you mean" is never counted as right: only a
direct answer in a right section is.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from bot.content import ContentError
from bot.evaluation.baseline import Baseline
from bot.evaluation.labelled import LabelledSet
from bot.reply import Kind, Reply, Responder

RIGHT_TARGET = 85.0
WRONG_ANSWER_LIMIT = 5.0
REJECTION_TARGET = 95.0
OFF_TOPIC = "none"
SMALLTALK = "smalltalk"
NOT_ANSWERED = frozenset({Kind.FALLBACK, Kind.SMALLTALK, Kind.ESCALATION})


@dataclass(frozen=True)
class Outcome:
    message: str
    labels: tuple[str, ...]
    expected_sections: frozenset[str]  # empty for off-topic and small talk
    reply: Reply
    predicted_entry: str | None  # the answer, or the first "did you mean" candidate
    predicted_section: str | None
    suggested_sections: frozenset[str]

    @property
    def on_topic(self) -> bool:
        return bool(self.expected_sections)

    @property
    def correct(self) -> bool:
        """What a patient would call right: a direct answer in a right section, or a refusal."""
        if OFF_TOPIC in self.labels:
            return self.reply.kind in NOT_ANSWERED
        if SMALLTALK in self.labels:
            return self.reply.kind is Kind.SMALLTALK
        return self.reply.kind is Kind.ANSWER and self.reply.section in self.expected_sections

    @property
    def section_first(self) -> bool:
        """The right section leads, as the answer or the first "did you mean" option."""
        return self.predicted_section in self.expected_sections

    @property
    def wrong_answer(self) -> bool:
        """Answered directly, and wrongly: worse than a "did you mean" or an honest fallback."""
        return self.reply.kind is Kind.ANSWER and self.reply.section not in self.expected_sections


def evaluate_retrieval(
    labelled: LabelledSet, responder: Responder, baselines: list[Baseline]
) -> tuple[str, bool]:
    started = time.perf_counter()
    outcomes = [_outcome(message, labels, responder) for message, labels in labelled.rows]
    elapsed = time.perf_counter() - started
    on_topic = [o for o in outcomes if o.on_topic]
    by_entry = [o for o in on_topic if _entry_labels(o, responder)]
    off_topic = [o for o in outcomes if OFF_TOPIC in o.labels]
    smalltalk = [o for o in outcomes if SMALLTALK in o.labels]
    questions = on_topic + off_topic
    right = _share(questions, lambda o: o.correct)
    wrong = _share(outcomes, lambda o: o.wrong_answer)
    rejection = _share(off_topic, lambda o: o.correct)
    met = (
        (not questions or right >= RIGHT_TARGET)
        and wrong <= WRONG_ANSWER_LIMIT
        and (not off_topic or rejection >= REJECTION_TARGET)
    )
    lines = [
        f"Retrieval: {labelled.path} ({len(outcomes)} messages, {elapsed * 1000:.0f} ms)",
        f"  right (direct answer in a right section, or 'none' declined)"
        f" {right:6.1f} %  (target >= {RIGHT_TARGET:.0f} %; {len(questions)} questions)",
        f"  wrong direct answers        {wrong:6.1f} %  (limit <= {WRONG_ANSWER_LIMIT:.0f} %)",
        f"  on-topic answered rightly   {_share(on_topic, lambda o: o.correct):6.1f} %"
        f"  ({len(on_topic)} on-topic)",
        f"  right section first         {_share(on_topic, lambda o: o.section_first):6.1f} %"
        "  (answer or first 'did you mean')",
        f"  top-1 entry accuracy        {_share(by_entry, lambda o: _entry_hit(o, responder)):6.1f} %"
        f"  ({len(by_entry)} entry-labelled)",
        f"  right section in suggestions{_share(on_topic, _section_suggested):6.1f} %",
        f"  off-topic rejection         {rejection:6.1f} %  (target >= {REJECTION_TARGET:.0f} %;"
        f" {len(off_topic)} 'none')",
        f"  small talk recognised       {_share(smalltalk, lambda o: o.correct):6.1f} %",
        "  on-topic replies: "
        + ", ".join(f"{kind.value} {_share(on_topic, _is(kind)):.1f} %" for kind in Kind),
        "",
        *_baseline_lines(labelled, baselines, on_topic, rejection, responder),
        "",
        *([*_section_table(on_topic, responder), ""] if on_topic else []),
        *_worst_misses(outcomes),
    ]
    return "\n".join(lines), met


def _outcome(message: str, labels: tuple[str, ...], responder: Responder) -> Outcome:
    knowledge = responder.knowledge
    sections = set()
    for label in labels:
        if label in knowledge.entries:
            sections.add(knowledge.entries[label].section)
        elif label in knowledge.sections:
            sections.add(label)
        elif label not in {OFF_TOPIC, SMALLTALK}:
            raise ContentError("evaluation set", f"unknown label '{label}'", entry=message[:40])
    reply = responder.reply(message)
    candidates = reply.suggestions if reply.kind is Kind.CLARIFY else ()
    predicted = reply.entry or (candidates[0] if candidates else None)
    return Outcome(
        message=message,
        labels=labels,
        expected_sections=frozenset(sections),
        reply=reply,
        predicted_entry=predicted,
        predicted_section=knowledge.entries[predicted].section if predicted else None,
        suggested_sections=frozenset(
            knowledge.entries[key].section for key in (*candidates, *filter(None, [reply.entry]))
        ),
    )


def _entry_labels(outcome: Outcome, responder: Responder) -> list[str]:
    return [label for label in outcome.labels if label in responder.knowledge.entries]


def _entry_hit(outcome: Outcome, responder: Responder) -> bool:
    return outcome.predicted_entry in _entry_labels(outcome, responder)


def _section_suggested(outcome: Outcome) -> bool:
    return bool(outcome.expected_sections & outcome.suggested_sections)


def _is(kind: Kind) -> Callable[[Outcome], bool]:
    return lambda outcome: outcome.reply.kind is kind


def _share(outcomes: list[Outcome], hit: Callable[[Outcome], bool]) -> float:
    if not outcomes:
        return 0.0
    return 100.0 * sum(1 for outcome in outcomes if hit(outcome)) / len(outcomes)


def _baseline_lines(
    labelled: LabelledSet,
    baselines: list[Baseline],
    on_topic: list[Outcome],
    rejection: float,
    responder: Responder,
) -> list[str]:
    first = _share(on_topic, lambda o: o.section_first)
    lines = [f"  {'method':<44} {'section first':>13} {'off-topic rejection':>20}"]
    lines.append(f"  {'this bot':<44} {first:>12.1f}% {rejection:>19.1f}%")
    for baseline in baselines:
        base_first, base_rejection = baseline.score(labelled, responder.knowledge)
        lines.append(f"  {baseline.name:<44} {base_first:>12.1f}% {base_rejection:>19.1f}%")
    return lines


def _section_table(on_topic: list[Outcome], responder: Responder) -> list[str]:
    grouped: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in on_topic:
        for section in outcome.expected_sections:
            grouped[section].append(outcome)
    lines = [f"  {'section':<24} {'n':>4} {'right':>8} {'section first':>14} {'suggested':>10}"]
    for section in responder.knowledge.sections:
        rows = grouped.get(section, [])
        lines.append(
            f"  {section:<24} {len(rows):>4} {_share(rows, lambda o: o.correct):>7.1f}%"
            f" {_share(rows, lambda o: o.section_first):>13.1f}%"
            f" {_share(rows, _section_suggested):>9.1f}%"
        )
    return lines


def _worst_misses(outcomes: list[Outcome], limit: int = 15) -> list[str]:
    misses = sorted((o for o in outcomes if not o.correct), key=lambda o: -o.reply.score)
    lines = [f"  Worst misses ({len(misses)} in all, most confident first):"]
    for outcome in misses[:limit]:
        got = outcome.predicted_entry or outcome.reply.kind.value
        lines.append(
            f"    [{outcome.reply.kind.value} {outcome.reply.score:5.1f}] {outcome.message[:70]!r}"
            f" expected {'|'.join(outcome.labels)}, got {got}"
        )
    return lines
