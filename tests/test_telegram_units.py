"""The Telegram adapter's small parts: callback data and deep links, the cooldown, per-chat ordering,
and its texts (stored settings: tests/test_telegram_state.py)."""

from __future__ import annotations

import asyncio
import re

import pytest
from telegram import Update

from bot.knowledge import Knowledge
from bot.reply import Responder
from bot.telegram.delivery import FairUpdateProcessor
from bot.telegram.keyboards import (
    SECTION_PAYLOAD_PREFIX,
    TOPICS_PAYLOAD,
    Action,
    Press,
    area_keyboard,
    areas_keyboard,
    callback_data,
    parse_press,
    topics_keyboard,
)
from bot.telegram.state import CheckinMemory, Cooldown, Verdict
from bot.texts import REQUIRED_TEXTS

DEEP_LINK_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


@pytest.fixture
def knowledge(responder: Responder) -> Knowledge:
    return responder.knowledge


def test_every_button_fits_telegrams_callback_data_limit(knowledge: Knowledge) -> None:
    keyboards = [areas_keyboard(knowledge), topics_keyboard(knowledge, list(knowledge.entries))]
    keyboards += [area_keyboard(knowledge, section, "Back") for section in knowledge.sections]
    data = [
        button.callback_data
        for keyboard in keyboards
        if keyboard is not None
        for row in keyboard.inline_keyboard
        for button in row
    ]
    assert len(data) > len(knowledge.entries)
    assert all(isinstance(d, str) and len(d.encode()) <= 64 for d in data)
    for code in knowledge.safety.regions:
        assert len(callback_data(Action.REGION, code).encode()) <= 64


def test_every_topic_and_area_has_a_valid_deep_link(knowledge: Knowledge) -> None:
    payloads = [*knowledge.entries, *(SECTION_PAYLOAD_PREFIX + s for s in knowledge.sections)]
    assert all(DEEP_LINK_PAYLOAD.fullmatch(payload) for payload in payloads)
    assert TOPICS_PAYLOAD not in knowledge.entries
    assert not any(entry.startswith(SECTION_PAYLOAD_PREFIX) for entry in knowledge.entries)


@pytest.mark.parametrize(
    ("data", "press"),
    [
        ("t:dry-lips", Press(Action.TOPIC, "dry-lips")),
        ("s:", Press(Action.SECTION, "")),
        ("w:off", Press(Action.WATCH, "off")),
        ("r:gb", Press(Action.REGION, "gb")),
        ("t:a:b", Press(Action.TOPIC, "a:b")),
        ("x:1", None),
        ("t", None),
        ("", None),
        (None, None),
        ("t:" + "x" * 63, None),
    ],
)
def test_button_data_is_parsed_without_trusting_it(data: object, press: Press | None) -> None:
    assert parse_press(data) == press


def test_callback_data_over_the_limit_is_refused_when_built() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        callback_data(Action.TOPIC, "x" * 63)


def test_the_cooldown_lets_a_burst_through_says_so_once_then_waits_out_the_window() -> None:
    now = [0.0]
    cooldown = Cooldown(replies=2, window=60, clock=lambda: now[0])
    verdicts = [cooldown.check(-1) for _ in range(5)]
    assert verdicts == [
        Verdict.REPLY,
        Verdict.REPLY,
        Verdict.NOTIFY,
        Verdict.SILENT,
        Verdict.SILENT,
    ]
    assert cooldown.check(-2) is Verdict.REPLY  # other groups are not affected
    now[0] = 59.9
    assert cooldown.check(-1) is Verdict.SILENT
    now[0] = 60.0
    assert [cooldown.check(-1) for _ in range(4)] == [
        Verdict.REPLY,
        Verdict.REPLY,
        Verdict.NOTIFY,  # at most one notice per window
        Verdict.SILENT,
    ]
    now[0] = 125.0
    assert [cooldown.check(-1) for _ in range(3)] == [Verdict.REPLY, Verdict.REPLY, Verdict.NOTIFY]


def test_check_ins_are_counted_per_chat_and_age_out() -> None:
    now = [0.0]
    memory = CheckinMemory(window=3600, clock=lambda: now[0])
    assert memory.recent(7) == 0
    memory.note(7)
    now[0] = 10.0
    memory.note(7)
    assert (memory.recent(7), memory.recent(8)) == (2, 0)
    now[0] = 3605.0
    assert memory.recent(7) == 1
    now[0] = 3611.0
    assert memory.recent(7) == 0


async def test_updates_of_one_chat_are_handled_in_order_and_other_chats_meanwhile() -> None:
    processor = FairUpdateProcessor(max_active=2, is_urgent=lambda update: False)
    finished: list[str] = []
    release_first = asyncio.Event()
    other_chat_done = asyncio.Event()

    def update(update_id: int, chat_id: int) -> Update:
        chat = {"id": chat_id, "type": "private"}
        message = {"message_id": update_id, "date": 0, "chat": chat, "text": "hi"}
        return Update.de_json({"update_id": update_id, "message": message}, None)

    async def handle(name: str, wait: asyncio.Event | None = None) -> None:
        if wait is not None:
            await wait.wait()
        finished.append(name)
        if name == "b1":
            other_chat_done.set()

    async with processor:
        tasks = [
            asyncio.create_task(
                processor.process_update(update(1, 1), handle("a1", release_first))
            ),
            asyncio.create_task(processor.process_update(update(2, 1), handle("a2"))),
            asyncio.create_task(processor.process_update(update(3, 2), handle("b1"))),
        ]
        await asyncio.wait_for(other_chat_done.wait(), 5)
        assert finished == ["b1"]  # chat 2 was not held up by chat 1's slow update
        release_first.set()
        await asyncio.gather(*tasks)
    assert finished == ["b1", "a1", "a2"]


def test_every_telegram_text_is_required_and_every_required_one_exists(
    knowledge: Knowledge,
) -> None:
    import yaml

    path = knowledge.directory / "texts" / "telegram.yaml"
    shipped = set(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert shipped == set(REQUIRED_TEXTS["telegram"])


def test_the_benchmark_pairs_every_update_with_its_reply(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.telegram import bench

    for name, value in {"WARM_UP": 5, "BURST_UPDATES": 40, "STEADY_UPDATES": 20}.items():
        monkeypatch.setattr(bench, name, value)
    bench.run_telegram_benchmark(None)  # the figures of so short a run mean little
    report = capsys.readouterr().out
    assert "burst: 40 updates queued at once" in report
    assert re.search(r"steady: 20 updates at \d+/s, update to reply: p50 [\d.]+ ms", report)
