"""Regression in the functional core: a linear output layer with the squared-error cost.

J = (1/2m) sum (A[L] - Y)^2 (+ the L2 term), so that backward starts from the same
dZ[L] = A[L] - Y as the classifiers; one target (n[L] = 1) or several (n[L] = 2).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from test_dnn_core import numeric_gradient  # the central differences, written once

import dnn.gradcheck
from dnn import (
    TrainingDiverged,
    backward,
    compute_cost,
    forward,
    gradient_check,
    initialize_adam,
    initialize_parameters,
    train,
    update_parameters,
    update_parameters_with_adam,
)
from dnn.activations import HIDDEN_ACTIVATIONS

Arrays = dict[str, np.ndarray]

# -- one tiny regression network worked out by hand --------------------------------------------
#
# layer_dims = [2, 2, 1], relu then linear, m = 2 examples (the columns of X), Y = [1, 0.5].
#
#   X  = [[1,  3],      W1 = [[ 1, 0],    b1 = [[0],      W2 = [[0.5, -1]],   b2 = [[0.5]]
#         [2, -1]]            [-1, 1]]          [0]]
#
# Forward
#   Z1 = W1 X + b1 = [[1, 3], [1, -4]],  A1 = relu(Z1) = [[1, 3], [1, 0]]
#   Z2 = W2 A1 + b2: column 1: 0.5*1 - 1*1 + 0.5 = 0;  column 2: 0.5*3 - 0 + 0.5 = 2
#   AL = linear(Z2) = Z2 = [0, 2]
# Cost (squared error, (1/2m) sum (AL - Y)^2)
#   AL - Y = [-1, 1.5];  J = (1 + 2.25) / (2 * 2) = 0.8125
#   with L2, lambd = 0.4: + lambd / (2m) * (||W1||^2 + ||W2||^2) = 0.1 * (3 + 1.25) = 0.425
# Backward
#   dZ2 = AL - Y = [[-1, 1.5]]
#   dW2 = dZ2 A1.T / m = [(-1*1 + 1.5*3) / 2, (-1*1 + 1.5*0) / 2] = [[1.75, -0.5]]
#   db2 = (-1 + 1.5) / 2 = 0.25
#   dA1 = W2.T dZ2 = [[0.5 * -1, 0.5 * 1.5], [-1 * -1, -1 * 1.5]] = [[-0.5, 0.75], [1, -1.5]]
#   dZ1 = dA1 * (Z1 > 0) = [[-0.5, 0.75], [1, 0]]      (Z1[1, 1] = -4: relu is off there)
#   dW1 = dZ1 X.T / m: row 1: [-0.5*1 + 0.75*3, -0.5*2 + 0.75*-1] / 2 = [0.875, -0.875]
#                      row 2: [1*1 + 0*3,       1*2 + 0*-1]       / 2 = [0.5,    1]
#   db1 = [[(-0.5 + 0.75) / 2], [(1 + 0) / 2]] = [[0.125], [0.5]]
#   with L2, lambd = 0.4: dW[l] += (lambd / m) W[l] = 0.2 W[l]: dW2 = [[1.85, -0.7]]
# One step of gradient descent, α = 0.1 (no L2)
#   W2 = [[0.5 - 0.175, -1 + 0.05]] = [[0.325, -0.95]],  b2 = 0.5 - 0.025 = 0.475
#   W1 = [[1 - 0.0875, 0 + 0.0875], [-1 - 0.05, 1 - 0.1]] = [[0.9125, 0.0875], [-1.05, 0.9]]
#   b1 = [[-0.0125], [-0.05]]
# Cost after the step:
#   Z1 = W1 X + b1: column 1: (0.9125 + 0.175 - 0.0125, -1.05 + 1.8 - 0.05) = (1.075, 0.7)
#                   column 2: (2.7375 - 0.0875 - 0.0125, -3.15 - 0.9 - 0.05) = (2.6375, -4.1)
#   A1 = [[1.075, 2.6375], [0.7, 0]]
#   AL = W2 A1 + b2 = [0.349375 - 0.665 + 0.475, 0.8571875 + 0.475] = [0.159375, 1.3321875]
#   AL - Y = [-0.840625, 0.8321875]
#   J = (0.706650390625 + 0.69253603515625) / 4 = 0.3497966064453125 < 0.8125

HAND_X = np.array([[1.0, 3.0], [2.0, -1.0]])
HAND_Y = np.array([[1.0, 0.5]])
HAND_ACTIVATIONS = ["relu", "linear"]


def hand_parameters() -> Arrays:
    return {
        "W1": np.array([[1.0, 0.0], [-1.0, 1.0]]),
        "b1": np.zeros((2, 1)),
        "W2": np.array([[0.5, -1.0]]),
        "b2": np.array([[0.5]]),
    }


def test_hand_regression_forward_and_cost() -> None:
    AL, _ = forward(HAND_X, hand_parameters(), HAND_ACTIVATIONS)
    np.testing.assert_allclose(AL, [[0.0, 2.0]], rtol=0, atol=1e-15)
    assert compute_cost(AL, HAND_Y, loss="mse") == pytest.approx(0.8125, rel=1e-15)
    assert compute_cost(AL, HAND_Y, hand_parameters(), lambd=0.4, loss="mse") == pytest.approx(
        0.8125 + 0.425, rel=1e-14
    )


def test_hand_regression_cost_sums_over_targets_and_averages_over_m() -> None:
    # two targets: AL - Y = [[-1, 1.5], [0, -2]], squares 1 + 2.25 + 0 + 4 = 7.25, / (2 * 2)
    AL = np.array([[0.0, 2.0], [1.0, 1.0]])
    Y = np.array([[1.0, 0.5], [1.0, 3.0]])
    assert compute_cost(AL, Y, loss="mse") == pytest.approx(1.8125, rel=1e-15)


def test_hand_regression_backward_and_one_gradient_step() -> None:
    parameters = hand_parameters()
    AL, caches = forward(HAND_X, parameters, HAND_ACTIVATIONS)
    grads = backward(AL, HAND_Y, caches)
    np.testing.assert_allclose(grads["dW2"], [[1.75, -0.5]], rtol=1e-15)
    np.testing.assert_allclose(grads["db2"], [[0.25]], rtol=1e-15)
    np.testing.assert_allclose(grads["dA1"], [[-0.5, 0.75], [1.0, -1.5]], rtol=1e-15)
    np.testing.assert_allclose(grads["dW1"], [[0.875, -0.875], [0.5, 1.0]], rtol=1e-15)
    np.testing.assert_allclose(grads["db1"], [[0.125], [0.5]], rtol=1e-15)
    with_l2 = backward(AL, HAND_Y, caches, lambd=0.4)
    np.testing.assert_allclose(with_l2["dW2"], [[1.85, -0.7]], rtol=1e-14)

    updated = update_parameters(parameters, grads, learning_rate=0.1)
    np.testing.assert_allclose(updated["W2"], [[0.325, -0.95]], rtol=1e-14)
    np.testing.assert_allclose(updated["b2"], [[0.475]], rtol=1e-14)
    np.testing.assert_allclose(updated["W1"], [[0.9125, 0.0875], [-1.05, 0.9]], rtol=1e-14)
    np.testing.assert_allclose(updated["b1"], [[-0.0125], [-0.05]], rtol=1e-14)
    AL_after, _ = forward(HAND_X, updated, HAND_ACTIVATIONS)
    np.testing.assert_allclose(AL_after, [[0.159375, 1.3321875]], rtol=1e-13)
    assert compute_cost(AL_after, HAND_Y, loss="mse") == pytest.approx(
        0.3497966064453125, rel=1e-13
    )

    # the training loop takes the same step and records the cost before it
    result = train(
        HAND_X,
        HAND_Y,
        parameters,
        HAND_ACTIVATIONS,
        learning_rate=0.1,
        num_iterations=1,
        loss="mse",
    )
    for key, value in updated.items():
        np.testing.assert_allclose(result.parameters[key], value, rtol=1e-14, atol=1e-16)
    assert result.costs == [(0, pytest.approx(0.8125, rel=1e-15))]


# -- central-difference gradient checks --------------------------------------------------------

KINK_MARGIN = 1e-3  # no hidden Z this close to 0, where relu and leaky_relu have a kink


def regression_problem(n_L: int, seed: int = 5) -> tuple[np.ndarray, np.ndarray, Arrays]:
    """X (3, 5), real targets Y (n[L], 5) and parameters of [3, 4, 3, n[L]], nonzero biases."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, 5))
    Y = rng.standard_normal((n_L, 5))
    parameters = initialize_parameters([3, 4, 3, n_L], init="xavier", seed=rng)
    for l in (1, 2, 3):
        parameters[f"b{l}"] = rng.standard_normal(parameters[f"b{l}"].shape) * 0.5
    return X, Y, parameters


