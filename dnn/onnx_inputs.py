"""The input of an ONNX model of a table network: the table's encoding, as JSON beside it.

A network fitted on a table (a DataFrame) reads it through its `TableEncoder` (one-hot
levels, medians for empty cells, missing indicators). The ONNX model takes the encoded
matrix, and `to_onnx` writes the encoders beside it, `model.onnx` -> `model.inputs.json`
(`inputs_path`); `OnnxInputs.read(path).transform(frame)` makes the model's input from a raw
table. The encoding is not in the graph, by choice: it is defined by how `dnn.cells` reads a
cell (strings stripped, "1,234" a number, True and "True" one level, 3, 3.0 and "3" one level,
blank strings missing) and by pandas' types, and ONNX has typed tensors and a few string ops
(`StringNormalizer`, `RegexFullMatch`, `LabelEncoder`), not those rules; a graph re-creating
them would be a second encoder that could disagree with the first. The JSON is the encoder's
own state (`TableEncoder.to_state`), read back checked by `TableEncoder.from_state` and
applied by the very code `predict` uses, so the ONNX model and `predict` see the same numbers.

Format (`FORMAT`, version 1): `{"format": ..., "version": 1, "n_columns": n, "blocks":
[{"encoder": <state>}, ...]}`: the model's input is the blocks' encodings side by side (n
float64 columns in all), one block per distinct encoder (an ensemble's members trained on
different folds have their own). This module does not import `onnx`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from dnn.tables import TableEncoder

FORMAT = "dnnsearch-onnx-inputs"
VERSION = 1
SUFFIX = ".inputs.json"


def inputs_path(model_path: str | Path) -> Path:
    """Where the encoding of a model's input is written: `model.onnx` -> `model.inputs.json`."""
    path = Path(model_path)
    return path.with_name(path.stem + SUFFIX)


class OnnxInputs:
    """The encoders whose outputs, side by side, are an ONNX model's input X.

    Args:
        encoders: the distinct `TableEncoder`s, in the order of their blocks.
    """

    def __init__(self, encoders: Sequence[TableEncoder]) -> None:
        """Keep the encoders."""
        self.encoders = list(encoders)

    @property
    def n_columns(self) -> int:
        """Columns of the model's input: the features of every block."""
        return sum(len(encoder.feature_names_) for encoder in self.encoders)

    def transform(self, frame: Any) -> NDArray[np.float64]:
        """The model's input for a raw table: each block's encoding, side by side.

        Args:
            frame: a DataFrame holding every column the encoders read (by name, in any
                order; others are ignored).

        Returns:
            (m, n_columns) float64 (the model's input is float64, whatever its dtype).

        Raises:
            TableError: one line, as `TableEncoder.transform` (a missing column, a text cell
                in a numeric column).
        """
        parts = [encoder.transform(frame) for encoder in self.encoders]
        return np.ascontiguousarray(np.hstack(parts), dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        """The description written beside the model (see the module docstring)."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "n_columns": self.n_columns,
            "blocks": [{"encoder": encoder.to_state()} for encoder in self.encoders],
        }

    def write(self, path: str | Path) -> Path:
        """Write `to_json()` to `path`; returns it."""
        path = Path(path)
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n")
        return path

    @classmethod
    def read(cls, path: str | Path) -> OnnxInputs:
        """Read a description written by `write`, every field checked.

        Raises:
            ValueError: `<path>: <problem>`, one line.
        """
        try:
            return cls.from_json(json.loads(Path(path).read_text()))
        except (ValueError, RecursionError) as error:
            lines = str(error).splitlines()
            raise ValueError(f"{path}: {lines[0] if lines else type(error).__name__}") from None

    @classmethod
    def from_json(cls, value: object) -> OnnxInputs:
        """The encoders a description holds, checked (the encoders by `from_state`)."""
        from dnn.tables import TableEncoder

        keys = ("format", "version", "n_columns", "blocks")
        if not isinstance(value, dict) or sorted(value) != sorted(keys):
            raise ValueError(f"not a {FORMAT} description (keys {', '.join(keys)})")
        if value["format"] != FORMAT or value["version"] != VERSION:
            raise ValueError(f"format must be {FORMAT!r} version {VERSION}")
        blocks = value["blocks"]
        if not isinstance(blocks, list) or not blocks:
            raise ValueError("blocks must be a non-empty list")
        encoders = []
        for i, block in enumerate(blocks):
            if not isinstance(block, dict) or list(block) != ["encoder"]:
                raise ValueError(f'blocks[{i}] must be {{"encoder": <state>}}')
            encoders.append(TableEncoder.from_state(block["encoder"]))
        inputs = cls(encoders)
        if value["n_columns"] != inputs.n_columns:
            raise ValueError(
                f"n_columns is {value['n_columns']!r} but the blocks make {inputs.n_columns}"
            )
        return inputs
