"""The data sets a study can name: built-in ones (shipped or generated), or a file.

Every loader returns `(X, y)` with X of shape (m, n_x), float64, and y of shape (m,). They run
in every worker process (from the spec stored with the study), so they never download.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import datasets as sk

from search import StudySpec
from search.data import check_data


class DataError(ValueError):
    """A data set cannot be loaded; the message is one line naming the file, column or row."""


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 handwritten digits: 1,797 examples, 64 features, 10 classes."""
    x, y = sk.load_digits(return_X_y=True)
    return x.astype(np.float64), y


def breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's Wisconsin breast cancer set: 569 examples, 30 features, 2 classes."""
    x, y = sk.load_breast_cancer(return_X_y=True)
    return x, y


def planar(m: int = 400, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The course's two-class 'flower': m points in the plane on the petals of a rose curve."""
    rng = np.random.default_rng(seed)
    n = m // 2
    x = np.zeros((2 * n, 2))
    y = np.zeros(2 * n, dtype=int)
    for j in range(2):
        index = slice(n * j, n * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, n) + rng.standard_normal(n) * 0.2
        r = 4 * np.sin(4 * t) + rng.standard_normal(n) * 0.2
        x[index] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[index] = j
    return x, y


def moons() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's two interleaving half circles, 1,000 points with noise 0.25."""
    return sk.make_moons(n_samples=1000, noise=0.25, random_state=0)


def circles() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's two concentric circles, 1,000 points with noise 0.1."""
    return sk.make_circles(n_samples=1000, noise=0.1, factor=0.5, random_state=0)


def parity(n_bits: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """All 2^n_bits bit strings, labelled by the parity of their number of ones."""
    codes = np.arange(2**n_bits)
    x = ((codes[:, None] >> np.arange(n_bits)) & 1).astype(np.float64)
    return x, x.sum(axis=1).astype(int) % 2


BUILTIN: dict[str, Callable[[], tuple[np.ndarray, np.ndarray]]] = {
    "digits": digits,
    "breast_cancer": breast_cancer,
    "planar": planar,
    "moons": moons,
    "circles": circles,
    "parity": parity,
}


def load_csv(path: Path, target: str) -> tuple[np.ndarray, np.ndarray]:
    """Numeric feature columns and the `target` column of a CSV file."""
    try:
        frame = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: cannot read CSV ({str(error).splitlines()[0]})") from None
    if target not in frame.columns:
        raise DataError(
            f"{path}: no target column {target!r} (columns: {', '.join(map(str, frame.columns))})"
        )
    features = frame.drop(columns=[target])
    if features.shape[1] == 0 or len(frame) == 0:
        raise DataError(f"{path}: needs at least one feature column and one row")
    for column in features.columns:
        numeric = pd.to_numeric(features[column], errors="coerce")
        bad = numeric.isna() & features[column].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            value = features[column].iloc[row]
            raise DataError(f"{path}: column {column!r} row {row + 2} is not numeric: {value!r}")
        if numeric.isna().any():
            row = int(np.flatnonzero(numeric.isna().to_numpy())[0])
            raise DataError(f"{path}: column {column!r} row {row + 2} is empty")
        features[column] = numeric
    y = frame[target].to_numpy()
    if frame[target].isna().any():
        raise DataError(f"{path}: target column {target!r} has empty values")
    return features.to_numpy(dtype=np.float64), y


def load_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Arrays `X` (m, n_x) and `y` (m,) of an `.npz` file."""
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [key for key in ("X", "y") if key not in data.files]
            if missing:
                raise DataError(f"{path}: missing array {missing[0]!r} (needs x and y)")
            return data["X"], data["y"]
    except (OSError, ValueError) as error:
        if isinstance(error, DataError):
            raise
        raise DataError(f"{path}: cannot read npz ({str(error).splitlines()[0]})") from None


def load_dataset(spec: StudySpec) -> tuple[np.ndarray, np.ndarray]:
    """The data set a spec names: a built-in name, a `.csv` or an `.npz` path."""
    name = spec.dataset
    if name in BUILTIN:
        return BUILTIN[name]()
    path = Path(name)
    if path.suffix.lower() not in (".csv", ".npz"):
        raise DataError(
            f"dataset: unknown data set {name!r}; "
            f"use one of {', '.join(BUILTIN)} or a .csv/.npz path"
        )
    if not path.is_file():
        raise DataError(f"dataset: no such file {name!r}")
    x, y = load_csv(path, spec.target) if path.suffix.lower() == ".csv" else load_npz(path)
    try:
        return check_data(x, y)
    except ValueError as error:
        raise DataError(f"dataset {name}: {error}") from None
