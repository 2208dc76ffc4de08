"""The errors of a study's definition, importable by every module of `search`."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any


class SpecError(ValueError):
    """A study spec is invalid; the message is one line naming the key."""


class StudyMismatchError(SpecError):
    """A study of that name exists with a different definition or other data."""


def suggest_key(key: str, valid: list[str] | tuple[str, ...] | Mapping[str, Any]) -> str:
    """' (did you mean X?)' for the closest valid key, or ''."""
    close = difflib.get_close_matches(key, list(valid), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
