"""Gradient checking, as in the notes: `backward` against central differences of the cost.

For every parameter θ_i, dθ_approx[i] = (J(θ + ε e_i) - J(θ - ε e_i)) / 2ε, and the check
returns ||dθ - dθ_approx|| / (||dθ|| + ||dθ_approx||). Slow (two forward passes per entry):
for tests and debugging, never for training.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dnn.activations import check_loss
from dnn.core import backward, compute_cost, forward
from dnn.types import Array, Parameters


def gradient_check(
    X: Array,
    Y: Array,
    parameters: Parameters,
    activations: Sequence[str],
    epsilon: float = 1e-7,
    lambd: float = 0.0,
    masks: Sequence[Array | None] | None = None,
    loss: str | None = None,
) -> float:
    """Compare `backward` with central differences of `compute_cost` over every parameter.

    Args:
        X: (n_x, m).
        Y: (n[L], m).
        parameters: the network's W1..WL, b1..bL.
        activations: one name per layer 1..L.
        epsilon: the step of the central differences.
        lambd: L2 strength of the cost differenced.
        masks: fixed dropout masks, used by every forward pass (the cost with dropout is a
            different function for each draw, so the check holds one draw still).
        loss: the cost differenced, as in `compute_cost` (None: cross-entropy); it must fit
            the output activation (`mse` for a linear output), as `dnn.train` requires.

    Returns:
        The relative error ||g - g_approx|| / (||g|| + ||g_approx||); below 1e-7 in float64
        for a correct backward pass.
    """
    loss = check_loss(loss, list(activations)[-1])
    AL, caches = forward(X, parameters, activations, masks)
    grads = backward(AL, Y, caches, lambd, masks)
    analytic, numeric = [], []
    for key in parameters:
        analytic.append(grads[f"d{key}"].ravel())
        numeric.append(
            _numeric_gradient(X, Y, parameters, activations, key, epsilon, lambd, masks, loss)
        )
    g, g_approx = np.concatenate(analytic), np.concatenate(numeric)
    denominator = np.linalg.norm(g) + np.linalg.norm(g_approx)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(g - g_approx) / denominator)


def _numeric_gradient(
    X: Array,
    Y: Array,
    parameters: Parameters,
    activations: Sequence[str],
    key: str,
    epsilon: float,
    lambd: float,
    masks: Sequence[Array | None] | None = None,
    loss: str | None = None,
) -> Array:
    """Central differences (J(θ + ε) - J(θ - ε)) / 2ε for each entry of parameters[key].

    Returns:
        The flattened approximation, (parameters[key].size,), in float64.
    """
    base = parameters[key]
    approx = np.empty(base.size, dtype=np.float64)
    for i in range(base.size):
        costs = []
        for sign in (1, -1):
            shifted = base.copy().ravel()
            shifted[i] += sign * epsilon
            trial = {**parameters, key: shifted.reshape(base.shape)}
            AL, _ = forward(X, trial, activations, masks)
            costs.append(compute_cost(AL, Y, trial, lambd, loss))
        approx[i] = (costs[0] - costs[1]) / (2 * epsilon)
    return approx
