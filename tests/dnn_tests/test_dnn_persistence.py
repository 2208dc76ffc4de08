"""`DeepNetwork.load` checks what it reads: each bad file, built by hand from a good one,
is refused with one line naming the file and the problem; strings in a file stay data."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from dnn import DeepNetwork
from dnn.metadata import FORMAT_VERSION

Arrays = dict[str, Any]  # the file's arrays, with "meta" as a parsed dict


def blobs(labels: list, n_per_class: int = 20) -> tuple[np.ndarray, np.ndarray]:
    centers = [(4.0 * np.cos(k), 4.0 * np.sin(k)) for k in range(len(labels))]
    X, index = make_blobs(
        n_samples=[n_per_class] * len(labels), centers=centers, cluster_std=0.6, random_state=0
    )
    return X, np.asarray(labels)[index]


def fitted(labels: list, **kwargs: Any) -> tuple[DeepNetwork, np.ndarray]:
    X, y = blobs(labels)
    config = {"hidden_layers": (8,), "activation": "tanh", "learning_rate": 0.3}
    net = DeepNetwork(**{**config, "num_iterations": 30, "seed": 0, **kwargs})
    return net.fit(X, y), X


@pytest.fixture(scope="module")
def good_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two classes, one hidden layer of 8 (W1 (8, 2), W2 (1, 8)), normalized inputs."""
    net, _ = fitted([0, 1], normalize=True)
    return net.save(tmp_path_factory.mktemp("good") / "good.npz")


def read(path: Path) -> Arrays:
    with np.load(path, allow_pickle=False) as data:
        arrays: Arrays = {key: data[key] for key in data.files}
    arrays["meta"] = json.loads(str(arrays["meta"]))
    return arrays


def write(path: Path, arrays: Arrays) -> Path:
    if isinstance(arrays.get("meta"), dict | list):
        arrays = {**arrays, "meta": np.array(json.dumps(arrays["meta"]))}
    np.savez(path, **arrays)
    return path


