"""Run a study: create it in its storage, then run trials in one or more worker processes.

Every worker, in this process or a joblib (loky) process or on another machine, runs the
same loop (`work`): open the study by name from the shared storage, load the data set
itself, and run trials one at a time until the study holds its total (`target_trials`, a
study attribute) of counted trials, its deadline passes, or its own quota is met. Each
worker limits its BLAS threads so that K workers never oversubscribe the cores.

A worker process that dies takes only its current trial with it: the runner marks the
RUNNING trials of dead processes on this host as failed (each trial records its pid and
host) and starts new workers for what is left. On PostgreSQL, heartbeats do the same for
workers on other machines, and failed trials are re-queued.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO, runtime_checkable

import numpy as np
import optuna
from joblib.externals.loky.process_executor import ProcessPoolExecutor, TerminatedWorkerError
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import TrialState
from threadpoolctl import threadpool_limits

from search import _optuna
from search.best import best_trial, load_trained, load_verified, open_existing_study
from search.data import (
    Dataset,
    MappedSplits,
    Splits,
    cross_validation_splits,
    open_splits,
    shuffled_split,
    split_dataset,
    stack,
    stratified_split,
    write_splits,
)
from search.metrics import metrics_of, score_all
from search.objective import Ledger, Objective, network_class, outputs, tally
from search.record import (
    Failure,
    StudyRecord,
    TestRecord,
    TrialRecord,
    active_runs,
    fail_running_trial,
    is_surplus,
    mark_run,
    set_best_test,
    set_data,
    set_data_summary,
    set_heartbeat,
    set_spec,
    set_target_trials,
    target_trials,
)
from search.samplers import make_pruner, make_sampler
from search.spec import SMALL_DATA, SearchSpace, SpecError, StudySpec
from search.storage import (
    DEFAULT_HEARTBEAT,
    Heartbeat,
    StorageError,
    artifacts_dir,
    default_storage,
    fail_stale_trials,
    file_sha256,
    is_rdb,
    open_storage,
    redact,
    save_arrays,
    save_network,
    study_has_heartbeat,
)
from search.summary import data_summary, first_lines

if TYPE_CHECKING:
    from dnn import NetworkClassifier, NetworkRegressor

DataLoader = Callable[[StudySpec], "tuple[np.ndarray, np.ndarray] | Dataset"]
Callback = Callable[[optuna.Study, optuna.trial.FrozenTrial], None]  # an Optuna study callback
MAX_RESTARTS = 3
# What a run with a time budget may take past its deadline: workers still busy (starting, or
# in a trial between two reports) are stopped after WORKER_GRACE; the final scoring must end
# within FINISH_GRACE, or is not done.
WORKER_GRACE = 1.0
FINISH_GRACE = 1.5
NOT_SCORED = "final scoring not done (time budget)"
# A trial running longer than this gets a progress line per new report, one per period at most.
LONG_TRIAL = 10.0
COMPARED_KEYS = (
    "dataset",
    "test_dataset",
    "target",
    "task",
    "drop",
    "categorical",
    "dtype",
    "space",
    "per_layer_activation",
    "metric",
    "pareto",
    "validation_fraction",
    "test_fraction",
    "seed",
    "report_every",
    "max_parameters",
    "cv_folds",
    "enqueue",
)


# Study-file keys added after studies were first stored, and what a study without them did.
SINCE_DEFAULTS = {
    "task": "classification",
    "drop": [],
    "categorical": [],
    "dtype": "float64",
    "cv_folds": 0,
    "enqueue": [],
}


class StudyMismatchError(SpecError):
    """A study of that name exists with a different definition."""


@runtime_checkable
class Watcher(Protocol):
    """A display of a run that lives in this process only (a progress bar), which
    `run_study(progress=...)` takes in place of a stream of progress lines.

    `begin` is called once the study holds its total, `__call__` after each trial this
    process runs (with `n_jobs > 1` the others' trials are in the study's count), and `end`
    when the workers have stopped, whatever stopped them.
    """

    def begin(self, spec: StudySpec, done_before: int) -> None: ...

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None: ...

    def end(self, study: optuna.Study) -> None: ...


@dataclass
class RunResult:
    """What `run_study` leaves behind."""

    study_name: str
    storage: str
    n_counted: int
    best_trial: int | None
    best_value: float | None
    test_accuracy: float | None
    wall_time: float
    test_scores: dict[str, float] = field(default_factory=dict)  # metric name -> test value
    not_scored: str | None = None  # why the best trial has no test scores (`NOT_SCORED`)
    # the scores are the best configuration's retrained on training + validation (`refit`),
    # else the best trial's own network's
    test_refit: bool = False


def storage_url(spec: StudySpec) -> str:
    """The spec's storage, or the embedded journal file `runs/<name>/journal.log`."""
    return spec.storage or default_storage(spec.name)


