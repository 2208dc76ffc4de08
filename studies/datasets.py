"""The data sets a study can name: built-in ones (shipped or generated), or a file.

Every loader returns `(X, y)` with y of shape (m,). X is a float64 array (m, n_x) for the
built-in arrays and `.npz` files; for a table (a CSV file, or the built-in `penguins`) it is a
pandas DataFrame of the raw feature columns as read, text and empty cells included, indexed by
the file's lines, which each trial's network encodes from its own training part
(`dnn.tables.TableEncoder`). They run in every worker process (from the spec stored with the
study), so they never download.

`load_dataset` checks a study's data as a whole before anything is stored, with the rules of
`dnn` and `search` and the context of `studies.files` (the file, its lines): each column's kind
decided once for the whole table, the target by the task, a test file against the training
file's columns.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from importlib import resources, util
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dnn.checks import check_features
from dnn.tables import TableEncoder
from search import StudySpec
from search.data import Dataset, check_data, is_frame
from search.tasks import CLASSIFICATION, Task, task_named
from studies.errors import DataError
from studies.files import (
    check_real,
    check_target,
    check_test_columns,
    first_line,
    read_arrays,
    read_table,
    split_target,
)

if TYPE_CHECKING:
    import pandas as pd  # imported where a table is read: a study of arrays does without it


# scikit-learn is imported by the loaders of its data sets only: it takes a second or more.


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 handwritten digits: 1,797 examples, 64 features, 10 classes.

    Read from the file scikit-learn ships, as its `load_digits` reads it, without importing
    scikit-learn (the start of `dnnsearch run digits` would pay for it).
    """
    path = _sklearn_file("datasets/data/digits.csv.gz")
    if path is None:  # another layout: scikit-learn's own loader
        from sklearn.datasets import load_digits

        x, y = load_digits(return_X_y=True)
        return x.astype(np.float64), y
    with gzip.open(path) as file:
        data = np.loadtxt(file, delimiter=",")
    return np.ascontiguousarray(data[:, :-1]), data[:, -1].astype(int)


def _sklearn_file(name: str) -> Path | None:
    """A file of the installed scikit-learn package, found without importing it."""
    spec = util.find_spec("sklearn")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        if (Path(folder) / name).is_file():
            return Path(folder) / name
    return None


def breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's Wisconsin breast cancer set: 569 examples, 30 features, 2 classes."""
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
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
    from sklearn.datasets import make_moons

    return make_moons(n_samples=1000, noise=0.25, random_state=0)


def circles() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's two concentric circles, 1,000 points with noise 0.1."""
    from sklearn.datasets import make_circles

    return make_circles(n_samples=1000, noise=0.1, factor=0.5, random_state=0)


