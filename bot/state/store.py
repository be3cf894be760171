"""The interface every state store offers, and the errors it raises.

Records are grouped by kind ("chat", "user", "bot", ...) and keyed by a string; a value is plain data
(see `bot.state.codec`). Each call is one transaction: when it returns, the change survives a crash.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

CHAT = "chat"
USER = "user"
BOT = "bot"
CALLBACK = "callback"
CONVERSATION = "conversation"  # one kind per handler: "conversation:<name>"


class StateFileError(Exception):
    """The state cannot be opened as it is; the message completes "the state file ...": it says what
    is wrong with the file in a few words, for the person running the bot."""


class StateWriteError(Exception):
    """A change could not be committed (disk full, file gone read-only); the stored state is unchanged."""


@dataclass(frozen=True)
class Change:
    kind: str
    key: str
    value: Any | None  # None deletes the record


class StateStore(Protocol):
    def load(self, kind: str) -> dict[str, Any]:
        """Every record of one kind."""
        ...

    def apply(self, changes: Iterable[Change]) -> None:
        """Commit all the changes at once, or none (then raise StateWriteError)."""
        ...

    def checkpoint(self) -> None:
        """Make the main file self-contained (e.g. before a backup); the data is durable already."""
        ...

    def close(self) -> None: ...
