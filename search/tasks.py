"""The two tasks a study can learn, as objects: what differs between classes and numbers.

A `Task` owns everything that depends on what the target is: its checks, the network class
and the number of output units, what the metrics are fed (class probabilities or predicted
values) and the cost recorded beside them, the default and permitted metrics, how examples are
split and dealt into folds (stratified by class, or shuffled), what the data summary says of the
target, and how a task is inferred from a target a user hands over without saying. The other
modules dispatch through `task_named(spec.task)` (or `StudySpec.problem`) instead of comparing
the task's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

import dnn
from dnn.checks import RowName, by_position, check_labels, check_targets
from search import data
from search.data import Splits
from search.metrics import Metric, log_loss, metrics_of, rmse
from search.metrics import Task as TaskName

if TYPE_CHECKING:
    from search.summary import DataSummary

MAX_NAMED_CLASSES = 10  # a run's first line names at most this many classes
# The default space's data-aware parts (issue 22): mini-batches are a choice from this many
# examples on (below, a full batch is as fast per epoch and steadier); dropout from this many
# input columns on (wide inputs: images, one-hot tables); the course's 2,500 iterations are
# reachable where training is full-batch only.
HEAVY_TAILS = 2.0  # |skewness| of an input (or of a regression's target) from which scales tune
MINI_BATCHES_FROM = 1_000
DROPOUT_FROM = 100
FULL_BATCH_ITERATIONS = 2_500
MINI_BATCH_EPOCHS = 800
# A table's numbers as 16 piecewise-linear bins (`numeric_bins`, `dnn.columns.Numeric`) is a
# choice of the default space for up to 64 numeric columns (1,024 binned inputs) when trials are
# cross-validated (`search.prepare`): measured on the regression benchmark's tables, a ridge
# model on 16 bins scored test R^2 0.545 on average against 0.460 on the standardized values
# (baseball 0.648, gradient boosting's 0.580); the 60 s studies of the three small tables (5-fold
# CV) gained 0.006 to 0.10, those of the larger ones (one validation split) lost up to 0.07.
# Not for classes: on the small classification tables the bins showed no gain (mean accuracy
# 0.7915 with them against 0.7952 last measured; logistic regression on bins: mixed).
NUMERIC_BINS = 16
BINNED_INPUTS_UP_TO = 1_024
BINNED_VALUES_UP_TO = 2**25  # m x binned inputs: 256 MiB in float64 for each encoded copy

Network = dnn.NetworkClassifier | dnn.NetworkRegressor
Split = Callable[..., Splits]


@dataclass(frozen=True)
class Task:
    """What a study's target is, and what follows from it (see the module docstring)."""

    name: ClassVar[TaskName]
    # the metric trials are ranked by when the study file names none: `default_metric`, or
    # `small_data_metric` below `search.folds.SMALL_DATA` examples (`search.folds.default_metric`)
    default_metric: ClassVar[str]
    small_data_metric: ClassVar[str]
    network: ClassVar[type[Network]]  # `dnn`'s network without its scikit-learn face
    estimator: ClassVar[str]  # the name of its scikit-learn face in `dnn`
    has_classes: ClassVar[bool]  # labels: accuracy is recorded, splits are stratified

    def metrics(self) -> dict[str, Metric]:
        """The task's metrics, by name, in `search.metrics.METRICS` order."""
        return metrics_of(self.name)

    def check_target(
        self, y: np.ndarray, *, name: str = "y", row: RowName = by_position
    ) -> np.ndarray:
        """Y as the task takes it: labels as given, targets as float64.

        Raises:
            ValueError: naming the first bad row (`row`) of `name` (see `dnn.checks`).
        """
        raise NotImplementedError

    def check_test_target(
        self, y: np.ndarray, *, name: str = "y", row: RowName = by_position
    ) -> np.ndarray:
        """A test set's y, only scored: labels (one class is enough) or finite numbers."""
        raise NotImplementedError

    def n_outputs(self, y: np.ndarray) -> int:
        """n[L], the output layer's units, for targets y."""
        raise NotImplementedError

    def outputs(self, net: Any, x: Any) -> np.ndarray:
        """What the metrics take of a network's prediction for x (probabilities or values)."""
        raise NotImplementedError

    def cost(self, output: np.ndarray, y: np.ndarray, classes: Any) -> float:
        """The cost recorded beside the metric: cross-entropy, or the mean squared error."""
        raise NotImplementedError

    def split(self, x: Any, y: np.ndarray, fractions: tuple[float, float], seed: int) -> Splits:
        """Seeded train, validation and test parts (`fractions`: validation's and test's)."""
        raise NotImplementedError

    def folds(self, splits: Splits, k: int, seed: int) -> list[Splits]:
        """K cross-validation folds of training + validation (the test part kept)."""
        raise NotImplementedError

    def describe_target(self, y: np.ndarray) -> dict[str, Any]:
        """What a study's data summary says of its target: `classes` or `statistics`."""
        raise NotImplementedError

    def describe(self, summary: DataSummary) -> str:
        """The problem in words, for a run's first line."""
        raise NotImplementedError

    def default_space(
        self, m: int, n_x: int, y: np.ndarray, heavy_tails: bool = False, numbers: int = 0
    ) -> dict[str, Any]:
        """The search space of a study file that leaves it out, for the data it is given.

        For m examples (training + validation) of n_x encoded inputs: a linear model (no hidden
        layer: the course's week-2 network) up to three hidden layers, learning rates down to 1e-4,
        iterations up to the course's 2,500 for full-batch training (early stopping makes them a
        cap), L2 from nothing (1e-5) to strong, mini-batches from `MINI_BATCHES_FROM` examples and
        dropout from `DROPOUT_FROM` inputs on, the inputs' scaling (standard or quantile) where
        some input is heavy-tailed (`heavy_tails`). A regression adds its own (`numbers`: a
        table's numeric columns that may be binned). Hyperparameters it leaves out keep their
        defaults.
        """
        space: dict[str, Any] = {
            "learning_rate": {"low": 1e-4, "high": 1.0, "log": True},
            "n_hidden": {"low": 0, "high": 3},
            "n_units": {"low": 4, "high": 128, "log": True},  # the course's 5 and 7 too
            "activation": ["relu", "leaky_relu", "tanh"],
            "optimizer": ["gd", "momentum", "adam"],
            "lambd": {"low": 1e-5, "high": 10.0, "log": True},
        }
        epochs = FULL_BATCH_ITERATIONS if m < MINI_BATCHES_FROM else MINI_BATCH_EPOCHS
        space["num_iterations"] = {"low": 100, "high": epochs, "step": 100}
        if m >= MINI_BATCHES_FROM:
            space["mini_batch_size"] = ["full", 32, 64, 128, 256]
        if n_x >= DROPOUT_FROM:
            space["keep_prob"] = {"low": 0.5, "high": 1.0}
        if heavy_tails:
            space["scaling"] = ["standard", "quantile"]
        return space

    def network_class(self) -> type[Network]:
        """The network a trial of this task trains (no scikit-learn face: quick to import)."""
        return self.network

    def estimator_class(self) -> Any:
        """`dnn.DeepNetwork` or `dnn.DeepNetworkRegressor` (imports scikit-learn)."""
        return getattr(dnn, self.estimator)


