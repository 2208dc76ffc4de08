"""The workers of a study: the trial loop every worker runs, and the processes that run it.

Every worker, in this process, a loky process of the run, or a `dnnsearch worker` on another
machine, runs the same loop (`run_trials`): open the study by name from the shared storage and
run trials one at a time until the study holds its total of counted trials, its deadline
passes, or its own quota is met. Each worker limits its BLAS threads so that K workers never
oversubscribe the cores.

A worker process that dies takes only its current trial with it: its trials are failed and the
workers started again, up to `MAX_RESTARTS` times. On PostgreSQL, heartbeats do the same for
workers on other machines, and failed trials are re-queued.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

import numpy as np
import optuna
from joblib.externals.loky.process_executor import ProcessPoolExecutor, TerminatedWorkerError
from optuna.trial import FrozenTrial, TrialState
from threadpoolctl import threadpool_limits

from search import _optuna
from search.accounting import UNLIMITED, Ledger, count_trials, fail_dead_trials
from search.artifacts import keep_location, resolve_location, store_for
from search.best import open_existing_study
from search.data import Dataset, Splits
from search.machine import cores
from search.objective import Objective
from search.plan import Run
from search.progress import Callback, Progress, long_trial_lines
from search.record import StudyRecord, TrialRecord, is_surplus, target_trials
from search.sharing import MappedSplits, open_splits
from search.spec import StudySpec
from search.storage import fail_stale_trials, study_has_heartbeat
from search.study import check_same_data, load_study

DataLoader = Callable[[StudySpec], "tuple[np.ndarray, np.ndarray] | Dataset"]
MAX_RESTARTS = 3
# A worker whose trials fail this many times in a row, for one reason, before any completes,
# stops: the same configuration space on the same data would fail again and again.
MAX_FAILURES = 10
# Workers still busy past a run's deadline (starting, or in a trial between two reports) are
# stopped this long after it.
WORKER_GRACE = 1.0


def run_trials(
    spec: StudySpec,
    splits: Splits | MappedSplits,
    worker: int = 0,
    *,
    max_trials: int | None = None,
    deadline: float | None = None,
    progress: Callback | None = None,
) -> int:
    """Run trials of an existing study until it holds its total; returns how many ran here.

    `splits` may be files (`search.data.MappedSplits`): they are then memory-mapped here.
    Before each trial, trials whose heartbeat stopped (a worker killed on any machine) are
    failed and re-queued. When only RUNNING trials stand between the study and its total, a
    worker with heartbeats waits for them to finish or go stale, then runs their retries.
    """
    study = load_study(spec, worker)
    interval = StudyRecord.of(study).heartbeat or {}
    objective = Objective(spec, open_splits(splits), store_for(spec), deadline)
    callbacks = [FailureStreak(), *([progress] if progress is not None else [])]
    ran = 0
    with long_trial_lines(study, progress):
        while max_trials is None or ran < max_trials:
            if deadline is not None and time.time() >= deadline:
                break
            step = next_step(study, objective.ledger_of(study))
            if step == "stop":
                break
            if step == "wait":
                time.sleep(min(interval.get("interval", 10), 1.0))
                continue
            study.optimize(objective, n_trials=1, callbacks=callbacks)
            ran += 1
    return ran


class TrialsFailingError(ValueError):
    """A worker's trials all fail for one reason: the run stops (one line saying why)."""


class FailureStreak:
    """An Optuna callback that stops a worker whose trials keep failing for the same reason.

    It stops it when they fail `MAX_FAILURES` times in a row for the same reason before any of its
    trials completes (a target that overflows, say, made every trial fail, and a run of one trial
    ran a thousand).
    """

    def __init__(self) -> None:
        """No failure seen yet."""
        self.reason: str | None = None  # the kind of the failures in a row
        self.count = 0
        self.completed = False

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        """Count a trial of this worker that ended; raise when the streak is long enough.

        Raises:
            TrialsFailingError: naming the reason and how many trials failed.
        """
        if trial.state != TrialState.FAIL or is_surplus(trial):
            self.completed |= trial.state == TrialState.COMPLETE
            self.reason, self.count = None, 0
            return
        stored = TrialRecord.from_trial(trial).fail_reason or "failed without a reason"
        kind = stored.split(":")[0]  # `diverged`, whatever the iteration or the cause
        self.count = self.count + 1 if kind == self.reason else 1
        self.reason = kind
        if self.count >= MAX_FAILURES and not self.completed:
            raise TrialsFailingError(
                f"stopping: the last {self.count} trials all failed, the last with "
                f"{stored!r}; the data or the space make every trial fail"
            )


