"""What the bot remembers per chat: its settings (persisted), a group's recent replies and a private
chat's recent soft check-ins (both in memory only, as times, never as messages).

Settings live in PTB's bot_data, which PicklePersistence writes to disk, as plain dicts so that a newer
version of the bot can still read an older file. Only chats that changed a setting are stored: a chat
that merely talked to the bot leaves no trace (what /privacy promises).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, MutableMapping
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any

PREFS_KEY = "chat_prefs"
GROUP_REPLIES_PER_WINDOW = 4  # a group gets at most this many replies ...
GROUP_WINDOW_SECONDS = 60.0  # ... in any window this long (escalations aside)
CHECKIN_WINDOW_SECONDS = 3600.0  # soft check-ins this recent still count towards a crisis reply


@dataclass(frozen=True)
class ChatPrefs:
    region: str | None = None  # None: not chosen (groups then use the default region)
    safety_watch: bool = True  # groups: answer unaddressed crisis and emergency messages
    moderator_alerts: bool = False  # groups: tell admins privately of a message that may need them


class PrefsStore:
    def __init__(self, bot_data: MutableMapping[Any, Any]) -> None:
        self._by_chat: dict[int, dict[str, Any]] = bot_data.setdefault(PREFS_KEY, {})

    def get(self, chat_id: int) -> ChatPrefs:
        stored = self._by_chat.get(chat_id, {})
        return ChatPrefs(
            region=stored.get("region"),
            safety_watch=bool(stored.get("safety_watch", True)),
            moderator_alerts=bool(stored.get("moderator_alerts", False)),
        )

    def set(self, chat_id: int, prefs: ChatPrefs) -> None:
        if prefs == ChatPrefs():
            self._by_chat.pop(chat_id, None)
        else:
            self._by_chat[chat_id] = asdict(prefs)

    def forget(self, chat_id: int) -> bool:
        """Delete a chat's settings; False when there were none."""
        return self._by_chat.pop(chat_id, None) is not None

    def move(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup (and got a new id): its settings follow it."""
        if old_chat_id in self._by_chat:
            self._by_chat[new_chat_id] = self._by_chat.pop(old_chat_id)


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
