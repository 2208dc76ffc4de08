"""The L-layer network as an estimator, numpy only: `NetworkClassifier` and `NetworkRegressor`.

X is (m, n_x) here, as in scikit-learn; training and prediction see it as the course's
(n_x, m), standardized and transposed where it is used: once for full-batch training, a
mini-batch at a time otherwise, in chunks of rows for prediction (`dnn.train.Rows`), so that
a large X (a memory-mapped file, say) is never copied whole but by full-batch training.

A classifier encodes its labels to 0/1 (one sigmoid unit) for two classes and to one-hot
columns (softmax) for more; a regressor standardizes its targets y (m,) or (m, k) with their
mean and standard deviation, learns them with k linear output units and the squared error,
and undoes the scaling in `predict`.

Both take a raw table too: fitted on a pandas DataFrame, a network learns a
`dnn.tables.TableEncoder` from it (kept as `encoder_`, saved with the network) and trains on
its output; `predict` then encodes any DataFrame with the same columns, by name.

This module imports neither scikit-learn, scipy nor pandas: a study's worker process builds,
fits, scores and saves a network for every trial, and importing scikit-learn would cost it
more than many of those trials. Its input checks are its own and light (a finite 2-d float
array, lengths that match). `dnn.estimator` puts scikit-learn's faces over these classes
(`DeepNetwork`, `DeepNetworkRegressor`): the same networks, the same files, with
scikit-learn's validation, `score`, `clone` and estimator checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np
from numpy.typing import NDArray

from dnn.activations import OUTPUT_LOSS
from dnn.checks import (
    RowName,
    by_position,
    check_features,
    check_labels,
    check_targets,
    row_names,
)
from dnn.config import ARGUMENTS, DEFAULTS, KEYWORD_ARGUMENTS, Callback, NetworkConfig, signature_of
from dnn.core import forward, initialize_parameters, make_rng
from dnn.labels import encode_labels, predict_labels
from dnn.persistence import (
    CLASSIFICATION,
    REGRESSION,
    SavedMeta,
    SavedNetwork,
    meta_json,
    read_network,
)
from dnn.train import CHUNK_ELEMENTS, TRAIN_HYPERPARAMETERS, Rows, TrainResult, train
from dnn.types import Array, Parameters, count_parameters, layer_dims_of

if TYPE_CHECKING:
    from dnn.tables import TableEncoder

# `dnn.tables` is imported where a table is handled, not here: `import dnn` leaves it out.

# values of X a prediction standardizes and runs through the layers at once (a larger X goes
# by chunks of rows: no copy of it whole, no activations of it whole)
PREDICTION_ELEMENTS = 2**21


class NotFittedError(ValueError, AttributeError):
    """A fitted network's method called before `fit` or `load` (as scikit-learn's, also an
    AttributeError, so that `hasattr(net, "n_parameters_")` is False)."""


class Network:
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
        encoder_: the `TableEncoder` learned from a table X (absent for an array X);
        `n_features_in_` and `feature_names_in_` are then the table's columns, and
        `layer_dims_[0]` the number of columns it encodes them into.
    """

    _task: ClassVar[str]  # what `save` writes as the file's task
    _counterpart: ClassVar[str]  # the class whose `load` reads the other task's files

    # set by `fit` or `load`
    parameters_: Parameters
    x_mean_: NDArray[Any] | None
    x_scale_: NDArray[Any] | None
    feature_names_in_: NDArray[Any]  # only when fitted on a table
    encoder_: TableEncoder  # only when fitted on a table

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

    # -- tables -------------------------------------------------------------------------------

    def _training_features(
        self, X: Any, y: Any, config: NetworkConfig
    ) -> tuple[Array, NDArray[Any], RowName]:
        """X as the network's input (m, n[0]) and y checked; a table X is encoded by a
        `TableEncoder` learned from it (kept as `encoder_`).

        Returns:
            X (m, n[0]), y (m rows), and how messages name y's rows (a table's by its index).
        """
        from dnn.tables import TableEncoder, is_table

        if not is_table(X):
            if len(config.categorical) or len(config.drop):
                raise ValueError(
                    "categorical and drop name columns of a table (a pandas DataFrame), "
                    f"but X is a {type(X).__name__}"
                )
            for name in ("encoder_", "feature_names_in_"):  # left by a fit on a table
                self.__dict__.pop(name, None)
            return (*self._validate_training_data(X, y), by_position)
        encoder = TableEncoder(config.categorical, config.drop)
        X_encoded, y = self._validate_training_data(encoder.fit_transform(X), y)
        self.encoder_ = encoder
        self.n_features_in_ = len(encoder.columns_)
        self.feature_names_in_ = np.asarray(encoder.columns_, dtype=object)
        return X_encoded, y, row_names(X.index)

    def _prediction_features(self, X: Any, check_input: bool) -> Array:
        """X as the network's input (m, n[0]): a table through `encoder_`, an array checked
        (unless `check_input` is False)."""
        encoder = getattr(self, "encoder_", None)
        if encoder is None:
            return self._validate_features(X) if check_input else X
        from dnn.tables import is_table

        if is_table(X):
            return encoder.transform(X)
        if check_input:
            raise ValueError(
                f"this {type(self).__name__} was fitted on a table: give it a DataFrame with "
                f"the columns {', '.join(map(repr, encoder.columns_))}, not a "
                f"{type(X).__name__}"
            )
        return X  # check_input=False: as encoder_.transform made it

    # -- input checks (scikit-learn's faces replace these three) ---------------------------

    def _validate_training_data(self, X: Any, y: Any) -> tuple[Array, NDArray[Any]]:
        """X as a finite float array (m, n_x) and y as an array of m rows; sets
        `n_features_in_`.

        Raises:
            ValueError: one line, for an X that is not 2-d, empty, not numbers or not finite,
                or a y of another length.
        """
        X = check_features(X)
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != X.shape[0]:
            got = "a scalar" if y.ndim == 0 else f"{len(y)} rows"
            raise ValueError(f"X has {X.shape[0]} examples but y has {got}: need one per row")
        self.n_features_in_ = X.shape[1]
        return X, y

    def _validate_features(self, X: Any) -> Array:
        """X as a finite float array (m, n_x) with the `n_features_in_` columns of `fit`."""
        X = check_features(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} was fitted with "
                f"{self.n_features_in_}"
            )
        return X

    def _check_fitted(self) -> None:
        if not hasattr(self, "parameters_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet: call fit or load first"
            )

    # -- the task (each subclass) ---------------------------------------------------------

    def _fit_targets(self, y: NDArray[Any], row: RowName, dtype: str) -> Array:
        """Learn what the task keeps of y (classes, or the targets' scale) and return Y,
        (n[L], m) in the network's dtype."""
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
        """Learn W and b on X (m, n_x), or on a table X (a DataFrame, encoded by the
        `TableEncoder` it learns), with targets y.

        Raises:
            ValueError: one line, for bad data (NaN or inf, mismatched lengths, a 1-d or empty
                X, targets the task cannot learn, a table `TableEncoder` refuses), an unknown
                activation, optimizer or init, or an invalid hyperparameter.
            TrainingDiverged: the cost or the gradients became NaN or infinite (the network
                is then left unfitted).
        """
        config = self._config().checked()
        units, hidden_names = config.hidden()
        X, y, row = self._training_features(X, y, config)
        Y = self._fit_targets(y, row, config.dtype)  # (n_L, m)
        self.layer_dims_ = [X.shape[1], *units, Y.shape[0]]
        self.activations_ = [*hidden_names, self._output_activation(Y.shape[0])]
        rng = make_rng(config.seed)
        parameters = initialize_parameters(self.layer_dims_, config.init, rng, config.dtype)
        self._fit_normalization(X, config.normalize)
        # parameters_ is live during training, so a callback can call predict or score; a fit
        # that raises (divergence, an exception from the callback) leaves the net unfitted.
        self.parameters_ = parameters
        try:
            result = self._train(self._rows(X), Y, rng, config)
        except BaseException:
            del self.parameters_
            raise
        self.cost_iterations_ = np.array([i for i, _ in result.costs], dtype=int)
        self.costs_ = np.array([c for _, c in result.costs], dtype=np.float64)
        self.n_iter_ = result.iterations
        return self

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

    def _fit_normalization(self, X: Array, normalize: bool) -> None:
        if not normalize:
            self.x_mean_, self.x_scale_ = None, None
            return
        self.x_mean_, scale = column_stats(X)
        self.x_scale_ = np.where(scale > 0, scale, 1.0)

    def _rows(self, X: Array) -> Rows:
        """X (m, n_x) as the network sees it: standardized if `normalize`, in its dtype,
        transposed to (n_x, m) where it is read (`dnn.train.Rows`)."""
        x_mean, x_scale = getattr(self, "x_mean_", None), getattr(self, "x_scale_", None)
        return Rows(X, x_mean, x_scale, self._config().dtype)

    # -- prediction -----------------------------------------------------------------------

    def _output(self, X: Any, check_input: bool) -> Array:
        """A[L].T, (m, n[L]), for the features X (m, n_x)."""
        self._check_fitted()
        rows = self._rows(self._prediction_features(X, check_input))
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
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        np.savez(
            path,
            meta=np.array(meta_json(self._task, self._meta())),
            costs=self.costs_,
            cost_iterations=self.cost_iterations_,
            **self._target_arrays(),
            **self._normalization_arrays(),
            **self._encoder_arrays(),
            **self.parameters_,
            allow_pickle=False,  # an object array fails here rather than in `load`
        )
        return path

    def _encoder_arrays(self) -> dict[str, NDArray[Any]]:
        encoder = getattr(self, "encoder_", None)
        if encoder is None:
            return {}
        return {"encoder": np.array(json.dumps(encoder.to_state()))}

    def _saved_config(self) -> dict[str, Any]:
        params = self.get_params()
        params.pop("callback")
        params["hidden_layers"] = [int(n) for n in params["hidden_layers"]]
        if not isinstance(params["activation"], str):
            params["activation"] = list(params["activation"])
        for name in TABLE_ARGUMENTS:
            params[name] = [str(column) for column in params[name]]
        return params

    def _meta(self) -> dict[str, Any]:
        """What `load` needs beside the arrays: the hyperparameters and the fitted shapes
        (`_read_meta` reads them back; `dnn.persistence` adds the format version and task)."""
        meta = {
            "config": self._saved_config(),
            "activations": self.activations_,
            "n_iter": self.n_iter_,
            "n_features_in": int(self.n_features_in_),
        }
        if hasattr(self, "feature_names_in_"):
            meta["feature_names_in"] = [str(name) for name in self.feature_names_in_]
        return meta

    def _normalization_arrays(self) -> dict[str, NDArray[Any]]:
        x_mean, x_scale = getattr(self, "x_mean_", None), getattr(self, "x_scale_", None)
        if x_mean is None or x_scale is None:
            return {}
        return {"x_mean": x_mean, "x_scale": x_scale}

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Read a network written by `save` (by this class or its scikit-learn face), ready
        to predict.

        Raises:
            ValueError: `<path>: <problem>` (one line) for a file `save` could not have
                written: not an npz, a bad `meta`, a hyperparameter its rule refuses, missing,
                extra or misshapen W and b, the other task's network (naming the class that
                loads it), and the rest that `dnn.persistence` checks.
            FileNotFoundError: no such file.
        """
        return cls._from_saved(read_network(path, cls._read_meta))

    @classmethod
    def _from_saved(cls, saved: SavedNetwork) -> Self:
        """The network a checked file describes."""
        meta = saved.meta
        net = cls(**meta.config)
        net.parameters_ = saved.parameters
        net._set_targets(saved)
        net.costs_ = saved.costs
        net.cost_iterations_ = saved.cost_iterations
        net.x_mean_, net.x_scale_ = saved.x_mean, saved.x_scale
        net.activations_ = meta.activations
        net.layer_dims_ = layer_dims_of(net.parameters_)
        net.n_iter_ = meta.n_iter
        net.n_features_in_ = meta.n_features_in
        if meta.feature_names_in is not None:
            net.feature_names_in_ = np.asarray(meta.feature_names_in, dtype=object)
        if saved.encoder is not None:
            net.encoder_ = saved.encoder
        return net

    @classmethod
    def _read_meta(cls, task: str, meta: dict[str, Any]) -> SavedMeta:
        """The fields `_meta` writes, each of its JSON type, the config checked by its rules.

        Raises:
            ValueError: for the other task's file, naming a missing or unknown field, or the
                value refused.
        """
        if task != cls._task:
            raise ValueError(
                f"this file holds a {task} network: load it with {cls._counterpart}.load "
                "(or dnn.load)"
            )
        missing = [name for name in META_FIELDS if name not in meta and name != "feature_names_in"]
        unknown = [name for name in meta if name not in META_FIELDS]
        if missing or unknown:
            what, name = ("missing", missing[0]) if missing else ("unknown", unknown[0])
            raise ValueError(f"{what} meta field {name!r}")
        _check_json_types("meta ", meta, META_FIELDS)
        names, n_features_in = meta.get("feature_names_in"), meta["n_features_in"]
        if names is not None and len(names) != n_features_in:
            raise ValueError(f"meta has {len(names)} feature names for {n_features_in} features")
        try:
            config = cls._checked_config(meta["config"])
        except ValueError as error:
            raise ValueError(f"config: {error}") from None
        return SavedMeta(config, meta["activations"], meta["n_iter"], n_features_in, names)

    @classmethod
    def _checked_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        """Saved hyperparameters as arguments of `cls`, checked as `fit` checks them.

        Raises:
            ValueError: for a key that is not a parameter to save, a value of the wrong JSON
                type, or one its rule refuses (naming it).
        """
        known = [name for name in sorted(ARGUMENTS) if name != "callback"]
        unknown = [name for name in config if name not in known]
        if unknown:
            raise ValueError(f"unknown key {unknown[0]!r} (known: {', '.join(known)})")
        _check_json_types("", config, CONFIG_TYPES)
        sequences = [name for name in ("hidden_layers", *TABLE_ARGUMENTS) if name in config]
        config = {**config, **{name: tuple(config[name]) for name in sequences}}  # as defaults
        checked = NetworkConfig(**config).checked()
        from dnn.tables import TableEncoder

        TableEncoder(checked.categorical, checked.drop)  # a bad list is a TableError
        return config


class NetworkClassifier(Network):
    """An L-layer fully connected classifier trained by (mini-batch) gradient descent.

    The arguments are `Network`'s. Labels may be any values (numbers or strings); two classes
    take one sigmoid output unit, C > 2 classes C softmax units.

    Attributes:
        classes_: the labels, sorted; and those of `Network`.

    Example:
        >>> import numpy as np
        >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        >>> net = NetworkClassifier(hidden_layers=(4,), activation="tanh", learning_rate=1.0,
        ...                         num_iterations=2000, init="xavier", seed=0)
        >>> net.fit(X, ["even", "odd", "odd", "even"]).predict(X).tolist()
        ['even', 'odd', 'odd', 'even']
    """

    _task = CLASSIFICATION
    _counterpart = "NetworkRegressor"

    def _fit_targets(self, y: NDArray[Any], row: RowName, dtype: str) -> Array:
        """Set `classes_`; return Y: 0/1 (1, m) for two classes, one-hot (C, m) for C > 2."""
        self.classes_ = check_labels(y, row=row)
        return encode_labels(y, self.classes_, dtype)

    def _output_activation(self, n_L: int) -> str:
        return "sigmoid" if n_L == 1 else "softmax"

    def predict_proba(self, X: Any, check_input: bool = True) -> Array:
        """Class probabilities, (m, n_classes), in the order of `classes_`.

        Args:
            X: features (m, n_x).
            check_input: False skips the input validation, whose cost adds up when a
                callback scores a validation set every few iterations; X must then be a
                finite float ndarray with `layer_dims_[0]` columns, as in
                `DecisionTreeClassifier.predict_proba(X, check_input=False)` (for a network
                fitted on a table: a DataFrame, or the array `encoder_.transform` made).

        Returns:
            (m, n_classes); for two classes, the columns are 1 - AL and AL.
        """
        AL_T = self._output(X, check_input)
        if AL_T.shape[1] == 1:
            return np.hstack([1 - AL_T, AL_T])
        return AL_T

    def predict(self, X: Any) -> NDArray[Any]:
        """Labels (m,): class 1 where AL > 0.5 for two classes, the argmax for more."""
        return predict_labels(self.predict_proba(X), self.classes_)

    def _target_arrays(self) -> dict[str, NDArray[Any]]:
        classes = self.classes_
        if classes.dtype.kind == "O":
            classes = classes.astype(str)
        return {"classes": classes}

    def _set_targets(self, saved: SavedNetwork) -> None:
        assert saved.classes is not None  # read_network reads them for a classification file
        self.classes_ = saved.classes


class NetworkRegressor(Network):
    """An L-layer fully connected regressor: k linear output units and the squared error.

    The arguments are `Network`'s. y is (m,) or (m, k) numbers; `fit` standardizes each
    target column with its mean and standard deviation (a constant column is only centred;
    a wholly constant y is refused), trains on that, and `predict` undoes it.

    Attributes:
        y_mean_, y_scale_: the targets' mean and standard deviation (1 where it is 0), of
        shape () for a 1-d y and (k,) for y (m, k): `predict` returns y's shape. And those of
        `Network`.

    Example:
        >>> import numpy as np
        >>> X = np.linspace(-1, 1, 20)[:, np.newaxis]
        >>> net = NetworkRegressor(hidden_layers=(), num_iterations=300, learning_rate=0.5)
        >>> bool(np.allclose(net.fit(X, 3 * X[:, 0] + 1).predict([[0.5]]), [2.5]))
        True
    """

    _task = REGRESSION
    _counterpart = "NetworkClassifier"

    def _fit_targets(self, y: NDArray[Any], row: RowName, dtype: str) -> Array:
        """Set `y_mean_`, `y_scale_`; return the standardized targets Y, (k, m)."""
        y = check_targets(y, row=row)
        self.y_mean_ = np.asarray(y.mean(axis=0))
        scale = y.std(axis=0)
        self.y_scale_ = np.where(scale > 0, scale, 1.0)
        Y = ((y - self.y_mean_) / self.y_scale_).reshape(len(y), -1)  # (m, k)
        return np.ascontiguousarray(Y.T, dtype=dtype)

    def _output_activation(self, n_L: int) -> str:
        return "linear"

    def predict(self, X: Any, check_input: bool = True) -> NDArray[np.float64]:
        """The targets predicted for X (m, n_x): (m,) when fitted on a 1-d y, else (m, k).

        Args:
            check_input: False skips the input validation (see
                `NetworkClassifier.predict_proba`).
        """
        y = self._output(X, check_input) * self.y_scale_ + self.y_mean_  # (m, k), float64
        return y[:, 0] if self.y_mean_.ndim == 0 else y

    def _target_arrays(self) -> dict[str, NDArray[Any]]:
        return {"y_mean": self.y_mean_, "y_scale": self.y_scale_}

    def _set_targets(self, saved: SavedNetwork) -> None:
        assert saved.y_mean is not None and saved.y_scale is not None  # a regression file's
        self.y_mean_, self.y_scale_ = saved.y_mean, saved.y_scale


def load_network(path: str | Path) -> NetworkClassifier | NetworkRegressor:
    """`dnn.load` without scikit-learn: a file written by `save` read into a
    `NetworkClassifier` or a `NetworkRegressor`, as the task saved in it says (what a study
    scores needs no scikit-learn face, and importing scikit-learn takes a second).

    Raises:
        ValueError: `<path>: <problem>` (one line), as `Network.load`.
        FileNotFoundError: no such file.
    """
    classes: dict[str, type[NetworkClassifier] | type[NetworkRegressor]] = {
        CLASSIFICATION: NetworkClassifier,
        REGRESSION: NetworkRegressor,
    }

    def read_meta(task: str, meta: dict[str, Any]) -> SavedMeta:
        return classes[task]._read_meta(task, meta)

    saved = read_network(path, read_meta)
    return classes[saved.task]._from_saved(saved)


def _reporting(callback: Callback | None) -> Callback:
    """`callback`, printing each recorded cost first (`verbose`)."""

    def report(iteration: int, cost: float) -> object:
        print(f"Cost after iteration {iteration}: {cost:.6f}", flush=True)
        return callback(iteration, cost) if callback is not None else None

    return report


def column_stats(X: Array) -> tuple[Array, Array]:
    """The mean and standard deviation of each column of X (m, n_x), bit for bit those of
    `X.mean(axis=0)` and `X.std(axis=0)`, without their temporaries of X's size.

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