def assert_refused(path: Path, expected: str) -> None:
    with pytest.raises(ValueError) as error:
        DeepNetwork.load(path)
    message = str(error.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message
    assert expected in message, message


def test_the_good_file_loads(good_file: Path) -> None:
    loaded = DeepNetwork.load(good_file)
    assert loaded.layer_dims_ == [2, 8, 1] and loaded.x_mean_ is not None


# -- files that are not an npz ---------------------------------------------------------------


def test_a_npy_named_npz(tmp_path: Path) -> None:
    np.save(tmp_path / "W.npy", np.ones((2, 2)))
    path = (tmp_path / "W.npy").rename(tmp_path / "net.npz")
    assert_refused(path, "not an .npz archive (it is a single .npy array)")


def test_a_text_file(tmp_path: Path) -> None:
    path = tmp_path / "net.npz"
    path.write_text("W1 = [[1, 2]]\n")
    assert_refused(path, "not an .npz archive (not a zip file)")


def test_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "net.npz"
    path.touch()
    assert_refused(path, "not an .npz archive (the file is empty)")


@pytest.mark.parametrize("keep", [0.5, 0.95])
def test_a_truncated_npz(good_file: Path, tmp_path: Path, keep: float) -> None:
    data = good_file.read_bytes()
    path = tmp_path / "net.npz"
    path.write_bytes(data[: int(len(data) * keep)])
    assert_refused(path, "damaged .npz archive (BadZipFile")


def test_a_member_that_is_not_a_npy_array(good_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "net.npz"
    with zipfile.ZipFile(good_file) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.namelist():
            target.writestr(item, source.read(item))
        target.writestr("notes.txt", b"trained on a Tuesday")
    assert_refused(path, "member 'notes.txt' is not a .npy array")


def test_an_array_that_needs_pickle_is_not_unpickled(good_file: Path, tmp_path: Path) -> None:
    arrays = read(good_file)
    buffer = io.BytesIO()
    np.save(buffer, np.array([0, {"a": 1}], dtype=object), allow_pickle=True)
    path = write(tmp_path / "net.npz", {k: v for k, v in arrays.items() if k != "classes"})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("classes.npy", buffer.getvalue())
    assert_refused(path, "cannot read array 'classes' (ValueError: Object arrays cannot be loaded")


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        DeepNetwork.load(tmp_path / "nothing.npz")


# -- bad contents, each made from the good file ----------------------------------------------


def drop(key: str) -> Callable[[Arrays], None]:
    return lambda arrays: arrays.pop(key)


def put(key: str, value: Any) -> Callable[[Arrays], None]:
    return lambda arrays: arrays.__setitem__(key, value)


def in_meta(key: str, value: Any) -> Callable[[Arrays], None]:
    return lambda arrays: arrays["meta"].__setitem__(key, value)


def in_config(key: str, value: Any) -> Callable[[Arrays], None]:
    return lambda arrays: arrays["meta"]["config"].__setitem__(key, value)


def scale(key: str, factor: float) -> Callable[[Arrays], None]:
    return lambda arrays: arrays.__setitem__(key, arrays[key] * factor)


BAD_CONTENTS: list[tuple[str, Callable[[Arrays], None], str]] = [
    ("no meta", drop("meta"), "no 'meta' array"),
    ("meta not JSON", put("meta", np.array("{config: ")), "'meta' is not valid JSON"),
    ("meta a list", put("meta", ["format_version", 1]), "'meta' must be a JSON object, got list"),
    ("meta not a string", put("meta", np.ones(3)), "'meta' must be one JSON string"),
    (
        "newer format",
        in_meta("format_version", FORMAT_VERSION + 1),
        f"format_version {FORMAT_VERSION + 1} is newer than this code reads ({FORMAT_VERSION})",
    ),
    ("format as text", in_meta("format_version", "1"), "format_version must be an integer >= 1"),
    ("meta key missing", lambda a: a["meta"].pop("n_iter"), "missing meta field 'n_iter'"),
    ("meta key unknown", in_meta("trained_by", "me"), "unknown meta field 'trained_by'"),
    ("config not a dict", in_meta("config", [1]), "meta config must be a JSON object, got [1]"),
    ("config key unknown", in_config("learning_rat", 0.1), "config: unknown key 'learning_rat'"),
    ("callback saved", in_config("callback", None), "config: unknown key 'callback'"),
    (
        "rule refuses a value",
        in_config("learning_rate", -1),
        "config: learning_rate must be a number >= 0, got -1",
    ),
    ("NaN rate", in_config("learning_rate", float("nan")), "config: learning_rate must be"),
    (
        "rule refuses a choice",
        in_config("optimizer", "sgd"),
        "config: optimizer must be one of gd, momentum, adam, got 'sgd'",
    ),
    (
        "rule refuses a unit",
        in_config("hidden_layers", [0]),
        "config: hidden_layers: n_units must be an integer in [1, 1e+06], got 0",
    ),
    (
        "hidden_layers a number",
        in_config("hidden_layers", 8),
        "config: hidden_layers must be a list of units, got 8",
    ),
    (
        "unknown activation in config",
        in_config("activation", "swish"),
        "config: activation must be one of relu",
    ),
    (
        "seed as text",
        in_config("seed", "0"),
        "config: seed must be null or an integer >= 0, got '0'",
    ),
    ("normalize as 1", in_config("normalize", 1), "config: normalize must be true or false"),
    ("unknown array", put("notes", np.ones(1)), "unexpected array 'notes'"),
    ("W0", put("W0", np.ones((2, 2))), "unexpected array 'W0'"),
    ("W01", put("W01", np.ones((8, 2))), "unexpected array 'W01'"),
    ("classes missing", drop("classes"), "missing array 'classes'"),
    ("W2 missing", drop("W2"), "missing array 'W2' (the file has layers up to 2)"),
    ("b1 missing", drop("b1"), "missing array 'b1'"),
    ("an extra W3", put("W3", np.ones((1, 1))), "missing array 'b3' (the file has layers up to 3)"),
    (
        "an extra layer 3",
        lambda a: a.update(W3=np.ones((1, 1)), b3=np.zeros((1, 1))),
        "meta activations: activations must name one activation per layer (L=3), got 2",
    ),
    ("W1 a vector", put("W1", np.ones(8)), "W1 must be a non-empty 2-d array, got shape (8,)"),
    ("W1 empty", put("W1", np.ones((0, 2))), "W1 must be a non-empty 2-d array, got shape (0, 2)"),
    (
        "W2 disagrees with W1",
        put("W2", np.ones((1, 7))),
        "W2 has shape (1, 7) but W1 gives n[1] = 8 units",
    ),
    ("b1 flat", put("b1", np.zeros(8)), "b1 must have shape (8, 1) to match W1, got (8,)"),
    ("b2 too long", put("b2", np.zeros((2, 1))), "b2 must have shape (1, 1) to match W2"),
    (
        "n_features_in disagrees",
        in_meta("n_features_in", 3),
        "n_features_in is 3 but W1 has 2 columns (n[0])",
    ),
    (
        "n_features_in zero",
        in_meta("n_features_in", 0),
        "meta n_features_in must be an integer >= 1, got 0",
    ),
    ("n_iter negative", in_meta("n_iter", -1), "meta n_iter must be an integer >= 0, got -1"),
    ("W NaN", scale("W1", float("nan")), "W1 holds NaN or infinite values"),
    ("b inf", scale("b2", float("inf")), "b2 holds NaN or infinite values"),
    (
        "W integers",
        lambda a: a.update(W1=a["W1"].astype(np.int64)),
        "W1 must be one of float64, float32, got int64",
    ),
    (
        "W complex",
        lambda a: a.update(W1=a["W1"].astype(complex)),
        "W1 must be one of float64, float32, got complex128",
    ),
    (
        "three activations",
        in_meta("activations", ["tanh", "tanh", "sigmoid"]),
        "meta activations: activations must name one activation per layer (L=2), got 3",
    ),
    (
        "unknown hidden activation",
        in_meta("activations", ["swish", "sigmoid"]),
        "meta activations: activation must be one of relu, leaky_relu, tanh, sigmoid, linear, "
        "got 'swish'",
    ),
    (
        "unknown output activation",
        in_meta("activations", ["tanh", "relu"]),
        "unknown output activation 'relu'",
    ),
    (
        "activations a string",
        in_meta("activations", "tanh"),
        "meta activations must be a list of names, got 'tanh'",
    ),
    (
        "softmax for two classes",
        in_meta("activations", ["tanh", "softmax"]),
        "the output activation is 'softmax' but 2 classes need 'sigmoid'",
    ),
    (
        "three classes, one output unit",
        put("classes", np.array([0, 1, 2])),
        "the output layer has n[L] = 1 units but 3 classes need 3",
    ),
    ("one class", put("classes", np.array([0])), "classes must hold at least 2 labels, got 1"),
    ("a class twice", put("classes", np.array([1, 1])), "classes holds a label twice"),
    ("classes 2-d", put("classes", np.array([[0, 1]])), "classes must be a 1-d array of labels"),
    ("a NaN class", put("classes", np.array([0.0, np.nan])), "classes holds NaN or infinite"),
    ("x_mean too long", put("x_mean", np.zeros(3)), "x_mean must be a float array of shape (2,)"),
    ("x_scale 2-d", put("x_scale", np.ones((2, 1))), "x_scale must be a float array of shape (2,)"),
    ("x_mean as text", put("x_mean", np.array(["a", "b"])), "x_mean must be a float array"),
    ("x_scale alone", drop("x_mean"), "array 'x_scale' without 'x_mean'"),
    ("x_scale zero", scale("x_scale", 0.0), "x_scale must be positive"),
    ("x_mean NaN", scale("x_mean", float("nan")), "x_mean holds NaN or infinite values"),
    ("costs 2-d", put("costs", np.ones((1, 2))), "costs must be a 1-d float array"),
    (
        "cost_iterations shorter",
        put("cost_iterations", np.array([0])),
        "cost_iterations must be integers of shape",
    ),
    (
        "feature names miscounted",
        in_meta("feature_names_in", ["height"]),
        "meta has 1 feature names for 2 features",
    ),
]


@pytest.mark.parametrize(
    ("change", "expected"),
    [(change, expected) for _, change, expected in BAD_CONTENTS],
    ids=[name for name, _, _ in BAD_CONTENTS],
)
def test_bad_contents_are_refused(
    good_file: Path, tmp_path: Path, change: Callable[[Arrays], None], expected: str
) -> None:
    arrays = read(good_file)
    change(arrays)
    assert_refused(write(tmp_path / "bad.npz", arrays), expected)


def test_a_three_class_file_needs_softmax_and_three_units(tmp_path: Path) -> None:
    net, _ = fitted([0, 1, 2])
    arrays = read(net.save(tmp_path / "three.npz"))
    arrays["meta"]["activations"] = ["tanh", "sigmoid"]
    assert_refused(write(tmp_path / "bad.npz", arrays), "3 classes need 'softmax'")
    arrays = read(net.save(tmp_path / "three.npz"))
    arrays["classes"] = np.array([0, 1])
    assert_refused(write(tmp_path / "bad.npz", arrays), "has n[L] = 3 units but 2 classes need 1")


def test_a_hostile_key_is_named_on_one_line(good_file: Path, tmp_path: Path) -> None:
    arrays = read(good_file)
    arrays["meta"]["config"]["x\n=cmd|' /C calc'!A0"] = 1
    assert_refused(write(tmp_path / "bad.npz", arrays), "unknown key \"x\\n=cmd|' /C calc'!A0\"")


# -- what still loads ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "kwargs"),
    [
        ([0, 1], {"normalize": True}),
        (["a", "b", "c"], {"hidden_layers": (4, 3), "activation": ["relu", "leaky_relu"]}),
        ([2.0, -1.0], {"dtype": "float32", "seed": None}),
    ],
)
def test_round_trip(tmp_path: Path, labels: list, kwargs: dict) -> None:
    net, X = fitted(labels, **kwargs)
    loaded = DeepNetwork.load(net.save(tmp_path / "net.npz"))
    assert loaded.get_params() == net.get_params()
    for key, value in net.parameters_.items():
        np.testing.assert_array_equal(loaded.parameters_[key], value)
        assert loaded.parameters_[key].dtype == value.dtype
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))


