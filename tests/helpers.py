"""Small helpers shared by tests."""

from __future__ import annotations

from pathlib import Path


def edit_file(directory: Path, file: str, old: str, new: str) -> None:
    """Replace the first `old` with `new` in a content file, failing if `old` is not there."""
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
