"""What a study's data are: stored with the study for its report, and said in a run's first lines.

`data_summary(spec, splits)` describes the examples the trials learn from (training and
validation together, the test part apart): the task, each column of a table with its
inferred kind, missing cells and kept categories (`dnn.tables.TableEncoder.describe`, fitted
here on training + validation for the description only: each trial fits its own encoder on its
own training part), the encoded width n_x = n[0], the target's classes and their counts (or a
numeric target's mean, spread and range), and how trials are validated. It is plain JSON.

Fitting the encoder here also checks a table before anything is stored: an all-missing
column or a category column with thousands of levels is refused with one line.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from search.data import Splits, is_frame, stack
from search.spec import SMALL_DATA, StudySpec

MAX_NAMED_CLASSES = 10  # the first line names at most this many classes


def validation_text(spec: StudySpec) -> str:
    """How trials are scored, in words: `5-fold cross-validation` or `one 20% validation split`."""
    if spec.cv_folds:
        return f"{spec.cv_folds}-fold cross-validation"
    return f"one {spec.validation_fraction:.0%} validation split"


def data_summary(spec: StudySpec, splits: Splits) -> tuple[dict[str, Any], list[str]]:
    """The summary (JSON-ready) and the encoder's warnings (one line each: a dropped id).

    Raises:
        ValueError: a table the encoder refuses (`dnn.tables.TableError`), naming the column.
    """
    y = np.concatenate([splits.y_train, splits.y_val])
    columns: list[dict[str, Any]] = []
    warnings: list[str] = []
    if is_frame(splits.X_train):  # arrays are not stacked: a large one would be copied whole
        x = stack([splits.X_train, splits.X_val])
        from dnn.tables import TableEncoder

        try:
            encoder = TableEncoder(categorical=spec.categorical, drop=spec.drop).fit(x)
            encoder.transform(splits.X_test)  # a test table the networks cannot read fails now
        except ValueError as error:
            raise ValueError(f"dataset {spec.dataset}: {error}") from None
        columns, warnings = encoder.describe(), list(encoder.warnings_)
        n_x = len(encoder.feature_names_)
    else:
        n_x = int(splits.X_train.shape[1])
    name = spec.target if columns else None  # a table's target column has a name
    summary = {
        "task": spec.task,
        "examples": len(y),
        "test_examples": len(splits.y_test),
        "n_x": n_x,
        "validation": validation_text(spec),
        "columns": columns,
        "target": _target(spec, y, name),
    }
    return summary, warnings


def _target(spec: StudySpec, y: np.ndarray, name: str | None) -> dict[str, Any]:
    if spec.task == "regression":
        values = y.astype(np.float64)
        return {
            "name": name,
            "mean": float(values.mean()),
            "std": float(values.std()),
            "min": float(values.min()),
            "max": float(values.max()),
        }
    labels, counts = np.unique(y, return_counts=True)
    return {
        "name": name,
        "classes": {_label(v): int(c) for v, c in zip(labels, counts, strict=True)},
    }


def _label(value: Any) -> str:
    return str(value.item() if isinstance(value, np.generic) else value)


def first_lines(spec: StudySpec, summary: dict[str, Any], chosen: bool = False) -> list[str]:
    """A run's first two lines: the problem as the run understood it (task, target, classes or
    range) and how trials are validated (`chosen`: by the data's size, as the study file does
    not say, and why); then the examples, the encoded width and the columns' kinds."""
    target = summary["target"]
    of = f" of {target['name']!r}" if target.get("name") else ""
    if spec.task == "regression":
        what = (
            f"regression{of} (mean {target['mean']:.4g}, std {target['std']:.4g}, "
            f"range {target['min']:.4g} to {target['max']:.4g})"
        )
    else:
        classes = target["classes"]
        kind = "binary classification" if len(classes) == 2 else "multi-class classification"
        shown = ", ".join(f"{k}: {v}" for k, v in list(classes.items())[:MAX_NAMED_CLASSES])
        more = len(classes) - MAX_NAMED_CLASSES
        what = f"{kind}{of}, {len(classes)} classes ({shown}{f', {more} more' if more > 0 else ''})"
    why = ""
    if chosen:
        why = (
            f" (fewer than {SMALL_DATA:,} examples; cv_folds = 0 for one split)"
            if spec.cv_folds
            else f" ({SMALL_DATA:,} examples or more; set cv_folds for k-fold)"
        )
    columns = summary["columns"]
    width = f"n_x = {summary['n_x']}"
    if columns:
        kinds = [c["kind"] for c in columns]
        width += (
            f" encoded from {len(columns)} columns ({kinds.count('numeric')} numeric, "
            f"{kinds.count('categorical')} categorical, {kinds.count('dropped')} dropped)"
        )
    return [
        f"study {spec.name!r} on {spec.dataset}: {what}; {summary['validation']}{why}",
        f"{summary['examples']} examples, {summary['test_examples']} for test; {width}",
    ]
