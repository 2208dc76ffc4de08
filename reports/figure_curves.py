"""The learning curves' plot data: the trials to draw, and their recorded curves.

As for every figure (`reports.figure_data`), a `*_data` function computes a NamedTuple from the
tidy tables of `reports.load` and `reports.tables`, and `reports.figure_plots.plot_curves` only
draws it.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from reports.figure_data import metric_label, numbers
from reports.tables import complete_trials


class Curve(NamedTuple):
    """One trial's recorded cost and validation metric against the iteration."""

    number: int
    iteration: list[int]
    cost: list[float]
    val_metric: list[float]
    pruned: bool


class CurvesData(NamedTuple):
    """The learning curves to draw, and the label of the validation metric's axis."""

    curves: list[Curve]
    ylabel: str

    @property
    def empty(self) -> bool:
        """No curve recorded."""
        return not self.curves


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
        trials: the trials table.
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