def test_hostile_strings_load_as_plain_data(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    formula, multiline = "=cmd|' /C calc'!A0", 'first line\nsecond line\r\n{"meta": 1}'
    X, y = blobs([formula, multiline])
    frame = pd.DataFrame(X, columns=['=HYPERLINK("x")', "a\nb"])
    net = DeepNetwork(hidden_layers=(4,), num_iterations=30, seed=0).fit(frame, y)
    loaded = DeepNetwork.load(net.save(tmp_path / "hostile.npz"))
    assert sorted(loaded.classes_.tolist()) == sorted([formula, multiline])
    assert set(loaded.predict(frame)) <= {formula, multiline}
    np.testing.assert_array_equal(loaded.predict(frame), net.predict(frame))
    assert list(loaded.feature_names_in_) == ['=HYPERLINK("x")', "a\nb"]


def test_an_older_file_without_new_config_keys_loads(good_file: Path, tmp_path: Path) -> None:
    arrays = read(good_file)
    for key in ("decay_rate", "normalize", "verbose"):
        del arrays["meta"]["config"][key]
    loaded = DeepNetwork.load(write(tmp_path / "old.npz", arrays))
    assert loaded.get_params()["decay_rate"] == 0.0


def test_load_network_reads_either_task_without_scikit_learn(tmp_path: Path) -> None:
    """`dnn.load_network` (a study's final scoring) gives the network a file holds,
    as the class of its saved task, predicting as `dnn.load`'s does, and imports no
    scikit-learn."""
    import subprocess
    import sys

    import dnn
    from dnn import NetworkClassifier, NetworkRegressor, load_network

    x, labels = make_blobs(n_samples=60, centers=3, n_features=4, random_state=0)
    classifier = NetworkClassifier(hidden_layers=(5,), num_iterations=20, seed=0).fit(x, labels)
    regressor = NetworkRegressor(hidden_layers=(5,), num_iterations=20, seed=0).fit(x, x[:, 0])
    for net, kind in ((classifier, NetworkClassifier), (regressor, NetworkRegressor)):
        path = tmp_path / f"{kind.__name__}.npz"
        net.save(path)
        loaded = load_network(path)
        assert type(loaded) is kind
        np.testing.assert_array_equal(loaded.predict(x), dnn.load(path).predict(x))
    code = (
        f"from dnn import load_network; import sys; load_network({str(path)!r}); "
        "print(sorted(m for m in sys.modules if m.startswith('sklearn')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
