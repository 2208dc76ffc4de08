"""`DeepNetwork`: the L-layer network as a scikit-learn classifier.

X is (m, n_x) here, as scikit-learn expects; it is transposed once, to the course's (n_x, m),
before training. Labels may be any values; they are encoded to 0/1 (one row, sigmoid output)
for two classes and to one-hot columns (softmax output) for more.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from dnn.core import forward, initialize_parameters, make_rng
from dnn.hyperparameters import HYPERPARAMETERS, check_hyperparameter
from dnn.labels import encode_labels, predict_labels
from dnn.persistence import SavedMeta, meta_json, read_network
from dnn.train import TRAIN_HYPERPARAMETERS, TrainResult, train
from dnn.types import Parameters, count_parameters, layer_dims_of

if TYPE_CHECKING:
    from sklearn.utils import Tags


class DeepNetwork(ClassifierMixin, BaseEstimator):
    """An L-layer fully connected classifier trained by (mini-batch) gradient descent.

    Args:
        hidden_layers: units n[1..L-1] of the hidden layers; the output layer's units come
            from the number of classes (1 for two, with sigmoid; C for C > 2, with softmax).
        activation: one name for all hidden layers, or one per hidden layer, from
            relu, leaky_relu, tanh, sigmoid, linear.
        learning_rate: α.
        decay_rate: learning-rate decay: iteration i (an epoch with mini-batches) steps with
            α / (1 + decay_rate i); 0 (the default) keeps α constant.
        num_iterations: passes over the training set.
        init: `he`, `xavier` or `scaled` (randn * 0.01).
        seed: seeds initialization and mini-batch shuffling (None: fresh entropy).
        optimizer: `gd`, `momentum` or `adam`; beta1, beta2, epsilon their constants.
        mini_batch_size: examples per step (None: the whole set).
        lambd: L2 regularization strength λ.
        keep_prob: inverted dropout on the hidden layers: each unit is kept in a training step
            with this probability, in (0, 1] (1: no dropout; no effect without hidden
            layers). Prediction never drops.
        input_keep_prob: the same for the input features (dropout on A[0]). With dropout,
            the recorded `costs_` are those of the masked (noisy) network.
        dtype: `float64` or `float32`; kept end to end.
        cost_every: the cost is recorded in `costs_` every `cost_every` iterations.
        callback: `callback(iteration, cost)` at each recorded cost; returning True stops.
        verbose: print the cost at every recorded iteration.
        normalize: standardize each feature with the mean and standard deviation of the
            training X (learned in `fit`, kept in `x_mean_`, `x_scale_`, saved with the net).

    Attributes:
        parameters_: the learned `W1..WL`, `b1..bL`. costs_: the recorded costs;
        cost_iterations_: their iterations. classes_, n_features_in_, layer_dims_,
        activations_, n_iter_ (iterations run).

    Example:
        >>> from sklearn.datasets import load_digits
        >>> X, y = load_digits(return_X_y=True)
        >>> net = DeepNetwork(hidden_layers=(32,), learning_rate=0.1, num_iterations=200, seed=0)
        >>> net.fit(X / 16, y).score(X / 16, y) > 0.9
        True
    """

    def __init__(
        self,
        hidden_layers: Sequence[int] = (20, 7, 5),
        activation: str | Sequence[str] = "relu",
        learning_rate: float = 0.0075,
        num_iterations: int = 2500,
        init: str = "he",
        seed: int | None = None,
        optimizer: str = "gd",
        mini_batch_size: int | None = None,
        lambd: float = 0.0,
        keep_prob: float = 1.0,
        input_keep_prob: float = 1.0,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        dtype: str = "float64",
        cost_every: int = 100,
        callback: Callable[[int, float], object] | None = None,
        verbose: bool = False,
        normalize: bool = False,
        decay_rate: float = 0.0,
    ) -> None:
        self.hidden_layers = hidden_layers
        self.activation = activation
        self.learning_rate = learning_rate
        self.num_iterations = num_iterations
        self.init = init
        self.seed = seed
        self.optimizer = optimizer
        self.mini_batch_size = mini_batch_size
        self.lambd = lambd
        self.keep_prob = keep_prob
        self.input_keep_prob = input_keep_prob
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.dtype = dtype
        self.cost_every = cost_every
        self.callback = callback
        self.verbose = verbose
        self.normalize = normalize
        self.decay_rate = decay_rate

    # -- validation -----------------------------------------------------------------------

    def _hidden_layers(self) -> tuple[list[int], list[str]]:
        """The units n[1..L-1] (rule `n_units`) and one activation per hidden layer (rule
        `activation`), from `hidden_layers` and `activation` (a name or one per layer)."""
        try:
            units = [check_hyperparameter("n_units", n) for n in self.hidden_layers]
        except ValueError as error:
            raise ValueError(f"hidden_layers: {error}") from None
        names = (
            [self.activation] * len(units)
            if isinstance(self.activation, str)
            else list(self.activation)
        )
        if len(names) != len(units):
            raise ValueError(
                f"activation names {len(names)} layers but hidden_layers has {len(units)}"
            )
        return units, [check_hyperparameter("activation", name) for name in names]

    def _check_hyperparameters(self) -> dict[str, Any]:
        """Every other parameter that is a hyperparameter, checked by its rule.

        Returns:
            name -> the value as a plain Python value (numpy scalars included).
        """
        return {
            name: check_hyperparameter(name, value)
            for name, value in self.get_params(deep=False).items()
            if name in HYPERPARAMETERS and name != "activation"
        }

    # -- training -------------------------------------------------------------------------

    def fit(self, X: np.ndarray, y: np.ndarray) -> DeepNetwork:
        """Learn W and b on X (m, n_x) with labels y (m,).

        Raises:
            ValueError: for NaN or inf, mismatched lengths, a single class, a 1-d or empty X,
                an unknown activation, optimizer or init, or an invalid hyperparameter.
        """
        units, hidden_names = self._hidden_layers()
        checked = self._check_hyperparameters()
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        n_out = self._fit_classes(y)
        self.layer_dims_ = [X.shape[1], *units, n_out]
        self.activations_ = [*hidden_names, "sigmoid" if n_out == 1 else "softmax"]
        rng = make_rng(self.seed)
        parameters = initialize_parameters(self.layer_dims_, self.init, rng, self.dtype)
        self._fit_normalization(X)
        X_T = self._columns(X)  # (n_x, m): the only transpose
        # parameters_ is live during training, so a callback can call predict or score; a fit
        # that raises (divergence, an exception from the callback) leaves the net unfitted.
        self.parameters_ = parameters
        try:
            result = self._train(X_T, y, parameters, rng, checked)
        except BaseException:
            del self.parameters_
            raise
        self.cost_iterations_ = np.array([i for i, _ in result.costs], dtype=int)
        self.costs_ = np.array([c for _, c in result.costs], dtype=np.float64)
        self.n_iter_ = result.iterations
        return self

    def _fit_classes(self, y: np.ndarray) -> int:
        """Set `classes_`; return n[L]: 1 (sigmoid) for two classes, C (softmax) for C > 2."""
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            # "one class" is the wording scikit-learn's estimator checks look for.
            raise ValueError(
                f"y has only one class ({self.classes_.tolist()[0]!r}); need at least 2 classes"
            )
        return 1 if len(self.classes_) == 2 else len(self.classes_)

    def _train(
        self,
        X_T: np.ndarray,
        y: np.ndarray,
        parameters: Parameters,
        rng: np.random.Generator,
        checked: dict[str, Any],
    ) -> TrainResult:
        return train(
            X_T,
            encode_labels(y, self.classes_, self.dtype),
            parameters,
            self.activations_,
            **{name: checked[name] for name in TRAIN_HYPERPARAMETERS},
            rng=rng,
            callback=self._callback(),
            inplace=True,
        )

    def _fit_normalization(self, X: np.ndarray) -> None:
        if not self.normalize:
            self.x_mean_, self.x_scale_ = None, None
            return
        self.x_mean_ = X.mean(axis=0)
        scale = X.std(axis=0)
        self.x_scale_ = np.where(scale > 0, scale, 1.0)

    def _columns(self, X: np.ndarray) -> np.ndarray:
        """X (m, n_x) -> (n_x, m) in the network's dtype, standardized if `normalize`."""
        if getattr(self, "x_mean_", None) is not None:
            X = (X - self.x_mean_) / self.x_scale_
        return np.ascontiguousarray(X.T, dtype=self.dtype)

    def _callback(self) -> Callable[[int, float], object] | None:
        if not self.verbose:
            return self.callback

        def report(iteration: int, cost: float) -> object:
            print(f"Cost after iteration {iteration}: {cost:.6f}", flush=True)
            return self.callback(iteration, cost) if self.callback is not None else None

        return report

    # -- prediction -----------------------------------------------------------------------

    def predict_proba(self, X: np.ndarray, check_input: bool = True) -> np.ndarray:
        """Class probabilities, (m, n_classes), in the order of `classes_`.

        Args:
            X: features (m, n_x).
            check_input: False skips scikit-learn's input validation, whose cost adds up when
                a callback scores a validation set every few iterations; X must then be a
                finite float ndarray with `n_features_in_` columns, as in
                `DecisionTreeClassifier.predict_proba(X, check_input=False)`.

        Returns:
            (m, n_classes); for two classes, the columns are 1 - AL and AL.
        """
        check_is_fitted(self, "parameters_")
        if check_input:
            X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        AL, _ = forward(self._columns(X), self.parameters_, self.activations_)
        if AL.shape[0] == 1:
            return np.hstack([1 - AL.T, AL.T])
        return AL.T

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Labels (m,): class 1 where AL > 0.5 for two classes, the argmax for more."""
        return predict_labels(self.predict_proba(X), self.classes_)

    def __sklearn_tags__(self) -> Tags:
        """scikit-learn's tags, declaring that more than two classes are supported."""
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags

    # -- persistence ----------------------------------------------------------------------

    def _config(self) -> dict[str, Any]:
        params = self.get_params()
        params.pop("callback")
        params["hidden_layers"] = [int(n) for n in params["hidden_layers"]]
        if not isinstance(params["activation"], str):
            params["activation"] = list(params["activation"])
        return params

    def save(self, path: str | Path) -> Path:
        """Write the hyperparameters and learned W, b to an `.npz` file (no pickle).

        Returns:
            The path written (`.npz` is appended when missing).
        """
        check_is_fitted(self, "parameters_")
        classes = self.classes_
        if classes.dtype.kind == "O":
            classes = classes.astype(str)
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        np.savez(
            path,
            meta=np.array(meta_json(self._meta())),
            classes=classes,
            costs=self.costs_,
            cost_iterations=self.cost_iterations_,
            **self._normalization_arrays(),
            **self.parameters_,
            allow_pickle=False,  # an object array fails here rather than in `load`
        )
        return path

    def _meta(self) -> dict[str, Any]:
        """What `load` needs beside the arrays: the hyperparameters and the fitted shapes
        (`_read_meta` reads them back; `dnn.persistence` adds the format version)."""
        meta = {
            "config": self._config(),
            "activations": self.activations_,
            "n_iter": self.n_iter_,
            "n_features_in": int(self.n_features_in_),
        }
        if hasattr(self, "feature_names_in_"):
            meta["feature_names_in"] = [str(name) for name in self.feature_names_in_]
        return meta

    def _normalization_arrays(self) -> dict[str, np.ndarray]:
        x_mean, x_scale = getattr(self, "x_mean_", None), getattr(self, "x_scale_", None)
        if x_mean is None or x_scale is None:
            return {}
        return {"x_mean": x_mean, "x_scale": x_scale}

    @classmethod
    def load(cls, path: str | Path) -> DeepNetwork:
        """Read a network written by `save`, ready to predict.

        Raises:
            ValueError: `<path>: <problem>` (one line) for a file `save` could not have
                written: not an npz, a bad `meta`, a hyperparameter its rule refuses, missing,
                extra or misshapen W and b, and the rest that `dnn.persistence` checks.
            FileNotFoundError: no such file.
        """
        saved = read_network(path, cls._read_meta)
        meta = saved.meta
        net = cls(**meta.config)
        net.parameters_ = saved.parameters
        net.classes_ = saved.classes
        net.costs_ = saved.costs
        net.cost_iterations_ = saved.cost_iterations
        net.x_mean_, net.x_scale_ = saved.x_mean, saved.x_scale
        net.activations_ = meta.activations
        net.layer_dims_ = layer_dims_of(net.parameters_)
        net.n_iter_ = meta.n_iter
        net.n_features_in_ = meta.n_features_in
        if meta.feature_names_in is not None:
            net.feature_names_in_ = np.asarray(meta.feature_names_in, dtype=object)
        return net

    @classmethod
    def _read_meta(cls, meta: dict[str, Any]) -> SavedMeta:
        """The fields `_meta` writes, each of its JSON type, the config checked by its rules.

        Raises:
            ValueError: naming a missing or unknown field, or the value refused.
        """
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
        known = [name for name in cls._get_param_names() if name != "callback"]
        unknown = [name for name in config if name not in known]
        if unknown:
            raise ValueError(f"unknown key {unknown[0]!r} (known: {', '.join(known)})")
        _check_json_types("", config, CONFIG_TYPES)
        if "hidden_layers" in config:
            config = {**config, "hidden_layers": tuple(config["hidden_layers"])}
        net = cls(**config)
        net._hidden_layers()
        net._check_hyperparameters()
        return config

    @property
    def n_parameters_(self) -> int:
        """Number of learned parameters, sum over l of n[l] (n[l-1] + 1)."""
        check_is_fitted(self, "parameters_")
        return count_parameters(self.layer_dims_)


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
}


def _check_json_types(what: str, values: dict[str, Any], types: JsonTypes) -> None:
    """Raises ValueError `<what><name> must be <type>, got <value>` for the first value of
    the wrong type among those `types` names."""
    for name, (allows, expected) in types.items():
        if name in values and not allows(values[name]):
            raise ValueError(f"{what}{name} must be {expected}, got {values[name]!r}")
