"""The state store on disk: it survives kill -9 and a full disk, refuses files it cannot use (with one
sentence naming BOT_PERSISTENCE_PATH, leaving them as they were), creates its file 0600, and imports
an old pickle once, only the bot user's own and never running code from it."""

from __future__ import annotations

import json
import os
import pickle
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.ext import PersistenceInput, PicklePersistence

from bot.reply import Responder
from bot.state.codec import decode, encode
from bot.state.sqlite import APPLICATION_ID, SCHEMA_VERSION, SqliteStateStore
from bot.state.store import CHAT, Change, StateFileError, StateStore, StateWriteError
from bot.telegram.app import build_application
from bot.telegram.config import ConfigError, Settings
from bot.telegram.persistence import open_persistence
from bot.telegram.state import PREFS_KEY, ChatPrefs, PrefsStore
from bot.testing.fake_bot_api import FakeBotApi
from tests.conftest import start_bot

TOKEN = "123456:TEST-token"
ROOT = Path(__file__).resolve().parent.parent


def settings_at(path: Path) -> Settings:
    return Settings(token=TOKEN, persistence_path=path)


def prefs_record(region: str) -> dict[str, Any]:
    return {PREFS_KEY: {"region": region, "safety_watch": False}}


# -- kill -9 ----------------------------------------------------------------------------------------


def write_until_killed(path: Path, start: int, acks: int) -> None:
    """In a forked child: open (or create) the store, then commit setting number n for chat n % 5
    and a counter record, reporting n on `acks` once it is committed."""
    store = SqliteStateStore.open(path)
    n = start
    while True:
        n += 1
        store.apply(
            [
                Change(CHAT, str(n % 5), prefs_record(f"r{n}")),
                Change("bot", "last", n),
            ]
        )
        os.write(acks, f"{n}\n".encode())


def kill_writer_after(path: Path, start: int, acks: int, rng: random.Random) -> int:
    """Fork a writer, let it commit `acks` settings (or none: killed while it opens or creates the
    store), kill -9 it at a random moment of its next commits; the last number it reported."""
    reading, writing = os.pipe()
    writer = os.fork()
    if writer == 0:  # the child writes until it is killed, and never returns into pytest
        try:
            os.close(reading)
            write_until_killed(path, start, writing)
        finally:
            os._exit(1)
    os.close(writing)
    report = os.fdopen(reading)
    last = start
    if acks == 0:
        time.sleep(rng.uniform(0.0, 0.005))  # while it opens or creates the store
    else:
        for _ in range(acks):
            last = int(report.readline())
        time.sleep(rng.uniform(0.0, 0.003))  # within the next commits
    os.kill(writer, signal.SIGKILL)
    os.waitpid(writer, 0)
    for line in report:  # reported just before the kill
        last = int(line)
    report.close()
    return last


def test_kill_9_never_loses_a_committed_setting_nor_leaves_a_store_that_fails_to_open(
    tmp_path: Path,
) -> None:
    rng = random.Random(12)
    path = tmp_path / "bot-state.sqlite3"
    committed = 0
    for kill in range(52):
        acks = 0 if kill % 6 == 0 else rng.randint(1, 8)
        reported = kill_writer_after(path, committed, acks, rng)
        if not path.exists():  # killed before the store was linked into place: nothing promised
            assert reported == committed == 0
            continue
        store = SqliteStateStore.open(path)  # opens (and recovers) every time
        last = store.load("bot").get("last", 0)
        chats = store.load(CHAT)
        store.close()
        assert reported <= last <= reported + 1  # at most the commit in flight at the kill
        for n in range(max(1, last - 4), last + 1):
            assert chats[str(n % 5)] == prefs_record(f"r{n}")
        committed = last
    assert committed > 150  # the kills landed among many commits


# -- a full disk ------------------------------------------------------------------------------------


