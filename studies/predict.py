"""`dnnsearch predict`: a study's final model scores a data file, streamed, into a CSV file.

The model is the one `dnnsearch best` describes (`studies.model.StudyModel`); the rows come
from `studies.sources` (a CSV file in chunks, or an `.npz`), and each batch's predictions are
written as soon as they are made, so that memory holds one chunk (plus, when the data carry
the target, the outputs the metrics need at the end: C + 1 numbers per row).

The output is a CSV file (UTF-8, comma-separated, quoted where a cell needs it), one row per
input row, in the input's order:

- the key: the input's line number (`line`, the header is line 1), its position in an
  `.npz` (`row`, from 0), or the `--id` column's cells as the file writes them;
- `prediction`: the predicted class, or value (`prediction_0`, ... for several targets);
- with `--proba`, one column per class, `proba_<class>`, in the order of the model's classes.

Cells are written as they are: an id or a class starting with `=`, `+`, `-` or `@` is not
escaped against spreadsheet formulas (the file is data for programs; escaping would change
ids and negative numbers). Import it into a spreadsheet as text if its ids are untrusted.

When the data carry the study's target column (an `.npz`: its `y`), the rows with a target
are also scored by every metric of the task (`search.metrics.score_all`, as the study scored
its test set); a row whose target cell is empty is predicted but not scored.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from dnn import predict_labels
from dnn.cells import cell_label
from search.metrics import score_all
from studies.errors import DataError
from studies.files import first_line
from studies.model import StudyModel
from studies.sources import Batch, Source
from studies.writing import atomic_file, check_output_path

CHUNK_ROWS = 100_000  # rows read and written at a time (rounded up to whole blocks)
# Rows predicted at a time, in blocks aligned to the data's first row: BLAS sums a matrix
# product in an order that depends on its width, so that predicting a row in another block
# could change its last bits; aligned blocks make the output the same whatever the chunks.
BLOCK_ROWS = 25_000  # big enough that the products' cost per call does not show


@dataclass(frozen=True)
class Request:
    """What to predict: the study, the data file, where the predictions go.

    Attributes:
        name: the study. data: the CSV or `.npz` file.
        out: the CSV file to write; None writes to standard output (as rows are made).
        proba: add the class probabilities. storage: the study's storage (None: its file).
        id_column: a CSV column that keys the rows (None: their line numbers).
        chunk_rows: rows read and predicted at a time. progress: draw a bar on stderr.
    """

    name: str
    data: Path
    out: Path | None = None
    proba: bool = False
    storage: str | None = None
    id_column: str | None = None
    chunk_rows: int = CHUNK_ROWS
    progress: bool = False


def predict(request: Request) -> list[str]:
    """Write the predictions a request asks for; returns what to tell the user.

    Returns:
        Lines: how many rows, with which model, where; the scores, when the data carry the
        target; notes (rows not scored, classes the model does not know).

    Raises:
        DataError: bad data, output path or flag, one line. StorageError, SpecError: the study.
    """
    out = None
    if request.out is not None:
        out = check_output_path(request.out, "--out", inputs=[request.data])
    model = StudyModel.load(request.name, request.storage)
    if out is not None:
        check_output_path(out, "--out", stored=model.files, folders=model.folders)
    if request.proba and model.classes is None:
        raise DataError(f"--proba: study {request.name!r} is a regression (no classes)")
    whole_blocks = -(-request.chunk_rows // BLOCK_ROWS) * BLOCK_ROWS
    source = Source(model, request.data, whole_blocks, request.id_column)
    columns = output_columns(model, source.key, request.proba)
    scoring = Scoring(model, source.name, source.target_name) if source.has_target else None
    with _output(out) as file, _bar(request, source) as progress:
        rows = _write(file, model, source, columns, scoring, progress)
    where = "standard output" if out is None else str(request.out)
    said = f"{rows} rows of {source.name} predicted by study {request.name!r} "
    said += f"({model.describe()}): {where}"
    return [said, *(scoring.lines() if scoring is not None else [])]


def _write(
    file: IO[str],
    model: StudyModel,
    source: Source,
    columns: list[str],
    scoring: Scoring | None,
    progress: Any,
) -> int:
    """Write the header, then each batch's predictions as it is made; returns the rows.

    Raises:
        DataError: a cell the model cannot read (the encoder's message, after the file's name).
    """
    file.write(_csv_line(columns))
    rows = 0
    for batch in source.batches(progress):
        try:
            output = _outputs(model, batch.X)
        except ValueError as error:  # the table encoder names the column and line, not the file
            raise DataError(f"{source.name}: {first_line(error)}") from None
        frame = _frame(model, batch, output, columns)
        frame.to_csv(file, header=False, index=False, lineterminator="\n", quoting=_quoting(frame))
        rows += len(frame)
        if scoring is not None:
            scoring.add(output, batch)
    return rows


def _outputs(model: StudyModel, x: Any) -> np.ndarray:
    """The model's probabilities (or predicted values) for x, a block of rows at a time."""
    task, rows = model.spec.problem, getattr(x, "iloc", x)
    blocks = range(0, len(x), BLOCK_ROWS)
    return np.concatenate([task.outputs(model.network, rows[i : i + BLOCK_ROWS]) for i in blocks])


