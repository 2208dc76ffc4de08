"""A run's plan: the study's total raised by what the run adds, and everything its workers share.

`plan_run` does the bookkeeping a run needs before its workers start, under the lock that
makes runs starting together take turns (`search.accounting.starting`): the trials of killed
runs are failed, the total is raised (two runs at once add up), the study's first
configurations are enqueued, and the run marks itself active. The `Run` it returns is the one
value the workers and the final step read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import optuna

from search.accounting import (
    count_trials,
    fail_dead_trials,
    fail_own_trials,
    new_total,
    other_runs,
    starting,
    tally,
)
from search.data import Splits
from search.record import Failure, mark_run, set_target_trials
from search.sharing import MappedSplits
from search.spec import StudySpec

if TYPE_CHECKING:
    from search.progress import Progress, Watcher


@dataclass(frozen=True)
class Run:
    """What a run's workers share.

    Worker w of the run samples with seed `spec.seed + 1000 * stream + w`: a study's first run
    has stream 0 (its seeds are the spec's), a later or concurrent run another stream, so that
    it does not propose again the trials the first one proposed.
    """

    spec: StudySpec  # with its folds decided
    study: optuna.Study
    splits: Splits
    start: float  # time.time() when the run started
    done_before: int  # trials counted before this run
    stream: int
    shared: MappedSplits | None = None  # the splits' files, for worker processes
    printer: Progress | None = None  # progress lines, printed by every worker
    watcher: Watcher | None = None  # a display of this process only
    fast_tpe: bool = True  # see `search._optuna.install_fast_tpe`

    @property
    def deadline(self) -> float | None:
        """The `time.time()` after which no trial starts (None: no time budget)."""
        return self.start + self.spec.timeout if self.spec.timeout else None

    def replace(self, **changes: object) -> Run:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def plan_run(spec: StudySpec, study: optuna.Study, splits: Splits, start: float) -> Run:
    """Fail the killed runs' trials, raise the total, enqueue first configurations, mark the run.

    The study's total is raised by `spec.trials`, its first configurations are enqueued once, and
    this run is marked active (see the module docstring).
    """
    fail_dead_trials(study)  # left RUNNING by a run that was killed (SIGKILL, power loss)
    done_before = count_trials(study)
    with starting(spec.storage_url):
        others = other_runs(study)
        set_target_trials(study, new_total(study, spec.trials, others))
        # 0 for a study's first run alone: its samplers then use the spec's seeds
        stream = tally(study.get_trials(deepcopy=False)).live + others
        _enqueue_once(spec, study)
        mark_run(study, True)
    return Run(spec, study, splits, start, done_before, stream)


def _enqueue_once(spec: StudySpec, study: optuna.Study) -> None:
    """Enqueue the spec's configurations in a study without trials, after its total is set.

    They are the first of its trials, and a resumed study does not try them again.
    """
    if study.get_trials(deepcopy=False):
        return
    for params in spec.enqueued_params():
        study.enqueue_trial(params)


def end_run(study: optuna.Study) -> None:
    """Mark the run ended, and leave none of its trials RUNNING.

    Those of its worker processes (dead by now) and its own are failed as interrupted.
    """
    mark_run(study, False)
    fail_dead_trials(study, Failure.INTERRUPTED)
    fail_own_trials(study, Failure.INTERRUPTED)
