"""The webhook server under hostile traffic: strangers and oversized bodies are turned away before the
body is read, idle and slow connections are closed, and running out of descriptors does not spin."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from telegram import Bot, Update
from tornado.httpserver import HTTPServer
from tornado.web import Application

from bot.telegram.webhook import AcceptLoop, Limits, WebhookServer

SECRET = "hook-secret_1"
PATH = "hook"
FAST = Limits(
    max_body_bytes=64 * 1024,
    header_seconds=0.3,
    body_seconds=0.3,
    max_connections=3,
    accept_pause_seconds=0.1,
)
UPDATE = {
    "update_id": 7,
    "message": {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "Ana"},
        "text": "hello",
    },
}


@dataclass
class Hook:
    port: int
    server: WebhookServer
    delivered: list[Update] = field(default_factory=list)
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writers.append(writer)
        return reader, writer

    async def close(self) -> None:
        for writer in self.writers:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def send_headers(
        self,
        length: int,
        secret: str | None = SECRET,
        content_type: str = "application/json",
        path: str = PATH,
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await self.connect()
        lines = [f"POST /{path} HTTP/1.1", "Host: bot", f"Content-Length: {length}"]
        lines.append(f"Content-Type: {content_type}")
        if secret is not None:
            lines.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        return reader, writer

    async def post(self, body: bytes, **headers: str) -> int:
        reader, writer = await self.send_headers(len(body), **headers)
        writer.write(body)
        return await status(reader, writer)


async def status(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> int:
    """The response's status code, read without sending anything more."""
    line = await asyncio.wait_for(reader.readline(), 2)
    writer.close()
    return int(line.split()[1])


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    """True when the server closes the connection (end of file) within `seconds`."""
    try:
        while await asyncio.wait_for(reader.read(1024), seconds):
            pass
    except TimeoutError:
        return False
    except ConnectionError:
        pass
    return True


@pytest.fixture
async def hook() -> AsyncIterator[Hook]:
    delivered: list[Update] = []

    async def deliver(update: Update) -> None:
        delivered.append(update)

    server = WebhookServer(PATH, SECRET, Bot("123:abc"), deliver, FAST)
    [port, *_] = server.listen(0, "127.0.0.1")
    connected = Hook(port, server, delivered)
    yield connected
    await connected.close()
    await server.stop()


async def test_an_update_from_telegram_is_delivered_once(hook: Hook) -> None:
    assert await hook.post(json.dumps(UPDATE).encode()) == 200
    assert [update.update_id for update in hook.delivered] == [7]
    assert hook.delivered[0].effective_message is not None


async def test_an_update_that_cannot_be_read_is_passed_on_as_its_id_alone(hook: Hook) -> None:
    unreadable = {**UPDATE, "message": {**UPDATE["message"], "date": "yesterday"}}  # type: ignore[dict-item]
    assert await hook.post(json.dumps(unreadable).encode()) == 200  # Telegram need not retry it
    [update] = hook.delivered
    assert (update.update_id, update.effective_message) == (7, None)


@pytest.mark.parametrize("secret", [None, "guessed", SECRET + "x"])
async def test_a_stranger_is_refused_before_the_body_is_sent(
    hook: Hook, secret: str | None
) -> None:
    # 50 MB declared, not one byte sent: the answer must come from the headers alone.
    reader, writer = await hook.send_headers(50 * 1024 * 1024, secret=secret)
    assert await status(reader, writer) == 403
    assert hook.delivered == []


@pytest.mark.parametrize(("secret", "expected"), [("guessed", 403), (SECRET, 415)])
async def test_a_small_refused_request_gets_its_answer_not_a_reset(
    hook: Hook, secret: str, expected: int
) -> None:
    body = json.dumps(UPDATE).encode()
    for _ in range(20):  # a reset would be a race: try it often
        assert (
            await hook.post(
                body,
                secret=secret,
                content_type="text/plain" if secret == SECRET else "application/json",
            )
            == expected
        )
    assert hook.delivered == []


async def test_another_path_is_refused_before_the_body_is_sent(hook: Hook) -> None:
    reader, writer = await hook.send_headers(FAST.max_body_bytes, path="wp-login.php")
    assert await status(reader, writer) == 404


async def test_an_oversized_body_is_refused_before_it_is_sent(hook: Hook) -> None:
    reader, writer = await hook.send_headers(FAST.max_body_bytes + 1)
    assert await status(reader, writer) == 413


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        (b"{not json", {}, 400),
        (b"[1, 2]", {}, 400),
        (json.dumps(UPDATE).encode(), {"content_type": "text/plain"}, 415),
    ],
)
async def test_a_malformed_request_gets_a_client_error(
    hook: Hook, body: bytes, headers: dict[str, str], expected: int
) -> None:
    assert await hook.post(body, **headers) == expected
    assert hook.delivered == []


async def test_an_idle_connection_is_closed(hook: Hook) -> None:
    reader, _writer = await hook.connect()
    assert await closed_within(reader, FAST.header_seconds + 1)


async def test_a_body_that_never_arrives_is_given_up_on(hook: Hook) -> None:
    reader, _writer = await hook.send_headers(1000)  # headers in, body withheld
    assert await closed_within(reader, FAST.body_seconds + 1)


async def test_connections_beyond_the_limit_wait_in_the_backlog(hook: Hook) -> None:
    clients = [await hook.connect() for _ in range(FAST.max_connections + 3)]
    await asyncio.sleep(0.05)
    assert hook.server.open_connections() == FAST.max_connections
    for _reader, writer in clients[: FAST.max_connections]:
        writer.close()
    # Once there is room, the waiting ones are served: one of them posts an update.
    reader, writer = clients[-1]
    body = json.dumps(UPDATE).encode()
    head = f"POST /{PATH} HTTP/1.1\r\nHost: bot\r\nContent-Length: {len(body)}\r\n"
    head += f"Content-Type: application/json\r\nX-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n\r\n"
    writer.write(head.encode() + body)
    assert await status(reader, writer) == 200


class StarvedSocket:
    """A listening socket whose accept() fails as it does when the process has no descriptors left."""

    def __init__(self, real: socket.socket) -> None:
        self.real = real
        self.accepts = 0

    def fileno(self) -> int:
        return self.real.fileno()

    def getsockname(self) -> tuple[str, int]:
        address: tuple[str, int] = self.real.getsockname()
        return address

    def accept(self) -> tuple[socket.socket, object]:
        self.accepts += 1
        raise OSError(errno.EMFILE, "Too many open files")

    def close(self) -> None:
        self.real.close()


async def test_running_out_of_descriptors_pauses_accepting_instead_of_spinning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    listening = socket.create_server(("127.0.0.1", 0))
    listening.setblocking(False)
    starved = StarvedSocket(listening)
    loop = AcceptLoop(starved, HTTPServer(Application()), FAST)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING):
        loop.start()
        # A pending connection keeps the socket readable for the whole time.
        client = socket.create_connection(listening.getsockname())
        await asyncio.sleep(0.6)
        loop.stop()
        client.close()
    # Paused 0.1 s after each failure: about six tries in 0.6 s, where a busy loop makes thousands.
    assert 1 <= starved.accepts <= 10
    warnings = [r for r in caplog.records if "cannot accept connections" in r.getMessage()]
    assert len(warnings) == 1
