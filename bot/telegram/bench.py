"""`python -m bot bench --telegram`: the whole bot, end to end, against the fake Bot API over real HTTP.

Updates from many simulated private chats (questions, topic buttons, inline queries) are served by long
polling to the real Application (`build_application`), which answers through the Bot API. Two runs:
- burst: thousands of updates queued at once; how many the bot handles per second;
- steady: updates arriving at a steady rate below capacity; the time from getUpdates handing an update
  over to the fake server receiving its reply (p50/p99), i.e. what a user waits for, Telegram aside.

Telegram's own flood limits (30 messages/s, 20 per minute per group) are switched off here, or they,
not the bot, would be measured; retries after errors stay on. The fake server runs in the same process
and its work counts against the bot's figures.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.reply import Responder, load_responder
from bot.telegram.app import build_application
from bot.telegram.config import Settings
from bot.testing.fake_bot_api import Call, FakeBotApi
from bot.testing.harness import PollingBot
from bot.testing.updates import Person, Updates, private_chat, sent_message

BURST_UPDATES = 2000
STEADY_UPDATES = 1000
STEADY_PER_SECOND = 100
CHATS = 200
WARM_UP = 100
TARGET_PER_SECOND = 200
TIMEOUT_SECONDS = 120.0

Traffic = list[tuple[dict[str, Any], "Expected"]]


@dataclass(frozen=True)
class Expected:
    update_id: int
    method: str  # the call that shows the update was answered
    key: int | str  # its chat id, or its inline query id


@dataclass(frozen=True)
class Result:
    updates: int
    seconds: float  # from the first update handed over to the last reply received
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    def milliseconds(self, percent: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[percent - 1] * 1000


def run_telegram_benchmark(knowledge_dir: Path | None) -> int:
    responder = load_responder(knowledge_dir)
    burst, steady = asyncio.run(_benchmark(responder))
    print(
        f"Telegram end to end: real PTB Application, real HTTP to a fake Bot API on 127.0.0.1; "
        f"{CHATS} private chats sending 80% questions, 10% topic buttons, 10% inline queries; "
        "Telegram's flood limits off."
    )
    print(
        f"burst: {burst.updates} updates queued at once, handled in {burst.seconds:.1f} s: "
        f"{burst.per_second:,.0f} updates/s (target >= {TARGET_PER_SECOND})"
    )
    print(
        f"steady: {steady.updates} updates at {STEADY_PER_SECOND}/s, update to reply: "
        f"p50 {steady.milliseconds(50):.1f} ms, p99 {steady.milliseconds(99):.1f} ms"
    )
    return 0 if burst.per_second >= TARGET_PER_SECOND else 1


async def _benchmark(responder: Responder) -> tuple[Result, Result]:
    with tempfile.TemporaryDirectory() as state:
        async with FakeBotApi() as api:
            settings = Settings(
                token=api.token,
                api_base_url=api.base_url,
                persistence_path=Path(state) / "bench.sqlite3",
                flood_limits=None,
            )
            async with PollingBot(api, build_application(settings, responder)) as bot:
                workload = _Workload(responder, api)
                await _play(bot, workload.make(WARM_UP))
                burst = await _play(bot, workload.make(BURST_UPDATES))
                steady = await _play(bot, workload.make(STEADY_UPDATES), STEADY_PER_SECOND)
                return burst, steady


async def _play(bot: PollingBot, traffic: Traffic, per_second: int | None = None) -> Result:
    """Queue the traffic (all at once, or `per_second` in steps of a hundredth of a second), wait
    until it is handled, and pair every update with its reply."""
    api = bot.api
    first_call = len(api.calls)
    step = len(traffic) if per_second is None else max(1, per_second // 100)
    for start in range(0, len(traffic), step):
        for update, _ in traffic[start : start + step]:
            api.push(update)
        if per_second is not None:
            await asyncio.sleep(step / per_second)
    await bot.settle(within=TIMEOUT_SECONDS)
    answers = _answers(api.calls[first_call:])
    replied_at = [answers[(e.method, e.key)].pop(0).at for _, e in traffic]
    if any(answers.values()):
        raise RuntimeError("more replies than updates: the pairing is off")
    handed_over = [api.delivered_at[expected.update_id] for _, expected in traffic]
    latencies = [reply - update for reply, update in zip(replied_at, handed_over, strict=True)]
    return Result(len(traffic), max(replied_at) - min(handed_over), latencies)


def _answers(calls: list[Call]) -> dict[tuple[str, int | str], list[Call]]:
    """Replies by (method, chat or inline query), in the order the fake received them."""
    found: dict[tuple[str, int | str], list[Call]] = {}
    for call in calls:
        if call.fault is not None:
            continue
        if call.method == "sendMessage" and call.chat_id is not None:
            found.setdefault((call.method, call.chat_id), []).append(call)
        elif call.method == "answerInlineQuery":
            found.setdefault((call.method, str(call.params["inline_query_id"])), []).append(call)
    return found


class _Workload:
    """Realistic traffic: the knowledge base's own questions, its topic buttons, inline searches.
    Only messages answered in one Telegram message are used, so each update has exactly one reply."""

    def __init__(self, responder: Responder, api: FakeBotApi) -> None:
        self.updates = Updates()
        self.bot_user = api.bot_user
        self.people = [Person(500_000 + n, f"Patient {n}") for n in range(CHATS)]
        entries = responder.knowledge.entries.values()
        self.questions = itertools.cycle(
            [q for e in entries for q in e.questions if len(responder.reply(q).parts()) == 1]
        )
        self.topics = itertools.cycle(list(responder.knowledge.entries))
        self.turn = itertools.count()
        self.update_ids = itertools.count(1)

    def make(self, count: int) -> Traffic:
        return [self._next() for _ in range(count)]

    def _next(self) -> tuple[dict[str, Any], Expected]:
        turn = next(self.turn)
        person = self.people[turn % len(self.people)]
        chat = private_chat(person)
        kind = turn % 10
        update_id = next(self.update_ids)
        if kind == 0:
            update = self.updates.inline_query(person, next(self.questions))
            query_id = update["inline_query"]["id"]
            expected = Expected(update_id, "answerInlineQuery", query_id)
        elif kind == 1:
            menu = sent_message(chat, 1, self.bot_user)
            update = self.updates.button_press(person, menu, f"t:{next(self.topics)}")
            expected = Expected(update_id, "sendMessage", person.id)
        else:
            update = self.updates.text(chat, person, next(self.questions))
            expected = Expected(update_id, "sendMessage", person.id)
        update["update_id"] = update_id
        return update, expected
