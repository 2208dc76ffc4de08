"""`DeepNetwork`: scikit-learn's estimator checks, labels, float32, persistence, bad input."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from dnn import DeepNetwork, TrainingDiverged, count_parameters, forward


# Every scikit-learn check passes for both configurations, so `expected_failed_checks` is
# empty. The one check reported as skipped, `check_array_api_input`, is skipped by
# scikit-learn itself: it only runs when the SCIPY_ARRAY_API environment variable is set.
@parametrize_with_checks(
    [
        DeepNetwork(hidden_layers=(8,), num_iterations=200, learning_rate=0.1, seed=0),
        DeepNetwork(
            hidden_layers=(6, 4),
            activation=("tanh", "leaky_relu"),
            optimizer="adam",
            mini_batch_size=16,
            num_iterations=50,
            learning_rate=0.01,
            lambd=0.01,
            keep_prob=0.9,
            input_keep_prob=0.95,
            dtype="float32",
            seed=1,
        ),
    ],
    expected_failed_checks=lambda estimator: {},
)
def test_scikit_learn_estimator_checks(estimator: DeepNetwork, check: Callable) -> None:
    check(estimator)


def blobs(labels: list, n_per_class: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Well separated blobs X (m, 2), one per label, with y holding the labels themselves."""
    centers = [(4.0 * np.cos(k), 4.0 * np.sin(k)) for k in range(len(labels))]
    X, index = make_blobs(
        n_samples=[n_per_class] * len(labels), centers=centers, cluster_std=0.6, random_state=seed
    )
    return X, np.asarray(labels)[index]


def small_net(**kwargs: Any) -> DeepNetwork:
    config = {
        "hidden_layers": (8,),
        "activation": "tanh",
        "learning_rate": 0.3,
        "num_iterations": 150,
        "seed": 0,
    }
    return DeepNetwork(**{**config, **kwargs})


# -- labels and probabilities ------------------------------------------------------------------


