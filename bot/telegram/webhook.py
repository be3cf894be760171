"""The webhook server: Telegram posts updates here, everybody else is turned away cheaply.

PTB's own server buffers a whole request body before it looks at the secret, never times out an idle
connection, and spins when the process runs out of file descriptors. This one, on the same Tornado:
- checks the secret header, the content type and the declared length as soon as the headers arrive,
  so that an unauthenticated or oversized request is answered without its body being kept (or, past a
  few kilobytes, read at all);
- gives a connection a bounded time to send its headers and its body, and closes idle ones;
- accepts at most `max_connections` connections at once, and when accepting fails (no descriptors
  or memory left, the network down) it pauses accepting, with one warning, instead of retrying at once:
  a retry cannot succeed until something changes, and a busy loop starves everything else.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Bot, Update
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream
from tornado.netutil import bind_sockets

from bot.telegram.app import BotApplication
from bot.telegram.config import Webhook
from bot.telegram.delivery import readable_update

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_ACCEPTS_PER_WAKE = 64  # Tornado's own batch: fair to the other work on the event loop

DeliverUpdate = Callable[[Update], Awaitable[None]]


@dataclass(frozen=True)
class Limits:
    # An update is a message of at most 4 096 characters plus its metadata: tens of kilobytes at most.
    max_body_bytes: int = 1024 * 1024
    discard_bytes: int = 16 * 1024  # a refused body up to this size is read (and dropped) first
    max_header_bytes: int = 16 * 1024
    header_seconds: float = 10.0  # to send the request line and headers (also: idle keep-alive)
    body_seconds: float = 10.0  # to send the body once the headers are in
    max_connections: int = 100  # Telegram opens at most 100 (setWebhook's max_connections)
    accept_pause_seconds: float = 0.5  # at the connection limit, or out of descriptors


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """One POST from Telegram: one update handed to the application."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, secret: str, bot: Bot, deliver: DeliverUpdate, limits: Limits) -> None:
        self._secret = secret.encode()
        self._bot = bot
        self._deliver = deliver
        self._limits = limits
        self._chunks: list[bytes] = []
        self._refusal: HTTPStatus | None = None

    def prepare(self) -> None:
        """Runs when the headers are in and before any of the body is read. A refused request with a
        large body is answered and closed at once; a small one is let in and dropped unread, so that
        a misconfigured client sees its 403 instead of a connection reset."""
        declared = self.request.headers.get("Content-Length", "0")
        length = int(declared) if declared.isdigit() else self._limits.max_body_bytes + 1
        self._refusal = self._refuse()
        if self._refusal is not None and length > self._limits.discard_bytes:
            raise tornado.web.HTTPError(self._refusal)
        if length > self._limits.max_body_bytes:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)

    def _refuse(self) -> HTTPStatus | None:
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            return HTTPStatus.FORBIDDEN
        content_type = self.request.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != "application/json":
            return HTTPStatus.UNSUPPORTED_MEDIA_TYPE
        return None

    def data_received(self, chunk: bytes) -> None:
        # The server's max_body_size closes a chunked body that outgrows the limit before this.
        if self._refusal is None:
            self._chunks.append(chunk)

    async def post(self) -> None:
        if self._refusal is not None:
            raise tornado.web.HTTPError(self._refusal)
        update = self._update(b"".join(self._chunks))
        if update is None:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        await self._deliver(update)  # a re-sent update is answered once: see FairUpdateProcessor
        self.set_status(HTTPStatus.OK)

    def _update(self, body: bytes) -> Update | None:
        """None for a body that is not an update at all; an update PTB cannot read is logged by its
        id and passed on as that id alone, as in polling, so that Telegram does not send it again."""
        try:
            data = json.loads(body)
        except ValueError:
            return None
        readable = readable_update(data) if isinstance(data, dict) else None
        return Update.de_json(readable, self._bot) if readable is not None else None

    def log_exception(self, *args: Any) -> None:
        """A refused request is routine (and its body may hold a user's words): logged by kind only."""
        logger.debug("webhook request refused (%s)", self.get_status())


@tornado.web.stream_request_body
class NotFoundHandler(tornado.web.RequestHandler):
    """Any other path: 404 as soon as the headers are in (Tornado's own would read the body first)."""

    def prepare(self) -> None:
        raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND)

    def log_exception(self, *args: Any) -> None:
        """Scanners are routine: nothing worth a log line."""


