"""Splitting long replies for Telegram: every part fits, and markup is never cut through."""

from __future__ import annotations

import re

from bot.render import MAX_MESSAGE_LENGTH, escape, split_message


def _balanced(part: str) -> bool:
    return part.count("<b>") == part.count("</b>") and part.count("<i>") == part.count("</i>")


def test_short_text_is_one_part() -> None:
    assert split_message("<b>Hi</b>\nthere") == ["<b>Hi</b>\nthere"]


def test_long_text_splits_at_paragraphs_within_the_limit() -> None:
    paragraph = "word " * 300
    parts = split_message("\n\n".join([f"<b>{paragraph}</b>", escape("a & b " * 600), paragraph]))
    assert len(parts) > 1
    assert all(len(part) <= MAX_MESSAGE_LENGTH for part in parts)
    assert all(_balanced(part) for part in parts)
    assert all(not re.search(r"&[#\w]*$", part) for part in parts)


def test_one_huge_word_is_cut_without_breaking_entities() -> None:
    parts = split_message("&amp;" * 2000, limit=100)
    assert all(len(part) <= 100 for part in parts)
    assert "".join(parts) == "&amp;" * 2000