@pytest.mark.parametrize("lambd", [0.0, 0.7])
@pytest.mark.parametrize("n_L", [1, 2])
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_linear_output_gradient_matches_central_differences(
    hidden: str, n_L: int, lambd: float
) -> None:
    X, Y, parameters = regression_problem(n_L)
    activations = [hidden, hidden, "linear"]
    AL, caches = forward(X, parameters, activations)
    assert X.dtype == AL.dtype == np.float64
    for cache in caches[:-1]:
        assert np.abs(cache.Z).min() > KINK_MARGIN, "move the data off the relu kink"
    assert any((cache.Z < 0).any() for cache in caches[:-1])  # both sides of the kink
    grads = backward(AL, Y, caches, lambd)
    numeric = numeric_gradient(X, Y, parameters, activations, lambd, loss="mse")
    g = np.concatenate([grads[key].ravel() for key in numeric])
    g_approx = np.concatenate([value.ravel() for value in numeric.values()])
    assert np.linalg.norm(g) > 1e-3  # a vanishing gradient would pass vacuously
    relative = np.linalg.norm(g - g_approx) / (np.linalg.norm(g) + np.linalg.norm(g_approx))
    assert relative < 1e-7
    assert gradient_check(X, Y, parameters, activations, lambd=lambd, loss="mse") < 1e-7


