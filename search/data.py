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

from dnn.tables import is_table

if TYPE_CHECKING:
    from search.tasks import Task


class Splits(NamedTuple):
    """The three splits; X is (m, n_x) (an array or a DataFrame) and y is (m,) (or (m, k)
    for a regression with k targets), scikit-learn style."""

    X_train: Any
    y_train: np.ndarray
    X_val: Any
    y_val: np.ndarray
    X_test: Any
    y_test: np.ndarray


def is_frame(x: object) -> bool:
    """A pandas DataFrame (or a subclass), told without importing pandas: `dnn`'s rule, the
    one the networks apply to the same data."""
    return is_table(x)


def take(x: Any, rows: np.ndarray) -> Any:
    """Rows of X by position: an array's, or a DataFrame's with their index labels (a
    message names a table's row by its label: a CSV file's line, see `studies`)."""
    if is_frame(x):
        return x.iloc[rows]
    return x[rows]


def stack(parts: list[Any]) -> Any:
    """Rows of several parts of X one after the other."""
    if is_frame(parts[0]):
        import pandas as pd

        return pd.concat(parts)
    return np.concatenate(parts)


def check_data(x: Any, y: np.ndarray, task: Task) -> tuple[np.ndarray, np.ndarray]:
    """Return X as a 2-d float array (a DataFrame as it is) and y checked for the task, or
    raise ValueError naming the problem."""
    x, y = _checked(x, y, not task.has_classes)
    return (x if is_frame(x) else x.astype(np.float64, copy=False)), y


def _checked(x: Any, y: np.ndarray, regression: bool = False) -> tuple[Any, np.ndarray]:
    """`check_data` without making X float64: the splits convert only their rows, so that a
    large X is never held twice (as given and converted, whole)."""
    y = np.asarray(y)
    if is_frame(x):
        if x.shape[0] == 0 or x.shape[1] == 0:
            raise ValueError(f"the table must have rows and feature columns, got {x.shape}")
    else:
        x = _check_array(np.asarray(x))
    if regression:
        if y.ndim not in (1, 2) or len(y) != len(x) or y.size == 0:
            raise ValueError(
                f"y must have one target (or row of targets) per row of X ({len(x)}), "
                f"got shape {y.shape}"
            )
        return x, check_targets(y)
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(
            f"y must be 1-d with one label per row of x ({len(x)}), got shape {y.shape}"
        )
    check_labels(y)
    return x, y


def _check_array(x: np.ndarray) -> np.ndarray:
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(
            f"X must be a non-empty 2-d array (examples by features), got shape {x.shape}"
        )
    if x.dtype.kind not in "biuf":  # complex numbers would lose their imaginary part
        raise ValueError(f"X must hold real numbers, got dtype {x.dtype}")
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise ValueError("X contains NaN or infinite values")
    return x


def check_targets(y: np.ndarray) -> np.ndarray:
    """Regression targets: real numbers, none missing or infinite, not all the same."""
    if y.dtype.kind not in "biuf":
        sample = python_value(y.ravel()[0])
        raise ValueError(
            f"the target must be numeric for a regression, got {sample!r} (dtype {y.dtype})"
        )
    y = y.astype(np.float64)
    bad = ~np.isfinite(y)
    if bad.any():
        row = int(np.flatnonzero(bad.reshape(len(y), -1).any(axis=1))[0])
        raise ValueError(f"target row {row} is {y.reshape(len(y), -1)[row][0]} (NaN or inf)")
    if (np.ptp(y, axis=0) == 0).all():
        raise ValueError(
            f"the target is constant ({y.ravel()[0]:g} in every row): nothing to learn"
        )
    return y


def check_labels(y: np.ndarray) -> None:
    """Class labels: integers, text or booleans, none missing, at least two classes."""
    if y.dtype.kind == "c":
        raise ValueError(f"y must hold class labels, got complex numbers (dtype {y.dtype})")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise ValueError(f"y[{int(np.argmin(np.isfinite(y)))}] is not a label (NaN or inf)")
        if not np.equal(np.mod(y, 1), 0).all():
            raise ValueError("y holds non-integer numbers: a classification target needs classes")
    if y.dtype.kind == "O" and any(label is None for label in y):
        raise ValueError("y holds a missing label (None)")
    try:
        classes = np.unique(y)
    except TypeError:  # labels that cannot be ordered: numbers mixed with text, NaN in objects
        raise ValueError("y mixes labels of different types (numbers and text?)") from None
    if len(classes) < 2:
        raise ValueError("y has a single class; need at least 2 classes")


