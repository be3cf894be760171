"""PTB's persistence interface over a `StateStore`: chat_data, user_data and bot_data (and, should a
handler ever use them, conversations and callback data) as records committed one by one.

PTB hands every record over each time it calls update_persistence (every few seconds, and whenever
`PrefsStore` changes a setting, so that a setting is on disk before the bot says "Saved."). Only
records that differ from what the store holds are written; an empty chat_data or user_data is no
record at all, so a chat that only talked to the bot leaves nothing behind.

A failed commit (disk full) is logged, the store keeps its old state (`holds` tells a caller what it
holds), and PTB's background loop goes on (an exception there would end it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from copy import deepcopy
from pathlib import Path
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from bot.state.codec import decode, encode
from bot.state.sqlite import InitialRecords, SqliteStateStore
from bot.state.store import (
    BOT,
    CALLBACK,
    CHAT,
    CONVERSATION,
    USER,
    Change,
    StateFileError,
    StateStore,
    StateWriteError,
)
from bot.telegram.config import PERSISTENCE_ENV, ConfigError

logger = logging.getLogger(__name__)

Data = dict[Any, Any]
CALLBACK_KEY = "cache"


class StorePersistence(BasePersistence[Data, Data, Data]):
    def __init__(self, store: StateStore, update_interval: float) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=True, chat_data=True, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.store = store
        self._saved: dict[tuple[str, str], Any] = {}  # what the store holds

    def holds(self, kind: str, key: int | str, value: Any | None) -> bool:
        """Whether the store holds exactly `value` for this record (None: no record)."""
        return self._saved.get((kind, str(key))) == value

    # -- reading, once at start -------------------------------------------------------------------

    def _load(self, kind: str) -> dict[str, Any]:
        records = self.store.load(kind)
        # A copy: PTB's chat_data is changed in place, and must then differ from what is saved.
        self._saved.update({(kind, key): deepcopy(value) for key, value in records.items()})
        return records

    async def get_chat_data(self) -> dict[int, Data]:
        return {int(key): value for key, value in self._load(CHAT).items()}

    async def get_user_data(self) -> dict[int, Data]:
        return {int(key): value for key, value in self._load(USER).items()}

    async def get_bot_data(self) -> Data:
        return self._load(BOT)

    async def get_callback_data(self) -> CDCData | None:
        stored = self._load(CALLBACK).get(CALLBACK_KEY)
        if stored is None:
            return None
        entries, keys = stored
        return [(uuid, when, data) for uuid, when, data in entries], keys

    async def get_conversations(self, name: str) -> ConversationDict:
        records = self._load(f"{CONVERSATION}:{name}")
        return {tuple(decode(key)): state for key, state in records.items()}

    # -- writing, as PTB hands changes over --------------------------------------------------------

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        self._commit([Change(CHAT, str(chat_id), data or None)])

    async def update_user_data(self, user_id: int, data: Data) -> None:
        self._commit([Change(USER, str(user_id), data or None)])

    async def update_bot_data(self, data: Data) -> None:
        keys = {str(key) for key in data}
        gone = [Change(BOT, key, None) for kind, key in self._saved if kind == BOT]
        changes = [change for change in gone if change.key not in keys]
        changes += [Change(BOT, str(key), value) for key, value in data.items()]
        for change in changes:  # one by one: a value that cannot be stored holds up no other
            self._commit([change])

    async def update_callback_data(self, data: CDCData) -> None:
        self._commit([Change(CALLBACK, CALLBACK_KEY, data)])

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        self._commit([Change(f"{CONVERSATION}:{name}", encode(list(key)), new_state)])

    async def drop_chat_data(self, chat_id: int) -> None:
        self._commit([Change(CHAT, str(chat_id), None)])

    async def drop_user_data(self, user_id: int) -> None:
        self._commit([Change(USER, str(user_id), None)])

    def _commit(self, changes: Iterable[Change]) -> None:
        fresh = [c for c in changes if not self.holds(c.kind, c.key, c.value)]
        if not fresh:
            return
        try:
            self.store.apply(fresh)
        except (StateWriteError, ValueError) as error:
            names = ", ".join(f"{c.kind} {c.key}" for c in fresh)
            logger.error("state not saved for %s: %s", names, error)
            return
        for change in fresh:
            if change.value is None:
                self._saved.pop((change.kind, change.key), None)
            else:
                self._saved[(change.kind, change.key)] = change.value

    # -- the rest of PTB's interface ---------------------------------------------------------------

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        """Nothing to do: this process is the store's only writer (see README, "State")."""

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        """Nothing to do: this process is the store's only writer."""

    async def refresh_bot_data(self, bot_data: Data) -> None:
        """Nothing to do: this process is the store's only writer."""

    async def flush(self) -> None:
        """Every change is committed already; fold the write-ahead log into the file on stopping."""
        self.store.checkpoint()


def open_persistence(
    path: Path, update_interval: float, initial: InitialRecords | None = None
) -> StorePersistence:
    """The store at `path` (made with `initial()`'s records if new); a file the bot cannot use
    stops the start with one sentence."""
    try:
        store = SqliteStateStore.open(path, initial)
    except StateFileError as error:
        raise ConfigError(
            f"{PERSISTENCE_ENV} points to {path}, which {error}; the bot stops rather than "
            "start without its saved settings."
        ) from None
    return StorePersistence(store, update_interval)
