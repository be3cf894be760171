"""`python -m bot stats`: the insight counts, read from the bot's configured state store through the
persistence interface the running bot writes with (so it works whatever store that is)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.insight import Insight, Summary, report_lines
from bot.knowledge import Knowledge
from bot.telegram.app import PERSISTENCE_INTERVAL_SECONDS
from bot.telegram.persistence import open_persistence


async def read_summary(state: Path, group: int | None = None) -> Summary:
    """The counts in the state store at `state` (which must exist: opening makes a new one)."""
    persistence = open_persistence(state, PERSISTENCE_INTERVAL_SECONDS)
    try:
        bot_data = await persistence.get_bot_data()
    finally:
        persistence.store.close()
    return Insight(dict(bot_data)).summary(group)


def stored_stats(state: Path, knowledge: Knowledge, group: int | None = None) -> str:
    """The report for `python -m bot stats`; no store yet means no counts yet (and none is made)."""
    summary = asyncio.run(read_summary(state, group)) if state.exists() else Insight({}).summary()
    return stats_report(summary, knowledge)


def stats_report(summary: Summary, knowledge: Knowledge) -> str:
    titles = {entry.id: entry.title for entry in knowledge.entries.values()}
    labels = {
        key: knowledge.texts(f"console.stats_{key}")
        for key in ("empty", "title", "kinds", "entries")
    }
    return "\n".join(report_lines(summary, titles, labels))