def output_columns(model: StudyModel, key: str, proba: bool) -> list[str]:
    """The output's header: the key, the prediction(s), the probabilities.

    Raises:
        DataError: an id column named like an output column.
    """
    classes = model.classes
    columns = [key, *_predicted(model)]
    if proba and classes is not None:
        # a label as written (text kept whole: "a" and "a " are two classes), a number
        # as the encoder writes a cell (1.0 as 1)
        columns += [f"proba_{x if isinstance(x, str) else cell_label(x)}" for x in classes]
    if key in columns[1:]:
        raise DataError(f"--id: column {key!r} has the name of an output column; rename it")
    return columns


def _predicted(model: StudyModel) -> list[str]:
    """`prediction`, or one column per target of a regressor of several."""
    if model.classes is not None:
        return ["prediction"]
    member = getattr(model.network, "members", [model.network])[0]
    y_mean = np.asarray(member.y_mean_)  # the targets' means: () or (k,)
    return ["prediction"] if y_mean.ndim == 0 else [f"prediction_{j}" for j in range(len(y_mean))]


def _frame(model: StudyModel, batch: Batch, output: Any, columns: list[str]) -> Any:
    """A batch's rows of the output, as a DataFrame of `columns`.

    A classifier's columns are the key, the prediction, and the probabilities if asked for.
    """
    import pandas as pd

    if model.classes is None:
        values = list(output.reshape(len(output), -1).T)
    else:
        values = [predict_labels(output, model.classes)]
        values += list(output.T) if len(columns) > 2 else []
    return pd.DataFrame(dict(zip(columns, [batch.keys, *values], strict=True)), copy=False)


def _csv_line(cells: list[str]) -> str:
    """One line of CSV, quoted as pandas quotes it (so the header matches the rows)."""
    import pandas as pd

    quoting = _quoting(pd.DataFrame([cells], dtype=object))
    return pd.DataFrame(columns=cells).to_csv(index=False, lineterminator="\n", quoting=quoting)


def _quoting(frame: Any) -> int:
    """Quote every text cell of a batch where one holds a carriage return.

    Lines end in a newline, and Python's CSV writer quotes a cell only for the characters of
    that ending: a key or label holding a lone carriage return would be written bare, and a
    reader would end the row there.
    """
    texts = frame.select_dtypes(include=["object", "string"])
    holds = any(texts[c].astype(str).str.contains("\r", regex=False).any() for c in texts)
    return csv.QUOTE_NONNUMERIC if holds else csv.QUOTE_MINIMAL


@contextmanager
def _output(out: Path | None) -> Iterator[IO[str]]:
    """The file the predictions are written to: whole at the end, or standard output."""
    if out is None:
        yield sys.stdout
        return
    with atomic_file(out, "--out") as file:
        yield file