@pytest.mark.parametrize("n_L", [1, 2])
def test_gradient_check_catches_a_wrong_output_dZ(
    n_L: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    X, Y, parameters = regression_problem(n_L)
    activations = ["tanh", "tanh", "linear"]
    assert gradient_check(X, Y, parameters, activations, loss="mse") < 1e-7

    def wrong_backward(AL: np.ndarray, Y: np.ndarray, *args: Any) -> Arrays:
        # dZ[L] = 2 (AL - Y): the derivative of the cost without its 1/2
        return backward(2 * AL - Y, Y, *args)

    monkeypatch.setattr(dnn.gradcheck, "backward", wrong_backward)
    assert gradient_check(X, Y, parameters, activations, loss="mse") > 1e-2


def test_gradient_check_catches_a_missing_l2_term_with_a_linear_output() -> None:
    X, Y, parameters = regression_problem(2)
    activations = ["relu", "tanh", "linear"]
    AL, caches = forward(X, parameters, activations)
    assert gradient_check(X, Y, parameters, activations, lambd=0.7, loss="mse") < 1e-7
    # backward without L2 against a cost with it: the check must see the difference
    without = backward(AL, Y, caches, 0.0)
    numeric = numeric_gradient(X, Y, parameters, activations, 0.7, loss="mse")
    g = np.concatenate([without[key].ravel() for key in numeric])
    g_approx = np.concatenate([value.ravel() for value in numeric.values()])
    assert np.linalg.norm(g - g_approx) / (np.linalg.norm(g) + np.linalg.norm(g_approx)) > 1e-3


# -- the training loop computes what the functional core computes ------------------------------


def regression_toy(n_L: int, m: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray, Arrays]:
    """X (4, m), Y (n[L], m) a noisy linear function of X, parameters of [4, 5, 3, n[L]]."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((4, m))
    Y = rng.standard_normal((n_L, 4)) @ X + 0.1 * rng.standard_normal((n_L, m)) + 0.3
    parameters = initialize_parameters([4, 5, 3, n_L], init="xavier", seed=seed + 1)
    return X, Y, parameters


@pytest.mark.parametrize("lambd", [0.0, 0.8])
@pytest.mark.parametrize("n_L", [1, 2])
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_one_gd_iteration_equals_forward_backward_update(
    hidden: str, n_L: int, lambd: float
) -> None:
    X, Y, parameters = regression_toy(n_L)
    activations = [hidden, hidden, "linear"]
    AL, caches = forward(X, parameters, activations)
    expected = update_parameters(parameters, backward(AL, Y, caches, lambd), learning_rate=0.05)
    result = train(
        X, Y, parameters, activations, learning_rate=0.05, num_iterations=1, lambd=lambd, loss="mse"
    )
    for key, value in expected.items():
        np.testing.assert_allclose(result.parameters[key], value, rtol=1e-12, atol=1e-15)
    cost = compute_cost(AL, Y, parameters, lambd, loss="mse")
    assert result.costs == [(0, pytest.approx(cost, rel=1e-12))]


@pytest.mark.parametrize("mini_batch_size", [None, 5])
@pytest.mark.parametrize("n_L", [1, 2])
def test_adam_equals_the_course_functions(n_L: int, mini_batch_size: int | None) -> None:
    X, Y, parameters = regression_toy(n_L, m=10)
    activations = ["leaky_relu", "tanh", "linear"]
    hyper = {"learning_rate": 0.02, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-6}
    # the course: each step forward, backward, update_parameters_with_adam; the loop shuffles
    # the examples every epoch with its rng, so the reference draws the same permutations
    rng = np.random.default_rng(7)
    params = {key: value.copy() for key, value in parameters.items()}
    v, s = initialize_adam(params)
    t = 0
    size = X.shape[1] if mini_batch_size is None else mini_batch_size
    for _ in range(4):
        order = rng.permutation(X.shape[1]) if size < X.shape[1] else np.arange(X.shape[1])
        for start in range(0, X.shape[1], size):
            columns = order[start : start + size]
            AL, caches = forward(X[:, columns], params, activations)
            # the loop's L2 term is (λ / m) W[l] with m the whole training set's, whatever the
            # batch: backward divides by the batch's mb, so it gets λ mb / m
            grads = backward(AL, Y[:, columns], caches, 0.3 * len(columns) / X.shape[1])
            t += 1
            params, v, s, _, _ = update_parameters_with_adam(
                params,
                grads,
                v,
                s,
                t,
                hyper["learning_rate"],
                hyper["beta1"],
                hyper["beta2"],
                hyper["epsilon"],
            )
    result = train(
        X,
        Y,
        parameters,
        activations,
        num_iterations=4,
        optimizer="adam",
        lambd=0.3,
        mini_batch_size=mini_batch_size,
        rng=np.random.default_rng(7),
        loss="mse",
        learning_rate=hyper["learning_rate"],
        beta1=hyper["beta1"],
        beta2=hyper["beta2"],
        epsilon=hyper["epsilon"],
    )
    for key, value in params.items():
        np.testing.assert_allclose(result.parameters[key], value, rtol=1e-10, atol=1e-13)


def test_cost_falls_on_a_linear_toy_problem() -> None:
    X, Y, parameters = regression_toy(2, m=60)
    result = train(
        X,
        Y,
        parameters,
        ["tanh", "tanh", "linear"],
        learning_rate=0.02,
        num_iterations=1000,
        loss="mse",
        cost_every=100,
    )
    costs = [cost for _, cost in result.costs]
    assert all(later < earlier for earlier, later in zip(costs, costs[1:], strict=False))
    assert costs[-1] < 0.05 * costs[0]


def test_float32_regression_trains_and_costs_are_floats() -> None:
    X, Y, parameters = regression_toy(1, m=20)
    parameters32 = {key: value.astype(np.float32) for key, value in parameters.items()}
    result = train(
        X.astype(np.float32),
        Y.astype(np.float32),
        parameters32,
        ["relu", "relu", "linear"],
        learning_rate=0.05,
        num_iterations=50,
        loss="mse",
    )
    assert all(value.dtype == np.float32 for value in result.parameters.values())
    assert all(isinstance(cost, float) for _, cost in result.costs)
    assert result.costs[-1][1] < result.costs[0][1]


# -- the default is unchanged, and wrong pairings are refused ----------------------------------


def test_default_loss_is_cross_entropy_exactly() -> None:
    AL = np.array([[0.2, 0.9, 0.6]])
    Y = np.array([[0.0, 1.0, 1.0]])
    parameters = hand_parameters()
    assert compute_cost(AL, Y) == compute_cost(AL, Y, loss="cross_entropy")
    assert compute_cost(AL, Y, parameters, 0.3) == compute_cost(AL, Y, parameters, 0.3, None)
    assert compute_cost(AL, Y, loss="mse") != compute_cost(AL, Y)


@pytest.mark.parametrize(
    ("output", "loss", "message"),
    [
        ("sigmoid", "mse", "loss must be 'cross_entropy' for a sigmoid output layer, got 'mse'"),
        ("softmax", "mse", "loss must be 'cross_entropy' for a softmax output layer, got 'mse'"),
        (
            "linear",
            "cross_entropy",
            "loss must be 'mse' for a linear output layer, got 'cross_entropy'",
        ),
        ("linear", None, "loss must be 'mse' for a linear output layer, got None (cross_entropy)"),
        ("linear", "l2", "loss must be one of cross_entropy, mse, got 'l2'"),
    ],
)
def test_a_loss_that_does_not_fit_the_output_is_refused(
    output: str, loss: str | None, message: str
) -> None:
    n_L = 3 if output == "softmax" else 1
    X, _, parameters = regression_toy(n_L)
    Y = np.eye(n_L)[:, np.arange(X.shape[1]) % n_L] if output != "linear" else X[:n_L]
    activations = ["tanh", "tanh", output]
    for refuse in (
        lambda: train(
            X, Y, parameters, activations, learning_rate=0.1, num_iterations=1, loss=loss
        ),
        lambda: gradient_check(X, Y, parameters, activations, loss=loss),
    ):
        with pytest.raises(ValueError) as caught:
            refuse()
        assert str(caught.value) == message
        assert "\n" not in str(caught.value)


def test_compute_cost_refuses_an_unknown_loss_name() -> None:
    with pytest.raises(ValueError, match=r"^loss must be one of cross_entropy, mse, got 'rmse'$"):
        compute_cost(np.zeros((1, 2)), np.zeros((1, 2)), loss="rmse")


def test_targets_without_one_row_per_output_unit_are_refused() -> None:
    X, Y, parameters = regression_toy(2)
    with pytest.raises(ValueError, match=r"^Y must have n\[L\] = 2 rows .*, got 1$"):
        train(
            X,
            Y[:1],
            parameters,
            ["tanh", "tanh", "linear"],
            learning_rate=0.1,
            num_iterations=1,
            loss="mse",
        )


@pytest.mark.parametrize("cost_every", [1, 1000])
def test_a_diverging_learning_rate_raises_training_diverged(cost_every: int) -> None:
    X, Y, parameters = regression_toy(2, m=20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # divergence is reported, not warned about
        with pytest.raises(TrainingDiverged) as caught:
            train(
                X,
                Y,
                parameters,
                ["linear", "relu", "linear"],
                learning_rate=1e3,
                num_iterations=500,
                loss="mse",
                cost_every=cost_every,
            )
    assert isinstance(caught.value, FloatingPointError)
    assert 0 < caught.value.iteration < 100
    assert "diverged" in str(caught.value)
