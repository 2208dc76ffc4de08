"""The estimators without scikit-learn (`NetworkClassifier`, `NetworkRegressor`), their light
input checks, and their files shared with the scikit-learn faces (`DeepNetwork`,
`DeepNetworkRegressor`, `dnn.load`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dnn
from dnn import DeepNetwork, DeepNetworkRegressor, NetworkClassifier, NetworkRegressor
from dnn.inputs import NotFittedError

CONFIG: dict[str, Any] = {
    "hidden_layers": (6,),
    "activation": "tanh",
    "learning_rate": 0.3,
    "num_iterations": 60,
    "seed": 0,
}


def data(m: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X (m, 3), labels y from the sign of x1 + x2, and a numeric target."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    labels = np.where(X[:, 0] + X[:, 1] > 0, "up", "down")
    return X, labels, 2 * X[:, 0] - X[:, 2] + 1


def test_the_trial_path_imports_no_scikit_learn_scipy_or_pandas(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "import numpy as np\n"
        "from dnn import NetworkClassifier\n"
        "X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])\n"
        "net = NetworkClassifier(hidden_layers=(3,), num_iterations=5, seed=0)\n"
        "net.fit(X, [0, 1, 1, 0])\n"
        "assert net.predict(X).shape == (4,)\n"
        f"net.save({str(tmp_path / 'net.npz')!r})\n"
        "loaded = [name for name in ('sklearn', 'scipy', 'pandas') if name in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert (tmp_path / "net.npz").exists()


@pytest.mark.parametrize(
    ("light", "face", "target"),
    [(NetworkClassifier, DeepNetwork, 1), (NetworkRegressor, DeepNetworkRegressor, 2)],
)
def test_the_light_class_and_its_face_are_the_same_network(
    tmp_path: Path, light: type, face: type, target: int
) -> None:
    X, *targets = data()
    y = targets[target - 1]
    a, b = light(**CONFIG).fit(X, y), face(**CONFIG).fit(X, y)
    assert a.get_params() == b.get_params()
    for key, value in a.parameters_.items():
        np.testing.assert_array_equal(value, b.parameters_[key])
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    # one file format: each class loads what the other saved
    from_light = face.load(a.save(tmp_path / "light.npz"))
    from_face = light.load(b.save(tmp_path / "face.npz"))
    assert type(from_light) is face and type(from_face) is light
    np.testing.assert_array_equal(from_light.predict(X), a.predict(X))
    np.testing.assert_array_equal(from_face.predict(X), b.predict(X))
    assert type(dnn.load(tmp_path / "light.npz")) is face


def test_predict_proba_without_input_checks_is_the_same() -> None:
    X, y, _ = data()
    net = NetworkClassifier(**CONFIG).fit(X, y)
    np.testing.assert_array_equal(net.predict_proba(X, check_input=False), net.predict_proba(X))
    assert net.n_parameters_ == 6 * 4 + 1 * 7


def test_get_params_and_set_params() -> None:
    net = NetworkClassifier(learning_rate=0.1)
    assert net.get_params()["learning_rate"] == 0.1
    assert set(net.get_params()) == set(DeepNetwork().get_params())
    assert net.set_params(num_iterations=7, seed=3) is net
    assert (net.num_iterations, net.seed) == (7, 3)
    with pytest.raises(ValueError, match="invalid parameter 'learning_rat' for NetworkClassifier"):
        net.set_params(learning_rat=0.2)
    assert repr(net) == "NetworkClassifier(learning_rate=0.1, num_iterations=7, seed=3)"


X0, Y0, _ = data(m=6)


@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (X0[:, 0], Y0, r"X must be a 2-d array \(m, n_x\), got shape \(6,\)"),
        (X0[:0], Y0[:0], r"X must hold at least one example and one feature, got shape \(0, 3\)"),
        (
            np.where(np.arange(18).reshape(6, 3) == 4, np.nan, X0),
            Y0,
            "X row 1, column 1 is nan, not a",
        ),
        (np.where(np.arange(18).reshape(6, 3) == 4, np.inf, X0), Y0, "X row 1, column 1 is inf"),
        (X0.astype(str).astype(object) + "m", Y0, "X row 0, column 0 is '.*m', not a number"),
        (X0 + 1j, Y0, "X must hold real numbers, got complex128"),
        (X0, Y0[:-1], "X has 6 examples but y has 5 rows"),
        (X0, np.full(6, "up"), r"y has only one class \('up'\)"),
        (
            X0,
            np.arange(6) / 4,
            "y row 1 is 0.25, not a class .* a numeric target needs a regressor",
        ),
        (X0, np.array([0, 1, np.nan, 0, 1, 0]), "y row 2 is an empty label"),
        (X0, np.array([1, "a", 2, "b", 1, 2], dtype=object), "y mixes labels that cannot be"),
        (X0, np.zeros((6, 2)), r"y must be a 1-d array of labels \(m,\)"),
    ],
    ids=[
        "1d-X",
        "empty",
        "nan",
        "inf",
        "strings",
        "complex",
        "lengths",
        "one-class",
        "fractions",
        "nan-label",
        "mixed-labels",
        "2d-labels",
    ],
)
def test_the_light_checks_refuse_bad_data_in_one_line(X: Any, y: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match) as error:
        NetworkClassifier(**{**CONFIG, "num_iterations": 2}).fit(X, y)
    assert "\n" not in str(error.value)


def test_predict_checks_the_features_and_that_the_net_is_fitted() -> None:
    net = NetworkClassifier(**CONFIG)
    with pytest.raises(NotFittedError, match="this NetworkClassifier is not fitted yet"):
        net.predict(X0)
    assert not hasattr(net, "n_parameters_")
    net.fit(X0, Y0)
    with pytest.raises(ValueError, match="X has 2 features, but NetworkClassifier was fitted"):
        net.predict(X0[:, :2])
    assert net.predict(X0.tolist()).tolist() == net.predict(X0).tolist()


def test_a_fit_that_diverges_leaves_the_light_net_unfitted() -> None:
    X, _, target = data()
    net = NetworkRegressor(**{**CONFIG, "activation": "linear", "learning_rate": 1e6})
    with pytest.raises(dnn.TrainingDiverged):
        net.fit(X * 100, target * 1e3)
    assert not hasattr(net, "parameters_")


# -- files: tasks and the version before regression ---------------------------------------------


def rewrite_meta(path: Path, change: Any) -> Path:
    with np.load(path, allow_pickle=False) as data_:
        arrays = {key: data_[key] for key in data_.files}
    meta = json.loads(str(arrays["meta"]))
    change(meta)
    np.savez(path, **{**arrays, "meta": np.array(json.dumps(meta))})
    return path


def as_version_1(meta: dict) -> None:
    meta["format_version"] = 1
    del meta["task"]


def test_a_version_1_file_is_a_classifier_and_still_loads(tmp_path: Path) -> None:
    X, y, _ = data()
    net = DeepNetwork(**CONFIG).fit(X, y)
    path = rewrite_meta(net.save(tmp_path / "v1.npz"), as_version_1)
    for loaded in (DeepNetwork.load(path), NetworkClassifier.load(path), dnn.load(path)):
        assert type(loaded) in (DeepNetwork, NetworkClassifier)
        np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))
    assert type(dnn.load(path)) is DeepNetwork


def test_a_version_1_file_may_not_name_a_task(tmp_path: Path) -> None:
    X, y, _ = data()
    path = DeepNetwork(**CONFIG).fit(X, y).save(tmp_path / "v1.npz")
    rewrite_meta(path, lambda meta: meta.__setitem__("format_version", 1))
    with pytest.raises(ValueError, match="unknown meta field 'task'"):
        DeepNetwork.load(path)


@pytest.mark.parametrize(
    ("loader", "task", "expected"),
    [
        (DeepNetwork, "regression", "DeepNetworkRegressor.load"),
        (NetworkClassifier, "regression", "NetworkRegressor.load"),
        (DeepNetworkRegressor, "classification", "DeepNetwork.load"),
        (NetworkRegressor, "classification", "NetworkClassifier.load"),
    ],
)
def test_the_other_tasks_file_names_the_class_that_loads_it(
    tmp_path: Path, loader: type, task: str, expected: str
) -> None:
    X, y, target = data()
    if task == "regression":
        path = NetworkRegressor(**CONFIG).fit(X, target).save(tmp_path / "net.npz")
    else:
        path = NetworkClassifier(**CONFIG).fit(X, y).save(tmp_path / "net.npz")
    with pytest.raises(ValueError) as error:
        loader.load(path)
    assert str(error.value) == (
        f"{path}: this file holds a {task} network: load it with {expected} (or dnn.load)"
    )


@pytest.mark.parametrize(
    ("task", "match"),
    [
        ("clustering", "meta task must be one of classification, regression, got 'clustering'"),
        (None, "meta task must be one of classification, regression, got None"),
    ],
)
def test_a_bad_task_is_refused(tmp_path: Path, task: Any, match: str) -> None:
    X, y, _ = data()
    path = NetworkClassifier(**CONFIG).fit(X, y).save(tmp_path / "net.npz")
    rewrite_meta(path, lambda meta: meta.__setitem__("task", task))
    with pytest.raises(ValueError, match=match):
        dnn.load(path)
