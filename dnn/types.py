"""Type aliases and shape helpers shared by the network code, in the course's notation."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]
Parameters = dict[str, Array]  # W1..WL, b1..bL
Grads = dict[str, Array]  # dW1..dWL, db1..dbL, dA0..dA{L-1}


class LinearCache(NamedTuple):
    """What `linear_forward` keeps for `linear_backward`."""

    A_prev: Array  # (n[l-1], m)
    W: Array  # (n[l], n[l-1])
    b: Array  # (n[l], 1)


class LayerCache(NamedTuple):
    """What `linear_activation_forward` keeps for its backward step."""

    linear: LinearCache
    Z: Array  # (n[l], m)
    A: Array  # (n[l], m)
    activation: str


def num_layers(parameters: Parameters) -> int:
    """Return L, the number of layers with parameters (output included)."""
    L = sum(1 for key in parameters if key.startswith("W"))
    if L == 0 or any(
        f"W{l}" not in parameters or f"b{l}" not in parameters for l in range(1, L + 1)
    ):
        raise ValueError("parameters must hold W1..WL and b1..bL")
    return L


def layer_dims_of(parameters: Parameters) -> list[int]:
    """Return `layer_dims = [n_x, n1, ..., nL]` read off the shapes of `W1..WL`."""
    L = num_layers(parameters)
    return [parameters["W1"].shape[1]] + [parameters[f"W{l}"].shape[0] for l in range(1, L + 1)]


def count_parameters(layer_dims: Sequence[int]) -> int:
    """Number of learned parameters: sum over l of n[l] (n[l-1] + 1)."""
    return int(sum(n * (n_prev + 1) for n_prev, n in pairwise(layer_dims)))
