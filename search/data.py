"""Train / validation / test splits of one data set, seeded (stratified for classes).

The test split stays outside the search: trials train on `train` and are scored on
`validation`; only the best trial is scored on `test`, for the report. With k-fold
cross-validation, training and validation together are cut into k folds instead
(`stratified_folds`, `shuffled_folds`), and a trial is scored on all of them.

X is a float array (m, n_x), or a pandas DataFrame of raw columns (a table: strings and
missing cells allowed), which each trial's network encodes from its own training part
(`dnn.tables`). Rows of a DataFrame are taken by position. pandas is imported only for a
DataFrame: a study on arrays never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from dnn.checks import RowName, by_position, check_features, row_names
from dnn.tables import is_table

if TYPE_CHECKING:
    from search.tasks import Task


class Splits(NamedTuple):
    """The three splits.

    X is (m, n_x) (an array or a DataFrame) and y is (m,) (or (m, k) for a regression with k
    targets), scikit-learn style.
    """

    X_train: Any
    y_train: np.ndarray
    X_val: Any
    y_val: np.ndarray
    X_test: Any
    y_test: np.ndarray


def is_frame(x: object) -> bool:
    """A pandas DataFrame (or a subclass), told without importing pandas.

    `dnn`'s rule, the one the networks apply to the same data.
    """
    return is_table(x)


def take(x: Any, rows: np.ndarray) -> Any:
    """Rows of X by position.

    An array's, or a DataFrame's with their index labels (a message names a table's row by its
    label: a CSV file's line, see `studies`).
    """
    if is_frame(x):
        return x.iloc[rows]
    return x[rows]


def stack(parts: list[Any]) -> Any:
    """Rows of several parts of X one after the other."""
    if is_frame(parts[0]):
        import pandas as pd

        return pd.concat(parts)
    return np.concatenate(parts)


def check_data(x: Any, y: Any, task: Task, row: RowName | None = None) -> tuple[Any, np.ndarray]:
    """X and y as a study takes them, or ValueError naming the problem (`dnn.checks`' words).

    X is a table with rows and columns, or a 2-d array of finite real numbers (left in its
    dtype: the splits convert their own rows, so that a large X is never held twice); y is
    checked by the task, its rows named by `row` (a table's by its index labels).
    """
    if is_frame(x):
        if x.shape[0] == 0 or x.shape[1] == 0:
            raise ValueError(f"the table must have rows and feature columns, got {x.shape}")
        row = row or row_names(x.index)
    else:
        x = np.asarray(x)
        if x.dtype.kind not in "biu" or x.ndim != 2 or 0 in x.shape:  # integers are finite
            x = check_features(x, row=row or by_position)
    y = np.asarray(y)
    if len(y) != len(x) or y.ndim == 0:
        raise ValueError(f"y must have one row per row of X ({len(x)}), got shape {y.shape}")
    return x, task.check_target(y, row=row or by_position)


class Dataset(NamedTuple):
    """What a data loader hands a study.

    The examples (X (m, n_x) or a DataFrame of raw columns, y (m,)), and the user's own test set
    when there is one (then no test split is cut from X).
    """

    X: Any
    y: np.ndarray
    X_test: Any = None
    y_test: np.ndarray | None = None


def split_dataset(data: Dataset, fractions: tuple[float, float], seed: int, task: Task) -> Splits:
    """Train, validation and test splits (`fractions`: validation's and test's).

    The test split is the data set's own test set when it has one, else that fraction of the
    examples (stratified by class for a classification, seeded).

    A data set whose test set is empty holds nothing out: its examples are cut into training
    and validation only, and the study has no test scores (`DeepNetworkSearch`, whose caller
    keeps its own test data, as with scikit-learn's searches).
    """
    x, y = check_data(data.X, data.y, task)
    if data.y_test is not None and len(data.y_test) == 0:  # nothing held out: no test part
        return task.split(x, y, (fractions[0], 0.0), seed)
    if data.X_test is None or data.y_test is None:
        return task.split(x, y, fractions, seed)
    x_test, y_test = _check_test(data.X_test, data.y_test, x, task)
    if not task.has_classes and y_test.shape[1:] != y.shape[1:]:
        raise ValueError(
            f"the test set has {_targets_per_row(y_test)} targets per row, the training set "
            f"{_targets_per_row(y)}"
        )
    if task.has_classes:
        _check_test_labels(y_test, np.unique(y))
    splits = task.split(x, y, (fractions[0], 0.0), seed)
    return splits._replace(X_test=x_test, y_test=y_test)


def _check_test(x: Any, y: Any, train: Any, task: Task) -> tuple[Any, np.ndarray]:
    """A test set.

    As many features as training has (a table: its columns, by name), and targets the task can score
    (`Task.check_test_target`: one class is enough).
    """
    y = np.asarray(y)
    if is_frame(train):
        if not is_frame(x) or x.shape[0] == 0:
            raise ValueError("the test set must be a table with rows, like the training set")
        missing = [name for name in train.columns if name not in x.columns]
        if missing:
            raise ValueError(f"the test set has no column {str(missing[0])!r}")
        x = x[list(train.columns)]
    else:
        x = check_features(x, name="the test set")
        if x.shape[1] != train.shape[1]:
            raise ValueError(
                f"the test set must have {train.shape[1]} features like the training set, "
                f"got {x.shape}"
            )
        x = x.astype(np.float64)
    if len(y) != len(x) or y.ndim == 0:
        raise ValueError(f"the test targets must be one per row ({len(x)}), got {y.shape}")
    row = row_names(x.index) if is_frame(x) else by_position
    return x, task.check_test_target(y, name="the test target", row=row)


def _check_test_labels(y_test: np.ndarray, classes: np.ndarray) -> None:
    """Every test label must be a class the network can predict.

    One of the training data's (a label of another type, `'1'` for `1`, or an unseen class would
    score silently wrong).
    """
    known = np.isin(y_test, classes)
    if not known.all():
        row = int(np.argmin(known))
        label = python_value(y_test[row])
        raise ValueError(
            f"test label {label!r} (row {row}) is not a class of the training data "
            f"({', '.join(map(repr, classes[:10].tolist()))})"
        )


def stratified_split(
    x: np.ndarray,
    y: np.ndarray,
    validation_fraction: float,
    test_fraction: float,
    seed: int,
    *,
    allow_empty_test: bool = False,
) -> Splits:
    """Split every class in the same proportions, after a seeded shuffle.

    Each class keeps at least one example in train; a class with few examples may be
    missing from validation or test.
    """
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[], [], []]
    for label in np.unique(y):
        cut = _cut(rng.permutation(np.flatnonzero(y == label)), validation_fraction, test_fraction)
        for part, rows in zip(parts, cut, strict=True):
            part.append(rows)
    train, val, test = (rng.permutation(np.concatenate(p)) for p in parts)
    return _splits(x, y, train, val, test, allow_empty_test)


def shuffled_split(
    x: Any,
    y: np.ndarray,
    validation_fraction: float,
    test_fraction: float,
    seed: int,
    *,
    allow_empty_test: bool = False,
) -> Splits:
    """Train, validation and test parts of a seeded shuffle.

    Not stratified: a regression has no classes to stratify.
    """
    order = np.random.default_rng(seed).permutation(len(y))
    train, val, test = _cut(order, validation_fraction, test_fraction)
    return _splits(x, y, train, val, test, allow_empty_test)


def _cut(
    order: np.ndarray, validation_fraction: float, test_fraction: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train, validation, test) of shuffled rows.

    The test rows first, then the validation rows, each a rounded fraction; at least one row is left
    for training.
    """
    n_test = int(round(len(order) * test_fraction))
    n_val = min(int(round(len(order) * validation_fraction)), max(len(order) - n_test - 1, 0))
    return order[n_test + n_val :], order[n_test : n_test + n_val], order[:n_test]


def _splits(
    x: Any,
    y: np.ndarray,
    train: np.ndarray,
    val: np.ndarray,
    test: np.ndarray,
    allow_empty_test: bool,
) -> Splits:
    if len(val) == 0 or (len(test) == 0 and not allow_empty_test):
        raise ValueError(f"data set too small to split: {len(y)} examples")
    parts = (_float_rows(x, train), _float_rows(x, val), _float_rows(x, test))
    return Splits(parts[0], y[train], parts[1], y[val], parts[2], y[test])


def _float_rows(x: Any, rows: np.ndarray) -> Any:
    """Rows of X by position, an array's as float64 (converted a chunk of rows at a time)."""
    if is_frame(x):
        return take(x, rows)
    out = np.empty((len(rows), x.shape[1]), np.float64)
    step = max(1, 2**20 // x.shape[1])
    for start in range(0, len(rows), step):
        out[start : start + step] = x[rows[start : start + step]]
    return out


def _targets_per_row(y: np.ndarray) -> int:
    return 1 if y.ndim == 1 else int(y.shape[1])


def python_value(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (2, not np.int64(2)); others as they are."""
    return value.item() if isinstance(value, np.generic) else value


def shuffled_folds(splits: Splits, k: int, seed: int) -> list[Splits]:
    """K folds of training + validation (test kept), each validating on one fold.

    Every example is in exactly one fold's validation part, dealt after a seeded shuffle.
    """
    x = stack([splits.X_train, splits.X_val])
    y = np.concatenate([splits.y_train, splits.y_val])
    if len(y) < 2 * k:
        raise ValueError(f"too few examples ({len(y)}) for {k} cross-validation folds")
    fold = np.empty(len(y), dtype=int)
    fold[np.random.default_rng([seed, k]).permutation(len(y))] = np.arange(len(y)) % k
    return [_fold(splits, x, y, fold == f) for f in range(k)]


def stratified_folds(splits: Splits, k: int, seed: int) -> list[Splits]:
    """`shuffled_folds` by class.

    Each class is dealt round-robin over the folds after a seeded shuffle, so that every fold holds
    each class in about its share.
    """
    x = stack([splits.X_train, splits.X_val])
    y = np.concatenate([splits.y_train, splits.y_val])
    labels, counts = np.unique(y, return_counts=True)
    if counts.min() < k:
        rare = python_value(labels[np.argmin(counts)])  # 2, not np.int64(2)
        raise ValueError(
            f"cv_folds: class {rare!r} has {counts.min()} examples in training + validation, "
            f"fewer than the {k} folds"
        )
    rng = np.random.default_rng([seed, k])
    fold = np.empty(len(y), dtype=int)
    for label in labels:
        index = rng.permutation(np.flatnonzero(y == label))
        fold[index] = (np.arange(len(index)) + rng.integers(k)) % k
    if np.bincount(fold, minlength=k).min() == 0:
        raise ValueError(f"too few examples ({len(y)}) for {k} cross-validation folds")
    return [_fold(splits, x, y, fold == f) for f in range(k)]


def _fold(splits: Splits, x: Any, y: np.ndarray, validation: np.ndarray) -> Splits:
    train, val = np.flatnonzero(~validation), np.flatnonzero(validation)
    return Splits(take(x, train), y[train], take(x, val), y[val], splits.X_test, splits.y_test)
