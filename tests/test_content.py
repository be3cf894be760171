"""Content validation: every mistake a moderator can make is reported with file, entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content import ContentError
from bot.knowledge import load_knowledge
from bot.reply import Responder


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
        assert len(entry.questions) >= 8, entry.id
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
