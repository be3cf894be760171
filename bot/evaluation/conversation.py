"""Evaluating the conversation layer on multi-turn sets (eval/conversations.yaml): each turn's reply,
given what the chat said before, against what a good reply is."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.content import ContentError, Fields, read_yaml
from bot.conversation.chat import conversation_for
from bot.reply import Kind, Responder

# At least this share of turns right, and at most this share answered with the long fallback.
TARGET_RIGHT = 0.85
TARGET_FALLBACKS = 0.05


def is_conversation_set(path: Path) -> bool:
    """A YAML file of multi-turn conversations (other YAML sets are labelled messages)."""
    if path.suffix not in (".yaml", ".yml") or not path.is_file():
        return False
    data = read_yaml(path)
    return isinstance(data, dict) and "conversations" in data


def evaluate_conversations(path: Path, responder: Responder) -> tuple[str, bool]:
    conversations = _read(path)
    right, fallbacks, misses = 0, 0, Counter[str]()
    turns = 0
    for number, conversation in enumerate(conversations):
        talk = conversation_for(responder)
        for message, expected in conversation:
            turn = talk.reply(number, message)
            kind = "browse" if turn.browse else turn.reply.kind.value
            turns += 1
            fallbacks += turn.reply.kind is Kind.FALLBACK
            if _matches(kind, turn.reply.entry, expected):
                right += 1
            else:
                misses[f"{expected} got {kind}"] += 1
    share, fallback_share = right / turns, fallbacks / turns
    met = share >= TARGET_RIGHT and fallback_share <= TARGET_FALLBACKS
    lines = [
        f"{path.name}: {len(conversations)} conversations, {turns} turns",
        f"  turns answered as expected: {right}/{turns} ({share:.0%}, target {TARGET_RIGHT:.0%})",
        f"  long fallbacks: {fallbacks}/{turns} ({fallback_share:.0%}, target ≤ "
        f"{TARGET_FALLBACKS:.0%})",
    ]
    lines += [f"  missed: {what} ({count})" for what, count in misses.most_common()]
    return "\n".join(lines), met


def _matches(kind: str, entry: str | None, expected: str) -> bool:
    for option in expected.split("|"):
        wanted, _, wanted_entry = option.partition(":")
        if wanted == "nonfallback" and kind != Kind.FALLBACK.value:
            return True
        if wanted == kind and (not wanted_entry or wanted_entry == entry):
            return True
    return False


def _read(path: Path) -> list[list[tuple[str, str]]]:
    fields = Fields(read_yaml(path), path)
    conversations = []
    for position, item in enumerate(fields.items("conversations"), start=1):
        turns = []
        for turn in item if isinstance(item, list) else []:
            if not (isinstance(turn, list) and len(turn) == 2):
                raise ContentError(path, "each turn is [message, expected]", entry=str(position))
            turns.append((str(turn[0]), str(turn[1])))
        if not turns:
            raise ContentError(path, "a conversation is a list of turns", entry=str(position))
        conversations.append(turns)
    return conversations
