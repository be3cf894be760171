"""A fake Telegram Bot API server on 127.0.0.1, spoken to over real HTTP by a real PTB Application.

The end-to-end tests and `python -m bot bench --telegram` point PTB's `base_url` at it. It serves long
polling (`getUpdates`) from a queue the test fills (only the update types the bot asked for in
`allowed_updates`, as Telegram does), answers the methods the bot uses with valid results,
records every call with its decoded parameters, and can be told to misbehave for the next N calls of a
method (429 with retry_after, 500, 400, a hang, a dropped connection, a body that is not JSON, a
proxy's error page). It can go down and come back on the same port (connections refused meanwhile),
and can enforce Telegram's flood limits, answering 429 to a bot that exceeds them.

It is a minimal HTTP/1.1 server on asyncio streams: keep-alive, Content-Length bodies, no chunking,
which is all httpx sends. It never logs, so it cannot pollute a test that inspects the bot's logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from bot.telegram.config import FloodLimits

DEFAULT_TOKEN = "123456789:TEST-token_for-the-fake-bot-api"
BOT_ID = 123456789
BOT_USERNAME = "second_course_test_bot"

_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>\w+)")
# Parameters Telegram documents as strings: never decoded as JSON, numbers or booleans.
_STRING_PARAMETERS = frozenset(
    {
        "text",
        "caption",
        "query",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "description",
        "short_description",
        "name",
        "parse_mode",
        "next_offset",
        "language_code",
    }
)
# What Telegram leaves out unless allowed_updates names it.
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_ALWAYS_TRUE = frozenset(
    {
        "answerCallbackQuery",
        "answerInlineQuery",
        "setMyCommands",
        "deleteMyCommands",
        "setMyDescription",
        "setMyShortDescription",
        "setWebhook",
        "deleteWebhook",
        "sendChatAction",
        "pinChatMessage",
        "deleteMessage",
        "close",
        "logOut",
    }
)


class Fault(StrEnum):
    RETRY_AFTER = "retry_after"  # 429 Too Many Requests with parameters.retry_after
    SERVER_ERROR = "server_error"  # 500 Internal Server Error
    BAD_REQUEST = "bad_request"  # 400 Bad Request
    FORBIDDEN = "forbidden"  # 403: the user blocked the bot
    UNAUTHORIZED = "unauthorized"  # 401: the token was revoked
    HANG = "hang"  # no answer until the server stops: the client times out
    DISCONNECT = "disconnect"  # the connection is closed without an answer
    MALFORMED = "malformed"  # 200 OK with a body that is not JSON
    # A proxy's HTML error page quoting the URL asked for, token and all (some proxies do): 502 Bad
    # Gateway, or 404 Not Found (which PTB reads as a rejected token).
    BAD_GATEWAY_PAGE = "bad_gateway_page"
    NOT_FOUND_PAGE = "not_found_page"
    FLOOD = "flood"  # 429: the bot exceeded the flood limits the fake was asked to enforce
    # 200 OK with well-formed JSON of the wrong shape: an object for the list of updates, no result
    # at all, a bare list.
    RESULT_OBJECT = "result_object"
    NO_RESULT = "no_result"
    BARE_LIST = "bare_list"


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    at: float  # time.perf_counter() when the request arrived
    fault: Fault | None = None  # the fault served instead of an answer, if any
    result: Any = None  # the fake's answer (sendMessage: the Message, to press its buttons)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return value if isinstance(value, int) else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row by row, flattened."""
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]


@dataclass
class _PlannedFault:
    fault: Fault
    remaining: int
    retry_after: int


