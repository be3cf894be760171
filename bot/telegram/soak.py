"""`python -m bot bench --telegram --soak`: a bounded soak of the whole bot, end to end.

Simulated users talk to the real Application (`build_application`) through the fake Bot API over real
HTTP: private questions (the labelled evaluation messages, a realistic mix that includes crises), topic
buttons, inline queries; in support groups, chatter the bot must leave alone, mentions, /ask, buttons
and crises the safety watch answers. Updates arrive at a steady rate with concurrent bursts (many
users at once, and one user sending three messages at once), plus two group events: a crisis storm
(escalations, which no cooldown holds back) and one member flooding /ask (four answers, one notice).

Every update's answers are known before it is sent (the core is the oracle) and each call the fake
receives is checked as it arrives: right chat, in reply to the right message, right text, exactly
once; anything else is counted as unexpected, and what never came as missing. Memory is measured at
rest (all updates handled, after a garbage collection) after each quarter of the run.

Flood limits: the fake answers 429 to messages beyond Telegram's limits, which the bot's rate limiter
(AIORateLimiter, as in production) must keep to. The limit per group is Telegram's own (20 a minute);
the overall one (30 messages a second) runs on a clock ten times faster, since 20 000 updates at 30 a
second would take 11 minutes. The bot's per-group cooldown is production's too: groups get at most
four addressed messages each, so the soak knows exactly which ones are answered.
"""

from __future__ import annotations

import asyncio
import gc
import random
import resource
import statistics
import sys
import tempfile
import time
from array import array
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.conversation.chat import conversation_for
from bot.evaluation import default_sets
from bot.evaluation.labelled import read_labelled
from bot.reply import ChatSettings, Kind, Responder, load_responder
from bot.telegram.app import build_application
from bot.telegram.config import TELEGRAM_FLOOD_LIMITS, FloodLimits, Settings
from bot.telegram.handlers import WATCHED_TIERS, Frontend
from bot.telegram.state import GROUP_REPLIES_PER_WINDOW
from bot.testing.fake_bot_api import BOT_USERNAME, Call, FakeBotApi, Fault
from bot.testing.harness import PollingBot
from bot.testing.updates import Person, Updates, group_chat, private_chat, sent_message


@dataclass(frozen=True)
class SoakPlan:
    updates: int
    users: int
    groups: int
    per_second: int  # the steady rate; bursts come on top
    burst_every: int  # updates between bursts
    burst_size: int
    storm: int  # crisis messages posted at once in one group
    flood_limits: FloodLimits
    seed: int = 2
    # Messages drawn from the labelled sets for the traffic (None: all of them). Each one's expected
    # reply is worked out before the soak starts, so a short soak draws fewer.
    pool: int | None = None


SOAK = SoakPlan(
    updates=20_000,
    users=500,
    groups=100,
    per_second=200,
    burst_every=2_500,
    burst_size=400,
    storm=26,
    flood_limits=TELEGRAM_FLOOD_LIMITS.faster(overall=10),
)
STORM_CHAT = group_chat(-100_600_001, "Storm")
FLOOD_CHAT = group_chat(-100_600_002, "Flood")
FLOOD_ASKS = (
    GROUP_REPLIES_PER_WINDOW + 3
)  # one member's /ask burst: four answers, a notice, silence
SETTLE_SECONDS = 120.0
# Growth allowed from the end of the first quarter to the end of the last: Python's heap blocks (small
# objects), and resident memory (also large objects, and the allocator's fragmentation).
MAX_MEMORY_GROWTH = 0.05
MAX_RSS_GROWTH = 0.10


# -- What each update must bring back -----------------------------------------------------------------

Key = tuple[
    str, int | str, int | None
]  # ("msg", chat, quoted message) or ("callback"|"inline", id)


@dataclass
class _Update:
    pushed_at: float
    awaited: int  # expected calls not yet seen


@dataclass(frozen=True)
class Planned:
    update: dict[str, Any]
    expected: list[tuple[Key, object]]  # each call's key and what it must carry (see Checker)


