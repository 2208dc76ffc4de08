"""The checks of a study's data that depend on how it is split, all made before anything is stored.

The data set as a whole is checked where it is loaded (`search.data.check_data`, with the
words of `dnn.checks`); what remains can only fail on a part of it: a training part whose
target is constant or holds one class, a fold whose rows of a column are all empty, a
validation part the training part's encoder cannot read. Trials would fail on these one after
the other, after the study was stored; `check_parts` makes every part the trials will train on
(every fold, or the one split) and refuses the first that fails, by name.

A column's kind is decided once, for the whole table (`dnn.tables.column_kinds`), not by each
part: a column of grades 1, 2, 3 and A is categorical, also in a fold whose training rows hold
only 1, 2 and 3. `categorical_columns` gives every part's encoder those columns.
"""

from __future__ import annotations

from typing import Any

from dnn.checks import check_labels, check_targets
from dnn.tables import TableEncoder, column_kinds
from search.data import Splits, is_frame, stack
from search.spec import StudySpec


def categorical_columns(spec: StudySpec, splits: Splits) -> tuple[str, ...]:
    """The columns every part's encoder takes as categories.

    The study's `categorical`, and the columns the whole table makes categorical although some of
    their levels read as numbers (a part holding only those would make the column numeric). None for
    arrays.
    """
    if not is_frame(splits.X_train):
        return tuple(spec.categorical)
    whole = stack([splits.X_train, splits.X_val, splits.X_test])
    kinds = column_kinds(whole, spec.categorical, spec.drop)
    forced = [k.name for k in kinds if k.number_levels and k.name not in spec.categorical]
    return (*spec.categorical, *forced)


def check_parts(spec: StudySpec, splits: Splits) -> None:
    """Make every part the trials will train on, and refuse the first that cannot be learned from.

    See the module docstring.

    Raises:
        ValueError: one line naming the part and the problem.
    """
    task = spec.problem
    parts = task.folds(splits, spec.cv_folds, spec.seed) if spec.cv_folds else [splits]
    categorical = categorical_columns(spec, splits)
    for number, part in enumerate(parts, start=1):
        where = f"fold {number} of {len(parts)}" if spec.cv_folds else "the validation split"
        try:
            check = check_labels if task.has_classes else check_targets
            check(part.y_train, name="the target")
            encoder = _fitted(part, categorical, spec.drop)
            if encoder is not None:
                encoder.transform(part.X_val)
        except ValueError as error:
            raise ValueError(f"the training rows of {where}: {error}") from None
    if encoder is not None and len(splits.y_test):
        try:
            encoder.transform(splits.X_test)
        except ValueError as error:
            raise ValueError(f"the test rows: {error}") from None


def _fitted(part: Splits, categorical: tuple[str, ...], drop: Any) -> TableEncoder | None:
    """The encoder a trial's network learns from the part's training rows (None: arrays)."""
    if not is_frame(part.X_train):
        return None
    return TableEncoder(categorical, drop).fit(part.X_train)
