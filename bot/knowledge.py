"""The knowledge base: sections, entries, small talk, synonyms, texts and safety content, loaded together.

Everything is validated up front (unknown section, duplicate id, dangling `related`, empty answer, wrong
types) so a deployment either starts with all of its content or not at all.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.content import ContentError, Fields, read_yaml
from bot.normalise import Synonyms
from bot.safety import SafetyContent, load_safety
from bot.texts import Texts, load_texts

KNOWLEDGE_ENV = "BOT_KNOWLEDGE_DIR"

# `note` + `source`: a safety fact the guide omits, from the medicine's official labelling (see README).
LABELLED_FIELDS = ("note", "source", "reviewed")
ENTRY_FIELDS = (
    *("id", "section", "title", "questions", "keywords", "answer", "related", "helpline"),
    *LABELLED_FIELDS,
)
SMALLTALK_FIELDS = ("id", "questions", "answer")
OUT_OF_SCOPE_FIELDS = ("id", "name", "questions", *LABELLED_FIELDS)
MAX_TITLE_LENGTH = 40  # titles are button labels on a phone
MIN_QUESTIONS = 10  # alternates in patients' words, so that an entry is recognised widely
MAX_NOTE_LENGTH = 400  # one or two sentences
PENDING_REVIEW = "pending"  # `reviewed:` until a clinical reviewer signs the item off


@dataclass(frozen=True)
class SafetyNote:
    """One or two sentences from the medicine's official labelling, with the page they come from."""

    text: str
    source: str


@dataclass(frozen=True)
class Entry:
    id: str
    section: str
    title: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    related: tuple[str, ...]
    note: SafetyNote | None = None
    reviewed: datetime.date | None = None  # None: not signed off yet
    helpline: bool = False  # a first-person low-mood answer: the region's helpline follows it


@dataclass(frozen=True)
class SmallTalk:
    id: str
    questions: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class OutOfScope:
    """A subject patients ask about that the guide does not cover: named, never answered."""

    id: str
    name: str
    questions: tuple[str, ...]
    note: SafetyNote | None = None
    reviewed: datetime.date | None = None


@dataclass(frozen=True)
class Knowledge:
    directory: Path
    sections: dict[str, str]  # id -> title, in guide order
    guide_headings: dict[str, str]  # id -> the guide's own heading of that section
    entries: dict[str, Entry]  # id -> entry, in guide order
    smalltalk: tuple[SmallTalk, ...]
    out_of_scope: tuple[OutOfScope, ...]
    synonyms: Synonyms
    texts: Texts
    safety: SafetyContent

    def entries_in(self, section: str) -> list[Entry]:
        return [entry for entry in self.entries.values() if entry.section == section]


def default_directory() -> Path:
    """Where the content lives: the environment's choice, an installed copy, or the source checkout."""
    configured = os.environ.get(KNOWLEDGE_ENV)
    if configured:
        return Path(configured)
    # A wheel ships the content inside the package; a source checkout has it beside the package.
    installed = Path(__file__).resolve().parent / "bundled_knowledge"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "knowledge"


def load_knowledge(directory: Path | None = None) -> Knowledge:
    directory = directory or default_directory()
    if not directory.is_dir():
        raise ContentError(directory, "content directory not found")
    sections, headings = _load_sections(directory / "sections.yaml")
    entries = _load_entries(directory / "entries", sections)
    return Knowledge(
        directory=directory,
        sections=sections,
        guide_headings=headings,
        entries=entries,
        smalltalk=_load_smalltalk(directory / "smalltalk.yaml"),
        out_of_scope=_load_out_of_scope(directory / "out-of-scope.yaml"),
        synonyms=_load_synonyms(directory / "synonyms.yaml"),
        texts=load_texts(directory / "texts"),
        safety=load_safety(directory),
    )