def next_step(study: optuna.Study, ledger: Ledger) -> str:
    """`run` a trial, `wait` for other workers' RUNNING trials, or `stop`: the study is full."""
    fail_stale_trials(study)
    target = target_trials(study)
    if target is None:
        return "run"
    now = ledger.tally()
    if now.waiting:
        return "run"
    if now.counted >= target:
        return "stop"
    if now.live < target:
        return "run"
    return "wait" if study_has_heartbeat(study) else "stop"


def worker_process(
    spec: StudySpec,
    worker: int,
    threads: int,
    *,
    deadline: float | None,
    progress: Callback | None,
    splits: Splits | MappedSplits,
    fast_tpe: bool = True,
) -> int:
    """A worker in a process of its own: `run_trials` under `threads` BLAS threads."""
    if fast_tpe and spec.sampler == "tpe":
        _optuna.install_fast_tpe()
    with threadpool_limits(limits=threads):
        return run_trials(spec, splits, worker, deadline=deadline, progress=progress)


def start_pool(spec: StudySpec) -> ProcessPoolExecutor | None:
    """The loky processes of a run with several jobs, started at once.

    Each imports what a trial needs (about a second) while this process loads the data and prepares
    the study.

    A private pool, not loky's process-wide reusable one: that one is also joblib's and
    scikit-learn's (`Parallel`), which a run in a notebook must not shut down or kill.
    """
    if spec.jobs == 1:
        return None
    # each worker watches this process from its start, not from its first task: a run killed
    # while its workers import (or that never gives one of them a task) leaves none behind
    pool = ProcessPoolExecutor(
        max_workers=spec.jobs - 1, initializer=_end_with_parent, initargs=(os.getpid(),)
    )
    for _ in range(spec.jobs - 1):
        pool.submit(_warm_up)
    return pool


def _warm_up() -> None:
    """Run in a new worker process.

    Importing this module (to unpickle this function) has imported Optuna, numpy, dnn and the
    objective, all that a trial needs.
    """
    _end_with_parent()


def _pool_worker(spec: StudySpec, worker: int, threads: int, **kwargs: Any) -> int:
    """`worker_process` in a loky process of the run, which ends if the run is gone."""
    _end_with_parent()
    return worker_process(spec, worker, threads, **kwargs)


PARENT_WATCH = "dnnsearch-parent-watch"
PARENT_CHECK = 0.5  # seconds between two looks at the parent process


def _end_with_parent(parent: int | None = None) -> None:
    """End this process within `PARENT_CHECK` s of its parent's death.

    A run killed outright (SIGKILL) leaves its loky processes to init, which otherwise run
    trials up to the study's total and linger; the trial one was running is left RUNNING, and
    the next run fails it (its process is gone). One watching thread per process.

    Args:
        parent: the run's process id, as it started this one (None: this one's parent now); a
            parent already gone ends this process at once.
    """
    if any(thread.name == PARENT_WATCH for thread in threading.enumerate()):
        return
    parent = os.getppid() if parent is None else parent

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK)
        os._exit(1)

    threading.Thread(target=watch, name=PARENT_WATCH, daemon=True).start()


def run_workers(run: Run, pool: ProcessPoolExecutor | None = None) -> None:
    """Run `spec.jobs` workers.

    This process and `n_jobs - 1` loky worker processes (the `pool` started with the run, the first
    time; a new one after a worker died).

    The loky workers receive `run.shared`, the splits' files, when there are any (each maps
    them: no copy of the data per process), else the splits themselves: a loky process then
    never imports the data set's module (scikit-learn's data sets, pandas) to load them.

    This process has its modules imported and its data at hand, so it starts trials at once;
    a loky process takes seconds to start and joins in when ready. A dead loky process raises
    `TerminatedWorkerError`: its trials are failed and the workers started again, up to
    `MAX_RESTARTS` times. Progress lines are printed by every worker; a watcher is called
    back by this process's worker only.
    """
    spec = run.spec
    here = run.watcher if run.watcher is not None else run.printer
    if spec.jobs == 1:
        if run.fast_tpe and spec.sampler == "tpe":
            _optuna.install_fast_tpe()
        run_trials(spec, run.splits, 1000 * run.stream, deadline=run.deadline, progress=here)
        return
    for attempt in range(MAX_RESTARTS + 1):
        reused = pool if attempt == 0 else None
        executor = reused or ProcessPoolExecutor(max_workers=spec.jobs - 1)
        _attempt(run, executor, 1000 * run.stream + attempt * spec.jobs, here)
        executor.shutdown(wait=True)  # its workers are done: their processes end here
        deadline = run.deadline
        if count_trials(run.study) >= (target_trials(run.study) or 0) or (
            deadline is not None and time.time() >= deadline
        ):
            return
        fail_dead_trials(run.study)


