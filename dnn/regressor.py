"""`NetworkRegressor`: the L-layer network for numeric targets, numpy only.

The targets y (m,) or (m, k) are standardized with their mean and standard deviation (on a log
scale first with `target_scale="log"`: `dnn.target_scale`), learned with k linear output units
and the squared error, and the scaling is undone in `predict`. The rest (fit, prediction in
chunks, files) is `dnn.network.Network`'s.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from numpy.typing import NDArray

from dnn.checks import RowName, check_targets
from dnn.config import NetworkConfig
from dnn.metadata import REGRESSION
from dnn.network import Network
from dnn.persistence import SavedNetwork
from dnn.target_scale import from_log, log_shift, to_log
from dnn.types import Array


class NetworkRegressor(Network):
    """An L-layer fully connected regressor: k linear output units and the squared error.

    The arguments are `Network`'s (`dnn.config.NetworkConfig`). y is (m,) or (m, k) numbers;
    `fit` standardizes each target column with its mean and standard deviation (a constant
    column is only centred; a wholly constant y, or a spread too small to learn from, is
    refused), trains on that, and `predict` undoes it. With `target_scale="log"` it does so
    with t = log(y + y_shift_) in place of y, and predicts exp(t) - y_shift_ (never below 0).

    Attributes:
        y_mean_, y_scale_: the mean and standard deviation (1 where it is 0) of the targets as
        learned (of log(y + y_shift_) with `log`, whose mean then also holds Duan's smearing:
        `calibrate`), of shape () for a 1-d y and (k,) for y (m, k): `predict` returns y's
        shape. y_shift_: the log's shift, of the same shape (`log`
        only; else None). And those of `Network`.

    Example:
        >>> import numpy as np
        >>> X = np.linspace(-1, 1, 20)[:, np.newaxis]
        >>> net = NetworkRegressor(hidden_layers=(), num_iterations=300, learning_rate=0.5)
        >>> bool(np.allclose(net.fit(X, 3 * X[:, 0] + 1).predict([[0.5]]), [2.5]))
        True
    """

    _task = REGRESSION
    _counterpart = "NetworkClassifier"

    y_shift_: NDArray[np.float64] | None

    def _fit_targets(self, y: NDArray[Any], row: RowName, config: NetworkConfig) -> Array:
        """Set `y_mean_`, `y_scale_`, `y_shift_`; return the standardized targets Y, (k, m)."""
        y = check_targets(y, row=row)
        self.y_shift_ = None
        if config.target_scale == "log":
            self.y_shift_ = log_shift(y, row)
            y = to_log(y, self.y_shift_)
        self.y_mean_ = np.asarray(y.mean(axis=0))
        scale = y.std(axis=0)
        self.y_scale_ = np.where(scale > 0, scale, 1.0)
        Y = ((y - self.y_mean_) / self.y_scale_).reshape(len(y), -1)  # (m, k)
        return np.ascontiguousarray(Y.T, dtype=config.dtype)

    def _output_activation(self, n_L: int) -> str:
        """Linear, whatever the number of targets."""
        return "linear"

    def calibrate(self, X: Any, y: Any) -> Self:
        """With `target_scale="log"`, learn the offset of the current parameters again.

        `fit` does this on its training rows; call it with the same X and y after setting
        `parameters_` by hand (early stopping's rewind to the best epoch does).
        """
        self._check_fitted()
        if self.y_shift_ is not None:
            X = self._prediction_features(X, True)
            if len(X) != len(y):
                raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
            self._calibrate(X, y)
        return self

    def _calibrate(self, X: Array, y: NDArray[Any]) -> None:
        """Duan's smearing: `y_mean_` becomes the log targets' mean plus log S.

        exp of a mean of logs is a geometric mean, below the arithmetic one that the squared error
        and R^2 score: a log-scale network predicts too little, the more so the wider its
        errors. S = mean(exp(t - t_hat)) over the training rows (t = log(y + y_shift_), t_hat the
        network's t) corrects that without assuming their distribution (Duan, 1983). It is
        computed from the targets' own mean each time, so a network rewound to an earlier epoch
        and calibrated again is the one trained up to that epoch, bit for bit.
        """
        if self.y_shift_ is None:
            return
        y = check_targets(y)
        log_shift(y)  # refuses a negative target by its row, as `fit` does
        t = to_log(y, self.y_shift_).reshape(len(y), -1)  # (m, k)
        mean = t.mean(axis=0)  # as `_fit_targets` computed it
        t_hat = self._output_of(self._rows(X)) * self.y_scale_.reshape(-1) + mean  # (m, k)
        residual = t - t_hat
        top = residual.max(axis=0)  # log of a mean of exps, without overflow: top + log mean
        smear = top + np.log(np.mean(np.exp(residual - top), axis=0))
        self.y_mean_ = np.asarray((mean + smear).reshape(self.y_mean_.shape))

    def predict(self, X: Any, check_input: bool = True) -> NDArray[np.float64]:
        """The targets predicted for X (m, n_x): (m,) when fitted on a 1-d y, else (m, k).

        Args:
            X: features (m, n_x), or a table for a network fitted on one.
            check_input: False skips the input validation (see
                `NetworkClassifier.predict_proba`).

        Returns:
            The targets in their own scale, (m,) or (m, k).
        """
        y = self._output(X, check_input) * self.y_scale_ + self.y_mean_  # (m, k), float64
        if self.y_shift_ is not None:
            y = from_log(y, self.y_shift_)
        return y[:, 0] if self.y_mean_.ndim == 0 else y

    def _target_arrays(self) -> dict[str, NDArray[Any]]:
        """The targets' scaling, as `save` writes it."""
        shift = {} if self.y_shift_ is None else {"y_shift": self.y_shift_}
        return {"y_mean": self.y_mean_, "y_scale": self.y_scale_, **shift}

    def _set_targets(self, saved: SavedNetwork) -> None:
        """Set `y_mean_`, `y_scale_`, `y_shift_` from a file's arrays."""
        assert saved.y_mean is not None and saved.y_scale is not None  # a regression file's
        self.y_mean_, self.y_scale_, self.y_shift_ = saved.y_mean, saved.y_scale, saved.y_shift