def test_a_full_disk_keeps_the_old_state(tmp_path: Path) -> None:
    """Simulated with SQLite's max_page_count: the file may not grow, so the commit fails with the
    same SQLITE_FULL error ("database or disk is full") a full disk gives. A real ENOSPC while
    writing the WAL takes the same rollback path; this test does not fill a real file system."""
    path = tmp_path / "bot-state.sqlite3"
    store = SqliteStateStore.open(path)
    store.apply([Change(CHAT, "-100", prefs_record("gb"))])
    (pages,) = store._connection.execute("PRAGMA page_count").fetchone()
    store._connection.execute(f"PRAGMA max_page_count = {pages}")
    big = {PREFS_KEY: {"region": "x" * 200_000, "safety_watch": True}}
    with pytest.raises(StateWriteError, match="full"):
        store.apply([Change(CHAT, "-100", None), Change(CHAT, "7", big)])
    assert store.load(CHAT) == {"-100": prefs_record("gb")}
    store.close()
    assert SqliteStateStore.open(path).load(CHAT) == {"-100": prefs_record("gb")}


# -- files the bot cannot use ------------------------------------------------------------------------


def foreign_database(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    connection.close()


def newer_store(path: Path) -> None:
    SqliteStateStore.open(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()


def damaged_store(path: Path) -> None:
    SqliteStateStore.open(path).close()
    data = bytearray(path.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)  # the header stays, every page is garbage
    path.write_bytes(bytes(data))


def owned_by_someone_else(path: Path) -> None:
    SqliteStateStore.open(path).close()
    os.chown(path, os.geteuid() + 1, -1)


UNUSABLE: dict[str, tuple[Callable[[Path], object], str]] = {
    "a directory": (lambda p: p.mkdir(), "is a directory"),
    "an empty file": (lambda p: p.write_bytes(b""), "not an SQLite database"),
    "a text file": (lambda p: p.write_text("region=gb\n"), "not an SQLite database"),
    "an old pickle at the path": (
        lambda p: p.write_bytes(pickle.dumps({"bot_data": {}})),
        "pickle file from an older version",
    ),
    "another program's database": (foreign_database, "another program's database"),
    "a newer schema": (newer_store, "newer version of the bot"),
    "a damaged store": (damaged_store, "cannot be opened as a state store"),
    "a file owned by another user": (owned_by_someone_else, "not by the bot's user"),
    "a path that is not a file": (lambda p: os.mkfifo(p), "not a regular file"),
}


def snapshot(path: Path) -> object:
    return sorted(os.listdir(path)) if path.is_dir() else (path.lstat().st_mode, path.read_bytes())


@pytest.mark.parametrize("case", UNUSABLE)
def test_a_state_file_the_bot_cannot_use_stops_it_with_one_sentence_and_stays_as_it_was(
    case: str, tmp_path: Path, responder: Responder
) -> None:
    make, reason = UNUSABLE[case]
    path = tmp_path / "bot-state.sqlite3"
    make(path)
    before = None if case == "a path that is not a file" else snapshot(path)
    with pytest.raises(ConfigError) as raised:
        build_application(settings_at(path), responder)
    sentence = str(raised.value)
    assert sentence.startswith(f"BOT_PERSISTENCE_PATH points to {path}, which ")
    assert reason in sentence
    assert sentence.endswith(".")
    assert "\n" not in sentence
    if before is not None:
        assert snapshot(path) == before  # never overwritten, never started afresh
    assert sorted(os.listdir(tmp_path)) == [path.name]


NOBODY = 65534


def permission_cases(directory: Path) -> dict[str, str]:
    """Files the bot's user may not read or write, and what opening each says."""
    said: dict[str, str] = {}

    def attempt(case: str, path: Path) -> None:
        try:
            SqliteStateStore.open(path).close()
            said[case] = "opened"
        except StateFileError as error:
            said[case] = str(error)

    for case, mode in (("mode 000", 0o000), ("mode 400", 0o400)):
        path = directory / f"{case}.sqlite3"
        SqliteStateStore.open(path).close()
        path.chmod(mode)
        attempt(case, path)
    read_only = directory / "read-only"
    read_only.mkdir()
    SqliteStateStore.open(read_only / "bot-state.sqlite3").close()
    read_only.chmod(0o555)
    attempt("a store in a read-only directory", read_only / "bot-state.sqlite3")
    attempt("a new store in a read-only directory", read_only / "new.sqlite3")
    return said


def as_unprivileged_user(work: Callable[[Path], dict[str, str]]) -> dict[str, str]:
    """Run `work` in a fresh directory as a user file permissions apply to: this one, or, when the
    tests run as root (whom they do not stop), a forked child that became nobody."""
    directory = Path(tempfile.mkdtemp())
    try:
        if os.geteuid() != 0:
            return work(directory)
        directory.chmod(0o777)
        reading, writing = os.pipe()
        child = os.fork()
        if child == 0:  # the child reports through the pipe, then exits at once
            try:
                os.setgid(NOBODY)
                os.setuid(NOBODY)
                os.write(writing, json.dumps(work(directory)).encode())
            finally:
                os._exit(0)
        os.close(writing)
        with os.fdopen(reading, "rb") as report:
            said: dict[str, str] = json.loads(report.read() or b"{}")
        os.waitpid(child, 0)
        return said
    finally:
        for folder in (directory, *directory.rglob("*")):
            if folder.is_dir():  # a read-only directory could not be emptied
                folder.chmod(0o700)
        shutil.rmtree(directory)


def test_a_state_file_the_bots_user_cannot_read_or_write_is_refused_at_start() -> None:
    said = as_unprivileged_user(permission_cases)
    assert said == {
        "mode 000": "cannot be read (Permission denied)",
        "mode 400": "cannot be opened as a state store (attempt to write a readonly database)",
        "a store in a read-only directory": (
            "cannot be opened as a state store (attempt to write a readonly database)"
        ),
        "a new store in a read-only directory": "cannot be created (Permission denied)",
    }


def test_python_m_bot_run_exits_with_that_sentence_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bot-state.sqlite3"
    path.mkdir()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_PERSISTENCE_PATH": str(path)}
    env.pop("WEBHOOK_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"Configuration error: BOT_PERSISTENCE_PATH points to {path}, which is a directory; "
        "the bot stops rather than start without its saved settings."
    ]


# -- a new store -----------------------------------------------------------------------------------


def test_a_new_store_and_its_journal_files_are_private_to_the_bot_user(tmp_path: Path) -> None:
    path = tmp_path / "bot-state.sqlite3"
    old_umask = os.umask(0o000)  # the file must not depend on a careful umask
    try:
        store = SqliteStateStore.open(path)
        store.apply([Change(CHAT, "1", prefs_record("gb"))])
    finally:
        os.umask(old_umask)
    files = sorted(tmp_path.iterdir())
    assert path in files
    for file in files:
        assert file.stat().st_mode & 0o777 == 0o600, file.name
    connection = store._connection
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert connection.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert connection.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
    assert connection.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


def test_plain_data_keeps_integer_keys_and_refuses_objects() -> None:
    value = {"counts": {-100: 3, 7: {"x": [1, 2.5, None, True]}}, "$pairs": "a real key"}
    assert decode(encode(value)) == value
    with pytest.raises(ValueError, match="not plain data"):
        encode({"when": {1, 2}})


# -- the old pickle file ---------------------------------------------------------------------------


async def write_old_state(path: Path, by_chat: dict[int, dict[str, Any]]) -> None:
    """What the previous version left: PTB's PicklePersistence with the settings in bot_data."""
    old = PicklePersistence(
        filepath=path,
        store_data=PersistenceInput(
            bot_data=True, chat_data=False, user_data=False, callback_data=False
        ),
    )
    old.set_bot(Bot(TOKEN))
    await old.update_bot_data({"chat_prefs": by_chat})
    await old.flush()


async def test_the_old_pickle_is_imported_once_and_left_in_place(
    fake_api: FakeBotApi, telegram_settings: Settings, responder: Responder
) -> None:
    path = telegram_settings.persistence_path
    legacy = path.with_suffix(".pickle")
    await write_old_state(legacy, {-100_1: {"region": "gb", "safety_watch": False}, 5: {}})
    before = legacy.read_bytes()
    async with start_bot(fake_api, telegram_settings, responder) as bot:
        assert PrefsStore(bot.application).get(-100_1) == ChatPrefs("gb", safety_watch=False)
        assert PrefsStore(bot.application).get(5) == ChatPrefs()
        await PrefsStore(bot.application).set(-100_1, ChatPrefs("gb"))
    assert legacy.read_bytes() == before  # left for the operator to delete
    async with start_bot(fake_api, telegram_settings, responder) as bot:  # not imported again
        assert PrefsStore(bot.application).get(-100_1) == ChatPrefs("gb")
    records = SqliteStateStore.open(path).load(CHAT)
    prefs = {"region": "gb", "safety_watch": True, "moderator_alerts": False}
    assert records == {"-1001": {PREFS_KEY: prefs}}


class RunsCode:
    """What a planted pickle does: calls a function while it is read."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def test_a_pickle_that_would_run_code_is_refused_without_running_it(
    tmp_path: Path, responder: Responder
) -> None:
    marker = tmp_path / "ran"
    legacy = tmp_path / "bot-state.pickle"
    legacy.write_bytes(pickle.dumps({"bot_data": {"chat_prefs": {1: RunsCode(marker)}}}))
    with pytest.raises(
        ConfigError, match=r"more than plain data \(pathlib\.Path\.touch .*imported;"
    ):
        build_application(settings_at(tmp_path / "bot-state.sqlite3"), responder)
    assert not marker.exists()
    assert not (tmp_path / "bot-state.sqlite3").exists()  # the next start tries again


def test_a_pickle_owned_by_another_user_is_not_even_read(
    tmp_path: Path, responder: Responder
) -> None:
    legacy = tmp_path / "bot-state.pickle"
    legacy.write_bytes(pickle.dumps({"bot_data": {"chat_prefs": {1: {"region": "gb"}}}}))
    os.chown(legacy, os.geteuid() + 1, -1)
    with pytest.raises(ConfigError, match="not a file owned by the bot's user"):
        build_application(settings_at(tmp_path / "bot-state.sqlite3"), responder)


# -- PTB's side of the store -----------------------------------------------------------------------


async def test_ptb_data_round_trips_and_only_changes_are_written(tmp_path: Path) -> None:
    path = tmp_path / "bot-state.sqlite3"
    persistence = open_persistence(path, update_interval=10)
    await persistence.update_bot_data({"counts": {-100: 2}, "since": "2026-01"})
    await persistence.update_chat_data(-100, prefs_record("gb"))
    await persistence.update_user_data(7, {})  # nothing kept about a user who only talked
    await persistence.update_conversation("setup", (-100, 7), 2)
    await persistence.update_callback_data(([("id", 1.5, {"k": "v"})], {"k": "id"}))
    store = persistence.store
    assert isinstance(store, SqliteStateStore)
    writes: list[str] = []
    store._connection.set_trace_callback(writes.append)
    await persistence.update_bot_data({"counts": {-100: 2}, "since": "2026-01"})
    await persistence.update_chat_data(-100, prefs_record("gb"))
    assert writes == []  # unchanged: nothing written
    await persistence.update_bot_data({"counts": {-100: 3}})
    assert sum("INSERT" in w for w in writes) == 1
    assert sum("DELETE" in w for w in writes) == 1  # "since" is gone

    again = open_persistence(path, update_interval=10)
    assert await again.get_bot_data() == {"counts": {-100: 3}}
    assert await again.get_chat_data() == {-100: prefs_record("gb")}
    assert await again.get_user_data() == {}
    assert await again.get_conversations("setup") == {(-100, 7): 2}
    assert await again.get_callback_data() == ([("id", 1.5, {"k": "v"})], {"k": "id"})
    await again.drop_chat_data(-100)
    assert await open_persistence(path, update_interval=10).get_chat_data() == {}


async def test_a_bot_data_value_that_cannot_be_stored_holds_up_no_other(tmp_path: Path) -> None:
    path = tmp_path / "bot-state.sqlite3"
    persistence = open_persistence(path, update_interval=10)
    await persistence.update_bot_data({"seen": {1, 2}, "counts": {"answer": 3}})
    assert persistence.holds("bot", "seen", None)
    assert await open_persistence(path, update_interval=10).get_bot_data() == {
        "counts": {"answer": 3}
    }


class FailingStore:
    """Every commit fails, as on a full disk."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    def load(self, kind: str) -> dict[str, Any]:
        return self.store.load(kind)

    def apply(self, changes: Iterable[Change]) -> None:
        raise StateWriteError("database or disk is full")

    def checkpoint(self) -> None:
        self.store.checkpoint()

    def close(self) -> None:
        self.store.close()
