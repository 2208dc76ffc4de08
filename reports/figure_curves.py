"""The learning curves' plot data: the trials to draw, and where each one stopped.

Each trial keeps its best epoch (`search.epochs`): its value and its network are those of its
best validation report, the iteration stored as its `best_iteration`, and its training stopped
once `PATIENCE` reports in a row had not beaten it. Its learning curve holds every report, so
the curve goes on past the network the trial kept: `Curve.best` is the position of the best
report on it, which the drawing (`reports.figure_plots.plot_curves`) marks, drawing the rest of
the curve fainter. A trial of a study without early stopping, or a pruned one, has none.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import pandas as pd

from reports.figure_data import metric_label, numbers
from reports.load import BEST_ITERATION
from reports.tables import complete_trials


class Curve(NamedTuple):
    """One trial's recorded cost and validation metric against the iteration.

    Attributes:
        number: the trial's number.
        iteration: the iterations of its reports.
        cost: the cost J at each.
        val_metric: the validation metric at each.
        pruned: whether the pruner stopped it.
        best: the position, in these lists, of the report whose network the trial kept (None:
            not recorded, or not one of its reports).
    """

    number: int
    iteration: list[int]
    cost: list[float]
    val_metric: list[float]
    pruned: bool
    best: int | None = None


class CurvesData(NamedTuple):
    """The learning curves to draw, and the label of the validation metric's axis."""

    curves: list[Curve]
    ylabel: str

    @property
    def empty(self) -> bool:
        """No curve recorded."""
        return not self.curves

    @property
    def stopped(self) -> bool:
        """Whether some curve has a best iteration to mark."""
        return any(c.best is not None for c in self.curves)


def curves_data(
    curves: pd.DataFrame,
    trials: pd.DataFrame,
    direction: str,
    metric: str,
    n_best: int = 5,
    n_pruned: int = 20,
) -> CurvesData:
    """The curves of the `n_best` best complete trials and of (up to `n_pruned`) pruned ones.

    Args:
        curves: the long learning-curves table (`reports.load`).
        trials: the trials table (its `best_iteration`, when it has one, places each best).
        direction: the study's, which ranks the complete trials.
        metric: the study's metric, for the label.
        n_best: how many of the best complete trials.
        n_pruned: how many of the last pruned trials.

    Returns:
        The pruned trials' curves first (drawn below), then the best trials', best first.
    """
    complete = complete_trials(trials)
    ranked = complete.sort_values("value", ascending=direction != "maximize", kind="stable")
    best = ranked["number"].astype(int).tolist()[:n_best]
    pruned = trials.loc[trials["state"] == "PRUNED", "number"].astype(int).tolist()[-n_pruned:]
    chosen = [(number, True) for number in pruned] + [(number, False) for number in best]
    stops = best_iterations(trials)
    found = [curve_of(curves, n, is_pruned, stops.get(n)) for n, is_pruned in chosen]
    return CurvesData([c for c in found if c.iteration], metric_label(metric))


def best_iterations(trials: pd.DataFrame) -> dict[int, int]:
    """Each trial's `best_iteration`, by number, where it is a whole number (none recorded: {})."""
    stored = numbers(trials, BEST_ITERATION)
    return {
        int(number): int(value)
        for number, value in zip(trials["number"], stored, strict=True)
        if math.isfinite(value) and value == int(value)
    }


def curve_of(
    curves: pd.DataFrame, number: int, pruned: bool, best_iteration: int | None = None
) -> Curve:
    """One trial's rows of the long learning-curves table, its best report placed on them."""
    rows = curves[curves["number"] == number].sort_values("iteration")
    iterations = rows["iteration"].astype(int).tolist()
    best = iterations.index(best_iteration) if best_iteration in iterations else None
    return Curve(
        number, iterations, numbers(rows, "cost"), numbers(rows, "val_metric"), pruned, best
    )
