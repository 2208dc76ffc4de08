"""The figures of a report, as pairs: `*_data` computes what to draw, `plot_*` draws it.

This is the public namespace of the figures (`from reports import figures`); the two halves
live apart, as in Optuna's `visualization` package: the plot data in `reports.figure_data`
and `reports.figure_curves` (DataFrames in, a NamedTuple out) and the drawing in
`reports.figure_plots` (plot data in, a matplotlib Figure out, never shown or saved). For
example

>>> figures.plot_history(figures.history_data(trials, "maximize", "accuracy"))  # doctest: +SKIP
"""

from __future__ import annotations

from reports.figure_curves import Curve, CurvesData, best_iterations, curves_data
from reports.figure_data import (
    CompareData,
    HistoryData,
    ImportanceData,
    ParallelData,
    PredictionsData,
    ResidualsData,
    ScatterData,
    StudyCurve,
    compare_data,
    history_data,
    importance_data,
    learning_rate_data,
    metric_label,
    parallel_data,
    parameters_data,
    predictions_data,
    residuals_data,
)
from reports.figure_plots import (
    new_figure,
    plot_compare,
    plot_curves,
    plot_history,
    plot_importance,
    plot_learning_rate,
    plot_parallel,
    plot_parameters,
    plot_predictions,
    plot_residuals,
    say_empty,
)

__all__ = [
    "CompareData",
    "Curve",
    "CurvesData",
    "HistoryData",
    "ImportanceData",
    "ParallelData",
    "PredictionsData",
    "ResidualsData",
    "ScatterData",
    "StudyCurve",
    "best_iterations",
    "compare_data",
    "curves_data",
    "history_data",
    "importance_data",
    "learning_rate_data",
    "metric_label",
    "new_figure",
    "parallel_data",
    "parameters_data",
    "plot_compare",
    "plot_curves",
    "plot_history",
    "plot_importance",
    "plot_learning_rate",
    "plot_parallel",
    "plot_parameters",
    "plot_predictions",
    "plot_residuals",
    "predictions_data",
    "residuals_data",
    "say_empty",
]
