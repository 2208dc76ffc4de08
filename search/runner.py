"""Run a study: prepare, open, plan, run, finish.

`run_study` is one straight pipeline over one value, the run (`search.plan.Run`):

1. prepare (`search.prepare`): load, split and check the data; decide the validation; check
   the spec against the stored study. Bad input fails here, before anything is stored.
2. open (`search.study`): create the study, or resume it, with its spec, the data's
   fingerprint and summary stored.
3. plan (`search.plan`): fail the trials of killed runs, raise the study's total, enqueue the
   first configurations, mark the run active.
4. run (`search.workers`): this process and `n_jobs - 1` worker processes run trials until
   the total or the deadline, on one shared copy of the data; progress (`search.progress`).
5. finish (`search.final`): score the final model on the test split, once per best trial.
"""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from typing import TextIO

from joblib.externals.loky.process_executor import ProcessPoolExecutor

from search.final import RunResult, finish
from search.plan import Run, end_run, plan_run
from search.prepare import DataLoader, Prepared, prepare
from search.progress import Progress, Watcher, opening_lines
from search.sharing import open_splits, remove_dead_folders, shared_folder, write_splits
from search.spec import StudySpec
from search.study import open_for_run
from search.workers import run_workers, start_pool

# The final scoring of a run with a time budget must end this long after its deadline, or is
# not done (the next run does it).
FINISH_GRACE = 1.5


def run_study(
    spec: StudySpec,
    load_data: DataLoader,
    *,
    progress: TextIO | Watcher | None = sys.stderr,
    fast_tpe: bool = True,
) -> RunResult:
    """Run `spec.trials` more counted trials (or until `spec.timeout`) with `spec.jobs` workers.

    It reports the best.

    Args:
        spec: the study.
        load_data: `load_data(spec) -> (X, y)` or a `search.data.Dataset`.
        progress: where the progress lines go (a stream; None: nowhere), or a `Watcher`
            shown by this process in their place.
        fast_tpe: give Optuna's TPE scipy's vectorized log Phi in this process and the
            workers (the same samples, faster; see `search._optuna.install_fast_tpe`).

    Returns:
        The run's result: trials counted, the best trial, its test scores.

    Ctrl-C stops every worker; no trial is left RUNNING.
    """
    start = time.time()
    spec = spec.replace(n_jobs=spec.jobs)  # every process of the run agrees on it
    pool = start_pool(spec)  # its processes start while this one loads the data
    try:
        prepared = prepare(spec, load_data)  # nothing is stored before this returns
        study = open_for_run(prepared.spec, prepared.splits, prepared.summary)
        run = plan_run(prepared.spec, study, prepared.splits, start).replace(fast_tpe=fast_tpe)
        run = _run(_reporting(run, progress, prepared), pool)
        cutoff = run.deadline + FINISH_GRACE if run.deadline is not None else None
        return finish(run.spec, study, run.splits, time.time() - start, cutoff)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, kill_workers=True)  # idle by now, unless an error left it


def _reporting(run: Run, progress: TextIO | Watcher | None, prepared: Prepared) -> Run:
    """The run with what it reports to.

    A watcher, or progress lines opened by the run's first lines.
    """
    if isinstance(progress, Watcher):
        return run.replace(watcher=progress)
    if progress is None:
        return run
    printer = Progress(run.spec, run.done_before, run.start, progress)
    lines = opening_lines(
        run.spec, prepared.summary, prepared.chosen, prepared.warnings, prepared.metric_chosen
    )
    for line in lines:
        printer.say(line)
    return run.replace(printer=printer)


def _run(run: Run, pool: ProcessPoolExecutor | None) -> Run:
    """Run the workers; returns the run with the splits the final scoring reads.

    Several workers share one copy of the arrays, in files that each maps (this process too,
    which drops its own; its maps outlive the folder, for the final scoring). However the
    workers end, the run is marked ended and none of its trials is left RUNNING.
    """
    remove_dead_folders()  # left by runs killed outright on this machine
    with ExitStack() as stack:
        stack.callback(end_run, run.study)
        if run.watcher is not None:
            stack.callback(run.watcher.end, run.study)
        if run.spec.jobs > 1:
            shared = write_splits(run.splits, stack.enter_context(shared_folder()))
            run = run.replace(shared=shared, splits=open_splits(shared))
        if run.watcher is not None:
            run.watcher.begin(run.spec, run.done_before)
        run_workers(run, pool)
    return run