def _named(name: str | None) -> str:
    return f" of {name!r}" if name else ""


class Classification(Task):
    """Class labels (numbers, text or booleans): softmax or sigmoid outputs, stratified splits."""

    name = "classification"
    # ranked by log loss, trials find networks of better test accuracy on small tables, whose
    # accuracy moves by whole examples (benchmarks/bench_tables.py: +0.5 points over 7 tables);
    # from 1,000 examples on, accuracy (the same on 6 larger tables, 1 point better on digits)
    default_metric = "accuracy"
    small_data_metric = "log_loss"
    network = dnn.NetworkClassifier
    estimator = "DeepNetwork"
    has_classes = True

    def check_target(
        self, y: np.ndarray, *, name: str = "y", row: RowName = by_position
    ) -> np.ndarray:
        """Labels a study can learn.

        `dnn.checks.check_labels`, and classes, not measurements or identifiers (too many distinct
        float labels; a different label in every row).
        """
        classes = check_labels(y, name=name, row=row)
        m = len(y)
        if m > 1 and len(classes) == m:
            raise ValueError(
                f"{name} has a different value in each of its {m} rows (an identifier, not "
                "classes?)"
            )
        if y.dtype.kind == "f" and len(classes) > m / 2:
            raise ValueError(
                f"{name} has {len(classes)} distinct values in {m} rows: looks continuous, not "
                'classes (task = "regression" for a numeric target)'
            )
        return y

    def check_test_target(
        self, y: np.ndarray, *, name: str = "y", row: RowName = by_position
    ) -> np.ndarray:
        """Labels, one class or more (`dnn.checks.check_labels`)."""
        check_labels(y, name=name, row=row, min_classes=1)
        return y

    def n_outputs(self, y: np.ndarray) -> int:
        """1 (sigmoid) for two classes, C (softmax) for C > 2."""
        classes = len(np.unique(y))
        return 1 if classes == 2 else classes

    def outputs(self, net: Any, x: Any) -> np.ndarray:
        """The network's class probabilities for x, as the metrics take them."""
        return net.predict_proba(x, check_input=False)

    def cost(self, output: np.ndarray, y: np.ndarray, classes: Any) -> float:
        """The cross-entropy (log loss) of the probabilities against the labels y."""
        return log_loss(output, y, classes)

    def split(self, x: Any, y: np.ndarray, fractions: tuple[float, float], seed: int) -> Splits:
        """Seeded train, validation and test parts, stratified by class (no test at fraction 0)."""
        return data.stratified_split(x, y, *fractions, seed, allow_empty_test=fractions[1] == 0)

    def folds(self, splits: Splits, k: int, seed: int) -> list[Splits]:
        """K stratified cross-validation folds of training + validation (the test part kept)."""
        return data.stratified_folds(splits, k, seed)

    def describe_target(self, y: np.ndarray) -> dict[str, Any]:
        """Each class label's count: `{"classes": {label: count}}`."""
        labels, counts = np.unique(y, return_counts=True)
        classes = {str(data.python_value(v)): int(c) for v, c in zip(labels, counts, strict=True)}
        return {"classes": classes}

    def describe(self, summary: DataSummary) -> str:
        """Binary or multi-class, the target's name and its class counts, for a run's first line."""
        classes = summary.classes or {}
        kind = "binary classification" if len(classes) == 2 else "multi-class classification"
        shown = ", ".join(f"{k}: {v}" for k, v in list(classes.items())[:MAX_NAMED_CLASSES])
        more = len(classes) - MAX_NAMED_CLASSES
        shown += f", {more} more" if more > 0 else ""
        return f"{kind}{_named(summary.target)}, {len(classes)} classes ({shown})"


