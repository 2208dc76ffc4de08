"""Inverted dropout, as in the notes: A[l] is multiplied by D[l] / keep_prob before layer l + 1.

D[l] keeps each unit of A[l] with probability keep_prob, so the expected value of A[l] is
unchanged and prediction uses no mask; the backward pass multiplies dA[l] by the same mask.
`dnn.core.forward` and `backward` take the masks drawn here; the training loop draws each
step's masks into its own buffers with `draw_mask`, in the order `dropout_masks` draws them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dnn.core import make_rng
from dnn.hyperparameters import check_hyperparameter
from dnn.types import Array


def layer_keep_probs(L: int, keep_prob: float = 1.0, input_keep_prob: float = 1.0) -> list[float]:
    """The keep probability of A[l] for l = 0..L-1: the input's, then the hidden layers'.

    Raises:
        ValueError: naming `keep_prob` or `input_keep_prob` when it is outside (0, 1].
    """
    keep_prob = check_hyperparameter("keep_prob", keep_prob)
    input_keep_prob = check_hyperparameter("input_keep_prob", input_keep_prob)
    return [input_keep_prob] + [keep_prob] * (L - 1)


def draw_mask(rng: np.random.Generator, keep_prob: float, out: Array) -> Array:
    """Fill `out` with an inverted dropout mask: 1 / keep_prob with probability keep_prob, else 0.

    One uniform draw per entry, in `out`'s dtype, so the training loop (which fills buffers)
    and `dropout_masks` (which allocates) draw the same masks from the same generator.
    """
    rng.random(out=out, dtype=out.dtype)
    np.less(out, keep_prob, out=out)  # 1.0 where kept, 0.0 where dropped
    out *= 1 / keep_prob
    return out


def dropout_masks(
    layer_dims: Sequence[int],
    m: int,
    keep_prob: float = 1.0,
    input_keep_prob: float = 1.0,
    rng: np.random.Generator | int | None = None,
    dtype: str | np.dtype = "float64",
) -> list[Array | None]:
    """Masks D[l] / keep_prob for A[l], l = 0..L-1 (None where a layer keeps every unit).

    Drawn in layer order and in `dtype`, as the training loop draws them for each batch in
    its parameters' dtype (float32 uniforms differ from float64 ones). The output layer is
    never dropped.

    Returns:
        One mask of shape (n[l], m) or None for each l = 0..L-1.
    """
    rng = make_rng(rng)
    keeps = layer_keep_probs(len(layer_dims) - 1, keep_prob, input_keep_prob)
    return [
        None if keep == 1 else draw_mask(rng, keep, np.empty((n, m), dtype=dtype))
        for n, keep in zip(layer_dims[:-1], keeps, strict=True)
    ]
