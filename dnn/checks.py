"""The data checks, numpy only: features X, class labels y and regression targets y.

The estimators of `dnn` check what `fit` is given through these, and the study layers check a
data set through them, adding their context (a file's name, a target column) around the
same words: one wording per problem. Each check takes:

- `name`: what is checked, as messages name it (`X`, `y`, `target column 'price'`);
- `row`: a function naming a row from its 0-based position, so that a caller names rows its
  own way (a file's line, a DataFrame's index label: `row_names(frame.index)`); by default an
  array's position, `row 5`.

Messages are one line. A cell is named `<name> <row>` (and `, column <j>` in a 2-d array).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dnn.types import Array

RowName = Callable[[int], str]  # a row's 0-based position -> how messages name it

# A number larger than this in size is refused: its square, in the standardization, would
# overflow. A spread (max - min) smaller than this, but not 0, is refused too: its square
# would underflow, and the standardized values would be noise.
MAX_MAGNITUDE = 1e150
MIN_SPREAD = 1e-150


def by_position(position: int) -> str:
    """An array's row, by its 0-based position: `row 5`."""
    return f"row {position}"


def row_names(index: Any) -> RowName:
    """How messages name the rows of a DataFrame with this index: by their labels.

    Args:
        index: the frame's index (`frame.index`); its name says what a label is (a CSV read by
            `studies` carries its line numbers in an index named "line").

    Returns:
        position -> `<index name or 'row'> <label>`: `row 5`, `row 'a'`, `line 37`.
    """
    what = index.name or "row"

    def name(position: int) -> str:
        label = index[position]
        if isinstance(label, np.generic):
            label = label.item()
        return f"{what} {label!r}" if isinstance(label, str) else f"{what} {label}"

    return name


# -- features --------------------------------------------------------------------------------


def check_features(X: Any, *, name: str = "X", row: RowName = by_position) -> Array:
    """X as a 2-d array (m, n_x) of finite floats: float32 kept, other numbers as float64.

    Numbers written as text are read as numbers; booleans are 0 and 1.

    Args:
        X: the features, (m, n_x).
        name: what X is called in messages.
        row: names a row from its position.

    Returns:
        X, float32 or float64.

    Raises:
        ValueError: one line, for an X that is not 2-d, has no example or no feature, holds
            complex numbers, a cell that is not a number, NaN or infinity, or a number larger
            than `MAX_MAGNITUDE` in size (naming the cell).
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-d array (m, n_x), got shape {X.shape}")
    if 0 in X.shape:
        raise ValueError(
            f"{name} must hold at least one example and one feature, got shape {X.shape}"
        )
    if X.dtype.kind == "c":
        raise ValueError(f"{name} must hold real numbers, got {X.dtype}")
    if X.dtype not in (np.float64, np.float32):
        _refuse_huge_integers(X, lambda index: f"{name} {row(int(index[0]))}, column {index[1]}")
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError):
            i, j = _first_non_number(X)
            value = _plain(X[i, j])
            raise ValueError(f"{name} {row(i)}, column {j} is {value!r}, not a number") from None
    _check_finite(X, name, row)
    return X


def _check_finite(X: NDArray[Any], name: str, row: RowName) -> None:
    """Refuse NaN, infinity and a number larger than `MAX_MAGNITUDE` in a float X, by cell."""
    finite = np.isfinite(X)
    if not finite.all():
        i, j = (int(k) for k in np.argwhere(~finite)[0])
        raise ValueError(f"{name} {row(i)}, column {j} is {X[i, j]}, not a finite number")
    # float32 cannot hold such a number; max and min make no copy of a large X
    if X.dtype == np.float64 and (X.max() > MAX_MAGNITUDE or X.min() < -MAX_MAGNITUDE):
        i, j = (int(k) for k in np.argwhere(np.abs(X) > MAX_MAGNITUDE)[0])
        raise ValueError(
            f"{name} {row(i)}, column {j} is {X[i, j]:g}: too large to learn from (more than "
            f"{MAX_MAGNITUDE:g} in size)"
        )


# -- class labels ------------------------------------------------------------------------------


def check_labels(
    y: Any, *, name: str = "y", row: RowName = by_position, min_classes: int = 2
) -> NDArray[Any]:
    """The sorted classes of the labels y (m,), each label checked.

    Labels are numbers, text or booleans. None is missing: NaN, None or blank text; a float
    label must be a whole number (a fraction is a measurement, not a class); and labels must
    sort (not numbers mixed with text).

    Args:
        y: the labels, (m,).
        name: what y is called in messages.
        row: names a row from its position.
        min_classes: the fewest classes allowed (2 to learn from; a test set may hold 1).

    Returns:
        The distinct labels, sorted (C,).

    Raises:
        ValueError: one line naming the first bad label's row, or the problem; fewer than 2
            classes is "<name> has only one class (...)", the words scikit-learn looks for.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-d array of labels (m,), got shape {y.shape}")
    if y.dtype.kind == "c":
        raise ValueError(f"{name} must hold class labels, got complex numbers ({y.dtype})")
    missing = _missing(y)
    if missing.any():
        raise ValueError(f"{name} {row(int(np.argmax(missing)))} is an empty label")
    if y.dtype.kind == "f":
        fractional = ~np.isfinite(y) | (y != np.round(y))
        if fractional.any():
            i = int(np.argmax(fractional))
            raise ValueError(
                f"{name} {row(i)} is {y[i].item()!r}, not a class (labels must be whole numbers "
                "or text; a numeric target needs a regressor)"
            )
    try:
        classes = np.unique(y)
    except TypeError:
        raise ValueError(f"{name} mixes labels that cannot be sorted (numbers and text?)") from None
    if len(classes) < min_classes:
        if len(classes) == 0:
            raise ValueError(f"{name} holds no label")
        raise ValueError(
            f"{name} has only one class ({_plain(classes[0])!r}); need at least "
            f"{min_classes} classes"
        )
    return classes


