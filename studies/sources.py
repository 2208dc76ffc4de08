"""The rows `predict` scores: a CSV file or an `.npz` file, in batches, as a model reads them.

A CSV file is read in chunks (`studies.files.read_chunks`) with its columns as training read
them: a model of a table takes its columns by name (in any order; others are dropped as a
chunk is read), a model of arrays the file's columns by position, the id and target columns
left out. Its rows are keyed by their line numbers (`line`, the header is line 1) or by an id
column, read as the text the file holds. An `.npz` file's `X` (and `y`, if there) is read
whole, as `numpy` reads it, and handed out a batch at a time; its rows are keyed by their
0-based position (`row`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dnn.cells import column_numbers
from dnn.checks import RowName, check_features, row_names
from studies.errors import DataError
from studies.files import (
    NA_CELLS,
    column_names,
    first_line,
    read_chunks,
    read_features,
    read_header,
)
from studies.model import StudyModel

Progress = Callable[[int], object]  # told the bytes (CSV) or rows (npz) read so far


@dataclass(frozen=True)
class Batch:
    """Rows to score: their keys, their features as the model reads them, their targets.

    Attributes:
        keys: one key per row (line numbers, ids or positions).
        X: a DataFrame for a model of a table, else (m, n_x) floats.
        y: the target column's cells (None when the data have no target).
        row: names a row from its position in the batch, for messages.
    """

    keys: Any
    X: Any
    y: Any
    row: RowName


class Source:
    """A data file's rows for a model: its key's name, its size, its batches.

    Args:
        model: the study's model.
        path: the data file.
        rows: rows per batch.
        id_column: the CSV column that keys the rows (None: their lines or positions).
    """

    def __init__(
        self, model: StudyModel, path: Path, rows: int, id_column: str | None = None
    ) -> None:
        """Check what can be checked before any row is read (the columns, the arrays)."""
        self.model, self.path, self.rows, self.id_column = model, path, rows, id_column
        self.name = str(path)
        self.arrays = _is_npz(path)
        self.target: str | None = None  # the CSV's target column, if it has the study's
        self.columns: list[str] = []  # the CSV's columns read: the features, id and target
        self.features: list[str] = []  # the CSV's feature columns
        self.X: np.ndarray = np.empty((0, 0))  # an npz's arrays
        self.y: np.ndarray | None = None
        if self.arrays:
            self._open_arrays()
        else:
            self._open_table()

    @property
    def key(self) -> str:
        """The name of the column that keys the rows: the id column, `line` or `row`."""
        return self.id_column or ("row" if self.arrays else "line")

    @property
    def size(self) -> int:
        """What progress counts to: the file's bytes (CSV), or its rows (npz)."""
        return len(self.X) if self.arrays else self.path.stat().st_size

    @property
    def target_name(self) -> str:
        """How messages name the targets, as training named them: a CSV's column, an npz's y."""
        return "y" if self.arrays else f"target column {self.model.spec.target!r}"

    @property
    def has_target(self) -> bool:
        """Whether the data carry the study's target (a CSV column, an npz's y)."""
        return self.y is not None if self.arrays else self.target is not None

    def batches(self, progress: Progress | None = None) -> Iterator[Batch]:
        """The rows, a batch at a time.

        Raises:
            DataError: one line naming the file and what it cannot read there.
        """
        if self.arrays:
            yield from self._array_batches(progress)
            return
        chunks = read_chunks(
            self.path,
            self.name,
            self.rows,
            columns=self.columns,
            as_written=self.id_column,
            progress=progress,
        )
        for chunk in chunks:
            yield self._table_batch(chunk)

    # -- a CSV file -----------------------------------------------------------------------

    def _open_table(self) -> None:
        """The header's columns checked against the model's, the id's and the target's."""
        header = read_header(self.path, self.name)
        if self.id_column is not None and self.id_column not in header:
            raise DataError(
                f"--id: {self.name} has no column {self.id_column!r} "
                f"(columns: {column_names(header)})"
            )
        target = self.model.spec.target
        self.target = target if target in header and target != self.id_column else None
        needed = self.model.columns
        if needed is None:  # a model of arrays: the other columns, by position
            needed = [c for c in header if c not in (self.id_column, self.target)]
            self._check_width(len(needed), "feature columns (the id and target columns aside)")
        missing = [column for column in needed if column not in header]
        if missing:
            raise DataError(
                f"{self.name}: no column {missing[0]!r}, which the study's training data has "
                f"({len(missing)} missing in all)"
            )
        self.features = needed
        extra = [c for c in (self.id_column, self.target) if c is not None and c not in needed]
        self.columns = [*needed, *extra]

    def _table_batch(self, chunk: Any) -> Batch:
        """A chunk of the CSV file as a batch: a table, or the numbers of its columns."""
        keys = chunk.index
        if self.id_column is not None:
            keys = chunk[self.id_column]
            if self.id_column in self.features:  # a feature too: its empty cells as training
                chunk = chunk.assign(**{self.id_column: keys.mask(keys.isin(NA_CELLS))})
        y = chunk[self.target] if self.target is not None else None
        x = chunk if self.model.columns is not None else self._numbers(chunk)
        return Batch(keys.to_numpy(), x, y, row_names(chunk.index))

    def _numbers(self, chunk: Any) -> np.ndarray:
        """The feature columns of a chunk as floats (m, n_x), for a model of arrays.

        Raises:
            DataError: naming the column and the line of a cell that is no finite number or
                is empty (an array has no empty cells to learn from).
        """
        why = "not a number (the study's network reads numbers)"
        x = np.empty((len(chunk), len(self.features)))
        for j, column in enumerate(self.features):
            try:
                x[:, j] = column_numbers(column, chunk[column], why)
            except ValueError as error:
                raise DataError(f"{self.name}: {first_line(error)}") from None
        empty = np.argwhere(np.isnan(x))
        if len(empty):
            i, j = (int(k) for k in empty[0])
            raise DataError(
                f"{self.name}: column {self.features[j]!r} {row_names(chunk.index)(i)} is "
                "empty (the study's network was trained on arrays, which have no empty cells)"
            )
        return x

    # -- an npz file ----------------------------------------------------------------------

    def _open_arrays(self) -> None:
        """X (and y) read, their shapes checked against the model's."""
        if self.model.columns is not None:
            raise DataError(
                f"{self.name}: an .npz holds arrays, but study {self.model.config.study_name!r}"
                " was trained on a table: give a CSV file with its columns"
            )
        if self.id_column is not None:
            raise DataError("--id names a CSV column; an .npz file's rows are keyed by position")
        self.X, self.y = read_features(self.path)
        if self.X.ndim != 2:
            raise DataError(f"{self.name}: X must be a 2-d array (m, n_x), got {self.X.shape}")
        self._check_width(self.X.shape[1], "columns in X")
        if self.y is not None and (self.y.ndim == 0 or len(self.y) != len(self.X)):
            raise DataError(f"{self.name}: X has {len(self.X)} rows, y {np.shape(self.y)}")

    def _array_batches(self, progress: Progress | None) -> Iterator[Batch]:
        """X's rows, a batch at a time, each checked (finite numbers)."""
        for start in range(0, len(self.X), self.rows):
            stop = min(start + self.rows, len(self.X))
            row = _offset(start)
            try:
                x = check_features(self.X[start:stop], name="X", row=row)
            except ValueError as error:
                raise DataError(f"{self.name}: {first_line(error)}") from None
            if progress is not None:
                progress(stop)
            y = None if self.y is None else self.y[start:stop]
            yield Batch(np.arange(start, stop), x, y, row)

    def _check_width(self, width: int, what: str) -> None:
        """Refuse data of another width than the model's (arrays: columns by position)."""
        if width != self.model.n_features:
            raise DataError(
                f"{self.name}: {width} {what}, but the study's network reads "
                f"{self.model.n_features}"
            )


def _offset(start: int) -> RowName:
    """Names a batch's rows by their position in the whole array: `row 100005`."""
    return lambda position: f"row {start + position}"


def _is_npz(path: Path) -> bool:
    """An `.npz` by its name (the readers check its bytes); anything else is read as CSV."""
    return path.suffix.lower() == ".npz"
