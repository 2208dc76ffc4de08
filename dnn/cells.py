"""The cells of a table's column, read once: their labels, and which are numbers.

`TableEncoder` decides a column's kind and encodes it from these, and a study checks a data
file's columns with the same parser before any network sees them, so that what counts as a
number, a missing cell or a level is decided in one place:

- Missing: pandas' own (NaN, None, NaT, NA) and text that is blank after stripping.
- Label (`cell_label`): text stripped; booleans "True"/"False"; integers, and floats of
  integer value, as integers (3, 3.0 and "3" are one label; the text "3.0" is another);
  other floats by their shortest repr ("2.5").
- Number (`parse_number`): what Python's `float` reads ("2.5", " 1e3 ", "-7"), and numbers
  written with thousands separators as a spreadsheet writes them ("1,234", "-12,345.5": groups
  of three digits after the first comma). "1,2" and "12,34" are not numbers (a decimal comma,
  or a list): they stay text. A boolean is never a number.

Rows are never looped over in Python: pandas factorizes a column once and only its distinct
values are labelled and parsed. This module never imports pandas (it uses the column's own
methods), so `import dnn` stays numpy-only.
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from dnn.checks import MAX_MAGNITUDE, row_names

Column = Any  # a pandas Series (pandas is not imported here)

# A number with thousands separators: 1 to 3 digits, then groups of a comma and 3 digits, then
# a decimal part ("1,234", "-12,345.5", "1,234,567."); checked after `float` refuses the text.
THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")


class TableError(ValueError):
    """A table, an encoder's argument or a saved state that cannot be used (one line)."""


def is_table(X: object) -> bool:
    """Whether X is a pandas DataFrame (or a subclass), told without importing pandas.

    Args:
        X: anything.

    Returns:
        True for a DataFrame.
    """
    return any(
        cls.__name__ == "DataFrame" and cls.__module__.split(".")[0] == "pandas"
        for cls in type(X).__mro__
    )


def cell_label(value: object) -> str | None:
    """The normalized label of one cell's value (None: a missing cell).

    Args:
        value: a value of a column (text, a number, a boolean, a missing marker).

    Returns:
        The label (see the module docstring), or None when the cell is missing.
    """
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


def parse_number(label: str) -> float | None:
    """A label as a number, or None for text.

    Args:
        label: a label as `cell_label` makes it (stripped, not empty).

    Returns:
        The number (NaN for the text "nan", as pandas reads it), or None.
    """
    try:
        return float(label)
    except ValueError:
        pass
    if THOUSANDS.fullmatch(label):
        return float(label.replace(",", ""))
    return None


class Cells(NamedTuple):
    """A column's cells, read once.

    Attributes:
        codes: (m,) each row's index into `labels`; -1 for a missing cell.
        labels: the distinct labels, in order of first appearance.
        numbers: (len(labels),) each label as a number, NaN where it is text.
        text: (len(labels),) True where the label is not a number.
    """

    codes: NDArray[np.intp]
    labels: list[str]
    numbers: NDArray[np.float64]
    text: NDArray[np.bool_]

    @property
    def present(self) -> int:
        """How many rows are not missing."""
        return int(np.count_nonzero(self.codes >= 0))

    def text_rows(self) -> NDArray[np.intp]:
        """The positions of the rows holding text (not a number, not missing), in order."""
        return np.flatnonzero(np.append(self.text, False)[self.codes])

    def values(self) -> NDArray[np.float64]:
        """Each row as a number: (m,), NaN where missing, or where the cell is text."""
        return np.append(self.numbers, np.nan)[self.codes]  # code -1 takes the last: NaN


def labelled(column: Column) -> tuple[NDArray[np.intp], list[str]]:
    """Each row's index into the column's distinct labels (-1: missing), and the labels.

    pandas factorizes the rows (its NA sentinel is -1); values whose labels coincide (3 and
    "3") are merged here, over the distinct values only.

    Args:
        column: a pandas Series.

    Returns:
        The codes (m,) and the labels, in order of first appearance.
    """
    codes, uniques = column.factorize()
    index: dict[str, int] = {}
    remap = np.full(len(uniques) + 1, -1, dtype=np.intp)  # remap[-1] keeps -1 missing
    for i, value in enumerate(uniques):
        label = cell_label(value)
        if label is not None:
            remap[i] = index.setdefault(label, len(index))
    return remap[np.asarray(codes, dtype=np.intp)], list(index)


def read_cells(column: Column) -> Cells:
    """Label and parse a column's cells, over its distinct values only.

    Args:
        column: a pandas Series.

    Returns:
        The cells (see `Cells`).
    """
    codes, labels = labelled(column)
    parsed = [parse_number(label) for label in labels]
    numbers = np.array([np.nan if n is None else n for n in parsed], dtype=np.float64)
    text = np.array([n is None for n in parsed], dtype=bool)
    return Cells(codes, labels, numbers, text)


def is_numeric_dtype(column: Column) -> bool:
    """Whether pandas holds the column as integers or floats (not as categories)."""
    return column.dtype.kind in "iuf" and column.dtype.name != "category"


def column_numbers(name: str, column: Column, not_a_number: str) -> NDArray[np.float64]:
    """A numeric column's values, NaN where missing.

    Args:
        name: the column's name, for messages.
        column: a pandas Series.
        not_a_number: why a cell that is not a number is refused (the end of the message).

    Returns:
        (m,) floats, NaN where missing.

    Raises:
        TableError: `column '<name>' <row> is '<cell>', <not_a_number>`, or a cell that is
            inf or -inf; the row named by the frame's index label.
    """
    if is_numeric_dtype(column):
        return finite(name, column, column.to_numpy(dtype=np.float64, na_value=np.nan))
    cells = read_cells(column)
    text = cells.text_rows()
    if text.size:
        row = int(text[0])
        label = cells.labels[cells.codes[row]]
        raise TableError(
            f"column {name!r} {row_names(column.index)(row)} is {label!r}, {not_a_number}"
        )
    return finite(name, column, cells.values())


def finite(name: str, column: Column, values: NDArray[np.float64]) -> NDArray[np.float64]:
    """The values (NaN: missing), if none is infinite or larger than `MAX_MAGNITUDE` in size.

    Every numeric column passes here, as the encoder is fitted and as it encodes new rows, so
    that a number training refuses is refused in new data too (not scored silently).

    Args:
        name: the column's name, for messages.
        column: the pandas Series the values come from (its index names the rows).
        values: (m,) its cells as numbers.

    Returns:
        `values`.

    Raises:
        TableError: `column '<name>' <row> is inf, not a finite number`, or `... is 1e+200:
            too large to learn from (more than 1e+150 in size)`.
    """
    infinite = np.flatnonzero(np.isinf(values))
    if infinite.size:
        row = int(infinite[0])
        raise TableError(
            f"column {name!r} {row_names(column.index)(row)} is {values[row]}, not a finite number"
        )
    huge = np.flatnonzero(np.abs(values) > MAX_MAGNITUDE)
    if huge.size:
        row = int(huge[0])
        raise TableError(
            f"column {name!r} {row_names(column.index)(row)} is {values[row]:g}: too large to "
            f"learn from (more than {MAX_MAGNITUDE:g} in size)"
        )
    return values
