"""ONNX export (`to_onnx`, `dnn.onnx_export`): onnxruntime's output of the exported model
(float64 rows in) matches `predict_proba` / `predict` to 1e-6 in float64 and 1e-4 in float32
(the layers' dtype), for every
activation, both tasks, each input scaling, a log target, ensembles and tables (through the
encoding written beside the model, `dnn.onnx_inputs`). Skipped without onnx and onnxruntime."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from raw_rows import raw_table

from dnn import NetworkClassifier, NetworkEnsemble, NetworkRegressor, load
from dnn.activations import HIDDEN_ACTIVATIONS
from dnn.inputs import NotFittedError
from dnn.scaling import SCALINGS

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from dnn.onnx_graph import OPSET  # noqa: E402  (imports onnx: after the skip)
from dnn.onnx_inputs import OnnxInputs, inputs_path  # noqa: E402

TOLERANCE = {"float64": 1e-6, "float32": 1e-4}
TASKS = ("binary", "classes", "regression", "log")


def features(m: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack(
        [rng.normal(0, 1, m), rng.standard_t(2, m) * 3, rng.lognormal(0, 1, m), rng.random(m)]
    )


def targets(task: str, X: np.ndarray) -> np.ndarray:
    if task == "binary":
        return np.where(X[:, 0] + X[:, 3] > 0.5, "yes", "no")
    if task == "classes":
        return np.digitize(X[:, 0], [-0.5, 0.5])  # three classes 0, 1, 2
    if task == "log":
        return np.exp(X[:, 0] + np.log(X[:, 2]))
    return 3 * X[:, 0] - X[:, 3]


def network(task: str, **kwargs: Any) -> NetworkClassifier | NetworkRegressor:
    cls = NetworkClassifier if task in ("binary", "classes") else NetworkRegressor
    settings: dict[str, Any] = dict(num_iterations=30, learning_rate=0.01, optimizer="adam")
    if task == "log":
        settings["target_scale"] = "log"
    return cls(**{**settings, **kwargs})


def run(path: Path, X: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"X": X})[0]


def expected(model: Any) -> Any:
    return model.predict_proba if hasattr(model, "classes_") else model.predict


def assert_matches(model: Any, path: Path, X: Any, X_onnx: np.ndarray, dtype: str) -> None:
    found, wanted = run(path, X_onnx), expected(model)(X)
    assert found.dtype == np.dtype(dtype) and found.shape == wanted.shape
    tolerance = TOLERANCE[dtype]
    np.testing.assert_allclose(found, wanted, rtol=tolerance, atol=tolerance)


CASES = list(itertools.product(HIDDEN_ACTIVATIONS, TASKS, ["float64", "float32"]))


@pytest.mark.parametrize("scaling", [None, *SCALINGS])
@pytest.mark.parametrize(("activation", "task", "dtype"), CASES)
def test_a_network_runs_in_onnxruntime_as_in_numpy(
    tmp_path: Path, activation: str, task: str, dtype: str, scaling: str | None
) -> None:
    """Rows inside and far outside the training range (the clips and the quantile tails)."""
    X = features(120, 0)
    new = np.vstack([features(60, 1), features(20, 2) * 8])
    scaled = {"normalize": True, "scaling": scaling} if scaling else {}
    net = network(task, hidden_layers=(7, 5), activation=activation, dtype=dtype, seed=0)
    net.set_params(**scaled).fit(X, targets(task, X))
    path = net.to_onnx(tmp_path / "net.onnx")
    assert not inputs_path(path).exists()  # an array network needs no description
    assert_matches(net, path, new, new, dtype)


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_an_ensemble_is_its_weighted_mean_in_onnxruntime(
    tmp_path: Path, task: str, dtype: str
) -> None:
    """Members of several scalings and depths; a member of weight 0 is left out."""
    X, new = features(150, 3), features(80, 4) * 2
    members = [
        network(task, hidden_layers=hidden, seed=i, dtype=dtype, normalize=True, scaling=kind).fit(
            X[i::2], targets(task, X[i::2])
        )
        for i, (hidden, kind) in enumerate(
            [((6,), "standard"), ((5, 4), "robust"), ((), "quantile"), ((3,), "standard")]
        )
    ]
    ensemble = NetworkEnsemble(members, [0.4, 0.35, 0.25, 0.0])
    path = ensemble.to_onnx(tmp_path / "ensemble.onnx")
    assert_matches(ensemble, path, new, new, dtype)
    gemms = [node for node in onnx.load(path).graph.node if node.op_type == "Gemm"]
    assert len(gemms) == 2 + 3 + 1  # the layers of the members of positive weight


def test_a_float64_network_exported_as_float32(tmp_path: Path) -> None:
    X = features(100, 5)
    net = network("classes", hidden_layers=(6,), seed=0, normalize=True, scaling="quantile")
    path = net.fit(X, targets("classes", X)).to_onnx(tmp_path / "single.onnx", dtype="float32")
    assert_matches(net, path, X, X, "float32")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("k", [1, 3])
def test_a_table_model_reads_the_encoding_written_beside_it(
    tmp_path: Path, dtype: str, k: int
) -> None:
    """One table network, or an ensemble of three fitted on different folds (three
    encoders, three blocks of the input; numbers binned or not): raw rows (shuffled columns,
    an extra one, a level never seen) encoded by the description give `predict_proba`'s
    probabilities."""
    frame, label = raw_table(200, 0)
    nets = [
        NetworkClassifier((5,), num_iterations=40, seed=i, dtype=dtype, normalize=True)
        .set_params(scaling=SCALINGS[i % 3], numeric_bins=(8, 0, 16)[i % 3])
        .fit(frame.iloc[i::k], label[i::k])
        for i in range(k)
    ]
    model: Any = nets[0] if k == 1 else NetworkEnsemble(nets, [0.5, 0.25, 0.25])
    path = model.to_onnx(tmp_path / "table.onnx")
    inputs = OnnxInputs.read(inputs_path(path))
    assert len(inputs.encoders) == k
    new, _ = raw_table(50, 1)
    new = new[["flag", "size", "colour"]].assign(other=1.0)
    new.loc[3, "colour"] = "purple"
    X = inputs.transform(new)
    assert X.dtype == np.float64 and X.shape == (50, inputs.n_columns)
    assert_matches(model, path, new, X, dtype)
    props = {p.key: p.value for p in onnx.load(path).metadata_props}
    assert props["dnnsearch.inputs"] == "table.inputs.json"


def test_the_model_says_its_opset_task_classes_and_input(tmp_path: Path) -> None:
    X = features(60, 6)
    net = network("binary", hidden_layers=(4, 3), seed=0).fit(X, targets("binary", X))
    model = onnx.load(net.to_onnx(tmp_path / "net.onnx"))
    assert [(o.domain, o.version) for o in model.opset_import] == [("", OPSET)] and OPSET == 21
    onnx.checker.check_model(model, full_check=True)
    props = {p.key: p.value for p in model.metadata_props}
    assert props == {
        "dnnsearch.task": "classification",
        "dnnsearch.inputs": "array",
        "dnnsearch.classes": json.dumps(["no", "yes"]),
    }
    ops = [node.op_type for node in model.graph.node]
    assert ops.count("Gemm") == 3 and ops.count("Relu") == 2 and ops.count("Sigmoid") == 1
    (x,) = model.graph.input
    assert x.name == "X" and [d.dim_param or d.dim_value for d in x.type.tensor_type.shape.dim] == [
        "m",
        4,
    ]
    assert [output.name for output in model.graph.output] == ["probabilities"]


def test_a_loaded_network_exports_as_the_one_saved(tmp_path: Path) -> None:
    X = features(80, 7)
    net = network("log", hidden_layers=(5,), seed=0, normalize=True, scaling="robust")
    net.fit(X, targets("log", X))
    loaded = load(net.save(tmp_path / "net.npz"))
    assert_matches(net, loaded.to_onnx(tmp_path / "loaded.onnx"), X, X, "float64")


def test_an_unfitted_network_is_not_exported(tmp_path: Path) -> None:
    with pytest.raises(NotFittedError):
        NetworkClassifier().to_onnx(tmp_path / "net.onnx")
    assert not (tmp_path / "net.onnx").exists()


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ({"format": "other"}, "not a dnnsearch-onnx-inputs description"),
        (
            {"format": "dnnsearch-onnx-inputs", "version": 1, "n_columns": 1, "blocks": []},
            "blocks must be a non-empty list",
        ),
        (
            {"format": "dnnsearch-onnx-inputs", "version": 1, "n_columns": 1, "blocks": [{}]},
            'blocks[0] must be {"encoder": <state>}',
        ),
    ],
)
def test_a_bad_description_is_refused_in_one_line(
    tmp_path: Path, description: dict, expected: str
) -> None:
    path = tmp_path / "model.inputs.json"
    path.write_text(json.dumps(description))
    with pytest.raises(ValueError) as error:
        OnnxInputs.read(path)
    assert str(error.value).startswith(f"{path}: {expected}")
