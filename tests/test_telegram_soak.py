"""The soak, short: 1 500 updates from 100 users through the fake Bot API, with the checks of
`python -m bot bench --telegram --soak` (bot/telegram/soak.py): every update answered exactly once,
in the right chat and in reply to the right message, chatter left alone, no 429, memory flat. And the
soak's own instruments: the checker catches what goes wrong, the fake enforces the flood limits."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from bot.cli import main
from bot.reply import Responder
from bot.telegram.config import TELEGRAM_FLOOD_LIMITS, FloodLimits
from bot.telegram.soak import (
    MAX_MEMORY_GROWTH,
    MAX_RSS_GROWTH,
    SOAK,
    Checker,
    Key,
    Planned,
    soak,
)
from bot.testing.fake_bot_api import Call, FakeBotApi, Fault

QUICK = replace(
    SOAK,
    updates=1_500,
    users=100,
    groups=10,
    per_second=400,
    burst_every=300,
    burst_size=100,
    # The group limit's clock runs faster too, or the storm alone would take 18 s.
    flood_limits=TELEGRAM_FLOOD_LIMITS.faster(overall=10, group=20),
    pool=500,
)


async def test_a_short_soak_answers_every_update_once_where_it_belongs(
    responder: Responder,
) -> None:
    report = await soak(responder, QUICK)
    checker = report.checker
    assert report.problems == [], "\n".join(report.lines())
    assert report.pushed >= QUICK.updates
    assert checker.matched == checker.expected_calls > QUICK.updates // 2
    assert checker.answered == report.pushed - checker.silent
    assert checker.silent > QUICK.updates // 5  # chatter, and the /ask flood beyond its notice
    assert len(checker.storm_latencies) == QUICK.storm
    assert checker.too_many_requests == 0
    assert report.growth < MAX_MEMORY_GROWTH
    assert report.rss_growth < MAX_RSS_GROWTH
    printed = "\n".join(report.lines())
    assert "429 Too Many Requests: 0;" in printed
    assert "p99" in printed
    assert printed.endswith("no 429")


def call(method: str, at: float = 0.0, **params: object) -> Call:
    return Call(method, dict(params), at)


def test_the_checker_counts_duplicates_misdirected_wrong_and_missing_answers() -> None:
    checker = Checker()
    private: Key = ("msg", 7, None)
    quoted: Key = ("msg", -5, 12)
    checker.expect(Planned({}, [(private, hash("answer"))]), pushed_at=1.0)
    checker.expect(Planned({}, [(quoted, hash("group answer"))]), pushed_at=1.0)
    checker.expect(Planned({}, [(("msg", 8, None), hash("lost"))]), pushed_at=1.0)
    checker.expect(Planned({}, []), pushed_at=1.0)  # chatter

    checker.observe(call("sendMessage", 1.5, chat_id=7, text="answer"))
    checker.observe(call("sendMessage", 1.6, chat_id=7, text="answer"))  # twice
    checker.observe(call("sendMessage", 1.7, chat_id=-5, text="group answer"))  # not quoted
    checker.observe(
        call("sendMessage", 1.8, chat_id=-5, text="other", reply_parameters={"message_id": 12})
    )
    checker.observe(Call("sendMessage", {"chat_id": 9}, 1.9, fault=Fault.FLOOD))
    assert (checker.matched, checker.unexpected, checker.wrong) == (2, 2, 1)
    assert checker.missing == 1
    assert checker.silent == 1
    assert checker.too_many_requests == 1
    assert list(checker.latencies) == [0.5, pytest.approx(0.8)]


async def test_the_fake_answers_429_to_messages_beyond_the_flood_limits() -> None:
    limits = FloodLimits(overall=3, overall_period=60, group=1, group_period=60)
    async with FakeBotApi(flood_limits=limits) as api, httpx.AsyncClient() as client:
        url = f"{api.base_url}{api.token}/sendMessage"

        async def send(chat_id: int) -> int:
            response = await client.post(url, json={"chat_id": chat_id, "text": "hi"})
            return response.status_code

        group = [await send(-100) for _ in range(4)]
        private = [await send(7) for _ in range(3)]
    # Two messages of slack over each limit (the network may deliver messages closer together than
    # they were sent); the buckets drain too slowly (3 and 1 a minute) to matter here.
    assert group == [200, 200, 200, 429]  # one a minute per group, plus the slack
    assert private == [200, 200, 429]  # 3 + 2 overall: the group's three counted too
    assert [c.fault for c in api.calls if c.fault] == [Fault.FLOOD, Fault.FLOOD]


def test_bench_soak_runs_the_soak(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[object] = []

    def run(knowledge: object) -> int:
        ran.append(knowledge)
        return 0

    monkeypatch.setattr("bot.telegram.soak.run_telegram_soak", run)
    assert main(["bench", "--telegram", "--soak"]) == 0
    assert ran == [None]
