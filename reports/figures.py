"""Figures of a study (DataFrame in, matplotlib Figure out; never shown or saved here).

As in Optuna's `visualization` package, each figure has two halves tested apart: a function
that computes its plot data (a NamedTuple), and a function that only draws that data. The
figures are drawn on the Agg canvas without pyplot, so no window, no global figure state.
The plot data keeps stored text as it is (names, labels); the drawing passes every string of
it through `figure_label` (one line, shortened, never mathtext).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from reports.escape import figure_label
from reports.tables import N_PARAMETERS, complete_trials, elapsed_seconds, params_columns
from search.record import Attr

VAL_ACCURACY = Attr.VAL_ACCURACY.value

CMAP = "viridis"
EMPTY_TEXT = "no complete trials yet"


def metric_label(metric: str) -> str:
    """`validation log loss`, `validation roc auc`: any metric of search's table, in words."""
    return f"validation {metric.replace('_', ' ')}"


def new_figure(width: float = 6.4, height: float = 4.0) -> Figure:
    """A Figure on the Agg canvas (no pyplot, no window)."""
    figure = Figure(figsize=(width, height), layout="tight")
    FigureCanvasAgg(figure)
    return figure


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def say_empty(ax: Axes, text: str = EMPTY_TEXT) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="gray")


def running_best(values: Sequence[float], direction: str) -> list[float]:
    """Best value so far at each point (maximize or minimize)."""
    pick = np.fmax.accumulate if direction == "maximize" else np.fmin.accumulate
    return pick(np.asarray(values, dtype=float)).tolist() if len(values) else []


# Optimization history -------------------------------------------------------------------------


class HistoryData(NamedTuple):
    """Values of the complete trials, by trial number, and the best value so far."""

    numbers: list[int]
    values: list[float]
    best_so_far: list[float]
    ylabel: str

    @property
    def empty(self) -> bool:
        return not self.numbers


def history_data(trials: pd.DataFrame, direction: str, metric: str) -> HistoryData:
    """Plot data of the optimization history."""
    complete = complete_trials(trials).sort_values("number")
    values = complete["value"].astype(float).tolist() if not complete.empty else []
    numbers = complete["number"].astype(int).tolist() if not complete.empty else []
    return HistoryData(numbers, values, running_best(values, direction), metric_label(metric))


def plot_history(data: HistoryData) -> Figure:
    """Each complete trial's value, and the best-so-far line."""
    figure = new_figure()
    ax = figure.add_subplot()
    ax.scatter(data.numbers, data.values, s=18, color="tab:blue", alpha=0.7, label="trial value")
    ax.step(data.numbers, data.best_so_far, where="post", color="tab:red", label="best so far")
    ax.set(title="Optimization history", xlabel="trial number", ylabel=figure_label(data.ylabel))
    if data.empty:
        say_empty(ax)
    else:
        ax.legend(loc="best")
    return figure


# Learning curves ------------------------------------------------------------------------------


class Curve(NamedTuple):
    """One trial's recorded cost and validation metric against the iteration."""

    number: int
    iteration: list[int]
    cost: list[float]
    val_metric: list[float]
    pruned: bool


class CurvesData(NamedTuple):
    curves: list[Curve]
    ylabel: str

    @property
    def empty(self) -> bool:
        return not self.curves


def curves_data(
    curves: pd.DataFrame,
    trials: pd.DataFrame,
    direction: str,
    metric: str,
    n_best: int = 5,
    n_pruned: int = 20,
) -> CurvesData:
    """The curves of the `n_best` best complete trials and of (up to `n_pruned`) pruned ones."""
    complete = complete_trials(trials)
    ranked = complete.sort_values("value", ascending=direction != "maximize", kind="stable")
    best = ranked["number"].astype(int).tolist()[:n_best]
    pruned = trials.loc[trials["state"] == "PRUNED", "number"].astype(int).tolist()[-n_pruned:]
    chosen = [(number, True) for number in pruned] + [(number, False) for number in best]
    found = [curve_of(curves, number, is_pruned) for number, is_pruned in chosen]
    return CurvesData([c for c in found if c.iteration], metric_label(metric))


def curve_of(curves: pd.DataFrame, number: int, pruned: bool) -> Curve:
    """One trial's rows of the long learning-curves table."""
    rows = curves[curves["number"] == number].sort_values("iteration")
    return Curve(
        number,
        rows["iteration"].astype(int).tolist(),
        numbers(rows, "cost"),
        numbers(rows, "val_metric"),
        pruned,
    )


def plot_curves(data: CurvesData) -> Figure:
    """Cost J and the validation metric against the iteration; pruned trials faded."""
    figure = new_figure(10, 4)
    cost_ax, metric_ax = figure.subplots(1, 2)
    for curve in data.curves:
        style = {"color": "gray", "alpha": 0.3, "lw": 1} if curve.pruned else {"lw": 1.8}
        label = None if curve.pruned else f"trial {curve.number}"
        (line,) = cost_ax.plot(curve.iteration, curve.cost, label=label, **style)
        metric_ax.plot(curve.iteration, curve.val_metric, **{**style, "color": line.get_color()})
    cost_ax.set(title="Learning curves: cost", xlabel="iteration", ylabel="cost J")
    metric_ax.set(
        title="Learning curves: validation", xlabel="iteration", ylabel=figure_label(data.ylabel)
    )
    if data.empty:
        say_empty(cost_ax, "no learning curves recorded")
    elif any(not c.pruned for c in data.curves):
        cost_ax.legend(loc="best", title="best trials (pruned: gray)", fontsize="small")
    return figure


