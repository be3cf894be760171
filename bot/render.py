"""Formatting replies for Telegram's HTML parse mode, and splitting them to fit its message limit.

Content is plain text; it is escaped here, in one place, so nothing a moderator writes can break the markup.
"""

from __future__ import annotations

import html
import re

MAX_MESSAGE_LENGTH = 4096  # Telegram's sendMessage limit (characters after entity parsing)

_TAG_OR_ENTITY = re.compile(r"<[^>]*>|&[#\w]+;")


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def bold(text: str) -> str:
    return f"<b>{escape(text)}</b>"


def italic(text: str) -> str:
    return f"<i>{escape(text)}</i>"


def visible_length(markup: str) -> int:
    """Length as Telegram counts it: tags removed, entities counted as one character."""
    return len(html.unescape(re.sub(r"<[^>]*>", "", markup)))


def split_message(markup: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Split at paragraph, then line, then word boundaries so that each part fits `limit`.

    A cut never falls inside a tag, an entity (`&amp;`) or an open element such as `<b>...</b>`.
    """
    parts: list[str] = []
    remaining = markup.strip()
    while len(remaining) > limit:
        cut = _best_cut(remaining, limit)
        parts.append(remaining[:cut].rstrip())
        remaining = remaining[cut:].lstrip()
    if remaining:
        parts.append(remaining)
    return parts


def _best_cut(text: str, limit: int) -> int:
    window = text[:limit]
    for separator in ("\n\n", "\n", " "):
        position = window.rfind(separator)
        if position > limit // 4 and _outside_markup(text, position):
            return position
    position = limit
    while not _outside_markup(text, position):
        position -= 1
    return max(position, 1)


def _outside_markup(text: str, position: int) -> bool:
    """True when cutting here splits no tag or entity and leaves no element open."""
    depth = 0
    for match in _TAG_OR_ENTITY.finditer(text, 0, position + 16):
        if match.start() >= position:
            break
        if match.end() > position:
            return False
        token = match.group()
        if token.startswith("</"):
            depth -= 1
        elif token.startswith("<"):
            depth += 1
    return depth == 0
