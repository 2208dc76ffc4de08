"""Export a network or an ensemble to one ONNX model: `export` (`to_onnx`), opset 21.

The model holds the network's own maths (`dnn.onnx_graph`): the input scaling, each
`Z[l] = W[l] A[l-1] + b[l]` as a `Gemm` and each g[l], the output sigmoid or softmax, and for
an ensemble the weighted mean of its members (`Mul` by each weight, `Sum`; members of weight 0
left out, as `predict` leaves them out).

- Input `X`: (m, n) float64, rows as examples, as `predict` reads them (it converts X to
  float64 first): the input scaling is float64 maths on float64 rows, and a float32 input
  would move a value repeated in the training rows (an imputed median, say) off the
  quantile it equals, where the quantile map steps. The layers run in the model's dtype
  (`float32` or `float64`, the network's unless given). For a network fitted on a table, X is
  the table's encoding, written beside the model as JSON (`dnn.onnx_inputs`, which says why
  the encoding is not in the graph): `OnnxInputs.read(inputs_path(model)).transform(frame)`.
  An ensemble of table members takes the encodings of its distinct encoders side by side
  (members from different folds encode differently), each member reading its own columns.
- Output `probabilities` (m, C) for a classifier, in `predict_proba`'s layout (the columns
  are `classes_`, in the model's metadata; for two classes 1 - A[L] and A[L]), or
  `predictions` (m,) or (m, k) for a regressor, in the target's units: the targets'
  standardization and a log scale (`target_scale`) are undone in float64, as in `predict`,
  then cast to the model's dtype.
- Metadata (`metadata_props`): `dnnsearch.task`, `dnnsearch.classes` (JSON), and
  `dnnsearch.inputs`: `array`, or the name of the JSON file beside the model.

`onnx` is an optional extra (`pip install "dnnsearch[onnx]"`); this module and
`dnn.onnx_graph` import it, and `import dnn` imports neither.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import onnx
from onnx import helper

from dnn.ensemble import NetworkEnsemble
from dnn.hyperparameters import check_hyperparameter
from dnn.metadata import CLASSIFICATION
from dnn.network import Network
from dnn.onnx_graph import ELEMENT_TYPES, OPSET, Graph, network_output
from dnn.onnx_inputs import OnnxInputs, inputs_path
from dnn.target_scale import LOG_MAX

IR_VERSION = 10  # the IR of ONNX 1.16, whose opset is 21: readable by onnxruntime 1.18 on


def export(model: Network | NetworkEnsemble, path: str | Path, dtype: str | None = None) -> Path:
    """Write `model` (a fitted network or an ensemble) as an ONNX model.

    Args:
        model: the network or the ensemble.
        path: the `.onnx` file; a table model's input description goes beside it
            (`dnn.onnx_inputs.inputs_path`).
        dtype: `float32` or `float64`; None: the model's.

    Returns:
        The path of the model.

    Raises:
        NotFittedError: an unfitted network. ValueError: a dtype its rule refuses.
    """
    if isinstance(model, Network):
        model._check_fitted()
    ensemble = model if isinstance(model, NetworkEnsemble) else NetworkEnsemble([model])
    dtype = check_hyperparameter("dtype", ensemble.dtype if dtype is None else dtype)
    inputs = _table_inputs(ensemble)
    g = Graph()
    output = _weighted_mean(g, ensemble, inputs, dtype)
    name, shape = _output_shape(ensemble, inputs)
    graph = helper.make_graph(
        g.nodes,
        "dnnsearch",
        [helper.make_tensor_value_info("X", ELEMENT_TYPES["float64"], ["m", shape[0]])],
        [helper.make_tensor_value_info(name, ELEMENT_TYPES[dtype], ["m", *shape[1:]])],
        g.initializers,
    )
    graph.node.append(helper.make_node("Identity", [output], [name]))
    onnx_model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        ir_version=IR_VERSION,
        producer_name="dnnsearch",
    )
    path = Path(path)
    _describe(onnx_model, ensemble, None if inputs is None else inputs_path(path).name)
    onnx.checker.check_model(onnx_model, full_check=True)
    onnx.save(onnx_model, path)
    if inputs is not None:
        inputs[0].write(inputs_path(path))
    return path


# an ensemble's table input: the distinct encoders, and each member's (start, stop) columns
TableInputs = tuple[OnnxInputs, list[tuple[int, int]]]


def _table_inputs(ensemble: NetworkEnsemble) -> TableInputs | None:
    """The encoders of table members, one block per distinct one; None for array members."""
    if not hasattr(ensemble.members[0], "encoder_"):
        return None
    states: list[str] = []
    encoders = []
    slices = []
    for member in ensemble.members:
        state = json.dumps(member.encoder_.to_state(), sort_keys=True)
        if state not in states:
            states.append(state)
            encoders.append(member.encoder_)
        block = states.index(state)
        start = sum(len(encoder.feature_names_) for encoder in encoders[:block])
        slices.append((start, start + len(encoders[block].feature_names_)))
    return OnnxInputs(encoders), slices


def _weighted_mean(
    g: Graph, ensemble: NetworkEnsemble, inputs: TableInputs | None, dtype: str
) -> str:
    """The sum of w_i * output_i over the members of positive weight (one: its output)."""
    terms = []
    for i, (member, weight) in enumerate(zip(ensemble.members, ensemble.weights, strict=True)):
        if weight == 0:
            continue
        x = "X"
        if inputs is not None and len(inputs[0].encoders) > 1:
            x = _columns(g, x, *inputs[1][i])
        out = _member_output(g, member, x, dtype)
        if len(ensemble.members) > 1:
            regression = ensemble.task != CLASSIFICATION  # a regressor's sums are float64
            out = g.op("Mul", out, g.const("weight", weight, "float64" if regression else dtype))
        terms.append(out)
    total = terms[0] if len(terms) == 1 else g.op("Sum", *terms)
    if ensemble.task == CLASSIFICATION:
        return total
    total = g.cast(total, dtype)
    if ensemble.members[0].y_mean_.ndim == 0:  # type: ignore[attr-defined]
        return g.op("Squeeze", total, g.const("axis1", [1], "int64"))  # predict's (m,)
    return total


def _columns(g: Graph, x: str, start: int, stop: int) -> str:
    """Columns start..stop of x."""
    ints = {"dtype": "int64"}
    starts, stops = g.const("start", [start], **ints), g.const("stop", [stop], **ints)
    return g.op("Slice", x, starts, stops, g.const("axis1", [1], **ints))


def _member_output(g: Graph, net: Network, x: str, dtype: str) -> str:
    """`predict_proba`'s (m, C) in dtype, or `predict`'s (m, k) float64 for a regressor."""
    A = network_output(g, net, x, dtype)  # (m, n[L])
    if net._task == CLASSIFICATION:
        if net.layer_dims_[-1] == 1:  # sigmoid: the columns 1 - A[L] and A[L]
            return g.op("Concat", g.op("Sub", g.const("one", 1.0, dtype), A), A, axis=1)
        return A
    y = g.op("Mul", g.cast(A, "float64"), g.const("y_scale", net.y_scale_))  # type: ignore[attr-defined]
    y = g.op("Add", y, g.const("y_mean", net.y_mean_))  # type: ignore[attr-defined]
    shift = net.y_shift_  # type: ignore[attr-defined]
    if shift is None:
        return y
    grown = g.op("Exp", g.op("Min", y, g.const("log_max", LOG_MAX)))
    return g.op("Max", g.op("Sub", grown, g.const("y_shift", shift)), g.const("zero", 0.0))


def _output_shape(ensemble: NetworkEnsemble, inputs: TableInputs | None) -> tuple[str, list[Any]]:
    """The output's name, and the input's columns then the output's dims after m."""
    member = ensemble.members[0]
    n_in = member.layer_dims_[0] if inputs is None else inputs[0].n_columns
    if ensemble.task == CLASSIFICATION:
        return "probabilities", [n_in, len(ensemble.classes_)]
    y_mean = member.y_mean_  # type: ignore[attr-defined]
    return "predictions", [n_in] if y_mean.ndim == 0 else [n_in, len(y_mean)]


def _describe(model: onnx.ModelProto, ensemble: NetworkEnsemble, inputs: str | None) -> None:
    """The metadata a user of the model needs: the task, the classes, how X is made."""
    props = {"dnnsearch.task": ensemble.task, "dnnsearch.inputs": inputs or "array"}
    if ensemble.task == CLASSIFICATION:
        classes = ensemble.classes_
        labels = classes.astype(str) if classes.dtype.kind == "O" else classes
        props["dnnsearch.classes"] = json.dumps(labels.tolist())
    helper.set_model_props(model, props)
    what = "an ensemble of networks" if len(ensemble.members) > 1 else "a network"
    model.doc_string = f"{what} ({ensemble.task}) exported by dnnsearch"
