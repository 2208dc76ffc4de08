"""Encoding a raw table (a pandas DataFrame of feature columns) into the X a network takes.

`TableEncoder` turns the feature columns of a table read by pandas (strings, booleans, empty
cells, id columns) into a float64 matrix of shape (m, n_x), one row per example, learned on
the training rows only; `to_state` / `from_state` save it as plain JSON (no pickle) beside a
network and read it back from a file that may come from anywhere.

This module never imports pandas: it works through the frame's own methods (`iloc`,
`factorize`, `to_numpy`), so `dnn` keeps its numpy-only imports and `is_table` costs nothing.

The rules, decided once here:

- Kind of a column. Listed in `drop`: dropped. Listed in `categorical`, or of pandas'
  `category` dtype: categorical. Integer or float dtype: numeric (integer-coded categories
  stay numeric unless listed). Boolean dtype: categorical. Any other column (object, string,
  datetime) is numeric when each of its non-missing values parses as a Python float (a bool is
  never a number), and categorical otherwise.
- Missing cells: pandas' own (NaN, None, NaT, NA) and strings that are blank after stripping.
- Numeric columns: missing cells take the median of the fit rows; a column with missing cells
  in the fit rows also gets `<name>_missing` (1.0 where the cell was missing). At transform, a
  missing cell in a column that had none is imputed, with no indicator. inf or -inf anywhere
  is an error (an empty cell means "unknown"; inf means a bug upstream).
- Categorical columns: each value becomes a level, its label normalized so that the same
  category matches however it was read: strings are stripped; booleans are "True"/"False"
  (so True matches the string "True"); integers, and floats of integer value, are written
  as integers (3, 3.0 and "3" are one level; the string "3.0" is another); other floats by
  their shortest repr ("2.5"). One-hot columns `<name>=<level>` follow for the levels seen at
  least `min_frequency` times in the fit rows, sorted by label; then `<name>=<other>` when some
  level was rarer (those levels are pooled into it, at fit and at transform); then
  `<name>=<missing>` when the fit rows had missing cells. At transform, a level never seen at
  fit, or a missing cell in a column that had none, encodes as all zeros.
- Dropped with a line in `warnings_` (checked on every column not listed in `drop`, forced
  categorical or not): a constant column (one distinct value and no missing cell); an
  identifier: with at least 20 rows, a categorical column with a different value in every
  row, or, from 100 rows on, a numeric column of distinct integers that fill at least half of
  their range min..max (numbered rows; a sample of them, such as a training part, still fills
  half). A float column with a different value in every row is not an identifier, nor are 30
  distinct ages.
- A number larger than 1e150 in size is refused (its square, in the standardization,
  would overflow).
- Errors at fit (`TableError`, one line naming the column): no rows, duplicate column names
  (compared as strings), a name in `categorical` or `drop` that is not a column (with the
  closest name) or that is in both, a column with every cell missing, a categorical column
  with more than `max_levels` kept levels, two encoded features with the same name, and no
  column left to encode.
- At transform, columns are matched by name (as strings): order does not matter, extra columns
  are ignored, and dropped columns may be absent; a missing column or a value that is not a
  number in a numeric column is an error naming the column and the row ("row i" is the
  0-based position in the frame, whatever its index).

Rows are never looped over in Python: each column is factorized once by pandas and only its
distinct values are labelled.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

Frame = Any  # a pandas DataFrame (see the module docstring: pandas is not imported here)
Column = Any  # a pandas Series

STATE_VERSION = 1
OTHER = "<other>"
MISSING = "<missing>"
ID_MIN_ROWS = 20  # fewer rows than this never make an identifier
# Distinct integers in every row make an identifier only from this many rows on: 30 patients of
# distinct ages from 20 to 79 are a measurement; a hundred distinct integers packed into twice
# their count are row numbers.
INTEGER_ID_MIN_ROWS = 100
MAX_MAGNITUDE = 1e150  # a larger number would overflow when squared by the standardization
ID_SPAN = 2  # distinct integers spread over at most this many times their count: row numbers
LISTED = "listed in drop"
DROP_REASONS = ("constant", "identifier", LISTED)
STATE_KEYS = (
    "version",
    "categorical",
    "drop",
    "min_frequency",
    "max_levels",
    "columns",
    "feature_names",
    "warnings",
)


class TableError(ValueError):
    """A table, an encoder's argument or a saved state that cannot be used (one line)."""


