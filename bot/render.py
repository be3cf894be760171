"""Formatting replies for Telegram's HTML parse mode, and splitting them to fit its message limit.

Content is plain text; it is escaped here, in one place, so nothing a moderator writes can break the markup.
"""

from __future__ import annotations

import html
import re

MAX_MESSAGE_LENGTH = 4096  # Telegram's sendMessage limit (characters after entity parsing)

_TAG = re.compile(r"<[^>]*>")
_TAG_OR_ENTITY = re.compile(r"<[^>]*>|&[#\w]+;")


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def bold(text: str) -> str:
    return f"<b>{escape(text)}</b>"


def italic(text: str) -> str:
    return f"<i>{escape(text)}</i>"


def plain(markup: str) -> str:
    """Our Telegram HTML as plain text, for a terminal or a tool: tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", markup))


def visible_length(markup: str) -> int:
    """Length as Telegram counts it: tags removed, entities counted as one character."""
    return len(plain(markup))


def split_message(markup: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Split at paragraph, then line, then word boundaries so that each part fits `limit`.

    A cut never falls inside a tag or an entity (`&amp;`). An element cut through (`<b>...</b>`) is
    closed at the end of one part and reopened at the start of the next, so every part is valid
    markup on its own, and every part has visible text (Telegram refuses an empty message).
    """
    parts: list[str] = []
    remaining = markup.strip()
    while len(remaining) > limit:
        cut, open_tags = _best_cut(remaining, limit)
        parts.append(remaining[:cut].rstrip() + _closing(open_tags))
        remaining = "".join(open_tags) + remaining[cut:].lstrip()
    if _has_text(remaining):
        parts.append(remaining)
    return parts


def _best_cut(text: str, limit: int) -> tuple[int, list[str]]:
    """Where to cut, and the opening tags of the elements still open there."""
    window = text[:limit]
    for separator in ("\n\n", "\n", " "):
        position = window.rfind(separator)
        open_tags = _open_tags_if_cuttable(text, position, limit)
        if position > limit // 4 and open_tags is not None:
            return position, open_tags
    for position in range(limit, 0, -1):
        open_tags = _open_tags_if_cuttable(text, position, limit)
        if open_tags is not None:
            return position, open_tags
    raise ValueError(f"a limit of {limit} characters cannot hold this markup's tags")


def _open_tags_if_cuttable(text: str, position: int, limit: int) -> list[str] | None:
    """The tags open at `position`, or None when a cut there would split a tag or an entity, leave
    no visible text before it, or leave no room to close the open elements within `limit`."""
    open_tags: list[str] = []
    for match in _TAG_OR_ENTITY.finditer(text):
        if match.start() >= position:
            break
        if match.end() > position:
            return None
        token = match.group()
        if token.startswith("</"):
            open_tags.pop()
        elif token.startswith("<"):
            open_tags.append(token)
    if position + len(_closing(open_tags)) > limit or not _has_text(text[:position]):
        return None
    return open_tags


def _closing(open_tags: list[str]) -> str:
    return "".join(f"</{tag[1:].split(maxsplit=1)[0].rstrip('>')}>" for tag in reversed(open_tags))


def _has_text(markup: str) -> bool:
    return bool(html.unescape(_TAG.sub("", markup)).strip())