def _attempt(run: Run, executor: ProcessPoolExecutor, first: int, here: Callback | None) -> None:
    """One go of the run's workers: this process's, and the loky ones of `executor`."""
    threads = max(1, cores() // run.spec.jobs)
    options: dict[str, Any] = {"deadline": run.deadline, "fast_tpe": run.fast_tpe}
    pooled = {"progress": run.printer, "splits": run.shared or run.splits, **options}
    try:
        futures = [
            executor.submit(_pool_worker, run.spec, first + w, threads, **pooled)
            for w in range(1, run.spec.jobs)
        ]
        worker_process(run.spec, first, threads, progress=here, splits=run.splits, **options)
        if not _finished_in_time(futures, run.deadline):
            # past the budget: a running trial is failed as interrupted (run_study)
            executor.shutdown(wait=True, kill_workers=True)
    except TerminatedWorkerError:
        # loky fails the futures before it has killed and reaped the other workers: wait
        # for that, or their trials look alive and stay RUNNING.
        executor.shutdown(wait=True, kill_workers=True)
        lost = fail_dead_trials(run.study)
        if run.printer is not None:
            run.printer.say(f"a worker process died; trials {lost} marked failed, restarting")
    except BaseException:  # Ctrl-C or an error here or in a worker: stop them all
        executor.shutdown(wait=True, kill_workers=True)
        raise


def _finished_in_time(futures: list, deadline: float | None) -> bool:
    """Wait for the loky workers, until `WORKER_GRACE` s past the deadline at most.

    One still starting, or in a trial between two reports, would hold the run past its budget.
    A worker's error is raised here.

    Returns:
        True when every worker finished; False when some had not finished by then.
    """
    for future in futures:
        wait = None if deadline is None else max(deadline + WORKER_GRACE - time.time(), 0.0)
        try:
            future.result(timeout=wait)
        except TimeoutError:
            return False
    return True


def join_study(
    name: str,
    storage: str,
    load_data: DataLoader,
    *,
    artifacts: str | None = None,
    max_trials: int | None = None,
    progress: TextIO | None = sys.stderr,
    fast_tpe: bool = True,
) -> int:
    """Join a stored study as one more worker, from any machine; returns the trials run here.

    The spec comes from the study itself; the data set is loaded here (a bad one fails before
    any trial). The worker's sampler seed is its own (from its process id), so that workers
    started together do not propose the same trials. `artifacts` (a folder or
    `s3://bucket/prefix`) is the study's artifact store, stored with it if it has none yet
    (`search.artifacts`); without it the study's own is used.
    """
    from search.prepare import split_data  # the data steps of a run, shared with run_study

    study = open_existing_study(name, storage)
    stored = StudyRecord.of(study)
    location = resolve_location(artifacts, stored.artifact_store, name)
    spec = StudySpec.from_stored(stored.spec, name).replace(storage=storage, artifacts=location)
    splits = split_data(spec, load_data)
    check_same_data(spec, study, splits)
    keep_location(study, location)
    printer = _joining_progress(study, spec, progress) if progress is not None else None
    if fast_tpe and spec.sampler == "tpe":
        _optuna.install_fast_tpe()
    index = os.getpid() % 100_000 + 1
    return run_trials(spec, splits, index, max_trials=max_trials, progress=printer)


def _joining_progress(study: optuna.Study, spec: StudySpec, stream: TextIO) -> Progress | None:
    """Progress lines counting every worker's trials toward what the study still lacks."""
    done = count_trials(study)
    left = (target_trials(study) or done + (spec.trials or UNLIMITED)) - done
    if left < 1:
        return None
    until = left if left < UNLIMITED // 2 else None  # a study that runs until its deadline
    return Progress(spec.replace(n_trials=until), done, time.time(), stream)
