"""The course's optimizers (momentum, Adam, learning-rate decay) and their in-place twins."""

from __future__ import annotations

import numpy as np
import pytest

from dnn import (
    initialize_adam,
    initialize_parameters,
    initialize_velocity,
    update_lr,
    update_parameters,
    update_parameters_with_adam,
    update_parameters_with_momentum,
)
from dnn.optimizers import OPTIMIZERS, InPlaceOptimizer


def problem(seed: int = 0) -> tuple[dict[str, np.ndarray], list[dict[str, np.ndarray]]]:
    """Parameters of [3, 4, 2] and three steps of random gradients dW1, db1, dW2, db2."""
    rng = np.random.default_rng(seed)
    parameters = initialize_parameters([3, 4, 2], seed=rng)
    steps = [
        {f"d{key}": rng.standard_normal(value.shape) for key, value in parameters.items()}
        for _ in range(3)
    ]
    return parameters, steps


def copy_of(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {key: value.copy() for key, value in arrays.items()}


def assert_unchanged(arrays: dict[str, np.ndarray], before: dict[str, np.ndarray]) -> None:
    assert sorted(arrays) == sorted(before)
    for key in before:
        np.testing.assert_array_equal(arrays[key], before[key])


def test_initializers_give_zeros_keyed_like_the_gradients() -> None:
    parameters, _ = problem()
    v = initialize_velocity(parameters)
    assert sorted(v) == ["dW1", "dW2", "db1", "db2"]
    for key, value in v.items():
        assert value.shape == parameters[key[1:]].shape and not value.any()
    v, s = initialize_adam(parameters)
    assert sorted(v) == sorted(s) == ["dW1", "dW2", "db1", "db2"]
    assert v["dW1"] is not s["dW1"]


def test_momentum_by_hand_and_pure() -> None:
    parameters = {"W1": np.array([[1.0, -2.0]]), "b1": np.array([[0.5]])}
    grads = {"dW1": np.array([[0.4, 0.2]]), "db1": np.array([[-1.0]])}
    v = {"dW1": np.array([[0.1, 0.0]]), "db1": np.array([[0.0]])}
    before = (copy_of(parameters), copy_of(grads), copy_of(v))
    new, new_v = update_parameters_with_momentum(parameters, grads, v, beta=0.9, learning_rate=0.5)
    # v = 0.9 v + 0.1 g = [0.09 + 0.04, 0.02], [-0.1];  W = W - 0.5 v
    np.testing.assert_allclose(new_v["dW1"], [[0.13, 0.02]], rtol=1e-14)
    np.testing.assert_allclose(new_v["db1"], [[-0.1]], rtol=1e-14)
    np.testing.assert_allclose(new["W1"], [[1.0 - 0.065, -2.0 - 0.01]], rtol=1e-14)
    np.testing.assert_allclose(new["b1"], [[0.55]], rtol=1e-14)
    for arrays, old in zip((parameters, grads, v), before, strict=True):
        assert_unchanged(arrays, old)


def test_adam_first_step_moves_each_parameter_by_about_alpha() -> None:
    """At t = 1 the corrected moments are g and g^2, so the step is α g / (|g| + ε)."""
    parameters, steps = problem()
    v, s = initialize_adam(parameters)
    before = (copy_of(parameters), copy_of(v), copy_of(s))
    new, new_v, new_s, v_corrected, s_corrected = update_parameters_with_adam(
        parameters, steps[0], v, s, t=1, learning_rate=0.01
    )
    for key, value in parameters.items():
        g = steps[0][f"d{key}"]
        np.testing.assert_allclose(new_v[f"d{key}"], 0.1 * g, rtol=1e-14)
        np.testing.assert_allclose(new_s[f"d{key}"], 0.001 * g**2, rtol=1e-12)
        np.testing.assert_allclose(v_corrected[f"d{key}"], g, rtol=1e-14)
        np.testing.assert_allclose(s_corrected[f"d{key}"], g**2, rtol=1e-12)
        np.testing.assert_allclose(value - new[key], 0.01 * np.sign(g), rtol=1e-6)
    for arrays, old in zip((parameters, v, s), before, strict=True):
        assert_unchanged(arrays, old)


def test_update_lr_is_the_notes_decay() -> None:
    assert update_lr(0.5, 0, 1.0) == 0.5
    assert update_lr(0.5, 2, 1.0) == pytest.approx(0.5 / 3, rel=1e-15)
    assert update_lr(0.2, 10, 0.3) == pytest.approx(0.2 / 4, rel=1e-15)
    for learning_rate in (0.0075, 0.1, 1 / 3, 1e-300):
        for epoch_num in (0, 1, 999):
            assert update_lr(learning_rate, epoch_num, 0.0) == learning_rate  # exactly


def run_in_place(
    name: str,
    parameters: dict[str, np.ndarray],
    steps: list[dict[str, np.ndarray]],
    learning_rate: float,
    decay: float,
    **constants: float,
) -> dict[str, np.ndarray]:
    """The in-place twin on copies of the parameters, one step per gradient dict."""
    params = copy_of(parameters)
    optimizer: InPlaceOptimizer = OPTIMIZERS[name](params, **constants)
    for grads in steps:
        optimizer.t += 1
        scale = optimizer.gradient_scale(learning_rate)
        for key, value in params.items():
            grad = grads[f"d{key}"] * scale  # the loop folds gd's α into the gradient
            optimizer.step(value, grad, key, learning_rate, decay if key[0] == "W" else 0.0)
    return params


@pytest.mark.parametrize("decay", [0.0, 0.3])
@pytest.mark.parametrize("name", ["gd", "momentum", "adam"])
def test_in_place_steps_equal_the_course_functions(name: str, decay: float) -> None:
    """decay is the L2 term's λ / m: the course functions then see dW + decay W."""
    parameters, steps = problem(seed=1)
    constants = {"beta1": 0.8, "beta2": 0.95, "epsilon": 1e-6}
    params, (v, s) = copy_of(parameters), initialize_adam(parameters)
    for t, grads in enumerate(steps, start=1):
        grads = {**grads, "dW1": grads["dW1"] + decay * params["W1"]}
        grads["dW2"] = grads["dW2"] + decay * params["W2"]
        if name == "gd":
            params = update_parameters(params, grads, 0.1)
        elif name == "momentum":
            params, v = update_parameters_with_momentum(params, grads, v, 0.8, 0.1)
        else:
            params, v, s, _, _ = update_parameters_with_adam(
                params, grads, v, s, t, 0.1, 0.8, 0.95, 1e-6
            )
    found = run_in_place(name, parameters, steps, 0.1, decay, **constants)
    for key in parameters:
        np.testing.assert_allclose(found[key], params[key], rtol=1e-12, atol=1e-15, err_msg=key)
    assert not np.allclose(found["W1"], parameters["W1"])


def test_only_gd_folds_the_learning_rate_into_the_gradients() -> None:
    parameters, _ = problem()
    scales = {
        name: OPTIMIZERS[name](parameters, 0.9, 0.999, 1e-8).gradient_scale(0.25)
        for name in OPTIMIZERS
    }
    assert scales == {"gd": 0.25, "momentum": 1.0, "adam": 1.0}
