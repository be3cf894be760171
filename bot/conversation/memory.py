"""What a chat said last, in memory only: the topic and the "did you mean" options, never its words.

The store is bounded (the least recently used chat goes first) and forgets a chat after a spell of
silence, so nothing lingers; nothing here is ever persisted.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Protocol

MEMORY_SECONDS = 30 * 60.0  # forgotten after this much silence
MAX_CHATS = 10_000  # at most this many chats remembered at once


@dataclass(frozen=True)
class Memory:
    entry: str | None = None  # the last topic answered
    options: tuple[str, ...] = field(default=())  # the last choices offered (entry ids), in order


class MemoryStore(Protocol):
    def get(self, chat: Hashable) -> Memory | None: ...
    def put(self, chat: Hashable, memory: Memory) -> None: ...
    def forget(self, chat: Hashable) -> bool: ...


class ExpiringMemory:
    def __init__(
        self,
        seconds: float = MEMORY_SECONDS,
        capacity: int = MAX_CHATS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seconds = seconds
        self._capacity = capacity
        self._clock = clock
        self._chats: OrderedDict[Hashable, tuple[float, Memory]] = OrderedDict()

    def get(self, chat: Hashable) -> Memory | None:
        stored = self._chats.get(chat)
        if stored is None:
            return None
        if self._clock() - stored[0] >= self._seconds:
            del self._chats[chat]
            return None
        return stored[1]

    def put(self, chat: Hashable, memory: Memory) -> None:
        self._chats[chat] = (self._clock(), memory)
        self._chats.move_to_end(chat)
        while len(self._chats) > self._capacity:
            self._chats.popitem(last=False)

    def forget(self, chat: Hashable) -> bool:
        return self._chats.pop(chat, None) is not None

    def __len__(self) -> int:
        return len(self._chats)
