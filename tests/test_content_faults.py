"""Broken content stops `check` and the bot's start-up alike, with one sentence naming the place.

tests/test_content.py checks each validation rule on `load_knowledge`; here the same mistakes go
through the two commands an operator runs, `python -m bot check` and `python -m bot run`: each
exits with status 2 and a single line naming the file (and entry, where there is one), and the bot
is never built, so it cannot start with part of its content.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.telegram.config import (
    API_BASE_URL_ENV,
    PERSISTENCE_ENV,
    TOKEN_ENV,
    WEBHOOK_URL_ENV,
)

FAKE_TOKEN = "123456:fault-test-token-never-sent"

Fault = Callable[[Path], None]


def _edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _broken_yaml(directory: Path) -> None:
    (directory / "entries" / "smoking.yaml").write_text("entries: [\n  - id: x\n", "utf-8")


def _missing_section(directory: Path) -> None:
    (directory / "entries" / "seeking-support.yaml").unlink()


def _duplicate_id(directory: Path) -> None:
    def duplicate(data: Any) -> None:
        data["entries"][1]["id"] = data["entries"][0]["id"]

    _edit_yaml(directory / "entries" / "adherence.yaml", duplicate)


def _wrong_type(directory: Path) -> None:
    def questions_as_text(data: Any) -> None:
        data["entries"][0]["questions"] = "dry lips"

    _edit_yaml(directory / "entries" / "long-term.yaml", questions_as_text)


def _missing_disclaimer(directory: Path) -> None:
    _edit_yaml(directory / "texts" / "reply.yaml", lambda texts: texts.pop("disclaimer"))


def _missing_crisis_numbers(directory: Path) -> None:
    (directory / "resources.yaml").unlink()


def _broken_safety_lexicon(directory: Path) -> None:
    path = directory / "safety.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - [unclosed\n", encoding="utf-8")


def _first_entry_id(directory: Path, file: str) -> str:
    data = yaml.safe_load((directory / "entries" / file).read_text(encoding="utf-8"))
    return str(data["entries"][0]["id"])


# fault -> (the file the error must name, a function giving the other words it must contain)
FAULTS: dict[str, tuple[Fault, str, Callable[[Path], list[str]]]] = {
    "broken YAML": (_broken_yaml, "smoking.yaml", lambda _: ["line"]),
    "section without entries": (_missing_section, "entries", lambda _: ["seeking-support"]),
    "duplicate id": (
        _duplicate_id,
        "adherence.yaml",
        lambda d: ["duplicate", _first_entry_id(d, "adherence.yaml")],
    ),
    "wrong type": (
        _wrong_type,
        "long-term.yaml",
        lambda d: ["questions", _first_entry_id(d, "long-term.yaml")],
    ),
    "missing text": (_missing_disclaimer, "reply.yaml", lambda _: ["disclaimer"]),
    "missing crisis numbers": (_missing_crisis_numbers, "resources.yaml", lambda _: []),
    "broken safety lexicon": (_broken_safety_lexicon, "safety.yaml", lambda _: ["line"]),
}


@pytest.fixture
def bot_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A complete, valid bot configuration, and a build step that fails the test if reached."""
    state = tmp_path / "state" / "bot.sqlite3"
    monkeypatch.setenv(TOKEN_ENV, FAKE_TOKEN)
    monkeypatch.setenv(PERSISTENCE_ENV, str(state))
    for name in (API_BASE_URL_ENV, WEBHOOK_URL_ENV):
        monkeypatch.delenv(name, raising=False)

    def never_built(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the bot was built with broken content")

    monkeypatch.setattr("bot.telegram.run.build_application", never_built)
    return state


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize("fault", FAULTS)
def test_broken_content_is_one_clear_error_and_nothing_starts(
    knowledge_copy: Path,
    bot_environment: Path,
    capsys: pytest.CaptureFixture[str],
    fault: str,
    command: str,
) -> None:
    breaks, file, other_words = FAULTS[fault]
    breaks(knowledge_copy)
    assert main(["--knowledge", str(knowledge_copy), command]) == 2
    output = capsys.readouterr()
    assert output.out == ""
    lines = output.err.splitlines()
    assert len(lines) == 1, output.err
    assert lines[0].startswith("Content error: ")
    assert file in lines[0]
    for word in other_words(knowledge_copy):
        assert word in lines[0]
    assert FAKE_TOKEN not in output.err
    assert not bot_environment.exists()  # no state file written by a bot that never ran
