"""`DeepNetworkRegressor` (issue 14): scikit-learn's estimator checks, target scaling, several
targets, R^2, persistence and bad targets."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import r2_score
from sklearn.utils.estimator_checks import parametrize_with_checks

import dnn
from dnn import DeepNetworkRegressor, NetworkRegressor, TrainingDiverged

# float32 BLAS rounds a matrix product differently for different numbers of columns
# (examples): predicting a subset of X can move A[L] by one float32 ulp (about 1e-7 relative),
# which undoing the target scaling (A[L] * y_scale_ + y_mean_, float64) turns into more than the
# 1e-7 relative tolerance of these two checks wherever a prediction is near 0. The classifier's
# probabilities are not shifted, so its float32 configuration stays within it.
FLOAT32_ROUNDING = (
    "float32 matrix products round differently for another number of examples; un-scaling "
    "the targets makes that one-ulp difference exceed the check's rtol=1e-7 near 0"
)


def expected_failures(estimator: DeepNetworkRegressor) -> dict[str, str]:
    if estimator.dtype != "float32":
        return {}
    return {
        "check_methods_subset_invariance": FLOAT32_ROUNDING,
        "check_methods_sample_order_invariance": FLOAT32_ROUNDING,
    }


# Every other scikit-learn check passes for both configurations. The one check reported as
# skipped, `check_array_api_input`, is skipped by scikit-learn itself: it only runs when the
# SCIPY_ARRAY_API environment variable is set.
@parametrize_with_checks(
    [
        DeepNetworkRegressor(hidden_layers=(8,), num_iterations=200, learning_rate=0.1, seed=0),
        DeepNetworkRegressor(
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
            normalize=True,
            seed=1,
        ),
    ],
    expected_failed_checks=expected_failures,
)
def test_scikit_learn_estimator_checks(estimator: DeepNetworkRegressor, check: Callable) -> None:
    check(estimator)


def data(m: int = 60, k: int | None = None, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """X (m, 3) and a smooth target far from standard scale: (m,), or (m, k) when k is given."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(m, 3))
    y = 50 + 20 * np.sin(2 * X[:, 0]) - 10 * X[:, 1] * X[:, 2]
    if k is None:
        return X, y
    return X, np.column_stack([y * (j + 1) - 30 * j for j in range(k)])


def small_net(**kwargs: Any) -> DeepNetworkRegressor:
    config = {
        "hidden_layers": (16,),
        "activation": "tanh",
        "optimizer": "adam",
        "learning_rate": 0.02,
        "num_iterations": 400,
        "seed": 0,
    }
    return DeepNetworkRegressor(**{**config, **kwargs})


# -- fitting and predicting ----------------------------------------------------------------------


def test_targets_are_standardized_inside_and_predictions_come_back_in_their_units() -> None:
    X, y = data()
    net = small_net().fit(X, y)
    assert net.y_mean_.shape == () and net.y_mean_ == pytest.approx(y.mean())
    assert net.y_scale_ == pytest.approx(y.std())
    assert net.layer_dims_ == [3, 16, 1] and net.activations_ == ["tanh", "linear"]
    predicted = net.predict(X)
    assert predicted.shape == (60,) and predicted.dtype == np.float64
    assert net.score(X, y) > 0.9
    # the costs are those of the standardized target: they start near 1/2, not near 50^2 / 2
    assert net.costs_[0] < 5


# A network without hidden layers, worked by hand. X = [[0], [1]], y = [1, 3]:
#   y_mean_ = 2, y_scale_ = std([1, 3]) = 1, so the network learns Y = (y - 2) / 1 = [-1, 1].
#   With α = 0 the parameters stay W (drawn from the seed) and b = 0, so AL = [0, W] and
#   J = (1/2m) sum (AL - Y)^2 = ((0 + 1)^2 + (W - 1)^2) / 4  (unscaled: (1 + (W - 3)^2) / 4).
#   Setting W = 2, b = 0.5 by hand: AL = [0.5, 2.5], and predict = AL * 1 + 2 = [2.5, 4.5].
def test_a_linear_network_worked_by_hand() -> None:
    X, y = np.array([[0.0], [1.0]]), np.array([1.0, 3.0])
    net = DeepNetworkRegressor(hidden_layers=(), learning_rate=0.0, num_iterations=1, seed=0)
    net.fit(X, y)
    assert (net.y_mean_, net.y_scale_) == (2.0, 1.0)
    W = net.parameters_["W1"][0, 0]
    assert net.costs_[0] == pytest.approx((1 + (W - 1) ** 2) / 4, rel=1e-12)
    net.parameters_ = {"W1": np.array([[2.0]]), "b1": np.array([[0.5]])}
    np.testing.assert_allclose(net.predict(X), [2.5, 4.5], rtol=1e-15)