def _bar(request: Request, source: Source) -> Any:
    """A progress bar on stderr (bytes of a CSV, rows of an npz), or nothing."""
    if not request.progress:
        return nullcontext(None)
    return _ProgressBar(source.size, "rows" if source.arrays else "B", source.path.name)


class _ProgressBar:
    """tqdm on stderr, moved to a position (`bar(position)`); a context manager."""

    def __init__(self, total: int, unit: str, name: str) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, unit=unit, unit_scale=True, desc=name, file=sys.stderr)

    def __call__(self, position: int) -> None:
        self.bar.update(position - self.bar.n)

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()


@dataclass
class Scoring:
    """The scored rows' outputs and targets, kept for the metrics at the end.

    A classification's targets are kept as their class's position in the model's classes
    (`len(classes)` for a class it does not know), compared as the table encoder compares
    cells (`dnn.cells.cell_label`: 1, 1.0 and "1" one class).
    """

    model: StudyModel
    name: str
    target: str  # how messages name the targets: `target column 'price'`, or an npz's `y`
    outputs: list[np.ndarray] = field(default_factory=list)
    targets: list[np.ndarray] = field(default_factory=list)
    empty: int = 0
    unknown: list[str] = field(default_factory=list)

    def add(self, output: np.ndarray, batch: Batch) -> None:
        """Keep a batch's outputs and checked targets (those not empty).

        Raises:
            DataError: a target cell that is no label (a classification) or no finite number.
        """
        y = batch.y.to_numpy() if hasattr(batch.y, "to_numpy") else np.asarray(batch.y)
        present = ~_missing(batch.y)
        self.empty += int(np.count_nonzero(~present))
        positions = np.flatnonzero(present)
        try:
            y = self.model.spec.problem.check_test_target(
                y[positions], name=self.target, row=lambda i: batch.row(int(positions[i]))
            )
        except ValueError as error:
            raise DataError(f"{self.name}: {str(error).splitlines()[0]}") from None
        if self.model.classes is None and y.shape[1:] != output.shape[1:]:
            raise DataError(
                f"{self.name}: the target has shape {y.shape}, but the study's model predicts "
                f"{output.shape[1:] or 'one value'} per row"
            )
        self.outputs.append(output[positions])
        self.targets.append(self._codes(y) if self.model.classes is not None else y)

    def _codes(self, y: np.ndarray) -> np.ndarray:
        """Each label's position in the classes; `len(classes)` for one the model lacks."""
        classes = [cell_label(label) for label in self.model.classes]
        index = {label: i for i, label in enumerate(classes)}
        codes = np.array([index.get(cell_label(v), len(classes)) for v in y], dtype=np.intp)
        for label in y[codes == len(classes)][: 3 - len(self.unknown)]:
            self.unknown.append(str(label))
        return codes

    def lines(self) -> list[str]:
        """The scores by every metric of the task, and what was not scored."""
        output = np.concatenate(self.outputs) if self.outputs else np.empty(0)
        y = np.concatenate(self.targets) if self.targets else np.empty(0)
        notes = [f"  {self.empty} rows with an empty target cell: not scored"] if self.empty else []
        if self.unknown:
            known = ", ".join(repr(label) for label in self.unknown)
            notes.append(f"  rows of a class the model does not know ({known}): counted wrong")
        if len(y) == 0:
            return notes
        classes = None if self.model.classes is None else np.arange(len(self.model.classes))
        task = self.model.spec.problem
        scores = score_all(output, y, classes, task.name)
        said = ", ".join(f"{name} {scores[name]:.4f}" for name in task.metrics() if name in scores)
        target = self.model.spec.target
        return [f"scores on {len(y)} rows with the target column {target!r}: {said}", *notes]


def _missing(y: Any) -> np.ndarray:
    """Where a target column's cells are empty (a CSV's), or nothing (an npz's y)."""
    if hasattr(y, "isna"):
        return y.isna().to_numpy()
    return np.zeros(len(y), dtype=bool)
