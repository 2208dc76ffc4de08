"""The metrics of a study, by name: the one table that the objective and the test scores use.

Each metric belongs to a task. Classification metrics take what
`DeepNetwork.predict_proba` returns; regression metrics (`rmse`, `mae`, `r2`) take what
`DeepNetworkRegressor.predict` returns, `prediction` (m,) or (m, k), with `y` of the same
shape and `classes` unused (None).

A study's `metric` (its objective, with the metric's direction), the value reported for pruning
and recorded in each learning curve, and the final model's test scores (every metric of the
table) all come from `METRICS`. Each metric takes what `DeepNetwork.predict_proba` returns:

- `proba` (m, C): class probabilities in scikit-learn's layout, rows are examples, columns in
  the order of `classes` (for two classes the columns are 1 - A[L] and A[L]);
- `y` (m,): the true labels, each one of `classes`;
- `classes` (C,): the sorted labels (`np.unique` of the training labels, `classes_`).

numpy only: the definitions are scikit-learn's (`sklearn.metrics`, which the tests compare
against), written here so that `search` does not import scikit-learn. On a split that lacks a
class, `balanced_accuracy` averages over the classes present in `y` and macro `f1` over those
in `y` or in the predictions, as scikit-learn does; `roc_auc` leaves a class out of its macro
mean when it has no positives (or no negatives) and is NaN when no class is left, where
scikit-learn raises.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from dnn import predict_labels

Direction = Literal["maximize", "minimize"]
Task = Literal["classification", "regression"]
TASKS: tuple[Task, ...] = ("classification", "regression")
MetricFunction = Callable[[np.ndarray, np.ndarray, Any], float]
PROBA_FLOOR = 1e-15  # log_loss clips probabilities to [PROBA_FLOOR, 1]: no log(0)


@dataclass(frozen=True)
class Metric:
    """A metric function, its direction, one line that describes it, and its task.

    The function is `(proba (m, C), y (m,), classes (C,)) -> float` (classification) or
    `(prediction, y, None) -> float` (regression).
    """

    function: MetricFunction
    direction: Direction
    description: str
    task: Task = "classification"

    def __call__(self, proba: np.ndarray, y: np.ndarray, classes: np.ndarray | None) -> float:
        """The metric of these predictions against y (`classes` None for a regression)."""
        return self.function(proba, y, classes)


def accuracy(proba: np.ndarray, y: np.ndarray, classes: np.ndarray) -> float:
    """Share of rows whose predicted class is y, by `dnn.predict_labels` (the one rule)."""
    return float(np.mean(predict_labels(proba, classes) == y))


def _confusion(
    y: np.ndarray, predicted: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True positives, false positives and false negatives (K,) of each of `labels` (K,)."""
    truth = y[:, np.newaxis] == labels  # (m, K)
    guess = predicted[:, np.newaxis] == labels  # (m, K)
    tp = np.sum(truth & guess, axis=0)
    fp = np.sum(~truth & guess, axis=0)
    fn = np.sum(truth & ~guess, axis=0)
    return tp, fp, fn


def balanced_accuracy(proba: np.ndarray, y: np.ndarray, classes: np.ndarray) -> float:
    """Mean recall over the classes present in y (accuracy weighting each class equally)."""
    predicted = predict_labels(proba, classes)
    tp, _, fn = _confusion(y, predicted, np.unique(y))
    return float(np.mean(tp / (tp + fn)))


def f1(proba: np.ndarray, y: np.ndarray, classes: np.ndarray) -> float:
    """F1 = 2 TP / (2 TP + FP + FN) of `classes[1]` for two classes.

    For more, the mean over the classes that occur in y or in the predictions (macro). An F1 with
    nothing to count (no TP, FP or FN) is 0, as scikit-learn's default.
    """
    predicted = predict_labels(proba, classes)
    labels = classes[1:2] if len(classes) == 2 else np.union1d(y, predicted)
    tp, fp, fn = _confusion(y, predicted, labels)
    counted = 2 * tp + fp + fn
    scores = np.where(counted > 0, 2 * tp / np.maximum(counted, 1), 0.0)
    return float(np.mean(scores))


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..m of `values` (m,), tied values sharing the mean of their ranks."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts_run = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    run = np.cumsum(starts_run) - 1  # the run of equal values each sorted position is in
    first = np.flatnonzero(starts_run)  # 0-based start of each run
    end = np.append(first[1:], len(values))  # one past its last
    ranks = np.empty(len(values))
    ranks[order] = ((first + 1 + end) / 2)[run]  # mean of the ranks first + 1 ... end
    return ranks