class WebhookServer:
    """Tornado's HTTP server behind an accept loop of our own (see the module's docstring)."""

    def __init__(
        self, path: str, secret: str, bot: Bot, deliver: DeliverUpdate, limits: Limits
    ) -> None:
        handler_arguments = {"secret": secret, "bot": bot, "deliver": deliver, "limits": limits}
        application = tornado.web.Application(
            [(rf"/{path.strip('/')}/?", UpdateHandler, handler_arguments)],
            default_handler_class=NotFoundHandler,
            log_function=_no_access_log,
        )
        self.limits = limits
        self._http = HTTPServer(
            application,
            max_header_size=limits.max_header_bytes,
            idle_connection_timeout=limits.header_seconds,
            body_timeout=limits.body_seconds,
            max_body_size=limits.max_body_bytes,
        )
        self._listeners: list[AcceptLoop] = []

    def listen(self, port: int, address: str) -> list[int]:
        """Start accepting; returns the ports bound (useful with port 0)."""
        for listening in bind_sockets(port, address):
            loop = AcceptLoop(listening, self._http, self.limits)
            loop.start()
            self._listeners.append(loop)
        return [loop.port for loop in self._listeners]

    def open_connections(self) -> int:
        return sum(loop.open_connections() for loop in self._listeners)

    async def stop(self) -> None:
        for loop in self._listeners:
            loop.stop()
        self._listeners.clear()
        await self._http.close_all_connections()


class AcceptLoop:
    """Accepts connections on one listening socket and hands them to the HTTP server."""

    def __init__(self, listening: socket.socket, server: HTTPServer, limits: Limits) -> None:
        self._socket = listening
        self._server = server
        self._limits = limits
        self._streams: set[IOStream] = set()
        self._resume: asyncio.TimerHandle | None = None
        self._watching = False
        self._starved = False
        self.port: int = listening.getsockname()[1]

    def start(self) -> None:
        self._resume = None
        IOLoop.current().add_handler(self._socket.fileno(), self._accept, IOLoop.READ)
        self._watching = True

    def stop(self) -> None:
        self._stop_watching()
        if self._resume is not None:
            self._resume.cancel()
            self._resume = None
        self._socket.close()

    def open_connections(self) -> int:
        self._streams = {stream for stream in self._streams if not stream.closed()}
        return len(self._streams)

    def _accept(self, _fd: int, _events: int) -> None:
        for _ in range(_ACCEPTS_PER_WAKE):
            if self.open_connections() >= self._limits.max_connections:
                self._pause()
                return
            try:
                connection, address = self._socket.accept()
            except BlockingIOError:
                return
            except ConnectionAbortedError:
                continue
            except OSError as error:  # out of descriptors or memory, or the network is down
                if not self._starved:
                    logger.warning("webhook: cannot accept connections (%s); pausing", error)
                    self._starved = True
                self._pause()
                return
            self._starved = False
            stream = IOStream(connection, max_buffer_size=self._limits.max_body_bytes * 2)
            self._streams.add(stream)
            self._server.handle_stream(stream, address)

    def _pause(self) -> None:
        """Stop watching the socket for a moment: pending connections wait in the kernel's backlog."""
        self._stop_watching()
        self._resume = asyncio.get_running_loop().call_later(
            self._limits.accept_pause_seconds, self.start
        )

    def _stop_watching(self) -> None:
        if self._watching:
            IOLoop.current().remove_handler(self._socket.fileno())
            self._watching = False


def run_webhook(
    application: BotApplication,
    webhook: Webhook,
    allowed_updates: Sequence[str],
    stop_signals: Sequence[int],
    limits: Limits = Limits(),
) -> None:
    """`Application.run_webhook` with this server: the same steps in the same order (initialize,
    post_init, setWebhook, serve, start; then stop, post_stop, shutdown), on a loop that runs forever
    until a stop signal, so that `Application.stop_running` works as it does with PTB's."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    for signal_number in stop_signals:
        loop.add_signal_handler(signal_number, _raise_system_exit)
    server = WebhookServer(
        webhook.path, webhook.secret, application.bot, application.update_queue.put, limits
    )
    try:
        loop.run_until_complete(_start(application, server, webhook, allowed_updates))
        loop.run_forever()
    except SystemExit:
        logger.debug("stop signal received")
    finally:
        try:
            loop.run_until_complete(_stop(application, server))
        finally:
            loop.close()


async def _start(
    application: BotApplication,
    server: WebhookServer,
    webhook: Webhook,
    allowed_updates: Sequence[str],
) -> None:
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    server.listen(webhook.port, webhook.listen)  # before setWebhook: a busy port fails first
    await application.bot.set_webhook(
        url=webhook.url,
        secret_token=webhook.secret,
        allowed_updates=allowed_updates,
        max_connections=server.limits.max_connections,
    )
    await application.start()


async def _stop(application: BotApplication, server: WebhookServer) -> None:
    await server.stop()
    if application.running:
        await application.stop()
        if application.post_stop:
            await application.post_stop(application)
    await application.shutdown()


def _no_access_log(_handler: tornado.web.RequestHandler) -> None:
    """No access log: update ids and kinds are logged by the handlers, and nothing else matters."""


def _raise_system_exit() -> None:
    raise SystemExit