def _missing(y: NDArray[Any]) -> NDArray[np.bool_]:
    """Where a label is missing: NaN, None, pandas' NA or NaT, blank text."""
    if y.dtype.kind == "f":
        return np.isnan(y)
    if y.dtype.kind in "US":
        return np.char.str_len(np.char.strip(y)) == 0
    if y.dtype.kind == "O":
        return np.fromiter((_is_missing(label) for label in y.tolist()), bool, len(y))
    return np.zeros(len(y), dtype=bool)


def _is_missing(label: object) -> bool:
    if label is None:
        return True
    if isinstance(label, str | bytes):
        return not label.strip()
    if isinstance(label, float | np.floating):
        return bool(np.isnan(label))
    return type(label).__name__ in ("NAType", "NaTType")  # pandas' NA and NaT, without pandas


# -- regression targets ------------------------------------------------------------------------


def check_targets(
    y: Any, *, name: str = "y", row: RowName = by_position, to_learn: bool = True
) -> NDArray[np.float64]:
    """Regression targets y (m,) or (m, k) as finite float64 numbers that can be learned.

    Numbers written as text are read as numbers. Refused besides: NaN or infinity, a number
    larger than `MAX_MAGNITUDE` in size, a y that is constant (every row the same), and a
    column whose spread (max - min) is not 0 but smaller than `MIN_SPREAD` (a denormal
    spread: standardized, it would train on noise and score an R^2 of 0 without a word).

    Args:
        y: the targets, (m,) or (m, k).
        name: what y is called in messages.
        row: names a row from its position.
        to_learn: refuse a constant y or a denormal spread (False for targets that are only
            scored, such as a test set's).

    Returns:
        y as float64, of its shape.

    Raises:
        ValueError: one line naming the first bad cell's row (and column), or the problem.
    """
    y = np.asarray(y)
    if y.ndim not in (1, 2) or 0 in y.shape:
        raise ValueError(f"{name} must be (m,) or (m, k) numbers, got shape {y.shape}")
    if y.dtype.kind == "c":
        raise ValueError(f"{name} must hold real numbers, got {y.dtype}")

    def where(index: NDArray[np.intp]) -> str:
        i = int(index[0])
        return f"{name} {row(i)}" + (f", column {int(index[1])}" if y.ndim == 2 else "")

    y = _numbers(y, where)
    if to_learn:
        _check_spread(y, name)
    return y