def quiet_optuna() -> None:
    """Our progress lines replace Optuna's per-trial log lines.

    Optuna logs a failed trial as a warning with its traceback: for a diverged trial (our
    progress line and the trial's `fail_reason` say it) and on Ctrl-C, in every worker.
    """
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def create_study(spec: StudySpec, heartbeat: Heartbeat | None = None) -> optuna.Study:
    """Create the study (or load it to resume) and store its spec; refuse a changed definition.

    On a storage with heartbeats the study also stores its `heartbeat` (10 s / 30 s, or the one
    given), which every worker then uses, so that all agree on when a trial is dead.
    """
    quiet_optuna()
    storage = open_storage(storage_url(spec))
    sampler, pruner = make_sampler(spec, 0), make_pruner(spec)
    if spec.name in optuna.study.get_all_study_names(storage):
        # Resume: check the stored definition before writing anything.
        study = optuna.load_study(
            study_name=spec.name, storage=storage, sampler=sampler, pruner=pruner
        )
        _check_same_definition(spec, study)
        if StudyRecord.of(study).spec is not None:
            _store_heartbeat(study, heartbeat)
            return study
    study = optuna.create_study(
        storage=storage,
        study_name=spec.name,
        directions=spec.directions,
        sampler=sampler,
        pruner=pruner,
        load_if_exists=True,
    )
    if StudyRecord.of(study).spec is None:
        set_spec(study, _stored_spec(spec))
    _store_heartbeat(study, heartbeat)
    return study


def _stored_spec(spec: StudySpec) -> dict:
    """The spec as stored with the study: its storage URL without the password."""
    data = spec.to_dict()
    if "storage" in data:
        data["storage"] = redact(data["storage"])
    return data


def _store_heartbeat(study: optuna.Study, heartbeat: Heartbeat | None) -> None:
    keep = heartbeat is None and StudyRecord.of(study).heartbeat is not None
    if not study_has_heartbeat(study) or keep:
        return
    set_heartbeat(study, dataclasses.asdict(heartbeat or DEFAULT_HEARTBEAT))


def _check_same_definition(spec: StudySpec, study: optuna.Study) -> None:
    stored = StudyRecord.of(study).spec
    if stored is None:
        return
    current = {**SINCE_DEFAULTS, **spec.to_dict()}  # to_dict leaves out an empty enqueue
    # keys added since a study was stored hold what it did then
    stored = {**SINCE_DEFAULTS, **stored, "space": _space_with_defaults(stored.get("space"))}
    for key in COMPARED_KEYS:
        if stored.get(key) == current.get(key):
            continue
        if key == "space" and isinstance(stored["space"], dict):
            before, now = stored["space"], current["space"]
            keys = sorted(k for k in {*before, *now} if before.get(k) != now.get(k))
            detail = ", ".join(f"{k} = {before.get(k)!r}" for k in keys)
            raise StudyMismatchError(
                f"space: study {spec.name!r} already exists with {detail}; "
                "use another study name (--study-name) to start a new study"
            )
        raise StudyMismatchError(
            f"{key}: study {spec.name!r} already exists with {key} = {stored.get(key)!r}; "
            "use another study name (--study-name) to start a new study"
        )


def _space_with_defaults(space: Any) -> Any:
    """A stored space with the defaults of hyperparameters added since it was stored (a study
    from before dropout holds no keep_prob: it trained with 1.0, today's default)."""
    try:
        return SearchSpace.from_dict(space).to_dict()
    except (SpecError, TypeError):
        return space


def load_study(
    spec: StudySpec, worker: int = 0, heartbeat: Heartbeat = DEFAULT_HEARTBEAT
) -> optuna.Study:
    """Open an existing study by name, with this worker's seeded sampler."""
    quiet_optuna()
    return optuna.load_study(
        study_name=spec.name,
        storage=open_storage(storage_url(spec), create=False, heartbeat=heartbeat),
        sampler=make_sampler(spec, worker),
        pruner=make_pruner(spec),
    )


def count_trials(study: optuna.Study) -> int:
    """Trials that count toward the total: complete, pruned, diverged."""
    return tally(study.get_trials(deepcopy=False)).counted


def _enqueue_once(spec: StudySpec, study: optuna.Study) -> None:
    """Enqueue the spec's configurations in a study without trials, after its total is set:
    they are the first of its `n_trials`, and a resumed study does not try them again."""
    if study.get_trials(deepcopy=False):
        return
    for params in spec.enqueued_params():
        study.enqueue_trial(params)


