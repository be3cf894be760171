"""`python -m bot bench`: load and index time, reply latency (p50/p99) and core throughput."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from bot.evaluation import default_sets
from bot.evaluation.labelled import read_labelled
from bot.reply import Responder, load_responder

ROUNDS = 5  # each message is answered this many times, so percentiles rest on thousands of samples
LOAD_TARGET_S = 0.5
P99_TARGET_MS = 2.0


def run_benchmark(knowledge_dir: Path | None) -> int:
    started = time.perf_counter()
    responder = load_responder(knowledge_dir)
    load_seconds = time.perf_counter() - started
    messages = _sample_messages(responder)
    for message in messages:  # warm-up: first calls pay for lazy imports and caches
        responder.reply(message)
    latencies = []
    total_started = time.perf_counter()
    for _ in range(ROUNDS):
        for message in messages:
            begin = time.perf_counter()
            responder.reply(message)
            latencies.append(time.perf_counter() - begin)
    total = time.perf_counter() - total_started
    p50, p99 = _percentile(latencies, 50), _percentile(latencies, 99)
    print(f"load and index: {load_seconds * 1000:.0f} ms (target < {LOAD_TARGET_S * 1000:.0f} ms)")
    print(f"replies: {len(latencies)} ({len(messages)} distinct messages x {ROUNDS} rounds)")
    print(
        f"latency: p50 {p50 * 1000:.3f} ms, p99 {p99 * 1000:.3f} ms (target p99 < {P99_TARGET_MS} ms)"
    )
    print(f"throughput: {len(latencies) / total:,.0f} replies/s on one core")
    met = load_seconds < LOAD_TARGET_S and p99 * 1000 < P99_TARGET_MS
    return 0 if met else 1


def _sample_messages(responder: Responder) -> list[str]:
    """The labelled evaluation messages (realistic lengths and mix), else the entries' own."""
    messages = [m for path in default_sets(responder) for m, _ in read_labelled(path).rows]
    if messages:
        return messages
    return [
        question for entry in responder.knowledge.entries.values() for question in entry.questions
    ]


def _percentile(samples: list[float], percent: int) -> float:
    return statistics.quantiles(samples, n=100)[percent - 1]