@pytest.mark.parametrize(
    "labels",
    [["cat", "dog"], [3, 7, 9], [-1, 1], ["b", "d", "a", "c"], [1.0, 0.0]],
    ids=["str-binary", "int-3", "int-binary", "str-4-unsorted", "float-binary"],
)
def test_any_label_values_come_back_from_predict(labels: list) -> None:
    X, y = blobs(labels)
    net = small_net().fit(X, y)
    np.testing.assert_array_equal(net.classes_, np.sort(labels))
    predicted = net.predict(X)
    assert predicted.shape == y.shape
    assert predicted.dtype.kind == y.dtype.kind
    assert set(predicted) <= set(labels)
    assert net.score(X, y) == np.mean(predicted == y) >= 0.95
    proba = net.predict_proba(X)
    assert proba.shape == (len(y), len(labels))
    assert (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(net.classes_[np.argmax(proba, axis=1)], predicted)
    for k, label in enumerate(net.classes_):  # column k is the probability of classes_[k]
        assert proba[y == label, k].mean() > 0.8
    expected_outputs = 1 if len(labels) == 2 else len(labels)
    assert net.layer_dims_ == [2, 8, expected_outputs]
    assert net.activations_[-1] == ("sigmoid" if len(labels) == 2 else "softmax")


def test_binary_prediction_is_class_one_where_al_exceeds_one_half() -> None:
    X, y = blobs(["no", "yes"])
    net = small_net(num_iterations=5).fit(X, y)
    proba = net.predict_proba(X)
    np.testing.assert_array_equal(net.predict(X) == "yes", proba[:, 1] > 0.5)
    np.testing.assert_allclose(proba[:, 0], 1 - proba[:, 1], rtol=0, atol=1e-15)


def test_xor_through_the_estimator() -> None:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array(["even", "odd", "odd", "even"])
    net = DeepNetwork(
        hidden_layers=(4,),
        activation="tanh",
        learning_rate=1.0,
        num_iterations=2000,
        init="xavier",
        seed=0,
    ).fit(X, y)
    np.testing.assert_array_equal(net.predict(X), y)


def test_predict_before_fit_raises_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        small_net().predict(np.ones((2, 2)))


def test_n_parameters_counts_weights_and_biases() -> None:
    assert count_parameters([2, 8, 1]) == 8 * 3 + 1 * 9
    X, y = blobs([0, 1, 2])
    assert small_net(num_iterations=1).fit(X, y).n_parameters_ == 8 * 3 + 3 * 9


# -- reproducibility and dtypes ----------------------------------------------------------------


def test_same_seed_is_bit_identical_and_another_seed_differs() -> None:
    X, y = blobs([0, 1, 2])
    kwargs = {"optimizer": "adam", "mini_batch_size": 16, "learning_rate": 0.01, "cost_every": 10}
    first, again = small_net(seed=7, **kwargs).fit(X, y), small_net(seed=7, **kwargs).fit(X, y)
    for key in first.parameters_:
        np.testing.assert_array_equal(first.parameters_[key], again.parameters_[key])
    np.testing.assert_array_equal(first.costs_, again.costs_)
    other = small_net(seed=8, **kwargs).fit(X, y)
    assert not np.array_equal(first.parameters_["W1"], other.parameters_["W1"])
    assert not np.array_equal(first.costs_, other.costs_)


def test_float32_end_to_end_and_close_to_float64() -> None:
    X, y = blobs(["a", "b", "c"])
    net32 = small_net(dtype="float32", num_iterations=10, lambd=0.1).fit(X, y)
    net64 = small_net(dtype="float64", num_iterations=10, lambd=0.1).fit(X, y)
    assert {value.dtype for value in net32.parameters_.values()} == {np.dtype(np.float32)}
    for X_in in (X, X.astype(np.float32)):
        assert net32.predict_proba(X_in).dtype == np.float32
    assert net64.predict_proba(X.astype(np.float32)).dtype == np.float64
    for key in net64.parameters_:
        np.testing.assert_allclose(
            net32.parameters_[key], net64.parameters_[key], rtol=1e-4, atol=1e-5
        )
    np.testing.assert_allclose(net32.costs_, net64.costs_, rtol=1e-5)
    np.testing.assert_allclose(net32.predict_proba(X), net64.predict_proba(X), atol=1e-5)


# -- callback and divergence -------------------------------------------------------------------


def test_callback_returning_true_stops_fit_early() -> None:
    X, y = blobs([0, 1])
    seen = []

    def callback(iteration: int, cost: float) -> bool:
        seen.append(iteration)
        return iteration >= 20

    net = small_net(num_iterations=500, cost_every=10, callback=callback).fit(X, y)
    assert net.n_iter_ == 21 < 500
    assert seen == [0, 10, 20]
    np.testing.assert_array_equal(net.cost_iterations_, [0, 10, 20])
    assert len(net.costs_) == 3
    full = small_net(num_iterations=500, cost_every=10).fit(X, y)
    assert full.n_iter_ == 500


def test_an_exception_in_the_callback_propagates_from_fit() -> None:
    def callback(iteration: int, cost: float) -> None:
        raise KeyboardInterrupt

    X, y = blobs([0, 1])
    with pytest.raises(KeyboardInterrupt):
        small_net(callback=callback).fit(X, y)


def test_verbose_prints_the_recorded_costs(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = blobs([0, 1])
    small_net(num_iterations=25, cost_every=10, verbose=True).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        f"Cost after iteration {i}" for i in (0, 10, 20, 24)
    ]


def test_fit_raises_training_diverged_for_a_huge_learning_rate() -> None:
    X, y = blobs([0, 1])
    net = small_net(activation="linear", learning_rate=1e6, num_iterations=200)
    with pytest.raises(TrainingDiverged):
        net.fit(X, y)
    with pytest.raises(NotFittedError):  # no half-trained NaN weights left behind
        net.predict(X)


def test_the_callback_sees_the_live_parameters_through_predict() -> None:
    X, y = blobs([0, 1])
    seen = []
    net = small_net(num_iterations=30, cost_every=10)
    net.callback = lambda i, cost: seen.append(net.predict_proba(X)[:, 1].copy())
    net.fit(X, y)
    assert len(seen) == 4 and not np.array_equal(seen[0], seen[-1])
    np.testing.assert_array_equal(seen[-1], net.predict_proba(X)[:, 1])


# -- save and load -----------------------------------------------------------------------------


def assert_same_network(loaded: DeepNetwork, net: DeepNetwork, X: np.ndarray) -> None:
    assert loaded.get_params() == {**net.get_params(), "callback": None}
    assert sorted(loaded.parameters_) == sorted(net.parameters_)
    for key, value in net.parameters_.items():
        assert loaded.parameters_[key].dtype == value.dtype
        np.testing.assert_array_equal(loaded.parameters_[key], value)
    np.testing.assert_array_equal(loaded.classes_, net.classes_)
    np.testing.assert_array_equal(loaded.costs_, net.costs_)
    np.testing.assert_array_equal(loaded.cost_iterations_, net.cost_iterations_)
    assert loaded.n_iter_ == net.n_iter_
    assert loaded.layer_dims_ == net.layer_dims_
    assert list(loaded.activations_) == list(net.activations_)
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))


