"""Input scaling, the course's "normalizing inputs", learned on the training rows: by name.

With `normalize`, a network rescales each feature (each column of X (m, n_x)) before A[0],
with statistics learned by `fit` from its training rows only and saved with the network. The
hyperparameter `scaling` chooses how (`SCALINGS`):

- `standard` (the default, what `normalize` always did): (x - mean) / std, the course's
  normalization; a constant feature is only centred.
- `robust`: (x - median) / IQR (the interquartile range, q75 - q25), as scikit-learn's
  `RobustScaler`, then clipped to [-ROBUST_CLIP, ROBUST_CLIP]: a heavy tail or an outlier
  moves neither the statistics nor, past the clip, the network. A feature whose IQR is 0 (a
  rare category's 0/1 column) is only centred, as scikit-learn does (scale 1 below 10 eps).
- `quantile`: each feature through its training quantiles to a standard normal, as
  scikit-learn's `QuantileTransformer(n_quantiles=N_QUANTILES,
  output_distribution="normal")`: u = F(x), the piecewise-linear interpolation of the
  `N_QUANTILES` training percentiles at 0, 1/(n_q - 1), ..., 1 (fewer with fewer rows), then
  z = Φ⁻¹(u) with u clipped to [QUANTILE_BOUND, 1 - QUANTILE_BOUND], so |z| <= 5.1993. One
  difference, chosen: scikit-learn also sends a value within 1e-7 of the training minimum
  (maximum) to the lower (upper) bound, so a 0/1 column that is mostly 0 becomes ±5.2; here
  a value repeated in the training rows takes the middle of its ranks (scikit-learn's rule
  for repeated values inside the range), at the bounds too. Φ⁻¹ is Wichura's AS241 (numpy
  has no erfinv), within about 1e-15 of scipy's `ndtri`.

`N_QUANTILES` is 100 (scikit-learn's default is 1000): the percentiles every 1% describe a
feature's shape for a network's input well enough, and the ONNX graph evaluates one term per
quantile for each value (`dnn.onnx_export`).

`InputScaling` is a fitted scaling: an affine step (`affine`, done by `dnn.rows.Rows` in
place, bit for bit as before for `standard`) and a step after it (`finish`: the clip, or the
quantile map). Its arrays are saved under the names of `SCALING_ARRAYS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dnn.rows import CHUNK_ELEMENTS
from dnn.types import Array

SCALINGS = ("standard", "robust", "quantile")
ROBUST_CLIP = 5.0  # |robust value| at most: 5 IQRs from the median, past Tukey's far fences
N_QUANTILES = 100
MAX_QUANTILES = 100_000  # a file's quantiles (a later version may keep more; not millions)
QUANTILE_BOUND = 1e-7 - np.spacing(1)  # scikit-learn's BOUNDS_THRESHOLD - spacing(1)
ROBUST_RANGE = (25.0, 50.0, 75.0)  # percentiles: q25, the median, q75
# The arrays a fitted scaling is saved as (`dnn.persistence`), by scaling.
SCALING_ARRAYS = {
    "standard": ("x_mean", "x_scale"),
    "robust": ("x_median", "x_iqr"),
    "quantile": ("x_quantiles",),
}


@dataclass(frozen=True)
class InputScaling:
    """A scaling fitted on training rows: what turns a row x (n_x,) into the network's A[0].

    Attributes:
        kind: one of `SCALINGS`.
        center: (n_x,) the mean (`standard`) or the median (`robust`); None for `quantile`.
        scale: (n_x,) positive, the standard deviation or the IQR; None for `quantile`.
        quantiles: (n_q, n_x) each column's training percentiles at linspace(0, 100, n_q),
            non-decreasing down each column (`quantile` only).
    """

    kind: str
    center: Array | None = None
    scale: Array | None = None
    quantiles: Array | None = None

    @property
    def affine(self) -> tuple[Array, Array] | None:
        """(center, scale) of the step (x - center) / scale, or None (`quantile`)."""
        if self.center is None or self.scale is None:
            return None
        return self.center, self.scale

    @property
    def nonlinear(self) -> bool:
        """True when a step follows the affine one (`finish` is not the identity)."""
        return self.kind != "standard"

    def finish(self, Z: Array) -> Array:
        """The step after the affine one, on rows (k, n_x); a new array (Z is not changed).

        Args:
            Z: rows after `affine` (or raw rows, for `quantile`).

        Returns:
            (k, n_x): Z for `standard`, Z clipped for `robust`, Φ⁻¹(F(x)) for `quantile`.
        """
        if self.kind == "robust":
            return np.clip(Z, -ROBUST_CLIP, ROBUST_CLIP)
        if self.kind == "quantile":
            assert self.quantiles is not None
            u = np.clip(quantile_map(Z, self.quantiles), QUANTILE_BOUND, 1 - QUANTILE_BOUND)
            return normal_quantile(u)
        return Z

    def transform(self, X: Array) -> Array:
        """The scaled rows X (k, n_x), whole (`dnn.rows.Rows` does it by chunks)."""
        affine = self.affine
        Z = X if affine is None else (X - affine[0]) / affine[1]
        return self.finish(Z)

    def arrays(self) -> dict[str, Array]:
        """The arrays `save` writes, by their names in `SCALING_ARRAYS`."""
        values = (self.quantiles,) if self.kind == "quantile" else (self.center, self.scale)
        return {
            name: value
            for name, value in zip(SCALING_ARRAYS[self.kind], values, strict=True)
            if value is not None
        }

    @classmethod
    def from_arrays(cls, kind: str, arrays: dict[str, NDArray[Any]], n_x: int) -> InputScaling:
        """The scaling a file's arrays describe, each checked.

        Args:
            kind: one of `SCALINGS` (the file's `scaling`).
            arrays: the file's arrays; those of `SCALING_ARRAYS[kind]` must all be there.
            n_x: n[0], the columns of W1.

        Returns:
            The fitted scaling.

        Raises:
            ValueError: one line naming the array and what is wrong with it.
        """
        if kind == "quantile":
            return cls(kind, quantiles=_checked_quantiles(arrays["x_quantiles"], n_x))
        center_name, scale_name = SCALING_ARRAYS[kind]
        center = _checked_vector(center_name, arrays[center_name], n_x)
        scale = _checked_vector(scale_name, arrays[scale_name], n_x)
        if not (scale > 0).all():
            raise ValueError(f"{scale_name} must be positive")
        return cls(kind, center, scale)


def fit_scaling(kind: str, X: Array) -> InputScaling:
    """Learn the scaling `kind` from the training rows X (m, n_x), by chunks (no copy of X).

    Args:
        kind: one of `SCALINGS`.
        X: the training rows, finite.

    Returns:
        The fitted scaling: a mean and standard deviation in X's dtype, percentiles as
        `np.percentile` gives them (float64).
    """
    if kind == "standard":
        mean, std = column_stats(X)
        return InputScaling(kind, mean, np.where(std > 0, std, 1.0))
    if kind == "robust":
        q25, median, q75 = column_percentiles(X, ROBUST_RANGE)
        iqr = q75 - q25
        small = iqr < 10 * np.finfo(iqr.dtype).eps  # scikit-learn's `_handle_zeros_in_scale`
        return InputScaling(kind, median, np.where(small, 1.0, iqr).astype(iqr.dtype))
    if kind == "quantile":
        n_q = min(N_QUANTILES, X.shape[0])
        quantiles = column_percentiles(X, np.linspace(0, 1, n_q) * 100)
        return InputScaling(kind, quantiles=np.maximum.accumulate(quantiles, axis=0))
    raise ValueError(f"scaling must be one of {', '.join(SCALINGS)}, got {kind!r}")


def column_stats(X: Array) -> tuple[Array, Array]:
    """The mean and standard deviation of each column of X (m, n_x), in chunks of rows.

    Bit for bit those of `X.mean(axis=0)` and `X.std(axis=0)`, without their temporaries of
    X's size.

    numpy sums the rows of a C-ordered X one after the other (axis 0 is not its contiguous
    axis, so there is no pairwise summation): chunks of rows, each summed on top of the rows
    before it, add in that same order. Any other layout (a single column, Fortran order, a
    small X) is left to numpy.
    """
    m, n_x = X.shape
    step = max(1, CHUNK_ELEMENTS // n_x)
    if m <= step or n_x < 2 or not X.flags.c_contiguous:
        return X.mean(axis=0), X.std(axis=0)
    total = np.zeros((1, n_x), X.dtype)
    for start in range(0, m, step):
        total = np.add.reduce(np.concatenate([total, X[start : start + step]]), axis=0)[None]
    mean = total[0] / m
    squares = np.zeros((1, n_x), X.dtype)
    for start in range(0, m, step):
        deviation = X[start : start + step] - mean
        np.multiply(deviation, deviation, out=deviation)
        squares = np.add.reduce(np.concatenate([squares, deviation]), axis=0)[None]
    return mean, np.sqrt(squares[0] / m)


def column_percentiles(X: Array, q: Any) -> Array:
    """The percentiles q (in [0, 100]) of each column of X (m, n_x): (len(q), n_x).

    Those of `np.percentile(X, q, axis=0)` (linear interpolation, as scikit-learn's
    scalers), computed a few columns at a time, so that only a chunk of X is copied (numpy
    partitions a copy).
    """
    m, n_x = X.shape
    q = np.asarray(q, dtype=np.float64)
    step = max(1, CHUNK_ELEMENTS // max(m, 1))
    out: Array | None = None
    for start in range(0, n_x, step):
        part = np.percentile(X[:, start : start + step], q, axis=0)
        if out is None:
            out = np.empty((len(q), n_x), part.dtype)
        out[:, start : start + step] = part
    assert out is not None
    return out


def quantile_map(X: Array, quantiles: Array) -> NDArray[np.float64]:
    """The map u = F(x) of each column: x through its training quantiles to [0, 1].

    scikit-learn's interpolation: the mean of the interpolation upwards and downwards, so
    that a value repeated in the quantiles (a discrete feature) takes the middle of its ranks.

    Args:
        X: rows (k, n_x).
        quantiles: (n_q, n_x), each column non-decreasing, at references linspace(0, 1, n_q).

    Returns:
        (k, n_x) float64 in [0, 1].
    """
    references = np.linspace(0, 1, quantiles.shape[0])
    u = np.empty(X.shape, np.float64)
    for j in range(X.shape[1]):
        x, q = X[:, j], quantiles[:, j]
        up = np.interp(x, q, references)
        down = np.interp(-x, -q[::-1], -references[::-1])
        u[:, j] = 0.5 * (up - down)
    return u


# Wichura's AS241 (PPND16, Applied Statistics 37, 1988), the normal quantile to about 1e-15:
# a rational function of r = 0.180625 - q^2 in the centre (|p - 0.5| <= 0.425), and of
# r = sqrt(-log(min(p, 1 - p))) - 1.6 in the tails down to p = exp(-25). Lowest degree first.
AS241_CENTRAL = (
    (
        3.387132872796366608,
        133.14166789178437745,
        1971.5909503065514427,
        13731.693765509461125,
        45921.953931549871457,
        67265.770927008700853,
        33430.575583588128105,
        2509.0809287301226727,
    ),
    (
        1.0,
        42.313330701600911252,
        687.1870074920579083,
        5394.1960214247511077,
        21213.794301586595867,
        39307.89580009271061,
        28729.085735721942674,
        5226.495278852854561,
    ),
)
AS241_TAIL = (
    (
        1.42343711074968357734,
        4.6303378461565452959,
        5.7694972214606914055,
        3.64784832476320460504,
        1.27045825245236838258,
        0.24178072517745061177,
        0.0227238449892691845833,
        7.7454501427834140764e-4,
    ),
    (
        1.0,
        2.05319162663775882187,
        1.6763848301838038494,
        0.68976733498510000455,
        0.14810397642748007459,
        0.0151986665636164571966,
        5.475938084995344946e-4,
        1.05075007164441684324e-9,
    ),
)
AS241_SPLIT = 0.425  # |p - 0.5| at most: the central rational function
AS241_CENTRE = 0.180625  # 0.425^2
AS241_SHIFT = 1.6
MIN_NORMAL_P = float(np.exp(-25.0))  # the tail function holds from here up


def normal_quantile(p: Array) -> Array:
    """Φ⁻¹(p), the standard normal quantile, for p in [exp(-25), 1 - exp(-25)] (AS241).

    Args:
        p: probabilities; the quantile scaling gives [QUANTILE_BOUND, 1 - QUANTILE_BOUND].

    Returns:
        z of p's shape, with Φ(z) = p (to about 1e-15).
    """
    p = np.asarray(p, dtype=np.float64)
    if p.size and (p.min() < MIN_NORMAL_P or p.max() > 1 - MIN_NORMAL_P):
        raise ValueError(f"normal_quantile takes p in [{MIN_NORMAL_P:g}, 1 - that]")
    q = p - 0.5
    r = AS241_CENTRE - q * q
    central = q * _rational(AS241_CENTRAL, r)
    s = np.sqrt(-np.log(np.minimum(p, 1 - p))) - AS241_SHIFT
    tail = np.copysign(_rational(AS241_TAIL, s), q)
    return np.where(np.abs(q) <= AS241_SPLIT, central, tail)


def _rational(coefficients: tuple[tuple[float, ...], tuple[float, ...]], r: Array) -> Array:
    """N(r) / D(r) by Horner's rule; coefficients lowest degree first."""
    numerator, denominator = (_horner(c, r) for c in coefficients)
    return numerator / denominator


def _horner(coefficients: tuple[float, ...], r: Array) -> Array:
    value = np.full_like(r, coefficients[-1])
    for c in coefficients[-2::-1]:
        value = value * r + c
    return value


def _checked_vector(name: str, value: NDArray[Any], n_x: int) -> NDArray[Any]:
    """A (n_x,) float array of finite values."""
    if value.shape != (n_x,) or value.dtype.kind != "f":
        raise ValueError(
            f"{name} must be a float array of shape ({n_x},) (n[0]), got dtype "
            f"{value.dtype} shape {value.shape}"
        )
    if not np.isfinite(value).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    return value


def _checked_quantiles(value: NDArray[Any], n_x: int) -> NDArray[Any]:
    """(n_q, n_x) finite floats, 1 <= n_q <= MAX_QUANTILES, non-decreasing down each column."""
    if (
        value.ndim != 2
        or value.shape[1] != n_x
        or not 1 <= value.shape[0] <= MAX_QUANTILES
        or value.dtype.kind != "f"
    ):
        raise ValueError(
            f"x_quantiles must be a float array of shape (n_q, {n_x}) (n[0] columns, n_q "
            f"from 1 to {MAX_QUANTILES}), got dtype {value.dtype} shape {value.shape}"
        )
    if not np.isfinite(value).all():
        raise ValueError("x_quantiles holds NaN or infinite values")
    if (np.diff(value, axis=0) < 0).any():
        raise ValueError("x_quantiles must not decrease down a column")
    return value
