"""The local console: the same replies as on Telegram, in a terminal, with no token needed."""

from __future__ import annotations

from dataclasses import replace
from typing import TextIO

from bot.reply import ChatSettings, Kind, Reply, Responder

_QUIT = frozenset({"/quit", "/exit", "quit", "exit"})


def run_console(responder: Responder, source: TextIO, sink: TextIO) -> int:
    texts = responder.knowledge.texts
    regions = responder.knowledge.safety.regions
    codes = ", ".join(regions)
    chat = ChatSettings()
    sink.write(texts("console.banner", regions=codes) + "\n\n")
    while True:
        sink.write(texts("console.prompt") + " ")
        sink.flush()
        line = source.readline()
        if not line or line.strip().casefold() in _QUIT:
            sink.write("\n" + texts("console.goodbye") + "\n")
            return 0
        command, _, argument = line.strip().partition(" ")
        if command.casefold() == "/region":
            code = argument.strip().casefold()
            if code in regions:
                chat = replace(chat, region=code)
                sink.write(texts("console.region_set", name=regions[code].name) + "\n\n")
            else:
                sink.write(texts("console.region_unknown", regions=codes) + "\n\n")
            continue
        reply = responder.reply(line, chat)
        if reply.checkin:
            chat = replace(chat, earlier_checkins=chat.earlier_checkins + 1)
        sink.write(as_terminal_text(reply, responder) + "\n\n")


def as_terminal_text(reply: Reply, responder: Responder) -> str:
    """Telegram HTML to plain terminal text; related topics listed where Telegram shows buttons."""
    text = reply.plain_text
    if reply.kind is Kind.ANSWER and reply.suggestions:
        titles = ", ".join(responder.knowledge.entries[key].title for key in reply.suggestions)
        text += f"\n\n{responder.knowledge.texts('reply.related_intro')} {titles}"
    return text
