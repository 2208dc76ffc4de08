"""Encoding a raw table (a pandas DataFrame of feature columns) into the X a network takes.

`TableEncoder` turns the feature columns of a table read by pandas (strings, booleans, empty
cells, id columns) into a float64 matrix of shape (m, n_x), one row per example, learned on
the training rows only; `to_state` / `from_state` save it as plain JSON (no pickle) beside a
network and read it back from a file that may come from anywhere (`dnn.table_state`).

This module never imports pandas: it works through the frame's own methods (`iloc`,
`factorize`, `to_numpy`), so `dnn` keeps its numpy-only imports and `is_table` costs nothing.
The cells are read by `dnn.cells`; each column's kind and encoding is `dnn.columns`'s.

The rules, decided once here:

- Kind of a column. Listed in `drop`: dropped. Listed in `categorical`, or of pandas'
  `category` dtype: categorical. Integer or float dtype: numeric (integer-coded categories
  stay numeric unless listed). Boolean dtype: categorical. Any other column (object, string,
  datetime) is numeric when each of its non-missing cells reads as a number (`dnn.cells`:
  what `float` reads, and thousands separators as in "1,234"; a bool is never a number);
  refused when all but a few do (text in fewer than one in ten of its non-missing cells, by
  rows: a typo or a marker such as "unknown"; the message names the first text cell and says
  to fix it, list the column in `categorical` or `drop` it); categorical otherwise (grades 1,
  2, 3, A, B). `column_kinds` decides the kinds once for a whole table, so that a study can
  give every part of it (each fold's training rows) the same kinds.
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
  closest name) or that is in both, a column with every cell missing, a column of numbers
  with a few text cells, a categorical column with more than `max_levels` kept levels, two
  encoded features with the same name, and no column left to encode.
- At transform, columns are matched by name (as strings): order does not matter, extra columns
  are ignored, and dropped columns may be absent; a missing column or a value that is not a
  number in a numeric column is an error naming the column and the row.
- Rows in messages are named by the frame's index label, `<index name or 'row'> <label>`:
  `row 13` for a frame whose index holds 13 there (whatever its position), `line 37` for a
  CSV file read by `studies` (its index holds the file's line numbers and is named "line").

Rows are never looped over in Python: each column is factorized once by pandas and only its
distinct values are labelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from dnn.cells import TableError, is_table, labelled
from dnn.checks import MAX_MAGNITUDE
from dnn.columns import (
    CATEGORICAL,
    DROPPED,
    LISTED,
    MISSING,
    NUMERIC,
    OTHER,
    Dropped,
    Spec,
    check_listed,
    decide_kind,
    fit_categorical,
    fit_numeric,
    number_levels,
    numeric_values,
)
from dnn.hyperparameters import MAX_BINS
from dnn.table_state import BINS_VERSION, STATE_VERSION, read_state

Frame = Any  # a pandas DataFrame (see the module docstring: pandas is not imported here)
Column = Any  # a pandas Series

# Names other modules and files use from here (the encoder's vocabulary).
__all__ = [
    "MAX_MAGNITUDE",
    "MISSING",
    "OTHER",
    "STATE_VERSION",
    "ColumnKind",
    "TableEncoder",
    "TableError",
    "column_kinds",
    "is_table",
]


class ColumnKind(NamedTuple):
    """A column's kind as the encoder decides it from a whole table.

    Attributes:
        name: the column's name (as a string).
        kind: `numeric`, `categorical`, or `dropped` (listed in `drop`).
        number_levels: for a categorical column, its levels that read as numbers, sorted. A
            part of the table (a fold's training rows) holding only these would make the
            column numeric: list such a column in `categorical` for every part.
    """

    name: str
    kind: str
    number_levels: tuple[str, ...] = ()


def column_kinds(
    frame: Frame, categorical: Sequence[str] = (), drop: Sequence[str] = ()
) -> list[ColumnKind]:
    """Each column's kind, decided once for a whole table, as `TableEncoder.fit` decides it.

    Args:
        frame: the whole table's feature columns.
        categorical: columns forced categorical (as `TableEncoder`'s argument).
        drop: columns left out (as `TableEncoder`'s argument).

    Returns:
        One `ColumnKind` per column, in order.

    Raises:
        TableError: as `fit` for the arguments and the kinds: a name listed that is not a
            column, duplicate column names, a column with every cell missing, a column of
            numbers with a few text cells (naming its first text cell by its row).
    """
    encoder = TableEncoder(categorical, drop)
    names = _column_names(frame)
    check_listed(encoder.categorical, names, "categorical")
    check_listed(encoder.drop, names, "drop")
    kinds = []
    for position, name in enumerate(names):
        if name in encoder.drop:
            kinds.append(ColumnKind(name, DROPPED))
            continue
        kind, cells = decide_kind(name, frame.iloc[:, position], name in encoder.categorical)
        levels = number_levels(cells) if kind == CATEGORICAL and cells is not None else ()
        kinds.append(ColumnKind(name, kind, levels))
    return kinds


class TableEncoder:
    """Encode a table's feature columns into X of shape (m, n_x), learned on the fit rows.

    Attributes:
        categorical: the columns forced categorical, as given (each once).
        drop: the columns left out, as given (each once).
        min_frequency: a level seen fewer times in the fit rows is pooled into `<other>`.
        max_levels: a categorical column with more kept levels is an error at fit.
        bins: 0, or each numeric column's piecewise-linear bins (`dnn.columns.Numeric`).
        columns_: after fit, the fit frame's columns (as strings), in order.
        feature_names_: after fit, the n_x encoded columns, in order.
        warnings_: after fit, one line for each column dropped on its own (constant,
            identifier).
    """

    def __init__(
        self,
        categorical: Sequence[str] = (),
        drop: Sequence[str] = (),
        min_frequency: int = 5,
        max_levels: int = 200,
        bins: int = 0,
    ) -> None:
        """Check the arguments; nothing is learned before `fit`.

        Args:
            categorical: columns to encode as categories whatever their dtype.
            drop: columns to leave out.
            min_frequency: a level seen fewer times in the fit rows is pooled into `<other>`.
            max_levels: a categorical column with more kept levels is an error at fit.
            bins: 0 (the default) for each numeric value as it is; from 2 to `MAX_BINS`, each
                numeric column becomes that many piecewise-linear features over its fit rows'
                quantiles (fewer where quantiles repeat; a 0/1 column stays one value; 1 is as 0).

        Raises:
            TableError: for a bad argument, or a name in both `categorical` and `drop`.
        """
        self.categorical = _names("categorical", categorical)
        self.drop = _names("drop", drop)
        both = [name for name in self.categorical if name in self.drop]
        if both:
            raise TableError(f"column {both[0]!r} is listed in both categorical and drop")
        self.min_frequency = _positive("min_frequency", min_frequency)
        self.max_levels = _positive("max_levels", max_levels)
        self.bins = check_bins(bins)
        self._specs: list[Spec] | None = None
        self.columns_: list[str] = []
        self.feature_names_: list[str] = []
        self.warnings_: list[str] = []

    def __repr__(self) -> str:
        """`TableEncoder(categorical=[...], drop=[...], min_frequency=.., max_levels=..)`."""
        bins = f", bins={self.bins}" if self.bins else ""
        return (
            f"TableEncoder(categorical={list(self.categorical)}, drop={list(self.drop)}, "
            f"min_frequency={self.min_frequency}, max_levels={self.max_levels}{bins})"
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
        check_listed(self.categorical, names, "categorical")
        check_listed(self.drop, names, "drop")
        specs, warnings = [], []
        for position, name in enumerate(names):
            spec, warning = self._fit_column(name, frame.iloc[:, position])
            specs.append(spec)
            if warning:
                warnings.append(f"column {name!r} dropped: {warning}")
        self._set(specs, warnings)
        return self

    def _fit_column(self, name: str, column: Column) -> tuple[Spec, str | None]:
        """One column's kind and encoding (see the module docstring for the rules)."""
        if name in self.drop:
            codes, _ = labelled(column)
            return Dropped(name, int(np.count_nonzero(codes < 0)), LISTED), None
        kind, cells = decide_kind(name, column, name in self.categorical)
        if kind == NUMERIC:
            values = numeric_values(name, column, cells)
            return fit_numeric(name, values, self.bins)
        assert cells is not None  # decide_kind reads the cells of a categorical column
        return fit_categorical(name, cells, self.min_frequency, self.max_levels)

    def _set(self, specs: list[Spec], warnings: list[str]) -> None:
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

    def _fitted(self) -> list[Spec]:
        """The fitted columns (TableError before fit)."""
        if self._specs is None:
            raise TableError("this TableEncoder is not fitted: call fit first")
        return self._specs

    # -- what it learned, and its state

    def describe(self) -> list[dict[str, Any]]:
        """What the encoder learned of each column, as JSON-able dicts.

        Returns:
            One dict per fit column: name, kind, missing, categories, pooled, width, reason
            (why a dropped column was dropped, else None).
        """
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
        state = {
            "version": STATE_VERSION,
            "categorical": list(self.categorical),
            "drop": list(self.drop),
            "min_frequency": self.min_frequency,
            "max_levels": self.max_levels,
            "columns": columns,
            "feature_names": list(self.feature_names_),
            "warnings": list(self.warnings_),
        }
        # an encoder without bins writes version 1, as before bins existed: every version reads it
        return {**state, "version": BINS_VERSION, "bins": self.bins} if self.bins else state

    @classmethod
    def from_state(cls, state: object) -> TableEncoder:
        """The encoder `to_state` described, every field checked (a file from anywhere).

        Raises:
            TableError: `table state: <what is wrong>`, one line.
        """
        try:
            return read_state(cls, state)
        except TableError as error:
            raise TableError(f"table state: {error}") from None


# -- checks of arguments and frames --------------------------------------------------------


def _names(what: str, names: object) -> tuple[str, ...]:
    """A list of column names (`categorical`, `drop`), each once."""
    if isinstance(names, str) or not isinstance(names, Sequence | set | frozenset):
        raise TableError(f"{what} must be a list of column names, got {names!r}")
    if not all(isinstance(name, str) for name in names):
        bad = next(name for name in names if not isinstance(name, str))
        raise TableError(f"{what} must hold column names as strings, got {bad!r}")
    return tuple(dict.fromkeys(names))


def check_bins(value: object) -> int:
    """`bins`: an integer from 0 to `MAX_BINS` (0 and 1: each value as it is)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or not 0 <= value <= MAX_BINS
    ):
        raise TableError(f"bins must be an integer from 0 to {MAX_BINS}, got {value!r}")
    return int(value)


def _positive(what: str, value: object) -> int:
    """An integer >= 1 (`min_frequency`, `max_levels`)."""
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
