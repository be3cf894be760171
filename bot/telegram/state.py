"""What the bot remembers per chat: its settings (persisted), a group's recent replies and a private
chat's recent soft check-ins (both in memory only, as times, never as messages).

Settings live in the chat's chat_data, which `StorePersistence` commits to the state store, as plain
dicts so that a newer version of the bot can still read an older store. Only chats that changed a
setting are stored: a chat that merely talked to the bot leaves no trace (what /privacy promises).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from copy import deepcopy
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.state.legacy_pickle import read_legacy_pickle
from bot.state.store import CHAT, Change, StateFileError, StateWriteError
from bot.telegram.persistence import StorePersistence

logger = logging.getLogger(__name__)

PREFS_KEY = "chat_prefs"  # in a chat's chat_data; older versions kept {chat id: prefs} in bot_data
GROUP_REPLIES_PER_WINDOW = 4  # a group gets at most this many replies ...
GROUP_WINDOW_SECONDS = 60.0  # ... in any window this long (escalations aside)
CHECKIN_WINDOW_SECONDS = 3600.0  # soft check-ins this recent still count towards a crisis reply


@dataclass(frozen=True)
class ChatPrefs:
    region: str | None = None  # None: not chosen (groups then use the default region)
    safety_watch: bool = True  # groups: answer unaddressed crisis and emergency messages
    moderator_alerts: bool = False  # groups: tell admins privately of a message that may need them

    @classmethod
    def of(cls, stored: Any) -> ChatPrefs:
        """Settings as stored (by this version or an older one); anything unreadable is a default."""
        if not isinstance(stored, dict):
            return cls()
        region = stored.get("region")
        return cls(
            region=region if isinstance(region, str) else None,
            safety_watch=bool(stored.get("safety_watch", True)),
            moderator_alerts=bool(stored.get("moderator_alerts", False)),
        )


class PrefsStore:
    """Chats' settings. Each change is committed to the state store before the method returns, and
    raises StateWriteError (leaving the old settings, in memory and on disk) when it cannot be."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self._application = application

    def get(self, chat_id: int) -> ChatPrefs:
        return ChatPrefs.of(self._application.chat_data.get(chat_id, {}).get(PREFS_KEY))

    async def set(self, chat_id: int, prefs: ChatPrefs) -> None:
        await self._replace(chat_id, {} if prefs == ChatPrefs() else {PREFS_KEY: asdict(prefs)})

    async def forget(self, chat_id: int) -> bool:
        """Delete everything kept about a chat; False when there was nothing."""
        had_data = bool(self._application.chat_data.get(chat_id))
        await self._replace(chat_id, {})
        return had_data

    async def move(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup (and got a new id): its settings follow it."""
        data = dict(self._application.chat_data.get(old_chat_id, {}))
        if data:
            await self._replace(new_chat_id, data)
            await self._replace(old_chat_id, {})

    async def _replace(self, chat_id: int, data: dict[str, Any]) -> None:
        chat_data = self._application.chat_data[chat_id]
        previous = dict(chat_data)
        chat_data.clear()
        chat_data.update(data)
        persistence = self._application.persistence
        assert isinstance(persistence, StorePersistence)  # build_application sets it
        # Twice at most: a deletion PTB still had pending for this chat (release_empty_data's)
        # wins over the change in the first run.
        for _ in range(2):
            self._application.mark_data_for_update_persistence(chat_ids=chat_id)
            await self._application.update_persistence()
            if persistence.holds(CHAT, chat_id, deepcopy(data) or None):
                return
        chat_data.clear()
        chat_data.update(previous)
        raise StateWriteError(f"chat {chat_id}'s settings were not saved")


async def release_empty_data(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Drop the empty chat_data and user_data PTB makes for every chat and user it sees, so that
    memory stays flat however many people talk to the bot (a handler of its own, after the rest)."""
    if not isinstance(update, Update):
        return
    application = context.application
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and application.chat_data.get(chat.id) == {}:
        application.drop_chat_data(chat.id)
    if user is not None and application.user_data.get(user.id) == {}:
        application.drop_user_data(user.id)


def legacy_records(state_path: Path) -> list[Change]:
    """Settings from the pickle file older versions kept beside the store (same name, .pickle), to
    import once when the store is created; none when there is no such file."""
    legacy = state_path.with_suffix(".pickle")
    if legacy == state_path or not legacy.exists():
        return []
    data = read_legacy_pickle(legacy)
    bot_data = data.get("bot_data") or {} if isinstance(data, dict) else None
    by_chat = bot_data.get(PREFS_KEY, {}) if isinstance(bot_data, dict) else None
    if not isinstance(by_chat, dict):
        raise StateFileError(f"has an old pickle beside it ({legacy.name}) of another shape")
    records = []
    for chat_id, stored in by_chat.items():
        prefs = ChatPrefs.of(stored)
        if isinstance(chat_id, int) and prefs != ChatPrefs():
            records.append(Change(CHAT, str(chat_id), {PREFS_KEY: asdict(prefs)}))
    logger.info("imported %d chats' settings from %s (it can be deleted)", len(records), legacy)
    return records


class Verdict(Enum):
    REPLY = "reply"
    NOTIFY = "notify"  # over the limit: say once that the bot is pausing
    SILENT = "silent"  # over the limit and already said so


class Cooldown:
    """At most `replies` replies per group in any `window` seconds, so one member can't flood it.

    Escalations never ask: they are always sent (see the handlers).
    """

    def __init__(
        self,
        replies: int = GROUP_REPLIES_PER_WINDOW,
        window: float = GROUP_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._replies = replies
        self._window = window
        self._clock = clock
        self._sent: dict[int, deque[float]] = {}
        self._notified: dict[int, float] = {}

    def check(self, chat_id: int) -> Verdict:
        now = self._clock()
        sent = self._sent.setdefault(chat_id, deque())
        while sent and now - sent[0] >= self._window:
            sent.popleft()
        if len(sent) < self._replies:
            sent.append(now)
            return Verdict.REPLY
        if now - self._notified.get(chat_id, -self._window) >= self._window:
            self._notified[chat_id] = now
            return Verdict.NOTIFY
        return Verdict.SILENT


class CheckinMemory:
    """When each private chat last had soft check-ins, so that risk can build over several messages:
    a second check-in-level message within the window gets the full crisis reply.

    Only times are kept, in memory, and old ones are dropped: nothing is persisted or logged.
    """

    def __init__(
        self, window: float = CHECKIN_WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._window = window
        self._clock = clock
        self._times: dict[int, list[float]] = {}

    def recent(self, chat_id: int) -> int:
        times = [t for t in self._times.get(chat_id, []) if self._clock() - t < self._window]
        if times:
            self._times[chat_id] = times
        else:
            self._times.pop(chat_id, None)
        return len(times)

    def note(self, chat_id: int) -> None:
        self._times.setdefault(chat_id, []).append(self._clock())
        for other in list(self._times):  # forget chats whose check-ins have all aged out
            self.recent(other)