class FakeBotApi:
    """Use as `async with FakeBotApi() as api:`; point PTB at `api.base_url`."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = BOT_USERNAME,
        flood_limits: FloodLimits | None = None,
        keep_calls: bool = True,
    ) -> None:
        """`flood_limits`: answer 429 to messages beyond them. `keep_calls=False`: hand each call to
        `listeners` only, for runs too long to keep them all (`calls` and `wait_for` stay empty)."""
        self.token = token
        self.bot_user = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": "Second Course Guide",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self.calls: list[Call] = []
        self.keep_calls = keep_calls
        self.listeners: list[Callable[[Call], None]] = []  # told of each call as it arrives
        self.unknown_methods: list[str] = []
        self.delivered_at: dict[object, float] = {}  # update id -> when getUpdates handed it out
        self.last_update_id = 0
        self.polled_offset = (
            0  # the highest getUpdates offset asked for: earlier updates were fetched
        )
        self._pending: list[dict[str, Any]] = []
        # The update types getUpdates delivers, as the bot last asked (allowed_updates); others are
        # dropped, as Telegram drops them. None: Telegram's default.
        self.allowed_updates: frozenset[str] | None = None
        self.ignores_allowed_updates = False  # True: deliver every kind, as a faulty server might
        self._raw: list[dict[str, Any]] = []  # handed out once, whatever the offset
        self._message_ids = itertools.count(10_000)
        self._new_update = asyncio.Event()
        self._changed = asyncio.Condition()
        self._faults: dict[str, _PlannedFault] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._members: dict[tuple[int, int], str] = {}  # (chat, user) -> status
        # Users who never started a private chat with the bot: Telegram refuses to message them.
        self.strangers: set[int] = set()
        self._stopping = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[Any]] = set()
        self._flood = _FloodControl(flood_limits) if flood_limits else None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        await self._listen(0)

    async def _listen(self, port: int) -> None:
        self._stopping.clear()
        self._server = await asyncio.start_server(self._serve_connection, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def go_down(self) -> None:
        """Stop entirely, as a crashed server would: open connections drop and new ones are refused
        until `come_back`. Queued updates stay queued."""
        await self.stop()

    async def come_back(self) -> None:
        """Listen again, on the same port."""
        await self._listen(self.port)

    async def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.close()
        for writer in list(self._connections):
            writer.close()
        # Long polls and hangs end on _stopping; let every handler finish before the loop closes.
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """What to pass to PTB's `base_url` (the token is appended to it)."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what a test controls --------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; gives it the next update_id unless it has one."""
        update_id = update.setdefault("update_id", self.last_update_id + 1)
        self.last_update_id = max(self.last_update_id, update_id)
        for chat in _chats_in(update):
            self._chats[chat["id"]] = chat
        self._pending.append(update)
        self._new_update.set()
        return int(update_id)

    def push_raw(self, update: dict[str, Any]) -> None:
        """Hand `update` out once, in the next batch, as it is (an update_id that is no integer...)."""
        self._raw.append(update)
        self._new_update.set()

    def fail(self, method: str, fault: Fault, *, times: int = 1, retry_after: int = 1) -> None:
        """Serve `fault` instead of an answer for the next `times` calls of `method`."""
        self._faults[method] = _PlannedFault(fault, times, retry_after)
        if method == "getUpdates":
            # A long poll held open ends now, empty (as Telegram's may), so the fault is met on
            # the next call instead of after the poll's whole timeout.
            self._new_update.set()

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember says about a user: "creator", "administrator", "member", ..."""
        self._members[(chat_id, user_id)] = status

    def calls_to(self, method: str, *, chat_id: int | None = None) -> list[Call]:
        return [
            call
            for call in self.calls
            if call.method == method
            and call.fault is None
            and (chat_id is None or call.chat_id == chat_id)
        ]

    async def wait_for(
        self,
        method: str,
        *,
        count: int = 1,
        chat_id: int | None = None,
        where: Callable[[Call], bool] | None = None,
        within: float = 5.0,
    ) -> list[Call]:
        """Wait until `count` successful calls of `method` (matching the filters) were made."""

        def matching() -> list[Call]:
            found = self.calls_to(method, chat_id=chat_id)
            return [call for call in found if where is None or where(call)]

        await self.wait_until(lambda: len(matching()) >= count, within, f"{count} x {method}")
        return matching()

    async def wait_fetched(self, update_id: int, *, within: float = 5.0) -> None:
        """Wait until the bot asked for updates after `update_id`: it has fetched that one."""
        await self.wait_until(
            lambda: self.polled_offset > update_id, within, f"getUpdates past {update_id}"
        )

    async def wait_until(self, condition: Callable[[], bool], within: float, what: str) -> None:
        """Wait until `condition()` holds; it is checked after each call the fake receives."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(condition), within)
            except TimeoutError:
                seen = ", ".join(call.method for call in self.calls[-20:])
                raise AssertionError(f"waited {within}s for {what}; last calls: {seen}") from None

    # -- HTTP ------------------------------------------------------------------------------------

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._connections.add(writer)
        handler = asyncio.current_task()
        if handler is not None:
            self._handlers.add(handler)
        try:
            while not self._stopping.is_set():
                request = await _read_request(reader)
                if request is None:
                    return
                path, headers, body = request
                keep_open = await self._respond(path, headers, body, writer)
                if not keep_open:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            # The loop is closing. Python 3.11's StreamReaderProtocol reports a connection task that
            # ends cancelled as an "Exception in callback", so this leaf task ends quietly instead.
            return
        finally:
            self._connections.discard(writer)
            self._handlers.discard(handler)
            writer.close()

    async def _respond(
        self, path: str, headers: dict[str, str], body: bytes, writer: asyncio.StreamWriter
    ) -> bool:
        match = _PATH.fullmatch(path.split("?", 1)[0])
        if match is None or match["token"] != self.token:
            status = HTTPStatus.NOT_FOUND if match is None else HTTPStatus.UNAUTHORIZED
            await _write(writer, status, _error(status, status.phrase))
            return True
        method = match["method"]
        params = _decode_parameters(headers.get("content-type", ""), body)
        arrived = time.perf_counter()
        planned = self._take_fault(method)
        if planned is None and self._flood is not None:
            planned = self._flood.check(method, params.get("chat_id"))
        if planned is not None:
            await self._record(Call(method, params, arrived, planned.fault))
            return await self._serve_fault(planned, path, writer)
        if method == "sendMessage" and params.get("chat_id") in self.strangers:
            await self._record(Call(method, params, arrived, Fault.FORBIDDEN))
            forbidden = "Forbidden: bot can't initiate conversation with a user"
            await _write(writer, HTTPStatus.FORBIDDEN, _error(HTTPStatus.FORBIDDEN, forbidden))
            return True
        status, result = await self._answer(method, params)
        await self._record(Call(method, params, arrived, result=result))
        if status is HTTPStatus.OK:
            payload = json.dumps({"ok": True, "result": result}).encode()
        else:
            payload = _error(status, "Not Found: method not found")
        await _write(writer, status, payload)
        return True

    async def _serve_fault(
        self, planned: _PlannedFault, path: str, writer: asyncio.StreamWriter
    ) -> bool:
        if planned.fault is Fault.HANG:
            await self._stopping.wait()
            return False
        if planned.fault is Fault.DISCONNECT:
            return False
        await _write(writer, *_fault_answer(planned, path))
        return True

    def _take_fault(self, method: str) -> _PlannedFault | None:
        planned = self._faults.get(method)
        if planned is None:
            return None
        planned.remaining -= 1
        if planned.remaining <= 0:
            del self._faults[method]
        return planned

    async def _record(self, call: Call) -> None:
        if self.keep_calls:
            self.calls.append(call)
        for listener in self.listeners:
            listener(call)
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- the methods -----------------------------------------------------------------------------

    async def _answer(self, method: str, params: dict[str, Any]) -> tuple[HTTPStatus, Any]:
        result: Any
        if method == "getUpdates":
            result = await self._get_updates(params)
        elif method == "getMe":
            result = self.bot_user
        elif method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            result = self._sent_message(params)
        elif method in _ALWAYS_TRUE:
            result = True
        elif method == "getChatMember":
            result = self._member(params["chat_id"], params["user_id"])
        elif method == "getChatAdministrators":
            result = self._administrators(params["chat_id"])
        elif method == "getWebhookInfo":
            result = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        else:
            self.unknown_methods.append(method)
            return HTTPStatus.NOT_FOUND, None
        return HTTPStatus.OK, result

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        allowed = params.get("allowed_updates")
        if allowed is not None:  # not given: the previous choice stands; empty: the default
            self.allowed_updates = frozenset(allowed) or None
        if offset > self.polled_offset:
            self.polled_offset = offset
            await self._notify()
        self._pending = [u for u in self._pending if self._deliverable(u, offset)]
        # A getUpdates fault planned while this call was on its way must not wait out the poll.
        fault_planned = "getUpdates" in self._faults
        if not self._pending and not self._raw and timeout > 0 and not fault_planned:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._until_update_or_stop(), timeout)
            self._pending = [u for u in self._pending if self._deliverable(u, offset)]
        batch, self._raw = self._raw + self._pending[:limit], []
        now = time.perf_counter()
        for update in batch:
            self.delivered_at.setdefault(update.get("update_id"), now)
        return batch

    def _deliverable(self, update: dict[str, Any], offset: int) -> bool:
        kinds = set(update) - {"update_id"}
        if self.ignores_allowed_updates:
            wanted = True
        elif self.allowed_updates is None:
            wanted = not kinds & _OPT_IN_UPDATE_TYPES
        else:
            wanted = kinds <= self.allowed_updates
        return update["update_id"] >= offset and wanted

    async def _until_update_or_stop(self) -> None:
        stop = asyncio.ensure_future(self._stopping.wait())
        update = asyncio.ensure_future(self._new_update.wait())
        try:
            await asyncio.wait({stop, update}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            update.cancel()

    def _sent_message(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        chat_id = params.get("chat_id")
        if chat_id is None:  # a message sent through inline mode: Telegram answers True
            return True
        message: dict[str, Any] = {
            "message_id": params.get("message_id") or next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self.bot_user,
            "text": params.get("text", ""),
        }
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _chat(self, chat_id: int) -> dict[str, Any]:
        default_type = "private" if chat_id > 0 else "supergroup"
        return self._chats.get(chat_id, {"id": chat_id, "type": default_type})

    def _member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        status = self._members.get((chat_id, user_id), "member")
        return _member_result(status, {"id": user_id, "is_bot": False, "first_name": "Member"})

    def _administrators(self, chat_id: int) -> list[dict[str, Any]]:
        return [
            _member_result(status, {"id": user, "is_bot": False, "first_name": "Admin"})
            for (chat, user), status in self._members.items()
            if chat == chat_id and status in ("creator", "administrator")
        ]


_ERRORS = {
    Fault.SERVER_ERROR: (HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error"),
    Fault.BAD_REQUEST: (HTTPStatus.BAD_REQUEST, "Bad Request: refused by the fake"),
    Fault.FORBIDDEN: (HTTPStatus.FORBIDDEN, "Forbidden: bot was blocked by the user"),
    Fault.UNAUTHORIZED: (HTTPStatus.UNAUTHORIZED, "Unauthorized"),
}
_PAGES = {
    Fault.BAD_GATEWAY_PAGE: HTTPStatus.BAD_GATEWAY,
    Fault.NOT_FOUND_PAGE: HTTPStatus.NOT_FOUND,
}


_SHAPES: dict[Fault, object] = {
    Fault.RESULT_OBJECT: {"ok": True, "result": {"update_id": 1}},
    Fault.NO_RESULT: {"ok": True},
    Fault.BARE_LIST: [{"update_id": 1}],
}


def _fault_answer(planned: _PlannedFault, path: str) -> tuple[HTTPStatus, bytes]:
    """The status and body served for a fault that answers (all but a hang and a disconnect)."""
    fault = planned.fault
    if fault in _ERRORS:
        status, description = _ERRORS[fault]
        return status, _error(status, description)
    if fault in _PAGES:
        status = _PAGES[fault]
        page = f"<html><h1>{status.phrase}</h1><p>While fetching http://proxy{path}</p></html>"
        return status, page.encode()
    if fault is Fault.MALFORMED:
        return HTTPStatus.OK, b"<html>this is not JSON"
    if fault in _SHAPES:
        return HTTPStatus.OK, json.dumps(_SHAPES[fault]).encode()
    status = HTTPStatus.TOO_MANY_REQUESTS  # RETRY_AFTER and FLOOD
    description = f"Too Many Requests: retry after {planned.retry_after}"
    return status, _error(status, description, {"retry_after": planned.retry_after})


def _member_result(status: str, user: dict[str, Any]) -> dict[str, Any]:
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        rights = (
            "can_be_edited is_anonymous can_manage_chat can_delete_messages can_manage_video_chats "
            "can_restrict_members can_promote_members can_change_info can_invite_users "
            "can_post_stories can_edit_stories can_delete_stories"
        )
        member |= {
            right: right != "can_be_edited" and right != "is_anonymous" for right in rights.split()
        }
    return member


def _chats_in(update: dict[str, Any]) -> list[dict[str, Any]]:
    """The chats an update shows, so that sendMessage can answer with the right chat type. Updates
    with fields missing are queued all the same: the bot's handling of them is under test."""
    parts = [
        update.get(key)
        for key in ("message", "edited_message", "channel_post", "edited_channel_post")
    ]
    query = update.get("callback_query")
    if isinstance(query, dict):
        parts.append(query.get("message"))
    chats = [part.get("chat") for part in parts if isinstance(part, dict)]
    return [chat for chat in chats if isinstance(chat, dict) and isinstance(chat.get("id"), int)]


class _FloodControl:
    """Telegram's flood limits, enforced as leaky buckets like the ones AIORateLimiter keeps, with a
    little slack for requests that the network delivers closer together than they were sent."""

    # A quarter more than the limit, and at least two messages: on a loaded two-core machine a
    # stalled event loop hands the network a few seconds' sends at once, closer than they were paced.
    SLACK = 0.25
    COUNTED = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup"})

    def __init__(self, limits: FloodLimits) -> None:
        self._limits = limits
        self._overall = _Bucket(limits.overall, limits.overall_period, self.SLACK)
        self._groups: dict[int, _Bucket] = {}

    def check(self, method: str, chat_id: object) -> _PlannedFault | None:
        """A 429 when this message would exceed a limit; None (and the message counted) otherwise."""
        if method not in self.COUNTED or not isinstance(chat_id, int):
            return None
        buckets = [self._overall]
        if chat_id < 0:
            limits = self._limits
            group = self._groups.setdefault(
                chat_id, _Bucket(limits.group, limits.group_period, self.SLACK)
            )
            buckets.append(group)
        now = time.monotonic()
        wait = max(bucket.wait(now) for bucket in buckets)
        if wait > 0:
            return _PlannedFault(Fault.FLOOD, 1, max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.level += 1
        return None


class _Bucket:
    def __init__(self, capacity: int, period: float, slack: float) -> None:
        self.capacity = capacity + max(2.0, capacity * slack)
        self.rate = capacity / period  # drained per second
        self.level = 0.0
        self.updated = time.monotonic()

    def wait(self, now: float) -> float:
        """Seconds until one more message fits (0: it fits now)."""
        self.level = max(0.0, self.level - (now - self.updated) * self.rate)
        self.updated = now
        return max(0.0, (self.level + 1 - self.capacity) / self.rate)


def _decode_parameters(content_type: str, body: bytes) -> dict[str, Any]:
    """PTB posts form fields whose non-string values are JSON; decode them back to Python values."""
    if not body:
        return {}
    if content_type.startswith("application/json"):
        decoded: dict[str, Any] = json.loads(body)
        return decoded
    fields = parse_qsl(body.decode(), keep_blank_values=True)
    return {name: _decode_value(name, value) for name, value in fields}


def _decode_value(name: str, value: str) -> Any:
    if name in _STRING_PARAMETERS:
        return value
    if (
        value[:1] in ("{", "[")
        or value in ("true", "false")
        or re.fullmatch(r"-?\d+(\.\d+)?", value)
    ):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def _error(
    status: HTTPStatus, description: str, parameters: dict[str, Any] | None = None
) -> bytes:
    payload: dict[str, Any] = {"ok": False, "error_code": int(status), "description": description}
    if parameters:
        payload["parameters"] = parameters
    return json.dumps(payload).encode()


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes] | None:
    request_line = await reader.readline()
    if not request_line:
        return None
    _method, path, _version = request_line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return path, headers, body


async def _write(writer: asyncio.StreamWriter, status: HTTPStatus, payload: bytes) -> None:
    head = (
        f"HTTP/1.1 {int(status)} {status.phrase}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n"
        "Connection: keep-alive\r\n\r\n"
    )
    writer.write(head.encode("latin-1") + payload)
    await writer.drain()
