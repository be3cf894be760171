"""Reading the pickle file older versions kept their state in, once, without running its code.

A pickle can name any function to call while it is read; this reader allows only the builtin
containers and scalars, refuses references to outside objects, and reads only a file owned by the
bot's own user (one planted by someone else is refused before a byte of it is read).
"""

from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path
from typing import Any

from bot.state.store import StateFileError

_ALLOWED = frozenset(
    {
        ("builtins", name)
        for name in ("dict", "list", "tuple", "set", "frozenset", "int", "float", "str", "bool")
    }
    | {("collections", "defaultdict")}
)


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not plain data")
        return super().find_class(module, name)

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("a reference to an outside object")


def read_legacy_pickle(path: Path) -> Any:
    """The plain data in the pickle at `path`; StateFileError (about that file) when it is not
    the bot user's own, or holds anything but plain data."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as error:
        raise StateFileError(
            f"has an old pickle beside it ({path.name}) that cannot be read ({error.strerror})"
        ) from None
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            raise StateFileError(
                f"has an old pickle beside it ({path.name}) that is not a file owned by the bot's "
                f"user (uid {os.geteuid()}), so it is not imported"
            )
        try:
            return _PlainUnpickler(file).load()
        except Exception as error:  # a damaged pickle can raise almost anything while read
            raise StateFileError(
                f"has an old pickle beside it ({path.name}) that is damaged or holds more than "
                f"plain data ({error}), so it is not imported"
            ) from None
