"""The estimator base, numpy only: `Network`, what both tasks' estimators share.

`NetworkClassifier` and `NetworkRegressor` share their arguments, fit, prediction in chunks,
save and load.

X is (m, n_x) here, as in scikit-learn; training and prediction see it as the course's
(n_x, m), standardized and transposed where it is used: once for full-batch training, a
mini-batch at a time otherwise, in chunks of rows for prediction (`dnn.rows.Rows`), so that
a large X (a memory-mapped file, say) is never copied whole but by full-batch training.

Each task is a subclass (`dnn.classifier`, `dnn.regressor`): what it learns from y and how it
predicts. What `fit` and `predict` accept (arrays, tables) is `dnn.inputs`'s; the arguments
are declared in `dnn.config`, the files' format in `dnn.persistence` and `dnn.metadata`.

This module imports neither scikit-learn, scipy nor pandas: a study's worker process builds,
fits, scores and saves a network for every trial, and importing scikit-learn would cost it
more than many of those trials. `dnn.estimator` puts scikit-learn's faces over these classes
(`DeepNetwork`, `DeepNetworkRegressor`): the same networks, the same files, with
scikit-learn's validation, `score`, `clone` and estimator checks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import NDArray

from dnn.activations import OUTPUT_LOSS
from dnn.checks import RowName
from dnn.config import ARGUMENTS, DEFAULTS, KEYWORD_ARGUMENTS, Callback, NetworkConfig, signature_of
from dnn.core import forward, initialize_parameters, make_rng
from dnn.inputs import Inputs
from dnn.metadata import SavedMeta, meta_json, saved_config
from dnn.persistence import SavedNetwork, npz_path, read_network
from dnn.rows import Rows
from dnn.scaling import InputScaling, fit_scaling
from dnn.train import TRAIN_HYPERPARAMETERS, TrainResult, train
from dnn.types import Array, Parameters, count_parameters, layer_dims_of

# values of X a prediction standardizes and runs through the layers at once (a larger X goes
# by chunks of rows: no copy of it whole, no activations of it whole)
PREDICTION_ELEMENTS = 2**21


class Network(Inputs):
    """What both tasks share: the arguments, fit, predict, save and load.

    The arguments are those of `dnn.config.NetworkConfig` (each documented there):
    `hidden_layers`, positionally or by name, then by name only `activation`, the
    hyperparameters (`learning_rate`, `num_iterations`, `optimizer`, ...) and the settings
    (`seed`, `callback`, `verbose`, `normalize`, `categorical`, `drop`). Each is kept as an
    attribute of its name, unchecked until `fit` (scikit-learn's convention).

    Attributes:
        parameters_: the learned `W1..WL`, `b1..bL`. costs_: the recorded costs (with a
        regressor, of the standardized targets); cost_iterations_: their iterations.
        n_features_in_, layer_dims_, activations_, n_iter_ (iterations run), n_parameters_.
        input_scaling_: the `dnn.scaling.InputScaling` learned with `normalize` (else None);
        `x_mean_` and `x_scale_` are its mean and scale when it is `standard`.
        encoder_: the `TableEncoder` learned from a table X (absent for an array X);
        `n_features_in_` and `feature_names_in_` are then the table's columns, and
        `layer_dims_[0]` the number of columns it encodes them into.
    """

    _task: ClassVar[str]  # what `save` writes as the file's task
    _counterpart: ClassVar[str]  # the class whose `load` reads the other task's files

    # set by `fit` or `load`
    parameters_: Parameters
    input_scaling_: InputScaling | None

    @signature_of(NetworkConfig)
    def __init__(
        self, hidden_layers: Sequence[int] = DEFAULTS["hidden_layers"], **arguments: Any
    ) -> None:
        """Keep each argument (see `NetworkConfig`) as an attribute of its name.

        Raises:
            TypeError: for a name that is not an argument.
        """
        unknown = [name for name in arguments if name not in KEYWORD_ARGUMENTS]
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.__init__() got an unexpected keyword argument "
                f"{unknown[0]!r}"
            )
        self.hidden_layers = hidden_layers
        for name in KEYWORD_ARGUMENTS:
            setattr(self, name, arguments.get(name, DEFAULTS[name]))

    # -- the arguments ----------------------------------------------------------------------

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """The arguments of `__init__`, sorted: the hyperparameters (scikit-learn's rule)."""
        return sorted(ARGUMENTS)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The arguments as given to `__init__` or `set_params`.

        Args:
            deep: changes nothing (no argument is itself an estimator).

        Returns:
            Argument name -> value, sorted by name.
        """
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params: Any) -> Self:
        """Set arguments by name; they are checked by `fit`, as in scikit-learn.

        Args:
            **params: argument name -> value.

        Returns:
            self.

        Raises:
            ValueError: for a name that is not an argument of `__init__`.
        """
        names = self._get_param_names()
        for name, value in params.items():
            if name not in names:
                raise ValueError(
                    f"invalid parameter {name!r} for {type(self).__name__} "
                    f"(valid: {', '.join(names)})"
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        """`Class(name=value, ...)` with the arguments that differ from their defaults."""
        changed = [
            f"{name}={value!r}"
            for name, value in self.get_params().items()
            if not _same(value, DEFAULTS[name])
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _config(self) -> NetworkConfig:
        """The arguments as one typed record (not checked: `NetworkConfig.checked` does)."""
        return NetworkConfig(**{name: getattr(self, name) for name in ARGUMENTS})

    # -- the task (each subclass) ---------------------------------------------------------

    def _fit_targets(self, y: NDArray[Any], row: RowName, config: NetworkConfig) -> Array:
        """Learn what the task keeps of y (classes, or the targets' scale) and return Y.

        Args:
            y: the targets, checked by the task.
            row: names y's rows in messages.
            config: the checked arguments (the network's dtype, `target_scale`).

        Returns:
            Y, (n[L], m) in the network's dtype.
        """
        raise NotImplementedError

    def _output_activation(self, n_L: int) -> str:
        raise NotImplementedError

    def _target_arrays(self) -> dict[str, NDArray[Any]]:
        """The task's arrays in a saved file."""
        raise NotImplementedError

    def _set_targets(self, saved: SavedNetwork) -> None:
        """Set what `_fit_targets` learns from a file's arrays."""
        raise NotImplementedError

    # -- training -------------------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> Self:
        """Learn W and b on X (m, n_x) with targets y.

        A table X (a DataFrame) is encoded by the `TableEncoder` the network learns from it.

        Args:
            X: features (m, n_x), or a table.
            y: labels (m,) for a classifier; targets (m,) or (m, k) for a regressor.

        Returns:
            self.

        Raises:
            ValueError: one line, for bad data (NaN or inf, mismatched lengths, a 1-d or empty
                X, targets the task cannot learn, a table `TableEncoder` refuses), an unknown
                activation, optimizer or init, or an invalid hyperparameter.
            TrainingDiverged: the cost or the gradients became NaN or infinite (the network
                is then left unfitted).
        """
        config = self._config().checked()
        config.check_task(self._task)
        units, hidden_names = config.hidden()
        X, y, row = self._training_features(X, y, config)
        Y = self._fit_targets(y, row, config)  # (n_L, m)
        self.layer_dims_ = [X.shape[1], *units, Y.shape[0]]
        self.activations_ = [*hidden_names, self._output_activation(Y.shape[0])]
        rng = make_rng(config.seed)
        parameters = initialize_parameters(self.layer_dims_, config.init, rng, config.dtype)
        self._fit_normalization(X, config)
        # parameters_ is live during training, so a callback can call predict or score; a fit
        # that raises (divergence, an exception from the callback) leaves the net unfitted.
        self.parameters_ = parameters
        try:
            result = self._train(self._training_rows(X, config), Y, rng, config)
        except BaseException:
            del self.parameters_
            raise
        self.cost_iterations_ = np.array([i for i, _ in result.costs], dtype=int)
        self.costs_ = np.array([c for _, c in result.costs], dtype=np.float64)
        self.n_iter_ = result.iterations
        self._calibrate(X, y)
        return self

    def calibrate(self, X: Any, y: Any) -> Self:
        """Learn again what training rows teach after training, for the current parameters.

        A log-scale regressor's offset (`NetworkRegressor.calibrate`); nothing for a classifier.
        `fit` does this; call it with the same rows after setting `parameters_` by hand (as early
        stopping does when it rewinds a network to its best epoch).
        """
        self._check_fitted()
        return self

    def _calibrate(self, X: Array, y: NDArray[Any]) -> None:
        """What `calibrate` learns, from the training features X (m, n_x) and targets y."""

    def _train(
        self, X: Rows, Y: Array, rng: np.random.Generator, config: NetworkConfig
    ) -> TrainResult:
        return train(
            X,
            Y,
            self.parameters_,
            self.activations_,
            loss=OUTPUT_LOSS[self.activations_[-1]],
            **{name: getattr(config, name) for name in TRAIN_HYPERPARAMETERS},
            rng=rng,
            callback=_reporting(config.callback) if config.verbose else config.callback,
            inplace=True,
        )

    def _fit_normalization(self, X: Array, config: NetworkConfig) -> None:
        """Learn the input scaling from the training rows (`input_scaling_`; None without)."""
        self.input_scaling_ = fit_scaling(config.scaling, X) if config.normalize else None

    def _rows(self, X: Array) -> Rows:
        """X (m, n_x) as the network sees it (`dnn.rows.Rows`).

        Scaled by `input_scaling_` if any, in its dtype, transposed to (n_x, m) where it is
        read.
        """
        dtype = self._config().dtype
        scaling = getattr(self, "input_scaling_", None)
        if scaling is None:
            return Rows(X, dtype=dtype)
        mean, scale = scaling.affine or (None, None)
        return Rows(X, mean, scale, dtype, scaling.finish if scaling.nonlinear else None)

    def _training_rows(self, X: Array, config: NetworkConfig) -> Rows:
        """The training set as `Rows`; quantile-scaled once, whole, for mini-batches.

        The quantile map goes feature by feature; made again for every mini-batch it would
        cost more than the batch's training step, so with mini-batches the scaled set (n_x,
        m) is made once, as full-batch training makes it.
        """
        rows = self._rows(X)
        scaling = self.input_scaling_
        batch = config.mini_batch_size
        if scaling is None or scaling.kind != "quantile" or batch is None or batch >= len(X):
            return rows
        return Rows(rows.columns().T, dtype=config.dtype)

    @property
    def x_mean_(self) -> NDArray[Any] | None:
        """The `standard` scaling's means (n[0],), else None (see `input_scaling_`)."""
        scaling = getattr(self, "input_scaling_", None)
        return scaling.center if scaling is not None and scaling.kind == "standard" else None

    @property
    def x_scale_(self) -> NDArray[Any] | None:
        """The `standard` scaling's standard deviations (n[0],), else None."""
        scaling = getattr(self, "input_scaling_", None)
        return scaling.scale if scaling is not None and scaling.kind == "standard" else None

    # -- prediction -----------------------------------------------------------------------

    def _output(self, X: Any, check_input: bool) -> Array:
        """A[L].T, (m, n[L]), for the features X (m, n_x)."""
        self._check_fitted()
        return self._output_of(self._rows(self._prediction_features(X, check_input)))

    def _output_of(self, rows: Rows) -> Array:
        """A[L].T, (m, n[L]), for rows as the network sees them, in chunks of a few MB."""
        n_x, m = rows.shape
        step = max(1, PREDICTION_ELEMENTS // n_x)
        if m <= step:
            AL, _ = forward(rows.columns(), self.parameters_, self.activations_)
            return AL.T
        out: Array | None = None
        for start in range(0, m, step):
            stop = min(start + step, m)
            AL, _ = forward(rows.columns(start, stop), self.parameters_, self.activations_)
            if out is None:
                out = np.empty((m, AL.shape[0]), AL.dtype)
            out[start:stop] = AL.T
        assert out is not None
        return out

    @property
    def n_parameters_(self) -> int:
        """Number of learned parameters, sum over l of n[l] (n[l-1] + 1)."""
        self._check_fitted()
        return count_parameters(self.layer_dims_)

    # -- persistence ----------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the hyperparameters and learned W, b to an `.npz` file (no pickle).

        Returns:
            The path written (`.npz` is appended when missing).
        """
        self._check_fitted()
        path = npz_path(path)
        # allow_pickle=False: an object array fails here rather than in `load`
        np.savez(path, **self._arrays(), allow_pickle=False)
        return path

    def _arrays(self) -> dict[str, NDArray[Any]]:
        """Every array of the network's file, by name (`dnn.persistence`)."""
        scaling = getattr(self, "input_scaling_", None)
        return {
            "meta": np.array(meta_json(self._task, self._meta())),
            "costs": self.costs_,
            "cost_iterations": self.cost_iterations_,
            **self._target_arrays(),
            **({} if scaling is None else scaling.arrays()),
            **self._encoder_arrays(),
            **self.parameters_,
        }

    def to_onnx(self, path: str | Path, dtype: str | None = None) -> Path:
        """Export the network to an ONNX model (`dnn.onnx_export`; needs `onnx`).

        Args:
            path: the `.onnx` file to write (a table network's input description is written
                beside it: `dnn.onnx_inputs`).
            dtype: `float32` or `float64`; None: the network's.

        Returns:
            The path written.
        """
        from dnn.onnx_export import export

        return export(self, path, dtype)

    def _encoder_arrays(self) -> dict[str, NDArray[Any]]:
        encoder = getattr(self, "encoder_", None)
        if encoder is None:
            return {}
        return {"encoder": np.array(json.dumps(encoder.to_state()))}

    def _meta(self) -> SavedMeta:
        """What `load` needs beside the arrays: the arguments and the fitted sizes."""
        names = getattr(self, "feature_names_in_", None)
        return SavedMeta(
            saved_config(self._config()),
            self.activations_,
            self.n_iter_,
            int(self.n_features_in_),
            None if names is None else [str(name) for name in names],
        )

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Read a network written by `save` (by this class or its scikit-learn face).

        Args:
            path: the `.npz` file.

        Returns:
            The network, ready to predict.

        Raises:
            ValueError: `<path>: <problem>` (one line) for a file `save` could not have
                written: not an npz, a bad `meta`, a hyperparameter its rule refuses, missing,
                extra or misshapen W and b, the other task's network (naming the class that
                loads it), and the rest that `dnn.persistence` checks.
            FileNotFoundError: no such file.
        """
        return cls._from_saved(read_network(path, cls._check_task))

    @classmethod
    def _check_task(cls, task: str) -> None:
        """Refuse the other task's file, naming the class that loads it."""
        if task != cls._task:
            raise ValueError(
                f"this file holds a {task} network: load it with {cls._counterpart}.load "
                "(or dnn.load)"
            )

    @classmethod
    def _from_saved(cls, saved: SavedNetwork) -> Self:
        """The network a checked file describes."""
        meta = saved.meta
        net = cls(**meta.config)
        net.parameters_ = saved.parameters
        net._set_targets(saved)
        net.costs_ = saved.costs
        net.cost_iterations_ = saved.cost_iterations
        net.input_scaling_ = saved.scaling
        net.activations_ = meta.activations
        net.layer_dims_ = layer_dims_of(net.parameters_)
        net.n_iter_ = meta.n_iter
        net.n_features_in_ = meta.n_features_in
        if meta.feature_names_in is not None:
            net.feature_names_in_ = np.asarray(meta.feature_names_in, dtype=object)
        if saved.encoder is not None:
            net.encoder_ = saved.encoder
        return net


def _reporting(callback: Callback | None) -> Callback:
    """`callback`, printing each recorded cost first (`verbose`)."""

    def report(iteration: int, cost: float) -> object:
        print(f"Cost after iteration {iteration}: {cost:.6f}", flush=True)
        return callback(iteration, cost) if callback is not None else None

    return report


def _same(value: object, default: object) -> bool:
    try:
        return bool(value == default)
    except ValueError:  # an array compared element by element
        return False