def _load_sections(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    titles: dict[str, str] = {}
    headings: dict[str, str] = {}
    for section_id, item in Fields(read_yaml(path), path).data.items():
        fields = Fields(item, path, entry=str(section_id))
        fields.reject_unknown(("title", "heading"))
        titles[str(section_id)] = fields.text("title")
        headings[str(section_id)] = fields.text("heading")
    return titles, headings


def _load_entries(directory: Path, sections: dict[str, str]) -> dict[str, Entry]:
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise ContentError(directory, "no entry files (*.yaml) found")
    found: dict[str, tuple[Entry, Path]] = {}
    for path in paths:
        for entry_id, fields in _identified_items(path, "entries", ENTRY_FIELDS):
            entry = _parse_entry(entry_id, fields, sections)
            if entry.id in found:
                raise ContentError(
                    path, f"duplicate id (also in {found[entry.id][1].name})", entry=entry.id
                )
            found[entry.id] = (entry, path)
    missing = [
        section for section in sections if not any(e.section == section for e, _ in found.values())
    ]
    if missing:
        raise ContentError(directory, f"section '{missing[0]}' has no entries")
    for entry, path in found.values():
        for related in entry.related:
            if related not in found or related == entry.id:
                raise ContentError(
                    path, f"'{related}' is not another entry's id", entry=entry.id, field="related"
                )
    order = list(sections)
    ordered = sorted(found.values(), key=lambda pair: order.index(pair[0].section))
    return {entry.id: entry for entry, _ in ordered}


def _parse_entry(entry_id: str, fields: Fields, sections: dict[str, str]) -> Entry:
    section = fields.text("section")
    if section not in sections:
        raise fields.error("section", f"unknown section '{section}' (see sections.yaml)")
    title = fields.text("title")
    if len(title) > MAX_TITLE_LENGTH:
        raise fields.error("title", f"longer than {MAX_TITLE_LENGTH} characters")
    helpline = fields.data.get("helpline", False)
    if not isinstance(helpline, bool):
        raise fields.error("helpline", "must be true or false")
    return Entry(
        id=entry_id,
        section=section,
        title=title,
        questions=_questions(fields),
        keywords=fields.text_list("keywords", required=False),
        answer=fields.text("answer"),
        related=fields.text_list("related", required=False),
        note=_safety_note(fields),
        reviewed=fields.review_date("reviewed", PENDING_REVIEW),
        helpline=helpline,
    )


def _questions(fields: Fields) -> tuple[str, ...]:
    questions = fields.text_list("questions")
    if len(questions) < MIN_QUESTIONS:
        raise fields.error("questions", f"{len(questions)} given, at least {MIN_QUESTIONS} needed")
    return questions


def _safety_note(fields: Fields) -> SafetyNote | None:
    """A labelled fact never goes without the official page it comes from, nor a source without it."""
    if fields.data.get("note") is None and fields.data.get("source") is None:
        return None
    if fields.data.get("source") is None:
        raise fields.error("source", "is missing (a note needs the official page it comes from)")
    note = fields.text("note")
    if len(note) > MAX_NOTE_LENGTH:
        raise fields.error(
            "note", f"longer than {MAX_NOTE_LENGTH} characters (one or two sentences)"
        )
    return SafetyNote(note, fields.url("source"))


def _identified_items(
    path: Path, list_field: str, allowed: tuple[str, ...]
) -> Iterator[tuple[str, Fields]]:
    """The items of a file's list, each with its `id` and fields checked against `allowed`."""
    for item in Fields(read_yaml(path), path).items(list_field):
        item_id = Fields(item, path).text("id")
        fields = Fields(item, path, entry=item_id)
        fields.reject_unknown(allowed)
        yield item_id, fields


def _load_smalltalk(path: Path) -> tuple[SmallTalk, ...]:
    return tuple(
        SmallTalk(talk_id, fields.text_list("questions"), fields.text("answer"))
        for talk_id, fields in _identified_items(path, "smalltalk", SMALLTALK_FIELDS)
    )


def _load_out_of_scope(path: Path) -> tuple[OutOfScope, ...]:
    return tuple(
        OutOfScope(
            topic_id,
            fields.text("name"),
            _questions(fields),
            note=_safety_note(fields),
            reviewed=fields.review_date("reviewed", PENDING_REVIEW),
        )
        for topic_id, fields in _identified_items(path, "topics", OUT_OF_SCOPE_FIELDS)
    )


def _load_synonyms(path: Path) -> Synonyms:
    """`canonical: [variant, ...]` pairs; every variant is rewritten to its canonical form."""
    fields = Fields(read_yaml(path), path)
    variants: dict[str, str] = {}
    for canonical in fields.data:
        for variant in fields.text_list(str(canonical)):
            variants[variant] = str(canonical)
    return Synonyms(variants)
