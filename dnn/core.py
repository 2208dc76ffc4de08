"""The functional core of an L-layer network, step by step as in the course notes.

Forward:  Z[l] = W[l] A[l-1] + b[l],  A[l] = g[l](Z[l]),  A[0] = X of shape (n_x, m).
Cost:     binary or categorical cross-entropy (sigmoid or softmax output), or the squared
          error (1/2m) sum (A[L] - Y)^2 (linear output, regression), plus
          (lambd / 2m) sum ||W[l]||^2.
Backward: dZ[L] = A[L] - Y (each output with its own loss);  dW[l] = dZ[l] A[l-1].T / m;
          db[l] = sum(dZ[l]) / m;  dA[l-1] = W[l].T dZ[l];  dZ[l] = dA[l] * g'[l](Z[l]).
Dropout:  `forward` and `backward` take the masks D[l] / keep_prob of `dnn.dropout`: layer
          l + 1 sees A[l] * mask[l], and dA[l] is multiplied by the same mask.

These functions are pure: they return new arrays and never change their arguments. The fast
training loop in `dnn.train` computes the same quantities in preallocated buffers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dnn.activations import (
    ACTIVATION_BACKWARD,
    ACTIVATIONS,
    check_loss,
    check_output_activation,
)
from dnn.hyperparameters import check_hyperparameter
from dnn.initialization import INITIALIZATIONS
from dnn.types import Array, Grads, LayerCache, LinearCache, Parameters, num_layers


def make_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Return a Generator: `seed` itself if it is one, else `np.random.default_rng(seed)`."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def initialize_parameters(
    layer_dims: Sequence[int],
    init: str = "he",
    seed: int | np.random.Generator | None = None,
    dtype: str | np.dtype = "float64",
) -> Parameters:
    """Draw W[l] from a scaled normal and set b[l] to zero, for l = 1..L.

    Args:
        layer_dims: `[n_x, n1, ..., nL]`, each a positive integer.
        init: `he` (sqrt(2 / n[l-1]), for relu), `xavier` (sqrt(1 / n[l-1]), for tanh) or
            `scaled` (the course's `randn * 0.01`).
        seed: an int, a `np.random.Generator`, or None for fresh entropy. The weights are drawn
            in float64 and then cast, so a seed gives the same network in every dtype.
        dtype: float64 or float32.

    Returns:
        `{"W1": (n1, n_x), "b1": (n1, 1), ..., "WL": (nL, n[L-1]), "bL": (nL, 1)}`.
    """
    dims = [int(n) for n in layer_dims]
    if len(dims) < 2 or any(n < 1 for n in dims):
        raise ValueError(
            f"layer_dims must hold at least two positive sizes, got {list(layer_dims)}"
        )
    dtype = np.dtype(check_hyperparameter("dtype", np.dtype(dtype).name))
    scale_of = INITIALIZATIONS[check_hyperparameter("init", init)]
    rng = make_rng(seed)
    L = len(dims) - 1
    parameters: Parameters = {}
    for l in range(1, L + 1):
        scale = scale_of(dims[l - 1])
        W = rng.standard_normal((dims[l], dims[l - 1])) * scale
        parameters[f"W{l}"] = W.astype(dtype)
        parameters[f"b{l}"] = np.zeros((dims[l], 1), dtype=dtype)
    return parameters


def linear_forward(A_prev: Array, W: Array, b: Array) -> tuple[Array, LinearCache]:
    """Z = W A_prev + b.

    Args:
        A_prev: (n[l-1], m).
        W: (n[l], n[l-1]).
        b: (n[l], 1).

    Returns:
        Z of shape (n[l], m) and the cache `(A_prev, W, b)`.
    """
    Z = W @ A_prev + b  # (n_l, m)
    return Z, LinearCache(A_prev, W, b)


def linear_backward(
    dZ: Array, cache: LinearCache, lambd: float = 0.0
) -> tuple[Array, Array, Array]:
    """The linear backward step: dW, db and dA_prev from dZ.

    dW = dZ A_prev.T / m (+ lambd W / m), db = sum(dZ) / m, dA_prev = W.T dZ.

    Args:
        dZ: (n[l], m).
        cache: the `LinearCache` of the same layer.
        lambd: L2 strength.

    Returns:
        dA_prev (n[l-1], m), dW (n[l], n[l-1]), db (n[l], 1).
    """
    A_prev, W, _ = cache
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T / m
    if lambd:
        dW = dW + (lambd / m) * W
    db = dZ.sum(axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ
    return dA_prev, dW, db


def linear_activation_forward(
    A_prev: Array, W: Array, b: Array, activation: str
) -> tuple[Array, LayerCache]:
    """A = g(W A_prev + b) for the named activation g.

    Returns:
        A of shape (n[l], m) and the `LayerCache` `(linear_cache, Z, A, activation)`.
    """
    Z, linear_cache = linear_forward(A_prev, W, b)
    A = ACTIVATIONS[activation](Z)
    return A, LayerCache(linear_cache, Z, A, activation)


def linear_activation_backward(
    dA: Array, cache: LayerCache, lambd: float = 0.0
) -> tuple[Array, Array, Array]:
    """The activation's backward step dZ = dA * g'(Z), then the linear backward step.

    Returns:
        dA_prev (n[l-1], m), dW (n[l], n[l-1]), db (n[l], 1).
    """
    dZ = ACTIVATION_BACKWARD[cache.activation](dA, cache.A)
    return linear_backward(dZ, cache.linear, lambd)


def check_activations(activations: Sequence[str], L: int) -> list[str]:
    """Validate one activation per layer 1..L: hidden ones by rule `activation`, then the output's.

    Raises:
        ValueError: for the wrong number of names, or a name not allowed in its layer.
    """
    names = list(activations)
    if len(names) != L:
        raise ValueError(
            f"activations must name one activation per layer (L={L}), got {len(names)}"
        )
    for name in names[:-1]:
        check_hyperparameter("activation", name)
    check_output_activation(names[-1])
    return names


def forward(
    X: Array,
    parameters: Parameters,
    activations: Sequence[str],
    masks: Sequence[Array | None] | None = None,
) -> tuple[Array, list[LayerCache]]:
    """Run the L layers on X.

    Args:
        X: A[0] of shape (n_x, m).
        parameters: `W1..WL`, `b1..bL`.
        activations: one name per layer 1..L; the last is `sigmoid`, `softmax` or `linear`.
        masks: for training with dropout, the masks of A[0..L-1] (`dropout_masks`); layer l
            then computes Z[l] = W[l] (A[l-1] * mask[l-1]) + b[l].

    Returns:
        AL of shape (n[L], m) and the caches of layers 1..L (`caches[l - 1]` is layer l's;
        its linear cache holds the masked input, its A the unmasked activation).
    """
    L = num_layers(parameters)
    names = check_activations(activations, L)
    A = X
    caches = []
    for l in range(1, L + 1):
        mask = None if masks is None else masks[l - 1]
        if mask is not None:
            A = A * mask
        A, cache = linear_activation_forward(
            A, parameters[f"W{l}"], parameters[f"b{l}"], names[l - 1]
        )
        caches.append(cache)
    return A, caches


def l2_cost(parameters: Parameters, lambd: float, m: int) -> float:
    """The L2 term (lambd / 2m) sum_l ||W[l]||_F^2 of the cost."""
    if not lambd:
        return 0.0
    L = num_layers(parameters)
    squares = sum(float(np.vdot(parameters[f"W{l}"], parameters[f"W{l}"])) for l in range(1, L + 1))
    return lambd / (2 * m) * squares


def cross_entropy_cost(AL: Array, Y: Array) -> Array:
    """Cross-entropy of AL against Y, averaged over the m examples (a 0-d array).

    Binary cross-entropy when AL has one row, categorical cross-entropy (Y one-hot) otherwise.
    Probabilities are clipped to [eps, 1 - eps] of their dtype, so no `log(0)` ever happens.
    """
    m = AL.shape[1]
    eps = np.finfo(AL.dtype).eps
    P = np.clip(AL, eps, 1 - eps)
    if AL.shape[0] == 1:
        return -(np.vdot(Y, np.log(P)) + np.vdot(1 - Y, np.log1p(-P))) / m
    return -np.vdot(Y, np.log(P)) / m


def squared_error_cost(AL: Array, Y: Array) -> Array:
    """(1/2m) sum (AL - Y)^2 over the n[L] targets and m examples (a 0-d array).

    The 1/2 makes dJ/dAL = (AL - Y) / m, so a linear output layer starts `backward` from the
    same dZ[L] = AL - Y as the classifiers.
    """
    m = AL.shape[1]
    residual = AL - Y  # (n_L, m)
    return np.vdot(residual, residual) / (2 * m)


COSTS = {"cross_entropy": cross_entropy_cost, "mse": squared_error_cost}


def compute_cost(
    AL: Array,
    Y: Array,
    parameters: Parameters | None = None,
    lambd: float = 0.0,
    loss: str | None = None,
) -> float:
    """The cost of AL against Y, averaged over the m examples, plus the L2 term.

    Args:
        AL: (n[L], m) outputs.
        Y: (n[L], m) labels (0/1, one-hot when n[L] > 1) or targets.
        parameters: W1..WL, for the L2 term.
        lambd: when lambd > 0, add (lambd / 2m) sum ||W[l]||^2.
        loss: `cross_entropy` (None, the default: binary or categorical) for a sigmoid or
            softmax output, `mse` (the squared error (1/2m) sum (AL - Y)^2, summed over the
            n[L] targets) for a linear output. Named, never guessed from the values.

    Returns:
        The cost as a Python float.

    Raises:
        ValueError: for a `loss` that is not a known name.
    """
    m = AL.shape[1]
    cost = COSTS[check_loss(loss)](AL, Y)
    if lambd and parameters is not None:
        cost += l2_cost(parameters, lambd, m)
    return float(cost)


def backward(
    AL: Array,
    Y: Array,
    caches: Sequence[LayerCache],
    lambd: float = 0.0,
    masks: Sequence[Array | None] | None = None,
) -> Grads:
    """Gradients of the cost with respect to every W[l], b[l] and A[l-1].

    The output layer (sigmoid with binary, softmax with categorical cross-entropy, linear with
    the squared error) gives the fused `dZ[L] = AL - Y`; the 1/m enters in dW and db only, as
    in the course. With the dropout `masks` that `forward` used, dA[l] is multiplied by mask[l].

    Returns:
        `{"dW{l}", "db{l}", "dA{l-1}"}` for l = 1..L, each the shape of what it differentiates.
    """
    L = len(caches)
    grads: Grads = {}

    def through_mask(dA: Array, l: int) -> Array:  # from A[l] * mask[l] back to A[l] itself
        mask = None if masks is None else masks[l]
        if mask is None:
            return dA
        return dA * mask

    dZ = AL - Y  # (n_L, m)
    dA_prev, dW, db = linear_backward(dZ, caches[L - 1].linear, lambd)
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = through_mask(dA_prev, L - 1), dW, db
    for l in range(L - 1, 0, -1):
        dA_prev, dW, db = linear_activation_backward(grads[f"dA{l}"], caches[l - 1], lambd)
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = through_mask(dA_prev, l - 1), dW, db
    return grads


def update_parameters(parameters: Parameters, grads: Grads, learning_rate: float) -> Parameters:
    """One step of gradient descent: W[l] - α dW[l], b[l] - α db[l]. Returns a new dict."""
    L = num_layers(parameters)
    updated: Parameters = {}
    for l in range(1, L + 1):
        updated[f"W{l}"] = parameters[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        updated[f"b{l}"] = parameters[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return updated
