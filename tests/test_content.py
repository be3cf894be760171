"""Content validation: every mistake a moderator can make is reported with file, entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.content import ContentError, read_yaml
from bot.knowledge import load_knowledge
from bot.reply import Responder
from tests.conftest import SHIPPED_KNOWLEDGE


def _edit_entries(directory: Path, file: str, change: object) -> None:
    path = directory / "entries" / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert callable(change)
    change(data["entries"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _load_error(directory: Path) -> ContentError:
    with pytest.raises(ContentError) as caught:
        load_knowledge(directory)
    return caught.value


def test_shipped_content_covers_every_section_of_the_guide(responder: Responder) -> None:
    knowledge = responder.knowledge
    assert len(knowledge.sections) == 15
    assert 40 <= len(knowledge.entries) <= 70
    for section in knowledge.sections:
        assert knowledge.entries_in(section), f"section {section} has no entries"


def test_shipped_entries_are_phone_sized_with_many_alternates(responder: Responder) -> None:
    for entry in responder.knowledge.entries.values():
        assert 150 <= len(entry.answer) <= 700, entry.id
        assert len(entry.questions) >= 10, entry.id
        assert all(related in responder.knowledge.entries for related in entry.related)


def test_unknown_section_names_file_entry_and_field(knowledge_copy: Path) -> None:
    _edit_entries(knowledge_copy, "adherence.yaml", lambda e: e[0].update(section="astrology"))
    error = _load_error(knowledge_copy)
    assert error.file.endswith("adherence.yaml")
    assert error.field == "section"
    assert error.entry is not None
    assert "astrology" in str(error)


def test_duplicate_id_is_rejected(knowledge_copy: Path) -> None:
    _edit_entries(knowledge_copy, "adherence.yaml", lambda e: e[1].update(id=e[0]["id"]))
    assert "duplicate id" in str(_load_error(knowledge_copy))


def test_dangling_related_is_rejected(knowledge_copy: Path) -> None:
    _edit_entries(knowledge_copy, "monitoring.yaml", lambda e: e[0].update(related=["nowhere"]))
    error = _load_error(knowledge_copy)
    assert error.field == "related"
    assert "nowhere" in str(error)


def test_empty_answer_is_rejected(knowledge_copy: Path) -> None:
    _edit_entries(knowledge_copy, "long-term.yaml", lambda e: e[0].update(answer="   "))
    error = _load_error(knowledge_copy)
    assert (error.field, error.file.endswith("long-term.yaml")) == ("answer", True)


def test_wrong_type_is_rejected(knowledge_copy: Path) -> None:
    _edit_entries(knowledge_copy, "long-term.yaml", lambda e: e[0].update(questions="dry lips"))
    error = _load_error(knowledge_copy)
    assert error.field == "questions"
    assert "list" in error.message


def test_misspelt_field_is_rejected(knowledge_copy: Path) -> None:
    _edit_entries(knowledge_copy, "long-term.yaml", lambda e: e[0].update(anwser="typo"))
    assert _load_error(knowledge_copy).field == "anwser"


def test_broken_yaml_reports_the_line(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries" / "smoking.yaml"
    path.write_text("entries:\n  - id: x\n    title: [unclosed\n", encoding="utf-8")
    error = _load_error(knowledge_copy)
    assert error.file.endswith("smoking.yaml")
    assert "line" in error.message


def test_section_without_entries_is_rejected(knowledge_copy: Path) -> None:
    (knowledge_copy / "entries" / "seeking-support.yaml").unlink()
    assert "seeking-support" in str(_load_error(knowledge_copy))


def test_missing_text_is_rejected(knowledge_copy: Path) -> None:
    path = knowledge_copy / "texts" / "reply.yaml"
    texts = yaml.safe_load(path.read_text(encoding="utf-8"))
    del texts["disclaimer"]
    path.write_text(yaml.safe_dump(texts), encoding="utf-8")
    error = _load_error(knowledge_copy)
    assert (error.field, error.file.endswith("reply.yaml")) == ("disclaimer", True)


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    assert "not found" in str(_load_error(tmp_path / "nowhere"))


def test_duplicate_yaml_key_is_rejected_with_its_line(knowledge_copy: Path) -> None:
    path = knowledge_copy / "synonyms.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nisotretinoin:\n  - isotretinoinum\n")
    error = _load_error(knowledge_copy)
    assert error.file.endswith("synonyms.yaml")
    assert "duplicate key 'isotretinoin'" in error.message
    assert "line" in error.message


def _edit_topics(directory: Path, change: object) -> None:
    path = directory / "out-of-scope.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert callable(change)
    change(data["topics"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_every_shipped_entry_and_topic_has_ten_questions(responder: Responder) -> None:
    knowledge = responder.knowledge
    for entry in knowledge.entries.values():
        assert len(entry.questions) >= 10, entry.id
    for topic in knowledge.out_of_scope:
        assert len(topic.questions) >= 10, topic.id


def test_entry_with_too_few_questions_is_rejected(knowledge_copy: Path) -> None:
    _edit_entries(
        knowledge_copy,
        "lifestyle-habits.yaml",
        lambda e: e[0].update(questions=e[0]["questions"][:9]),
    )
    error = _load_error(knowledge_copy)
    assert error.field == "questions"
    assert "at least 10" in error.message


def test_note_without_source_is_rejected(knowledge_copy: Path) -> None:
    _edit_entries(knowledge_copy, "adherence.yaml", lambda e: e[2].pop("source"))
    error = _load_error(knowledge_copy)
    assert (error.field, error.entry) == ("source", "stopping-early")


def test_source_must_be_an_https_page(knowledge_copy: Path) -> None:
    _edit_topics(knowledge_copy, lambda t: t[0].update(source="NHS website"))
    error = _load_error(knowledge_copy)
    assert error.file.endswith("out-of-scope.yaml")
    assert (error.field, error.entry) == ("source", "alcohol")
    assert "https://" in error.message


def test_source_without_note_is_rejected(knowledge_copy: Path) -> None:
    _edit_topics(knowledge_copy, lambda t: t[0].pop("note"))
    assert _load_error(knowledge_copy).field == "note"


@pytest.mark.parametrize("value", ["04/12/2026", "2026-13-01", "yes", None, "2999-01-01"])
def test_reviewed_must_be_a_past_date_or_pending(knowledge_copy: Path, value: object) -> None:
    _edit_entries(knowledge_copy, "monitoring.yaml", lambda e: e[0].update(reviewed=value))
    error = _load_error(knowledge_copy)
    assert (error.field, error.file.endswith("monitoring.yaml")) == ("reviewed", True)


def test_reviewed_date_is_accepted_and_kept(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries" / "monitoring.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("reviewed: pending", "reviewed: 2026-12-01", 1), encoding="utf-8")
    entry = load_knowledge(knowledge_copy).entries["monitoring-blood-tests"]
    assert entry.reviewed is not None
    assert entry.reviewed.isoformat() == "2026-12-01"


def test_check_reports_how_much_is_signed_off(
    knowledge_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = knowledge_copy / "entries" / "monitoring.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("reviewed: pending", "reviewed: 2026-12-01", 1), encoding="utf-8")
    assert main(["check", "--knowledge", str(knowledge_copy)]) == 0
    assert "Review: 1 of " in capsys.readouterr().out


def test_every_content_file_reads_the_same_without_the_c_yaml_parser() -> None:
    """PyYAML falls back to its pure-Python parser where libyaml is missing; an unquoted "all? x"
    inside [...] is valid to one and an error to the other."""
    for path in sorted(SHIPPED_KNOWLEDGE.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        pure = yaml.load(text, Loader=yaml.SafeLoader)
        assert pure == read_yaml(path), path
