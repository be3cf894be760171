"""The heartbeat behind Docker's HEALTHCHECK: beaten while the bot runs, judged by its age."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from bot.telegram.health import HEARTBEAT_ENV, Heartbeat, check_health, heartbeat_path


async def test_the_heartbeat_is_touched_while_running_and_no_longer_once_stopped(
    tmp_path: Path,
) -> None:
    path = tmp_path / "alive"
    heartbeat = Heartbeat(path, every=0.05)
    heartbeat.start()
    await asyncio.sleep(0.01)
    assert check_health(path) is None
    await heartbeat.stop()
    touched = path.stat().st_mtime
    await asyncio.sleep(0.15)
    assert path.stat().st_mtime == touched


def test_a_stale_heartbeat_is_unhealthy(tmp_path: Path) -> None:
    path = tmp_path / "alive"
    path.touch()
    old = path.stat().st_mtime - 120
    os.utime(path, (old, old))
    problem = check_health(path)
    assert problem is not None
    assert problem.startswith("Unhealthy: the last heartbeat is 120 s old")


def test_no_heartbeat_file_is_unhealthy_and_names_the_setting(tmp_path: Path) -> None:
    problem = check_health(tmp_path / "never-written")
    assert problem is not None
    assert HEARTBEAT_ENV in problem


def test_the_heartbeat_path_comes_from_the_environment(tmp_path: Path) -> None:
    assert heartbeat_path({HEARTBEAT_ENV: str(tmp_path / "x")}) == tmp_path / "x"
    assert heartbeat_path({}).name == "second-course-bot.alive"


async def test_an_unwritable_heartbeat_is_not_fatal(tmp_path: Path) -> None:
    heartbeat = Heartbeat(tmp_path / "missing-directory" / "alive", every=0.01)
    heartbeat.start()
    await asyncio.sleep(0.05)
    await heartbeat.stop()  # the bot keeps running; the check reports the missing file
    assert check_health(heartbeat.path) is not None
