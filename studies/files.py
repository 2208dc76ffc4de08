"""Data files a study names: a CSV table or an `.npz` of arrays, read with their context.

The rules of what data a study can learn from are `dnn`'s and `search`'s, one set of checks
(`dnn.checks`, the table encoder's cell parser in `dnn.cells`, `search.tasks`); this module
reads files and adds what only it knows around them: the file's name, and its lines. A CSV is
read with an index of its line numbers, named `line` (the header is line 1; a row's is the line
it starts on, past blank lines and cells of several lines: `studies.lines`), which every split
keeps, so that a message about a row names the file's line wherever it is made. A file is
refused before it is read when the memory this process may still use cannot hold it.

An empty target cell of a regression is quoted as the file writes it (`'n/a'`, pandas' missing
markers), which is read again from the file on the way to the error.
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dnn.cells import column_numbers, read_cells
from dnn.checks import row_names
from dnn.npz import NpzError, read_npz
from search.machine import available_memory
from search.tasks import Task
from studies.errors import DataError
from studies.lines import lines_of, plain, record_lines

if TYPE_CHECKING:
    import pandas as pd  # imported where a table is read: a study of arrays does without it

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
NPY_MAGIC = b"\x93NUMPY"
MAX_NAMED_COLUMNS = 20  # a message names at most this many of the columns found
# A table in memory takes about this many times its CSV file (numbers as float64, pandas'
# index and the parser's buffers): a larger file than the memory left allows is refused.
MEMORY_PER_BYTE = 3


def first_line(error: BaseException) -> str:
    """The first line of an error's message (its type's name when it has none)."""
    lines = str(error).splitlines()
    return lines[0] if lines else type(error).__name__


# -- CSV tables --------------------------------------------------------------------------------


def read_table(path: Path, name: str | None = None) -> pd.DataFrame:
    """A CSV file (UTF-8 text with a header row) as a DataFrame of its cells as pandas reads them.

    The rows are indexed by their line numbers (`line`).

    Raises:
        DataError: one line naming the file (`name`, else its path): not a file, binary, not
            UTF-8 (naming the first bad byte's line), empty, unparsable, or larger than the
            memory this process may use.
    """
    import pandas as pd

    name = name or str(path)
    _check_size(path, name)
    with _reading(path, name):
        _check_names(path, name)
        frame = pd.read_csv(path, encoding="utf-8")
    lines = lines_of(path, len(frame))
    frame.index = _line_index(len(frame), 2) if lines is None else pd.Index(lines, name="line")
    return frame


def _chunk_lines(
    lines: Iterator[int] | None, rows: int, first: int
) -> tuple[pd.Index, Iterator[int] | None]:
    """A chunk's index of lines: the next `rows` of `lines`, else numbered from `first` on.

    Returns:
        The index, and the lines left (None once a file is numbered as read: a plain file, or
        one `csv` read otherwise than pandas).
    """
    import pandas as pd

    labels = list(itertools.islice(lines, rows)) if lines is not None else []
    if len(labels) == rows:
        return pd.Index(labels, name="line"), lines
    return _line_index(rows, first), None


def _line_index(rows: int, first: int) -> pd.Index:
    """Rows numbered from `first` on, one line each: the index of a plain file's rows."""
    import pandas as pd

    return pd.RangeIndex(first, first + rows, name="line")


@contextmanager
def _reading(path: Path, name: str) -> Iterator[None]:
    """Turn pandas' errors while reading the CSV file at `path` into one-line DataErrors."""
    import pandas as pd

    try:
        yield
    except DataError:  # already one line naming the file
        raise
    except pd.errors.EmptyDataError:
        raise DataError(f"{name}: the CSV file is empty (no header row)") from None
    except UnicodeDecodeError:
        raise DataError(
            f"{name}: not UTF-8 text: {_first_bad_byte(path)} (save the file as UTF-8)"
        ) from None
    except MemoryError:
        raise DataError(f"{name}: too large to read into the memory this process has") from None
    except (pd.errors.ParserError, ValueError, OSError) as error:
        raise DataError(f"{name}: cannot read CSV ({first_line(error)})") from None


def _check_size(path: Path, name: str) -> None:
    """Refuse a file that is no regular file, binary (an `.npz`), or too large to read."""
    size = _check_file(path, name)
    free = available_memory()
    if free is not None and size * MEMORY_PER_BYTE > free:
        raise DataError(
            f"{name}: {size / 2**30:.1f} GiB of CSV needs about {MEMORY_PER_BYTE}x that in "
            f"memory, and this process may use {free / 2**30:.1f} GiB more; use a sample"
        )


def _check_file(path: Path, name: str) -> int:
    """Refuse a file that is no regular file, or binary (an `.npz`); returns its size."""
    try:
        if not path.is_file():
            raise DataError(f"{name}: not a file")
        size = path.stat().st_size
        with open(path, "rb") as file:
            head = file.read(len(NPY_MAGIC))
    except OSError as error:
        raise DataError(f"{name}: cannot read CSV ({first_line(error)})") from None
    if head.startswith((*ZIP_MAGIC, NPY_MAGIC)):
        raise DataError(f"{name}: a binary .npz/.npy file, not CSV text")
    return size


# pandas' markers of an empty cell (`read_csv`'s default `na_values`, listed in its docs; a
# test holds them equal): the cells of every column but one read as text are read with them
NA_CELLS = (
    *("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND"),
    *("1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"),
)


def read_header(path: Path, name: str) -> list[str]:
    """A CSV file's column names, as pandas names them (an empty one as `Unnamed: 0`).

    Raises:
        DataError: as `read_table`, but for the file's size (no row is read).
    """
    import pandas as pd

    _check_file(path, name)
    with _reading(path, name):
        _check_names(path, name)
        return [str(column) for column in pd.read_csv(path, encoding="utf-8", nrows=0).columns]


def _check_names(path: Path, name: str) -> None:
    """Refuse a header that names a column twice.

    pandas would rename the second `a` to `a.1` without a word: a target written twice became a
    feature that is the target, and a file's columns no longer the ones its header names. An
    empty name is not compared (pandas names it by its position, `Unnamed: 3`).

    Raises:
        DataError: `<file>: column 'a' is named twice in the header (columns 1 and 5); ...`.
    """
    import pandas as pd

    header = pd.read_csv(path, encoding="utf-8", header=None, nrows=1, dtype=str)
    seen: dict[str, int] = {}
    for position, cell in enumerate(header.iloc[0].tolist() if len(header) else [], start=1):
        if not isinstance(cell, str) or not cell:
            continue
        if cell in seen:
            raise DataError(
                f"{name}: column {cell!r} is named twice in the header (columns {seen[cell]} "
                f"and {position}); rename one"
            )
        seen[cell] = position


def read_chunks(
    path: Path,
    name: str,
    rows: int,
    *,
    columns: list[str] | None = None,
    as_written: str | None = None,
    progress: Callable[[int], object] | None = None,
) -> Iterator[pd.DataFrame]:
    """A CSV file's rows, `rows` at a time, each chunk as `read_table` would read its rows.

    Indexed by their line numbers (`line`), however large the file: memory holds one chunk.
    A column's type is decided in each chunk (a column of numbers with an empty cell is float
    in that chunk only); the table encoder reads a cell the same whatever its column's type.

    Args:
        path: the file.
        name: what messages call it.
        rows: rows per chunk.
        columns: the columns to keep, by name (None: all), each there.
        as_written: a column read as the text the file holds (an id: `007` and `NA` kept).
        progress: called after each chunk with the bytes of the file read so far.

    Raises:
        DataError: one line naming the file, as `read_table`, when a chunk is read.
    """
    import pandas as pd

    _check_file(path, name)
    # every column is parsed (pandas' `usecols` would let a row with too many cells through)
    options: dict[str, Any] = {}
    if as_written is not None:
        cells = {column: list(NA_CELLS) for column in read_header(path, name)}
        cells.pop(as_written, None)
        options.update(keep_default_na=False, na_values=cells, dtype={as_written: str})
    line = 2  # the header is line 1
    # a record's line, where blank lines or cells of several lines make it not its number
    lines = None if plain(path) else record_lines(path)
    with open(path, "rb") as file, _reading(path, name):
        for chunk in pd.read_csv(file, encoding="utf-8", chunksize=rows, **options):
            if not len(chunk):  # a file of a header only
                continue
            if columns is not None:
                chunk = chunk[columns]
            chunk.index, lines = _chunk_lines(lines, len(chunk), line)
            line += len(chunk)
            if progress is not None:
                progress(file.tell())
            yield chunk


def _first_bad_byte(path: Path) -> str:
    """Where a file stops being UTF-8: `byte 0xff on line 3`, read a megabyte at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    newline, line = b"\n", 1
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                at = line + block.count(newline, 0, max(error.start, 0))
                return f"byte 0x{block[max(error.start, 0)]:02x} on line {at}"
            line += block.count(newline)
    return "a character cut at the end of the file"


def column_names(columns: Any) -> str:
    """Up to `MAX_NAMED_COLUMNS` column names, quoted: `'a', 'b' and 3 more`."""
    names = [repr(str(name)) for name in list(columns)[:MAX_NAMED_COLUMNS]]
    more = len(columns) - MAX_NAMED_COLUMNS
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def split_target(
    frame: pd.DataFrame, name: str, target: str, columns: list[str] | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """A table's feature columns (all but `target`, or `columns` by name) and its target.

    Raises:
        DataError: naming the table and the column that is not there.
    """
    if target not in frame.columns:
        raise DataError(
            f"{name}: no target column {target!r} (columns: {column_names(frame.columns)})"
        )
    features = frame.drop(columns=[target])
    if columns is not None:
        missing = [column for column in columns if column not in features.columns]
        if missing:
            raise DataError(
                f"{name}: no column {missing[0]!r}, which the training file has "
                f"({len(missing)} missing in all)"
            )
        features = features[columns]
    if features.shape[1] == 0 or len(frame) == 0:
        raise DataError(f"{name}: needs at least one feature column and one row")
    return features, frame[target].to_numpy()


def check_target(
    name: str, path: Path | None, frame: pd.DataFrame, target: str, task: Task, test: bool = False
) -> np.ndarray:
    """A table's target column, checked by the task (`test`: one class is enough).

    Its rows are named by their lines; an empty cell of a regression is quoted as the file
    writes it.

    Raises:
        DataError: one line naming the table, the target column and the line.
    """
    y = frame[target].to_numpy()
    what = f"target column {target!r}"
    row = row_names(frame.index)
    if not task.has_classes and path is not None:
        empty = np.flatnonzero(frame[target].isna().to_numpy())
        if empty.size:
            cell = _written(path, target, int(empty[0])).strip()
            said = f"{cell!r}, not a number" if cell else "empty"
            raise DataError(
                f"{name}: {what} {row(int(empty[0]))} is {said} (a regression needs a number "
                "in every row)"
            )
    try:
        if test:
            return task.check_test_target(y, name=what, row=row)
        return task.check_target(y, name=what, row=row)
    except ValueError as error:
        raise DataError(f"{name}: {error}") from None


def _written(path: Path, column: str, position: int) -> str:
    """A cell of `column` as the file writes it (read again, on the way to an error)."""
    import pandas as pd

    try:
        text = pd.read_csv(path, usecols=[column], dtype=str, keep_default_na=False)
        return str(text.iloc[position, 0])
    except (ValueError, IndexError, OSError, pd.errors.ParserError):
        return ""


def check_test_columns(name: str, test: pd.DataFrame, kinds: dict[str, str]) -> None:
    """Check that a test table holds finite numbers where training decided a column is numeric.

    Its networks could not read text there; the cells are read by the encoder's own parser.

    Raises:
        DataError: one line naming the test file, the column, the line and the cell.
    """
    why = "not a number (the column holds numbers in the training data)"
    for column, kind in kinds.items():
        if kind == "numeric":
            try:
                column_numbers(column, test[column], why)
            except ValueError as error:
                raise DataError(f"{name}: {first_line(error)}") from None


def check_real(name: str, column: pd.Series, label: str) -> None:
    """Refuse a column of numbers of which some are complex (`1+2j`).

    The encoder would take it for categories, but its values are measurements that a network cannot
    read.

    Raises:
        DataError: naming the table, the column, the line and the cell.
    """
    cells = read_cells(column)
    if not cells.text.any() or not all(
        _complex(cells.labels[i]) for i in np.flatnonzero(cells.text)
    ):
        return
    row = int(cells.text_rows()[0])
    raise DataError(
        f"{name}: column {label!r} {row_names(column.index)(row)} is a complex number "
        f"(features must be real): {column.iloc[row]!r}"
    )


def _complex(label: str) -> bool:
    try:
        return complex(label).imag != 0
    except ValueError:
        return False


# -- .npz files --------------------------------------------------------------------------------

NPZ_WORDS: dict[str, Callable[[NpzError], str]] = {
    "empty": lambda e: "not an .npz archive (empty file)",
    "npy": lambda e: (
        "a single .npy array, not an .npz archive (write one with np.savez(path, X=X, y=y))"
    ),
    "not_zip": lambda e: "not an .npz archive (not a zip)",
    "missing": lambda e: (
        f"missing array {e.member!r} (needs X and y; arrays found: "
        f"{', '.join(map(repr, e.found[:MAX_NAMED_COLUMNS])) or 'none'})"
    ),
    "pickle": lambda e: (
        f"array {e.member!r} holds Python objects (dtype object), which would "
        "need pickle to load; save it as numbers or strings (e.g. y.astype(str))"
    ),
}


def read_arrays(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Arrays `X` and `y` of an `.npz` file, read without pickle (`dnn.npz`).

    Raises:
        DataError: one line naming the file and the problem.
    """
    arrays = _read_npz(path, ["X", "y"])
    return arrays["X"], arrays["y"]


def read_features(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """Array `X` of an `.npz` file, and its `y` if it holds one, read without pickle.

    Raises:
        DataError: one line naming the file and the problem (no `X`, say).
    """
    arrays = _read_npz(path, ["X", "y"], optional=("y",))
    return arrays["X"], arrays.get("y")


def _read_npz(
    path: Path, names: list[str], optional: tuple[str, ...] = ()
) -> dict[str, np.ndarray]:
    """The named arrays of an `.npz` file (those `optional` if there), else a DataError."""
    try:
        return read_npz(path, names)
    except NpzError as error:
        if error.problem == "missing" and error.member in optional:
            return _read_npz(path, [n for n in names if n != error.member], optional)
        words = NPZ_WORDS.get(error.problem)
        raise DataError(f"{path}: {words(error) if words else first_line(error)}") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read npz ({first_line(error)})") from None
