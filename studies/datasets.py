"""The data sets a study can name: built-in ones (shipped or generated), or a file.

Every loader returns `(X, y)` with X of shape (m, n_x), float64, and y of shape (m,). They run
in every worker process (from the spec stored with the study), so they never download.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn import datasets as sk

from search import StudySpec
from search.data import Dataset, check_data
from studies.errors import DataError


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


ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's (an .npz's) first bytes; an empty zip
NPY_MAGIC = b"\x93NUMPY"
MAX_NAMED_COLUMNS = 20  # a message names at most this many of the columns found


def load_csv(
    path: Path, target: str, columns: list[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Numeric feature columns and the `target` column of a CSV file (UTF-8 text).

    With `columns` (a training file's feature columns, for its test file), those columns are
    taken by name, in that order; others are ignored, and a missing one is refused by name.
    """
    frame = _read_csv(path)
    if target not in frame.columns:
        raise DataError(f"{path}: no target column {target!r} (columns: {_names(frame.columns)})")
    features = frame.drop(columns=[target])
    if columns is not None:
        missing = [name for name in columns if name not in features.columns]
        if missing:
            raise DataError(
                f"{path}: no column {missing[0]!r}, which the training file has "
                f"({len(missing)} missing in all)"
            )
        features = features[columns]
    if features.shape[1] == 0 or len(frame) == 0:
        raise DataError(f"{path}: needs at least one feature column and one row")
    x = _numeric_features(path, features)
    y = frame[target].to_numpy()
    _check_no_empty_labels(path, y, lambda row: f"target column {target!r} row {row + 2}")
    return x, y


def _read_csv(path: Path) -> pd.DataFrame:
    _check_text(path)
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the CSV file is empty (no header row)") from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: cannot read CSV ({_one_line(error)})") from None


def _check_text(path: Path) -> None:
    """A CSV must be UTF-8 text: name the first byte that is not, by line."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DataError(f"{path}: cannot read CSV ({_one_line(error)})") from None
    if data.startswith((*ZIP_MAGIC, NPY_MAGIC)):
        raise DataError(f"{path}: a binary .npz/.npy file, not CSV text")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DataError(
            f"{path}: not UTF-8 text: byte 0x{data[error.start]:02x} on line {line} "
            "(save the file as UTF-8)"
        ) from None


def _names(columns: pd.Index) -> str:
    names = [repr(str(name)) for name in columns[:MAX_NAMED_COLUMNS]]
    more = len(columns) - MAX_NAMED_COLUMNS
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def _numeric_features(path: Path, features: pd.DataFrame) -> np.ndarray:
    """Every feature column as float64, naming the first cell that is not a real number."""
    columns = {}
    for column in features.columns:
        raw = features[column]
        numeric = pd.to_numeric(raw, errors="coerce")
        bad = numeric.isna() & raw.notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            value = raw.iloc[row]
            what = (
                "is a complex number (features must be real)"
                if _complex(value)
                else "is not numeric"
            )
            raise DataError(f"{path}: column {column!r} row {row + 2} {what}: {value!r}")
        for problem, where in (("is empty", numeric.isna()), ("is infinite", np.isinf(numeric))):
            if where.any():
                row = int(np.flatnonzero(where.to_numpy())[0])
                raise DataError(f"{path}: column {column!r} row {row + 2} {problem}")
        columns[column] = numeric.to_numpy(dtype=np.float64)
    return np.column_stack(list(columns.values()))


def _complex(value: object) -> bool:
    """Whether a cell is a complex number numpy would read (`1+2j`), not a plain number."""
    try:
        return complex(str(value).strip()).imag != 0
    except ValueError:
        return False


def load_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Arrays `X` (m, n_x) and `y` (m,) of an `.npz` file, read without pickle."""
    x, y = _read_npz(path)
    if x.dtype.kind == "c":
        raise DataError(f"{path}: X holds complex numbers (dtype {x.dtype}); features must be real")
    if y.dtype.kind == "c":
        raise DataError(
            f"{path}: y holds complex numbers (dtype {y.dtype}); labels must be integers or text"
        )
    if x.ndim == 2 and x.dtype.kind == "f" and not np.isfinite(x).all():
        i, j = (int(k[0]) for k in np.nonzero(~np.isfinite(x)))
        raise DataError(f"{path}: X[{i}, {j}] is {x[i, j]} (features must be finite)")
    if y.ndim == 1:
        _check_no_empty_labels(path, y, lambda i: f"y[{i}]")
    return x, y


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    _check_npz(path)
    try:
        data = np.load(path, allow_pickle=False)
    # numpy and zipfile raise many types on damaged bytes (BadZipFile, EOFError, ValueError,
    # zlib.error, ...); each means the same thing here
    except Exception as error:
        raise DataError(f"{path}: cannot read npz ({type(error).__name__}: {error})") from None
    with data:
        missing = [key for key in ("X", "y") if key not in data.files]
        if missing:
            found = ", ".join(repr(key) for key in data.files[:MAX_NAMED_COLUMNS]) or "none"
            raise DataError(
                f"{path}: missing array {missing[0]!r} (needs X and y; arrays found: {found})"
            )
        return _npz_array(path, data, "X"), _npz_array(path, data, "y")


