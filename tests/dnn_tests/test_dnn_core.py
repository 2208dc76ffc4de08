"""The functional core: a hand-worked network, gradient checks, dtypes and numerical safety."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator

import numpy as np
import pytest

from dnn import (
    ACTIVATIONS,
    backward,
    compute_cost,
    dropout_masks,
    forward,
    gradient_check,
    initialize_parameters,
    update_parameters,
)
from dnn.activations import ACTIVATION_BACKWARD, HIDDEN_ACTIVATIONS

# -- one tiny network worked out by hand -------------------------------------------------------
#
# layer_dims = [2, 2, 1], relu then sigmoid, m = 2 examples (the columns of X), Y = [1, 0].
#
#   X  = [[1,  3],      W1 = [[ 1, 0],    b1 = [[0],      W2 = [[0.5, -1]],   b2 = [[0.5]]
#         [2, -1]]            [-1, 1]]          [0]]
#
# Forward
#   Z1 = W1 X + b1: column 1 (1, 2)  -> ( 1,      -1 + 2 = 1)
#                   column 2 (3, -1) -> ( 3,      -3 - 1 = -4)     Z1 = [[1, 3], [1, -4]]
#   A1 = relu(Z1)                                                  A1 = [[1, 3], [1,  0]]
#   Z2 = W2 A1 + b2: column 1: 0.5*1 - 1*1 + 0.5 = 0;  column 2: 0.5*3 - 0 + 0.5 = 2
#   AL = sigmoid(Z2) = [0.5, sigmoid(2)] = [0.5, 0.8807970779778823]
# Cost (binary cross-entropy, mean over m = 2)
#   J = -(log 0.5 + log(1 - sigmoid(2))) / 2 = (log 2 + log(1 + e^2)) / 2
#     = (0.6931471805599453 + 2.1269280110429727) / 2 = 1.410037595801459
#   with L2, lambd = 0.4: + lambd / (2m) * (||W1||^2 + ||W2||^2) = 0.1 * (3 + 1.25) = 0.425
# Backward
#   dZ2 = AL - Y = [-0.5, 0.8807970779778823]
#   dW2 = dZ2 A1.T / 2 = [(-0.5 + 3 * 0.8807970779778823) / 2, (-0.5 + 0) / 2]
#       = [1.0711956169668235, -0.25]
#   db2 = (-0.5 + 0.8807970779778823) / 2 = 0.19039853898894115
#   dA1 = W2.T dZ2 = [[0.5 * -0.5, 0.5 * 0.88079...], [-1 * -0.5, -1 * 0.88079...]]
#       = [[-0.25, 0.44039853898894115], [0.5, -0.8807970779778823]]
#   dZ1 = dA1 * (Z1 > 0) = [[-0.25, 0.44039853898894115], [0.5, 0]]   (Z1[1, 1] = -4 is off)
#   dW1 = dZ1 X.T / 2: row 1: [(-0.25 + 3 * 0.44039...) / 2, (-0.5 - 0.44039...) / 2]
#                           = [0.5355978084834117, -0.47019926949447057]
#                      row 2: [(0.5 + 0) / 2, (1 + 0) / 2] = [0.25, 0.5]
#   db1 = [(-0.25 + 0.44039853898894115) / 2, 0.5 / 2] = [0.09519926949447057, 0.25]
#   dA0 = W1.T dZ1 = [[1, -1], [0, 1]] dZ1 = [[-0.75, 0.44039853898894115], [0.5, 0]]
#   with L2, dW[l] gains lambd / m * W[l] = 0.2 W[l].
# Update with learning_rate = 0.1: W2 = [0.5 - 0.10711956169668235, -1 + 0.025]
#                                     = [0.39288043830331765, -0.975]

HAND_X = np.array([[1.0, 3.0], [2.0, -1.0]])
HAND_Y = np.array([[1.0, 0.0]])
HAND_ACTIVATIONS = ["relu", "sigmoid"]
SIGMOID_2 = 0.8807970779778823


def hand_parameters() -> dict[str, np.ndarray]:
    return {
        "W1": np.array([[1.0, 0.0], [-1.0, 1.0]]),
        "b1": np.array([[0.0], [0.0]]),
        "W2": np.array([[0.5, -1.0]]),
        "b2": np.array([[0.5]]),
    }


def test_hand_network_forward_and_cost() -> None:
    AL, caches = forward(HAND_X, hand_parameters(), HAND_ACTIVATIONS)
    np.testing.assert_array_equal(caches[0].Z, [[1.0, 3.0], [1.0, -4.0]])
    np.testing.assert_array_equal(caches[0].A, [[1.0, 3.0], [1.0, 0.0]])
    np.testing.assert_allclose(caches[1].Z, [[0.0, 2.0]], atol=1e-15)
    np.testing.assert_allclose(AL, [[0.5, SIGMOID_2]], rtol=1e-15)
    assert math.isclose(SIGMOID_2, 1 / (1 + math.exp(-2)), rel_tol=1e-15)
    assert compute_cost(AL, HAND_Y) == pytest.approx(1.410037595801459, rel=1e-14)
    assert compute_cost(AL, HAND_Y, hand_parameters(), lambd=0.4) == pytest.approx(
        1.410037595801459 + 0.425, rel=1e-14
    )


def test_hand_network_backward() -> None:
    AL, caches = forward(HAND_X, hand_parameters(), HAND_ACTIVATIONS)
    grads = backward(AL, HAND_Y, caches)
    expected = {
        "dW2": [[1.0711956169668235, -0.25]],
        "db2": [[0.19039853898894115]],
        "dA1": [[-0.25, 0.44039853898894115], [0.5, -0.8807970779778823]],
        "dW1": [[0.5355978084834117, -0.47019926949447057], [0.25, 0.5]],
        "db1": [[0.09519926949447057], [0.25]],
        "dA0": [[-0.75, 0.44039853898894115], [0.5, 0.0]],
    }
    assert set(grads) == set(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(grads[key], value, rtol=1e-14, atol=1e-16, err_msg=key)


def test_hand_network_backward_with_l2_and_update() -> None:
    parameters = hand_parameters()
    AL, caches = forward(HAND_X, parameters, HAND_ACTIVATIONS)
    grads = backward(AL, HAND_Y, caches, lambd=0.4)
    np.testing.assert_allclose(grads["dW2"], [[1.0711956169668235 + 0.1, -0.25 - 0.2]], rtol=1e-14)
    np.testing.assert_allclose(
        grads["dW1"],
        [[0.5355978084834117 + 0.2, -0.47019926949447057], [0.25 - 0.2, 0.5 + 0.2]],
        rtol=1e-14,
    )
    np.testing.assert_allclose(grads["db1"], [[0.09519926949447057], [0.25]], rtol=1e-14)
    updated = update_parameters(parameters, backward(AL, HAND_Y, caches), learning_rate=0.1)
    np.testing.assert_allclose(updated["W2"], [[0.39288043830331765, -0.975]], rtol=1e-14)
    np.testing.assert_allclose(updated["b2"], [[0.5 - 0.019039853898894115]], rtol=1e-14)


# -- central-difference gradient checks --------------------------------------------------------

GRAD_EPSILON = 1e-7
KINK_MARGIN = 1e-3  # no hidden Z this close to 0, where relu and leaky_relu have a kink


def gradcheck_problem(output: str, seed: int = 3) -> tuple[np.ndarray, np.ndarray, dict]:
    """X (3, 5), Y (n[L], 5) and parameters of [3, 4, 3, n[L]] with nonzero biases."""
    rng = np.random.default_rng(seed)
    n_L = 1 if output == "sigmoid" else 3
    X = rng.standard_normal((3, 5))
    if n_L == 1:
        Y = (rng.random((1, 5)) < 0.5).astype(float)
    else:
        Y = np.eye(3)[:, rng.integers(0, 3, size=5)]
    parameters = initialize_parameters([3, 4, 3, n_L], init="xavier", seed=rng)
    for l in (1, 2, 3):
        parameters[f"b{l}"] = rng.standard_normal(parameters[f"b{l}"].shape) * 0.5
    return X, Y, parameters


def numeric_gradient(
    X: np.ndarray,
    Y: np.ndarray,
    parameters: dict[str, np.ndarray],
    activations: list[str],
    lambd: float = 0.0,
    masks: list[np.ndarray | None] | None = None,
    loss: str | None = None,
) -> dict[str, np.ndarray]:
    """(J(theta + eps) - J(theta - eps)) / 2 eps for every entry of every W[l], b[l]; written
    apart from dnn.gradient_check, so that a test holds the two against each other."""
    numeric = {}
    for key, value in parameters.items():
        approx = np.zeros(value.size)
        for i in range(value.size):
            costs = []
            for sign in (1.0, -1.0):
                shifted = value.copy().ravel()
                shifted[i] += sign * GRAD_EPSILON
                trial = {**parameters, key: shifted.reshape(value.shape)}
                AL, _ = forward(X, trial, activations, masks)
                costs.append(compute_cost(AL, Y, trial, lambd, loss=loss))
            approx[i] = (costs[0] - costs[1]) / (2 * GRAD_EPSILON)
        numeric[f"d{key}"] = approx.reshape(value.shape)
    return numeric


@pytest.mark.parametrize("lambd", [0.0, 0.7])
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_gradient_matches_central_differences(hidden: str, output: str, lambd: float) -> None:
    X, Y, parameters = gradcheck_problem(output)
    activations = [hidden, hidden, output]
    AL, caches = forward(X, parameters, activations)
    for cache in caches[:-1]:
        assert np.abs(cache.Z).min() > KINK_MARGIN, "move the data off the relu kink"
    # both sides of the kink are exercised: some hidden units are off for some examples
    assert any((cache.Z < 0).any() for cache in caches[:-1])
    grads = backward(AL, Y, caches, lambd)
    numeric = numeric_gradient(X, Y, parameters, activations, lambd)
    g = np.concatenate([grads[key].ravel() for key in numeric])
    g_approx = np.concatenate([value.ravel() for value in numeric.values()])
    assert np.linalg.norm(g) > 1e-3  # a vanishing gradient would pass vacuously
    relative = np.linalg.norm(g - g_approx) / (np.linalg.norm(g) + np.linalg.norm(g_approx))
    assert relative < 1e-7
    assert gradient_check(X, Y, parameters, activations, lambd=lambd) < 1e-7


def test_gradient_check_catches_a_wrong_derivative(monkeypatch: pytest.MonkeyPatch) -> None:
    X, Y, parameters = gradcheck_problem("sigmoid")
    activations = ["tanh", "tanh", "sigmoid"]
    assert gradient_check(X, Y, parameters, activations) < 1e-7

    def wrong_tanh_backward(
        dA: np.ndarray, A: np.ndarray, out: np.ndarray | None = None, work: np.ndarray | None = None
    ) -> np.ndarray:
        return np.multiply(dA, 1 - A, out=out)  # 1 - A instead of 1 - A^2

    monkeypatch.setitem(ACTIVATION_BACKWARD, "tanh", wrong_tanh_backward)
    assert gradient_check(X, Y, parameters, activations) > 1e-3


def test_gradient_check_catches_a_missing_l2_term() -> None:
    X, Y, parameters = gradcheck_problem("softmax")
    activations = ["tanh", "sigmoid", "softmax"]
    AL, caches = forward(X, parameters, activations)
    numeric = numeric_gradient(X, Y, parameters, activations, lambd=0.7)
    without_l2 = backward(AL, Y, caches, lambd=0.0)
    assert not np.allclose(without_l2["dW1"], numeric["dW1"], rtol=1e-4)
    np.testing.assert_allclose(without_l2["db1"], numeric["db1"], rtol=1e-5, atol=1e-8)


# -- dropout ----------------------------------------------------------------------------------


@pytest.mark.parametrize("hidden", ["relu", "tanh", "leaky_relu"])
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_gradient_check_passes_with_fixed_dropout_masks(hidden: str, output: str) -> None:
    X, Y, parameters = gradcheck_problem(output)
    activations = [hidden, hidden, output]
    masks = dropout_masks([3, 4, 3, Y.shape[0]], 5, keep_prob=0.6, input_keep_prob=0.7, rng=1)
    assert masks[0] is not None and masks[1] is not None and masks[2] is not None
    assert gradient_check(X, Y, parameters, activations, lambd=0.4, masks=masks) < 1e-7


def test_gradient_check_catches_a_backward_pass_that_ignores_the_masks() -> None:
    X, Y, parameters = gradcheck_problem("softmax")
    activations = ["tanh", "tanh", "softmax"]
    masks = dropout_masks([3, 4, 3, 3], 5, keep_prob=0.5, rng=2)
    AL, caches = forward(X, parameters, activations, masks)
    with_masks = backward(AL, Y, caches, masks=masks)
    without = backward(AL, Y, caches)
    numeric = numeric_gradient(X, Y, parameters, activations, masks=masks)
    np.testing.assert_allclose(with_masks["dW1"], numeric["dW1"], rtol=1e-5, atol=1e-8)
    assert not np.allclose(without["dW1"], numeric["dW1"], rtol=1e-3, atol=1e-6)


def test_dropout_masks_keep_each_unit_with_its_probability_and_rescale() -> None:
    masks = dropout_masks([50, 400, 300, 10], 200, keep_prob=0.6, input_keep_prob=0.8, rng=0)
    assert [None if mask is None else mask.shape for mask in masks] == [
        (50, 200),
        (400, 200),
        (300, 200),
    ]  # A[0..L-1]: the output layer is never dropped
    for mask, keep in zip(masks, (0.8, 0.6, 0.6), strict=True):
        assert set(np.unique(mask)) == {0.0, 1 / keep}  # inverted: E[mask] = 1
        assert np.mean(mask > 0) == pytest.approx(keep, abs=0.01)
    assert dropout_masks([4, 3, 1], 5, keep_prob=1.0, rng=0) == [None, None]
    first = dropout_masks([4, 3, 1], 5, keep_prob=0.5, rng=9)
    np.testing.assert_array_equal(first[1], dropout_masks([4, 3, 1], 5, keep_prob=0.5, rng=9)[1])


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [({"keep_prob": 0}, "keep_prob"), ({"input_keep_prob": 1.01}, "input_keep_prob")],
)
def test_dropout_masks_reject_a_keep_probability_outside_0_1(kwargs: dict, key: str) -> None:
    with pytest.raises(ValueError, match=key):
        dropout_masks([4, 3, 1], 5, rng=0, **kwargs)


# -- purity, dtypes, validation ----------------------------------------------------------------


def copy_of(parameters: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {key: value.copy() for key, value in parameters.items()}


def test_core_functions_do_not_mutate_their_arguments() -> None:
    X, Y, parameters = gradcheck_problem("softmax")
    X0, Y0, before = X.copy(), Y.copy(), copy_of(parameters)
    for activations in (["relu", "leaky_relu", "softmax"], ["sigmoid", "linear", "softmax"]):
        AL, caches = forward(X, parameters, activations)
        AL0 = AL.copy()
        caches0 = [(c.linear.A_prev.copy(), c.Z.copy(), c.A.copy()) for c in caches]
        grads = backward(AL, Y, caches, lambd=0.3)
        grads0 = copy_of(grads)
        compute_cost(AL, Y, parameters, lambd=0.3)
        update_parameters(parameters, grads, learning_rate=0.5)
        np.testing.assert_array_equal(AL, AL0)
        for cache, (A_prev, Z, A) in zip(caches, caches0, strict=True):
            np.testing.assert_array_equal(cache.linear.A_prev, A_prev)
            np.testing.assert_array_equal(cache.Z, Z)
            np.testing.assert_array_equal(cache.A, A)
        for key in grads0:
            np.testing.assert_array_equal(grads[key], grads0[key])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    for key in before:
        np.testing.assert_array_equal(parameters[key], before[key])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_are_pure_and_agree_with_their_out_buffers(name: str) -> None:
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((4, 6))
    Z0 = Z.copy()
    A = ACTIVATIONS[name](Z)
    np.testing.assert_array_equal(Z, Z0)
    out, work = np.empty_like(Z), np.full_like(Z, np.nan)
    np.testing.assert_array_equal(ACTIVATIONS[name](Z, out=out, work=work), A)
    in_place = Z.copy()
    np.testing.assert_array_equal(ACTIVATIONS[name](in_place, out=in_place), A)
    dA = rng.standard_normal((4, 6))
    dZ = ACTIVATION_BACKWARD[name](dA, A)
    D = dA.copy()
    np.testing.assert_array_equal(
        ACTIVATION_BACKWARD[name](D, A, out=D, work=np.full_like(Z, np.nan)), dZ
    )


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivatives_match_central_differences(name: str) -> None:
    """dZ = dA * g'(Z) against the numeric Jacobian-vector product of g, at every entry."""
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((3, 4))
    Z[np.abs(Z) < 0.05] = 0.5  # off the kink
    dA = rng.standard_normal((3, 4))
    dZ = ACTIVATION_BACKWARD[name](dA, ACTIVATIONS[name](Z))
    numeric = np.zeros_like(Z)
    h = 1e-6
    for index in np.ndindex(Z.shape):
        E = np.zeros_like(Z)
        E[index] = h
        numeric[index] = np.vdot(dA, ACTIVATIONS[name](Z + E) - ACTIVATIONS[name](Z - E)) / (2 * h)
    np.testing.assert_allclose(dZ, numeric, rtol=1e-6, atol=1e-9)


