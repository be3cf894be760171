"""Small helpers shared by tests."""

from __future__ import annotations

from pathlib import Path

from bot.safety import SafetyContent, triage


def edit_file(directory: Path, file: str, old: str, new: str) -> None:
    """Replace the first `old` with `new` in a content file, failing if `old` is not there."""
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def tier_of(message: str, safety: SafetyContent) -> str:
    """The tier triage gives a message, or "none"."""
    result = triage(message, safety)
    return "none" if result is None else result.tier.value
