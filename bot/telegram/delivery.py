"""How updates come in and replies go out: unreadable updates skipped, concurrency with per-chat
order, flood limits, retries."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application, BaseUpdateProcessor
from telegram.request import BaseRequest, RequestData

from bot.telegram.config import TELEGRAM_FLOOD_LIMITS, FloodLimits

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput  # PTB's type for its "not passed" default

logger = logging.getLogger(__name__)

JSONDict = dict[str, Any]

UNLIMITED = sys.maxsize
URGENT_SLOTS = 4  # escalations handled at once, beside the ordinary slots
# Fetching pauses while this many updates wait, so that at a stop what was fetched (these, and the
# batch of up to 100 in flight) is answered in under 8 s at Telegram's 30 messages/s, within Docker's
# 10 s grace. A flooding chat counts for CHAT_SHARE at most, so that it cannot stop the others'
# updates (and a crisis among them) from being fetched.
FETCH_BACKLOG = 120
CHAT_SHARE = 8
DRAIN_SECONDS = 8.0
# A chat's waiting updates beyond this are dropped, oldest first (logged by id): memory stays bounded
# however long one chat floods, and no person waits on hundreds of their own messages.
MAX_CHAT_QUEUE = 256
REMEMBERED_UPDATE_IDS = 10_000  # Telegram redelivers recent updates only


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
        # Awaited before each long poll: the update processor's `room_to_fetch`.
        self.before_fetch: Callable[[], Awaitable[None]] | None = None

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
        long_poll = request_data is not None and request_data.parameters.get("timeout")
        if long_poll and self.before_fetch is not None:  # not the last call at a stop (timeout 0)
            await self.before_fetch()
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
        """The answer, its updates made readable; an answer of the wrong shape (no list of updates)
        raises a TelegramError, which PTB's polling loop retries with a growing pause."""
        answer: object = BaseRequest.parse_json_payload(payload)
        updates = answer.get("result") if isinstance(answer, dict) else None
        if not isinstance(answer, dict) or not isinstance(updates, list):
            logger.warning("getUpdates answered in an unexpected shape; polling again later")
            raise TelegramError("getUpdates answered in an unexpected shape")
        answer["result"] = [readable for u in updates if (readable := readable_update(u))]
        return answer


def readable_update(update: object) -> JSONDict | None:
    """The update if PTB can read it; else its id alone (None without an id: nothing to refer to)."""
    update_id = update.get("update_id") if isinstance(update, dict) else None
    if type(update_id) is not int:  # PTB adds 1 to it to confirm it: anything else stops polling
        logger.warning("update without an integer update_id skipped")
        return None
    try:
        parsed = Update.de_json(update, None)  # type: ignore[arg-type]  # checked: it may be anything
        message = parsed.effective_message
        if message is not None and message.chat is None:  # PTB reads it, the handlers could not
            raise ValueError("a message without its chat")
    except Exception as error:  # whatever PTB's parsing raises
        logger.warning(
            "update %s unreadable (%s): its content is skipped", update_id, _kind(error)
        )
        return {"update_id": update_id}
    assert isinstance(update, dict)
    return update


Conversation = Hashable  # what keeps its own order: a chat, else a user, else the update alone


class RecentIds:
    """The last `size` update ids seen. Telegram sends an update again when it got no answer in time
    (a slow reply, a dropped connection, a webhook retried): the second copy is not answered again."""

    def __init__(self, size: int) -> None:
        self._order: deque[int] = deque(maxlen=size)
        self._seen: set[int] = set()

    def first_time(self, update_id: int) -> bool:
        if update_id in self._seen:
            return False
        if len(self._order) == self._order.maxlen:
            self._seen.discard(self._order[0])
        self._order.append(update_id)
        self._seen.add(update_id)
        return True

    def __len__(self) -> int:
        return len(self._seen)


