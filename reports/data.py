"""The data a study learned from, for its report: the stored data summary, read defensively.

A run stores what its data are with the study (`StudyRecord.data_summary`, made by
`search.summary`; None for a study run before): the task, the examples (training and
validation together) and test examples, the encoded input width n_x = n[0], how trials are
validated, each column of a table (its inferred kind, missing cells, the categories kept and
the rare ones pooled, its encoded width, why a dropped column was dropped) and the target (its
classes and their counts, or a numeric target's mean, spread and range).

The storage may have been written by anyone: `read_data_summary` checks every field a report
uses and raises `DataSummaryError` naming the first bad one, so that the report leaves the
section out with a note instead of failing. Keys it does not use are ignored. The strings of a
summary (column names, categories, class labels, reasons) are stored text: they reach the
tables as they are, and each renderer escapes them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

TASKS = ("classification", "regression")
KINDS = ("numeric", "categorical", "dropped")
STATISTICS = ("mean", "std", "min", "max")
MAX_CATEGORIES = 10  # a column's cell names the first ten categories and counts the rest
DATA_COLUMNS = ["column", "kind", "missing", "categories", "pooled", "width", "reason"]
CLASS_COLUMNS = ["class", "count", "share"]
STATISTICS_COLUMNS = ["target", *STATISTICS]
STUDIES_COLUMNS = ["study", "task", "examples", "test_examples", "n_x", "validation"]


class DataSummaryError(ValueError):
    """A stored data summary that does not follow the schema (one line naming the field)."""


@dataclass(frozen=True)
class Column:
    """One column of a table as the encoder read it."""

    name: str
    kind: str
    missing: int
    categories: tuple[str, ...]
    pooled: int
    width: int
    reason: str | None


@dataclass(frozen=True)
class DataSummary:
    """A study's data summary, checked. `classes` (label -> count) for a classification,
    `statistics` (mean, std, min, max) for a regression; `columns` empty for numeric arrays
    without column names."""

    task: str
    examples: int
    test_examples: int
    n_x: int
    validation: str
    columns: tuple[Column, ...]
    target: str | None
    classes: dict[str, int] | None = None
    statistics: dict[str, float] | None = None


def _get(stored: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in stored:
        raise DataSummaryError(f"{where}{key} is missing")
    return stored[key]


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise DataSummaryError(f"{where} is not a mapping")
    return value


def _count(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise DataSummaryError(f"{where} is not a count")
    return value


def _real(value: Any, where: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise DataSummaryError(f"{where} is not a number")
    return float(value)


def _text(value: Any, where: str, none_ok: bool = False) -> str | None:
    if value is None and none_ok:
        return None
    if not isinstance(value, str):
        raise DataSummaryError(f"{where} is not text")
    return value


def _choice(value: Any, choices: Sequence[str], where: str) -> str:
    if value not in choices:
        raise DataSummaryError(f"{where} is not one of {', '.join(choices)}")
    return str(value)


def _column(stored: Any, where: str) -> Column:
    column = _mapping(stored, where)
    categories = _get(column, "categories", f"{where}.")
    if not isinstance(categories, list | tuple):
        raise DataSummaryError(f"{where}.categories is not a list")
    return Column(
        name=str(_text(_get(column, "name", f"{where}."), f"{where}.name")),
        kind=_choice(_get(column, "kind", f"{where}."), KINDS, f"{where}.kind"),
        missing=_count(_get(column, "missing", f"{where}."), f"{where}.missing"),
        categories=tuple(
            str(_text(c, f"{where}.categories[{i}]")) for i, c in enumerate(categories)
        ),
        pooled=_count(_get(column, "pooled", f"{where}."), f"{where}.pooled"),
        width=_count(_get(column, "width", f"{where}."), f"{where}.width"),
        reason=_text(column.get("reason"), f"{where}.reason", none_ok=True),
    )


def _classes(stored: Any) -> dict[str, int]:
    classes = _mapping(stored, "target.classes")
    return {
        str(_text(label, f"target.classes[{i}]")): _count(count, f"target.classes[{i}]")
        for i, (label, count) in enumerate(classes.items())
    }


def read_data_summary(stored: Any) -> DataSummary | None:
    """A stored data summary, checked field by field (None when none is stored).

    Raises:
        DataSummaryError: a field is missing or of the wrong kind (one line naming it, never
            quoting stored text).
    """
    if stored is None:
        return None
    summary = _mapping(stored, "the data summary")
    task = _choice(_get(summary, "task", ""), TASKS, "task")
    columns = _get(summary, "columns", "")
    if not isinstance(columns, list | tuple):
        raise DataSummaryError("columns is not a list")
    target = _mapping(_get(summary, "target", ""), "target")
    read = DataSummary(
        task=task,
        examples=_count(_get(summary, "examples", ""), "examples"),
        test_examples=_count(_get(summary, "test_examples", ""), "test_examples"),
        n_x=_count(_get(summary, "n_x", ""), "n_x"),
        validation=str(_text(_get(summary, "validation", ""), "validation")),
        columns=tuple(_column(c, f"columns[{i}]") for i, c in enumerate(columns)),
        target=_text(target.get("name"), "target.name", none_ok=True),
    )
    if task == "regression":
        statistics = {s: _real(_get(target, s, "target."), f"target.{s}") for s in STATISTICS}
        return dataclasses.replace(read, statistics=statistics)
    return dataclasses.replace(read, classes=_classes(_get(target, "classes", "target.")))


# Tables ---------------------------------------------------------------------------------------


def categories_text(categories: Sequence[str], limit: int = MAX_CATEGORIES) -> str:
    """The categories kept, the first `limit` of them named: `a, b, c and 4 more`."""
    shown = ", ".join(categories[:limit])
    more = len(categories) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def data_table(summary: DataSummary) -> pd.DataFrame:
    """A row per column of the table read: kind, missing cells, categories kept, categories
    pooled, encoded width, why dropped (no rows for numeric arrays without column names)."""
    rows = [
        {
            "column": c.name,
            "kind": c.kind,
            "missing": c.missing,
            "categories": categories_text(c.categories),
            "pooled": c.pooled,
            "width": c.width,
            "reason": c.reason,
        }
        for c in summary.columns
    ]
    return pd.DataFrame(rows, columns=DATA_COLUMNS)


def target_table(summary: DataSummary) -> pd.DataFrame:
    """The target: a row per class with its count and share of the examples (classification),
    or one row with its mean, standard deviation, minimum and maximum (regression)."""
    if summary.statistics is not None:
        return pd.DataFrame([{"target": summary.target, **summary.statistics}])
    classes = summary.classes or {}
    total = sum(classes.values())
    rows = [
        {"class": label, "count": count, "share": count / total if total else math.nan}
        for label, count in classes.items()
    ]
    return pd.DataFrame(rows, columns=CLASS_COLUMNS)


def studies_row(study: str, task: str, summary: DataSummary | None) -> dict[str, Any]:
    """A study's row of a comparison's data table (blank where no summary is readable)."""
    return {
        "study": study,
        "task": summary.task if summary is not None else task,
        "examples": summary.examples if summary is not None else math.nan,
        "test_examples": summary.test_examples if summary is not None else math.nan,
        "n_x": summary.n_x if summary is not None else math.nan,
        "validation": summary.validation if summary is not None else None,
    }
