"""Trial accounting: which trials count toward a study's total, and how runs agree on it.

A study's total (`target_trials`, stored with it) is what its workers run up to. Complete,
pruned and diverged trials count; a trial that failed otherwise (its process died, Ctrl-C, an
error) does not, and a fresh trial takes its place. Each run raises the total by what it was
asked for, under a lock so that two runs starting together on one journal file add up; a run
marks itself active while it works (`search.record.mark_run`), so that a later run can tell.

Workers count before every trial, so counting must not grow with the study: a `Ledger` reads
only the trials that are new or were unfinished at its last look.
"""

from __future__ import annotations

import bisect
import fcntl
import math
import os
import socket
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import FrozenTrial, TrialState

from search import _optuna
from search.best import best_number
from search.machine import is_alive
from search.record import (
    Failure,
    TrialRecord,
    active_runs,
    fail_running_trial,
    is_diverged,
    target_trials,
)
from search.storage import is_rdb


@dataclass(frozen=True)
class Tally:
    """How a study's trials stand.

    `counted` toward its total, `live` (counted, running or waiting), and `waiting` (enqueued or
    re-queued, not yet started).
    """

    counted: int
    live: int
    waiting: int


def tally(trials: Sequence[FrozenTrial]) -> Tally:
    """One pass over the trials, by state."""
    states = Counter(map(attrgetter("state"), trials))  # map: no Python frame per trial
    diverged = 0
    if states[TrialState.FAIL]:
        diverged = sum(1 for t in trials if t.state == TrialState.FAIL and is_diverged(t))
    counted = states[TrialState.COMPLETE] + states[TrialState.PRUNED] + diverged
    waiting = states[TrialState.WAITING]
    return Tally(counted, counted + states[TrialState.RUNNING] + waiting, waiting)


def count_trials(study: optuna.Study) -> int:
    """Trials that count toward the total: complete, pruned, diverged."""
    return tally(study.get_trials(deepcopy=False)).counted


class Ledger:
    """A worker's running account of a study's trials.

    Their `Tally`, the best complete trial and the best first value, brought up to date at each look
    from the trials that are new or were unfinished at the last one.

    A worker looks several times per trial; listing every trial each time made its time per
    trial grow with the study. A finished trial never changes, so it is read once.
    """

    def __init__(self, study: optuna.Study) -> None:
        """Start an account of `study`, empty until the first look."""
        self.study = study
        self.seen = 0  # trials numbered below this have been read
        self.settled = 0  # finished trials among them that count toward the total
        self.unfinished: list[int] = []  # numbers of those running or waiting at the last look
        self.best: FrozenTrial | None = None  # see `search.best.best_number`
        self.top: float | None = None  # the best first value of a complete trial
        self.values: list[float] = []  # complete trials' first values, best first (signed)
        self._directions = [d.name.lower() for d in study.directions]

    def tally(self, stop: int | None = None) -> Tally:
        """How the trials numbered below `stop` (all when None) stand now."""
        if stop is not None and stop < self.seen:  # looked past it already: count afresh
            return tally(_optuna.trials_numbered(self.study, (), 0, stop))
        trials = _optuna.trials_numbered(self.study, self.unfinished, self.seen, stop)
        self.seen += len(trials) - len(self.unfinished)
        finished = [t for t in trials if t.state.is_finished()]
        self.unfinished = [t.number for t in trials if not t.state.is_finished()]
        self.settled += tally(finished).counted
        self._add_complete([t for t in finished if t.state == TrialState.COMPLETE and t.values])
        now = tally([t for t in trials if not t.state.is_finished()])
        return Tally(self.settled, self.settled + now.live, now.waiting)

    def _add_complete(self, complete: list[FrozenTrial]) -> None:
        if not complete:
            return
        firsts = [t.values[0] for t in complete]
        sign = -1.0 if self._directions[0] == "maximize" else 1.0
        for value in firsts:
            if math.isfinite(value):
                bisect.insort(self.values, sign * value)
        top = max if self._directions[0] == "maximize" else min
        self.top = top(firsts) if self.top is None else top(self.top, *firsts)
        candidates = {t.number: t for t in complete}
        if self.best is not None:
            candidates[self.best.number] = self.best
        number = best_number(((n, t.values) for n, t in candidates.items()), self._directions)
        self.best = None if number is None else candidates[number]

    def rank(self, value: float) -> int:
        """How many complete trials have a strictly better first value (0: the best so far).

        For a single-objective study.
        """
        self.tally()
        sign = -1.0 if self._directions[0] == "maximize" else 1.0
        return bisect.bisect_left(self.values, sign * value)

    def best_so_far(self, value: float) -> bool:
        """True when no complete trial beats `value` (a single-objective study)."""
        self.tally()
        if self.top is None:
            return True
        return value >= self.top if self._directions[0] == "maximize" else value <= self.top


