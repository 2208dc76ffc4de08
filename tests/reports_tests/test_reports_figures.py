"""reports.figures: plot data computed apart from drawing; figures have labels and data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from reports import hyperparameter_table
from reports.figures import (
    compare_data,
    curves_data,
    history_data,
    importance_data,
    learning_rate_data,
    parallel_data,
    parameters_data,
    plot_compare,
    plot_curves,
    plot_history,
    plot_importance,
    plot_learning_rate,
    plot_parallel,
    plot_parameters,
)


def curves_frame() -> pd.DataFrame:
    rows = [
        (n, s, i, 0.7 / (1 + i / 50), 0.5 + 0.001 * i)
        for n, s in ((0, "COMPLETE"), (1, "COMPLETE"), (2, "PRUNED"), (4, "COMPLETE"))
        for i in (0, 50, 100)
    ]
    return pd.DataFrame(rows, columns=["number", "state", "iteration", "cost", "val_metric"])


def drawn(ax) -> int:
    """Number of data points drawn on an Axes (lines and scatter collections)."""
    lines = sum(len(line.get_xdata()) for line in ax.get_lines())
    return lines + sum(len(c.get_offsets()) for c in ax.collections)


def test_history(hand_made):
    trials, _ = hand_made
    data = history_data(trials, "maximize", "accuracy")
    assert data.numbers == [0, 1, 4]
    assert data.values == [0.80, 0.95, 0.70] and data.best_so_far == [0.80, 0.95, 0.95]
    assert history_data(trials, "minimize", "log_loss").best_so_far == [0.80, 0.80, 0.70]
    figure = plot_history(data)
    ax = figure.axes[0]
    assert isinstance(figure, Figure)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("trial number", "validation accuracy")
    assert drawn(ax) >= 6


def test_learning_curves(hand_made):
    trials, _ = hand_made
    data = curves_data(curves_frame(), trials, "maximize", "accuracy", n_best=2)
    assert [(c.number, c.pruned) for c in data.curves] == [(2, True), (1, False), (0, False)]
    assert data.curves[1].iteration == [0, 50, 100]
    figure = plot_curves(data)
    cost, metric = figure.axes
    assert (cost.get_xlabel(), cost.get_ylabel()) == ("iteration", "cost J")
    assert metric.get_ylabel() == "validation accuracy"
    assert len(cost.get_lines()) == 3 and len(metric.get_lines()) == 3
    faded = [line.get_alpha() for line in cost.get_lines()]
    assert faded[0] == pytest.approx(0.3) and faded[1] is None


def test_learning_curves_mark_where_each_trial_stopped(hand_made):
    """A trial's best report (its `best_iteration`) is placed on its curve; one that is not a
    recorded report (75) is not placed; pruned trials recorded none."""
    trials, _ = hand_made
    stopped = trials.assign(best_iteration=[50, 100, math.nan, math.nan, 75])
    data = curves_data(curves_frame(), stopped, "maximize", "accuracy", n_best=3)
    assert [(c.number, c.best) for c in data.curves] == [(2, None), (1, 2), (0, 1), (4, None)]
    assert data.stopped and not curves_data(curves_frame(), trials, "maximize", "x").stopped
    cost, metric = plot_curves(data).axes
    lines = cost.get_lines()
    # pruned 2; trial 1 (best last: its line, its dot); trial 0 (line, dot, faint); trial 4
    assert [len(line.get_xdata()) for line in lines] == [3, 3, 1, 2, 1, 2, 3]
    line, dot, faint = lines[3:6]
    assert list(line.get_xdata()) == [0, 50] and list(faint.get_xdata()) == [50, 100]
    assert list(dot.get_xdata()) == [50] and dot.get_marker() == "o"
    assert list(dot.get_ydata()) == [pytest.approx(0.7 / 2)]  # the cost at its best report
    assert faint.get_alpha() == pytest.approx(0.3) and line.get_alpha() is None
    assert line.get_color() == dot.get_color() == faint.get_color()
    assert [len(line.get_xdata()) for line in metric.get_lines()] == [3, 3, 1, 2, 1, 2, 3]
    assert "dot" in cost.get_legend().get_title().get_text()
    assert len(cost.get_legend().get_texts()) == 3  # a trial per entry: no dot or faint line


def test_importance(hand_made):
    trials, info = hand_made
    data = importance_data(hyperparameter_table(trials, info))
    assert set(data.names) == {"learning_rate", "n_hidden", "n_1"}  # the tuned ones that varied
    assert data.importances == sorted(data.importances)
    ax = plot_importance(data).axes[0]
    assert ax.get_title() == "Hyperparameter importance" and len(ax.patches) == 3


def test_parallel_coordinates(hand_made):
    trials, _ = hand_made
    trials = trials.assign(params_activation=["relu", "tanh", "relu", "relu", "tanh"])
    data = parallel_data(trials, "accuracy")
    # only varying parameters: num_iterations and optimizer are fixed
    assert data.axes == ["learning_rate", "n_hidden", "n_1", "activation"]
    assert data.scaled.shape == (3, 4)
    assert np.nanmin(data.scaled) == 0.0 and np.nanmax(data.scaled) == 1.0
    assert data.scaled[:, 3].tolist() == [0.0, 1.0, 1.0]  # relu -> 0, tanh -> 1
    assert data.values == [0.80, 0.95, 0.70]
    assert data.ticks[3] == [(0.0, "relu"), (1.0, "tanh")]
    assert data.ticks[0] == [(0.0, "0.003"), (1.0, "0.1")]
    figure = plot_parallel(data)
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == data.axes
    assert len(ax.get_lines()) >= 3
    assert figure.axes[1].get_ylabel() == "validation accuracy"  # the colorbar


def test_learning_rate(hand_made):
    trials, _ = hand_made
    data = learning_rate_data(trials, "accuracy")
    assert data.x == [0.01, 0.1, 0.003] and data.y == [0.80, 0.95, 0.70]
    ax = plot_learning_rate(data).axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel().startswith("learning rate α")
    assert drawn(ax) == 3


def test_accuracy_against_parameters(hand_made):
    trials, _ = hand_made
    data = parameters_data(trials)
    assert data.x == [37.0, 54.0, 49.0] and data.color == [1.0, 2.0, 1.0]
    ax = plot_parameters(data).axes[0]
    assert ax.get_xscale() == "log" and ax.get_ylabel() == "validation accuracy"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["1", "2"]
    assert ax.get_legend().get_title().get_text() == "hidden layers L - 1"
    assert drawn(ax) == 3


def test_compare(hand_made):
    trials, _ = hand_made
    slower = trials.assign(value=[0.5, 0.6, math.nan, math.nan, 0.99])
    data = compare_data(
        {"a": trials, "b": slower},
        {"a": "maximize", "b": "maximize"},
        {"a": "accuracy", "b": "accuracy"},
    )
    assert [c.name for c in data.curves] == ["a", "b"]
    assert data.curves[0].seconds == [5.0, 15.0, 45.0]
    assert data.curves[1].best_so_far == [0.5, 0.6, 0.99]
    ax = plot_compare(data).axes[0]
    assert ax.get_xlabel() == "wall time (s)" and ax.get_ylabel() == "validation accuracy"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]


def test_empty_data_still_draws(hand_made):
    trials, info = hand_made
    failed = trials[trials["state"] != "COMPLETE"]
    datas = [
        history_data(failed, "maximize", "accuracy"),
        parallel_data(failed, "accuracy"),
        learning_rate_data(failed, "accuracy"),
        parameters_data(failed),
        importance_data(hyperparameter_table(failed, info)),
        curves_data(curves_frame().iloc[0:0], failed, "maximize", "accuracy"),
    ]
    assert all(data.empty for data in datas)
    plots = [
        plot_history,
        plot_parallel,
        plot_learning_rate,
        plot_parameters,
        plot_importance,
        plot_curves,
    ]
    for data, plot in zip(datas, plots, strict=True):
        assert isinstance(plot(data), Figure)
