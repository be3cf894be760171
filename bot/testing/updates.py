"""Building Telegram updates as the Bot API would send them, for the fake server's getUpdates queue.

Commands and @mentions get their entities automatically (with UTF-16 offsets, as Telegram counts), so a
test can write `updates.text(group, alice, "/ask@bot why?")` and PTB's CommandHandler sees a command.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass
from typing import Any

_COMMAND = re.compile(r"^/\w+(@\w+)?")
_MENTION = re.compile(r"(?<!\w)@\w{3,}")


@dataclass(frozen=True)
class Person:
    id: int
    first_name: str = "Sam"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": "en",
        }


def private_chat(person: Person) -> dict[str, Any]:
    return {"id": person.id, "type": "private", "first_name": person.first_name}


def group_chat(chat_id: int, title: str = "Second course support") -> dict[str, Any]:
    assert chat_id < 0, "group chat ids are negative"
    return {"id": chat_id, "type": "supergroup", "title": title}


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entities_of(text: str) -> list[dict[str, Any]]:
    found = []
    command = _COMMAND.match(text)
    if command:
        found.append({"type": "bot_command", "offset": 0, "length": command.end()})
    for mention in _MENTION.finditer(text):
        found.append(
            {
                "type": "mention",
                "offset": _utf16_length(text[: mention.start()]),
                "length": _utf16_length(mention.group()),
            }
        )
    return found


class Updates:
    """Makes update dicts; message ids are unique per builder, so replies can refer to them."""

    def __init__(self) -> None:
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)

    def message(self, chat: dict[str, Any], sender: Person, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": sender.as_json(),
            **content,
        }
        return {"message": message}

    def text(
        self,
        chat: dict[str, Any],
        sender: Person,
        text: str,
        *,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        entities = entities_of(text)
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        return self.message(chat, sender, **content)

    def sticker(self, chat: dict[str, Any], sender: Person) -> dict[str, Any]:
        sticker = {
            "file_id": "sticker-file",
            "file_unique_id": "sticker-unique",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self.message(chat, sender, sticker=sticker)

    def edited(self, update: dict[str, Any], new_text: str) -> dict[str, Any]:
        """The same message as `update`'s, edited to `new_text`."""
        message = dict(update["message"])
        message["text"] = new_text
        message["entities"] = entities_of(new_text)
        message["edit_date"] = int(time.time())
        return {"edited_message": message}

    def button_press(
        self, sender: Person, bot_message: dict[str, Any], data: str
    ) -> dict[str, Any]:
        """A press of an inline button with `data` under `bot_message` (a message the bot sent)."""
        query = {
            "id": str(next(self._query_ids)),
            "from": sender.as_json(),
            "chat_instance": "chat-instance",
            "message": bot_message,
            "data": data,
        }
        return {"callback_query": query}

    def inline_query(self, sender: Person, query: str) -> dict[str, Any]:
        inline = {
            "id": str(next(self._query_ids)),
            "from": sender.as_json(),
            "query": query,
            "offset": "",
        }
        return {"inline_query": inline}


def sent_message(
    chat: dict[str, Any], message_id: int, bot_user: dict[str, Any], text: str = "..."
) -> dict[str, Any]:
    """A message as the bot sent it, to press buttons under or reply to."""
    return {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": chat,
        "from": bot_user,
        "text": text,
    }
