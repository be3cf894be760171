"""Inline keyboards, their callback data, and deep links.

Callback data is `<action>:<value>` (at most 64 bytes, Telegram's limit). Anyone can send any callback
data to a bot, so `parse_press` trusts nothing: the handlers check the value against the knowledge base
and the chat's rights before acting on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.knowledge import Knowledge
from bot.safety import Region

MAX_CALLBACK_DATA = 64  # bytes
TOPICS_PAYLOAD = "topics"  # /start topics: open the topic browser
SECTION_PAYLOAD_PREFIX = "topics-"  # /start topics-<section>: open one area


class Action(StrEnum):
    TOPIC = "t"  # answer an entry
    SECTION = "s"  # browse an area (empty value: the list of areas)
    REGION = "r"  # choose the chat's region
    WATCH = "w"  # switch a group's safety watch "on" or "off"
    ALERTS = "m"  # switch a group's moderator alerts "on" or "off"
    FEEDBACK = "f"  # an answer was helpful ("+<entry id>") or not ("-<entry id>")


@dataclass(frozen=True)
class Press:
    action: Action
    value: str


def callback_data(action: Action, value: str = "") -> str:
    data = f"{action.value}:{value}"
    if len(data.encode()) > MAX_CALLBACK_DATA:
        raise ValueError(f"callback data over {MAX_CALLBACK_DATA} bytes: {data!r}")
    return data


def parse_press(data: object) -> Press | None:
    """The button pressed, or None for data this bot never made."""
    if not isinstance(data, str) or len(data.encode()) > MAX_CALLBACK_DATA:
        return None
    action, separator, value = data.partition(":")
    if not separator or action not in {a.value for a in Action}:
        return None
    return Press(Action(action), value)


def deep_link(bot_username: str, payload: str = "") -> str:
    link = f"https://t.me/{bot_username}"
    return f"{link}?start={payload}" if payload else link


def _column(buttons: Iterable[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button] for button in buttons])


def _pairs(buttons: Sequence[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]


def areas_keyboard(knowledge: Knowledge) -> InlineKeyboardMarkup:
    """Every area, two to a row, so the list fits a phone screen."""
    buttons = [
        InlineKeyboardButton(title, callback_data=callback_data(Action.SECTION, section))
        for section, title in knowledge.sections.items()
    ]
    return InlineKeyboardMarkup(_pairs(buttons))


def area_keyboard(knowledge: Knowledge, section: str, back_label: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(entry.title, callback_data=callback_data(Action.TOPIC, entry.id))
        for entry in knowledge.entries_in(section)
    ]
    buttons.append(InlineKeyboardButton(back_label, callback_data=callback_data(Action.SECTION)))
    return _column(buttons)


def topics_keyboard(
    knowledge: Knowledge, entry_ids: Sequence[str], feedback_for: str | None = None
) -> InlineKeyboardMarkup | None:
    """One button per entry (related topics, or "did you mean" candidates), under a 👍/👎 row when
    `feedback_for` names the entry answered; None when there are no buttons at all."""
    rows = [feedback_row(feedback_for)] if feedback_for is not None else []
    rows += [
        [
            InlineKeyboardButton(
                knowledge.entries[entry_id].title,
                callback_data=callback_data(Action.TOPIC, entry_id),
            )
        ]
        for entry_id in entry_ids
    ]
    return InlineKeyboardMarkup(rows) if rows else None


FEEDBACK_LABELS = {"+": "👍", "-": "👎"}


def feedback_row(entry_id: str) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(label, callback_data=callback_data(Action.FEEDBACK, sign + entry_id))
        for sign, label in FEEDBACK_LABELS.items()
    ]


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same keyboard once a 👍/👎 was pressed: the row goes, so each answer is rated once."""
    if markup is None:
        return None
    rows = [
        row
        for row in markup.inline_keyboard
        if not any(str(b.callback_data or "").startswith(f"{Action.FEEDBACK}:") for b in row)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def regions_keyboard(
    regions: Iterable[Region], current: str | None, current_label: str
) -> list[list[InlineKeyboardButton]]:
    """Region buttons in pairs; `current_label` (with `{region}`) marks the chosen one."""
    buttons = [
        InlineKeyboardButton(
            current_label.format(region=region.name) if region.code == current else region.name,
            callback_data=callback_data(Action.REGION, region.code),
        )
        for region in regions
    ]
    return _pairs(buttons)


def settings_keyboard(
    regions: Iterable[Region],
    current_region: str,
    switches: Sequence[tuple[Action, bool]],
    labels: SettingsLabels,
) -> InlineKeyboardMarkup:
    """A button per on/off switch (it offers the opposite of its state), then the regions."""
    rows = [
        [
            InlineKeyboardButton(
                labels.switches[(action, not on)],
                callback_data=callback_data(action, "off" if on else "on"),
            )
        ]
        for action, on in switches
    ]
    rows += regions_keyboard(regions, current_region, labels.current_region)
    return InlineKeyboardMarkup(rows)


@dataclass(frozen=True)
class SettingsLabels:
    switches: Mapping[tuple[Action, bool], str]  # (switch, the state it sets) -> its button label
    current_region: str  # with {region}


def card_keyboard(
    knowledge: Knowledge, bot_username: str, browse_label: str, private_label: str
) -> InlineKeyboardMarkup:
    """The pinned card's buttons: every area as a deep link into a private chat, so the group stays quiet."""
    areas = [
        InlineKeyboardButton(title, url=deep_link(bot_username, SECTION_PAYLOAD_PREFIX + section))
        for section, title in knowledge.sections.items()
    ]
    return _column(
        [
            InlineKeyboardButton(browse_label, url=deep_link(bot_username, TOPICS_PAYLOAD)),
            *areas,
            InlineKeyboardButton(private_label, url=deep_link(bot_username)),
        ]
    )


def private_chat_keyboard(bot_username: str, label: str) -> InlineKeyboardMarkup:
    return url_keyboard(label, deep_link(bot_username))


def url_keyboard(label: str, url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=url)]])
