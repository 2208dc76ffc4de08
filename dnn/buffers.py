"""The training loop's buffers, allocated once before the first iteration, and their memory.

Allocating and freeing the temporaries of every step costs more than the arithmetic on small
and medium shapes (the freed memory goes back to the operating system and is faulted in again
at the next step), so `dnn.train` writes every step into these. `training_memory` counts what
training allocates before anything is, so that a study can refuse a network that does not fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import NamedTuple

import numpy as np

from dnn.optimizers import OPTIMIZERS
from dnn.rows import CHUNK_ELEMENTS
from dnn.types import Array, count_parameters


class Views(NamedTuple):
    """The buffers as arrays for one batch size m; index l = 1..L (index 0 is unused)."""

    A: list[Array]  # A[l], (n[l], m)
    D: list[Array]  # dA[l], turned in place into dZ[l], (n[l], m)
    work: list[Array]  # the activations' scratch for layer l, (n[l], m), in the other D buffer
    ones: Array  # (m,), so that db[l] = dZ[l] @ ones
    # dropout, index l = 0..L-1: the mask of A[l] and the masked A[l] that layer l + 1 sees
    # (None where the layer keeps every unit); A[l] itself stays unmasked for g'[l]
    mask: list[Array | None]
    dropped: list[Array | None]


class Buffers:
    """Everything one step writes, sized for batches of `m` examples and allocated once."""

    def __init__(
        self, layer_dims: Sequence[int], m: int, dtype: np.dtype, keeps: Sequence[float]
    ) -> None:
        """Allocate the buffers of batches of up to m examples.

        `keeps` holds the keep probability of A[l], l = 0..L-1: a dropout mask buffer where it
        is below 1.
        """
        self.layer_dims = list(layer_dims)
        # keeps[l]: the keep probability of A[l], l = 0..L-1; a mask buffer where it is below 1
        inputs = list(zip(self.layer_dims[:-1], keeps, strict=True))
        self._mask = [np.empty(n * m, dtype) if keep < 1 else None for n, keep in inputs]
        self._dropped = [np.empty(n * m, dtype) if keep < 1 else None for n, keep in inputs]
        size = max(self.layer_dims[1:]) * m
        self._A = [np.empty(n * m, dtype) for n in self.layer_dims[1:]]
        self._D = (np.empty(size, dtype), np.empty(size, dtype))  # dZ[l] in _D[l % 2]
        self._ones = np.ones(m, dtype)
        # index 0 of the per-layer lists: there is no layer 0, an empty array holds its place
        self._unused: Array = np.empty((0, 0), dtype)
        dW = [np.empty((n, n_prev), dtype) for n_prev, n in pairwise(self.layer_dims)]
        db = [np.empty((n, 1), dtype) for n in self.layer_dims[1:]]
        self.dW: list[Array] = [self._unused, *dW]
        self.db: list[Array] = [self._unused, *db]
        self.db_column: list[Array] = [self._unused] + [b[:, 0] for b in db]  # same memory, (n[l],)
        self._views: dict[int, Views] = {}

    def views(self, m: int) -> Views:
        """The buffers' arrays for a batch of m <= the allocated m examples (made once per m)."""
        if m not in self._views:
            dims = self.layer_dims
            L = len(dims) - 1
            A: list[Array] = [self._unused]
            D: list[Array] = [self._unused]
            work: list[Array] = [self._unused]
            for l in range(1, L + 1):
                size = dims[l] * m
                A.append(self._A[l - 1][:size].reshape(dims[l], m))
                D.append(self._D[l % 2][:size].reshape(dims[l], m))
                work.append(self._D[(l + 1) % 2][:size].reshape(dims[l], m))
            mask = [shaped(buffer, n, m) for buffer, n in zip(self._mask, dims[:-1], strict=True)]
            dropped = [
                shaped(buffer, n, m) for buffer, n in zip(self._dropped, dims[:-1], strict=True)
            ]
            self._views[m] = Views(A, D, work, self._ones[:m], mask, dropped)
        return self._views[m]


def shaped(buffer: Array | None, n: int, m: int) -> Array | None:
    """A buffer's first n * m values as an (n, m) array (None for no buffer)."""
    return None if buffer is None else buffer[: n * m].reshape(n, m)


def training_memory(
    layer_dims: Sequence[int],
    m: int,
    *,
    mini_batch_size: int | None = None,
    optimizer: str = "gd",
    dropout: bool = False,
    dtype: str | np.dtype = "float64",
    scaling: str | None = None,
) -> int:
    """Bytes that training a network of `layer_dims` on m examples allocates (an estimate).

    What `train` and `DeepNetwork.fit` hold at once: the parameters, their gradients and the
    optimizer's state; the buffers of one batch (A[l], two dA/dZ buffers, dropout masks); the
    training set standardized and transposed for full-batch training, or one batch of it
    gathered and transposed with mini-batches, and a chunk of rows being standardized
    (`Rows`); Y, and its shuffled copy; with the `quantile` input scaling (`scaling`) and
    mini-batches, the scaled set, made once (`Network._training_rows`). X itself, the
    caller's, is not counted. Computed before anything is allocated, so that a study can
    refuse a network that does not fit.
    """
    dims = [int(n) for n in layer_dims]
    itemsize = np.dtype(dtype).itemsize
    n_parameters = count_parameters(dims)
    batch = m if mini_batch_size is None or mini_batch_size >= m else int(mini_batch_size)
    state = n_parameters * (2 + OPTIMIZERS[optimizer].copies)  # W, b; dW, db; optimizer
    buffers = (sum(dims[1:]) + 2 * max(dims[1:])) * batch
    masks = 2 * sum(dims[:-1]) * batch if dropout else 0
    transposed = 2 * dims[0] * batch if batch < m else dims[0] * m  # gathered rows, batch
    if scaling == "quantile" and batch < m:
        transposed += dims[0] * m
    training = state + buffers + masks + transposed + 2 * dims[-1] * m
    # before: W, b, Y and a chunk of rows being standardized (or the normalization's
    # temporaries), and with full batch the transposed set it is written into
    chunk = min(dims[0] * m, CHUNK_ELEMENTS)
    full = dims[0] * m if batch == m or scaling == "quantile" else 0
    standardizing = n_parameters + dims[-1] * m + full + chunk
    return max(training, standardizing) * itemsize
