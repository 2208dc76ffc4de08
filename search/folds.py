"""How a study validates and ranks its trials when its file does not say, by the data's size.

`default_folds` decides `cv_folds` (k folds or one split) and `default_metric` the metric for a
study file that leaves them out (`StudySpec.decided`); `scored_on` names what a trial's value was
measured on, for messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from search.tasks import Task

# fewer examples (training + validation) than this: k-fold by default (one 20% split of 500 is
# 100 examples, whose accuracy varies by 4 points from luck). Measured at equal time
# (benchmarks/bench_validation.py): 5-fold better at 250-500 examples; one split better at 1,000
# (6 seeds of 6) and mostly above, where 5-fold runs too few trials in a minute. With LONG_BUDGET
# s or more, k-fold below MEDIUM_DATA (`run digits --long`: 5-fold beat one split on test)
SMALL_DATA, LONG_BUDGET, MEDIUM_DATA = 1_000, 300.0, 5_000
DEFAULT_FOLDS = 5  # scikit-learn's searches validate with 5 folds by default


def scored_on(cv_folds: int | None) -> str:
    """What a trial's value is measured on, for messages: `validation` or `5-fold CV`."""
    return f"{cv_folds}-fold CV" if cv_folds else "validation"


def folds_limit(timeout: float | None) -> int:
    """Below how many examples `cv_folds` defaults to k-fold: more with a `LONG_BUDGET` run."""
    return MEDIUM_DATA if timeout is not None and timeout >= LONG_BUDGET else SMALL_DATA


def default_folds(n_examples: int, timeout: float | None = None) -> int:
    """`cv_folds` for a study file that does not set it: k-fold below `folds_limit`, else 0."""
    return DEFAULT_FOLDS if n_examples < folds_limit(timeout) else 0


def default_metric(task: Task, n_examples: int) -> str:
    """`metric` for a study file that names none: the task's `small_data_metric` below SMALL_DATA.

    On a few hundred validation examples accuracy moves by whole examples and ties many trials, so
    classification ranks them by log loss there; from SMALL_DATA on, by accuracy.
    """
    return task.small_data_metric if n_examples < SMALL_DATA else task.default_metric