def test_leaky_relu_slope_is_one_hundredth() -> None:
    Z = np.array([[-2.0, 3.0]])
    np.testing.assert_array_equal(ACTIVATIONS["leaky_relu"](Z), [[-0.02, 3.0]])
    np.testing.assert_array_equal(ACTIVATIONS["relu"](Z), [[0.0, 3.0]])


def test_initialize_parameters_shapes_scale_and_seed() -> None:
    layer_dims = [5, 4, 3, 2]
    parameters = initialize_parameters(layer_dims, init="he", seed=0)
    assert sorted(parameters) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    for l in range(1, 4):
        assert parameters[f"W{l}"].shape == (layer_dims[l], layer_dims[l - 1])
        assert parameters[f"b{l}"].shape == (layer_dims[l], 1)
        assert not parameters[f"b{l}"].any()
    big = initialize_parameters([400, 300], init="he", seed=0)["W1"]
    assert big.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert initialize_parameters([400, 300], "xavier", 0)["W1"].std() == pytest.approx(
        0.05, rel=0.02
    )
    assert initialize_parameters([400, 300], "scaled", 0)["W1"].std() == pytest.approx(
        0.01, rel=0.02
    )
    again = initialize_parameters(layer_dims, init="he", seed=0)
    other = initialize_parameters(layer_dims, init="he", seed=1)
    for key in parameters:
        np.testing.assert_array_equal(parameters[key], again[key])
    assert not np.array_equal(parameters["W1"], other["W1"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"layer_dims": [3]}, "layer_dims"),
        ({"layer_dims": [3, 0, 1]}, "layer_dims"),
        ({"layer_dims": [3, 1], "init": "glorot"}, "glorot"),
        ({"layer_dims": [3, 1], "dtype": "float16"}, "float16"),
    ],
)
def test_initialize_parameters_rejects_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        initialize_parameters(**kwargs)