def is_table(X: object) -> bool:
    """Whether X is a pandas DataFrame (or a subclass), told without importing pandas."""
    return any(
        cls.__name__ == "DataFrame" and cls.__module__.split(".")[0] == "pandas"
        for cls in type(X).__mro__
    )


# -- labels and numbers of a column's distinct values ------------------------------------------


def _label(value: object) -> str | None:
    """The normalized label of one distinct value (None: a missing cell)."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool | np.bool_):
        return "True" if value else "False"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        if number.is_integer() and abs(number) < 2**53:
            return str(int(number))
        return repr(number)
    return str(value).strip() or None


def _labelled(column: Column) -> tuple[NDArray[np.intp], list[str]]:
    """Each row's index into the column's distinct labels (-1: missing), and the labels.

    pandas factorizes the rows (its NA sentinel is -1); values whose labels coincide (3 and
    "3") are merged here, over the distinct values only.
    """
    codes, uniques = column.factorize()
    index: dict[str, int] = {}
    remap = np.full(len(uniques) + 1, -1, dtype=np.intp)  # remap[-1] keeps -1 missing
    for i, value in enumerate(uniques):
        label = _label(value)
        if label is not None:
            remap[i] = index.setdefault(label, len(index))
    return remap[np.asarray(codes, dtype=np.intp)], list(index)


def _parse(labels: list[str]) -> tuple[NDArray[np.float64], int]:
    """The labels as floats, and the index of the first one that is not a number (-1: none)."""
    numbers = np.empty(len(labels))
    for i, label in enumerate(labels):
        try:
            numbers[i] = float(label)
        except ValueError:
            return numbers, i
    return numbers, -1


def _is_numeric_dtype(column: Column) -> bool:
    return column.dtype.kind in "iuf" and column.dtype.name != "category"


# -- one encoded column of each kind -------------------------------------------------------


@dataclass(frozen=True)
class _Numeric:
    """A numeric column: the value (missing cells: the fit median), then its indicator."""

    kind: ClassVar[str] = "numeric"
    name: str
    missing: int  # missing cells in the fit rows; > 0 adds `<name>_missing`
    median: float

    @property
    def feature_names(self) -> list[str]:
        return [self.name, f"{self.name}_missing"] if self.missing else [self.name]

    def encode(self, column: Column, out: NDArray[np.float64]) -> None:
        """Write the column into out (m, width), a view of the encoded X."""
        values = _numbers(self.name, column, "not a number like in the training data")
        absent = np.isnan(values)
        out[:, 0] = np.where(absent, self.median, values)
        if self.missing:
            out[:, 1] = absent

    def state(self) -> dict[str, Any]:
        return {"median": self.median}


@dataclass(frozen=True)
class _Categorical:
    """A categorical column: one-hot over the kept levels, then `<other>` and `<missing>`."""

    kind: ClassVar[str] = "categorical"
    name: str
    missing: int  # missing cells in the fit rows; > 0 adds `<name>=<missing>`
    categories: tuple[str, ...]  # the kept levels, sorted
    pooled_levels: tuple[str, ...]  # the rare levels (sorted); any adds `<name>=<other>`

    @property
    def feature_names(self) -> list[str]:
        levels = list(self.categories)
        if self.pooled_levels:
            levels.append(OTHER)
        if self.missing:
            levels.append(MISSING)
        return [f"{self.name}={level}" for level in levels]

    def encode(self, column: Column, out: NDArray[np.float64]) -> None:
        """Write the one-hot columns into out (m, width), a view of the encoded X (zeros)."""
        codes, labels = _labelled(column)
        where = {level: j for j, level in enumerate(self.categories)}
        if self.pooled_levels:
            where.update(dict.fromkeys(self.pooled_levels, len(self.categories)))
        missing_at = out.shape[1] - 1 if self.missing else -1
        target = np.array([where.get(label, -1) for label in labels] + [missing_at])
        target = target[codes]  # (m,), -1: no column is set
        rows = np.flatnonzero(target >= 0)
        out[rows, target[rows]] = 1.0

    def state(self) -> dict[str, Any]:
        return {"categories": list(self.categories), "pooled_levels": list(self.pooled_levels)}


@dataclass(frozen=True)
class _Dropped:
    """A column left out of X, and why."""

    kind: ClassVar[str] = "dropped"
    name: str
    missing: int
    reason: str  # one of DROP_REASONS

    @property
    def feature_names(self) -> list[str]:
        return []

    def encode(self, column: Column, out: NDArray[np.float64]) -> None:
        """Nothing to write."""

    def state(self) -> dict[str, Any]:
        return {"reason": self.reason}


_Spec = _Numeric | _Categorical | _Dropped
STATE_FIELDS = {
    "numeric": ("name", "kind", "missing", "median"),
    "categorical": ("name", "kind", "missing", "categories", "pooled_levels"),
    "dropped": ("name", "kind", "missing", "reason"),
}


def _numbers(name: str, column: Column, not_a_number: str) -> NDArray[np.float64]:
    """A numeric column's values, NaN where missing; inf, or a value that is not a number
    (`not_a_number` says why that matters), is an error naming the row."""
    if _is_numeric_dtype(column):
        return _finite(name, column.to_numpy(dtype=np.float64, na_value=np.nan))
    codes, labels = _labelled(column)
    numbers, bad = _parse(labels)
    if bad >= 0:
        row = np.flatnonzero(codes == bad)[0]
        raise TableError(f"column {name!r} row {row} is {labels[bad]!r}, {not_a_number}")
    return _finite(name, np.append(numbers, np.nan)[codes])


def _finite(name: str, values: NDArray[np.float64]) -> NDArray[np.float64]:
    """The values (NaN: missing), if none is inf or -inf."""
    infinite = np.flatnonzero(np.isinf(values))
    if infinite.size:
        row = infinite[0]
        raise TableError(f"column {name!r} row {row} is {values[row]}, not a finite number")
    return values


# -- fit: one column -----------------------------------------------------------------------


def _fit_numeric(name: str, values: NDArray[np.float64]) -> tuple[_Spec, str | None]:
    """A numeric column's encoding, or its drop (constant or identifier) with the warning."""
    present = values[~np.isnan(values)]
    missing = len(values) - len(present)
    huge = np.abs(values) > MAX_MAGNITUDE
    if huge.any():
        row = int(np.argmax(huge))
        raise TableError(
            f"column {name!r} row {row} is {values[row]:g}: too large to learn from "
            f"(more than {MAX_MAGNITUDE:g} in size)"
        )
    if not missing:
        low, high = present.min(), present.max()
        if low == high:
            warning = f"the same value {low:g} in every row (constant)"
            return _Dropped(name, 0, "constant"), warning
        if _is_row_number(present, low, high):
            text = f"a different integer from {low:.0f} to {high:.0f} in every row"
            return _Dropped(name, 0, "identifier"), f"{text} (an identifier)"
    return _Numeric(name, missing, float(np.median(present))), None


