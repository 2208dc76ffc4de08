"""`dnnsearch export`: a study's final model in onnxruntime gives what `predict` gives.

To 1e-6 in float64 and 1e-4 in float32 (the layers' dtype), for networks and ensembles, of
tables (through the encoding written beside the model) and of arrays, and for every built-in
study trained on a tiny budget. Skipped without onnx and onnxruntime (the `onnx` extra).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from made_studies import STUDIES, Made, new_rows

from search import SearchSpace, best_config, run_study
from studies.cli import main
from studies.datasets import load_dataset
from studies.files import read_table
from studies.loader import builtin_studies, load_study_spec

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

TOLERANCE = {"float64": 1e-6, "float32": 1e-4}
TINY_SPACE = {"num_iterations": {"low": 5, "high": 10, "step": 5}, "n_units": {"low": 2, "high": 8}}


def export(name: str, storage: str, out, *args: str) -> int:
    return main(
        ["export", name, "--format", "onnx", "--out", str(out), "--storage", storage, *args]
    )


def onnx_output(path, x) -> np.ndarray:
    """The model's output for raw rows: a table encoded by the JSON beside it first."""
    from dnn.onnx_inputs import OnnxInputs, inputs_path

    if isinstance(x, pd.DataFrame):
        x = OnnxInputs.read(inputs_path(path)).transform(x)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"X": np.asarray(x, dtype=np.float64)})[0]


def expected(net, x) -> np.ndarray:
    return net.predict_proba(x) if hasattr(net, "classes_") else net.predict(x)


def check_same(path, net, x, dtype: str) -> None:
    found, wanted = onnx_output(path, x), expected(net, x)
    assert found.shape == wanted.shape
    tolerance = TOLERANCE[dtype]
    np.testing.assert_allclose(found, wanted, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", [n for n in STUDIES if n != "hostile"])
def test_the_onnx_model_predicts_what_predict_does(made: Made, tmp_path, capsys, name, dtype):
    out = tmp_path / "model.onnx"
    assert export(name, made.storage(name), out, "--dtype", dtype) == 0
    said = capsys.readouterr().out
    assert f"written to {out} (ONNX opset 21, {dtype}" in said
    if name.endswith("arrays"):
        x = np.load(made.folder / f"{name}.npz")["X"][:80]
        assert not (tmp_path / "model.inputs.json").exists() and "inputs.json" not in said
    else:
        new_rows().to_csv(tmp_path / "new.csv", index=False)
        x = read_table(tmp_path / "new.csv")  # shuffled columns, empty cells, an extra one
        assert (tmp_path / "model.inputs.json").is_file() and "model.inputs.json" in said
    check_same(out, made.network(name), x, dtype)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_without_onnx_the_export_says_how_to_install_it(made, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` fails as if not installed
    monkeypatch.delitem(sys.modules, "dnn.onnx_export", raising=False)
    monkeypatch.delitem(sys.modules, "dnn.onnx_graph", raising=False)
    assert export("cls_one", made.storage("cls_one"), tmp_path / "m.onnx") == 2
    err = capsys.readouterr().err
    assert err == 'dnnsearch: error: export needs the onnx package: pip install "dnnsearch[onnx]"\n'
    assert not list(tmp_path.iterdir())


def test_a_failed_export_writes_nothing(made, tmp_path, capsys, monkeypatch):
    import dnn.onnx_inputs

    def broken(self, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dnn.onnx_inputs.OnnxInputs, "write", broken)
    (tmp_path / "m.onnx").write_text("the old model")
    assert export("cls_one", made.storage("cls_one"), tmp_path / "m.onnx") == 2
    assert "No space left on device" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]
    assert (tmp_path / "m.onnx").read_text() == "the old model"
    assert export("cls_one", made.storage("cls_one"), tmp_path / "no" / "m.onnx") == 2
    assert "--out: no folder" in capsys.readouterr().err
    assert main(["export", "cls_one", "--format", "pmml", "--out", "m"]) == 2
    assert "invalid choice: 'pmml'" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(builtin_studies()))
def test_every_builtin_studys_model_runs_in_onnxruntime(tmp_path, capsys, monkeypatch, name):
    """Each built-in study, on a tiny budget, exported in both dtypes (a few seconds in all)."""
    monkeypatch.chdir(tmp_path)  # the trials' networks go under ./runs
    storage = str(tmp_path / "journal.log")
    spec = load_study_spec(name).replace(
        n_trials=2,
        timeout=None,
        n_jobs=1,
        cv_folds=0,
        storage=storage,
        space=SearchSpace.from_dict(TINY_SPACE),
    )
    run_study(spec, load_dataset, progress=None)
    data = load_dataset(spec)
    net = best_config(name, storage).load_network()
    x = data.X[:300] if isinstance(data.X, np.ndarray) else data.X.iloc[:300]
    for dtype in TOLERANCE:
        out = tmp_path / f"{name}.{dtype}.onnx"
        assert export(name, storage, out, "--dtype", dtype) == 0
        check_same(out, net, x, dtype)
