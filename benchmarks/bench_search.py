"""Speed of the study layer: Optuna's overhead per trial, parallel scaling, and pruning.

    python benchmarks/bench_search.py                  # everything (about 15 minutes on 2 cores)
    python benchmarks/bench_search.py overhead scaling # some parts only

Parts:
- overhead: framework time per trial (sampling, storage, reporting) with a near-empty
  training (one iteration of a 2-unit net on 60 points): our runner's per-trial time minus
  the trial's own training time, by windows of trials up to 1,000, on the embedded journal
  file with the random sampler; and Optuna's own loop with a trivial objective beside it.
- storage: 4 processes writing tiny trials at once to one study: our journal file, Optuna's
  own journal file backend and SQLite; throughput and whether any trial was lost.
- realistic: the overhead as a share of the worker time of the 200-trial TPE study on
  digits that `dnnsearch run digits` runs, and of one with shorter trials.
- scaling: the same 24 digits trials (random sampler, fixed seeds, about a second each) run
  by `--jobs 2`, by `--jobs 1` (both cores to BLAS) and by one worker with one BLAS thread.
- pruning: median pruner against none on digits, one job and three seeds: best validation
  accuracy and wall time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import optuna
from joblib import Parallel, delayed
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from threadpoolctl import threadpool_info, threadpool_limits

from search import StudySpec, open_existing_study, run_study, storage
from studies.datasets import load_dataset
from studies.loader import load_study_spec

optuna.logging.set_verbosity(optuna.logging.WARNING)


def spec_of(folder: Path, name: str, **fields) -> StudySpec:
    raw = {
        "name": name,
        "dataset": "digits",
        "storage": str(folder / name / "journal.log"),
        **fields,
    }
    return StudySpec.from_dict(raw)


def tiny_data(spec: StudySpec):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 2))
    return X, (X[:, 0] > 0).astype(int)


def overhead(folder: Path, n_trials: int = 1000) -> None:
    print(f"\n## Framework overhead per trial (random sampler, journal file, {n_trials} trials)\n")
    print("| journal backend | trials | ms per trial (all) | of which training | overhead ms |")
    print("|---|---|---|---|---|")
    for key, label, backend in (
        ("ours", "ours (flock, no fsync)", storage.JournalFile),
        ("optuna", "Optuna's (symlink lock, fsync)", JournalFileBackend),
    ):
        with _journal_backend(backend):
            _overhead_rows(folder, n_trials, key, label)
    journal = JournalStorage(JournalFileBackend(str(folder / "raw.log")))
    study = optuna.create_study(storage=journal, sampler=optuna.samplers.RandomSampler(seed=0))
    start = time.perf_counter()
    study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2, n_trials=n_trials)
    raw = (time.perf_counter() - start) / n_trials * 1e3
    print(
        f"\nOptuna alone, trivial objective, its own journal file backend: {raw:.2f} ms per trial"
    )


@contextmanager
def _journal_backend(backend: type) -> Iterator[None]:
    """Benchmark only: run the embedded storage on another journal backend."""
    saved = storage.JournalFile
    storage.JournalFile = backend
    try:
        yield
    finally:
        storage.JournalFile = saved


def _overhead_rows(folder: Path, n_trials: int, key: str, label: str) -> None:
    space = {
        "learning_rate": {"low": 0.01, "high": 0.1, "log": True},
        "num_iterations": 1,
        "n_hidden": 1,
        "n_units": 2,
        "activation": ["relu", "tanh"],
        "optimizer": "gd",
    }
    name = "overhead_" + key
    spec = spec_of(
        folder,
        name,
        dataset="tiny",
        sampler="random",
        pruner="none",
        n_trials=n_trials,
        space=space,
    )
    run_study(spec, tiny_data, progress=None)
    trials = open_existing_study(spec.name, spec.storage).get_trials()
    starts = np.array([t.datetime_start.timestamp() for t in trials])
    ends = np.array([t.datetime_complete.timestamp() for t in trials])
    train = np.array([t.user_attrs["wall_time"] for t in trials])
    per_trial = np.diff(np.concatenate([[starts[0]], ends]))  # time between consecutive trial ends
    windows = []
    for lo in range(0, n_trials, n_trials // 5):
        hi = lo + n_trials // 5
        total = per_trial[lo:hi].mean() * 1e3
        trained = train[lo:hi].mean() * 1e3
        windows.append(total - trained)
        print(f"| {label} | {lo + 1}-{hi} | {total:.2f} | {trained:.2f} | {total - trained:.2f} |")
    # the goal (issue 16): flat, the last window within 20% of the first
    print(f"| {label} | last / first window | | | {windows[-1] / windows[0]:.2f}x |")


def realistic(folder: Path, n_trials: int = 200) -> None:
    print(
        f"\n## Overhead share of a realistic study (digits, TPE, median pruner, {n_trials} trials, "
        "2 jobs)\n"
    )
    print(
        "| study | wall s | worker time in trials s | of which training s | framework in trials "
        "| share of trial time | worker time outside trials |"
    )
    print("|---|---|---|---|---|---|---|")
    main_job = load_study_spec("digits").replace(
        name="realistic_builtin", storage=str(folder / "realistic_builtin" / "journal.log")
    )
    shorter = spec_of(
        folder,
        "realistic_short",
        n_trials=n_trials,
        n_jobs=2,
        report_every=10,
        space={
            "num_iterations": {"low": 20, "high": 100, "step": 20},
            "mini_batch_size": [64, 128, "full"],
            "n_hidden": {"low": 1, "high": 2},
        },
    )
    for label, spec in (
        ("built-in `digits` (the main job)", main_job.replace(n_trials=n_trials, timeout=None)),
        ("shorter trials (20-100 iterations)", shorter),
    ):
        start = time.perf_counter()
        run_study(spec, load_dataset, progress=None)
        wall = time.perf_counter() - start
        trials = open_existing_study(spec.name, spec.storage).get_trials()
        busy = sum(t.duration.total_seconds() for t in trials if t.duration is not None)
        # wall_time: the network's fit, validation reports included.
        train = sum(t.user_attrs.get("wall_time", 0.0) for t in trials)
        framework = busy - train
        outside = wall * spec.n_jobs - busy  # worker start-up, data loading, between trials
        print(
            f"| {label} | {wall:.1f} | {busy:.1f} | {train:.1f} | {framework:.2f} s "
            f"({framework / len(trials) * 1e3:.1f} ms/trial) | {framework / busy:.2%} "
            f"| {outside:.1f} s ({outside / (wall * spec.n_jobs):.1%}) |"
        )


def scaling(folder: Path, n_trials: int = 24) -> None:
    print(f"\n## Parallel throughput (digits, {n_trials} identical trials of about a second)\n")
    space = {
        "num_iterations": 200,
        "n_hidden": 2,
        "n_units": {"low": 48, "high": 96},
        "optimizer": "adam",
        "mini_batch_size": "full",
        "learning_rate": {"low": 1e-3, "high": 1e-2, "log": True},
    }
    rows = []
    for label, jobs, threads in (
        ("--jobs 2 (1 BLAS thread each)", 2, None),
        ("--jobs 1 (2 BLAS threads)", 1, 2),
        ("1 worker, 1 BLAS thread", 1, 1),
    ):
        spec = spec_of(
            folder,
            f"scaling{jobs}{threads}",
            n_trials=n_trials,
            n_jobs=jobs,
            sampler="random",
            pruner="none",
            space=space,
        )
        start = time.time()
        if threads is None:
            run_study(spec, load_dataset, progress=None)
        else:
            with threadpool_limits(limits=threads):
                run_study(spec, load_dataset, progress=None)
        wall = time.time() - start
        workers = _per_worker(open_existing_study(spec.name, spec.storage).get_trials(), start)
        rows.append((label, wall, n_trials / wall, workers))
    print(
        "| run | wall s | trials/s | speed-up of --jobs 2 "
        "| per worker: trials, first start s, trials/busy s |"
    )
    print("|---|---|---|---|---|")
    for label, wall, rate, workers in rows:
        each = "; ".join(f"{n}, {first:.1f}, {r:.2f}" for n, first, r in workers)
        print(f"| {label} | {wall:.1f} | {rate:.2f} | {rows[0][2] / rate:.2f}x | {each} |")
    steady = sum(r for _, _, r in rows[0][3])
    print(
        f"\nOnce both are running (busy time, start-up left out), the two workers of --jobs 2 "
        f"complete {steady:.2f} trials/s: {steady / rows[2][3][0][2]:.2f}x one worker with one "
        f"BLAS thread, {steady / rows[1][3][0][2]:.2f}x --jobs 1. The loky process starts "
        f"its first trial at {max(first for _, first, _ in rows[0][3]):.1f} s."
    )


def _per_worker(trials: list, start: float) -> list[tuple[int, float, float]]:
    """(trials, first start in s from `start`, trials per busy second) for each worker pid."""
    by_pid: dict[int, list] = {}
    for trial in trials:
        by_pid.setdefault(trial.user_attrs.get("pid"), []).append(trial)
    rows = []
    for group in by_pid.values():
        first = min(t.datetime_start.timestamp() for t in group) - start
        busy = sum(t.duration.total_seconds() for t in group if t.duration is not None)
        rows.append((len(group), first, len(group) / busy))
    return sorted(rows, key=lambda row: row[1])


def pruning(folder: Path, n_trials: int = 60, seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    # One job: a seeded study then runs the same trials every time (with two, the order in
    # which trials finish changes what TPE samples next), so the two pruners are compared on
    # the same sampler stream; three seeds show the spread.
    print(f"\n## Pruning (digits, TPE, {n_trials} trials, 1 job, seeds {list(seeds)})\n")
    print("| seed | pruner | wall s | best validation accuracy | pruned trials |")
    print("|---|---|---|---|---|")
    totals: dict[str, list[tuple[float, float]]] = {"none": [], "median": []}
    for seed in seeds:
        for pruner in ("none", "median"):
            spec = spec_of(
                folder,
                f"pruning_{pruner}_{seed}",
                n_trials=n_trials,
                n_jobs=1,
                seed=seed,
                pruner=pruner,
                metric="accuracy",  # as measured before log loss was the default
                report_every=10,
                space={
                    "num_iterations": {"low": 20, "high": 160, "step": 20},
                    "mini_batch_size": [32, 64, 128, "full"],
                },
            )
            start = time.perf_counter()
            result = run_study(spec, load_dataset, progress=None)
            wall = time.perf_counter() - start
            trials = open_existing_study(spec.name, spec.storage).get_trials()
            n_pruned = sum(t.state == optuna.trial.TrialState.PRUNED for t in trials)
            print(f"| {seed} | {pruner} | {wall:.1f} | {result.best_value:.4f} | {n_pruned} |")
            totals[pruner].append((wall, result.best_value))
    wall = {pruner: sum(w for w, _ in runs) for pruner, runs in totals.items()}
    best = {pruner: sum(b for _, b in runs) / len(runs) for pruner, runs in totals.items()}
    print(
        f"\nOver the {len(seeds)} seeds the median pruner took {wall['median'] / wall['none']:.0%} "
        f"of the time without pruning; mean best {best['median']:.4f} against "
        f"{best['none']:.4f} ({(best['median'] - best['none']) * 100:+.2f} points)."
    )


def _storage_of(kind: str, folder: Path):
    if kind == "sqlite":
        return optuna.storages.RDBStorage(f"sqlite:///{folder / 'storage.db'}")
    if kind == "optuna-journal":
        return JournalStorage(JournalFileBackend(str(folder / "optuna-journal.log")))
    return storage.open_storage(str(folder / "journal.log"))


def _storage_writer(kind: str, folder: Path, n_trials: int, seed: int) -> str:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.load_study(
        study_name="writers",
        storage=_storage_of(kind, folder),
        sampler=optuna.samplers.RandomSampler(seed=seed),
    )

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        trial.suggest_int("n", 1, 8)
        trial.report(x, 1)
        storage.set_user_attrs(trial, {"pid": seed, "host": "h", "curve": [x, x]})
        return x

    try:
        study.optimize(objective, n_trials=n_trials, catch=(Exception,))
    except Exception as error:  # a storage error stops this writer: report it
        return f"{type(error).__name__}: {str(error).splitlines()[0][:60]}"
    return ""


def storage_writers(folder: Path, n_trials: int = 800, writers: int = 4) -> None:
    print(f"\n## Storage with {writers} writer processes ({n_trials} tiny trials, random)\n")
    print("| storage | wall s | trials/s | complete | failed or lost | writer errors |")
    print("|---|---|---|---|---|---|")
    for kind in ("journal (ours)", "optuna-journal", "sqlite"):
        key = kind.split()[0]
        where = folder / f"writers_{key}"
        where.mkdir()
        optuna.create_study(study_name="writers", storage=_storage_of(key, where))
        start = time.perf_counter()
        errors = Parallel(n_jobs=writers, backend="loky")(
            delayed(_storage_writer)(key, where, n_trials // writers, w) for w in range(writers)
        )
        wall = time.perf_counter() - start
        trials = optuna.load_study(study_name="writers", storage=_storage_of(key, where)).trials
        complete = sum(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
        print(
            f"| {kind} | {wall:.1f} | {n_trials / wall:.0f} | {complete} | "
            f"{n_trials - complete} | {'; '.join(e for e in errors if e) or '-'} |"
        )


PARTS = {
    "overhead": overhead,
    "storage": storage_writers,
    "realistic": realistic,
    "scaling": scaling,
    "pruning": pruning,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", metavar="PART", help=f"some of: {', '.join(PARTS)}")
    args = parser.parse_args()
    for part in args.parts:
        if part not in PARTS:
            parser.error(f"unknown part {part!r}; choose from {', '.join(PARTS)}")
    blas = [(i["internal_api"], i.get("architecture"), i["num_threads"]) for i in threadpool_info()]
    print(
        f"python {sys.version.split()[0]}, optuna {optuna.__version__}, "
        f"numpy {np.__version__}, BLAS {blas}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for part in args.parts or PARTS:
            PARTS[part](Path(tmp))


if __name__ == "__main__":
    main()
