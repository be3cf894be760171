"""Privacy-preserving insight: how often each kind of reply and each entry is given, and how often an
answer was marked helpful or not, per day. Counts only: no message text, no user ids. A group's own
counts are kept beside the totals (by the group's chat id), so its admins can see them with /stats.

The counts live in a mapping the caller persists (PTB's bot_data), as plain dicts and ints so that any
persistence can store them and a newer bot can read an older store.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

INSIGHT_KEY = "insight"
KEEP_DAYS = 90  # older days are dropped as new ones are counted
SHOWN, HELPFUL, UNHELPFUL = "shown", "up", "down"

Today = Callable[[], datetime.date]


def utc_today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


@dataclass(frozen=True)
class EntryCounts:
    shown: int = 0
    helpful: int = 0
    unhelpful: int = 0


@dataclass(frozen=True)
class Summary:
    days: tuple[str, ...]  # the ISO dates counted, oldest first
    kinds: Mapping[str, int] = field(default_factory=dict)  # reply kind -> replies given
    entries: Mapping[str, EntryCounts] = field(default_factory=dict)  # entry id -> its counts

    @property
    def empty(self) -> bool:
        return not self.kinds and not self.entries


class Insight:
    """Counting into, and summing from, `bot_data[INSIGHT_KEY]`."""

    def __init__(self, bot_data: MutableMapping[Any, Any], today: Today = utc_today) -> None:
        self._store: dict[str, Any] = bot_data.setdefault(INSIGHT_KEY, {})
        self._today = today

    def count_reply(self, kind: str, entry: str | None, group: int | None = None) -> None:
        for day in self._days_to_count(group):
            kinds = day.setdefault("kinds", {})
            kinds[kind] = kinds.get(kind, 0) + 1
            if entry is not None:
                self._bump(day, entry, SHOWN)

    def count_feedback(self, entry: str, helpful: bool, group: int | None = None) -> None:
        for day in self._days_to_count(group):
            self._bump(day, entry, HELPFUL if helpful else UNHELPFUL)

    def summary(self, group: int | None = None) -> Summary:
        days: Mapping[str, Any] = self._scope(group, create=False).get("days", {})
        kinds: Counter[str] = Counter()
        entries: dict[str, Counter[str]] = {}
        for day in days.values():
            kinds.update(day.get("kinds", {}))
            for entry, counts in day.get("entries", {}).items():
                entries.setdefault(entry, Counter()).update(counts)
        return Summary(
            days=tuple(sorted(days)),
            kinds=dict(kinds.most_common()),
            entries={
                entry: EntryCounts(c[SHOWN], c[HELPFUL], c[UNHELPFUL])
                for entry, c in sorted(entries.items(), key=lambda item: -item[1][SHOWN])
            },
        )

    def forget_group(self, group: int) -> None:
        self._store.get("groups", {}).pop(str(group), None)

    def move_group(self, old: int, new: int) -> None:
        groups = self._store.get("groups", {})
        if str(old) in groups:
            groups[str(new)] = groups.pop(str(old))

    def _days_to_count(self, group: int | None) -> list[dict[str, Any]]:
        scopes = [self._store] if group is None else [self._store, self._scope(group, create=True)]
        return [self._day(scope) for scope in scopes]

    def _scope(self, group: int | None, *, create: bool) -> dict[str, Any]:
        if group is None:
            return self._store
        # Keys are strings, so that a JSON-based store keeps them as they were.
        groups: dict[str, dict[str, Any]] = self._store.setdefault("groups", {})
        key = str(group)
        return groups.setdefault(key, {}) if create else groups.get(key, {})

    def _day(self, scope: dict[str, Any]) -> dict[str, Any]:
        today = self._today()
        days: dict[str, Any] = scope.setdefault("days", {})
        oldest = (today - datetime.timedelta(days=KEEP_DAYS - 1)).isoformat()
        for stale in [day for day in days if day < oldest]:
            del days[stale]
        day: dict[str, Any] = days.setdefault(today.isoformat(), {})
        return day

    @staticmethod
    def _bump(day: dict[str, Any], entry: str, what: str) -> None:
        counts = day.setdefault("entries", {}).setdefault(entry, {})
        counts[what] = counts.get(what, 0) + 1


def report_lines(
    summary: Summary, titles: Mapping[str, str], labels: Mapping[str, str]
) -> list[str]:
    """The summary as short lines; `labels` holds the reviewed wording (kinds, entries, empty)."""
    if summary.empty:
        return [labels["empty"]]
    period = f"{summary.days[0]} to {summary.days[-1]}"
    lines = [labels["title"].format(period=period), labels["kinds"]]
    lines += [f"  {kind}: {count}" for kind, count in summary.kinds.items()]
    if summary.entries:
        lines.append(labels["entries"])
    lines += [
        f"  {titles.get(entry, entry)}: {c.shown} · 👍 {c.helpful} · 👎 {c.unhelpful}"
        for entry, c in summary.entries.items()
    ]
    return lines
