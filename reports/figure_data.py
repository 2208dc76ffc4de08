"""What each figure of a report draws, computed from the tidy tables (the drawing is elsewhere).

As in Optuna's `visualization/_optimization_history.py`, each figure's data is a NamedTuple
computed by a `*_data` function from the DataFrames of `reports.load` and `reports.tables`;
`reports.figure_plots` only draws it (`plot_*`), and the tests check each half apart. Every
plot data has an `empty` property: a figure with nothing to draw still draws (saying so), and a
report leaves it out. The plot data keeps stored text as it is (names, labels): the drawing
shortens and escapes it. The learning curves' plot data is in `reports.figure_curves`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from reports.tables import N_PARAMETERS, complete_trials, elapsed_seconds, params_columns
from search.record import Attr

VAL_ACCURACY = Attr.VAL_ACCURACY.value


def metric_label(metric: str) -> str:
    """`validation log loss`, `validation roc auc`: any metric of search's table, in words."""
    return f"validation {metric.replace('_', ' ')}"


def running_best(values: Sequence[float], direction: str) -> list[float]:
    """Best value so far at each point (maximize or minimize)."""
    pick = np.fmax.accumulate if direction == "maximize" else np.fmin.accumulate
    return pick(np.asarray(values, dtype=float)).tolist() if len(values) else []


def numbers(frame: pd.DataFrame, column: str) -> list[float]:
    """A column as floats: NaN where a cell is missing or not a number, everywhere if absent."""
    if column not in frame:
        return [math.nan] * len(frame)
    return pd.to_numeric(frame[column], errors="coerce").astype(float).tolist()


# Optimization history -------------------------------------------------------------------------


class HistoryData(NamedTuple):
    """Values of the complete trials, by trial number, and the best value so far."""

    numbers: list[int]
    values: list[float]
    best_so_far: list[float]
    ylabel: str

    @property
    def empty(self) -> bool:
        """No complete trial."""
        return not self.numbers


def history_data(trials: pd.DataFrame, direction: str, metric: str) -> HistoryData:
    """Plot data of the optimization history: each complete trial's value, the best so far.

    In trial number order; `direction` says which value is best, `metric` labels the axis.
    """
    complete = complete_trials(trials).sort_values("number")
    values = complete["value"].astype(float).tolist() if not complete.empty else []
    numbers = complete["number"].astype(int).tolist() if not complete.empty else []
    return HistoryData(numbers, values, running_best(values, direction), metric_label(metric))


# Hyperparameter importance --------------------------------------------------------------------


class ImportanceData(NamedTuple):
    """The tuned hyperparameters with an importance, and their importances, least first."""

    names: list[str]
    importances: list[float]

    @property
    def empty(self) -> bool:
        """No importance defined (fewer than two complete trials that differ)."""
        return not self.names


def importance_data(hyperparameters: pd.DataFrame) -> ImportanceData:
    """Tuned hyperparameters with a defined importance, least important first (for barh).

    From the hyperparameter table (`reports.tables.hyperparameter_table`).
    """
    rows = hyperparameters[pd.to_numeric(hyperparameters["importance"], errors="coerce").notna()]
    rows = rows.sort_values("importance", kind="stable")
    return ImportanceData(rows["name"].tolist(), rows["importance"].astype(float).tolist())


# Parallel coordinates -------------------------------------------------------------------------


Ticks = list[tuple[float, str]]


class ParallelData(NamedTuple):
    """One column per varying hyperparameter, each scaled to [0, 1] (NaN: not applicable)."""

    axes: list[str]
    scaled: np.ndarray  # (n_trials, n_axes)
    ticks: list[Ticks]  # per axis: (position in [0, 1], label)
    values: list[float]
    value_label: str

    @property
    def empty(self) -> bool:
        """No complete trial, or no hyperparameter that varied."""
        return not self.values or not self.axes


