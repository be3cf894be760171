"""Reading and validating the YAML content, with errors that name file, entry and field.

Moderators and clinicians edit `knowledge/`; when they make a mistake the bot must refuse to start
with one sentence that tells them exactly where, never start half-loaded.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

# libyaml's parser is about ten times faster than the pure-Python one; both are safe loaders.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[misc]
    """A safe loader that refuses duplicate keys, which YAML would silently let the last one win."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


class ContentError(Exception):
    """A problem in the content files, located as precisely as possible."""

    def __init__(
        self, file: Path | str, message: str, *, entry: str | None = None, field: str | None = None
    ) -> None:
        self.file = str(file)
        self.entry = entry
        self.field = field
        self.message = message
        where = [self.file]
        if entry is not None:
            where.append(f"entry '{entry}'")
        if field is not None:
            where.append(f"field '{field}'")
        super().__init__(f"{', '.join(where)}: {message}")


def read_yaml(path: Path) -> Any:
    """Parse one YAML file; a missing file or a syntax error becomes a ContentError."""
    try:
        with path.open(encoding="utf-8") as stream:
            return yaml.load(stream, Loader=_UniqueKeyLoader)
    except FileNotFoundError:
        raise ContentError(path, "file is missing") from None
    except UnicodeDecodeError as error:
        raise ContentError(path, f"is not valid UTF-8 ({error.reason})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ContentError(path, f"YAML error{line}: {problem}") from None


class Fields:
    """Typed access to one YAML mapping, raising ContentError that says where a field is wrong."""

    def __init__(self, data: object, file: Path | str, entry: str | None = None) -> None:
        if not isinstance(data, Mapping):
            raise ContentError(file, f"expected a mapping, got {_kind(data)}", entry=entry)
        self.data: Mapping[object, object] = data
        self.file = file
        self.entry = entry

    def error(self, field: str, message: str) -> ContentError:
        return ContentError(self.file, message, entry=self.entry, field=field)

    def text(self, field: str) -> str:
        value = self.data.get(field)
        if value is None:
            raise self.error(field, "is missing")
        if not isinstance(value, str) or not value.strip():
            raise self.error(field, f"must be a non-empty string, got {_kind(value)}")
        return value.strip()

    def optional_text(self, field: str) -> str | None:
        return None if self.data.get(field) is None else self.text(field)

    def url(self, field: str) -> str:
        """An https address of a page (the official source of a labelled fact)."""
        value = self.text(field)
        parsed = urlparse(value)
        if parsed.scheme != "https" or "." not in parsed.netloc or " " in value:
            raise self.error(field, f"must be an https:// address of a page, got '{value}'")
        return value

    def review_date(self, field: str, pending: str) -> datetime.date | None:
        """The day a reviewer signed the item off (YYYY-MM-DD, not in the future), or `pending`."""
        value = self.data.get(field)
        if value == pending:
            return None
        if isinstance(value, str):
            with contextlib.suppress(
                ValueError
            ):  # a wrong string falls through to the error below
                value = datetime.date.fromisoformat(value.strip())
        if type(value) is not datetime.date:
            raise self.error(
                field, f"must be a date (YYYY-MM-DD) or '{pending}', got {_kind(value)}"
            )
        if value > datetime.date.today():
            raise self.error(field, f"{value.isoformat()} is in the future")
        return value

    def text_list(self, field: str, *, required: bool = True) -> tuple[str, ...]:
        value = self.data.get(field)
        if value is None:
            if required:
                raise self.error(field, "is missing")
            return ()
        if not isinstance(value, list) or (required and not value):
            raise self.error(field, f"must be a non-empty list of strings, got {_kind(value)}")
        for position, item in enumerate(value, start=1):
            if not isinstance(item, str) or not item.strip():
                raise self.error(field, f"item {position} must be a non-empty string")
        return tuple(item.strip() for item in value)

    def score(self, field: str) -> float:
        """A number from 0 to 100 (a threshold, a weight, a count)."""
        value = self.data.get(field)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise self.error(field, "must be a number from 0 to 100")
        return float(value)

    def items(self, field: str) -> list[object]:
        value = self.data.get(field)
        if not isinstance(value, list) or not value:
            raise self.error(field, f"must be a non-empty list, got {_kind(value)}")
        return value

    def reject_unknown(self, allowed: Iterable[str]) -> None:
        unknown = sorted(str(key) for key in self.data if key not in set(allowed))
        if unknown:
            raise self.error(unknown[0], "is not a known field (typo?)")


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return "an empty string" if not value.strip() else "a string"
    return {list: "a list", dict: "a mapping", bool: "true/false", int: "a number"}.get(
        type(value), type(value).__name__
    )
