"""The training set as the caller holds it, rows (m, n_x), seen by the network as (n_x, m).

`Rows` standardizes and transposes examples only where the loop reads them: a mini-batch at a
time, or the whole set once (in chunks of rows) for full-batch training, so that a large X (a
memory-mapped file, say) is never copied whole but where the matrix products need it. The
scaling is an affine step `(X - mean) / scale` and, for the robust and quantile scalings of
`dnn.scaling`, a step after it (`finish`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from dnn.types import Array

CHUNK_ELEMENTS = 2**18  # values standardized at once where a whole set is transposed


class Rows:
    """Examples as rows X (m, n_x), read standardized and transposed only where asked.

    Standardized `(X - mean) / scale` (when `mean` and `scale` are given), then `finish`ed
    (when given), and transposed to the network's (n_x, m) and `dtype`: one batch (`gather`)
    or a range of rows (`columns`). Each value is what
    `np.ascontiguousarray(finish((X - mean) / scale).T, dtype)` holds, bit for bit.

    X is not copied: a memory-mapped array stays on disk but for the rows read.
    """

    def __init__(
        self,
        X: Array,
        mean: Array | None = None,
        scale: Array | None = None,
        dtype: str | np.dtype = "float64",
        finish: Callable[[Array], Array] | None = None,
    ) -> None:
        """Keep X (not copied) and the scaling.

        Args:
            X: the examples, (m, n_x).
            mean: (n_x,) subtracted from each row, or None (no standardization).
            scale: (n_x,) each centred row is divided by, or None.
            dtype: the dtype of what is read (the network's).
            finish: rows (k, n_x) -> a new array (k, n_x), applied after the standardization
                (`InputScaling.finish`); None: nothing more.

        Raises:
            ValueError: X is not 2-d.
        """
        if X.ndim != 2:
            raise ValueError(f"Rows takes X (m, n_x), got shape {X.shape}")
        self.X = X
        self.affine = None if mean is None or scale is None else (mean, scale)
        self.dtype = np.dtype(dtype)
        self.finish = finish
        self._rows: dict[int, Array] = {}  # the gathered rows of a batch of k, by k

    @property
    def shape(self) -> tuple[int, int]:
        """(n_x, m), the shape of the transposed set."""
        return self.X.shape[1], self.X.shape[0]

    def standardized(self, rows: Array) -> Array:
        """Rows (k, n_x) of X scaled, in the arithmetic's dtype (may be `rows` itself)."""
        if self.affine is None:
            return rows if self.finish is None else self.finish(rows)
        mean, scale = self.affine
        centred = rows - mean
        if np.result_type(centred.dtype, scale.dtype) != centred.dtype:
            centred = centred / scale
        else:
            np.divide(centred, scale, out=centred)  # the same values, one temporary
        return centred if self.finish is None else self.finish(centred)

    def gather(self, index: NDArray[np.intp], out: Array) -> Array:
        """Write the examples `index` (k,), standardized and transposed, into `out` (n_x, k)."""
        if self.affine is None or not self._in_place():
            np.copyto(out, self.standardized(self.X[index]).T, casting="unsafe")
            return out
        rows = self._rows.get(len(index))
        if rows is None:
            rows = self._rows[len(index)] = np.empty((len(index), self.X.shape[1]), self.X.dtype)
        np.take(self.X, index, axis=0, out=rows)
        mean, scale = self.affine
        np.subtract(rows, mean, out=rows)
        np.divide(rows, scale, out=rows)
        scaled = rows if self.finish is None else self.finish(rows)
        np.copyto(out, scaled.T, casting="unsafe")
        return out

    def _in_place(self) -> bool:
        """True when (X - mean) / scale is computed in X's own dtype (so in a buffer of it)."""
        assert self.affine is not None
        return np.result_type(self.X.dtype, *self.affine) == self.X.dtype

    def columns(self, start: int = 0, stop: int | None = None) -> Array:
        """Rows start..stop standardized and transposed: a new (n_x, stop - start) array.

        Filled `CHUNK_ELEMENTS` values at a time (no temporary of the whole set).
        """
        stop = self.X.shape[0] if stop is None else stop
        out = np.empty((self.X.shape[1], stop - start), self.dtype)
        step = max(1, CHUNK_ELEMENTS // max(self.X.shape[1], 1))
        for first in range(start, stop, step):
            last = min(first + step, stop)
            rows = self.standardized(self.X[first:last])
            np.copyto(out[:, first - start : last - start], rows.T, casting="unsafe")
        return out
