"""A regression target's scale: learned as it is (`standard`) or on a log scale (`log`).

`target_scale` is a regressor's hyperparameter (`TARGET_SCALES`). With `standard` (the
default) the network learns y standardized, as it always did. With `log` it learns
t = log(y + shift) (then standardized), and predicts y = exp(t) - shift, never below 0: a
positive, skewed target (prices, salaries, counts) is learned on the scale of its ratios, and
a few large values no longer dominate the squared error. Predictions and scores are always in
the target's own units; only `costs_` are on the scale learned.

exp of a predicted log is a geometric mean, below the mean that the squared error and R^2 ask
for, the more so the wider the network's errors. So after training the offset the network adds
to its outputs (`y_mean_`, the mean of t) gets log S, Duan's (1983) smearing estimate: S = the
mean of exp(t - t_hat) over the training rows, which makes the predictions' ratio to the
targets 1 on average there (`NetworkRegressor.calibrate`). It needs no change to the file
format or the ONNX graph; a file written before it predicts as it did.

`shift` is chosen per target column from the training targets: 0 when every value is
positive (a plain log); when the column holds zeros, its smallest positive value, so that 0
maps to log(shift) one step below the smallest positive value's log(2 shift) — for counts
(smallest positive 1) this is log1p, and for any unit it is the same function of y / shift;
a column of zeros only takes shift 1. A negative target is refused by name: its log is not
defined and no shift learned from the training rows would cover the values of new rows.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from dnn.checks import RowName, by_position

TARGET_SCALES = ("standard", "log")
LOG_MAX = float(np.log(np.finfo(np.float64).max))  # exp of more overflows to inf


def log_shift(y: NDArray[np.float64], row: RowName = by_position) -> NDArray[np.float64]:
    """The shift of each target column for `log` (see the module docstring).

    Args:
        y: the training targets, (m,) or (m, k), finite.
        row: names a row of y from its position.

    Returns:
        () for a 1-d y, (k,) for (m, k): 0 for a positive column, else its smallest positive
        value (1 for a column of zeros).

    Raises:
        ValueError: `target_scale 'log' needs targets >= 0: y <row> is <value>`.
    """
    negative = y < 0
    if negative.any():
        index = np.argwhere(negative)[0]
        where = f"y {row(int(index[0]))}" + (f", column {int(index[1])}" if y.ndim == 2 else "")
        raise ValueError(
            f"target_scale 'log' needs targets >= 0: {where} is {y[tuple(index)]:g} "
            "(use target_scale 'standard')"
        )
    positive = np.where(y > 0, y, np.inf).min(axis=0)
    smallest = np.where(np.isfinite(positive), positive, 1.0)
    return np.asarray(np.where(y.min(axis=0) > 0, 0.0, smallest))


def to_log(y: NDArray[np.float64], shift: NDArray[np.float64]) -> NDArray[np.float64]:
    """The targets as the network learns them: t = log(y + shift)."""
    return np.log(y + shift)


def from_log(t: NDArray[np.floating], shift: NDArray[np.float64]) -> NDArray[np.float64]:
    """The prediction y = exp(t) - shift, at least 0: a prediction back in the target's units.

    t is capped at `LOG_MAX`, so that a wild output gives the largest float, not inf.
    """
    return np.maximum(np.exp(np.minimum(t, LOG_MAX)) - shift, 0.0)