@pytest.mark.parametrize(
    ("labels", "kwargs"),
    [
        (["cat", "dog"], {}),
        ([3, 7, 9], {"dtype": "float32", "hidden_layers": (5, 4), "activation": ["relu", "tanh"]}),
        (["setosa", "versicolor", "virginica"], {"optimizer": "adam", "mini_batch_size": 20}),
        ([0, 1], {"keep_prob": 0.7, "input_keep_prob": 0.9}),
        ([0, 1, 2], {"decay_rate": 0.5, "optimizer": "adam"}),
    ],
)
def test_save_load_round_trip(tmp_path: Path, labels: list, kwargs: dict) -> None:
    X, y = blobs(labels)
    net = small_net(learning_rate=0.05, cost_every=25, **kwargs).fit(X, y)
    path = net.save(tmp_path / "net")
    assert path == tmp_path / "net.npz" and path.exists()
    with np.load(path, allow_pickle=False) as data:  # no object arrays anywhere
        assert {f"W{l}" for l in range(1, len(net.layer_dims_))} <= set(data.files)
    loaded = DeepNetwork.load(path)
    assert_same_network(loaded, net, X)
    assert loaded.get_params() == {**net.get_params(), "callback": None}
    assert list(loaded.predict(X[:3])) == list(net.predict(X[:3]))
    assert loaded.score(X, y) == net.score(X, y)


def test_decay_rate_reaches_the_loop_and_a_file_saved_before_it_loads(tmp_path: Path) -> None:
    X, y = blobs([0, 1, 2])
    decayed = small_net(decay_rate=0.5).fit(X, y)
    assert decayed.get_params()["decay_rate"] == 0.5
    assert not np.allclose(decayed.costs_, small_net().fit(X, y).costs_)
    path = small_net().fit(X, y).save(tmp_path / "before_decay.npz")
    with np.load(path, allow_pickle=False) as data:  # as written before decay_rate existed
        arrays = {key: data[key] for key in data.files}
    meta = json.loads(str(arrays["meta"]))
    del meta["config"]["decay_rate"]
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    loaded = DeepNetwork.load(path)
    assert loaded.get_params()["decay_rate"] == 0.0


def test_save_load_keeps_string_labels_given_as_objects(tmp_path: Path) -> None:
    X, y = blobs(["left", "right"])
    net = small_net().fit(X, y.astype(object))
    loaded = DeepNetwork.load(net.save(tmp_path / "objects.npz"))
    assert list(loaded.predict(X)) == list(net.predict(X))
    assert set(loaded.predict(X)) == {"left", "right"}


def test_save_accepts_numpy_scalars_as_hyperparameters(tmp_path: Path) -> None:
    """A seed or size drawn as np.int64 (as from np.arange grids) must not break the JSON."""
    X, y = blobs([0, 1])
    net = small_net(
        seed=np.int64(3),
        num_iterations=np.int64(20),
        learning_rate=np.float32(0.25),
        mini_batch_size=np.int64(16),
    ).fit(X, y)
    loaded = DeepNetwork.load(net.save(tmp_path / "numpy_scalars.npz"))
    assert loaded.get_params()["seed"] == 3
    assert loaded.get_params()["mini_batch_size"] == 16
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))