def _is_row_number(values: NDArray[np.float64], low: float, high: float) -> bool:
    m = len(values)
    if m < INTEGER_ID_MIN_ROWS or high - low + 1 > ID_SPAN * m:
        return False
    if not np.all(values == np.round(values)):
        return False
    return len(np.unique(values)) == m


def _fit_categorical(
    name: str, codes: NDArray[np.intp], labels: list[str], min_frequency: int, max_levels: int
) -> tuple[_Spec, str | None]:
    """A categorical column's encoding, or its drop (constant or identifier) with the warning."""
    counts = np.bincount(codes[codes >= 0], minlength=len(labels))
    missing = len(codes) - int(counts.sum())
    if len(labels) == 1 and not missing:
        warning = f"the same value {labels[0]!r} in every row (constant)"
        return _Dropped(name, 0, "constant"), warning
    if len(labels) == len(codes) >= ID_MIN_ROWS:
        return _Dropped(name, 0, "identifier"), "a different value in every row (an identifier)"
    kept = sorted(label for label, n in zip(labels, counts, strict=True) if n >= min_frequency)
    if len(kept) > max_levels:
        raise TableError(
            f"column {name!r} has {len(kept):,} categories (more than {max_levels}): "
            "list it in drop (an identifier?)"
        )
    pooled = sorted(set(labels).difference(kept))
    return _Categorical(name, missing, tuple(kept), tuple(pooled)), None


# -- the encoder ---------------------------------------------------------------------------


