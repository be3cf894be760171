"""Plain data to JSON text and back, so that the store never runs code when it reads (unlike pickle).

JSON objects only have string keys, and Telegram's ids are integers: a dict with any other key is
written as {"$pairs": [[key, value], ...]}. Tuples come back as lists. Anything else (sets, objects)
is refused with a ValueError, when it is written rather than when it is read back.
"""

from __future__ import annotations

import json
from typing import Any

PAIRS = "$pairs"


def encode(value: Any) -> str:
    return json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def decode(text: str) -> Any:
    return json.loads(text, object_hook=_unpair)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        if all(isinstance(key, str) and key != PAIRS for key in value):
            return {key: _plain(item) for key, item in value.items()}
        return {PAIRS: [[_key(key), _plain(item)] for key, item in value.items()]}
    raise ValueError(f"a {type(value).__name__} is not plain data")


def _key(key: Any) -> Any:
    if key is None or isinstance(key, bool | int | float | str):
        return key
    raise ValueError(f"a {type(key).__name__} key is not plain data")


def _unpair(obj: dict[str, Any]) -> Any:
    if set(obj) == {PAIRS}:
        return {key: value for key, value in obj[PAIRS]}
    return obj