def _same(value: object, default: object) -> bool:
    try:
        return bool(value == default)
    except ValueError:  # an array compared element by element
        return False


# -- the fields of a saved `meta` ------------------------------------------------------------


def _is_count(value: object, low: int) -> bool:
    return type(value) is int and value >= low


def _are_names(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(name, str) for name in value)


JsonTypes = dict[str, tuple[Callable[[Any], bool], str]]  # name -> (the check, in words)

# The fields of a saved `meta` (all but feature_names_in required) and their JSON types.
META_FIELDS: JsonTypes = {
    "config": (lambda value: isinstance(value, dict), "a JSON object"),
    "activations": (_are_names, "a list of names"),
    "n_iter": (lambda value: _is_count(value, 0), "an integer >= 0"),
    "n_features_in": (lambda value: _is_count(value, 1), "an integer >= 1"),
    "feature_names_in": (_are_names, "a list of names"),
}

# The saved parameters without a rule in `dnn.hyperparameters`, and the JSON type `save` writes
# for each (the rules check the other values, and every unit and activation name in these).
CONFIG_TYPES: JsonTypes = {
    "hidden_layers": (lambda value: isinstance(value, list), "a list of units"),
    "activation": (lambda value: isinstance(value, str | list), "a name or a list of names"),
    "seed": (lambda value: value is None or _is_count(value, 0), "null or an integer >= 0"),
    "verbose": (lambda value: isinstance(value, bool), "true or false"),
    "normalize": (lambda value: isinstance(value, bool), "true or false"),
    "categorical": (_are_names, "a list of column names"),
    "drop": (_are_names, "a list of column names"),
}
TABLE_ARGUMENTS = ("categorical", "drop")  # the arguments of the TableEncoder a table makes


def _check_json_types(what: str, values: dict[str, Any], types: JsonTypes) -> None:
    """Raises ValueError `<what><name> must be <type>, got <value>` for the first value of
    the wrong type among those `types` names."""
    for name, (allows, expected) in types.items():
        if name in values and not allows(values[name]):
            raise ValueError(f"{what}{name} must be {expected}, got {values[name]!r}")