@pytest.mark.parametrize(
    ("activations", "match"),
    [
        (["relu", "sigmoid"], "one activation per layer"),
        (["relu", "swish", "sigmoid"], "swish"),
        (["softmax", "relu", "softmax"], "softmax"),
        (["relu", "relu", "tanh"], "tanh"),
    ],
)
def test_forward_rejects_bad_activations(activations: list[str], match: str) -> None:
    parameters = initialize_parameters([3, 4, 3, 1], seed=0)
    with pytest.raises(ValueError, match=match):
        forward(np.ones((3, 2)), parameters, activations)


# -- float32 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_keep_float32(name: str) -> None:
    Z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    A = ACTIVATIONS[name](Z)
    assert A.dtype == np.float32
    assert (
        ACTIVATIONS[name](Z.copy(), out=np.empty_like(Z), work=np.empty_like(Z)).dtype == np.float32
    )
    assert ACTIVATION_BACKWARD[name](np.ones_like(Z), A).dtype == np.float32


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_core_keeps_float32_end_to_end(output: str) -> None:
    X, Y, parameters64 = gradcheck_problem(output)
    parameters = {key: value.astype(np.float32) for key, value in parameters64.items()}
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    AL, caches = forward(X32, parameters, ["leaky_relu", "tanh", output])
    assert AL.dtype == np.float32
    for cache in caches:
        assert cache.Z.dtype == cache.A.dtype == np.float32
    grads = backward(AL, Y32, caches, lambd=0.5)
    assert {value.dtype for value in grads.values()} == {np.dtype(np.float32)}
    updated = update_parameters(parameters, grads, learning_rate=0.1)
    assert {value.dtype for value in updated.values()} == {np.dtype(np.float32)}
    assert isinstance(compute_cost(AL, Y32, parameters, lambd=0.5), float)
    AL64, _ = forward(X, parameters64, ["leaky_relu", "tanh", output])
    np.testing.assert_allclose(AL, AL64, rtol=1e-5)


