"""The local console: the same conversation as on Telegram, in a terminal, with no token needed."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TextIO

from bot.conversation import Turn
from bot.conversation.chat import conversation_for
from bot.reply import ChatSettings, Kind, Reply, Responder

_QUIT = frozenset({"/quit", "/exit", "quit", "exit"})
CONSOLE_CHAT = "console"  # the one chat a console has, for its conversation memory


def run_console(responder: Responder, source: TextIO, sink: TextIO) -> int:
    texts = responder.knowledge.texts
    regions = responder.knowledge.safety.regions
    codes = ", ".join(regions)
    conversation = conversation_for(responder)
    chat = ChatSettings()
    read_line = _line_reader(source, sink, texts("console.prompt") + " ")
    sink.write(texts("console.banner", regions=codes) + "\n\n")
    while True:
        line = read_line()
        if line is None or line.strip().casefold() in _QUIT:
            sink.write("\n" + texts("console.goodbye") + "\n")
            return 0
        command, _, argument = line.strip().partition(" ")
        if command.casefold() == "/region":
            code = argument.strip().casefold()
            if not code:
                sink.write(texts("console.region_list", regions=_region_list(responder)) + "\n\n")
            elif code in regions:
                chat = replace(chat, region=code)
                sink.write(texts("console.region_set", name=regions[code].name) + "\n\n")
            else:
                sink.write(texts("console.region_unknown", regions=codes) + "\n\n")
            continue
        if command.casefold() == "/forget":
            conversation.forget(CONSOLE_CHAT)
            chat = replace(chat, earlier_checkins=0)
            sink.write(texts("console.forgotten") + "\n\n")
            continue
        turn = conversation.reply(CONSOLE_CHAT, line, chat)
        if turn.reply.checkin:
            chat = replace(chat, earlier_checkins=chat.earlier_checkins + 1)
        sink.write(as_terminal_text(turn, responder) + "\n\n")


def _line_reader(source: TextIO, sink: TextIO, prompt: str) -> Callable[[], str | None]:
    """At a terminal, `input` with readline's line editing and history; otherwise plain lines."""
    if source is sys.stdin and sink is sys.stdout and source.isatty():
        import readline  # noqa: F401  (imported for its side effect: `input` gains editing and history)

        def from_terminal() -> str | None:
            try:
                return input(prompt)
            except EOFError:
                return None

        return from_terminal

    def from_stream() -> str | None:
        sink.write(prompt)
        sink.flush()
        return source.readline() or None

    return from_stream


def _region_list(responder: Responder) -> str:
    regions = responder.knowledge.safety.regions.values()
    return "\n".join(f"  {region.code}: {region.name}" for region in regions)


def as_terminal_text(turn: Turn | Reply, responder: Responder) -> str:
    """Telegram HTML to plain terminal text; related topics and areas listed where Telegram shows
    buttons."""
    reply = turn.reply if isinstance(turn, Turn) else turn
    knowledge = responder.knowledge
    text = reply.plain_text
    if reply.kind is Kind.ANSWER and reply.suggestions:
        titles = ", ".join(knowledge.entries[key].title for key in reply.suggestions)
        text += f"\n\n{knowledge.texts('reply.related_intro')} {titles}"
    if isinstance(turn, Turn) and turn.browse:
        text += "\n\n" + "\n".join(f"• {title}" for title in knowledge.sections.values())
    return text