class TableEncoder:
    """Encode a table's feature columns into X of shape (m, n_x), learned on the fit rows.

    Args:
        categorical: columns to encode as categories whatever their dtype.
        drop: columns to leave out.
        min_frequency: a level seen fewer times in the fit rows is pooled into `<other>`.
        max_levels: a categorical column with more kept levels is an error at fit.

    Attributes (after fit):
        columns_: the fit frame's columns (as strings), in order.
        feature_names_: the n_x encoded columns, in order.
        warnings_: one line for each column dropped on its own (constant, identifier).

    Raises:
        TableError: for a bad argument, or a name in both `categorical` and `drop`.
    """

    def __init__(
        self,
        categorical: Sequence[str] = (),
        drop: Sequence[str] = (),
        min_frequency: int = 5,
        max_levels: int = 200,
    ) -> None:
        self.categorical = _names("categorical", categorical)
        self.drop = _names("drop", drop)
        both = [name for name in self.categorical if name in self.drop]
        if both:
            raise TableError(f"column {both[0]!r} is listed in both categorical and drop")
        self.min_frequency = _positive("min_frequency", min_frequency)
        self.max_levels = _positive("max_levels", max_levels)
        self._specs: list[_Spec] | None = None
        self.columns_: list[str] = []
        self.feature_names_: list[str] = []
        self.warnings_: list[str] = []

    def __repr__(self) -> str:
        return (
            f"TableEncoder(categorical={list(self.categorical)}, drop={list(self.drop)}, "
            f"min_frequency={self.min_frequency}, max_levels={self.max_levels})"
        )

    # -- fit and transform

    def fit(self, frame: Frame) -> TableEncoder:
        """Learn each column's kind and encoding from the training rows.

        Args:
            frame: a DataFrame of the feature columns only (m rows, m >= 1).

        Returns:
            self.

        Raises:
            TableError: one line naming the column (see the module docstring).
        """
        names = _column_names(frame)
        if len(frame) == 0:
            raise TableError("the table has no rows")
        _check_listed(self.categorical, names, "categorical")
        _check_listed(self.drop, names, "drop")
        specs, warnings = [], []
        for position, name in enumerate(names):
            spec, warning = self._fit_column(name, frame.iloc[:, position])
            specs.append(spec)
            if warning:
                warnings.append(f"column {name!r} dropped: {warning}")
        self._set(specs, warnings)
        return self

    def _fit_column(self, name: str, column: Column) -> tuple[_Spec, str | None]:
        """One column's kind and encoding (see the module docstring for the rules)."""
        forced = name in self.categorical or column.dtype.name == "category"
        if _is_numeric_dtype(column) and not forced and name not in self.drop:
            values = _finite(name, column.to_numpy(dtype=np.float64, na_value=np.nan))
            if np.isnan(values).all():
                raise TableError(f"column {name!r} has every cell missing: list it in drop")
            return _fit_numeric(name, values)
        codes, labels = _labelled(column)
        if name in self.drop:
            return _Dropped(name, int(np.count_nonzero(codes < 0)), LISTED), None
        if not labels:
            raise TableError(f"column {name!r} has every cell missing: list it in drop")
        numbers, not_a_number = _parse(labels)
        if not forced and column.dtype.kind != "b" and not_a_number < 0:
            return _fit_numeric(name, _finite(name, np.append(numbers, np.nan)[codes]))
        return _fit_categorical(name, codes, labels, self.min_frequency, self.max_levels)

    def _set(self, specs: list[_Spec], warnings: list[str]) -> None:
        """Adopt fitted (or read) column encodings, checking the features they make."""
        features = [feature for spec in specs for feature in spec.feature_names]
        if not features:
            raise TableError("no column left to encode: every column was dropped")
        seen: set[str] = set()
        for spec in specs:
            for feature in spec.feature_names:
                if feature in seen:
                    raise TableError(
                        f"column {spec.name!r} makes the feature {feature!r} a second time: "
                        "rename a column"
                    )
                seen.add(feature)
        self._specs = specs
        self.columns_ = [spec.name for spec in specs]
        self.feature_names_ = features
        self.warnings_ = warnings

    def transform(self, frame: Frame) -> NDArray[np.float64]:
        """Encode a table's rows with what fit learned.

        Args:
            frame: a DataFrame holding every encoded column of the fit frame, by name (in any
                order; other columns are ignored).

        Returns:
            X of shape (m, n_x), float64, C-contiguous, columns in `feature_names_` order.

        Raises:
            TableError: one line naming the missing column, or the column and row of a value
                that is not a number.
        """
        specs = self._fitted()
        positions = _positions(frame, [spec.name for spec in specs if spec.feature_names])
        X = np.zeros((len(frame), len(self.feature_names_)))  # (m, n_x)
        start = 0
        for spec in specs:
            width = len(spec.feature_names)
            if width:
                spec.encode(frame.iloc[:, positions[spec.name]], X[:, start : start + width])
            start += width
        return X

    def fit_transform(self, frame: Frame) -> NDArray[np.float64]:
        """`fit(frame)`, then `transform(frame)`."""
        return self.fit(frame).transform(frame)

    def _fitted(self) -> list[_Spec]:
        if self._specs is None:
            raise TableError("this TableEncoder is not fitted: call fit first")
        return self._specs

    # -- what it learned, and its state

    def describe(self) -> list[dict[str, Any]]:
        """One JSON-able dict per fit column: name, kind, missing, categories, pooled, width,
        reason (why a dropped column was dropped, else None)."""
        return [
            {
                "name": spec.name,
                "kind": spec.kind,
                "missing": spec.missing,
                "categories": list(getattr(spec, "categories", ())),
                "pooled": len(getattr(spec, "pooled_levels", ())),
                "width": len(spec.feature_names),
                "reason": getattr(spec, "reason", None),
            }
            for spec in self._fitted()
        ]

    def to_state(self) -> dict[str, Any]:
        """Everything the encoder learned, as JSON-able plain data (finite floats only)."""
        columns = [
            {"name": spec.name, "kind": spec.kind, "missing": spec.missing, **spec.state()}
            for spec in self._fitted()
        ]
        return {
            "version": STATE_VERSION,
            "categorical": list(self.categorical),
            "drop": list(self.drop),
            "min_frequency": self.min_frequency,
            "max_levels": self.max_levels,
            "columns": columns,
            "feature_names": list(self.feature_names_),
            "warnings": list(self.warnings_),
        }

    @classmethod
    def from_state(cls, state: object) -> TableEncoder:
        """The encoder `to_state` described, every field checked (a file from anywhere).

        Raises:
            TableError: `table state: <what is wrong>`, one line.
        """
        try:
            return _from_state(cls, state)
        except TableError as error:
            raise TableError(f"table state: {error}") from None


