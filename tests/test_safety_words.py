"""`python -m bot safety-words`: the real words triage never reads as typos, from a word list."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import main
from bot.reply import Responder
from bot.safety.lexicon import REAL_WORDS, Lexicon
from bot.safety.real_words import DEFAULT_DICTIONARY, real_words, render
from tests.conftest import SHIPPED_KNOWLEDGE
from tests.helpers import edit_file

# A small stand-in for /usr/share/dict/words, against the shipped lexicon ("kill", and the rewrite
# variants "kiil" of kill and "oded" of overdosed).
DICTIONARY = ["zebra", "kiln", "owed", "kill", "bill", "sewed", "passé", "kiln's", "kiln"]


@pytest.fixture
def lexicon(responder: Responder) -> Lexicon:
    return responder.knowledge.safety.lexicon


def test_real_words_one_edit_from_a_lexicon_word_with_its_first_letter_are_listed(
    lexicon: Lexicon,
) -> None:
    # kiln ~ kill; owed ~ oded (a one-word variant); kill ~ kiil (a lexicon word near another)
    assert real_words(lexicon, DICTIONARY) == ["kill", "kiln", "owed"]


@pytest.mark.parametrize(
    ("word", "why"),
    [
        ("bill", "one edit from 'kill', but another first letter"),
        ("zebra", "near no lexicon word"),
        ("sewed", "'sewer' is only a word of the multi-word variant 'sewer slide'"),
        ("passé", "one edit from 'pass', but not plain a-z"),
        ("kiln's", 'not plain a-z: triage splits off "\'s"'),
    ],
)
def test_other_words_are_not_listed(lexicon: Lexicon, word: str, why: str) -> None:
    assert real_words(lexicon, [word]) == [], why


def _safety_words(knowledge: Path, dictionary: Path, *options: str) -> int:
    args = ["--knowledge", str(knowledge), "safety-words", "--dictionary", str(dictionary)]
    return main([*args, *options])


@pytest.fixture
def dictionary(tmp_path: Path) -> Path:
    path = tmp_path / "words"
    path.write_text("\n".join(DICTIONARY) + "\n", encoding="utf-8")
    return path


def test_the_command_rewrites_the_knowledge_directorys_list(
    knowledge_copy: Path, dictionary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _safety_words(knowledge_copy, dictionary) == 0
    written = (knowledge_copy / REAL_WORDS).read_text(encoding="utf-8")
    assert written == render(["kill", "kiln", "owed"])
    assert "`python -m bot safety-words`" in written  # the header says how to regenerate it
    assert "Wrote 3 real words" in capsys.readouterr().out
    assert _safety_words(knowledge_copy, dictionary, "--check") == 0


def test_check_names_the_words_of_a_stale_list(
    knowledge_copy: Path, dictionary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = knowledge_copy / REAL_WORDS
    listed.write_text(render(["kill", "kiln", "zebra"]), encoding="utf-8")
    assert _safety_words(knowledge_copy, dictionary, "--check") == 1
    out = capsys.readouterr().out
    assert "out of date" in out
    assert "Missing (1): owed" in out
    assert "Not generated (1): zebra" in out
    assert listed.read_text(encoding="utf-8") == render(["kill", "kiln", "zebra"])  # untouched


def test_check_fails_after_a_lexicon_edit(
    knowledge_copy: Path, dictionary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _safety_words(knowledge_copy, dictionary) == 0
    # a new variant of "kill": "bill" is now one edit from a lexicon spelling
    edit_file(
        knowledge_copy, "safety.yaml", "kill: [kil, kll, kiil]", "kill: [kil, kll, kiil, bkill]"
    )
    assert _safety_words(knowledge_copy, dictionary, "--check") == 1
    assert "Missing (1): bill" in capsys.readouterr().out


def test_check_notices_a_changed_header(knowledge_copy: Path, dictionary: Path) -> None:
    assert _safety_words(knowledge_copy, dictionary) == 0
    listed = knowledge_copy / REAL_WORDS
    listed.write_text("# edited by hand\n" + listed.read_text(encoding="utf-8"), encoding="utf-8")
    assert _safety_words(knowledge_copy, dictionary, "--check") == 1


def test_a_missing_word_list_is_reported(
    knowledge_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _safety_words(knowledge_copy, tmp_path / "no-such-file") == 2
    assert "No word list" in capsys.readouterr().err


# CI installs the word list (.ci/run) and must run this test, never skip it.
@pytest.mark.skipif(
    not DEFAULT_DICTIONARY.is_file() and not os.environ.get("CI"),
    reason=f"no {DEFAULT_DICTIONARY}",
)
def test_the_committed_list_is_reproduced_from_the_system_word_list(lexicon: Lexicon) -> None:
    words = DEFAULT_DICTIONARY.read_text(encoding="utf-8").split()
    committed = (SHIPPED_KNOWLEDGE / REAL_WORDS).read_text(encoding="utf-8")
    assert render(real_words(lexicon, words)) == committed
