"""The data sets a study can name: built-in ones (shipped or generated), or a file.

Every loader returns `(X, y)` with y of shape (m,). X is a float64 array (m, n_x) for the
built-in arrays and `.npz` files; for a table (a CSV file, or the built-in `penguins`) it is a
pandas DataFrame of the raw feature columns as read, text and empty cells included, which each
trial's network encodes from its own training part (`dnn.tables.TableEncoder`). They run in
every worker process (from the spec stored with the study), so they never download.

What the encoder would refuse only later, and by its position in a shuffled split, is refused
here first, by the file's own row (row 2 is the line after the header): a feature column with
every cell empty, an infinite number or a complex one, a test file's text in a column that
holds numbers in the training file; and the target: an empty label, or for a regression a
cell that is not a finite number.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources, util
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from search import StudySpec
from search.data import Dataset, check_data, is_frame
from studies.errors import DataError

if TYPE_CHECKING:
    import pandas as pd  # imported where a table is read: a study of arrays does without it

CLASSIFICATION, REGRESSION = "classification", "regression"


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
    """scikit-learn's diabetes set, a regression: 442 patients, 10 features (age, sex, body
    mass index, blood pressure, six blood serum measurements; each centred and scaled), and
    a measure of the disease's progression a year later (25 to 346)."""
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True)
    return x, y.astype(np.float64)


def friedman1() -> tuple[np.ndarray, np.ndarray]:
    """Friedman's first regression problem: 2,000 points of 10 uniform features on [0, 1], of
    which five matter, y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise (std 1)."""
    from sklearn.datasets import make_friedman1

    return make_friedman1(n_samples=2000, n_features=10, noise=1.0, random_state=0)


# Built-in tables: CSV files shipped in the package (studies/data/, see its README.md), read
# like a user's CSV file; the study file names the target column.
BUILTIN_TABLES = {"penguins": "data/penguins.csv"}


def penguins(
    target: str = "species", task: str = CLASSIFICATION
) -> tuple[pd.DataFrame, np.ndarray]:
    """palmerpenguins' table (CC0): 344 penguins of three species (Adelie 152, Gentoo 124,
    Chinstrap 68), with their island and sex (text), bill length and depth, flipper length,
    body mass and year; 19 cells are empty (NA), 11 of them in `sex`."""
    return builtin_table("penguins", target, task)


def builtin_table(name: str, target: str, task: str = CLASSIFICATION) -> tuple[Any, np.ndarray]:
    """A table shipped with the package (`BUILTIN_TABLES`), its `target` column as y."""
    data = (resources.files("studies") / BUILTIN_TABLES[name]).read_bytes()
    return Csv(name, data).examples(target, task=task)


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


ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's (an .npz's) first bytes; an empty zip
NPY_MAGIC = b"\x93NUMPY"
MAX_NAMED_COLUMNS = 20  # a message names at most this many of the columns found
NEEDS_NUMBERS = "a regression needs a number in every row"


def load_csv(
    path: Path, target: str, columns: list[str] | None = None, *, task: str = CLASSIFICATION
) -> tuple[pd.DataFrame, np.ndarray]:
    """The feature columns of a CSV file (UTF-8 text) as a DataFrame, as read, and its
    `target` column as y: labels, none empty; or for a regression, finite numbers.

    With `columns` (a training file's feature columns, for its test file), those columns are
    taken by name, in that order; others are ignored, and a missing one is refused by name.
    """
    return Csv(str(path), _read_text(path)).examples(target, columns, task)