def test_several_targets() -> None:
    X, y = data(k=3)
    net = small_net().fit(X, y)
    assert net.layer_dims_[-1] == 3 and net.y_mean_.shape == net.y_scale_.shape == (3,)
    np.testing.assert_allclose(net.y_mean_, y.mean(axis=0))
    predicted = net.predict(X)
    assert predicted.shape == (60, 3)
    assert net.score(X, y) == pytest.approx(r2_score(y, predicted), abs=1e-12)
    for j in range(3):  # each target is learned, each in its own units
        assert r2_score(y[:, j], predicted[:, j]) > 0.9
    column = small_net().fit(X, y[:, :1])  # a (m, 1) target predicts (m, 1)
    assert column.predict(X).shape == (60, 1)
    np.testing.assert_array_equal(column.predict(X)[:, 0], small_net().fit(X, y[:, 0]).predict(X))


def test_a_constant_target_column_beside_others_is_only_centred() -> None:
    X, y = data(k=2)
    y[:, 1] = 7.0
    net = small_net(num_iterations=50).fit(X, y)
    np.testing.assert_array_equal(net.y_scale_[1], 1.0)
    assert net.y_mean_[1] == 7.0


@pytest.mark.parametrize("k", [None, 2])
def test_score_is_r2(k: int | None) -> None:
    X, y = data(k=k)
    net = small_net(num_iterations=30).fit(X, y)  # a poor fit, so R^2 is far from 1
    X_test, y_test = data(m=25, k=k, seed=1)
    expected = r2_score(y_test, net.predict(X_test))
    assert 0 < 1 - expected and net.score(X_test, y_test) == pytest.approx(expected, abs=1e-12)


def test_divergence_raises_and_leaves_the_net_unfitted() -> None:
    X, y = data()
    net = small_net(activation="linear", optimizer="gd", learning_rate=1e6)
    with pytest.raises(TrainingDiverged):
        net.fit(X * 1e3, y)
    with pytest.raises(NotFittedError):
        net.predict(X)


def test_the_callback_sees_the_live_network_through_predict() -> None:
    X, y = data()
    seen = []
    net = small_net(num_iterations=30, cost_every=10)
    net.callback = lambda i, cost: seen.append(net.predict(X).copy())
    net.fit(X, y)
    assert len(seen) == 4 and not np.array_equal(seen[0], seen[-1])
    np.testing.assert_array_equal(seen[-1], net.predict(X))


# -- bad targets ----------------------------------------------------------------------------------

X_BAD = data(m=6)[0]


@pytest.mark.parametrize(
    ("y", "face", "light"),
    [
        (np.full(6, 3.0), r"y is constant \(3 in every row\): nothing to learn", None),
        (np.full((6, 2), 3.0), r"y is constant \(\[3, 3\] in every row\)", None),
        (np.array([1.0, 2, np.nan, 4, 5, 6]), "Input y contains NaN", "y row 2 is nan, not a"),
        (np.array([1.0, 2, 3, np.inf, 5, 6]), "Input y contains infinity", "y row 3 is inf, not a"),
        (np.array(list("abcdef")), "y row 0 is 'a', not a number", None),
        (np.array([1, 2, "x", 4, 5, 6], dtype=object), "could not convert string to float: 'x'",
         "y row 2 is 'x', not a number"),
        (np.ones((6, 2, 2)), "Found array with dim 3", r"y must be \(m,\) or \(m, k\) numbers"),
        (np.arange(5.0), "inconsistent numbers of samples", "X has 6 examples but y has 5 rows"),
    ],
    ids=["constant", "constant-rows", "nan", "inf", "strings", "objects", "3d", "lengths"],
)  # fmt: skip
def test_bad_targets_raise_one_line_value_errors(y: np.ndarray, face: str, light: str) -> None:
    for cls, match in ((DeepNetworkRegressor, face), (NetworkRegressor, light or face)):
        with pytest.raises(ValueError, match=match) as error:
            cls(hidden_layers=(2,), num_iterations=2).fit(X_BAD, y)
        assert "\n" not in str(error.value), cls