# Hyperparameter importance --------------------------------------------------------------------


class ImportanceData(NamedTuple):
    names: list[str]
    importances: list[float]

    @property
    def empty(self) -> bool:
        return not self.names


def importance_data(hyperparameters: pd.DataFrame) -> ImportanceData:
    """Tuned hyperparameters with a defined importance, least important first (for barh)."""
    rows = hyperparameters[pd.to_numeric(hyperparameters["importance"], errors="coerce").notna()]
    rows = rows.sort_values("importance", kind="stable")
    return ImportanceData(rows["name"].tolist(), rows["importance"].astype(float).tolist())


def plot_importance(data: ImportanceData) -> Figure:
    figure = new_figure(6.4, max(2.5, 0.45 * len(data.names) + 1.2))
    ax = figure.add_subplot()
    positions = np.arange(len(data.names))  # not the names: two may shorten alike
    ax.barh(positions, data.importances, color="tab:blue")
    ax.set_yticks(positions, [figure_label(name) for name in data.names])
    ax.set(
        title="Hyperparameter importance", xlabel="importance (normalized)", ylabel="hyperparameter"
    )
    if data.empty:
        say_empty(ax, "needs two complete trials with different hyperparameters")
    return figure


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
    """Plot data of the parallel coordinates of the complete trials (varying parameters only)."""
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


def plot_parallel(data: ParallelData) -> Figure:
    """A line per trial across the hyperparameter axes, colored by its value."""
    figure = new_figure(max(6.4, 1.1 * len(data.axes) + 2), 4.5)
    ax = figure.add_subplot()
    values = np.asarray(data.values, dtype=float)
    norm = Normalize(*(values.min(), values.max()) if len(values) else (0, 1))
    mappable = ScalarMappable(norm=norm, cmap=CMAP)
    x = np.arange(len(data.axes))
    for row, value in zip(data.scaled, values, strict=True):
        ax.plot(x, row, color=mappable.to_rgba(value), alpha=0.7, lw=1.2)
    for i, ticks in enumerate(data.ticks):
        ax.axvline(i, color="black", lw=0.6)
        for position, text in ticks:
            ax.annotate(
                figure_label(text),
                (i, position),
                xytext=(3, 2),
                textcoords="offset points",
                fontsize="x-small",
            )
    ax.set_xticks(x, [figure_label(name) for name in data.axes], rotation=20)
    ax.set(
        title="Parallel coordinates", ylabel="scaled value (0 = low, 1 = high)", ylim=(-0.1, 1.1)
    )
    figure.colorbar(mappable, ax=ax, label=figure_label(data.value_label))
    if data.empty:
        say_empty(ax)
    return figure


# Scatter plots: learning rate, and size of the network ----------------------------------------


class ScatterData(NamedTuple):
    x: list[float]
    y: list[float]
    color: list[Any]
    xlabel: str
    ylabel: str
    color_label: str

    @property
    def empty(self) -> bool:
        return not self.x


def numbers(frame: pd.DataFrame, column: str) -> list[float]:
    """A column as floats: NaN where a cell is missing or not a number, everywhere if absent."""
    if column not in frame:
        return [math.nan] * len(frame)
    return pd.to_numeric(frame[column], errors="coerce").astype(float).tolist()


def learning_rate_data(trials: pd.DataFrame, metric: str) -> ScatterData:
    """α against the value of each complete trial, colored by the number of iterations."""
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


def plot_learning_rate(data: ScatterData) -> Figure:
    figure = new_figure()
    ax = figure.add_subplot()
    color = np.asarray(data.color, dtype=float)
    if len(color) and np.isfinite(color).all() and len(set(color.tolist())) > 1:
        points = ax.scatter(data.x, data.y, c=color, cmap=CMAP, s=24)
        figure.colorbar(points, ax=ax, label=figure_label(data.color_label))
    else:
        ax.scatter(data.x, data.y, s=24, color="tab:blue")
    ax.set_xscale("log")
    ax.set(
        title="Learning rate against the value",
        xlabel=figure_label(data.xlabel),
        ylabel=figure_label(data.ylabel),
    )
    if data.empty:
        say_empty(ax)
    return figure


def parameters_data(trials: pd.DataFrame, metric: str | None = None) -> ScatterData:
    """Validation accuracy (or, given a `metric`, each trial's value by it: a regression has
    no accuracy) against the number of learned parameters, colored by depth (L - 1)."""
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


