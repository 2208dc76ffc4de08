"""Reading an `.npz` file that may come from anywhere: safely, with one-line errors.

An `.npz` is a zip of `.npy` arrays. `read_npz` checks the first bytes before numpy sees the
file (an empty file, a single `.npy` array or any other file is named as such), reads with
`allow_pickle=False` (an array of Python objects stays unread rather than unpickled), and
turns whatever numpy and zipfile raise on damaged bytes into one `NpzError` of one line naming
the member. `NpzError.problem` says which problem it is, so that a caller can word its own
message (a data set's loader names the arrays it needs) while every caller reads files the
same way. A file that cannot be opened at all raises the `OSError` of `open`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first bytes (an empty zip: the second)
NPY_MAGIC = b"\x93NUMPY"

# NpzError.problem: the file is empty, a single .npy array, not a zip, a damaged zip; a member
# that needs pickle (an object array), cannot be read, or is not an .npy array; a member asked
# for by name that the archive does not hold
PROBLEMS = ("empty", "npy", "not_zip", "damaged", "pickle", "unreadable", "not_array", "missing")


class NpzError(ValueError):
    """An `.npz` file that cannot be read safely; the message is one line.

    Attributes:
        problem: which problem, one of `PROBLEMS`.
        member: the member concerned (a member's problem, or `missing`), else None.
        found: the names of the archive's members (known once the archive opened, else ()).
    """

    def __init__(
        self, message: str, problem: str, member: str | None = None, found: Sequence[str] = ()
    ) -> None:
        """Keep the message and what it is about.

        Args:
            message: the one-line message.
            problem: one of `PROBLEMS`.
            member: the member concerned, if any.
            found: the names of the archive's members, if it opened.
        """
        super().__init__(message)
        self.problem = problem
        self.member = member
        self.found = tuple(found)


def read_npz(path: str | Path, names: Sequence[str] | None = None) -> dict[str, NDArray[Any]]:
    """The arrays of an `.npz` file, read without pickle.

    Args:
        path: the file.
        names: the members to read, in this order (others are not read); None reads every
            member.

    Returns:
        Member name (without `.npy`) -> array.

    Raises:
        NpzError: not an `.npz` archive, a damaged one, a member that needs pickle, cannot be
            read or is not an `.npy` array, or a name in `names` that the archive lacks.
        OSError: the file cannot be opened (FileNotFoundError: no such file).
    """
    check_npz_magic(path)
    try:
        data = np.load(path, allow_pickle=False)
    # numpy and zipfile raise many types on damaged bytes (BadZipFile, EOFError, ValueError,
    # zlib.error, ...); each means the same thing here
    except Exception as error:
        raise NpzError(f"damaged .npz archive ({_described(error)})", "damaged") from None
    with data:
        found = list(data.files)
        wanted = found if names is None else list(names)
        for name in wanted:
            if name not in found:
                raise NpzError(
                    f"missing array {name!r} (the archive holds {_listed(found)})",
                    "missing",
                    name,
                    found,
                )
        return {name: _member(data, name, found) for name in wanted}


def check_npz_magic(path: str | Path) -> None:
    """Refuse a file whose first bytes are not a zip's, before numpy reads it.

    Raises:
        NpzError: `not an .npz archive (<what it is>)`, problem `empty`, `npy` or `not_zip`.
        OSError: the file cannot be opened.
    """
    with open(path, "rb") as file:  # a missing file or a folder raises OSError here
        head = file.read(len(NPY_MAGIC))
    if head.startswith(ZIP_MAGIC):
        return
    if not head:
        raise NpzError("not an .npz archive (the file is empty)", "empty")
    if head.startswith(NPY_MAGIC):
        raise NpzError("not an .npz archive (it is a single .npy array)", "npy")
    raise NpzError("not an .npz archive (not a zip file)", "not_zip")


def _member(data: Any, name: str, found: list[str]) -> NDArray[Any]:
    """One member of an open archive, as an array."""
    try:
        value = data[name]
    # as in read_npz, plus a damaged .npy header (tokenize.TokenError, SyntaxError) and the
    # ValueError of an object array that would need pickle
    except Exception as error:
        problem = "pickle" if "allow_pickle" in str(error) else "unreadable"
        message = f"cannot read array {name!r} ({_described(error)})"
        raise NpzError(message, problem, name, found) from None
    if not isinstance(value, np.ndarray):
        raise NpzError(f"member {name!r} is not a .npy array", "not_array", name, found)
    return value


def _described(error: BaseException) -> str:
    """`<type>: <first line of the message>`."""
    lines = str(error).splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


MAX_LISTED = 20  # a message names at most this many members


def _listed(names: list[str]) -> str:
    if not names:
        return "no array"
    shown = ", ".join(repr(name) for name in names[:MAX_LISTED])
    more = len(names) - MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")
