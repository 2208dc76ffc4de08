"""`dnnsearch export`: a study's final model as an ONNX model, for runtimes without Python.

The model is the one `dnnsearch best` describes (`studies.model.StudyModel`), a network or an
ensemble, exported by `dnn`'s `to_onnx` (`dnn.onnx_export`, opset 21): input `X` (m, n)
float64, output `probabilities` (m, C) or `predictions` (m,) / (m, k). A model of a table
takes the table's encoding, which `to_onnx` writes beside the model as `<model>.inputs.json`
(`dnn.onnx_inputs`: why it is not in the graph, and how to apply it). Both files appear
together when everything is written, or neither does.

`onnx` is an optional extra (`pip install "dnnsearch[onnx]"`), imported here when the export
runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studies.errors import DataError
from studies.model import StudyModel
from studies.writing import atomic_folder, check_output_path

FORMATS = ("onnx",)
INSTALL = 'pip install "dnnsearch[onnx]"'


@dataclass(frozen=True)
class ExportRequest:
    """What to export, and where.

    Attributes:
        name: the study. out: the model file to write. format: `onnx`.
        dtype: `float32` or `float64` for the layers (None: the model's own).
        storage: the study's storage (None: its file under `runs/`).
    """

    name: str
    out: Path
    format: str = "onnx"
    dtype: str | None = None
    storage: str | None = None


def export(request: ExportRequest) -> list[str]:
    """Write a study's final model as an ONNX model (and its inputs' encoding beside it).

    Returns:
        Lines to tell the user: what was written, where, and how to feed it.

    Raises:
        DataError: an unknown format, a bad --out, `onnx` not installed (one line each).
        StorageError, SpecError: the study.
    """
    if request.format not in FORMATS:
        raise DataError(f"--format: {request.format!r} is not one of {', '.join(FORMATS)}")
    out = check_output_path(request.out, "--out")
    export_model = _exporter()
    model = StudyModel.load(request.name, request.storage)
    check_output_path(out, "--out", stored=model.files, folders=model.folders)
    _check_encoding_path(model, out)
    from dnn.onnx_graph import OPSET
    from dnn.onnx_inputs import inputs_path

    with atomic_folder(out.parent, "--out", last=out.name) as folder:
        written = export_model(model.network, folder / out.name, request.dtype)
        table = inputs_path(written).is_file()
    dtype = request.dtype or model.network.dtype
    said = f"{out} (ONNX opset {OPSET}, {dtype}, {out.stat().st_size:,} bytes)"
    lines = [f"study {request.name!r}: {model.describe()} written to {said}"]
    if table:
        lines.append(
            f"  its input X is the table's encoding, described in {inputs_path(out)}: "
            "dnn.onnx_inputs.OnnxInputs.read(path).transform(frame)"
        )
    return lines


def _check_encoding_path(model: StudyModel, out: Path) -> None:
    """Check the path of the table's encoding, written beside a model of a table, as --out's.

    Raises:
        DataError: `--out (its encoding, m.inputs.json): ...`.
    """
    from dnn.onnx_inputs import inputs_path

    if model.columns is not None:
        side = inputs_path(out)
        what = f"--out (its encoding, {side.name})"
        check_output_path(side, what, stored=model.files, folders=model.folders)


def _exporter() -> Callable[..., Path]:
    """`dnn.onnx_export.export`, or a DataError saying how to install `onnx`."""
    try:
        from dnn.onnx_export import export as export_model
    except ImportError as error:
        missing = getattr(error, "name", None) or "onnx"
        raise DataError(f"export needs the {missing} package: {INSTALL}") from None
    return export_model