def parity(n_bits: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """All 2^n_bits bit strings, labelled by the parity of their number of ones."""
    codes = np.arange(2**n_bits)
    x = ((codes[:, None] >> np.arange(n_bits)) & 1).astype(np.float64)
    return x, x.sum(axis=1).astype(int) % 2


def diabetes() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's diabetes set, a regression.

    442 patients, 10 features (age, sex, body mass index, blood pressure, six blood serum
    measurements; each centred and scaled), and a measure of the disease's progression a year later
    (25 to 346).
    """
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True)
    return x, y.astype(np.float64)


def friedman1() -> tuple[np.ndarray, np.ndarray]:
    """Friedman's first regression problem.

    2,000 points of 10 uniform features on [0, 1], of which five matter, y = 10 sin(pi x1 x2) + 20
    (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise (std 1).
    """
    from sklearn.datasets import make_friedman1

    return make_friedman1(n_samples=2000, n_features=10, noise=1.0, random_state=0)


# Built-in tables: CSV files shipped in the package (studies/data/, see its README.md), read
# like a user's CSV file; the study file names the target column.
BUILTIN_TABLES = {"penguins": "data/penguins.csv"}


def penguins(target: str = "species", task: Task | str = CLASSIFICATION) -> tuple[Any, np.ndarray]:
    """Palmerpenguins' table (CC0).

    344 penguins of three species (Adelie 152, Gentoo 124, Chinstrap 68), with their island and sex
    (text), bill length and depth, flipper length, body mass and year; 19 cells are empty (NA), 11
    of them in `sex`.
    """
    return builtin_table("penguins", target, task)


def builtin_table(
    name: str, target: str, task: Task | str = CLASSIFICATION
) -> tuple[Any, np.ndarray]:
    """A table shipped with the package (`BUILTIN_TABLES`), its `target` column as y."""
    with resources.as_file(resources.files("studies") / BUILTIN_TABLES[name]) as path:
        return load_csv(path, target, task=task, name=name)


BUILTIN: dict[str, Callable[[], tuple[Any, np.ndarray]]] = {
    "digits": digits,
    "breast_cancer": breast_cancer,
    "planar": planar,
    "moons": moons,
    "circles": circles,
    "parity": parity,
    "penguins": penguins,
    "diabetes": diabetes,
    "friedman1": friedman1,
}


def load_csv(
    path: Path,
    target: str,
    columns: list[str] | None = None,
    *,
    task: Task | str = CLASSIFICATION,
    name: str | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """A CSV file's feature columns as a DataFrame (indexed by its lines), and its `target` as y.

    The features as read; y checked by the task (`studies.files.check_target`).

    With `columns` (a training file's feature columns, for its test file), those columns are
    taken by name, in that order; others are ignored, a missing one is refused by name, and the
    target may hold one class only.
    """
    name = name or str(path)
    frame = read_table(path, name)
    features, _ = split_target(frame, name, target, columns)
    y = check_target(name, path, frame, target, _task(task), test=columns is not None)
    return features, y


def _load_table(path: Path, name: str, spec: StudySpec) -> tuple[Any, np.ndarray, dict[str, str]]:
    """A study's table: its feature columns' kinds checked first, then its target."""
    frame = read_table(path, name)
    features, _ = split_target(frame, name, spec.target)
    kinds = check_table(name, features, spec)
    return features, check_target(name, path, frame, spec.target, spec.problem), kinds


def load_npz(path: Path, task: Task | str = CLASSIFICATION) -> tuple[np.ndarray, np.ndarray]:
    """Arrays `X` (m, n_x) and `y` (m,) of an `.npz` file, read without pickle.

    Y holds labels the task can learn, or for a regression finite numbers ((m, k) for k targets).
    """
    x, y = read_arrays(path)
    try:
        x, y = check_data(x, y, _task(task))
    except ValueError as error:
        raise DataError(f"{path}: {error}") from None
    return x, y


def _task(task: Task | str) -> Task:
    """A task, or the task of that name."""
    return task_named(task) if isinstance(task, str) else task


def check_table(name: str, features: pd.DataFrame, spec: StudySpec) -> dict[str, str]:
    """Each column's kind, decided once for the whole table by the networks' own encoder.

    The encoder is `dnn.tables.TableEncoder`, fitted here on every row. A column with every cell
    empty, an infinite or huge number, numbers with a few text cells among them, or too many
    categories are refused here, by the file's line; so is a column of complex numbers.

    Returns:
        column -> `numeric`, `categorical` or `dropped`.

    Raises:
        DataError: one line naming the table, the column and the line.
    """
    try:
        kinds = {
            c["name"]: c["kind"]
            for c in TableEncoder(spec.categorical, spec.drop).fit(features).describe()
        }
    except ValueError as error:
        raise DataError(f"{name}: {first_line(error)}") from None
    for column, kind in kinds.items():
        if kind == "categorical" and column not in spec.categorical:
            check_real(name, features[column], column)
    return kinds


# -- a study's data ----------------------------------------------------------------------------


def load_dataset(spec: StudySpec) -> Dataset:
    """The data set a spec names (a built-in name, a `.csv` or an `.npz` path).

    It comes with its own test file (`test_dataset`) when the spec names one.
    """
    x, y, kinds = _load_examples(spec)
    if spec.test_dataset is None:
        return Dataset(x, y)
    x_test, y_test = _load_test(spec, x, kinds)
    if spec.problem.has_classes and _is_text(y) != _is_text(y_test):
        # pandas reads a column of 1 and 0 as numbers and one holding a 'yes' as text: the
        # label 1 written in both files is the same class
        y, y_test = _as_text(y), _as_text(y_test)
    return Dataset(x, y, x_test, y_test)


def _is_text(labels: np.ndarray) -> bool:
    return labels.dtype.kind in "OUS"


def _as_text(labels: np.ndarray) -> np.ndarray:
    """Labels as text, whole numbers written without a decimal point (1.0 as '1')."""
    if _is_text(labels):
        return labels.astype(str)
    as_float = labels.astype(np.float64)
    whole = np.isfinite(as_float) & (as_float == np.round(as_float))
    return np.array(
        [str(int(v)) if w else str(v) for v, w in zip(as_float.tolist(), whole, strict=True)]
    )


def _load_examples(spec: StudySpec) -> tuple[Any, np.ndarray, dict[str, str]]:
    """The examples and, for a table, each column's kind."""
    name = spec.dataset
    kinds: dict[str, str] = {}
    if name in BUILTIN_TABLES:
        with resources.as_file(resources.files("studies") / BUILTIN_TABLES[name]) as path:
            x, y, kinds = _load_table(path, name, spec)
    elif name in BUILTIN:
        x, y = BUILTIN[name]()
    else:
        path = _data_file(name)
        if path.suffix.lower() == ".csv":
            x, y, kinds = _load_table(path, name, spec)
        else:
            x, y = load_npz(path, spec.problem)
    try:
        x, y = check_data(x, y, spec.problem)
    except ValueError as error:
        raise DataError(f"dataset {name}: {error}") from None
    return x, y, kinds


def _data_file(name: str) -> Path:
    path = Path(name)
    if path.suffix.lower() not in (".csv", ".npz"):
        raise DataError(
            f"dataset: unknown data set {name!r}; "
            f"use one of {', '.join(BUILTIN)} or a .csv/.npz path"
        )
    if not path.is_file():
        raise DataError(f"dataset: no such file {name!r}")
    return path


def _load_test(spec: StudySpec, train: Any, kinds: dict[str, str]) -> tuple[Any, np.ndarray]:
    """The test file.

    A CSV's columns matched by name to the training table's (a column the training file holds
    numbers in must hold numbers), an npz's by position; labels checked as labels (a test file may
    hold one class only), or a regression's targets as numbers.
    """
    path = Path(str(spec.test_dataset))
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".npz") or not path.is_file():
        raise DataError(f"test_dataset: no such .csv or .npz file {str(path)!r}")
    if (suffix == ".csv") != is_frame(train):
        raise DataError(
            "test_dataset: a CSV test file goes with a table dataset (a CSV file, columns by "
            "name), an .npz one with an array dataset"
        )
    if suffix == ".csv":
        columns = [str(c) for c in train.columns]
        x, y = load_csv(path, spec.target, columns, task=spec.problem)
        check_test_columns(str(path), x, kinds)
        return x, y
    x, y = read_arrays(path)
    if x.ndim != 2 or x.shape[1] != train.shape[1]:
        raise DataError(
            f"test_dataset {path}: {x.shape[1] if x.ndim == 2 else x.shape} features, "
            f"the dataset has {train.shape[1]}"
        )
    return _check_test_arrays(path, x, y, spec.problem)


def _check_test_arrays(path: Path, x: Any, y: Any, task: Task) -> tuple[Any, np.ndarray]:
    """An npz test file's X (finite numbers) and y (one per row, as the task scores them).

    Checked here, with the file's name, as its training file is: not later, by the search's
    own checks, as `the test set row 0, ...`.

    Raises:
        DataError: `<file>: X row 0, column 1 is nan, ...`, `<file>: y row 7 is ...`.
    """
    y = np.asarray(y)
    if y.ndim == 0 or len(y) != len(x):
        raise DataError(f"{path}: X has {len(x)} rows, y {y.shape}: one target per row")
    try:
        return check_features(x), task.check_test_target(y)
    except ValueError as error:
        raise DataError(f"{path}: {first_line(error)}") from None
