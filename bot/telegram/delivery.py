"""How updates come in and replies go out: concurrency with per-chat order, flood limits, retries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter, BaseUpdateProcessor

logger = logging.getLogger(__name__)

JSONDict = dict[str, Any]


@dataclass
class _ChatQueue:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0  # updates of this chat being handled or waiting; the entry goes at zero


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """Updates from different chats are handled concurrently; those from one chat in arrival order.

    Two quick questions from one person are answered in the order they were asked, and one slow chat
    (a retry after a 429, a member flooding the bot) holds up only itself: an update waits for its
    chat's turn *before* taking one of the `max_active` handling slots. `max_pending` (PTB's own limit)
    only bounds how many updates may wait at all.
    """

    def __init__(self, max_active: int, max_pending: int) -> None:
        super().__init__(max_pending)
        self._active = asyncio.Semaphore(max_active)
        self._queues: dict[int, _ChatQueue] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:  # inline queries and the like: no conversation to keep in order
            async with self._active:
                await coroutine
            return
        queue = self._queues.setdefault(chat.id, _ChatQueue())
        queue.waiting += 1
        try:
            async with queue.lock, self._active:  # asyncio.Lock wakes waiters first in, first out
                await coroutine
        finally:
            queue.waiting -= 1
            if not queue.waiting:
                del self._queues[chat.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


class ResilientRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter (Telegram's flood limits, waiting out 429 RetryAfter), plus a few retries
    after network errors, timeouts and 5xx answers, so a brief outage delays a reply instead of losing it.

    A timed-out request may have reached Telegram, so a retry can, rarely, send a message twice; that is
    preferred to a question left unanswered. Errors that a retry cannot fix (400 Bad Request, 403
    Forbidden) are raised at once.
    """

    def __init__(
        self,
        *,
        flood_limits: bool = True,
        max_retries: int = 3,
        network_retries: int = 3,
        backoff: float = 0.25,
    ) -> None:
        if flood_limits:
            super().__init__(max_retries=max_retries)
        else:
            super().__init__(overall_max_rate=0, group_max_rate=0, max_retries=max_retries)
        self._network_retries = network_retries
        self._backoff = backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        for attempt in range(self._network_retries + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as error:
                if attempt == self._network_retries:
                    raise
                delay = self._backoff * 2**attempt
                logger.warning(
                    "%s failed (%s); retry %d in %.2f s",
                    endpoint,
                    type(error).__name__,
                    attempt + 1,
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")
