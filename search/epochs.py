"""Each trial keeps its best epoch: early stopping, with the network rewound to its best report.

A trial's network is scored on its validation part every `report_every` iterations. Its value
is its best report's, not its last's, and its network is the one of that report: a good
learning rate is not lost to too many iterations (`num_iterations` is a cap). Training stops
once `PATIENCE` reports in a row have not beaten the best. With cross-validation, the other
folds train for fold 0's best number of iterations, and the final refit does too.

A network retrained from a trial's record stops at the same iteration (`stop_at`), so that it
is the trial's own, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

# Reports in a row without a better validation score before a trial stops: 10 reports of 50
# iterations are 500 iterations, a fifth of the largest default `num_iterations`.
PATIENCE = 10


class BestEpoch:
    """The best validation report of one training run, and the network's parameters then."""

    def __init__(self, direction: str, patience: int = PATIENCE) -> None:
        """Follow a run whose metric is to `direction` (`maximize` or `minimize`)."""
        self.sign = 1.0 if direction == "maximize" else -1.0
        self.patience = patience
        self.iteration: int | None = None  # of the best report
        self.value: float | None = None
        self.parameters: dict[str, np.ndarray] | None = None
        self.since = 0  # reports since the best

    def see(self, iteration: int, value: float, parameters: dict[str, np.ndarray]) -> bool:
        """Take a report into account.

        True when training should stop (no better report in `patience` reports). Its parameters are
        copied when it is the best so far.
        """
        better = np.isfinite(value) and (
            self.value is None
            or not np.isfinite(self.value)
            or self.sign * (value - self.value) > 0
        )
        if self.value is None or better:
            self.iteration, self.value, self.since = iteration, value, 0
            self.parameters = {key: array.copy() for key, array in parameters.items()}
            return False
        self.since += 1
        return self.since >= self.patience

    def rewind(self, net: Any) -> bool:
        """Set the network to its best report; whether that changed it.

        Its parameters then, and the costs and number of iterations it had recorded by then (what a
        network trained up to it would hold). What the network learned from its training rows for
        its last parameters is the caller's to learn again (`calibrate`).
        """
        if self.parameters is None or self.iteration is None:
            return False
        if self.iteration >= net.n_iter_ - 1:
            return False  # the best is the last: nothing to rewind
        net.parameters_ = self.parameters
        kept = net.cost_iterations_ <= self.iteration
        net.cost_iterations_, net.costs_ = net.cost_iterations_[kept], net.costs_[kept]
        net.n_iter_ = self.iteration + 1
        return True


def stop_at(iteration: int | None) -> Callable[[int, float], bool]:
    """A network callback that stops training after `iteration` (never, for None)."""
    return lambda i, cost: iteration is not None and i >= iteration
