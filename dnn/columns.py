"""One column of a table: its kind, decided from its cells, and its encoding of each kind.

`TableEncoder` (`dnn.tables`) fits one of these per column and writes each into its slice of
X; `dnn.table_state` reads them back from a saved state. The rules are the module docstring
of `dnn.tables`; the kind is decided by `decide_kind`, which a study may also run once on a
whole table (`dnn.tables.column_kinds`) so that every part of it gets the same kinds.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from dnn.cells import (
    Cells,
    TableError,
    column_numbers,
    finite,
    is_numeric_dtype,
    labelled,
    read_cells,
)
from dnn.checks import row_names

Column = Any  # a pandas Series

NUMERIC, CATEGORICAL, DROPPED = "numeric", "categorical", "dropped"
OTHER = "<other>"
MISSING = "<missing>"
LISTED = "listed in drop"
DROP_REASONS = ("constant", "identifier", LISTED)
ID_MIN_ROWS = 20  # fewer rows than this never make an identifier
# Distinct integers in every row make an identifier only from this many rows on: 30 patients of
# distinct ages from 20 to 79 are a measurement; a hundred distinct integers packed into twice
# their count are row numbers.
INTEGER_ID_MIN_ROWS = 100
ID_SPAN = 2  # distinct integers spread over at most this many times their count: row numbers
# A column of numbers but for a few text cells (fewer than this share of its non-missing
# cells, counted by rows) is refused: a typo or a marker ("unknown"), not categories. A column
# with more text is categorical (grades 1, 2, 3, A, B).
MAX_TEXT_SHARE = 0.1


# -- one encoded column of each kind -------------------------------------------------------


@dataclass(frozen=True)
class Numeric:
    """A numeric column: the value or its bins (missing cells: the fit median), then its indicator.

    With `edges` (e_0 < ... < e_T, T >= 2: the fit rows' quantiles), the value x becomes T
    piecewise-linear features, bin k's clip((x - e_(k-1)) / (e_k - e_(k-1)), 0, 1) (Gorishniy et
    al., 2022, "On Embeddings for Numerical Features in Tabular Deep Learning"): 1 for each bin
    below x, x's place within its own, 0 above, so e_0 + sum_k t_k (e_k - e_(k-1)) is x clipped
    to [e_0, e_T]. A linear layer on them is a piecewise-linear function of x with a knot at each
    edge (a threshold such as a salary's jump after some years is one weight), and a value past
    the training range counts as the range's end.
    """

    kind: ClassVar[str] = NUMERIC
    name: str
    missing: int  # missing cells in the fit rows; > 0 adds `<name>_missing`
    median: float
    edges: tuple[float, ...] = ()  # the bins' edges, or () for the value itself

    @property
    def feature_names(self) -> list[str]:
        """The encoded columns: the value or `<name>[k/T]` for its T bins, then `<name>_missing`."""
        return numeric_names(self.name, len(self.edges) - 1, self.missing > 0)

    def encode(self, column: Column, out: NDArray[np.float64]) -> None:
        """Write the column into out (m, width), a view of the encoded X."""
        values = column_numbers(self.name, column, "not a number like in the training data")
        absent = np.isnan(values)
        x = np.where(absent, self.median, values)
        if self.edges:
            edges = np.asarray(self.edges)
            low, width = edges[:-1], np.diff(edges)
            np.clip((x[:, None] - low) / width, 0.0, 1.0, out=out[:, : len(width)])
        else:
            out[:, 0] = x
        if self.missing:
            out[:, -1] = absent

    def state(self) -> dict[str, Any]:
        """What the state keeps beside the name, kind and missing count."""
        edges = {"edges": list(self.edges)} if self.edges else {}  # none: version 1's state
        return {"median": self.median, **edges}


@dataclass(frozen=True)
class Categorical:
    """A categorical column: one-hot over the kept levels, then `<other>` and `<missing>`."""

    kind: ClassVar[str] = CATEGORICAL
    name: str
    missing: int  # missing cells in the fit rows; > 0 adds `<name>=<missing>`
    categories: tuple[str, ...]  # the kept levels, sorted
    pooled_levels: tuple[str, ...]  # the rare levels (sorted); any adds `<name>=<other>`

    @property
    def feature_names(self) -> list[str]:
        """`<name>=<level>` for each kept level, then `<other>` and `<missing>` if any."""
        levels = list(self.categories)
        if self.pooled_levels:
            levels.append(OTHER)
        if self.missing:
            levels.append(MISSING)
        return level_names(self.name, levels)

    def encode(self, column: Column, out: NDArray[np.float64]) -> None:
        """Write the one-hot columns into out (m, width), a view of the encoded X (zeros)."""
        codes, labels = labelled(column)
        where = {level: j for j, level in enumerate(self.categories)}
        if self.pooled_levels:
            where.update(dict.fromkeys(self.pooled_levels, len(self.categories)))
        missing_at = out.shape[1] - 1 if self.missing else -1
        target = np.array([where.get(label, -1) for label in labels] + [missing_at])
        target = target[codes]  # (m,), -1: no column is set
        rows = np.flatnonzero(target >= 0)
        out[rows, target[rows]] = 1.0

    def state(self) -> dict[str, Any]:
        """What the state keeps beside the name, kind and missing count."""
        return {"categories": list(self.categories), "pooled_levels": list(self.pooled_levels)}


@dataclass(frozen=True)
class Dropped:
    """A column left out of X, and why."""

    kind: ClassVar[str] = DROPPED
    name: str
    missing: int
    reason: str  # one of DROP_REASONS

    @property
    def feature_names(self) -> list[str]:
        """None: the column is left out."""
        return []

    def encode(self, column: Column, out: NDArray[np.float64]) -> None:
        """Nothing to write."""

    def state(self) -> dict[str, Any]:
        """What the state keeps beside the name, kind and missing count."""
        return {"reason": self.reason}


def numeric_names(name: str, bins: int, missing: bool) -> list[str]:
    """A numeric column's encoded names: `name` or `name[1/bins]` ..., then `name_missing`."""
    values = [f"{name}[{k}/{bins}]" for k in range(1, bins + 1)] or [name]
    return [*values, f"{name}_missing"] if missing else values


def level_names(name: str, levels: Sequence[str]) -> list[str]:
    """A categorical column's encoded names: `name=level` for each level."""
    return [f"{name}={level}" for level in levels]


Spec = Numeric | Categorical | Dropped
STATE_FIELDS = {
    NUMERIC: ("name", "kind", "missing", "median"),
    CATEGORICAL: ("name", "kind", "missing", "categories", "pooled_levels"),
    DROPPED: ("name", "kind", "missing", "reason"),
}


# -- the kind of a column --------------------------------------------------------------------


def decide_kind(name: str, column: Column, forced: bool) -> tuple[str, Cells | None]:
    """Whether a column (not listed in drop) is numeric or categorical.

    Args:
        name: the column's name, for messages.
        column: a pandas Series.
        forced: listed in `categorical` (a `category` dtype forces it too).

    Returns:
        `numeric` or `categorical`, and the column's cells (None for a numeric dtype, whose
        values need no parsing).

    Raises:
        TableError: every cell missing; or numbers but for a few text cells (see
            `MAX_TEXT_SHARE`), naming the first by its row.
    """
    forced = forced or column.dtype.name == "category"
    if is_numeric_dtype(column) and not forced:
        return NUMERIC, None
    cells = _read(name, column)
    if forced or column.dtype.kind == "b" or cells.text.all():
        return CATEGORICAL, cells
    text = cells.text_rows()
    if text.size == 0:
        return NUMERIC, cells
    if text.size < MAX_TEXT_SHARE * cells.present:
        _refuse_text_cell(name, column, cells, text)
    return CATEGORICAL, cells


def _read(name: str, column: Column) -> Cells:
    """The cells of a column, at least one not missing (TableError)."""
    cells = read_cells(column)
    if not cells.labels:
        raise TableError(f"column {name!r} has every cell missing: list it in drop")
    return cells


def _refuse_text_cell(name: str, column: Column, cells: Cells, text: NDArray[np.intp]) -> None:
    """Refuse a column of numbers with a few text cells, naming the first."""
    row = int(text[0])
    numbers = cells.present - text.size
    raise TableError(
        f"column {name!r} {row_names(column.index)(row)} is {cells.labels[cells.codes[row]]!r}, "
        f"text in a column of numbers ({numbers} of {cells.present} cells): fix the cell, "
        f"list {name!r} in categorical to read the column as categories, or drop it"
    )


def number_levels(cells: Cells) -> tuple[str, ...]:
    """The levels of a categorical column that read as numbers, sorted.

    A part of the table holding only these would make the column numeric: a study lists such
    a column in `categorical` so that every part of the table encodes it the same way.
    """
    pairs = zip(cells.labels, cells.text, strict=True)
    return tuple(sorted(label for label, text in pairs if not text))


# -- fit: one column -----------------------------------------------------------------------


def numeric_values(name: str, column: Column, cells: Cells | None) -> NDArray[np.float64]:
    """A numeric column's values (NaN: missing), none infinite, not all missing.

    Raises:
        TableError: inf or -inf (naming the row), or every cell missing.
    """
    if cells is None:
        values = finite(name, column, column.to_numpy(dtype=np.float64, na_value=np.nan))
        if np.isnan(values).all():
            raise TableError(f"column {name!r} has every cell missing: list it in drop")
        return values
    return finite(name, column, cells.values())


def fit_numeric(name: str, values: NDArray[np.float64], bins: int = 0) -> tuple[Spec, str | None]:
    """A numeric column's encoding, or its drop (constant or identifier) with the warning.

    The values are those `numeric_values` read: none infinite or larger than `MAX_MAGNITUDE`.
    With `bins`, the edges of `bins` quantile bins of the present values (repeated quantiles
    merged), when they make at least two bins: a 0/1 column stays one value.
    """
    present = values[~np.isnan(values)]
    missing = len(values) - len(present)
    if not missing:
        low, high = present.min(), present.max()
        if low == high:
            warning = f"the same value {low:g} in every row (constant)"
            return Dropped(name, 0, "constant"), warning
        if _is_row_number(present, low, high):
            text = f"a different integer from {low:.0f} to {high:.0f} in every row"
            return Dropped(name, 0, "identifier"), f"{text} (an identifier)"
    return Numeric(name, missing, float(np.median(present)), quantile_edges(present, bins)), None


def quantile_edges(values: NDArray[np.float64], bins: int) -> tuple[float, ...]:
    """The distinct quantiles of `values` at 0, 1/bins, ..., 1, if they make two bins or more."""
    if bins < 2:
        return ()
    edges = np.unique(np.quantile(values, np.linspace(0.0, 1.0, bins + 1)))
    return tuple(float(e) for e in edges) if len(edges) >= 3 else ()


def _is_row_number(values: NDArray[np.float64], low: float, high: float) -> bool:
    m = len(values)
    if m < INTEGER_ID_MIN_ROWS or high - low + 1 > ID_SPAN * m:
        return False
    if not np.all(values == np.round(values)):
        return False
    return len(np.unique(values)) == m


def fit_categorical(
    name: str, cells: Cells, min_frequency: int, max_levels: int
) -> tuple[Spec, str | None]:
    """A categorical column's encoding, or its drop (constant or identifier) with the warning.

    Raises:
        TableError: more kept levels than `max_levels`.
    """
    codes, labels = cells.codes, cells.labels
    counts = np.bincount(codes[codes >= 0], minlength=len(labels))
    missing = len(codes) - int(counts.sum())
    if len(labels) == 1 and not missing:
        warning = f"the same value {labels[0]!r} in every row (constant)"
        return Dropped(name, 0, "constant"), warning
    if len(labels) == len(codes) >= ID_MIN_ROWS:
        return Dropped(name, 0, "identifier"), "a different value in every row (an identifier)"
    kept = sorted(label for label, n in zip(labels, counts, strict=True) if n >= min_frequency)
    if len(kept) > max_levels:
        raise TableError(
            f"column {name!r} has {len(kept):,} categories (more than {max_levels}): "
            "list it in drop (an identifier?)"
        )
    pooled = sorted(set(labels).difference(kept))
    return Categorical(name, missing, tuple(kept), tuple(pooled)), None


def check_listed(listed: Sequence[str], names: list[str], what: str) -> None:
    """Every name listed in `categorical` or `drop` is a column (else the closest one).

    Raises:
        TableError: `<what> names '<name>', which is not a column (did you mean ...?)`.
    """
    for name in listed:
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise TableError(f"{what} names {name!r}, which is not a column{hint}")