class Regression(Task):
    """Numeric targets, one or several per example: linear outputs, shuffled splits."""

    name = "regression"
    default_metric = small_data_metric = "r2"
    network = dnn.NetworkRegressor
    estimator = "DeepNetworkRegressor"
    has_classes = False

    def check_target(
        self, y: np.ndarray, *, name: str = "y", row: RowName = by_position
    ) -> np.ndarray:
        """Targets as float64: `dnn.checks.check_targets`."""
        return check_targets(y, name=name, row=row)

    def check_test_target(
        self, y: np.ndarray, *, name: str = "y", row: RowName = by_position
    ) -> np.ndarray:
        """Finite numbers, constant or not (`dnn.checks.check_targets`)."""
        return check_targets(y, name=name, row=row, to_learn=False)

    def n_outputs(self, y: np.ndarray) -> int:
        """The number of targets per example."""
        return 1 if y.ndim == 1 else int(y.shape[1])

    def outputs(self, net: Any, x: Any) -> np.ndarray:
        """The network's predicted values for x, as the metrics take them."""
        return net.predict(x, check_input=False)

    def cost(self, output: np.ndarray, y: np.ndarray, classes: Any) -> float:
        """The mean squared error of the predictions against the targets y."""
        return rmse(output, y) ** 2

    def split(self, x: Any, y: np.ndarray, fractions: tuple[float, float], seed: int) -> Splits:
        """Seeded train, validation and test parts of a shuffle (no test part at fraction 0)."""
        return data.shuffled_split(x, y, *fractions, seed, allow_empty_test=fractions[1] == 0)

    def folds(self, splits: Splits, k: int, seed: int) -> list[Splits]:
        """K shuffled cross-validation folds of training + validation (the test part kept)."""
        return data.shuffled_folds(splits, k, seed)

    def default_space(
        self, m: int, n_x: int, y: np.ndarray, heavy_tails: bool = False, numbers: int = 0
    ) -> dict[str, Any]:
        """A task's default space (`Task.default_space`), bins, and a skewed target's scale.

        For a table of `numbers` numeric columns (up to `BINNED_INPUTS_UP_TO` / `NUMERIC_BINS`,
        and `BINNED_VALUES_UP_TO` values binned in all), each number as it is or as
        `NUMERIC_BINS` piecewise-linear bins (`numeric_bins`). For a target that is positive and
        skewed (prices, salaries, counts), its scale: learned as it is or on a log scale
        (predictions and scores always in its own units).
        """
        space = super().default_space(m, n_x, y, heavy_tails, numbers)
        binned = numbers * NUMERIC_BINS
        if 0 < binned <= BINNED_INPUTS_UP_TO and m * binned <= BINNED_VALUES_UP_TO:
            space["numeric_bins"] = [0, NUMERIC_BINS]
        values = np.asarray(y, dtype=np.float64)
        if values.min() > 0 and (skewness(values) > HEAVY_TAILS / 2).all():
            space["target_scale"] = ["standard", "log"]
        return space

    def describe_target(self, y: np.ndarray) -> dict[str, Any]:
        """The target's mean, standard deviation, minimum and maximum: `{"statistics": {...}}`."""
        values = y.astype(np.float64)
        statistics = {
            "mean": values.mean(),
            "std": values.std(),
            "min": values.min(),
            "max": values.max(),
        }
        return {"statistics": {key: float(value) for key, value in statistics.items()}}

    def describe(self, summary: DataSummary) -> str:
        """The target's name, mean, standard deviation and range, for a run's first line."""
        s = summary.statistics or {}
        return (
            f"regression{_named(summary.target)} (mean {s['mean']:.4g}, std {s['std']:.4g}, "
            f"range {s['min']:.4g} to {s['max']:.4g})"
        )


CLASSIFICATION, REGRESSION = Classification(), Regression()
TASKS: dict[str, Task] = {task.name: task for task in (CLASSIFICATION, REGRESSION)}


def skewness(values: np.ndarray) -> np.ndarray:
    """The skewness of each column of values (m,) or (m, k).

    E[(x - mean)^3] / std^3 (0 for a constant column, NaN cells left out).
    """
    values = np.asarray(values, dtype=np.float64)
    centred = values - np.nanmean(values, axis=0)
    std = np.sqrt(np.nanmean(centred**2, axis=0))
    third = np.nanmean(centred**3, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(std > 0, third / np.where(std > 0, std, 1.0) ** 3, 0.0)


def task_named(name: str) -> Task:
    """The task of that name (`classification` or `regression`).

    Raises:
        ValueError: for another name.
    """
    try:
        return TASKS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown task {name!r}; choose from {', '.join(TASKS)}") from None


def infer_task(y: np.ndarray) -> Task:
    """Regression for floats that are not all whole numbers, else classification."""
    if y.dtype.kind == "f" and np.isfinite(y).all() and not np.equal(np.mod(y, 1), 0).all():
        return REGRESSION
    return CLASSIFICATION