# -- checks of arguments and frames --------------------------------------------------------


def _names(what: str, names: object) -> tuple[str, ...]:
    if isinstance(names, str) or not isinstance(names, Sequence | set | frozenset):
        raise TableError(f"{what} must be a list of column names, got {names!r}")
    if not all(isinstance(name, str) for name in names):
        bad = next(name for name in names if not isinstance(name, str))
        raise TableError(f"{what} must hold column names as strings, got {bad!r}")
    return tuple(dict.fromkeys(names))


def _positive(what: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise TableError(f"{what} must be an integer >= 1, got {value!r}")
    return int(value)


def _column_names(frame: Frame) -> list[str]:
    """The frame's column names as strings, each once."""
    if not is_table(frame):
        raise TableError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    names = [str(name) for name in frame.columns]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise TableError(f"duplicate column name {name!r}")
        seen.add(name)
    return names


def _check_listed(listed: tuple[str, ...], names: list[str], what: str) -> None:
    for name in listed:
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise TableError(f"{what} names {name!r}, which is not a column{hint}")


def _positions(frame: Frame, needed: list[str]) -> dict[str, int]:
    """Where each needed column is in the frame, by name."""
    if not is_table(frame):
        raise TableError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    positions: dict[str, int] = {}
    wanted = set(needed)
    for position, name in enumerate(str(name) for name in frame.columns):
        if name in wanted:
            if name in positions:
                raise TableError(f"duplicate column name {name!r}")
            positions[name] = position
    for name in needed:
        if name not in positions:
            raise TableError(f"no column {name!r}, which the training data has")
    return positions


# -- reading a state -----------------------------------------------------------------------


def _from_state(cls: type[TableEncoder], state: object) -> TableEncoder:
    fields = _fields(state, STATE_KEYS, "")
    if fields["version"] != STATE_VERSION or isinstance(fields["version"], bool):
        raise TableError(f"version must be {STATE_VERSION}, got {fields['version']!r}")
    encoder = cls(
        _str_list(fields["categorical"], "categorical"),
        _str_list(fields["drop"], "drop"),
        fields["min_frequency"],
        fields["max_levels"],
    )
    columns = fields["columns"]
    if not isinstance(columns, list) or not columns:
        raise TableError(f"columns must be a non-empty list, got {_type(columns)}")
    specs = [_read_column(encoder, column, i) for i, column in enumerate(columns)]
    names = [spec.name for spec in specs]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise TableError(f"duplicate column name {name!r}")
    _check_listed(encoder.categorical, names, "categorical")
    _check_listed(encoder.drop, names, "drop")
    encoder._set(specs, _str_list(fields["warnings"], "warnings", one_line=True))
    features = _str_list(fields["feature_names"], "feature_names")
    if features != encoder.feature_names_:
        raise TableError(
            f"feature_names ({len(features)}) are not those the columns make "
            f"({len(encoder.feature_names_)})"
        )
    return encoder


def _read_column(encoder: TableEncoder, column: object, i: int) -> _Spec:
    where = f"columns[{i}]"
    if not isinstance(column, dict):
        raise TableError(f"{where} must be an object, got {_type(column)}")
    kind = column.get("kind")
    if kind not in STATE_FIELDS:
        raise TableError(f"{where}: kind must be one of {', '.join(STATE_FIELDS)}, got {kind!r}")
    fields = _fields(column, STATE_FIELDS[kind], where)
    name, missing = fields["name"], fields["missing"]
    if not isinstance(name, str):
        raise TableError(f"{where}: name must be a string, got {_type(name)}")
    where = f"column {name!r}"
    if isinstance(missing, bool) or not isinstance(missing, int) or missing < 0:
        raise TableError(f"{where}: missing must be an integer >= 0, got {missing!r}")
    if kind == "dropped" and fields["reason"] not in DROP_REASONS:
        raise TableError(f"{where}: reason must be one of {', '.join(DROP_REASONS)}")
    listed = kind == "dropped" and fields["reason"] == LISTED
    if listed != (name in encoder.drop):
        raise TableError(
            f"{where} is listed in drop but kept"
            if name in encoder.drop
            else f"{where} is dropped as {LISTED!r} but drop does not list it"
        )
    if kind == "numeric":
        return _Numeric(name, missing, _median(fields["median"], where, name, encoder))
    if kind == "dropped":
        return _Dropped(name, missing, fields["reason"])
    return _read_levels(name, missing, fields, encoder, where)


def _median(value: object, where: str, name: str, encoder: TableEncoder) -> float:
    if name in encoder.categorical:
        raise TableError(f"{where} is listed in categorical but numeric")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TableError(f"{where}: median must be a finite number, got {value!r}")
    return float(value)


def _read_levels(
    name: str, missing: int, fields: dict[str, Any], encoder: TableEncoder, where: str
) -> _Categorical:
    kept = _str_list(fields["categories"], f"{where}: categories", levels=True)
    pooled = _str_list(fields["pooled_levels"], f"{where}: pooled_levels", levels=True)
    if not kept and not pooled:
        raise TableError(f"{where}: a categorical column needs categories or pooled_levels")
    if set(kept) & set(pooled):
        raise TableError(f"{where}: {sorted(set(kept) & set(pooled))[0]!r} is kept and pooled")
    if len(kept) > encoder.max_levels:
        raise TableError(f"{where}: more categories than max_levels ({encoder.max_levels})")
    return _Categorical(name, missing, tuple(kept), tuple(pooled))


def _fields(value: object, keys: Sequence[str], where: str) -> dict[str, Any]:
    """A JSON object with exactly these keys (`where`: which object, "" for the state)."""
    at = f"{where}: " if where else ""
    if not isinstance(value, dict):
        raise TableError(f"{at}must be a JSON object, got {_type(value)}")
    for key in value:
        if key not in keys:
            raise TableError(f"{at}unknown key {key!r}")
    for key in keys:
        if key not in value:
            raise TableError(f"{at}missing key {key!r}")
    return value


def _str_list(value: object, what: str, levels: bool = False, one_line: bool = False) -> list[str]:
    """A list of strings; `levels`: distinct labels, sorted, as `_label` makes them."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TableError(f"{what} must be a list of strings")
    if one_line and any("\n" in item or "\r" in item for item in value):
        raise TableError(f"{what} must be lines of text")
    if levels and (value != sorted(set(value)) or any(_label(item) != item for item in value)):
        raise TableError(f"{what} must be distinct stripped non-empty labels, sorted")
    return value


def _type(value: object) -> str:
    return type(value).__name__
