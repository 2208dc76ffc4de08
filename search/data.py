"""Train / validation / test splits of one data set, stratified and seeded.

The test split stays outside the search: trials train on `train` and are scored on
`validation`; only the best trial is scored on `test`, for the report. With k-fold
cross-validation, training and validation together are cut into k folds instead
(`cross_validation_splits`), and a trial is scored on all of them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Splits(NamedTuple):
    """Arrays of the three splits; X is (m, n_x) and y is (m,), scikit-learn style."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def check_data(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return X as a 2-d float array and y as 1-d, or raise ValueError naming the problem."""
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(
            f"X must be a non-empty 2-d array (examples by features), got shape {x.shape}"
        )
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(
            f"y must be 1-d with one label per row of x ({len(x)}), got shape {y.shape}"
        )
    if x.dtype.kind not in "biuf":  # complex numbers would lose their imaginary part
        raise ValueError(f"X must hold real numbers, got dtype {x.dtype}")
    x = x.astype(np.float64)
    if not np.isfinite(x).all():
        raise ValueError("X contains NaN or infinite values")
    _check_labels(y)
    return x, y


def _check_labels(y: np.ndarray) -> None:
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
    """What a data loader hands a study: the examples (X (m, n_x), y (m,)), and the user's own
    test set when there is one (then no test split is cut from X)."""

    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None


def split_dataset(
    data: Dataset, validation_fraction: float, test_fraction: float, seed: int
) -> Splits:
    """Train, validation and test splits: the test split is the data set's own test set when
    it has one, else `test_fraction` of the examples (stratified, seeded)."""
    if data.X_test is None or data.y_test is None:
        return stratified_split(data.X, data.y, validation_fraction, test_fraction, seed)
    x, y = check_data(data.X, data.y)
    x_test, y_test = _check_test(data.X_test, data.y_test, x.shape[1])
    _check_test_labels(y_test, np.unique(y))
    split = stratified_split(x, y, validation_fraction, 0.0, seed, allow_empty_test=True)
    return split._replace(X_test=x_test, y_test=y_test)


def _check_test(x: np.ndarray, y: np.ndarray, n_x: int) -> tuple[np.ndarray, np.ndarray]:
    """A test set: real finite features, as many as training has; labels, one class or more."""
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] != n_x:
        raise ValueError(
            f"the test set must have {n_x} features like the training set, got {x.shape}"
        )
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(f"the test labels must be 1-d, one per row ({len(x)}), got {y.shape}")
    if x.dtype.kind not in "biuf" or not np.isfinite(x.astype(np.float64)).all():
        raise ValueError("the test set must hold finite real numbers")
    return x.astype(np.float64), y


def _check_test_labels(y_test: np.ndarray, classes: np.ndarray) -> None:
    """Every test label must be a class the network can predict: one of the training data's
    (a label of another type, `'1'` for `1`, or an unseen class would score silently wrong)."""
    known = np.isin(y_test, classes)
    if not known.all():
        row = int(np.argmin(known))
        label = y_test[row].item() if hasattr(y_test[row], "item") else y_test[row]
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
    x, y = check_data(x, y)
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[], [], []]
    for label in np.unique(y):
        index = rng.permutation(np.flatnonzero(y == label))
        n_test = int(round(len(index) * test_fraction))
        n_val = int(round(len(index) * validation_fraction))
        n_val = min(n_val, max(len(index) - n_test - 1, 0))
        parts[2].append(index[:n_test])
        parts[1].append(index[n_test : n_test + n_val])
        parts[0].append(index[n_test + n_val :])
    train, val, test = (rng.permutation(np.concatenate(p)) for p in parts)
    if len(val) == 0 or (len(test) == 0 and not allow_empty_test):
        raise ValueError(f"data set too small to split: {len(y)} examples")
    return Splits(x[train], y[train], x[val], y[val], x[test], y[test])


def cross_validation_splits(splits: Splits, k: int, seed: int) -> list[Splits]:
    """k splits of training + validation, each validating on one stratified fold (test kept).

    Every example of training + validation is in exactly one fold's validation part; each
    class is dealt round-robin over the folds after a seeded shuffle.
    """
    x = np.concatenate([splits.X_train, splits.X_val])
    y = np.concatenate([splits.y_train, splits.y_val])
    labels, counts = np.unique(y, return_counts=True)
    if counts.min() < k:
        rare = labels[np.argmin(counts)].item()  # a Python value: 2, not np.int64(2)
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
    return [
        Splits(x[fold != f], y[fold != f], x[fold == f], y[fold == f], splits.X_test, splits.y_test)
        for f in range(k)
    ]
