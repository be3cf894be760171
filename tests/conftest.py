"""Shared fixtures: the shipped content, loaded once per test session (loading is the slow part)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge import default_directory
from bot.reply import Responder, load_responder

SHIPPED_KNOWLEDGE = default_directory()


@pytest.fixture(scope="session")
def responder() -> Responder:
    return load_responder(SHIPPED_KNOWLEDGE)


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A private, editable copy of the shipped content, for tests that break it on purpose."""
    target = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, target)
    return target