def binary_roc_auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve of `score` (m,) for the rows where `positive` (m,) holds.

    The chance that a positive scores above a negative, ties counting one half (Mann-Whitney U /
    (n_pos n_neg)); NaN unless there are positives and negatives.
    """
    n_pos = int(np.sum(positive))
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    rank_sum = float(np.sum(average_ranks(score)[positive]))
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def roc_auc(proba: np.ndarray, y: np.ndarray, classes: np.ndarray) -> float:
    """ROC AUC of proba[:, 1] for `classes[1]` with two classes.

    For more, the mean over the classes of each one against the rest (macro one-vs-rest), leaving
    out a class without both positives and negatives in y. NaN when no class has both.
    """
    if len(classes) == 2:
        return binary_roc_auc(proba[:, 1], y == classes[1])
    areas = [binary_roc_auc(proba[:, k], y == label) for k, label in enumerate(classes)]
    defined = [area for area in areas if not math.isnan(area)]
    return float(np.mean(defined)) if defined else math.nan


def log_loss(proba: np.ndarray, y: np.ndarray, classes: np.ndarray) -> float:
    """Mean -log p(true class) of probabilities (m, C), clipped to [1e-15, 1] (cross-entropy)."""
    index = np.searchsorted(classes, y)
    p = proba[np.arange(len(y)), np.clip(index, 0, len(classes) - 1)]
    return float(-np.mean(np.log(np.clip(p, PROBA_FLOOR, 1.0))))


def _errors(prediction: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Prediction - y, both as float arrays of y's shape ((m,) or (m, k))."""
    return np.asarray(prediction, dtype=np.float64).reshape(np.shape(y)) - np.asarray(
        y, dtype=np.float64
    )


def rmse(prediction: np.ndarray, y: np.ndarray, classes: np.ndarray | None = None) -> float:
    """Root of the mean squared error.

    With several targets, the mean of their RMSEs (as scikit-learn's `root_mean_squared_error` with
    uniform weights).
    """
    errors = _errors(prediction, y)
    return float(np.mean(np.sqrt(np.mean(errors**2, axis=0))))


def mae(prediction: np.ndarray, y: np.ndarray, classes: np.ndarray | None = None) -> float:
    """Mean absolute error (averaged over the targets with several)."""
    return float(np.mean(np.abs(_errors(prediction, y))))


def r2(prediction: np.ndarray, y: np.ndarray, classes: np.ndarray | None = None) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot, averaged over the targets with several.

    As scikit-learn's `r2_score`, a constant y scores 1 when predicted exactly and 0 otherwise, and
    fewer than two rows give NaN.
    """
    y = np.asarray(y, dtype=np.float64)
    if len(y) < 2:
        return math.nan
    errors = _errors(prediction, y)
    residual = np.sum(errors**2, axis=0)
    total = np.sum((y - y.mean(axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(total > 0, 1 - residual / np.where(total > 0, total, 1), 0.0)
    scores = np.where((total == 0) & (residual == 0), 1.0, scores)
    return float(np.mean(scores))


METRICS: dict[str, Metric] = {
    "accuracy": Metric(accuracy, "maximize", "share of examples whose class is predicted right"),
    "balanced_accuracy": Metric(
        balanced_accuracy, "maximize", "mean over the classes of the share predicted right"
    ),
    "f1": Metric(f1, "maximize", "F1 of the second class (binary), or its mean over the classes"),
    "roc_auc": Metric(
        roc_auc, "maximize", "area under the ROC curve (binary), or one-vs-rest macro mean"
    ),
    "log_loss": Metric(log_loss, "minimize", "mean cross-entropy of the true class's probability"),
    "rmse": Metric(rmse, "minimize", "root mean squared error", "regression"),
    "mae": Metric(mae, "minimize", "mean absolute error", "regression"),
    "r2": Metric(r2, "maximize", "coefficient of determination R^2", "regression"),
}


def metrics_of(task: str) -> dict[str, Metric]:
    """The metrics of one task, in the table's order."""
    return {name: metric for name, metric in METRICS.items() if metric.task == task}


def score_all(
    output: np.ndarray, y: np.ndarray, classes: np.ndarray | None, task: str = "classification"
) -> dict[str, float]:
    """Every metric of a task on one set of predictions: name -> value.

    The predictions are probabilities for classification, predicted values for regression.
    """
    return {name: metric(output, y, classes) for name, metric in metrics_of(task).items()}
