"""`python -m bot run` as deployed: a real process talking to the fake Bot API, by long polling or by
webhook (secret checked), stopped with SIGTERM; and the Dockerfile's essentials."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from bot.testing.fake_bot_api import FakeBotApi, Fault
from bot.testing.updates import Person, Updates, private_chat

ROOT = Path(__file__).resolve().parent.parent
ALICE = Person(1001, "Alice")
SECRET_WORDS = "question-about-marmalade"
DOCKER_GRACE_SECONDS = 10.0  # between Docker's SIGTERM and its SIGKILL
STARTUP = 30.0  # seconds: importing PTB and loading the content, on a slow machine


@asynccontextmanager
async def bot_process(env: dict[str, str]) -> AsyncIterator[asyncio.subprocess.Process]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env={**clean, "LOG_LEVEL": "DEBUG", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def stop(process: asyncio.subprocess.Process) -> str:
    """SIGTERM, as Docker and systemd send it; returns what the bot wrote to stderr."""
    process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, stderr.decode()
    return stderr.decode()


async def health(env: dict[str, str]) -> int:
    check = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "health", cwd=ROOT, env={**os.environ, **env}
    )
    return await asyncio.wait_for(check.wait(), STARTUP)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_long_polling_answers_and_stops_cleanly_on_sigterm(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    state = tmp_path / "state" / "bot.sqlite3"  # the directory is created at start
    env = {
        "TELEGRAM_BOT_TOKEN": fake_api.token,
        "TELEGRAM_API_BASE_URL": fake_api.base_url,
        "BOT_PERSISTENCE_PATH": str(state),
        "BOT_HEARTBEAT_PATH": str(tmp_path / "alive"),
    }
    waiting = [Person(8000 + n, f"P{n}") for n in range(40)]
    async with bot_process(env) as process:
        fake_api.push(Updates().text(private_chat(ALICE), ALICE, f"dry lips {SECRET_WORDS}"))
        [answer] = await fake_api.wait_for("sendMessage", chat_id=ALICE.id, within=STARTUP)
        assert await health(env) == 0  # what Docker's HEALTHCHECK runs
        for person in waiting:  # fetched, most not yet answered when SIGTERM comes
            fake_api.push(Updates().text(private_chat(person), person, "dry lips"))
        await fake_api.wait_fetched(fake_api.last_update_id)
        stopping = time.perf_counter()
        stderr = await stop(process)
    assert time.perf_counter() - stopping < DOCKER_GRACE_SECONDS
    answered = {call.chat_id for call in fake_api.calls_to("sendMessage")}
    assert answered == {ALICE.id, *(person.id for person in waiting)}
    assert answer.text.endswith("</i>")
    assert fake_api.calls_to("deleteWebhook")
    assert len(fake_api.calls_to("setMyCommands")) == 3
    assert state.exists()
    assert "update 1 text chat=private" in stderr
    assert SECRET_WORDS not in stderr
    assert fake_api.token.split(":", 1)[1] not in stderr


async def test_a_token_revoked_while_running_stops_the_process(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": fake_api.token,
        "TELEGRAM_API_BASE_URL": fake_api.base_url,
        "BOT_PERSISTENCE_PATH": str(tmp_path / "bot.sqlite3"),
    }
    async with bot_process(env) as process:
        fake_api.push(Updates().text(private_chat(ALICE), ALICE, "dry lips"))
        await fake_api.wait_for("sendMessage", chat_id=ALICE.id, within=STARTUP)
        fake_api.fail("getUpdates", Fault.UNAUTHORIZED, times=1_000)
        # No SIGTERM: the bot must stop by itself rather than idle without polling.
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert "the token was revoked; stopping" in stderr.decode()
    assert fake_api.token.split(":", 1)[1] not in stderr.decode()


async def test_webhook_mode_handles_only_requests_carrying_the_secret(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    port = free_port()
    secret = "webhook_secret-123"
    env = {
        "TELEGRAM_BOT_TOKEN": fake_api.token,
        "TELEGRAM_API_BASE_URL": fake_api.base_url,
        "BOT_PERSISTENCE_PATH": str(tmp_path / "bot.sqlite3"),
        "WEBHOOK_URL": "https://bot.example.org/telegram-hook",
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_SECRET": secret,
        "BOT_HEARTBEAT_PATH": str(tmp_path / "alive"),
    }
    updates = Updates()
    chat = private_chat(ALICE)
    hook = f"http://127.0.0.1:{port}/telegram-hook"

    def update(update_id: int) -> bytes:
        return json.dumps(
            {"update_id": update_id, **updates.text(chat, ALICE, "dry lips")}
        ).encode()

    async with bot_process(env) as process, httpx.AsyncClient() as client:
        [registered] = await fake_api.wait_for("setWebhook", within=STARTUP)
        assert registered.params["url"] == env["WEBHOOK_URL"]
        assert registered.params["secret_token"] == secret

        async def post(body: bytes, headers: dict[str, str]) -> int:
            for _ in range(int(STARTUP * 10)):  # the server starts just after setWebhook
                try:
                    response = await client.post(hook, content=body, headers=headers)
                except httpx.ConnectError:
                    await asyncio.sleep(0.1)
                    continue
                return response.status_code
            raise AssertionError("the webhook server never started")

        json_type = {"Content-Type": "application/json"}
        right = {**json_type, "X-Telegram-Bot-Api-Secret-Token": secret}
        wrong = {**json_type, "X-Telegram-Bot-Api-Secret-Token": "guessed"}
        assert await post(update(1), right) == 200
        await fake_api.wait_for("sendMessage", chat_id=ALICE.id, within=STARTUP)
        assert await post(update(2), wrong) == 403
        assert await post(update(3), json_type) == 403
        assert await post(update(4), right) == 200
        # Telegram re-sends an update it got no answer for in time:
        assert await post(update(4), right) == 200
        replies = await fake_api.wait_for("sendMessage", chat_id=ALICE.id, count=2)
        assert await health(env) == 0
        stderr = await stop(process)
    assert len(replies) == 2
    assert len(fake_api.calls_to("sendMessage")) == 2  # the re-sent update 4 answered once
    assert "update 2 " not in stderr
    assert "update 3 " not in stderr
    assert "update 4 text" in stderr
    assert fake_api.calls_to("getUpdates") == []


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        ({}, "Configuration error: TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "123:abc", "LOG_LEVEL": "LOUD"}, "Configuration error: LOG_LEVEL"),
    ],
)
async def test_bad_settings_stop_the_process_with_one_sentence(
    env: dict[str, str], sentence: str
) -> None:
    async with bot_process(env) as process:
        _, stderr = await asyncio.wait_for(process.communicate(), STARTUP)
    assert process.returncode == 2
    lines = stderr.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(sentence)


async def test_a_rejected_token_stops_the_process_with_one_sentence(
    fake_api: FakeBotApi,
) -> None:
    env = {"TELEGRAM_BOT_TOKEN": "999:wrong-token", "TELEGRAM_API_BASE_URL": fake_api.base_url}
    async with bot_process({**env, "LOG_LEVEL": "INFO"}) as process:
        _, stderr = await asyncio.wait_for(process.communicate(), STARTUP)
    assert process.returncode == 2
    assert "Traceback" not in stderr.decode()
    assert stderr.decode().strip().splitlines()[-1].startswith("Telegram did not accept")


def test_the_docker_image_runs_as_a_user_without_a_baked_in_token() -> None:
    """Docker cannot run on the development machine: the Dockerfile's promises are checked as text."""
    lines = (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
    instructions = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    stages = [line for line in instructions if line.startswith("FROM ")]
    assert len(stages) >= 2  # multi-stage: no build tools in the image that runs
    assert all(re.match(r"FROM python:3\.11-slim@sha256:[0-9a-f]{64}\b", s) for s in stages)
    users = [line for line in instructions if line.startswith("USER ")]
    assert users
    assert re.fullmatch(r"USER [1-9][0-9]*(:[1-9][0-9]*)?", users[-1])  # numeric, not root
    settings = [line for line in instructions if line.startswith(("ENV", "ARG"))]
    assert not any("TELEGRAM_BOT_TOKEN" in line for line in settings)
    assert any(line.startswith("COPY knowledge") for line in instructions)
    # Dependencies are installed, with the constraints CI uses, before the code is copied.
    installs = [i for i, line in enumerate(instructions) if "-c constraints.txt" in line]
    first_code = next(i for i, line in enumerate(instructions) if line.startswith("COPY bot"))
    assert installs
    assert installs[0] < first_code
    assert instructions[-1] == 'CMD ["python", "-m", "bot", "run"]'
    healthcheck = next(i for i, line in enumerate(instructions) if line.startswith("HEALTHCHECK"))
    assert instructions[healthcheck + 1] == 'CMD ["python", "-m", "bot", "health"]'
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".git", ".venv", "*.pickle", "*.sqlite3*"} <= set(ignored)
