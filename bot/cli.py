"""Command line: `python -m bot [chat|ask|evaluate|check|bench|safety-words|run|health]`.

With no command, the bot runs on Telegram when TELEGRAM_BOT_TOKEN is set, and opens the local
console otherwise, so a fresh clone is useful before anyone has created a bot with BotFather.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.content import ContentError
from bot.knowledge import KNOWLEDGE_ENV, Entry, OutOfScope, default_directory
from bot.reply import ChatSettings, Responder, load_responder
from bot.retrieval.encoder import ModelError
from bot.safety.real_words import DEFAULT_DICTIONARY, run_safety_words

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if isinstance(
        sys.stdin, io.TextIOWrapper
    ):  # bytes that are not UTF-8 must not end the session
        sys.stdin.reconfigure(errors="replace")
    command = args.command or ("run" if os.environ.get(TOKEN_ENV) else "chat")
    try:
        return _COMMANDS[command](args)
    except ContentError as error:
        print(f"Content error: {error}", file=sys.stderr)
        return 2
    except ModelError as error:
        print(f"Model error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`... | head`): not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _parser() -> argparse.ArgumentParser:
    knowledge_help = f"content directory (default: ${KNOWLEDGE_ENV} or the bundled knowledge/)"
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("--knowledge", type=Path, help=knowledge_help)
    # Also accepted after the command (`python -m bot check --knowledge DIR`); SUPPRESS keeps a value
    # given before the command when none is given after it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--knowledge", type=Path, default=argparse.SUPPRESS, help=knowledge_help)
    commands = parser.add_subparsers(dest="command")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=summary, parents=[common])

    command("chat", "talk to the bot in this terminal")
    ask = command("ask", "print the reply to one question")
    ask.add_argument("question", nargs="?", help="the question (omit with --jsonl)")
    ask.add_argument(
        "--jsonl", action="store_true", help="read one message per line on stdin, write JSON lines"
    )
    ask.add_argument("--region", help="region code for crisis and emergency numbers")
    evaluate = command("evaluate", "measure accuracy on labelled messages")
    evaluate.add_argument(
        "files", nargs="*", type=Path, help="TSV or YAML sets (default: the shipped eval/ sets)"
    )
    evaluate.add_argument(
        "--guide", type=Path, help="the guide's text, for the BM25 baseline over its raw sections"
    )
    command("check", "validate the content and report what was loaded")
    bench = command("bench", "measure load time, reply latency and throughput")
    bench.add_argument("--telegram", action="store_true", help="end to end through a fake Bot API")
    bench.add_argument(
        "--compare",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="compare the candidate sentence encoders on these labelled sets",
    )
    bench.add_argument(
        "--soak", action="store_true", help="with --telegram: 20 000 updates, every answer checked"
    )
    words = command("safety-words", "regenerate knowledge/safety-real-words.txt from a word list")
    words.add_argument(
        "--dictionary", type=Path, default=DEFAULT_DICTIONARY, help="one word a line (%(default)s)"
    )
    words.add_argument(
        "--check", action="store_true", help="only report the words that differ (exit status 1)"
    )
    command("run", "run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    command("health", "exit 0 if the running bot's heartbeat is fresh (Docker's HEALTHCHECK)")
    stats = command("stats", "print the answer and feedback counts the bot kept (no text, no ids)")
    stats.add_argument(
        "--state",
        type=Path,
        help="the bot's state file (default: $BOT_PERSISTENCE_PATH or its default)",
    )
    stats.add_argument("--group", type=int, help="only this group's own counts (its chat id)")
    return parser


def _chat(args: argparse.Namespace) -> int:
    from bot.console import run_console

    return run_console(_responder(args), sys.stdin, sys.stdout)


def _ask(args: argparse.Namespace) -> int:
    responder = _responder(args)
    regions = responder.knowledge.safety.regions
    if args.region is not None and args.region.casefold() not in regions:
        print(f"Unknown region '{args.region}': use one of {', '.join(regions)}.", file=sys.stderr)
        return 2
    chat = ChatSettings(region=args.region.casefold() if args.region else None)
    if args.jsonl:
        _answer_lines(responder, chat, sys.stdin, sys.stdout)
        return 0
    if not args.question:
        print(
            "Give a question, or use --jsonl to read messages from standard input.",
            file=sys.stderr,
        )
        return 2
    print(responder.reply(args.question, chat).plain_text)
    return 0


def _answer_lines(responder: Responder, chat: ChatSettings, source: TextIO, sink: TextIO) -> None:
    for line in source:
        message = line.rstrip("\n")
        sink.write(json.dumps(responder.reply(message, chat).as_json(), ensure_ascii=False) + "\n")
        sink.flush()


def _evaluate(args: argparse.Namespace) -> int:
    from bot.evaluation import run_evaluation

    return run_evaluation(_responder(args), args.files, guide=args.guide)


def _check(args: argparse.Namespace) -> int:
    responder = _responder(args)
    knowledge = responder.knowledge
    questions = sum(len(entry.questions) for entry in knowledge.entries.values())
    print(
        f"OK: {len(knowledge.entries)} entries in {len(knowledge.sections)} sections, "
        f"{questions} alternate questions, {len(knowledge.smalltalk)} small-talk topics, "
        f"{len(knowledge.safety.regions)} regions, from {knowledge.directory}"
    )
    # The semantic index is built from this content at load, so it cannot be stale; the model's
    # weights were checked against their published sha256 before it loaded.
    print(f"Semantic layer: {responder.ranker.model_name}, weights verified, index built at load")
    items: list[Entry | OutOfScope] = [*knowledge.entries.values(), *knowledge.out_of_scope]
    signed = sum(item.reviewed is not None for item in items)
    labelled = sum(item.note is not None for item in items)
    print(
        f"Review: {signed} of {len(items)} entries and out-of-scope topics signed off "
        f"(the rest 'reviewed: pending'); {labelled} carry a safety note from the official leaflet"
    )
    return 0


def _bench(args: argparse.Namespace) -> int:
    if (
        importlib.util.find_spec("bot.benchmark") is None
    ):  # an installed wheel leaves the tools out
        print("The benchmarks run from a source checkout (pip install -e .).", file=sys.stderr)
        return 2
    if args.soak:
        from bot.telegram.soak import run_telegram_soak

        return run_telegram_soak(_knowledge(args))
    if args.telegram:
        from bot.telegram.bench import run_telegram_benchmark

        return run_telegram_benchmark(_knowledge(args))
    from bot.benchmark import run_benchmark, run_comparison

    if args.compare:
        return run_comparison(_knowledge(args), args.compare)
    return run_benchmark(_knowledge(args))


def _safety_words(args: argparse.Namespace) -> int:
    directory = _knowledge(args) or default_directory()
    return run_safety_words(directory, args.dictionary, check=args.check)


def _run(args: argparse.Namespace) -> int:
    from bot.telegram import run_bot

    return run_bot(_knowledge(args))


def _health(_args: argparse.Namespace) -> int:
    from bot.telegram.health import check_health, heartbeat_path

    problem = check_health(heartbeat_path(os.environ))
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    return 0


def _stats(args: argparse.Namespace) -> int:
    from bot.telegram.config import DEFAULT_PERSISTENCE_PATH, PERSISTENCE_ENV
    from bot.telegram.stats import stored_stats

    state = args.state or Path(os.environ.get(PERSISTENCE_ENV) or DEFAULT_PERSISTENCE_PATH)
    knowledge = _responder(args).knowledge
    print(stored_stats(state, knowledge, args.group))
    return 0


def _responder(args: argparse.Namespace) -> Responder:
    return load_responder(_knowledge(args))


def _knowledge(args: argparse.Namespace) -> Path | None:
    return getattr(args, "knowledge", None)


_COMMANDS = {
    "chat": _chat,
    "ask": _ask,
    "evaluate": _evaluate,
    "check": _check,
    "bench": _bench,
    "safety-words": _safety_words,
    "run": _run,
    "health": _health,
    "stats": _stats,
}