class FairUpdateProcessor(BaseUpdateProcessor):
    """Which update runs next: escalations at once, then the chats in turn; one chat's updates in order.

    - An update the core escalates (`is_urgent`, asked on arrival: triage is cheap) skips every queue,
      its chat's included, in a lane of its own, so a crisis is never stuck behind a flood of button
      presses. Its replies keep to Telegram's flood limits, but wait there behind at most one request
      of their group and `max_active` others: the ordinary updates hold the slots, not the queues.
    - Other updates wait in their chat's queue; chats take turns (round robin) for the `max_active`
      handling slots, so a chat sending thousands of updates holds one slot and delays the others by at
      most one update each.
    - The same `update_id` twice (Telegram redelivering, a webhook retried) is handled once.
    - A chat's queue holds at most MAX_CHAT_QUEUE updates: a flood loses its oldest, not memory.
    - `room_to_fetch` holds back the next getUpdates while many updates wait (a flooding chat counts
      for at most `chat_share` of them), so that what was fetched can be answered before the bot stops;
      at stop, what still waits after `drain_seconds` is dropped (logged by count) to fit Docker's grace.
    """

    def __init__(
        self,
        max_active: int,
        *,
        is_urgent: Callable[[object], bool],
        urgent_slots: int = URGENT_SLOTS,
        fetch_backlog: int = FETCH_BACKLOG,
        chat_share: int = CHAT_SHARE,
        drain_seconds: float = DRAIN_SECONDS,
    ) -> None:
        super().__init__(UNLIMITED)  # PTB's semaphore would queue updates first in, first out
        self._is_urgent = is_urgent
        self._free_slots = max_active
        self._max_active = max_active
        self._urgent_slots = asyncio.Semaphore(urgent_slots)
        self._fetch_backlog = fetch_backlog
        self._chat_share = chat_share
        self.drain_seconds = drain_seconds
        # Each waiting update's turn: set to None when it may run, or to why it will not.
        self._waiting: dict[Conversation, deque[asyncio.Future[str | None]]] = {}
        self._busy: set[Conversation] = set()
        self._turns: deque[Conversation] = deque()  # chats with waiting updates, none busy
        self._backlog = 0  # waiting updates, counting at most `chat_share` per chat
        self._room = asyncio.Event()
        self._room.set()
        self._seen = RecentIds(REMEMBERED_UPDATE_IDS)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(update_id, int) and not self._seen.first_time(update_id):
            logger.info("update %s duplicate: already handled", update_id)
            _discard(coroutine)
            return
        if self._is_urgent(update):
            async with self._urgent_slots:
                await coroutine
            return
        conversation = _conversation(update)
        dropped = await self._turn(conversation)
        if dropped is not None:
            logger.warning("update %s not handled: %s", update_id, dropped)
            _discard(coroutine)
            return
        try:
            await coroutine
        finally:
            self._finished(conversation)

    async def room_to_fetch(self) -> None:
        """Return once few enough updates wait that fetching more is reasonable."""
        await self._room.wait()

    def stop_soon(self) -> None:
        """The bot is stopping: updates still waiting in `drain_seconds` are dropped."""
        asyncio.get_running_loop().call_later(self.drain_seconds, self._drop_waiting)

    async def _turn(self, conversation: Conversation) -> str | None:
        turn: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        queue = self._waiting.get(conversation)
        if queue is None:
            queue = self._waiting[conversation] = deque()
            if conversation not in self._busy:
                self._turns.append(conversation)
        queue.append(turn)
        if len(queue) <= self._chat_share:
            self._backlog += 1
        if len(queue) > MAX_CHAT_QUEUE:  # nobody waits for the answer to their 300th message
            queue.popleft().set_result("its chat floods the bot")
        self._dispatch()
        return await turn

    def _dispatch(self) -> None:
        while self._free_slots and self._turns:
            conversation = self._turns.popleft()
            queue = self._waiting[conversation]
            if len(queue) <= self._chat_share:
                self._backlog -= 1
            turn = queue.popleft()
            if not queue:
                del self._waiting[conversation]
            self._busy.add(conversation)
            self._free_slots -= 1
            turn.set_result(None)
        self._update_room()

    def _finished(self, conversation: Conversation) -> None:
        self._busy.discard(conversation)
        self._free_slots += 1
        if conversation in self._waiting:
            self._turns.append(conversation)  # behind the chats already waiting: round robin
        self._dispatch()

    def _drop_waiting(self) -> None:
        for queue in self._waiting.values():
            for turn in queue:
                turn.set_result("the bot stopped first")
        if self._waiting:
            logger.warning("stop: %d chats' waiting updates dropped", len(self._waiting))
        self._waiting.clear()
        self._turns.clear()
        self._backlog = 0
        self._update_room()

    def _update_room(self) -> None:
        if self._backlog + self._max_active - self._free_slots < self._fetch_backlog:
            self._room.set()
        else:
            self._room.clear()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _conversation(update: object) -> Conversation:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:  # inline queries: one person's keystrokes in order
            return ("user", update.effective_user.id)
    return ("update", id(update))


def _discard(coroutine: Awaitable[Any]) -> None:
    """Close a handling coroutine that will not run (without "never awaited" warnings)."""
    if isinstance(coroutine, Coroutine):
        coroutine.close()


class DrainingApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application, whose stop answers what was fetched but within a deadline (Docker's grace
    is 10 s; PTB's own stop waits for every update, however many)."""

    async def stop(self) -> None:
        processor = self.update_processor
        if isinstance(processor, FairUpdateProcessor):
            processor.stop_soon()
        await super().stop()


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