def ledger_of(study: optuna.Study, ledger: Ledger | None) -> Ledger:
    """`ledger` if it accounts for `study`, else a new `Ledger` of it."""
    return ledger if ledger is not None and ledger.study is study else Ledger(study)


def surplus(trial: optuna.Trial, ledger: Ledger | None = None) -> bool:
    """True when trials numbered before this one already make up the study's total.

    Workers check before asking for a trial, but two may ask at once; the trial numbers, which
    the storage hands out in one order, settle which of them is over the total.
    """
    target = target_trials(trial.study)
    if target is None:
        return False
    return ledger_of(trial.study, ledger).tally(stop=trial.number).live >= target


UNLIMITED = 10**9  # the trials a run adds when only its time budget ends it


def new_total(study: optuna.Study, n_trials: int | None, others: int) -> int:
    """The study's total once this run adds `n_trials` (None: `UNLIMITED`, the deadline ends).

    It is counted trials + n, or, while another run is at work on the study (it said so and its
    process lives, or trials of live processes are running), its total + n, so that two runs at
    once add up instead of the later one cutting the earlier one short.
    """
    n_trials = UNLIMITED if n_trials is None else n_trials
    now = tally(study.get_trials(deepcopy=False))
    if others or now.live > now.counted:
        return max(target_trials(study) or 0, now.live) + n_trials
    return now.counted + n_trials


def other_runs(study: optuna.Study) -> int:
    """Runs of the study, other than this one, that are at work.

    On this machine, those whose process lives; on another machine, every one that has not said it
    ended.
    """
    me, host = os.getpid(), socket.gethostname()
    return sum(
        1
        for h, pid in active_runs(study)
        if (h, pid) != (host, me) and (h != host or is_alive(pid))
    )


@contextmanager
def starting(storage: str) -> Iterator[None]:
    """Held while a run reads and sets the study's total.

    Runs that start together on one journal file take turns (a lock file beside it); a database has
    no such lock.
    """
    if is_rdb(storage):
        yield
        return
    lock = Path(storage).with_name(Path(storage).name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def fail_dead_trials(study: optuna.Study, kind: Failure = Failure.DIED) -> list[int]:
    """Mark RUNNING trials of dead processes on this host as FAIL; returns their numbers.

    They are not re-queued: a fresh trial takes each one's place in the study's total.
    """
    host = socket.gethostname()
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        record = TrialRecord.from_trial(trial)
        if record.host != host or record.pid is None or is_alive(record.pid):
            continue
        try:
            fail_running_trial(study, trial, kind)
        except UpdateFinishedTrialError:
            continue  # another worker's heartbeat check failed it first
        failed.append(trial.number)
    return failed


def fail_own_trials(study: optuna.Study, kind: Failure = Failure.INTERRUPTED) -> None:
    """Mark this process's RUNNING trials FAIL (a run that ends leaves none running)."""
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if TrialRecord.from_trial(trial).pid == os.getpid():
            fail_running_trial(study, trial, kind)
