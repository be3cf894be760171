"""Running the real bot (`build_application`) against a FakeBotApi, as `run_polling` would, but inside
an existing event loop (pytest's, or the benchmark's)."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

from telegram.error import TelegramError

from bot.telegram.app import ALLOWED_UPDATES, BotApplication
from bot.testing.fake_bot_api import Call, FakeBotApi


class PollingBot:
    """`async with PollingBot(api, application):` initialises, runs post_init, polls, and shuts down
    in the same order as PTB's `run_polling`."""

    def __init__(
        self, api: FakeBotApi, application: BotApplication, *, poll_timeout: int = 1
    ) -> None:
        self.api = api
        self.application = application
        self.poll_timeout = poll_timeout

    async def __aenter__(self) -> PollingBot:
        application = self.application
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(
            timeout=self.poll_timeout,
            allowed_updates=ALLOWED_UPDATES,
            error_callback=self._polling_failed,
        )
        await application.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()

    def _polling_failed(self, error: TelegramError) -> None:
        """What run_polling does with a failed getUpdates: hand it to the error handlers."""
        self.application.create_task(self.application.process_error(update=None, error=error))

    async def settle(self, *, within: float = 5.0) -> None:
        """Wait until every update pushed so far was fetched and completely handled."""
        await self.api.wait_fetched(self.api.last_update_id, within=within)
        await asyncio.wait_for(self.application.update_queue.join(), within)

    async def exchange(self, *updates: dict[str, Any]) -> list[Call]:
        """Push `updates`, wait until they are handled, and return the calls the bot made meanwhile
        (polling aside). Deterministic: no sleeps, and "no reply" is observed, not assumed."""
        start = len(self.api.calls)
        for update in updates:
            self.api.push(update)
        await self.settle()
        return [call for call in self.api.calls[start:] if call.method != "getUpdates"]