def test_save_load_keeps_dataframe_feature_names(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    X, y = blobs([0, 1])
    frame = pd.DataFrame(X, columns=["height", "width"])
    net = small_net().fit(frame, y)
    loaded = DeepNetwork.load(net.save(tmp_path / "frame.npz"))
    np.testing.assert_array_equal(loaded.feature_names_in_, ["height", "width"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "X has feature names, but ... fitted without" is a bug
        np.testing.assert_array_equal(loaded.predict(frame), net.predict(frame))
    with pytest.raises(ValueError, match="no column 'width', which the training data has"):
        loaded.predict(frame.rename(columns={"width": "depth"}))  # a table: read by name


# -- bad input to fit --------------------------------------------------------------------------

GOOD_X, GOOD_Y = blobs([0, 1], n_per_class=5)


def with_nan(X: np.ndarray, value: float) -> np.ndarray:
    X = X.copy()
    X[3, 1] = value
    return X


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "match"),
    [
        (with_nan(GOOD_X, np.nan), GOOD_Y, {}, "NaN"),
        (with_nan(GOOD_X, np.inf), GOOD_Y, {}, "infinity"),
        (with_nan(GOOD_X, -np.inf), GOOD_Y, {}, "infinity"),
        (GOOD_X, np.where(np.arange(10) == 2, np.nan, GOOD_Y), {}, "NaN"),
        (GOOD_X, GOOD_Y[:-1], {}, "inconsistent numbers of samples"),
        (GOOD_X, np.zeros(10), {}, "one class"),
        (GOOD_X[:, 0], GOOD_Y, {}, "Expected 2D array"),
        (np.empty((0, 2)), np.empty(0), {}, "0 sample"),
        (GOOD_X, GOOD_Y + 0.5 * np.arange(10), {}, "Unknown label type"),
        (GOOD_X, GOOD_Y, {"activation": "swish"}, "swish"),
        (GOOD_X, GOOD_Y, {"activation": "softmax"}, "softmax"),
        (GOOD_X, GOOD_Y, {"hidden_layers": (4, 3), "activation": ["relu"]}, "activation"),
        (GOOD_X, GOOD_Y, {"hidden_layers": (4,), "activation": ["relu", "tanh"]}, "activation"),
        (GOOD_X, GOOD_Y, {"hidden_layers": (4, 3), "activation": ["relu", "gelu"]}, "gelu"),
        (GOOD_X, GOOD_Y, {"optimizer": "rmsprop"}, "rmsprop"),
        (GOOD_X, GOOD_Y, {"init": "glorot"}, "glorot"),
        (GOOD_X, GOOD_Y, {"hidden_layers": (4, 0)}, "hidden_layers"),
        (GOOD_X, GOOD_Y, {"learning_rate": -0.1}, "learning_rate"),
        (GOOD_X, GOOD_Y, {"num_iterations": 2.5}, "num_iterations"),
        (GOOD_X, GOOD_Y, {"mini_batch_size": 0}, "mini_batch_size"),
        (GOOD_X, GOOD_Y, {"lambd": -1.0}, "lambd"),
        (GOOD_X, GOOD_Y, {"beta1": 1.0}, "beta1"),
        (GOOD_X, GOOD_Y, {"keep_prob": 0.0}, "keep_prob"),
        (GOOD_X, GOOD_Y, {"input_keep_prob": 1.5}, "input_keep_prob"),
        (GOOD_X, GOOD_Y, {"dtype": "float16"}, "float16"),
        (GOOD_X, GOOD_Y, {"hidden_layers": (4.5,)}, "hidden_layers"),
        (GOOD_X, GOOD_Y, {"epsilon": 0.0}, "epsilon"),
        (GOOD_X, GOOD_Y, {"beta2": 1.0}, "beta2"),
        (GOOD_X, GOOD_Y, {"cost_every": 0}, "cost_every"),
        (GOOD_X, GOOD_Y, {"learning_rate": float("nan")}, "learning_rate"),
        (GOOD_X, GOOD_Y, {"decay_rate": -1.0}, "decay_rate"),
        (GOOD_X, GOOD_Y, {"decay_rate": float("nan")}, "decay_rate"),
    ],
    ids=[
        "nan",
        "inf",
        "-inf",
        "nan-label",
        "mismatched-lengths",
        "single-class",
        "1d-X",
        "empty",
        "continuous-y",
        "unknown-activation",
        "softmax-hidden",
        "too-few-activations",
        "too-many-activations",
        "unknown-activation-in-list",
        "unknown-optimizer",
        "unknown-init",
        "zero-units",
        "negative-learning-rate",
        "fractional-iterations",
        "zero-batch",
        "negative-lambd",
        "beta1-one",
        "keep-prob-zero",
        "input-keep-prob-above-one",
        "float16",
        "fractional-units",
        "zero-epsilon",
        "beta2-one",
        "zero-cost-every",
        "nan-learning-rate",
        "negative-decay-rate",
        "nan-decay-rate",
    ],
)
def test_bad_input_to_fit_raises_a_value_error_naming_it(
    X: np.ndarray, y: np.ndarray, kwargs: dict, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        small_net(**{"num_iterations": 3, **kwargs}).fit(X, y)


def test_predict_rejects_the_wrong_number_of_features() -> None:
    net = small_net(num_iterations=3).fit(GOOD_X, GOOD_Y)
    with pytest.raises(ValueError, match="3 features"):
        net.predict(np.ones((2, 3)))


def test_dropout_trains_differently_but_predicts_without_masks() -> None:
    X, y = blobs([0, 1, 2])
    plain = small_net(optimizer="adam", learning_rate=0.02).fit(X, y)
    dropped = small_net(optimizer="adam", learning_rate=0.02, keep_prob=0.5).fit(X, y)
    assert not np.allclose(plain.parameters_["W1"], dropped.parameters_["W1"])
    again = small_net(optimizer="adam", learning_rate=0.02, keep_prob=0.5).fit(X, y)
    np.testing.assert_array_equal(again.parameters_["W1"], dropped.parameters_["W1"])
    # prediction is the deterministic network: the same twice, and what forward gives unmasked
    np.testing.assert_array_equal(dropped.predict_proba(X), dropped.predict_proba(X))
    AL, _ = forward(np.asarray(X, dtype=float).T, dropped.parameters_, dropped.activations_)
    np.testing.assert_allclose(dropped.predict_proba(X), AL.T, rtol=1e-12)
    assert dropped.score(X, y) > 0.9
