"""Shared fixtures: the shipped content, loaded once per test session (loading is the slow part)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.knowledge import default_directory
from bot.reply import Responder, load_responder
from bot.safety import SafetyContent

if TYPE_CHECKING:
    from bot.conversation import MemoryStore
    from bot.telegram.config import Settings
    from bot.testing.fake_bot_api import FakeBotApi
    from bot.testing.harness import PollingBot
    from bot.testing.updates import Updates

SHIPPED_KNOWLEDGE = default_directory()


@pytest.fixture(scope="session")
def responder() -> Responder:
    return load_responder(SHIPPED_KNOWLEDGE)


@pytest.fixture(scope="session")
def safety(responder: Responder) -> SafetyContent:
    return responder.knowledge.safety


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A private, editable copy of the shipped content, for tests that break it on purpose."""
    target = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, target)
    return target


# -- The Telegram bot, end to end (tests/test_telegram_*.py) ---------------------------------------
# A real PTB Application from build_application, polling a fake Bot API server over real HTTP.
# Imports are local so the other tests don't pay for importing python-telegram-bot.

# Seconds: the fake answers in milliseconds, and a "hang" fault must time out fast.
TELEGRAM_TIMEOUT = 1.0


@pytest.fixture
def updates() -> Updates:
    """Builds the updates a test pushes, numbering their messages."""
    from bot.testing.updates import Updates

    return Updates()


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    from bot.testing.fake_bot_api import FakeBotApi

    async with FakeBotApi() as api:
        yield api


@pytest.fixture
def telegram_settings(fake_api: FakeBotApi, tmp_path: Path) -> Settings:
    from bot.telegram.config import Settings

    return Settings(
        token=fake_api.token,
        api_base_url=fake_api.base_url,
        persistence_path=tmp_path / "bot-state.sqlite3",
    )


def start_bot(
    api: FakeBotApi, settings: Settings, responder: Responder, memory: MemoryStore | None = None
) -> PollingBot:
    """An un-started bot (use `async with`); tests that restart it call this twice. `memory`: the
    conversation memory to use (one with a test's own clock)."""
    from telegram.request import HTTPXRequest

    from bot.telegram.app import build_application
    from bot.testing.harness import PollingBot

    def request() -> HTTPXRequest:
        return HTTPXRequest(
            read_timeout=TELEGRAM_TIMEOUT,
            write_timeout=TELEGRAM_TIMEOUT,
            connect_timeout=TELEGRAM_TIMEOUT,
            pool_timeout=TELEGRAM_TIMEOUT,
        )

    application = build_application(
        settings, responder, request=request(), get_updates_request=request(), memory=memory
    )
    return PollingBot(api, application)


@pytest.fixture
async def polling_bot(
    fake_api: FakeBotApi, telegram_settings: Settings, responder: Responder
) -> AsyncIterator[PollingBot]:
    async with start_bot(fake_api, telegram_settings, responder) as bot:
        yield bot