def test_one_example_is_refused_in_the_words_scikit_learn_checks_for() -> None:
    with pytest.raises(ValueError, match="y has 1 sample: nothing to learn"):
        NetworkRegressor().fit(X_BAD[:1], [3.0])


# -- save and load --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "kwargs"),
    [
        (None, {}),
        (2, {"normalize": True, "dtype": "float32"}),
        (1, {"hidden_layers": (5, 4), "activation": ["relu", "tanh"], "mini_batch_size": 16}),
    ],
)
def test_save_load_round_trip(tmp_path: Path, k: int | None, kwargs: dict) -> None:
    X, y = data(k=k)
    net = small_net(num_iterations=50, cost_every=10, **kwargs).fit(X, y)
    path = net.save(tmp_path / "net")
    with np.load(path, allow_pickle=False) as saved:  # no object arrays, no classes
        assert "classes" not in saved.files
        np.testing.assert_array_equal(saved["y_mean"], net.y_mean_)
    for loaded in (DeepNetworkRegressor.load(path), dnn.load(path), NetworkRegressor.load(path)):
        assert loaded.get_params() == {**net.get_params(), "callback": None}
        np.testing.assert_array_equal(loaded.y_mean_, net.y_mean_)
        np.testing.assert_array_equal(loaded.y_scale_, net.y_scale_)
        np.testing.assert_array_equal(loaded.costs_, net.costs_)
        assert loaded.layer_dims_ == net.layer_dims_
        np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    assert type(dnn.load(path)) is DeepNetworkRegressor
    assert DeepNetworkRegressor.load(path).score(X, y) == net.score(X, y)


def bad_file(tmp_path: Path, change: Callable[[dict], None]) -> Path:
    X, y = data()
    path = small_net(num_iterations=5, hidden_layers=(4,)).fit(X, y).save(tmp_path / "good.npz")
    with np.load(path, allow_pickle=False) as saved:
        arrays: dict[str, Any] = {key: saved[key] for key in saved.files}
    arrays["meta"] = json.loads(str(arrays["meta"]))
    change(arrays)
    arrays["meta"] = np.array(json.dumps(arrays["meta"]))
    np.savez(tmp_path / "bad.npz", **arrays)
    return tmp_path / "bad.npz"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda a: a.pop("y_scale"), "missing array 'y_scale'"),
        (lambda a: a.update(classes=np.array([0, 1])), "unexpected array 'classes' in a regr"),
        (lambda a: a.update(y_scale=np.array(0.0)), "y_scale must be positive"),
        (lambda a: a.update(y_mean=np.array(np.nan)), "y_mean holds NaN or infinite values"),
        (lambda a: a.update(y_mean=np.array("a")), "y_mean must be a float scalar or 1-d array"),
        (lambda a: a.update(y_mean=np.zeros(1)), "y_scale has shape () but y_mean (1,)"),
        (
            lambda a: a.update(y_mean=np.zeros(2), y_scale=np.ones(2)),
            "the output layer has n[L] = 1 units but y_mean has 2 targets",
        ),
        (
            lambda a: a["meta"].__setitem__("activations", ["tanh", "sigmoid"]),
            "the output activation is 'sigmoid' but a regression network needs 'linear'",
        ),
    ],
    ids=["no-y-scale", "classes", "zero-scale", "nan-mean", "text-mean", "shapes", "k", "sigmoid"],
)
def test_a_bad_regression_file_is_refused_in_one_line(
    tmp_path: Path, change: Callable[[dict], None], expected: str
) -> None:
    path = bad_file(tmp_path, change)
    with pytest.raises(ValueError) as error:
        DeepNetworkRegressor.load(path)
    assert str(error.value).startswith(f"{path}: ") and expected in str(error.value)
    assert "\n" not in str(error.value)
