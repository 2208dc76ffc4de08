"""The estimators' arguments, declared once: `NetworkConfig`, a typed and frozen record.

Each hyperparameter's rule (kind, bounds, choices, default) lives in `dnn.hyperparameters`;
`NetworkConfig` lists what the estimators take: `hidden_layers`, then, keyword-only,
`activation`, every hyperparameter with a rule (its default is the rule's), and the settings
that are not hyperparameters (`seed`, `callback`, `verbose`, `normalize`, `categorical`,
`drop`). The estimators' constructor is made from it (`takes_config`): its signature, which
scikit-learn reads for `get_params`, `set_params`, `clone` and `repr`, is this record's, so
that a new hyperparameter of the estimators is one rule and one field here.
`tests/dnn_tests/test_dnn_config.py` fails when the rules, this record and the constructor
disagree.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, Concatenate, ParamSpec

from dnn.hyperparameters import HYPERPARAMETERS, check_hyperparameter

Callback = Callable[[int, float], object]  # callback(iteration, cost); True stops training

# Rules of the shape of `hidden_layers` (how many hidden layers, how many units in each): they
# check its items, and a study samples them, but neither is an argument of its own.
STRUCTURE = ("n_hidden", "n_units")


def _default(name: str) -> Any:
    """The default of the hyperparameter `name`: its rule's."""
    return HYPERPARAMETERS[name].default


@dataclass(frozen=True)
class NetworkConfig:
    """What a network is built with: its hidden layers, hyperparameters and settings.

    The estimators take these as their arguments (`hidden_layers` positionally or by name,
    every other by name) and keep each as an attribute of its name, as scikit-learn's
    conventions ask; `Network._config()` reads them back as one of these records. Nothing is
    checked until `checked` (which `fit` calls).

    Attributes:
        hidden_layers: units n[1..L-1] of the hidden layers; the output layer's units come
            from the task (1 for two classes, with sigmoid; C for C > 2 classes, with softmax;
            k linear units for k regression targets).
        activation: one name for all hidden layers, or one per hidden layer, from
            relu, leaky_relu, tanh, sigmoid, linear.
        learning_rate: α.
        num_iterations: passes over the training set.
        init: `he`, `xavier` or `scaled` (randn * 0.01).
        seed: seeds initialization and mini-batch shuffling (None: fresh entropy).
        optimizer: `gd`, `momentum` or `adam`; beta1, beta2, epsilon its constants.
        mini_batch_size: examples per step (None: the whole set).
        lambd: L2 regularization strength λ.
        keep_prob: inverted dropout on the hidden layers: each unit is kept in a training step
            with this probability, in (0, 1] (1: no dropout; no effect without hidden
            layers). Prediction never drops.
        input_keep_prob: the same for the input features (dropout on A[0]). With dropout,
            the recorded `costs_` are those of the masked (noisy) network.
        beta1: momentum's β, and Adam's first-moment decay.
        beta2: Adam's second-moment decay.
        epsilon: Adam's ε.
        dtype: `float64` or `float32`; kept end to end.
        cost_every: the cost is recorded in `costs_` every `cost_every` iterations.
        callback: `callback(iteration, cost)` at each recorded cost; returning True stops.
        verbose: print the cost at every recorded iteration.
        normalize: scale each feature as `scaling` says, with statistics of the training X
            (learned in `fit`, kept in `input_scaling_`, saved with the net).
        scaling: with `normalize`, how (`dnn.scaling`): `standard` ((x - mean) / std, the
            default), `robust` ((x - median) / IQR, clipped to ±5) or `quantile` (through
            the training quantiles to a standard normal). No effect without `normalize`.
        decay_rate: learning-rate decay: iteration i (an epoch with mini-batches) steps with
            α / (1 + decay_rate i); 0 (the default) keeps α constant.
        categorical: columns of a table X to encode as categories whatever their dtype.
        drop: columns of a table X to leave out. Both only for a table (see `TableEncoder`).
        numeric_bins: 0 (the default) feeds a table's numeric columns as they are; from 2 on,
            each becomes that many piecewise-linear features over its training quantiles
            (`dnn.columns.Numeric`): a linear layer then fits thresholds and bends. Only for
            a table.
        target_scale: a regressor's: learn y as it is (`standard`) or log(y + shift) (`log`,
            for a target >= 0; `dnn.target_scale`); predictions are in y's units either way.
            A classifier takes only `standard`.
    """

    hidden_layers: Sequence[int] = (20, 7, 5)
    _: KW_ONLY
    activation: str | Sequence[str] = _default("activation")
    learning_rate: float = _default("learning_rate")
    num_iterations: int = _default("num_iterations")
    init: str = _default("init")
    seed: int | None = None
    optimizer: str = _default("optimizer")
    mini_batch_size: int | None = _default("mini_batch_size")
    lambd: float = _default("lambd")
    keep_prob: float = _default("keep_prob")
    input_keep_prob: float = _default("input_keep_prob")
    beta1: float = _default("beta1")
    beta2: float = _default("beta2")
    epsilon: float = _default("epsilon")
    dtype: str = _default("dtype")
    cost_every: int = _default("cost_every")
    callback: Callback | None = None
    verbose: bool = False
    normalize: bool = False
    decay_rate: float = _default("decay_rate")
    categorical: Sequence[str] = ()
    drop: Sequence[str] = ()
    numeric_bins: int = _default("numeric_bins")
    scaling: str = _default("scaling")
    target_scale: str = _default("target_scale")

    def hidden(self) -> tuple[list[int], list[str]]:
        """The hidden layers, checked: units n[1..L-1] and one activation name per layer.

        Returns:
            The units (rule `n_units`) and the activations (rule `activation`), one per
            hidden layer (`activation` may be one name for all).

        Raises:
            ValueError: `hidden_layers: <problem>`, or an activation its rule refuses, or as
                many names as hidden layers not given.
        """
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

    def checked(self) -> NetworkConfig:
        """This configuration with every hyperparameter checked by its rule.

        Returns:
            A copy whose hyperparameters are plain Python values (numpy scalars included).

        Raises:
            ValueError: one line naming the first argument refused (the hidden layers first,
                then the hyperparameters by name).
        """
        self.hidden()
        return dataclasses.replace(
            self,
            **{name: check_hyperparameter(name, getattr(self, name)) for name in CHECKED},
        )

    def check_task(self, task: str) -> None:
        """Refuse a hyperparameter of the other task's networks at a value other than its default.

        Args:
            task: the network's task (`classification`, `regression`).

        Raises:
            ValueError: `<name> applies to a <task> network; a <task> network takes only
                <default>`.
        """
        for name in CHECKED:
            rule = HYPERPARAMETERS[name]
            if rule.task not in (None, task) and getattr(self, name) != rule.default:
                raise ValueError(
                    f"{name} applies to a {rule.task} network; a {task} network takes only "
                    f"{rule.default!r}, got {getattr(self, name)!r}"
                )

    def arguments(self) -> dict[str, Any]:
        """Argument name -> value, as the estimators take them (the values as they are)."""
        return {name: getattr(self, name) for name in ARGUMENTS}