@dataclass
class Checker:
    """Matches each call the fake receives to the update it answers; counts what does not match."""

    expected: dict[Key, deque[tuple[_Update, object]]] = field(default_factory=dict)
    expected_calls: int = 0
    matched: int = 0
    wrong: int = 0
    unexpected: int = 0
    too_many_requests: int = 0
    other_faults: int = 0
    answered: int = 0
    silent: int = 0  # updates that must get no answer at all
    first_push: float = 0.0
    last_answer: float = 0.0
    latencies: array[float] = field(default_factory=lambda: array("d"))
    storm_latencies: list[float] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def expect(self, planned: Planned, pushed_at: float) -> None:
        self.first_push = self.first_push or pushed_at
        if not planned.expected:
            self.silent += 1
            return
        update = _Update(pushed_at, len(planned.expected))
        for key, carried in planned.expected:
            self.expected.setdefault(key, deque()).append((update, carried))
        self.expected_calls += len(planned.expected)

    def observe(self, call: Call) -> None:
        if call.fault is not None:
            if call.fault in (Fault.FLOOD, Fault.RETRY_AFTER):
                self.too_many_requests += 1
            else:
                self.other_faults += 1
            return
        key, carried = _answer_key(call)
        if key is None:
            return  # getUpdates, getChatMember, set-up calls
        waiting = self.expected.get(key)
        if not waiting:
            self.unexpected += 1
            self._example(f"unexpected {call.method} {key}")
            return
        # An escalation goes ahead of its chat's waiting updates: match the reply to the first
        # update it answers, in whichever order they came.
        position = next((n for n, (_, w) in enumerate(waiting) if w == carried), 0)
        update, wanted = waiting[position]
        del waiting[position]
        if not waiting:
            del self.expected[key]
        self.matched += 1
        if carried != wanted:
            self.wrong += 1
            self._example(f"wrong content in {call.method} {key}")
        update.awaited -= 1
        if update.awaited == 0:
            self.answered += 1
            self.latencies.append(call.at - update.pushed_at)
            self.last_answer = max(self.last_answer, call.at)
            if key[1] == STORM_CHAT["id"]:
                self.storm_latencies.append(call.at - update.pushed_at)

    @property
    def missing(self) -> int:
        return sum(len(waiting) for waiting in self.expected.values())

    def _example(self, what: str) -> None:
        if len(self.examples) < 5:
            self.examples.append(what)


def _answer_key(call: Call) -> tuple[Key | None, object]:
    """The key an answering call is filed under, and what it carries to check."""
    params = call.params
    if call.method == "sendMessage" and call.chat_id is not None:
        quoted = (params.get("reply_parameters") or {}).get("message_id")
        return ("msg", call.chat_id, quoted), hash(call.text)
    if call.method == "answerCallbackQuery":
        return ("callback", str(params["callback_query_id"]), None), params.get("text")
    if call.method == "answerInlineQuery":
        results = params.get("results") or [{}]
        return ("inline", str(params["inline_query_id"]), None), results[0].get("id")
    return None, None


# -- The traffic --------------------------------------------------------------------------------------