def _check_npz(path: Path) -> None:
    try:
        with open(path, "rb") as file:
            head = file.read(len(NPY_MAGIC))
    except OSError as error:
        raise DataError(f"{path}: cannot read npz ({_one_line(error)})") from None
    if head.startswith(ZIP_MAGIC):
        return
    if head.startswith(NPY_MAGIC):
        raise DataError(
            f"{path}: a single .npy array, not an .npz archive (write one with "
            "np.savez(path, X=X, y=y))"
        )
    raise DataError(f"{path}: not an .npz archive ({'empty file' if not head else 'not a zip'})")


def _npz_array(path: Path, data: Any, key: str) -> np.ndarray:
    try:
        value = data[key]
    except ValueError as error:
        if "allow_pickle" not in str(error):
            raise DataError(f"{path}: cannot read array {key!r} ({_one_line(error)})") from None
        raise DataError(
            f"{path}: array {key!r} holds Python objects (dtype object), which would need "
            "pickle to load; save it as numbers or strings (e.g. y.astype(str))"
        ) from None
    # damaged bytes inside the archive: as in _read_npz, any type means the same
    except Exception as error:
        raise DataError(f"{path}: cannot read array {key!r} ({type(error).__name__})") from None
    if not isinstance(value, np.ndarray):
        raise DataError(f"{path}: member {key!r} is not a .npy array")
    return value


def _check_no_empty_labels(path: Path, y: np.ndarray, where: Callable[[int], str]) -> None:
    """NaN, None or blank text is no label: name the first."""
    empty = np.asarray(pd.isna(y), dtype=bool)
    if y.dtype.kind in "OUS":
        empty |= np.fromiter(
            (isinstance(v, str | bytes) and not v.strip() for v in y.tolist()), bool, len(y)
        )
    if empty.any():
        raise DataError(f"{path}: {where(int(np.flatnonzero(empty)[0]))} is an empty label")


def _check_classes(path: Path, y: np.ndarray, name: str, where: Callable[[int], str]) -> None:
    """A classification target holds classes: not a measurement, not an identifier.

    Refused: non-integer (or infinite) float labels; more distinct float labels than half the
    rows; a different label in every row (no class could be split into train and test).
    """
    if y.dtype.kind == "f":
        fractional = ~np.isfinite(y) | (y != np.round(y))
        if fractional.any():
            i = int(np.flatnonzero(fractional)[0])
            raise DataError(
                f"{path}: {where(i)} is {y[i].item()!r}, not a class (a classification target "
                "needs integer or text labels; this one looks continuous)"
            )
    n_classes, m = len(np.unique(y)), len(y)
    if m > 1 and n_classes == m:
        raise DataError(
            f"{path}: {name} has a different value in each of its {m} rows "
            "(an identifier, not classes?)"
        )
    if y.dtype.kind == "f" and n_classes > m / 2:
        raise DataError(
            f"{path}: {name} has {n_classes} distinct values in {m} rows: looks continuous, "
            "not classes"
        )


def _one_line(error: BaseException) -> str:
    lines = str(error).splitlines()
    return lines[0] if lines else type(error).__name__


def load_dataset(spec: StudySpec) -> Dataset:
    """The data set a spec names (a built-in name, a `.csv` or an `.npz` path), and its own
    test file (`test_dataset`) when the spec names one."""
    x, y = _load_examples(spec)
    if spec.test_dataset is None:
        return Dataset(x, y)
    return Dataset(x, y, *_load_test(spec, x.shape[1]))


def _load_test(spec: StudySpec, n_x: int) -> tuple[np.ndarray, np.ndarray]:
    """The test file: a CSV's columns matched by name to the training CSV's, an npz's by
    position; labels checked as labels (a test file may hold one class only)."""
    path = Path(str(spec.test_dataset))
    if path.suffix.lower() not in (".csv", ".npz") or not path.is_file():
        raise DataError(f"test_dataset: no such .csv or .npz file {str(path)!r}")
    if path.suffix.lower() == ".csv":
        if Path(spec.dataset).suffix.lower() != ".csv":
            raise DataError("test_dataset: a CSV test file needs a CSV dataset (columns by name)")
        x, y = load_csv(path, spec.target, _feature_columns(Path(spec.dataset), spec.target))
    else:
        x, y = load_npz(path)
    if x.shape[1] != n_x:
        raise DataError(f"test_dataset {path}: {x.shape[1]} features, the dataset has {n_x}")
    return x, y


def _feature_columns(path: Path, target: str) -> list[str]:
    """The training CSV's feature columns, from its header alone (the file was read and
    checked as the data set just before)."""
    return [str(name) for name in pd.read_csv(path, nrows=0).columns if name != target]


def _load_examples(spec: StudySpec) -> tuple[np.ndarray, np.ndarray]:
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
    if path.suffix.lower() == ".csv":
        x, y = load_csv(path, spec.target)
        column = f"target column {spec.target!r}"
        _check_classes(path, y, column, lambda i: f"{column} row {i + 2}")
    else:
        x, y = load_npz(path)
        if y.ndim == 1:
            _check_classes(path, y, "y", lambda i: f"y[{i}]")
    try:
        return check_data(x, y)
    except ValueError as error:
        raise DataError(f"dataset {name}: {error}") from None
