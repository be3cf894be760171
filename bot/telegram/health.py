"""Liveness for a supervisor: the running bot touches a heartbeat file while its event loop runs,
and `python -m bot health` (Docker's HEALTHCHECK) says whether that file is fresh.

A bot whose loop is wedged, or that hangs while stopping, stops beating, so the check fails even
though the process is still there. The file holds no user data: only its modification time counts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

logger = logging.getLogger(__name__)

HEARTBEAT_ENV = "BOT_HEARTBEAT_PATH"
BEAT_SECONDS = 10.0
# Three missed beats: a busy loop may be late once, a dead one is late for good.
STALE_SECONDS = 3 * BEAT_SECONDS


def heartbeat_path(env: Mapping[str, str]) -> Path:
    """Where the bot beats and the check looks; one per bot when several run on one machine."""
    configured = env.get(HEARTBEAT_ENV, "").strip()
    return (
        Path(configured) if configured else Path(tempfile.gettempdir()) / "second-course-bot.alive"
    )


async def beat(path: Path, every: float = BEAT_SECONDS) -> None:
    """Touch `path` every `every` seconds until cancelled. A failing write is logged once, not fatal:
    the bot keeps answering, and the health check reports the stale file."""
    warned = False
    while True:
        error = _touch(path)  # a metadata write of microseconds: not worth a thread
        if error is not None and not warned:
            logger.warning("heartbeat file %s cannot be written (%s)", path, error.strerror)
        warned = error is not None
        await asyncio.sleep(every)


def _touch(path: Path) -> OSError | None:
    try:
        path.touch()
    except OSError as error:
        return error
    return None


class Heartbeat:
    """The beating task, started once the bot runs and cancelled when it stops."""

    def __init__(self, path: Path, every: float = BEAT_SECONDS) -> None:
        self.path = path
        self.every = every
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(beat(self.path, self.every))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


def check_health(
    path: Path, now: float | None = None, stale_after: float = STALE_SECONDS
) -> str | None:
    """None when the heartbeat is fresh, otherwise the one sentence that says what is wrong."""
    try:
        age = (time.time() if now is None else now) - os.stat(path).st_mtime
    except FileNotFoundError:
        return f"Unhealthy: no heartbeat at {path} (the bot is not running, or {HEARTBEAT_ENV} differs)."
    except OSError as error:
        return f"Unhealthy: the heartbeat at {path} cannot be read ({error.strerror})."
    if age > stale_after:
        return f"Unhealthy: the last heartbeat is {age:.0f} s old (more than {stale_after:.0f} s)."
    return None