class Traffic:
    """Updates with their expected answers, made on demand (so memory reflects the bot, not a plan)."""

    def __init__(self, responder: Responder, bot_user: dict[str, Any], plan: SoakPlan) -> None:
        self.responder = responder
        self.bot_user = bot_user
        self.random = random.Random(plan.seed)
        self.updates = Updates()
        self.people = [Person(700_000 + n, f"User {n}") for n in range(plan.users)]
        self.group_chats = [group_chat(-100_700_000 - n, f"Group {n}") for n in range(plan.groups)]
        self.members = {
            chat["id"]: self.random.sample(self.people, min(20, len(self.people)))
            for chat in self.group_chats
        }
        self.budget = dict.fromkeys(self.members, GROUP_REPLIES_PER_WINDOW)  # the cooldown's
        self.private_settings = ChatSettings(region=None)  # nobody chose a region
        default_region = responder.knowledge.safety.default_region
        self.group_settings = ChatSettings(region=default_region, in_group=True)
        # Private answers depend on what the chat said before (follow-ups): the soak keeps its own
        # copy of each chat's conversation, fed in the order the bot reads them.
        self.conversation = conversation_for(responder)
        self.cooldown_notice = hash(Frontend(responder).html("cooldown"))
        self._texts: dict[str, tuple[int, Kind, object]] = {}
        self._pools(responder, plan)

    def _pools(self, responder: Responder, plan: SoakPlan) -> None:
        labelled = [row for path in default_sets(responder) for row in read_labelled(path).rows]
        entries = responder.knowledge.entries.values()
        questions = [entry.questions[0] for entry in entries]
        # A soft check-in's reply depends on the chat's earlier check-ins (risk builds over turns), so
        # the soak, which predicts each reply on its own, leaves those messages out (tested elsewhere).
        pool = [message for message, _ in labelled] or questions
        if plan.pool is not None and plan.pool < len(pool):
            pool = self.random.sample(pool, plan.pool)
        self.messages = [m for m in pool if not responder.reply(m, self.private_settings).checkin]
        self.topics = list(responder.knowledge.entries)
        self.questions = [q for q in questions if self._group(q)[1] is Kind.ANSWER]
        self.watched = [m for m in self.messages if self._reply(m)[2] in WATCHED_TIERS]

    def _reply(self, text: str) -> tuple[int, Kind, object]:
        """The hash of the core's reply in a group, its kind, and its escalation (cached: messages
        recur; a group question is always a new topic of its own, so memory does not change it)."""
        if text not in self._texts:
            reply = self.responder.reply(text, self.group_settings)
            assert len(reply.parts()) == 1, "the soak counts one message per answer"
            self._texts[text] = (hash(reply.text), reply.kind, reply.escalation)
        return self._texts[text]

    def _group(self, text: str) -> tuple[int, Kind]:
        text_hash, kind, _ = self._reply(text)
        return text_hash, kind

    def steady(self) -> Iterator[Planned]:
        """The everyday mix, endlessly."""
        kinds = ["private"] * 50 + ["button"] * 10 + ["inline"] * 8 + ["chatter"] * 27
        kinds += ["addressed"] * 3 + ["group button"] * 1 + ["watched"] * 1
        while True:
            yield self._make(self.random.choice(kinds))

    def burst(self, size: int) -> list[Planned]:
        """Many users at once, a few of them sending three questions in a row."""
        planned = [
            self._make(self.random.choice(["private", "chatter", "inline"])) for _ in range(size)
        ]
        for _ in range(size // 20):
            person = self.random.choice(self.people)
            planned += [self._private(person) for _ in range(3)]
        return planned

    def storm(self, size: int) -> list[Planned]:
        """Crisis messages from many members of one group at once: every one is answered."""
        members = [Person(600_000 + n, f"Member {n}") for n in range(size)]
        return [self._watched(STORM_CHAT, member) for member in members] if self.watched else []

    def flood(self) -> list[Planned]:
        """One member sends /ask again and again: the cooldown answers four, notes it once, then
        stays silent."""
        chat = FLOOD_CHAT
        member = Person(600_999, "Flooder")
        planned = []
        for number in range(FLOOD_ASKS):
            question = self._question()
            update = self.updates.text(chat, member, f"/ask {question}")
            key: Key = ("msg", chat["id"], update["message"]["message_id"])
            if number < GROUP_REPLIES_PER_WINDOW:
                planned.append(Planned(update, [(key, self._group(question)[0])]))
            elif number == GROUP_REPLIES_PER_WINDOW:
                planned.append(Planned(update, [(key, self.cooldown_notice)]))
            else:
                planned.append(Planned(update, []))
        return planned

    def _make(self, kind: str) -> Planned:
        if kind == "private":
            return self._private(self.random.choice(self.people))
        if kind == "button":
            return self._button(private_chat(self.random.choice(self.people)))
        if kind == "inline":
            return self._inline()
        chat = self.random.choice(self.group_chats)
        member = self.random.choice(self.members[chat["id"]])
        if kind == "watched" and self.watched:
            return self._watched(chat, member)
        if kind in ("addressed", "group button") and self.budget[chat["id"]] > 0:
            self.budget[chat["id"]] -= 1
            return self._button(chat) if kind == "group button" else self._addressed(chat, member)
        return self._chatter(chat, member)

    def _private(self, person: Person) -> Planned:
        message = self.random.choice(self.messages)
        update = self.updates.text(private_chat(person), person, message)
        reply = self.conversation.reply((person.id, 0), message, self.private_settings).reply
        assert len(reply.parts()) == 1, "the soak counts one message per answer"
        return Planned(update, [(("msg", person.id, None), hash(reply.text))])

    def _button(self, chat: dict[str, Any]) -> Planned:
        """A topic button under a message the bot sent earlier; a group's answer quotes nothing."""
        person = self.random.choice(self.members.get(chat["id"], self.people))
        if chat["type"] == "private":
            person = Person(chat["id"], chat["first_name"])
        entry_id = self.random.choice(self.topics)
        talker = (chat["id"], 0 if chat["type"] == "private" else person.id)
        reply = self.conversation.choose(talker, entry_id)
        assert reply is not None
        assert len(reply.parts()) == 1, "the soak counts one message per answer"
        menu = sent_message(chat, 1, self.bot_user)
        update = self.updates.button_press(person, menu, f"t:{entry_id}")
        query = str(update["callback_query"]["id"])
        expected: list[tuple[Key, object]] = [
            (("callback", query, None), None),  # answered without a notice: the spinner stops
            (("msg", chat["id"], None), hash(reply.text)),
        ]
        return Planned(update, expected)

    def _inline(self) -> Planned:
        """An inline search that finds its entry: the first result is that entry's answer."""
        question = self.random.choice(self.questions)
        reply = self.responder.reply(question, self.group_settings)  # inline: the default region
        update = self.updates.inline_query(self.random.choice(self.people), question)
        query = str(update["inline_query"]["id"])
        return Planned(update, [(("inline", query, None), reply.entry)])

    def _addressed(self, chat: dict[str, Any], member: Person) -> Planned:
        question = self._question()
        text = self.random.choice([f"@{BOT_USERNAME} {question}", f"/ask {question}"])
        update = self.updates.text(chat, member, text)
        key: Key = ("msg", chat["id"], update["message"]["message_id"])
        return Planned(update, [(key, self._group(question)[0])])

    def _watched(self, chat: dict[str, Any], member: Person) -> Planned:
        message = self.random.choice(self.watched)
        update = self.updates.text(chat, member, message)
        key: Key = ("msg", chat["id"], update["message"]["message_id"])
        return Planned(update, [(key, self._group(message)[0])])

    def _chatter(self, chat: dict[str, Any], member: Person) -> Planned:
        """A message not addressed to the bot and not alarming: it must get nothing."""
        message = self.random.choice(self.messages)
        while self._reply(message)[2] in WATCHED_TIERS:
            message = self.random.choice(self.messages)
        return Planned(self.updates.text(chat, member, message), [])

    def _question(self) -> str:
        """A question the core answers in a group (not an escalation: the cooldown applies)."""
        return self.random.choice(self.questions)


# -- The run ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Memory:
    rss_mb: float
    blocks: int  # Python heap blocks allocated (sys.getallocatedblocks)


@dataclass
class SoakReport:
    plan: SoakPlan
    pushed: int
    checker: Checker
    memory: list[Memory]  # at rest after each quarter
    peak_rss_mb: float

    @property
    def seconds(self) -> float:
        return self.checker.last_answer - self.checker.first_push

    @property
    def growth(self) -> float:
        """Heap growth from the end of the first quarter to the end of the last."""
        return self.memory[-1].blocks / self.memory[0].blocks - 1

    @property
    def rss_growth(self) -> float:
        return self.memory[-1].rss_mb / self.memory[0].rss_mb - 1

    @property
    def problems(self) -> list[str]:
        checker = self.checker
        found = [
            f"{name}: {count}"
            for name, count in (
                (
                    "unexpected calls (duplicates, wrong chat or message, chatter answered)",
                    checker.unexpected,
                ),
                ("answers with the wrong content", checker.wrong),
                ("expected answers missing", checker.missing),
                ("429 Too Many Requests", checker.too_many_requests),
                ("other faults", checker.other_faults),
            )
            if count
        ]
        if self.growth > MAX_MEMORY_GROWTH or self.rss_growth > MAX_RSS_GROWTH:
            found.append(
                f"memory grew from the first quarter to the last: heap {self.growth:+.1%}, "
                f"RSS {self.rss_growth:+.1%}"
            )
        return found + checker.examples

    def lines(self) -> list[str]:
        checker, plan, limits = self.checker, self.plan, self.plan.flood_limits
        p50, p99 = (statistics.quantiles(checker.latencies, n=100)[p - 1] * 1000 for p in (50, 99))
        storm = max(checker.storm_latencies, default=0.0)
        rss = ", ".join(f"{m.rss_mb:.1f}" for m in self.memory)
        blocks = ", ".join(f"{m.blocks:,}" for m in self.memory)
        answered = self.pushed - checker.silent
        return [
            f"Telegram soak: {plan.users} users in private chats and {plan.groups + 2} groups, "
            f"{plan.per_second}/s on average with bursts of {plan.burst_size} at once; real PTB "
            "Application, real HTTP to a fake Bot API on 127.0.0.1, every answer checked.",
            f"flood limits, rate limiter and fake alike: {limits.overall} messages per "
            f"{limits.overall_period:g} s overall (Telegram: per 1 s), {limits.group} per "
            f"{limits.group_period:g} s in each group (Telegram: per 60 s)",
            f"updates sent: {self.pushed:,}; {answered:,} to be answered with "
            f"{checker.expected_calls:,} calls, {checker.silent:,} (chatter, the /ask flood's "
            "last) to be left alone",
            f"answers: {checker.matched:,} of {checker.expected_calls:,} expected calls, each "
            "matched to its update (right chat, in groups in reply to the right message, right "
            f"text); {checker.wrong} with wrong content, {checker.unexpected} unexpected "
            f"(duplicate, misdirected, chatter answered), {checker.missing} missing",
            f"429 Too Many Requests: {checker.too_many_requests}; crisis storm: "
            f"{len(checker.storm_latencies)} of {plan.storm} escalations in one group answered, "
            f"the last {storm:.1f} s after they were posted (the group limit)",
            f"throughput: {self.pushed:,} updates in {self.seconds:.1f} s, "
            f"{self.pushed / self.seconds:,.0f}/s (offered: {plan.per_second}/s); push to answer: "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms",
            f"memory at rest after each quarter: RSS {rss} MB ({self.rss_growth:+.1%} from the "
            f"first quarter to the last); Python heap blocks {blocks} ({self.growth:+.1%}); "
            f"peak RSS {self.peak_rss_mb:.1f} MB",
            "OK: every update answered exactly once, where it belongs; memory flat; no 429"
            if not self.problems
            else "PROBLEMS: " + "; ".join(self.problems),
        ]


def run_telegram_soak(knowledge_dir: Path | None) -> int:
    report = asyncio.run(soak(load_responder(knowledge_dir), SOAK))
    sys.stdout.write("\n".join(report.lines()) + "\n")
    return 0 if not report.problems else 1


async def soak(responder: Responder, plan: SoakPlan) -> SoakReport:
    with tempfile.TemporaryDirectory() as state:
        async with FakeBotApi(flood_limits=plan.flood_limits, keep_calls=False) as api:
            settings = Settings(
                token=api.token,
                api_base_url=api.base_url,
                persistence_path=Path(state) / "soak.sqlite3",
                flood_limits=plan.flood_limits,
            )
            checker = Checker()
            api.listeners.append(checker.observe)
            traffic = Traffic(responder, api.bot_user, plan)
            async with PollingBot(api, build_application(settings, responder)) as bot:
                pushed, memory = await _run(bot, traffic, checker, plan)
    return SoakReport(plan, pushed, checker, memory, _rss_mb("VmHWM"))


async def _run(
    bot: PollingBot, traffic: Traffic, checker: Checker, plan: SoakPlan
) -> tuple[int, list[Memory]]:
    """Push the plan's updates in four quarters; measure memory at rest after each."""
    steady = traffic.steady()
    # The storm early in the second quarter: the group limit spaces out its last answers, which must
    # all be sent before the quarter ends and memory is measured.
    events = {
        plan.updates * 3 // 10: traffic.storm(plan.storm),
        plan.updates * 6 // 10: traffic.flood(),
    }
    quarter = plan.updates // 4
    pushed, memory = 0, []
    started = time.perf_counter()
    for end in (quarter, 2 * quarter, 3 * quarter, plan.updates):
        while pushed < end:
            batch = [next(steady) for _ in range(max(1, plan.per_second // 100))]
            if pushed // plan.burst_every != (pushed + len(batch)) // plan.burst_every:
                batch += traffic.burst(plan.burst_size)
            batch += next((events.pop(at) for at in list(events) if at <= pushed), [])
            pushed += _push(bot.api, checker, batch)
            await asyncio.sleep(max(0.0, started + pushed / plan.per_second - time.perf_counter()))
        await bot.settle(within=SETTLE_SECONDS)
        memory.append(_memory_at_rest(bot.api))
        started = time.perf_counter() - pushed / plan.per_second  # the pause does not count
    return pushed, memory


def _push(api: FakeBotApi, checker: Checker, batch: list[Planned]) -> int:
    now = time.perf_counter()
    for planned in batch:
        checker.expect(planned, now)
        api.push(planned.update)
    return len(batch)


def _memory_at_rest(api: FakeBotApi) -> Memory:
    api.delivered_at.clear()  # the fake's record, which the soak does not use
    gc.collect()
    return Memory(_rss_mb(), sys.getallocatedblocks())


def _rss_mb(field: str = "VmRSS") -> float:
    """Resident memory now (VmRSS) or at its peak (VmHWM), in MB."""
    try:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith(f"{field}:"))
        return int(line.split()[1]) / 1024  # kB
    except (OSError, StopIteration):  # not Linux: the peak is what there is
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux and BSD