def _new_total(study: optuna.Study, n_trials: int, others: int) -> int:
    """The study's total once this run adds `n_trials`: counted trials + n, or, while another
    run is at work on the study (it said so and its process lives, or trials of live
    processes are running), its total + n, so that two runs at once add up instead of the
    later one cutting the earlier one short."""
    now = tally(study.get_trials(deepcopy=False))
    if others or now.live > now.counted:
        return max(target_trials(study) or 0, now.live) + n_trials
    return now.counted + n_trials


def _other_runs(study: optuna.Study) -> int:
    """Runs of the study, other than this one, that are at work: on this machine, those whose
    process lives; on another machine, every one that has not said it ended."""
    me, host = os.getpid(), socket.gethostname()
    return sum(
        1 for h, pid in active_runs(study) if (h, pid) != (host, me) and (h != host or _alive(pid))
    )


@contextmanager
def _starting(spec: StudySpec) -> Iterator[None]:
    """Held while a run reads and sets the study's total: runs that start together on one
    journal file take turns (a lock file beside it); a database has no such lock."""
    url = storage_url(spec)
    if is_rdb(url):
        yield
        return
    lock = Path(url).with_name(Path(url).name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def data_fingerprint(splits: Splits) -> dict[str, Any]:
    """What identifies a study's data: its size and a digest of its examples, split as the
    study splits them (the split is a function of the data and the seed)."""
    digest = hashlib.sha256()
    for part in splits:
        array = np.asarray(part)
        digest.update(str(array.shape).encode())
        if array.dtype.kind not in "biuf":
            digest.update(np.ascontiguousarray(array.astype(str)).tobytes())
            continue
        step = max(1, 2**20 // max(array[:1].size, 1))  # rows of about 8 MB at a time
        for start in range(0, len(array), step):
            rows = array[start : start + step].astype(np.float64)
            digest.update(np.ascontiguousarray(rows).data)
    examples = sum(len(part) for part in splits[1::2])
    return {
        "examples": examples,
        "features": int(splits.X_train.shape[1]),
        "sha256": digest.hexdigest(),
    }


def check_same_data(spec: StudySpec, study: optuna.Study, splits: Splits) -> None:
    """Store the data's fingerprint with a new study; refuse to go on with other data.

    Raises:
        StudyMismatchError: naming what differs (size, or the same size with other values).
    """
    found = data_fingerprint(splits)
    stored = StudyRecord.of(study).data
    if stored is None:
        set_data(study, found)
        return
    if stored == found:
        return
    size = f"{stored.get('examples')} examples x {stored.get('features')} features"
    now = f"{found['examples']} x {found['features']}"
    what = (
        f"now {now}"
        if (stored.get("examples"), stored.get("features"))
        != (found["examples"], found["features"])
        else "now the same size with other values"
    )
    raise StudyMismatchError(
        f"data: study {spec.name!r} was run on {spec.dataset} with {size}, {what}; "
        "use another study name (--study-name) for other data"
    )


def prepare_splits(spec: StudySpec, load_data: DataLoader) -> Splits:
    """Load the data set and split it (the loader may return `(X, y)` or a `Dataset`).

    A `Dataset` whose test set is empty holds nothing out: its examples are cut into training
    and validation only, and the study has no test scores (`DeepNetworkSearch`, whose caller
    keeps its own test data, as with scikit-learn's searches).
    """
    data = load_data(spec)
    dataset = data if isinstance(data, Dataset) else Dataset(*data)
    if dataset.y_test is not None and len(dataset.y_test) == 0:
        split = shuffled_split if spec.is_regression else stratified_split
        return split(
            dataset.X, dataset.y, spec.validation_fraction, 0.0, spec.seed, allow_empty_test=True
        )
    return split_dataset(
        dataset, spec.validation_fraction, spec.test_fraction, spec.seed, spec.task
    )


def decide_folds(spec: StudySpec, splits: Splits) -> StudySpec:
    """The spec with `cv_folds` decided (`StudySpec.with_folds`): a study that exists keeps
    what it stored; a new one without the key gets k-fold on small data."""
    if spec.cv_folds is not None:
        return spec
    try:
        stored = StudyRecord.of(open_existing_study(spec.name, spec.storage)).spec
    except StorageError:
        stored = None
    return spec.with_folds(len(splits.y_train) + len(splits.y_val), stored)


def work(
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
    heartbeat = Heartbeat(**(StudyRecord.of(study).heartbeat or {}))
    if study_has_heartbeat(study) and heartbeat != DEFAULT_HEARTBEAT:
        study = load_study(spec, worker, heartbeat)
    artifacts = artifacts_dir(storage_url(spec), spec.name)
    objective = Objective(spec, open_splits(splits), artifacts, deadline)
    callbacks = [progress] if progress is not None else []
    ran = 0
    with _long_trial_lines(study, progress):
        while max_trials is None or ran < max_trials:
            if deadline is not None and time.time() >= deadline:
                break
            step = _next_step(study, objective.ledger_of(study))
            if step == "stop":
                break
            if step == "wait":
                time.sleep(min(heartbeat.interval, 1.0))
                continue
            study.optimize(objective, n_trials=1, callbacks=callbacks)
            ran += 1
    return ran


@contextmanager
def _long_trial_lines(study: optuna.Study, progress: Callback | None) -> Iterator[None]:
    """While held, a thread prints `Progress.trial_line` of this process's running trial
    every `LONG_TRIAL` seconds (a trial of minutes shows how it goes; a short one says
    nothing)."""
    if not isinstance(progress, Progress):
        yield
        return
    stop = threading.Event()

    def watch() -> None:
        said: dict[int, int] = {}  # trial number -> the last step a line showed
        while not stop.wait(LONG_TRIAL):
            for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
                line = progress.trial_line(trial, said)
                if line is not None:
                    progress.say(line)

    thread = threading.Thread(target=watch, name="long-trial-lines", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _next_step(study: optuna.Study, ledger: Ledger) -> str:
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


def _worker_process(
    spec: StudySpec,
    worker: int,
    threads: int,
    deadline: float | None,
    progress: Callback | None,
    splits: Splits | MappedSplits,
    fast_tpe: bool = True,
) -> int:
    if fast_tpe and spec.sampler == "tpe":
        _optuna.install_fast_tpe()
    with threadpool_limits(limits=threads):
        return work(spec, splits, worker, deadline=deadline, progress=progress)


def fail_dead_trials(study: optuna.Study, kind: Failure = Failure.DIED) -> list[int]:
    """Mark RUNNING trials of dead processes on this host as FAIL; returns their numbers.

    They are not re-queued: a fresh trial takes each one's place in the study's total.
    """
    host = socket.gethostname()
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        record = TrialRecord.from_trial(trial)
        if record.host != host or record.pid is None or _alive(record.pid):
            continue
        try:
            fail_running_trial(study, trial, kind)
        except UpdateFinishedTrialError:
            continue  # another worker's heartbeat check failed it first
        failed.append(trial.number)
    return failed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_study(
    spec: StudySpec,
    load_data: DataLoader,
    *,
    progress: TextIO | Watcher | None = sys.stderr,
    fast_tpe: bool = True,
) -> RunResult:
    """Run `spec.n_trials` more counted trials with `spec.n_jobs` workers; report the best.

    `progress` is where the progress lines go (a stream; None: nowhere), or a `Watcher`
    shown by this process in their place.

    Ctrl-C stops every worker; no trial is left RUNNING. `fast_tpe` gives Optuna's TPE
    scipy's vectorized log Phi in this process and the workers (the same samples, faster;
    see `search._optuna.install_fast_tpe`).
    """
    start = time.time()
    pool = _start_pool(spec)  # its processes start while this one loads the data
    try:
        return _run(spec, load_data, progress, fast_tpe, start, pool)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, kill_workers=True)  # idle by now, unless an error left it


def _start_pool(spec: StudySpec) -> ProcessPoolExecutor | None:
    """The loky processes of a run with several jobs, started at once: each imports what a
    trial needs (about a second) while this process loads the data and prepares the study."""
    if spec.n_jobs == 1:
        return None
    pool = ProcessPoolExecutor(max_workers=spec.n_jobs - 1)
    for _ in range(spec.n_jobs - 1):
        pool.submit(_warm_up)
    return pool


def _warm_up() -> None:
    """Run in a new worker process: importing this module (to unpickle this function) has
    imported Optuna, numpy, dnn and the objective, all that a trial needs."""


def _run(
    spec: StudySpec,
    load_data: DataLoader,
    progress: TextIO | Watcher | None,
    fast_tpe: bool,
    start: float,
    pool: ProcessPoolExecutor | None,
) -> RunResult:
    splits = prepare_splits(spec, load_data)  # bad data fails here, before anything is stored
    chosen = spec.cv_folds is None
    spec = decide_folds(spec, splits)
    if spec.cv_folds:
        try:
            cross_validation_splits(splits, spec.cv_folds, spec.seed, spec.task)
        except ValueError as error:
            if not chosen:
                raise
            raise ValueError(
                f"{error} (cv_folds = {spec.cv_folds} is the default below {SMALL_DATA:,} "
                "examples; cv_folds = 0 asks for one validation split)"
            ) from None
    summary, warnings = data_summary(spec, splits)  # a bad table fails here too
    study = create_study(spec)
    check_same_data(spec, study, splits)
    set_data_summary(study, summary)
    fail_dead_trials(study)  # left RUNNING by a run that was killed (SIGKILL, power loss)
    done_before = count_trials(study)
    with _starting(spec):
        others = _other_runs(study)
        set_target_trials(study, _new_total(study, spec.n_trials, others))
        # 0 for a study's first run alone: its samplers then use the spec's seeds
        stream = tally(study.get_trials(deepcopy=False)).live + others
        _enqueue_once(spec, study)
        mark_run(study, True)
    deadline = start + spec.timeout if spec.timeout else None
    watcher = progress if isinstance(progress, Watcher) else None
    printer = None
    if progress is not None and not isinstance(progress, Watcher):
        printer = Progress(spec, done_before, start, progress)
    if printer is not None:
        problem, data = first_lines(spec, summary, chosen)
        printer.say(problem)
        printer.say(
            f"{data}; {spec.n_trials} trials, {spec.n_jobs} jobs, sampler {spec.sampler}, "
            f"pruner {spec.pruner}, metric {spec.metric}; storage {redact(storage_url(spec))}"
        )
        for line in warnings:
            printer.say(line)
    # Several workers share one copy of the arrays, in files that each maps (this process too,
    # which drops its own; its maps outlive the folder, for the final scoring).
    folder = tempfile.mkdtemp(prefix="dnnsearch-") if spec.n_jobs > 1 else None
    try:
        shared = None
        if folder is not None:
            shared = write_splits(splits, folder)
            splits = open_splits(shared)
        if watcher is not None:
            watcher.begin(spec, done_before)
        _run_workers(
            spec, study, deadline, printer, splits, fast_tpe, stream, watcher, shared, pool
        )
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        if watcher is not None:
            watcher.end(study)
        mark_run(study, False)
        fail_dead_trials(study, Failure.INTERRUPTED)
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            if TrialRecord.from_trial(trial).pid == os.getpid():
                fail_running_trial(study, trial, Failure.INTERRUPTED)
    cutoff = deadline + FINISH_GRACE if deadline is not None else None
    return finish(spec, study, splits, time.time() - start, cutoff)


def _run_workers(
    spec: StudySpec,
    study: optuna.Study,
    deadline: float | None,
    printer: Progress | None,
    splits: Splits,
    fast_tpe: bool = True,
    stream: int = 0,
    watcher: Watcher | None = None,
    shared: MappedSplits | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> None:
    """Run `spec.n_jobs` workers: this process and `n_jobs - 1` loky worker processes (the
    `pool` started with the run, the first time; a new one after a worker died).

    The loky workers receive `shared`, the splits' files, when there are any (each maps them:
    no copy of the data per process), else the splits themselves.

    Worker w samples with seed `spec.seed + 1000 * stream + w`: a study's first run has
    stream 0 (its seeds are the spec's), a later or concurrent run another stream, so that it
    does not propose again the trials the first one proposed.

    This process has its modules imported and its data at hand, so it starts trials at once;
    a loky process takes seconds to start (it imports Optuna and numpy) and
    joins in when ready. A dead loky process raises `TerminatedWorkerError`: its trials are
    failed and the workers started again, up to `MAX_RESTARTS` times.

    The progress lines are printed by every worker; a `watcher` is called back by this
    process's worker only.
    """
    here = watcher if watcher is not None else printer
    if spec.n_jobs == 1:
        if fast_tpe and spec.sampler == "tpe":
            _optuna.install_fast_tpe()
        work(spec, splits, 1000 * stream, deadline=deadline, progress=here)
        return
    threads = max(1, (os.cpu_count() or 1) // spec.n_jobs)
    for attempt in range(MAX_RESTARTS + 1):
        first = 1000 * stream + attempt * spec.n_jobs
        # A private pool, not loky's process-wide reusable one: that one is also joblib's and
        # scikit-learn's (`Parallel`), which a run in a notebook must not shut down or kill.
        executor = (
            pool
            if attempt == 0 and pool is not None
            else ProcessPoolExecutor(max_workers=spec.n_jobs - 1)
        )
        try:
            # The splits (or their files) travel with the task: a loky process then never
            # imports the data set's module (scikit-learn's data sets, pandas) to load them.
            futures = [
                executor.submit(
                    _worker_process,
                    spec,
                    first + w,
                    threads,
                    deadline,
                    printer,
                    shared if shared is not None else splits,
                    fast_tpe,
                )
                for w in range(1, spec.n_jobs)
            ]
            _worker_process(spec, first, threads, deadline, here, splits, fast_tpe)
            if not _finished_in_time(futures, deadline):
                # past the budget: a running trial is failed as interrupted (run_study)
                executor.shutdown(wait=True, kill_workers=True)
        except TerminatedWorkerError:
            # loky fails the futures before it has killed and reaped the other workers: wait
            # for that, or their trials look alive and stay RUNNING.
            executor.shutdown(wait=True, kill_workers=True)
            lost = fail_dead_trials(study)
            if printer is not None:
                printer.say(
                    f"a worker process died; trials {lost} marked failed, restarting workers"
                )
        except BaseException:  # Ctrl-C or an error here or in a worker: stop them all
            executor.shutdown(wait=True, kill_workers=True)
            raise
        executor.shutdown(wait=True)  # its workers are done: their processes end here
        target = target_trials(study) or 0
        if count_trials(study) >= target or (deadline is not None and time.time() >= deadline):
            return
        fail_dead_trials(study)


def _finished_in_time(futures: list, deadline: float | None) -> bool:
    """Wait for the loky workers, until `WORKER_GRACE` s past the deadline at most (one still
    starting, or in a trial between two reports, would hold the run past its budget); False
    when some had not finished by then. A worker's error is raised here."""
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
    max_trials: int | None = None,
    progress: TextIO | None = sys.stderr,
    fast_tpe: bool = True,
) -> int:
    """Join a stored study as one more worker, from any machine; returns the trials run here.

    The spec comes from the study itself; the data set is loaded here (a bad one fails before
    any trial). The worker's sampler seed is its own (from its process id), so that workers
    started together do not propose the same trials.
    """
    study = open_existing_study(name, storage)
    spec = StudySpec.from_stored(StudyRecord.of(study).spec, name).replace(storage=storage)
    splits = prepare_splits(spec, load_data)
    check_same_data(spec, study, splits)
    printer = _joining_progress(study, spec, progress) if progress is not None else None
    if fast_tpe and spec.sampler == "tpe":
        _optuna.install_fast_tpe()
    index = os.getpid() % 100_000 + 1
    return work(spec, splits, index, max_trials=max_trials, progress=printer)


def _joining_progress(study: optuna.Study, spec: StudySpec, stream: TextIO) -> Progress | None:
    """Progress lines counting every worker's trials toward what the study still lacks."""
    done = count_trials(study)
    left = (target_trials(study) or done + spec.n_trials) - done
    if left < 1:
        return None
    return Progress(spec.replace(n_trials=left), done, time.time(), stream)


def finish(
    spec: StudySpec,
    study: optuna.Study,
    splits: Splits,
    wall_time: float,
    cutoff: float | None = None,
) -> RunResult:
    """Score the best trial on the test split, once per best trial, with every metric of
    `search.metrics.METRICS`, and store the scores with the study (`TestRecord`).

    A network that must be trained for it (a refit, or a trial's network saved on another
    machine) is trained only if its trial's time says it can end before `cutoff` (a
    `time.time()`), and stops if it has not by then: the result is then `NOT_SCORED`.

    The best trial's own network is scored: the one that the validation split vouches for.
    With `spec.refit` (and always with `spec.cv_folds`) the best configuration is instead
    retrained on the training and validation splits together and saved as `best.npz` beside
    the trials. That uses more data; with a single validation split nothing validates the
    retrained network itself (one unlucky run can score lower), while cross-validation has
    trained and scored the configuration on k different parts of that data.
    """
    trial = best_trial(study)
    test, not_scored = None, None
    if trial is not None and len(splits.y_test):  # no test set: nothing to score
        stored = StudyRecord.of(study).best_test
        try:
            if stored is None or stored.trial != trial.number or stored.refit != spec.refits:
                test = _score_on_test(spec, study, trial, splits, cutoff)
            elif set(metrics_of(spec.task)) - set(stored.test_scores):
                test = _add_test_scores(spec, study, trial, splits, stored, cutoff)
            else:
                test = stored
        except OutOfTimeError:
            not_scored = NOT_SCORED
    return RunResult(
        study_name=spec.name,
        storage=storage_url(spec),
        n_counted=count_trials(study),
        best_trial=trial.number if trial is not None else None,
        best_value=trial.values[0] if trial is not None else None,
        test_accuracy=test.test_accuracy if test is not None else None,
        wall_time=wall_time,
        test_scores=dict(test.test_scores) if test is not None else {},
        not_scored=not_scored,
        test_refit=test.refit if test is not None else False,
    )


class OutOfTimeError(Exception):
    """A network trained for the final scoring cannot end before the run's cutoff."""


def _fit_by(net: Any, x: Any, y: np.ndarray, seconds: float, cutoff: float | None) -> Any:
    """`net.fit(x, y)`, held to `cutoff`: not started when `seconds`, the time it is expected
    to take, do not fit before it; stopped at the first epoch that ends past it.

    Raises:
        OutOfTimeError: it could not end in time (the network is left unfitted).
    """
    if cutoff is not None:
        if time.time() + seconds > cutoff:
            raise OutOfTimeError()

        def stop_at_cutoff(iteration: int, cost: float) -> None:
            if time.time() > cutoff:
                raise OutOfTimeError()

        net.callback = stop_at_cutoff
        net.cost_every = 1  # the clock is read at every epoch, not every 100th
    return net.fit(x, y)


def _fit_seconds(spec: StudySpec, trial: optuna.trial.FrozenTrial, m: int, splits: Splits) -> float:
    """About the time a network of the trial's configuration takes to train on m examples:
    the trial's time per example it trained on (with k folds, k networks each on (k - 1) / k
    of training + validation), times m."""
    wall_time = TrialRecord.from_trial(trial).wall_time
    if wall_time is None:
        return 0.0
    k, m_all = spec.cv_folds, len(splits.y_train) + len(splits.y_val)
    trained = (k - 1) * m_all if k else len(splits.y_train)
    return wall_time * m / max(trained, 1)


def scores_on_test(
    net: NetworkClassifier | NetworkRegressor, splits: Splits, task: str = "classification"
) -> dict[str, float]:
    """Every metric of the task in `search.metrics.METRICS` of a network on the test split."""
    output = outputs(net, splits.X_test, task)
    return score_all(output, splits.y_test, getattr(net, "classes_", None), task)


def save_predictions(spec: StudySpec, net: Any, splits: Splits) -> tuple[str, str]:
    """A regression's test targets and predictions (`y_true`, `y_pred`), for its report's
    figures, beside the networks; returns the path and its SHA-256."""
    path = artifacts_dir(storage_url(spec), spec.name) / "test_predictions.npz"
    written = save_arrays(path, y_true=splits.y_test, y_pred=np.asarray(net.predict(splits.X_test)))
    return written, file_sha256(written)


def _score_on_test(
    spec: StudySpec,
    study: optuna.Study,
    trial: optuna.trial.FrozenTrial,
    splits: Splits,
    cutoff: float | None = None,
) -> TestRecord:
    params_path = sha256 = None
    refit = spec.refits
    if refit:
        try:
            net = _refit(spec, trial, splits, cutoff)
        except OutOfTimeError:
            if not _has_saved_network(trial):
                raise
            # No time left to retrain: the best trial's own network, already saved, is scored
            # (stored as not refit, so that the next run retrains and scores again).
            refit, net = False, load_trained(trial)
        else:
            path = artifacts_dir(storage_url(spec), spec.name) / "best.npz"
            params_path = save_network(net, path)
            sha256 = file_sha256(params_path)
    else:
        net = trained_network(trial, splits, spec.task, cutoff)
    scores = scores_on_test(net, splits, spec.task)
    predictions = save_predictions(spec, net, splits) if spec.is_regression else (None, None)
    record = TestRecord(
        trial=trial.number,
        refit=refit,
        test_accuracy=scores.get("accuracy"),
        params_path=params_path,
        params_sha256=sha256,
        test_scores=scores,
        predictions_path=predictions[0],
        predictions_sha256=predictions[1],
    )
    set_best_test(study, record)
    return record


def _add_test_scores(
    spec: StudySpec,
    study: optuna.Study,
    trial: optuna.trial.FrozenTrial,
    splits: Splits,
    stored: TestRecord,
    cutoff: float | None = None,
) -> TestRecord:
    """A stored test record with every metric's score added (a record stored before there
    were test scores, or before a metric was added): the network it scored is loaded, not
    trained again, and its test accuracy is kept. A refit network whose file is gone is
    retrained and scored anew."""
    if not stored.refit:
        net = trained_network(trial, splits, spec.task, cutoff)
    elif stored.params_path is not None and Path(stored.params_path).is_file():
        what = f"the final model of study {spec.name!r}"
        net = load_verified(stored.params_path, stored.params_sha256, what, scikit_learn=False)
    else:
        return _score_on_test(spec, study, trial, splits, cutoff)
    record = dataclasses.replace(stored, test_scores=scores_on_test(net, splits, spec.task))
    set_best_test(study, record)
    return record


def _hyperparameters(trial: optuna.trial.FrozenTrial) -> dict[str, Any]:
    hp = TrialRecord.from_trial(trial).hyperparameters
    if hp is None:
        raise SpecError(f"trial {trial.number} has no stored hyperparameters")
    return hp


def _refit(
    spec: StudySpec, trial: optuna.trial.FrozenTrial, splits: Splits, cutoff: float | None
) -> Any:
    """The best configuration retrained on training + validation, under the trial's number of
    BLAS threads (as its trials trained: reproducible, and two threads of a loaded machine
    can run several times slower than one)."""
    net = network_class(spec.task)(**_hyperparameters(trial))
    y = np.concatenate([splits.y_train, splits.y_val])
    seconds = _fit_seconds(spec, trial, len(y), splits)
    with threadpool_limits(limits=TrialRecord.from_trial(trial).blas_threads):
        return _fit_by(net, stack([splits.X_train, splits.X_val]), y, seconds, cutoff)


def _has_saved_network(trial: optuna.trial.FrozenTrial) -> bool:
    path = TrialRecord.from_trial(trial).params_path
    return path is not None and Path(path).is_file()


def trained_network(
    trial: optuna.trial.FrozenTrial,
    splits: Splits,
    task: str = "classification",
    cutoff: float | None = None,
) -> NetworkClassifier | NetworkRegressor:
    """A complete trial's network: its saved `.npz`, or, when that file is on another
    machine, retrained from its record (bit-identical: same hyperparameters, seed, split and
    number of BLAS threads), by `cutoff` (a `time.time()`; see `finish`)."""
    record = TrialRecord.from_trial(trial)
    if _has_saved_network(trial):
        return load_trained(trial)
    with threadpool_limits(limits=record.blas_threads):
        net = network_class(task)(**_hyperparameters(trial))
        return _fit_by(net, splits.X_train, splits.y_train, record.wall_time or 0.0, cutoff)


class Progress:
    """A line per finished trial: its state and value, the best so far, elapsed and ETA."""

    def __init__(self, spec: StudySpec, done_before: int, start: float, stream: TextIO) -> None:
        self.spec = spec
        self.done_before = done_before
        self.start = start
        self.stream = stream
        self.ledger: Ledger | None = None  # of the study whose trials it counts, in this process

    def __getstate__(self) -> dict:
        # Worker processes print to their own stdout/stderr, inherited from this process,
        # and keep their own ledger.
        state = dict(self.__dict__)
        state["stream"] = "stdout" if self.stream is sys.stdout else "stderr"
        state["ledger"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        state["stream"] = getattr(sys, state["stream"])
        self.__dict__.update(state)

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if is_surplus(trial):
            return
        if self.ledger is None or self.ledger.study is not study:
            self.ledger = Ledger(study)
        done = self.ledger.tally().counted - self.done_before
        elapsed = time.time() - self.start
        left = max(self.spec.n_trials - done, 0)
        eta = elapsed / done * left if done > 0 else float("nan")
        if self.spec.timeout is not None:  # no trial starts after the deadline
            eta = min(eta, max(self.spec.timeout - elapsed, 0.0)) if done > 0 else eta
        value = f"{trial.values[0]:.4f}" if trial.values else "-"
        best = _best_text(self.ledger.best)
        self.say(
            f"[{done:>{len(str(self.spec.n_trials))}}/{self.spec.n_trials}] "
            f"trial {trial.number:<4} {trial.state.name:<8} {value:<7} best {best}  "
            f"elapsed {_clock(elapsed)}  left ~{_clock(eta)}"
        )

    def say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def trial_line(self, trial: optuna.trial.FrozenTrial, said: dict[int, int]) -> str | None:
        """`trial 3: epoch 40/100, val 0.9100, 2:15` for a trial of this process running
        for `LONG_TRIAL` s or more with a report newer than the last line (`said`: trial
        number -> step shown, updated); None otherwise."""
        record = TrialRecord.from_trial(trial)
        started = trial.datetime_start
        if record.pid != os.getpid() or started is None or not trial.intermediate_values:
            return None
        running = time.time() - started.timestamp()
        step = max(trial.intermediate_values)
        if running < LONG_TRIAL or said.get(trial.number) == step:
            return None
        said[trial.number] = step
        hp = record.hyperparameters or {}
        unit = "epoch" if hp.get("mini_batch_size") else "iteration"
        total = f"/{hp['num_iterations']}" if "num_iterations" in hp else ""
        value = trial.intermediate_values[step]
        return f"trial {trial.number}: {unit} {step}{total}, val {value:.4f}, {_clock(running)}"


def _best_text(trial: optuna.trial.FrozenTrial | None) -> str:
    return "-" if trial is None else f"{trial.values[0]:.4f} (trial {trial.number})"


def _clock(seconds: float) -> str:
    if not np.isfinite(seconds):
        return "?"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
