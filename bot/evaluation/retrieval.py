"""Retrieval accuracy on a labelled set: what a patient would get, measured through the full reply path."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from bot.content import ContentError
from bot.evaluation.baseline import Baseline
from bot.evaluation.labelled import LabelledSet
from bot.reply import Kind, Reply, Responder

TOP1_SECTION_TARGET = 95.0
REJECTION_TARGET = 95.0
OFF_TOPIC = "none"
SMALLTALK = "smalltalk"


@dataclass(frozen=True)
class Outcome:
    message: str
    label: str
    expected_section: str | None  # None for off-topic and small talk
    reply: Reply
    predicted_entry: str | None  # the answer, or the first "did you mean" candidate
    predicted_section: str | None
    suggested_sections: frozenset[str]

    @property
    def correct(self) -> bool:
        if self.label == OFF_TOPIC:
            return self.reply.kind not in {Kind.ANSWER, Kind.CLARIFY}
        if self.label == SMALLTALK:
            return self.reply.kind is Kind.SMALLTALK
        return self.predicted_section == self.expected_section


def evaluate_retrieval(
    labelled: LabelledSet, responder: Responder, baselines: list[Baseline]
) -> tuple[str, bool]:
    started = time.perf_counter()
    outcomes = [_outcome(message, label, responder) for message, label in labelled.rows]
    elapsed = time.perf_counter() - started
    on_topic = [o for o in outcomes if o.expected_section is not None]
    by_entry = [o for o in on_topic if o.label in responder.knowledge.entries]
    off_topic = [o for o in outcomes if o.label == OFF_TOPIC]
    smalltalk = [o for o in outcomes if o.label == SMALLTALK]
    top1_section = _share(on_topic, lambda o: o.correct)
    rejection = _share(off_topic, lambda o: o.correct)
    lines = [
        f"Retrieval: {labelled.path} ({len(outcomes)} messages, {elapsed * 1000:.0f} ms)",
        f"  top-1 section accuracy      {top1_section:6.1f} %  (target >= {TOP1_SECTION_TARGET:.0f} %)",
        f"  top-1 entry accuracy        {_share(by_entry, _entry_hit):6.1f} %"
        f"  ({len(by_entry)} entry-labelled)",
        f"  right section in suggestions{_share(on_topic, _section_suggested):6.1f} %",
        f"  off-topic rejection         {rejection:6.1f} %  (target >= {REJECTION_TARGET:.0f} %)",
        f"  small talk recognised       {_share(smalltalk, lambda o: o.correct):6.1f} %",
        "  on-topic replies: "
        + ", ".join(f"{kind.value} {_share(on_topic, _is(kind)):.1f} %" for kind in Kind),
        "",
        *_baseline_lines(labelled, baselines, top1_section, rejection, responder),
        "",
        *_section_table(on_topic, responder),
        "",
        *_worst_misses(outcomes),
    ]
    return "\n".join(lines), top1_section >= TOP1_SECTION_TARGET and rejection >= REJECTION_TARGET


def _outcome(message: str, label: str, responder: Responder) -> Outcome:
    knowledge = responder.knowledge
    if label in knowledge.entries:
        expected: str | None = knowledge.entries[label].section
    elif label in knowledge.sections:
        expected = label
    elif label in {OFF_TOPIC, SMALLTALK}:
        expected = None
    else:
        raise ContentError("evaluation set", f"unknown label '{label}'", entry=message[:40])
    reply = responder.reply(message)
    candidates = reply.suggestions if reply.kind is Kind.CLARIFY else ()
    predicted = reply.entry or (candidates[0] if candidates else None)
    return Outcome(
        message=message,
        label=label,
        expected_section=expected,
        reply=reply,
        predicted_entry=predicted,
        predicted_section=knowledge.entries[predicted].section if predicted else None,
        suggested_sections=frozenset(
            knowledge.entries[key].section for key in (*candidates, *filter(None, [reply.entry]))
        ),
    )


def _entry_hit(outcome: Outcome) -> bool:
    return outcome.predicted_entry == outcome.label


def _section_suggested(outcome: Outcome) -> bool:
    return outcome.expected_section in outcome.suggested_sections


def _is(kind: Kind) -> Callable[[Outcome], bool]:
    return lambda outcome: outcome.reply.kind is kind


def _share(outcomes: list[Outcome], hit: Callable[[Outcome], bool]) -> float:
    if not outcomes:
        return 0.0
    return 100.0 * sum(1 for outcome in outcomes if hit(outcome)) / len(outcomes)


def _baseline_lines(
    labelled: LabelledSet,
    baselines: list[Baseline],
    top1: float,
    rejection: float,
    responder: Responder,
) -> list[str]:
    lines = [f"  {'method':<44} {'top-1 section':>13} {'off-topic rejection':>20}"]
    lines.append(
        f"  {'this bot (rapidfuzz over alternates)':<44} {top1:>12.1f}% {rejection:>19.1f}%"
    )
    for baseline in baselines:
        base_top1, base_rejection = baseline.score(labelled, responder.knowledge)
        lines.append(f"  {baseline.name:<44} {base_top1:>12.1f}% {base_rejection:>19.1f}%")
    return lines


def _section_table(on_topic: list[Outcome], responder: Responder) -> list[str]:
    grouped: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in on_topic:
        grouped[str(outcome.expected_section)].append(outcome)
    lines = [
        f"  {'section':<24} {'n':>4} {'top-1 section':>14} {'top-1 entry':>12} {'suggested':>10}"
    ]
    for section in responder.knowledge.sections:
        rows = grouped.get(section, [])
        entry_rows = [o for o in rows if o.label in responder.knowledge.entries]
        lines.append(
            f"  {section:<24} {len(rows):>4} {_share(rows, lambda o: o.correct):>13.1f}%"
            f" {_share(entry_rows, _entry_hit):>11.1f}% {_share(rows, _section_suggested):>9.1f}%"
        )
    return lines


def _worst_misses(outcomes: list[Outcome], limit: int = 15) -> list[str]:
    misses = sorted((o for o in outcomes if not o.correct), key=lambda o: -o.reply.score)
    lines = [f"  Worst misses ({len(misses)} in all, most confident first):"]
    for outcome in misses[:limit]:
        got = outcome.predicted_entry or outcome.reply.kind.value
        lines.append(
            f"    [{outcome.reply.kind.value} {outcome.reply.score:5.1f}] {outcome.message[:70]!r}"
            f" expected {outcome.label}, got {got}"
        )
    return lines