def scale_numbers(x: np.ndarray) -> tuple[np.ndarray, Ticks]:
    """Numbers min-max scaled to [0, 1], on log10 when positive over two decades or more."""
    low, high = float(np.nanmin(x)), float(np.nanmax(x))
    if low > 0 and high / low >= 100:
        scaled, _ = scale_numbers(np.log10(x))
        return scaled, [(0.0, f"{low:.3g}"), (1.0, f"{high:.3g} (log)")]
    scaled = (x - low) / (high - low) if high > low else np.full(len(x), 0.5)
    return scaled, [(0.0, f"{low:.4g}"), (1.0, f"{high:.4g}")]


def scale_column(column: pd.Series) -> tuple[np.ndarray, Ticks]:
    """A column on [0, 1] and its tick labels: numbers scaled, categories as evenly spaced codes."""
    numbers = pd.to_numeric(column, errors="coerce")
    if numbers.notna().sum() == column.notna().sum():
        return scale_numbers(numbers.to_numpy(dtype=float))
    labels = sorted(column.dropna().astype(str).unique())
    step = 1.0 / max(len(labels) - 1, 1)
    codes = [labels.index(str(v)) * step if pd.notna(v) else math.nan for v in column]
    return np.asarray(codes, dtype=float), [(k * step, label) for k, label in enumerate(labels)]


def parallel_data(trials: pd.DataFrame, metric: str) -> ParallelData:
    """Plot data of the parallel coordinates of the complete trials.

    An axis per `params_*` column with more than one value, each scaled to [0, 1]; `metric`
    labels the colors.
    """
    complete = complete_trials(trials)
    axes, columns, ticks = [], [], []
    for column in params_columns(complete):
        cells = complete[column]
        if cells.dropna().astype(str).nunique() > 1:
            scaled, text = scale_column(cells)
            axes.append(column.removeprefix("params_"))
            columns.append(scaled)
            ticks.append(text)
    scaled = np.column_stack(columns) if columns else np.empty((len(complete), 0))
    return ParallelData(
        axes, scaled, ticks, complete["value"].astype(float).tolist(), metric_label(metric)
    )


# Scatter plots: learning rate, and size of the network ----------------------------------------


class ScatterData(NamedTuple):
    """Points (x, y), a number per point for its color, and the three labels."""

    x: list[float]
    y: list[float]
    color: list[Any]
    xlabel: str
    ylabel: str
    color_label: str

    @property
    def empty(self) -> bool:
        """No point."""
        return not self.x


def learning_rate_data(trials: pd.DataFrame, metric: str) -> ScatterData:
    """α against the value of each complete trial, colored by the number of iterations.

    Trials with a positive α only (the axis is logarithmic); `metric` labels the value axis.
    """
    complete = complete_trials(trials)
    rows = complete[np.asarray(numbers(complete, "params_learning_rate")) > 0]
    return ScatterData(
        numbers(rows, "params_learning_rate"),
        numbers(rows, "value"),
        numbers(rows, "params_num_iterations"),
        "learning rate α (log scale)",
        metric_label(metric),
        "#iterations",
    )


def parameters_data(trials: pd.DataFrame, metric: str | None = None) -> ScatterData:
    """A score against the number of learned parameters, colored by depth (L - 1).

    The score is the validation accuracy or, given a `metric`, each trial's value by it (a
    regression has no accuracy).

    Args:
        trials: the trials table.
        metric: None for the validation accuracy, else the study's metric (its values).

    Returns:
        A point per complete trial whose size and score are known.
    """
    complete = complete_trials(trials)
    column = VAL_ACCURACY if metric is None else "value"
    size = np.asarray(numbers(complete, N_PARAMETERS))
    score = np.asarray(numbers(complete, column))
    rows = complete[np.isfinite(size) & np.isfinite(score)]
    return ScatterData(
        numbers(rows, N_PARAMETERS),
        numbers(rows, column),
        numbers(rows, "params_n_hidden"),
        "learned parameters (log scale)",
        "validation accuracy" if metric is None else metric_label(metric),
        "hidden layers L - 1",
    )


# A regression's predictions on the test data ------------------------------------------------


class PredictionsData(NamedTuple):
    """The best network's predictions on the test data against the true values.

    One column per target; rows where a value is not finite are left out.
    """

    actual: np.ndarray  # (m, k)
    predicted: np.ndarray  # (m, k)
    labels: list[str]  # one per target

    @property
    def empty(self) -> bool:
        """No prediction with a finite value."""
        return not self.actual.size