def test_initialize_parameters_float32_is_the_float64_draw_cast() -> None:
    p32 = initialize_parameters([4, 3, 1], seed=5, dtype="float32")
    p64 = initialize_parameters([4, 3, 1], seed=5, dtype="float64")
    for key in p64:
        assert p32[key].dtype == np.float32
        np.testing.assert_array_equal(p32[key], p64[key].astype(np.float32))


# -- numerical safety --------------------------------------------------------------------------


@pytest.fixture
def strict_floats() -> Iterator[None]:
    """Any numpy warning or floating-point error (underflow aside) fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            yield


@pytest.mark.usefixtures("strict_floats")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_and_softmax_at_huge_inputs(dtype: type) -> None:
    Z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0], [0.0, 0.0, -1000.0]], dtype=dtype)
    A = ACTIVATIONS["sigmoid"](Z)
    assert np.isfinite(A).all()
    np.testing.assert_array_equal(A[0], [1.0, 0.0, 0.5])
    S = ACTIVATIONS["softmax"](Z)
    assert np.isfinite(S).all()
    np.testing.assert_allclose(S.sum(axis=0), 1.0, rtol=1e-6)
    np.testing.assert_allclose(S[:, 0], [1.0, 0.0, 0.0], atol=1e-30)
    np.testing.assert_allclose(S[:, 2], [0.5, 0.5, 0.0], atol=1e-30)
    for name in ("sigmoid", "softmax"):
        A = ACTIVATIONS[name](Z)
        assert np.isfinite(ACTIVATION_BACKWARD[name](np.ones_like(Z), A)).all()


@pytest.mark.usefixtures("strict_floats")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_compute_cost_is_finite_at_exact_zeros_and_ones(dtype: type) -> None:
    AL = np.array([[0.0, 1.0, 1.0, 0.0]], dtype=dtype)
    right = compute_cost(AL, np.array([[0.0, 1.0, 1.0, 0.0]], dtype=dtype))
    wrong = compute_cost(AL, np.array([[1.0, 0.0, 1.0, 0.0]], dtype=dtype))
    assert np.isfinite(right) and np.isfinite(wrong)
    assert 0 <= right < 1e-6
    assert wrong > 5  # two confident mistakes out of four
    AL3 = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=dtype)
    assert 0 <= compute_cost(AL3, np.eye(3, 2, dtype=dtype)) < 1e-6
    wrong3 = compute_cost(AL3, np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]], dtype=dtype))
    assert np.isfinite(wrong3) and wrong3 > 5


def test_compute_cost_matches_the_formula() -> None:
    AL = np.array([[0.9, 0.2, 0.6]])
    Y = np.array([[1.0, 0.0, 0.0]])
    expected = -(np.log(0.9) + np.log(0.8) + np.log(0.4)) / 3
    assert compute_cost(AL, Y) == pytest.approx(expected, rel=1e-14)
    AL3 = np.array([[0.7, 0.1], [0.2, 0.3], [0.1, 0.6]])
    Y3 = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    assert compute_cost(AL3, Y3) == pytest.approx(-(np.log(0.7) + np.log(0.6)) / 2, rel=1e-14)


@pytest.mark.usefixtures("strict_floats")
def test_forward_and_backward_on_huge_inputs_stay_finite() -> None:
    parameters = initialize_parameters([3, 4, 3, 1], seed=0)
    X = np.array([[1e4, -1e4], [-1e4, 1e4], [1e4, 1e4]])
    for hidden in HIDDEN_ACTIVATIONS:
        activations = [hidden, hidden, "sigmoid"]
        AL, caches = forward(X, parameters, activations)
        grads = backward(AL, np.array([[1.0, 0.0]]), caches)
        assert np.isfinite(compute_cost(AL, np.array([[1.0, 0.0]])))
        assert all(np.isfinite(value).all() for value in grads.values())
