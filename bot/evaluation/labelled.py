"""Labelled message sets: TSV with a header line, or YAML, as documented in eval/README.md."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from bot.content import ContentError, Fields, read_yaml

LABEL_COLUMNS = ("expected", "tier")  # retrieval sets label `expected`; safety sets label `tier`


@dataclass(frozen=True)
class LabelledSet:
    path: Path
    label: str  # which of LABEL_COLUMNS this set uses
    rows: tuple[tuple[str, str], ...]  # (message, label)


def read_labelled(path: Path) -> LabelledSet:
    if path.suffix in {".yaml", ".yml"}:
        return _read_yaml(path)
    return _read_tsv(path)


def _read_tsv(path: Path) -> LabelledSet:
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            lines = [line for line in stream if line.strip() and not line.startswith("#")]
    except FileNotFoundError:
        raise ContentError(path, "file is missing") from None
    records = list(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not records or len(records[0]) < 2 or records[0][1] not in LABEL_COLUMNS:
        raise ContentError(path, f"the header must be 'message<TAB>{'|'.join(LABEL_COLUMNS)}'")
    label = records[0][1]
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if len(record) < 2 or not record[0].strip() or not record[1].strip():
            raise ContentError(path, f"data line {number} needs a message and a label")
        rows.append((record[0], record[1].strip()))
    return LabelledSet(path, label, tuple(rows))


def _read_yaml(path: Path) -> LabelledSet:
    """A list of mappings, each with `message` and one label field."""
    data = read_yaml(path)
    if not isinstance(data, list) or not data:
        raise ContentError(path, "expected a non-empty list of {message, expected|tier} items")
    first = Fields(data[0], path)
    label = next((column for column in LABEL_COLUMNS if column in first.data), None)
    if label is None:
        raise ContentError(path, f"items need one of: {', '.join(LABEL_COLUMNS)}")
    rows = []
    for position, item in enumerate(data, start=1):
        fields = Fields(item, path, entry=f"item {position}")
        rows.append((fields.text("message"), fields.text(label)))
    return LabelledSet(path, label, tuple(rows))
