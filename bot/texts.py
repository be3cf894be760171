"""UI and reply texts, kept in `knowledge/texts/*.yaml` so they can be reviewed without code.

Each file's name is a namespace: `knowledge/texts/reply.yaml` key `fallback` is `reply.fallback`.
Every key the code uses is listed in REQUIRED_TEXTS, so a missing text fails at start-up, not
mid-reply.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path

from bot.content import ContentError, Fields, read_yaml

REQUIRED_TEXTS: Mapping[str, tuple[str, ...]] = {
    "reply": (
        "disclaimer",
        "fallback",
        "not_covered",
        "not_covered_note",
        "answer_note",
        "helpline",
        "clarify",
        "related_intro",
        "empty_message",
        "region_hint",
        "crisis_closing",
        "crisis_region_tip",
    ),
    "conversation": (
        "more",
        "more_no_related",
        "why",
        "why_no_related",
        "neither",
        "nothing_offered",
        "no_topic_yet",
        "language_note",
    ),
    "safety": ("crisis_closing_group",),
    "console": (
        "banner",
        "prompt",
        "goodbye",
        "region_set",
        "region_unknown",
        "region_list",
        "forgotten",
        "stats_empty",
        "stats_title",
        "stats_kinds",
        "stats_entries",
    ),
    "telegram": (
        "welcome",
        "help",
        "help_group",
        "about",
        "disclaimer_details",
        "privacy",
        "forget_done",
        "forget_nothing",
        "region_prompt",
        "region_codes",
        "region_current",
        "region_set",
        "topics_prompt",
        "section_prompt",
        "ask_usage",
        "only_text",
        "cooldown",
        "cooldown_toast",
        "button_expired",
        "settings_summary",
        "settings_watch_on",
        "settings_watch_off",
        "settings_saved",
        "settings_admins_only",
        "settings_private",
        "card",
        "error_apology",
        "inline_escalation_title",
        "inline_escalation_description",
        "inline_button",
        "button_back",
        "button_browse",
        "button_private_chat",
        "button_watch_on",
        "settings_alerts_on",
        "settings_alerts_off",
        "button_alerts_on",
        "button_alerts_off",
        "moderator_alert",
        "moderator_alert_no_link",
        "button_open_message",
        "feedback_thanks",
        "stats_private",
        "stats_admins_only",
        "stats_empty",
        "stats_title",
        "stats_kinds",
        "stats_entries",
        "command_stats",
        "button_watch_off",
        "button_region_current",
        "bot_short_description",
        "bot_description",
        "command_start",
        "command_ask",
        "command_topics",
        "command_help",
        "command_region",
        "command_privacy",
        "command_forget",
        "command_about",
        "command_disclaimer",
        "command_card",
        "command_settings",
    ),
}


class Texts:
    """Look-up of reviewed texts by `namespace.key`, with `{placeholder}` filling."""

    def __init__(self, by_key: Mapping[str, str]) -> None:
        self._by_key = dict(by_key)

    def __call__(self, key: str, **fields: str) -> str:
        template = self._by_key[key]
        return template.format(**fields) if fields else template

    def __contains__(self, key: object) -> bool:
        return key in self._by_key


def load_texts(directory: Path) -> Texts:
    by_key: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        fields = Fields(read_yaml(path), path)
        for key in fields.data:
            text = fields.text(str(key))
            _check_placeholders(path, str(key), text)
            by_key[f"{path.stem}.{key}"] = text
    for namespace, keys in REQUIRED_TEXTS.items():
        for key in keys:
            if f"{namespace}.{key}" not in by_key:
                raise ContentError(directory / f"{namespace}.yaml", "text is missing", field=key)
    return Texts(by_key)


def _check_placeholders(path: Path, key: str, text: str) -> None:
    try:
        list(string.Formatter().parse(text))
    except ValueError as error:
        raise ContentError(path, f"bad {{placeholder}} ({error})", field=key) from None
