"""What a study's data are: a typed record stored with the study, beside the trial record.

`describe_data(spec, splits)` describes the examples the trials learn from (training and
validation together, the test part apart): the task, each column of a table with its inferred
kind, missing cells and kept categories (`dnn.tables.TableEncoder.describe`, fitted here on
training + validation for the description only: each trial fits its own encoder on its own
training part), the encoded width n_x = n[0], the target's classes and their counts (or a
numeric target's mean, spread and range), and how trials are validated.

A run stores it as plain JSON (`DataSummary.to_attr`); reports read it back with
`DataSummary.read`, which checks every field, because a storage may have been written by
anyone: a bad field is a `DataSummaryError` naming it (never quoting stored text), and a report
leaves its data section out with a note instead of failing. Its strings (column names,
categories, class labels, reasons) are stored text: every renderer escapes them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dnn.tables import TableEncoder
from search.checks import categorical_columns
from search.data import Splits, is_frame, stack
from search.spec import StudySpec
from search.tasks import TASKS

KINDS = ("numeric", "categorical", "dropped")
STATISTICS = ("mean", "std", "min", "max")


class DataSummaryError(ValueError):
    """A stored data summary that does not follow the schema (one line naming the field)."""


@dataclass(frozen=True)
class Column:
    """One column of a table as the encoder read it."""

    name: str
    kind: str  # one of KINDS
    missing: int
    categories: tuple[str, ...]  # the levels kept
    pooled: int  # rare levels pooled into `<other>`
    width: int  # encoded columns it makes
    reason: str | None  # why a dropped column was dropped


@dataclass(frozen=True)
class DataSummary:
    """A study's data.

    `classes` (label -> count) for a classification, `statistics` (mean, std, min, max) for a
    regression; `columns` empty for numeric arrays without names.
    """

    task: str
    examples: int
    test_examples: int
    n_x: int
    validation: str
    columns: tuple[Column, ...]
    target: str | None
    classes: dict[str, int] | None = None
    statistics: dict[str, float] | None = None

    def to_attr(self) -> dict[str, Any]:
        """The summary as stored with the study (plain JSON)."""
        target: dict[str, Any] = {"name": self.target}
        target.update(self.statistics if self.statistics is not None else {})
        if self.classes is not None:
            target["classes"] = dict(self.classes)
        data = dataclasses.asdict(self)
        del data["classes"], data["statistics"]
        data["columns"] = [{**c, "categories": list(c["categories"])} for c in data["columns"]]
        return {**data, "target": target}

    @classmethod
    def read(cls, stored: Any) -> DataSummary | None:
        """A stored summary, checked field by field (None when none is stored).

        Raises:
            DataSummaryError: a field is missing or of the wrong kind (one line naming it).
        """
        if stored is None:
            return None
        summary = _mapping(stored, "the data summary")
        task = _choice(_get(summary, "task", ""), tuple(TASKS), "task")
        columns = _get(summary, "columns", "")
        if not isinstance(columns, list | tuple):
            raise DataSummaryError("columns is not a list")
        target = _mapping(_get(summary, "target", ""), "target")
        read = cls(
            task=task,
            examples=_count(_get(summary, "examples", ""), "examples"),
            test_examples=_count(_get(summary, "test_examples", ""), "test_examples"),
            n_x=_count(_get(summary, "n_x", ""), "n_x"),
            validation=str(_text(_get(summary, "validation", ""), "validation")),
            columns=tuple(_column(c, f"columns[{i}]") for i, c in enumerate(columns)),
            target=_text(target.get("name"), "target.name", none_ok=True),
        )
        if not TASKS[task].has_classes:
            statistics = {s: _real(_get(target, s, "target."), f"target.{s}") for s in STATISTICS}
            return dataclasses.replace(read, statistics=statistics)
        return dataclasses.replace(read, classes=_classes(_get(target, "classes", "target.")))


def validation_text(spec: StudySpec) -> str:
    """How trials are scored, in words: `5-fold cross-validation` or `one 20% validation split`."""
    if spec.cv_folds:
        return f"{spec.cv_folds}-fold cross-validation"
    return f"one {spec.validation_fraction:.0%} validation split"


def describe_data(spec: StudySpec, splits: Splits) -> tuple[DataSummary, list[str]]:
    """The summary and the encoder's warnings (one line each: a dropped identifier, say).

    Raises:
        ValueError: a table the encoder refuses (`dnn.tables.TableError`), naming the column.
    """
    y = np.concatenate([splits.y_train, splits.y_val])
    columns: list[Column] = []
    warnings: list[str] = []
    if is_frame(splits.X_train):  # arrays are not stacked: a large one would be copied whole
        x = stack([splits.X_train, splits.X_val])
        categorical = categorical_columns(spec, splits)
        encoder = TableEncoder(categorical=categorical, drop=spec.drop).fit(x)
        columns = [_column(c, "column") for c in encoder.describe()]
        warnings = list(encoder.warnings_)
        n_x = len(encoder.feature_names_)
    else:
        n_x = int(splits.X_train.shape[1])
    summary = DataSummary(
        task=spec.task,
        examples=len(y),
        test_examples=len(splits.y_test),
        n_x=n_x,
        validation=validation_text(spec),
        columns=tuple(columns),
        target=spec.target if columns else None,  # a table's target column has a name
        **spec.problem.describe_target(y),
    )
    return summary, warnings


# -- checked reading ---------------------------------------------------------------------------


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
