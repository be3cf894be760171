"""The state store in one SQLite file, through the standard library.

Durability: WAL journal with synchronous=FULL, so each commit is appended to the write-ahead log and
fsynced before `apply` returns; a process killed at any instant (kill -9, OOM) leaves the last
committed state, which SQLite recovers on the next open. A new file is built beside the final path
and linked into place only when complete, so a kill during creation never leaves a half-made store.

At open, a file this bot cannot use (a directory, another program's database, a newer schema,
damaged, owned by another user, unreadable) raises StateFileError: the bot stops rather than start
afresh and overwrite what is there.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.state.codec import decode, encode
from bot.state.store import Change, StateFileError, StateWriteError

APPLICATION_ID = 0x53434254  # "SCBT": marks the file as this bot's (PRAGMA application_id)
SCHEMA_VERSION = 1  # PRAGMA user_version; raise it with a migration when the tables change
SQLITE_HEADER = b"SQLite format 3\x00"
PICKLE_PROTOCOL_OPCODE = 0x80  # the first byte of a pickle written with protocol 2 or later
FILE_MODE = 0o600
SCHEMA = """
CREATE TABLE records (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,  -- JSON, see bot/state/codec.py
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
"""

InitialRecords = Callable[[], list[Change]]


class SqliteStateStore:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    @classmethod
    def open(cls, path: Path, initial: InitialRecords | None = None) -> SqliteStateStore:
        """Open the store at `path`, creating it (with `initial()`'s records) if nothing is there."""
        try:
            info = path.lstat()
        except FileNotFoundError:
            _create(path, initial() if initial else [])
            info = path.lstat()
        except OSError as error:
            raise StateFileError(f"cannot be looked at ({error.strerror})") from None
        _check_file(path, info)
        try:
            connection = _connect(path)
        except sqlite3.Error as error:
            raise StateFileError(f"cannot be opened as a state store ({error})") from None
        return cls(connection)

    def load(self, kind: str) -> dict[str, Any]:
        rows = self._connection.execute("SELECT key, value FROM records WHERE kind = ?", (kind,))
        return {key: decode(value) for key, value in rows}

    def apply(self, changes: Iterable[Change]) -> None:
        rows = [(c.kind, c.key, None if c.value is None else encode(c.value)) for c in changes]
        try:
            self._connection.execute("BEGIN IMMEDIATE")
            for kind, key, value in rows:
                if value is None:
                    self._connection.execute(
                        "DELETE FROM records WHERE kind = ? AND key = ?", (kind, key)
                    )
                else:
                    self._connection.execute(
                        "INSERT OR REPLACE INTO records (kind, key, value) VALUES (?, ?, ?)",
                        (kind, key, value),
                    )
            self._connection.execute("COMMIT")
        except sqlite3.Error as error:
            if self._connection.in_transaction:
                self._connection.execute("ROLLBACK")
            raise StateWriteError(str(error)) from None

    def checkpoint(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # busy or read-only: the WAL stays, still valid
            self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self._connection.close()


def _check_file(path: Path, info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise StateFileError("is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise StateFileError("is not a regular file")
    if info.st_uid != os.geteuid():
        raise StateFileError(
            f"is owned by uid {info.st_uid}, not by the bot's user (uid {os.geteuid()})"
        )
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as error:
        raise StateFileError(f"cannot be read ({error.strerror})") from None
    if header[:1] == bytes([PICKLE_PROTOCOL_OPCODE]):
        raise StateFileError(
            "is a pickle file from an older version (point it to a new file such as "
            f"{path.with_suffix('.sqlite3').name}: the pickle beside it is imported once)"
        )
    if header != SQLITE_HEADER:
        raise StateFileError("is not a state store of this bot (not an SQLite database)")


def _connect(path: Path) -> sqlite3.Connection:
    """Connect read-write (never create), check the file is this bot's, and try a write once so that
    a file the bot could read but not write fails now rather than at the first /forget."""
    uri = f"file:{quote(str(path.absolute()))}?mode=rw"
    connection = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        (application_id,) = connection.execute("PRAGMA application_id").fetchone()
        (version,) = connection.execute("PRAGMA user_version").fetchone()
        if application_id != APPLICATION_ID:
            raise StateFileError("is not a state store of this bot (another program's database)")
        if version > SCHEMA_VERSION:
            raise StateFileError(
                f"was written by a newer version of the bot (schema {version}, "
                f"this one reads {SCHEMA_VERSION})"
            )
        (check,) = connection.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise StateFileError(f"is damaged ({check})")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("BEGIN IMMEDIATE")
        try:  # a write, undone: SQLite opens a write-protected file read-only without a word
            connection.execute("INSERT OR REPLACE INTO records VALUES ('', '', 'null')")
        finally:
            connection.execute("ROLLBACK")
    except BaseException:
        connection.close()
        raise
    return connection


def _create(path: Path, records: list[Change]) -> None:
    """Build the store in a private file beside `path`, then link it into place complete."""
    draft = path.with_name(f".{path.name}.new")
    for leftover in (draft, *(Path(f"{draft}{suffix}") for suffix in ("-journal", "-wal"))):
        leftover.unlink(missing_ok=True)  # from a creation that was killed: never linked, unused
    try:
        os.close(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE))
        connection = sqlite3.connect(draft, isolation_level=None)
        try:
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.executescript(SCHEMA)
            SqliteStateStore(connection).apply(records)
        finally:
            connection.close()
        _fsync(draft)
        os.link(draft, path)  # fails, leaving whatever is there, if the path appeared meanwhile
        _fsync(path.parent)
    except (OSError, sqlite3.Error, StateWriteError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise StateFileError(f"cannot be created ({reason})") from None
    finally:
        draft.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