class ResidualsData(NamedTuple):
    """Residuals (actual - predicted) against the predictions, one column per target."""

    predicted: np.ndarray  # (m, k)
    residuals: np.ndarray  # (m, k)
    labels: list[str]

    @property
    def empty(self) -> bool:
        """No prediction with a finite value."""
        return not self.predicted.size


def target_columns(
    y_true: np.ndarray, y_pred: np.ndarray, target: str | None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """y_true and y_pred as (m, k) float arrays of their finite rows, and a label per target.

    Raises:
        ValueError: the two arrays differ in shape or are not (m,) or (m, k).
    """
    actual, predicted = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    if actual.shape != predicted.shape or actual.ndim not in (1, 2):
        raise ValueError(
            f"y_true {actual.shape} and y_pred {predicted.shape}: need one shape, (m,) or (m, k)"
        )
    if actual.ndim == 1:
        actual, predicted = actual[:, np.newaxis], predicted[:, np.newaxis]  # (m, 1)
    finite = np.isfinite(actual).all(axis=1) & np.isfinite(predicted).all(axis=1)
    k = actual.shape[1]
    labels = [target or "target"] if k == 1 else [f"target {j}" for j in range(1, k + 1)]
    return actual[finite], predicted[finite], labels


def predictions_data(
    y_true: np.ndarray, y_pred: np.ndarray, target: str | None = None
) -> PredictionsData:
    """Plot data of the predicted against the actual values (`search.test_predictions`).

    Args:
        y_true: the test targets, (m,) or (m, k).
        y_pred: the best network's predictions, of the same shape.
        target: the target's name (its column), for the label of a single target.

    Returns:
        The finite rows as (m, k) arrays, and a label per target.

    Raises:
        ValueError: the two arrays differ in shape or are not (m,) or (m, k).
    """
    return PredictionsData(*target_columns(y_true, y_pred, target))


def residuals_data(
    y_true: np.ndarray, y_pred: np.ndarray, target: str | None = None
) -> ResidualsData:
    """Plot data of the residuals, actual - predicted, against the predicted values.

    Args:
        y_true: the test targets, (m,) or (m, k).
        y_pred: the best network's predictions, of the same shape.
        target: the target's name (its column), for the label of a single target.

    Returns:
        The predictions and residuals of the finite rows as (m, k) arrays, a label per target.

    Raises:
        ValueError: the two arrays differ in shape or are not (m,) or (m, k).
    """
    actual, predicted, labels = target_columns(y_true, y_pred, target)
    return ResidualsData(predicted, actual - predicted, labels)


# Comparison of studies ------------------------------------------------------------------------


class StudyCurve(NamedTuple):
    """A study's best value so far against the seconds since its first trial started."""

    name: str
    seconds: list[float]
    best_so_far: list[float]


class CompareData(NamedTuple):
    """A best-so-far curve per study, and the value axis's label."""

    curves: list[StudyCurve]
    ylabel: str

    @property
    def empty(self) -> bool:
        """No study has a complete trial."""
        return not any(c.seconds for c in self.curves)


def compare_data(
    trials: Mapping[str, pd.DataFrame], directions: Mapping[str, str], metrics: Mapping[str, str]
) -> CompareData:
    """Best-so-far curves of several studies against wall time.

    Args:
        trials: each study's trials table, by study name.
        directions: each study's direction, by name.
        metrics: each study's metric, by name (one label when they agree).

    Returns:
        A curve per study, in the order of `trials`.
    """
    curves = []
    for name, frame in trials.items():
        complete = complete_trials(frame)
        elapsed = elapsed_seconds(frame).reindex(complete.index)
        order = elapsed.sort_values(kind="stable").index
        values = complete.loc[order, "value"].astype(float).tolist()
        curves.append(
            StudyCurve(name, elapsed[order].tolist(), running_best(values, directions[name]))
        )
    labels = {metric_label(m) for m in metrics.values()}
    return CompareData(curves, labels.pop() if len(labels) == 1 else "validation value")