@dataclass(frozen=True)
class Csv:
    """The bytes of a CSV table and the name its messages give it (a path, a built-in's name).

    The bytes are kept to quote a target cell as it was written when pandas read it as
    missing (`NA`, `n/a`, an empty cell).
    """

    name: str
    data: bytes

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        try:
            return pd.read_csv(io.BytesIO(self.data))
        except pd.errors.EmptyDataError:
            raise DataError(f"{self.name}: the CSV file is empty (no header row)") from None
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
            raise DataError(f"{self.name}: cannot read CSV ({_one_line(error)})") from None

    def examples(
        self, target: str, columns: list[str] | None = None, task: str = CLASSIFICATION
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """The feature columns (all but `target`, or `columns` by name) and the target."""
        frame = self.frame()
        if target not in frame.columns:
            raise DataError(
                f"{self.name}: no target column {target!r} (columns: {_names(frame.columns)})"
            )
        features = frame.drop(columns=[target])
        if columns is not None:
            missing = [name for name in columns if name not in features.columns]
            if missing:
                raise DataError(
                    f"{self.name}: no column {missing[0]!r}, which the training file has "
                    f"({len(missing)} missing in all)"
                )
            features = features[columns]
        if features.shape[1] == 0 or len(frame) == 0:
            raise DataError(f"{self.name}: needs at least one feature column and one row")
        y = frame[target].to_numpy()
        where = f"target column {target!r} row"
        if task == REGRESSION:
            _check_real_targets(self.name, y, lambda i: f"{where} {i + 2}", self._written(target))
        else:
            _check_no_empty_labels(self.name, y, lambda i: f"{where} {i + 2}")
        return features, y

    def _written(self, column: str) -> Callable[[int], str]:
        """A cell of `column` as the file writes it (read again, on the way to an error)."""

        def cell(row: int) -> str:
            import pandas as pd

            try:
                text = pd.read_csv(
                    io.BytesIO(self.data), usecols=[column], dtype=str, keep_default_na=False
                )
                return str(text.iloc[row, 0])
            except (ValueError, IndexError, pd.errors.ParserError):
                return ""

        return cell


def _read_text(path: Path) -> bytes:
    """A CSV file's bytes, which must be UTF-8 text: name the first byte that is not, by line."""
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
    return data


def _names(columns: pd.Index) -> str:
    names = [repr(str(name)) for name in columns[:MAX_NAMED_COLUMNS]]
    more = len(columns) - MAX_NAMED_COLUMNS
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


# -- the cells of a table ----------------------------------------------------------------------


def _number(value: object) -> float | None:
    """A cell as the table encoder reads it: a float (NaN: missing), or None for text.

    Blank text is missing; a boolean is never a number (the encoder makes it a category).
    """
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return np.nan
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _numbers(column: pd.Series) -> np.ndarray | None:
    """The column's cells as float64 (NaN where missing) when every cell is a number or
    missing, as the encoder's numeric columns are; None when some cell is text (categories).
    Only the column's distinct values are parsed."""
    if column.dtype.kind in "iuf":
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    codes, uniques = column.factorize()
    parsed = [_number(value) for value in uniques]
    if any(value is None for value in parsed):
        return None
    return np.array([*parsed, np.nan], dtype=np.float64)[codes]  # code -1: a missing cell


def _first_text(column: pd.Series) -> tuple[int, object]:
    """The first row of a column holding a cell that is not a number, and that cell."""
    codes, uniques = column.factorize()
    text = [i for i, value in enumerate(uniques) if _number(value) is None]
    row = int(np.flatnonzero(np.isin(codes, text))[0])
    return row, column.iloc[row]


def _complex_row(column: pd.Series) -> int | None:
    """The first row of a complex number (`1+2j`), in a column whose every cell is a number,
    real or complex, or missing: a column of measurements, not of categories."""
    codes, uniques = column.factorize()
    found = []
    for i, value in enumerate(uniques):
        if _number(value) is not None:
            continue
        try:
            number = complex(str(value).strip())
        except ValueError:
            return None  # text: a column of categories
        if number.imag != 0:
            found.append(i)
    return int(np.flatnonzero(np.isin(codes, found))[0]) if found else None


def _is_empty(column: pd.Series) -> bool:
    """Every cell missing (NaN, NA) or blank."""
    if column.dtype.kind in "iuf":
        return bool(column.isna().all())
    _, uniques = column.factorize()
    return all(isinstance(value, str) and not value.strip() for value in uniques)


def check_table(name: str, features: pd.DataFrame, spec: StudySpec) -> None:
    """A training table's feature columns, by the file's rows: none empty in every row; no
    infinite or complex number in a column of numbers (a column the study drops or lists as
    categorical holds what it likes).

    Raises:
        DataError: one line naming the table, the column and the row.
    """
    for position, column in enumerate(features.columns):
        cells = features.iloc[:, position]
        if str(column) in spec.drop:
            continue
        if _is_empty(cells):
            raise DataError(f"{name}: column {column!r} is empty in every row")
        if str(column) in spec.categorical:
            continue
        numbers = _numbers(cells)
        if numbers is None:
            row = _complex_row(cells)
            if row is not None:
                raise DataError(
                    f"{name}: column {column!r} row {row + 2} is a complex number (features "
                    f"must be real): {cells.iloc[row]!r}"
                )
            continue
        _check_finite(name, column, numbers)


def _check_finite(name: str, column: object, numbers: np.ndarray) -> None:
    infinite = np.isinf(numbers)
    if infinite.any():
        raise DataError(f"{name}: column {column!r} row {int(np.argmax(infinite)) + 2} is infinite")


def check_test_table(name: str, test: pd.DataFrame, train: pd.DataFrame, spec: StudySpec) -> None:
    """A test table's columns hold what the training table's do: numbers where it has
    numbers (its networks could not read text there), none infinite.

    Raises:
        DataError: one line naming the test file, the column, the row and the cell.
    """
    for column in train.columns:
        if str(column) in spec.drop or str(column) in spec.categorical:
            continue
        if _numbers(train[column]) is None:
            continue  # categories: a value unseen in training encodes as none of them
        numbers = _numbers(test[column])
        if numbers is None:
            row, value = _first_text(test[column])
            raise DataError(
                f"{name}: column {column!r} row {row + 2} is {value!r}, not a number "
                f"(column {column!r} of {spec.dataset} holds numbers)"
            )
        _check_finite(name, column, numbers)


# -- targets ---------------------------------------------------------------------------------------


def _check_no_empty_labels(name: str, y: np.ndarray, where: Callable[[int], str]) -> None:
    """NaN, None or blank text is no label: name the first."""
    import pandas as pd

    empty = np.asarray(pd.isna(y), dtype=bool)
    if y.dtype.kind in "OUS":
        empty |= np.fromiter(
            (isinstance(v, str | bytes) and not v.strip() for v in y.tolist()), bool, len(y)
        )
    if empty.any():
        raise DataError(f"{name}: {where(int(np.flatnonzero(empty)[0]))} is an empty label")


def _check_real_targets(
    name: str,
    y: np.ndarray,
    where: Callable[[int], str],
    written: Callable[[int], str] | None = None,
) -> None:
    """A regression's targets, row by row: a number (text is named), not missing (named as
    the file writes it, `written`), not infinite. A constant target is left to
    `search.data.check_targets`, which refuses it for the whole data set."""
    rows = y.reshape(len(y), -1)  # (m, k): several targets per row in an .npz
    if y.dtype.kind not in "biuf":
        numbers = [_number(value) for value in rows.ravel().tolist()]
        text = np.array([value is None for value in numbers]).reshape(rows.shape)
        if text.any():
            i = int(np.flatnonzero(text.any(axis=1))[0])
            value = rows[i][np.argmax(text[i])]
            raise DataError(
                f"{name}: {where(i)} is {_plain(value)!r}, not a number ({NEEDS_NUMBERS})"
            )
        if y.dtype.kind != "O":
            return  # numbers written as text (an .npz of strings): check_targets names the dtype
        rows = np.array(numbers, dtype=np.float64).reshape(rows.shape)
    values = rows.astype(np.float64)
    bad = ~np.isfinite(values).all(axis=1)
    if not bad.any():
        return
    i = int(np.flatnonzero(bad)[0])
    value = values[i][np.argmin(np.isfinite(values[i]))]
    if np.isinf(value):
        raise DataError(f"{name}: {where(i)} is {value}, not a finite number ({NEEDS_NUMBERS})")
    if written is None:
        raise DataError(f"{name}: {where(i)} is NaN ({NEEDS_NUMBERS})")
    cell = written(i).strip()  # pandas reads NA, n/a, null... as missing: quote the file
    what = f"{cell!r}, not a number" if cell else "empty"
    raise DataError(f"{name}: {where(i)} is {what} ({NEEDS_NUMBERS})")


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds (repr 'x', not np.str_('x'))."""
    return value.item() if isinstance(value, np.generic) else value


def _check_classes(name: str, y: np.ndarray, target: str, where: Callable[[int], str]) -> None:
    """A classification target holds classes: not a measurement, not an identifier.

    Refused: non-integer (or infinite) float labels; more distinct float labels than half the
    rows; a different label in every row (no class could be split into train and test).
    """
    if y.dtype.kind == "f":
        fractional = ~np.isfinite(y) | (y != np.round(y))
        if fractional.any():
            i = int(np.flatnonzero(fractional)[0])
            raise DataError(
                f"{name}: {where(i)} is {y[i].item()!r}, not a class (a classification target "
                "needs integer or text labels; this one looks continuous)"
            )
    n_classes, m = len(np.unique(y)), len(y)
    if m > 1 and n_classes == m:
        raise DataError(
            f"{name}: {target} has a different value in each of its {m} rows "
            "(an identifier, not classes?)"
        )
    if y.dtype.kind == "f" and n_classes > m / 2:
        raise DataError(
            f"{name}: {target} has {n_classes} distinct values in {m} rows: looks continuous, "
            "not classes"
        )


def _one_line(error: BaseException) -> str:
    lines = str(error).splitlines()
    return lines[0] if lines else type(error).__name__


# -- .npz files ------------------------------------------------------------------------------------


def load_npz(path: Path, task: str = CLASSIFICATION) -> tuple[np.ndarray, np.ndarray]:
    """Arrays `X` (m, n_x) and `y` (m,) of an `.npz` file, read without pickle; y holds
    labels, none empty, or for a regression finite numbers ((m, k) for k targets)."""
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
    if task == REGRESSION and y.ndim in (1, 2) and len(y):
        _check_real_targets(str(path), y, lambda i: f"y[{i}]")
    elif y.ndim == 1:
        _check_no_empty_labels(str(path), y, lambda i: f"y[{i}]")
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


# -- a study's data ----------------------------------------------------------------------------


def load_dataset(spec: StudySpec) -> Dataset:
    """The data set a spec names (a built-in name, a `.csv` or an `.npz` path), and its own
    test file (`test_dataset`) when the spec names one."""
    x, y = _load_examples(spec)
    if spec.test_dataset is None:
        return Dataset(x, y)
    x_test, y_test = _load_test(spec, x)
    if spec.task == "classification" and _is_text(y) != _is_text(y_test):
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


def _load_examples(spec: StudySpec) -> tuple[Any, np.ndarray]:
    name = spec.dataset
    if name in BUILTIN_TABLES:
        x, y = builtin_table(name, spec.target, spec.task)
        check_table(name, x, spec)
        _check_target_classes(spec, name, y)
    elif name in BUILTIN:
        x, y = BUILTIN[name]()
    else:
        path = _data_file(name)
        if path.suffix.lower() == ".csv":
            x, y = load_csv(path, spec.target, task=spec.task)
            check_table(name, x, spec)
        else:
            x, y = load_npz(path, spec.task)
        _check_target_classes(spec, name, y)
    try:
        return check_data(x, y, spec.problem)
    except ValueError as error:
        raise DataError(f"dataset {name}: {error}") from None


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


def _check_target_classes(spec: StudySpec, name: str, y: np.ndarray) -> None:
    """`_check_classes` for a classification's table or file (a regression has no classes)."""
    if spec.task == REGRESSION or y.ndim != 1:
        return
    if name.lower().endswith(".npz"):
        _check_classes(name, y, "y", lambda i: f"y[{i}]")
    else:
        column = f"target column {spec.target!r}"
        _check_classes(name, y, column, lambda i: f"{column} row {i + 2}")


def _load_test(spec: StudySpec, train: Any) -> tuple[Any, np.ndarray]:
    """The test file: a CSV's columns matched by name to the training table's (their kinds
    checked against it), an npz's by position; labels checked as labels (a test file may
    hold one class only), or a regression's targets as numbers."""
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
        x, y = load_csv(path, spec.target, [str(c) for c in train.columns], task=spec.task)
        check_test_table(str(path), x, train, spec)
        return x, y
    x, y = load_npz(path, spec.task)
    if x.ndim != 2 or x.shape[1] != train.shape[1]:
        raise DataError(
            f"test_dataset {path}: {x.shape[1] if x.ndim == 2 else x.shape} features, "
            f"the dataset has {train.shape[1]}"
        )
    return x, y
