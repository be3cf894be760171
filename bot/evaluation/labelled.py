"""Labelled message sets: TSV with a header line, or YAML, as documented in eval/README.md.

A label may be a `|`-list of answers that are all right ("emotional-coping|seeking-support",
"crisis|emergency"). Retrieval sets label `expected` with entry ids, section ids, `none` or `smalltalk`;
safety sets label `tier` (`none|urgent|emergency|crisis`), or `expected` with tiers and
`no-escalation`, the form of sets written outside this project.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.content import ContentError, Fields, read_yaml

LABEL_COLUMNS = ("expected", "tier")  # retrieval sets label `expected`; safety sets label `tier`
NO_ESCALATION = "no-escalation"  # an outside safety set's word for tier `none`
SAFETY_LABELS = frozenset({"crisis", "emergency", "urgent", NO_ESCALATION})


class SetKind(StrEnum):
    RETRIEVAL = "retrieval"
    SAFETY = "safety"


@dataclass(frozen=True)
class LabelledSet:
    path: Path
    kind: SetKind
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # (message, the labels that are all right)


def alternatives(label: str) -> tuple[str, ...]:
    """'a|b' -> ('a', 'b'): every label that counts as right, in the order written."""
    return tuple(part.strip() for part in label.split("|") if part.strip())


def read_labelled(path: Path) -> LabelledSet:
    column, rows = _read_yaml(path) if path.suffix in {".yaml", ".yml"} else _read_tsv(path)
    labels = [alternatives(label) for _, label in rows]
    if any(not parts for parts in labels):
        raise ContentError(path, "every message needs a label")
    safety = column == "tier" or all(set(parts) <= SAFETY_LABELS for parts in labels)
    return LabelledSet(
        path,
        SetKind.SAFETY if safety else SetKind.RETRIEVAL,
        tuple((message, parts) for (message, _), parts in zip(rows, labels, strict=True)),
    )


def _read_tsv(path: Path) -> tuple[str, list[tuple[str, str]]]:
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            lines = [line for line in stream if line.strip() and not line.startswith("#")]
    except FileNotFoundError:
        raise ContentError(path, "file is missing") from None
    records = list(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not records or len(records[0]) < 2 or records[0][1] not in LABEL_COLUMNS:
        raise ContentError(path, f"the header must be 'message<TAB>{'|'.join(LABEL_COLUMNS)}'")
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if len(record) < 2 or not record[0].strip() or not record[1].strip():
            raise ContentError(path, f"data line {number} needs a message and a label")
        rows.append((record[0], record[1].strip()))
    return records[0][1], rows


def _read_yaml(path: Path) -> tuple[str, list[tuple[str, str]]]:
    """A list of mappings, each with `message` and one label field."""
    data = read_yaml(path)
    if not isinstance(data, list) or not data:
        raise ContentError(path, "expected a non-empty list of {message, expected|tier} items")
    first = Fields(data[0], path)
    column = next((name for name in LABEL_COLUMNS if name in first.data), None)
    if column is None:
        raise ContentError(path, f"items need one of: {', '.join(LABEL_COLUMNS)}")
    rows = []
    for position, item in enumerate(data, start=1):
        fields = Fields(item, path, entry=f"item {position}")
        rows.append((fields.text("message"), fields.text(column)))
    return column, rows
