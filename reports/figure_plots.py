"""Each figure of a report drawn from its plot data (`reports.figure_data`): Figure out.

As in Optuna's `visualization/matplotlib/_optimization_history.py`, these functions only draw:
what to draw was computed before. They never show or save a figure; they draw on the Agg
canvas without pyplot, so no window and no global figure state. Every string of the plot data
passes through `figure_label` (one line, shortened, never mathtext): it may be stored text.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from reports.escape import figure_label
from reports.figure_curves import Curve, CurvesData
from reports.figure_data import (
    CompareData,
    HistoryData,
    ImportanceData,
    ParallelData,
    PredictionsData,
    ResidualsData,
    ScatterData,
    Ticks,
)

CMAP = "viridis"
EMPTY_TEXT = "no complete trials yet"


def new_figure(width: float = 6.4, height: float = 4.0) -> Figure:
    """A Figure on the Agg canvas (no pyplot, no window)."""
    figure = Figure(figsize=(width, height), layout="tight")
    FigureCanvasAgg(figure)
    return figure


def upper_first(text: str) -> str:
    """`text` with its first character in upper case (the others as they are)."""
    return text[:1].upper() + text[1:]


def say_empty(ax: Axes, text: str = EMPTY_TEXT) -> None:
    """Write `text` in gray in the middle of an Axes that has nothing to draw."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="gray")


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


def draw_curve(cost_ax: Axes, metric_ax: Axes, curve: Curve) -> None:
    """One trial's cost and validation metric: up to its best report, a dot there, then faint.

    A curve without a best report (`Curve.best` None) is drawn whole; a pruned one in gray.
    """
    style: dict[str, Any] = (
        {"color": "gray", "alpha": 0.3, "lw": 1} if curve.pruned else {"lw": 1.8}
    )
    label = None if curve.pruned else f"trial {curve.number}"
    kept = slice(None) if curve.best is None else slice(curve.best + 1)
    (line,) = cost_ax.plot(curve.iteration[kept], curve.cost[kept], label=label, **style)
    color = line.get_color()
    metric_ax.plot(curve.iteration[kept], curve.val_metric[kept], **{**style, "color": color})
    if curve.best is None:
        return
    best, after = curve.best, slice(curve.best, None)
    for ax, ys in ((cost_ax, curve.cost), (metric_ax, curve.val_metric)):
        ax.plot([curve.iteration[best]], [ys[best]], "o", ms=5, color=color)
        if best < len(curve.iteration) - 1:
            ax.plot(curve.iteration[after], ys[after], color=color, alpha=0.3, lw=1)


def plot_curves(data: CurvesData) -> Figure:
    """Cost J and the validation metric against the iteration; pruned trials faded.

    Where a trial kept its best report's network, a dot marks that report and the curve after
    it is faint (`draw_curve`).
    """
    figure = new_figure(10, 4)
    cost_ax, metric_ax = figure.subplots(1, 2)
    for curve in data.curves:
        draw_curve(cost_ax, metric_ax, curve)
    cost_ax.set(title="Learning curves: cost", xlabel="iteration", ylabel="cost J")
    metric_ax.set(
        title="Learning curves: validation", xlabel="iteration", ylabel=figure_label(data.ylabel)
    )
    if data.empty:
        say_empty(cost_ax, "no learning curves recorded")
    elif any(not c.pruned for c in data.curves):
        title = "best trials (pruned: gray)"
        if data.stopped:
            title = "best trials (dot: network kept; pruned: gray)"
        cost_ax.legend(loc="best", title=title, fontsize="small")
    return figure


def plot_importance(data: ImportanceData) -> Figure:
    """A horizontal bar per tuned hyperparameter, the most important at the top."""
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


def draw_trials(ax: Axes, data: ParallelData) -> ScalarMappable:
    """A line per trial across the axes, colored by its value; return the color scale."""
    values = np.asarray(data.values, dtype=float)
    norm = Normalize(*(values.min(), values.max()) if len(values) else (0, 1))
    mappable = ScalarMappable(norm=norm, cmap=CMAP)
    x = np.arange(len(data.axes))
    for row, value in zip(data.scaled, values, strict=True):
        ax.plot(x, row, color=mappable.to_rgba(value), alpha=0.7, lw=1.2)
    return mappable


def draw_parallel_axes(ax: Axes, ticks: list[Ticks]) -> None:
    """A vertical line per hyperparameter, labelled at its ticks (lowest, highest, categories)."""
    for i, axis_ticks in enumerate(ticks):
        ax.axvline(i, color="black", lw=0.6)
        for position, text in axis_ticks:
            ax.annotate(
                figure_label(text),
                (i, position),
                xytext=(3, 2),
                textcoords="offset points",
                fontsize="x-small",
            )


def plot_parallel(data: ParallelData) -> Figure:
    """A line per trial across the hyperparameter axes, colored by its value."""
    figure = new_figure(max(6.4, 1.1 * len(data.axes) + 2), 4.5)
    ax = figure.add_subplot()
    mappable = draw_trials(ax, data)
    draw_parallel_axes(ax, data.ticks)
    names = [figure_label(name) for name in data.axes]
    ax.set_xticks(np.arange(len(data.axes)), names, rotation=20)
    ax.set(
        title="Parallel coordinates", ylabel="scaled value (0 = low, 1 = high)", ylim=(-0.1, 1.1)
    )
    figure.colorbar(mappable, ax=ax, label=figure_label(data.value_label))
    if data.empty:
        say_empty(ax)
    return figure


def plot_learning_rate(data: ScatterData) -> Figure:
    """The value against α on a log axis, colored by the number of iterations when it varies."""
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


def plot_compare(data: CompareData) -> Figure:
    """Each study's best value so far against wall time, a step line per study."""
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
