"""The data a study learned from, as report tables: its columns, its target, a study's row.

A run stores what its data are with the study (`search.summary.DataSummary`, None for a study
run before there were summaries), and the report reads it back with `DataSummary.read`, which
checks every field. The strings of a summary (column names, categories, class labels, reasons)
are stored text: they reach the tables as they are, and each renderer escapes them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from search.summary import STATISTICS, DataSummary

MAX_CATEGORIES = 10  # a column's cell names the first ten categories and counts the rest
DATA_COLUMNS = ["column", "kind", "missing", "categories", "pooled", "width", "reason"]
CLASS_COLUMNS = ["class", "count", "share"]
STATISTICS_COLUMNS = ["target", *STATISTICS]
STUDIES_COLUMNS = ["study", "task", "examples", "test_examples", "n_x", "validation"]


# Tables ---------------------------------------------------------------------------------------


def categories_text(categories: Sequence[str], limit: int = MAX_CATEGORIES) -> str:
    """The categories kept, the first `limit` of them named: `a, b, c and 4 more`."""
    shown = ", ".join(categories[:limit])
    more = len(categories) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def data_table(summary: DataSummary) -> pd.DataFrame:
    """A row per column of the table read, as the data summary describes it.

    Columns: kind, missing cells, categories kept, categories pooled, encoded width, why
    dropped. No rows for numeric arrays without column names.
    """
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
    """The target: a row per class, or one row of statistics for numbers.

    A task with classes gets each class's count and share of the examples; a regression, the
    target's mean, standard deviation, minimum and maximum.
    """
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