def _numbers(y: NDArray[Any], where: Callable[[NDArray[np.intp]], str]) -> NDArray[np.float64]:
    """Targets as float64: every cell a number (or text that reads as one), finite, not huge.

    Args:
        y: (m,) or (m, k).
        where: names a cell from its index (as `np.argwhere` gives it).
    """
    if y.dtype.kind not in "biuf":
        text = ~np.vectorize(_is_number, otypes=[bool])(y)
        if text.any():
            index = np.argwhere(text)[0]
            raise ValueError(f"{where(index)} is {_plain(y[tuple(index)])!r}, not a number")
        _refuse_huge_integers(y, where)
    y = y.astype(np.float64)
    infinite = ~np.isfinite(y)
    if infinite.any():
        index = np.argwhere(infinite)[0]
        raise ValueError(f"{where(index)} is {y[tuple(index)]}, not a finite number")
    huge = np.abs(y) > MAX_MAGNITUDE
    if huge.any():
        index = np.argwhere(huge)[0]
        raise ValueError(
            f"{where(index)} is {y[tuple(index)]:g}: too large to learn from (more than "
            f"{MAX_MAGNITUDE:g} in size)"
        )
    return y


def _check_spread(y: NDArray[np.float64], name: str) -> None:
    """Refuse a constant y, and a column of y whose spread is too small to standardize."""
    spread = y.max(axis=0) - y.min(axis=0)  # () or (k,)
    if (spread == 0).all():
        if len(y) == 1:  # "1 sample" is the wording scikit-learn's estimator checks look for
            raise ValueError(f"{name} has 1 sample: nothing to learn")
        value = _numbers_text(y[0])
        raise ValueError(f"{name} is constant ({value} in every row): nothing to learn")
    tiny = np.atleast_1d((spread > 0) & (spread < MIN_SPREAD))
    if tiny.any():
        j = int(np.argmax(tiny))
        column = f" column {j}" if y.ndim == 2 else ""
        raise ValueError(
            f"{name}{column} varies by {np.atleast_1d(spread)[j]:g} only (max - min): too "
            f"little to learn from (less than {MIN_SPREAD:g})"
        )


def _numbers_text(values: NDArray[np.float64]) -> str:
    """3 for a number, [3, 4.5] for a row of them."""
    if values.ndim == 0:
        return f"{values.item():g}"
    return "[" + ", ".join(f"{value:g}" for value in values.tolist()) + "]"


# -- cells ---------------------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    """A number, a boolean, or text that reads as a number."""
    if isinstance(value, bool | np.bool_ | int | float | np.integer | np.floating):
        return True
    if isinstance(value, str | bytes):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def _refuse_huge_integers(values: NDArray[Any], where: Callable[[NDArray[np.intp]], str]) -> None:
    """Refuse a Python int beyond float64's range in an object array, by its cell.

    Such an int makes `astype(np.float64)` raise OverflowError (not a one-line ValueError).
    """
    if values.dtype != object:
        return
    huge = np.vectorize(lambda value: isinstance(value, int) and abs(value) > 1e308, otypes=[bool])
    found = huge(values)
    if found.any():
        index = np.argwhere(found)[0]
        digits = len(str(abs(values[tuple(index)])))
        raise ValueError(
            f"{where(index)} is an integer of {digits} digits: too large to learn from (more "
            f"than {MAX_MAGNITUDE:g} in size)"
        )


def _first_non_number(X: NDArray[Any]) -> tuple[int, int]:
    """The row and column of the first cell of X that is not a number."""
    for i, values in enumerate(X.tolist()):
        for j, value in enumerate(values):
            if not _is_number(value):
                return i, j
    return 0, 0  # astype failed on a value that reads as a number alone (never seen)


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds (repr 'x', not np.str_('x'))."""
    return value.item() if isinstance(value, np.generic) else value
