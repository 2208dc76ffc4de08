"""Initialization of W[l]: the scale of its standard normal draw, by name.

The notes start with `np.random.randn(n[l], n[l-1]) * 0.01` and then scale by the fan-in
n[l-1] so that Z[l] keeps its variance from layer to layer: `sqrt(2 / n[l-1])` for relu (He)
and `sqrt(1 / n[l-1])` for tanh (Xavier). `dnn.core.initialize_parameters` looks the scale up
here; a new scheme is one function and one entry of `INITIALIZATIONS`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def he(n_prev: int) -> float:
    """sqrt(2 / n[l-1]): keeps the variance of Z[l] under relu."""
    return float(np.sqrt(2.0 / n_prev))


def xavier(n_prev: int) -> float:
    """sqrt(1 / n[l-1]): keeps the variance of Z[l] under tanh."""
    return float(np.sqrt(1.0 / n_prev))


def scaled(n_prev: int) -> float:
    """0.01, the notes' first `randn * 0.01`, whatever n[l-1]."""
    return 0.01


INITIALIZATIONS: dict[str, Callable[[int], float]] = {
    "he": he,
    "xavier": xavier,
    "scaled": scaled,
}
