"""The insight counts: per day, per kind and per entry, a group's beside the totals, old days dropped."""

from __future__ import annotations

import datetime
import json
from typing import Any

from bot.insight import KEEP_DAYS, EntryCounts, Insight

DAY = datetime.date(2026, 3, 1)


def test_counts_sum_over_days_and_keep_groups_apart() -> None:
    bot_data: dict[str, Any] = {}
    today = [DAY]
    insight = Insight(bot_data, today=lambda: today[0])
    insight.count_reply("answer", "dry-lips")
    insight.count_reply("answer", "dry-lips", group=-100)
    today[0] = DAY + datetime.timedelta(days=1)
    insight.count_feedback("dry-lips", helpful=False, group=-100)
    insight.count_reply("fallback", None)
    total = insight.summary()
    assert total.days == ("2026-03-01", "2026-03-02")
    assert total.kinds == {"answer": 2, "fallback": 1}
    assert total.entries == {"dry-lips": EntryCounts(shown=2, helpful=0, unhelpful=1)}
    assert insight.summary(-100).entries == {"dry-lips": EntryCounts(1, 0, 1)}
    assert json.loads(json.dumps(bot_data)) == bot_data  # plain data any store can keep


def test_old_days_are_dropped_and_a_removed_group_forgotten() -> None:
    today = [DAY]
    insight = Insight({}, today=lambda: today[0])
    insight.count_reply("answer", "dry-lips", group=-100)
    today[0] = DAY + datetime.timedelta(days=KEEP_DAYS)
    insight.count_reply("smalltalk", None)
    assert insight.summary().days == (today[0].isoformat(),)
    insight.forget_group(-100)
    assert insight.summary(-100).empty