class Dataset(NamedTuple):
    """What a data loader hands a study: the examples (X (m, n_x) or a DataFrame of raw
    columns, y (m,)), and the user's own test set when there is one (then no test split is
    cut from X)."""

    X: Any
    y: np.ndarray
    X_test: Any = None
    y_test: np.ndarray | None = None


def split_dataset(data: Dataset, fractions: tuple[float, float], seed: int, task: Task) -> Splits:
    """Train, validation and test splits (`fractions`: validation's and test's): the test
    split is the data set's own test set when it has one, else that fraction of the examples
    (stratified by class for a classification, seeded)."""
    if data.X_test is None or data.y_test is None:
        return task.split(data.X, data.y, fractions, seed)
    x, y = check_data(data.X, data.y, task)
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


def _check_test(x: Any, y: np.ndarray, train: Any, task: Task) -> tuple[Any, np.ndarray]:
    """A test set: as many features as training has (a table: its columns, by name); labels,
    one class or more, or real targets."""
    y = np.asarray(y)
    if is_frame(train):
        if not is_frame(x) or x.shape[0] == 0:
            raise ValueError("the test set must be a table with rows, like the training set")
        missing = [name for name in train.columns if name not in x.columns]
        if missing:
            raise ValueError(f"the test set has no column {str(missing[0])!r}")
        x = x[list(train.columns)]
    else:
        x = np.asarray(x)
        n_x = train.shape[1]
        if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] != n_x:
            raise ValueError(
                f"the test set must have {n_x} features like the training set, got {x.shape}"
            )
        if x.dtype.kind not in "biuf" or not np.isfinite(x.astype(np.float64)).all():
            raise ValueError("the test set must hold finite real numbers")
        x = x.astype(np.float64)
    if not task.has_classes:
        if y.ndim not in (1, 2) or len(y) != len(x):
            raise ValueError(f"the test targets must be one per row ({len(x)}), got {y.shape}")
        if y.dtype.kind not in "biuf" or not np.isfinite(y.astype(np.float64)).all():
            raise ValueError("the test targets must be finite numbers")
        return x, y.astype(np.float64)
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(f"the test labels must be 1-d, one per row ({len(x)}), got {y.shape}")
    return x, y


def _check_test_labels(y_test: np.ndarray, classes: np.ndarray) -> None:
    """Every test label must be a class the network can predict: one of the training data's
    (a label of another type, `'1'` for `1`, or an unseen class would score silently wrong)."""
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
    x, y = _checked(x, y)
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
    """Train, validation and test parts of a seeded shuffle (a regression has no classes to
    stratify)."""
    x, y = _checked(x, y, regression=True)
    order = np.random.default_rng(seed).permutation(len(y))
    train, val, test = _cut(order, validation_fraction, test_fraction)
    return _splits(x, y, train, val, test, allow_empty_test)


def _cut(
    order: np.ndarray, validation_fraction: float, test_fraction: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train, validation, test) of shuffled rows: the test rows first, then the validation
    rows, each a rounded fraction; at least one row is left for training."""
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
    """k folds of training + validation (test kept), each validating on one fold: every
    example is in exactly one fold's validation part, dealt after a seeded shuffle."""
    x = stack([splits.X_train, splits.X_val])
    y = np.concatenate([splits.y_train, splits.y_val])
    if len(y) < 2 * k:
        raise ValueError(f"too few examples ({len(y)}) for {k} cross-validation folds")
    fold = np.empty(len(y), dtype=int)
    fold[np.random.default_rng([seed, k]).permutation(len(y))] = np.arange(len(y)) % k
    return [_fold(splits, x, y, fold == f) for f in range(k)]


def stratified_folds(splits: Splits, k: int, seed: int) -> list[Splits]:
    """`shuffled_folds` by class: each class is dealt round-robin over the folds after a
    seeded shuffle, so that every fold holds each class in about its share."""
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
