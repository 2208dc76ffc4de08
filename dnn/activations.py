"""The activations g[l] and their derivatives, side by side, dispatched by name.

Each forward function maps `Z` to `A = g(Z)`; each backward function maps `dA` to
`dZ = dA * g'(Z)`, with `g'` written in terms of `A` (which every activation here allows), so
the training loop can keep `A` only. All accept `out=` (which may be the input itself) and
`work=` (a scratch array of the same shape that they may overwrite) so that the training
loop runs in preallocated buffers; called without them they are pure and return new arrays.

`softmax` is an output activation: `dnn.core.backward` uses the fused `dZ[L] = A[L] - Y`;
its Jacobian product is here for completeness and for the gradient check. That fused start
holds for each output activation with its own loss (`OUTPUT_LOSS`): sigmoid and softmax with
cross-entropy, linear (regression) with the squared error (1/2m) sum (A[L] - Y)^2.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dnn.types import Array

LEAKY_SLOPE = 0.01


def _scratch(A: Array, work: Array | None) -> Array:
    return np.empty_like(A) if work is None else work


def relu(Z: Array, out: Array | None = None, work: Array | None = None) -> Array:
    """g(z) = max(z, 0)."""
    return np.maximum(Z, 0, out=out)


def relu_backward(
    dA: Array, A: Array, out: Array | None = None, work: Array | None = None
) -> Array:
    """g'(z) = 1 where z > 0 else 0; A > 0 exactly where Z > 0."""
    mask = np.greater(A, 0, out=_scratch(A, work))
    return np.multiply(dA, mask, out=out)


def leaky_relu(Z: Array, out: Array | None = None, work: Array | None = None) -> Array:
    """g(z) = z where z > 0 else 0.01 z."""
    scaled = np.multiply(Z, LEAKY_SLOPE, out=_scratch(Z, work))
    return np.maximum(Z, scaled, out=out)


def leaky_relu_backward(
    dA: Array, A: Array, out: Array | None = None, work: Array | None = None
) -> Array:
    """g'(z) = 1 where z > 0 else 0.01; A has the sign of Z."""
    slope = np.greater(A, 0, out=_scratch(A, work))
    slope *= 1 - LEAKY_SLOPE
    slope += LEAKY_SLOPE
    return np.multiply(dA, slope, out=out)


def tanh(Z: Array, out: Array | None = None, work: Array | None = None) -> Array:
    """g(z) = tanh(z)."""
    return np.tanh(Z, out=out)


def tanh_backward(
    dA: Array, A: Array, out: Array | None = None, work: Array | None = None
) -> Array:
    """g'(z) = 1 - tanh(z)^2 = 1 - A^2."""
    slope = np.multiply(A, A, out=_scratch(A, work))
    np.subtract(1, slope, out=slope)
    return np.multiply(dA, slope, out=out)


def sigmoid(Z: Array, out: Array | None = None, work: Array | None = None) -> Array:
    """g(z) = 1 / (1 + exp(-z)), computed as (1 + tanh(z / 2)) / 2, which never overflows."""
    A = np.multiply(Z, 0.5, out=out)
    np.tanh(A, out=A)
    A += 1
    A *= 0.5
    return A


def sigmoid_backward(
    dA: Array, A: Array, out: Array | None = None, work: Array | None = None
) -> Array:
    """g'(z) = g(z) (1 - g(z)) = A (1 - A)."""
    slope = np.subtract(1, A, out=_scratch(A, work))
    slope *= A
    return np.multiply(dA, slope, out=out)


def linear(Z: Array, out: Array | None = None, work: Array | None = None) -> Array:
    """g(z) = z."""
    if out is None:
        return Z.copy()
    if out is not Z:
        np.copyto(out, Z)
    return out


def linear_backward_activation(
    dA: Array, A: Array, out: Array | None = None, work: Array | None = None
) -> Array:
    """g'(z) = 1."""
    return linear(dA, out=out)


def softmax(Z: Array, out: Array | None = None, work: Array | None = None) -> Array:
    """g(z)_i = exp(z_i) / sum_j exp(z_j) per column, shifted by the column max (no overflow)."""
    A = np.subtract(Z, Z.max(axis=0, keepdims=True), out=out)
    np.exp(A, out=A)
    A /= A.sum(axis=0, keepdims=True)
    return A


def softmax_backward(
    dA: Array, A: Array, out: Array | None = None, work: Array | None = None
) -> Array:
    """Jacobian product of a softmax column: dZ = A * (dA - sum_i dA_i A_i)."""
    inner = (dA * A).sum(axis=0, keepdims=True)
    return np.multiply(A, dA - inner, out=out)


ACTIVATIONS: dict[str, Callable[..., Array]] = {
    "relu": relu,
    "leaky_relu": leaky_relu,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "linear": linear,
    "softmax": softmax,
}

ACTIVATION_BACKWARD: dict[str, Callable[..., Array]] = {
    "relu": relu_backward,
    "leaky_relu": leaky_relu_backward,
    "tanh": tanh_backward,
    "sigmoid": sigmoid_backward,
    "linear": linear_backward_activation,
    "softmax": softmax_backward,
}

HIDDEN_ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "linear")
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax", "linear")

# The loss each output activation is paired with: the pairs for which dZ[L] = A[L] - Y, the
# one start `dnn.core.backward` knows. A loss of None means cross-entropy (the classifier's).
OUTPUT_LOSS = {"sigmoid": "cross_entropy", "softmax": "cross_entropy", "linear": "mse"}
LOSSES = ("cross_entropy", "mse")


def check_output_activation(name: object) -> str:
    """Return `name` if it is an output activation (the last layer's, fixed by the task).

    Hidden activations are a hyperparameter, checked by rule `activation` of
    `dnn.hyperparameters`; the output's is not, so its check lives beside the table.

    Raises:
        ValueError: naming the bad value and the choices.
    """
    if name not in OUTPUT_ACTIVATIONS:
        choices = ", ".join(OUTPUT_ACTIVATIONS)
        raise ValueError(f"unknown output activation {name!r}; choose one of {choices}")
    return str(name)


def check_loss(loss: object, output_activation: str | None = None) -> str:
    """Return the loss named by `loss` (None: `cross_entropy`), checked against the output.

    Args:
        loss: `cross_entropy`, `mse` or None.
        output_activation: the last layer's activation, whose paired loss (`OUTPUT_LOSS`)
            `loss` must be; None checks the name only.

    Raises:
        ValueError: one line naming `loss`, for an unknown name or one that does not fit the
            output activation (the fused dZ[L] = A[L] - Y would then be wrong).
    """
    name = "cross_entropy" if loss is None else loss
    if name not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")
    if output_activation is not None:
        needed = OUTPUT_LOSS[check_output_activation(output_activation)]
        if name != needed:
            shown = "None (cross_entropy)" if loss is None else repr(loss)
            raise ValueError(
                f"loss must be {needed!r} for a {output_activation} output layer, got {shown}"
            )
    return str(name)