ARGUMENTS = tuple(field.name for field in dataclasses.fields(NetworkConfig))
KEYWORD_ARGUMENTS = ARGUMENTS[1:]  # all but hidden_layers
# the hyperparameters `checked` checks one by one (`activation`, one name per layer, is
# checked with the layers), in the order of their names
CHECKED = tuple(sorted(set(ARGUMENTS) & set(HYPERPARAMETERS) - {"activation"}))
DEFAULTS: dict[str, Any] = NetworkConfig().arguments()


P = ParamSpec("P")


def signature_of(
    source: Callable[P, object],
) -> Callable[[Callable[..., None]], Callable[Concatenate[Any, P], None]]:
    """Give an `__init__` the signature of `source`, for `inspect` and for type checkers.

    The estimators' `__init__` takes `hidden_layers` and `**arguments`; decorated with
    `signature_of(NetworkConfig)`, its `__signature__` becomes `(self, hidden_layers=..., *,
    activation=..., ...)`, which `inspect.signature`, scikit-learn and `help` read, and type
    checkers see the same arguments.

    Args:
        source: the callable whose arguments `__init__` takes (a dataclass: its fields).

    Returns:
        A decorator that sets the signature and returns the `__init__` itself.
    """
    signature = inspect.signature(source)
    self = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    signature = signature.replace(
        parameters=[self, *signature.parameters.values()], return_annotation=None
    )

    def decorate(init: Callable[..., None]) -> Callable[Concatenate[Any, P], None]:
        init.__signature__ = signature  # type: ignore[attr-defined]
        return init

    return decorate
