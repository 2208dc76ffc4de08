"""Hypothesis properties over random `layer_dims`, `m`, activations and seeds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dnn import (
    backward,
    compute_cost,
    forward,
    initialize_parameters,
    train,
    update_parameters,
)
from dnn.activations import HIDDEN_ACTIVATIONS
from dnn.optimizers import OPTIMIZERS

# X, Y, parameters, activations
Network = tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], list[str]]

# derandomize: the same examples on every run, so the suite is deterministic
PROPERTY_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)


@st.composite
def networks(draw: st.DrawFn, min_m: int = 1, max_m: int = 8) -> Network:
    """(X, Y, parameters, activations) for random layer_dims = [n_x, n1, ..., nL] and m."""
    layer_dims = draw(st.lists(st.integers(1, 6), min_size=2, max_size=5))
    L = len(layer_dims) - 1
    m = draw(st.integers(min_m, max_m))
    hidden = draw(st.lists(st.sampled_from(HIDDEN_ACTIVATIONS), min_size=L - 1, max_size=L - 1))
    output = "sigmoid" if layer_dims[-1] == 1 else "softmax"
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    init = draw(st.sampled_from(["he", "xavier"]))
    parameters = initialize_parameters(layer_dims, init=init, seed=rng)
    for l in range(1, L + 1):
        parameters[f"b{l}"] = 0.1 * rng.standard_normal((layer_dims[l], 1))
    X = rng.standard_normal((layer_dims[0], m))
    n_L = layer_dims[-1]
    if n_L == 1:  # separable: the sign of a random direction
        Y = (rng.standard_normal(layer_dims[0]) @ X > 0).astype(float)[np.newaxis, :]
    else:  # separable: the argmax of a random linear map
        Y = np.eye(n_L)[:, np.argmax(rng.standard_normal((n_L, layer_dims[0])) @ X, axis=0)]
    return X, Y, parameters, [*hidden, output]


@PROPERTY_SETTINGS
@given(networks())
def test_parameters_caches_and_grads_have_course_shapes(network: Network) -> None:
    X, Y, parameters, activations = network
    layer_dims = [X.shape[0]] + [
        parameters[f"W{l}"].shape[0] for l in range(1, len(activations) + 1)
    ]
    L, m = len(layer_dims) - 1, X.shape[1]
    assert sorted(parameters) == sorted(
        [f"W{l}" for l in range(1, L + 1)] + [f"b{l}" for l in range(1, L + 1)]
    )
    for l in range(1, L + 1):
        assert parameters[f"W{l}"].shape == (layer_dims[l], layer_dims[l - 1])
        assert parameters[f"b{l}"].shape == (layer_dims[l], 1)
    AL, caches = forward(X, parameters, activations)
    assert AL.shape == (layer_dims[L], m)
    assert len(caches) == L
    for l, cache in enumerate(caches, start=1):
        A_prev, W, b = cache.linear
        assert A_prev.shape == (layer_dims[l - 1], m)
        assert W.shape == parameters[f"W{l}"].shape
        assert b.shape == parameters[f"b{l}"].shape
        assert cache.Z.shape == cache.A.shape == (layer_dims[l], m)
        assert cache.activation == activations[l - 1]
    grads = backward(AL, Y, caches, lambd=0.1)
    expected_keys = {f"d{key}" for key in parameters} | {f"dA{l - 1}" for l in range(1, L + 1)}
    assert set(grads) == expected_keys
    for l in range(1, L + 1):
        assert grads[f"dW{l}"].shape == parameters[f"W{l}"].shape
        assert grads[f"db{l}"].shape == parameters[f"b{l}"].shape
        assert grads[f"dA{l - 1}"].shape == caches[l - 1].linear.A_prev.shape
    assert all(np.isfinite(value).all() for value in grads.values())


@PROPERTY_SETTINGS
@given(
    networks(), st.sampled_from(list(OPTIMIZERS)), st.sampled_from([None, 1, 3]), st.floats(0, 1)
)
def test_learning_rate_zero_changes_nothing(
    network: Network, optimizer: str, mini_batch_size: int | None, lambd: float
) -> None:
    X, Y, parameters, activations = network
    AL, caches = forward(X, parameters, activations)
    unchanged = update_parameters(parameters, backward(AL, Y, caches, lambd), learning_rate=0.0)
    result = train(
        X,
        Y,
        parameters,
        activations,
        learning_rate=0.0,
        num_iterations=3,
        optimizer=optimizer,
        mini_batch_size=mini_batch_size,
        lambd=lambd,
        rng=0,
    )
    for key, value in parameters.items():
        np.testing.assert_array_equal(unchanged[key], value)
        np.testing.assert_array_equal(result.parameters[key], value)


@PROPERTY_SETTINGS
@given(networks(), st.sampled_from([0.0, 0.5]))
def test_one_training_iteration_equals_the_functional_core(network: Network, lambd: float) -> None:
    X, Y, parameters, activations = network
    AL, caches = forward(X, parameters, activations)
    expected = update_parameters(parameters, backward(AL, Y, caches, lambd), learning_rate=0.1)
    result = train(X, Y, parameters, activations, learning_rate=0.1, num_iterations=1, lambd=lambd)
    for key in expected:
        np.testing.assert_allclose(result.parameters[key], expected[key], rtol=1e-12, atol=1e-15)


@PROPERTY_SETTINGS
@given(networks(min_m=4, max_m=24))
def test_cost_falls_on_a_separable_toy_set(network: Network) -> None:
    X, Y, parameters, activations = network
    AL, caches = forward(X, parameters, activations)
    grads = backward(AL, Y, caches)
    # only a network that is stuck at the start (every relu off and the output bias already
    # at the label frequencies) has nothing to learn; that is not what this property is about
    assume(max(np.abs(grads[f"d{key}"]).max() for key in parameters) > 1e-6)
    result = train(
        X, Y, parameters, activations, learning_rate=0.05, num_iterations=25, cost_every=1
    )
    costs = [cost for _, cost in result.costs]
    assert costs[0] == pytest.approx(compute_cost(AL, Y), rel=1e-12)
    assert costs[-1] < costs[0]
