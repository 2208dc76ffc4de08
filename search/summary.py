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
from search.spec import StudySpec


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
        "target": spec.problem.target_summary(y, name),
    }
    return summary, warnings
