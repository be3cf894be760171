"""How updates come in and replies go out: unreadable updates skipped, concurrency with per-chat
order, flood limits, retries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter, BaseUpdateProcessor
from telegram.request import BaseRequest, RequestData

from bot.telegram.config import TELEGRAM_FLOOD_LIMITS, FloodLimits

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput  # PTB's type for its "not passed" default

logger = logging.getLogger(__name__)

JSONDict = dict[str, Any]


class ReadableUpdates(BaseRequest):
    """The connection that fetches updates (getUpdates), letting through only updates PTB can read.

    PTB reads a whole batch at once, and one update it cannot read (a field missing, a type it does not
    expect) fails the batch, which it then fetches again at once, forever, logging the batch's content
    each time. Here such an update is cut down to its id, which PTB reads: the bot logs it by id as an
    update it does not handle, and carries on with the others.
    """

    def __init__(self, connection: BaseRequest) -> None:
        self._connection = connection
        # Called when Telegram answers 401: the token was revoked while the bot was running. PTB
        # would stop polling and leave the process idle; the application sets this to stop instead.
        self.on_token_rejected: Callable[[], None] | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._connection.read_timeout

    async def initialize(self) -> None:
        await self._connection.initialize()

    async def shutdown(self) -> None:
        await self._connection.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        status, payload = await self._connection.do_request(
            url=url,
            method=method,
            request_data=request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if status == HTTPStatus.UNAUTHORIZED and self.on_token_rejected is not None:
            self.on_token_rejected()
        return status, payload

    @staticmethod
    def parse_json_payload(payload: bytes) -> JSONDict:
        answer = BaseRequest.parse_json_payload(payload)
        updates = answer.get("result") if isinstance(answer, dict) else None
        if isinstance(updates, list):
            answer["result"] = [readable for u in updates if (readable := readable_update(u))]
        return answer


def readable_update(update: object) -> JSONDict | None:
    """The update if PTB can read it; else its id alone (None without an id: nothing to refer to)."""
    try:
        parsed = Update.de_json(update, None)  # type: ignore[arg-type]  # checked: it may be anything
        message = parsed.effective_message
        if message is not None and message.chat is None:  # PTB reads it, the handlers could not
            raise ValueError("a message without its chat")
    except Exception as error:  # whatever PTB's parsing raises
        update_id = update.get("update_id") if isinstance(update, dict) else None
        logger.warning(
            "update %s unreadable (%s): its content is skipped", update_id, _kind(error)
        )
        return {"update_id": update_id} if isinstance(update_id, int) else None
    assert isinstance(update, dict)
    return update


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

    Reads (getChatMember, ...) are not counted against the flood limits, which are about messages:
    AIORateLimiter counts every request naming a chat, so each admin check behind a settings button
    used up one of the group's 20 messages a minute, and a member pressing buttons by the dozen held
    back the bot's replies in that group, escalations included.
    """

    def __init__(
        self,
        *,
        flood_limits: FloodLimits | None = TELEGRAM_FLOOD_LIMITS,
        max_retries: int = 3,
        network_retries: int = 3,
        backoff: float = 0.25,
    ) -> None:
        limits = flood_limits or FloodLimits(overall=0, group=0)  # 0: no limit
        super().__init__(
            overall_max_rate=limits.overall,
            overall_time_period=limits.overall_period,
            group_max_rate=limits.group,
            group_time_period=limits.group_period,
            max_retries=max_retries,
        )
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
                if endpoint.startswith("get"):
                    return await callback(*args, **kwargs)
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


def _kind(error: BaseException) -> str:
    return type(error).__name__