def plot_parameters(data: ScatterData) -> Figure:
    """Depth against width: one color per number of hidden layers (gray: unknown)."""
    figure = new_figure()
    ax = figure.add_subplot()
    x, y, depths = (np.asarray(v, dtype=float) for v in (data.x, data.y, data.color))
    for depth in np.unique(depths[np.isfinite(depths)]):
        chosen = depths == depth
        ax.scatter(x[chosen], y[chosen], s=28, label=f"{int(depth)}")
    unknown = ~np.isfinite(depths)
    if unknown.any():
        ax.scatter(x[unknown], y[unknown], s=28, color="gray", label="?")
    ax.set_xscale("log")
    ax.set(
        title=f"{upper_first(figure_label(data.ylabel).removeprefix('validation '))} against "
        "learned parameters",
        xlabel=figure_label(data.xlabel),
        ylabel=figure_label(data.ylabel),
    )
    if data.empty:
        say_empty(ax)
    else:
        ax.legend(title=figure_label(data.color_label), loc="best", fontsize="small")
    return figure


# A regression's predictions on the test data ------------------------------------------------


class PredictionsData(NamedTuple):
    """The best network's predictions on the test data against the true values, one column per
    target (rows where a value is not finite left out)."""

    actual: np.ndarray  # (m, k)
    predicted: np.ndarray  # (m, k)
    labels: list[str]  # one per target

    @property
    def empty(self) -> bool:
        return not self.actual.size


class ResidualsData(NamedTuple):
    """Residuals (actual - predicted) against the predictions, one column per target."""

    predicted: np.ndarray  # (m, k)
    residuals: np.ndarray  # (m, k)
    labels: list[str]

    @property
    def empty(self) -> bool:
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
    """Plot data of the predicted against the actual values (`search.test_predictions`)."""
    return PredictionsData(*target_columns(y_true, y_pred, target))


def residuals_data(
    y_true: np.ndarray, y_pred: np.ndarray, target: str | None = None
) -> ResidualsData:
    """Plot data of the residuals, actual - predicted, against the predicted values."""
    actual, predicted, labels = target_columns(y_true, y_pred, target)
    return ResidualsData(predicted, actual - predicted, labels)


def scatter_targets(ax: Axes, x: np.ndarray, y: np.ndarray, labels: list[str]) -> None:
    """A scatter per target column (the caller adds a legend when there are several)."""
    for j, label in enumerate(labels):
        ax.scatter(x[:, j], y[:, j], s=14, alpha=0.6, label=figure_label(label))


def plot_predictions(data: PredictionsData) -> Figure:
    """Predicted against actual values, and the line y = x where every point would lie."""
    figure = new_figure(5.5, 5.0)
    ax = figure.add_subplot()
    scatter_targets(ax, data.actual, data.predicted, data.labels)
    if not data.empty:
        both = np.concatenate([data.actual.ravel(), data.predicted.ravel()])
        low, high = float(both.min()), float(both.max())
        ax.plot([low, high], [low, high], color="tab:red", lw=1, label="y = x")
    name = figure_label(data.labels[0]) if len(data.labels) == 1 else "value"
    ax.set(
        title="Predicted against actual (test data)",
        xlabel=f"actual {name}",
        ylabel=f"predicted {name}",
    )
    if data.empty:
        say_empty(ax, "no predictions on test data")
    elif len(data.labels) > 1:
        ax.legend(loc="best", fontsize="small")
    return figure


def plot_residuals(data: ResidualsData) -> Figure:
    """Residuals against predictions: a pattern (a slope, a funnel) is what the network missed."""
    figure = new_figure()
    ax = figure.add_subplot()
    scatter_targets(ax, data.predicted, data.residuals, data.labels)
    ax.axhline(0.0, color="tab:red", lw=1)
    name = figure_label(data.labels[0]) if len(data.labels) == 1 else "value"
    ax.set(
        title="Residuals against predictions (test data)",
        xlabel=f"predicted {name}",
        ylabel="residual (actual - predicted)",
    )
    if data.empty:
        say_empty(ax, "no predictions on test data")
    elif len(data.labels) > 1:
        ax.legend(loc="best", fontsize="small")
    return figure


# Comparison of studies ------------------------------------------------------------------------


class StudyCurve(NamedTuple):
    """A study's best value so far against the seconds since its first trial started."""

    name: str
    seconds: list[float]
    best_so_far: list[float]


class CompareData(NamedTuple):
    curves: list[StudyCurve]
    ylabel: str

    @property
    def empty(self) -> bool:
        return not any(c.seconds for c in self.curves)


def compare_data(
    trials: Mapping[str, pd.DataFrame], directions: Mapping[str, str], metrics: Mapping[str, str]
) -> CompareData:
    """Best-so-far curves of several studies against wall time."""
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


def plot_compare(data: CompareData) -> Figure:
    figure = new_figure()
    ax = figure.add_subplot()
    for curve in data.curves:
        ax.step(
            curve.seconds,
            curve.best_so_far,
            where="post",
            marker="o",
            ms=3,
            label=figure_label(curve.name),
        )
    ax.set(
        title="Best so far against wall time",
        xlabel="wall time (s)",
        ylabel=figure_label(data.ylabel),
    )
    if data.empty:
        say_empty(ax)
    else:
        ax.legend(title="study", loc="best")
    return figure
