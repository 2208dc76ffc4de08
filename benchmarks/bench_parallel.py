"""Parallel scaling end to end: `dnnsearch run` with `--jobs 2` against `--jobs 1`.

    python benchmarks/bench_parallel.py                  # 3 repetitions (about 2 minutes)
    python benchmarks/bench_parallel.py --repeats 5 --iterations 300

The same 24 identical trials (digits, every hyperparameter fixed, random sampler, no
pruning, one validation split) of about 0.7 s each with one BLAS thread (the epochs are
calibrated here first, unless `--iterations` gives them), run by the CLI as
a user runs it: a fresh `dnnsearch run STUDY.toml --jobs K` process timed from start to exit
(interpreter start, data loading, worker start and the final scoring included). `--jobs 1`
gives its one worker both cores' BLAS threads; `--jobs 2` runs this process and one loky
worker with one thread each. Each repetition runs both, in alternating order. Issue 16's
goal: `--jobs 2` at least 1.8x as fast as `--jobs 1`.

Per run, from the trial records: each worker's trials, when its first trial started (s after
the command started) and its trials per busy second (start-up left out).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe_machine
from threadpoolctl import threadpool_limits

from dnn import NetworkClassifier
from search import open_existing_study
from search.data import split_dataset
from studies.datasets import load_dataset
from studies.loader import load_study_spec

REPO = Path(__file__).resolve().parents[1]
GOAL = 1.8
TRIAL_SECONDS = 0.7


def machine() -> str:
    """The versions, CPU model, BLAS kernel and load average a result was measured with."""
    return describe_machine()


def calibrate(seconds: float = TRIAL_SECONDS) -> int:
    """The epochs (a multiple of 10) that make a trial's network train for about `seconds` on
    one BLAS thread, timed here on the digits study's training split."""
    spec = load_study_spec("digits")
    splits = split_dataset(
        load_dataset(spec),
        (spec.validation_fraction, spec.test_fraction),
        spec.seed,
        spec.problem,
    )

    def fit(epochs: int) -> float:
        net = NetworkClassifier(
            hidden_layers=[64, 64],
            optimizer="adam",
            learning_rate=0.01,
            num_iterations=epochs,
            mini_batch_size=None,
            normalize=True,
        )
        start = time.perf_counter()
        net.fit(splits.X_train, splits.y_train)
        return time.perf_counter() - start

    with threadpool_limits(limits=1):
        fit(10)  # warm-up
        per_epoch = min(fit(100) for _ in range(3)) / 100
    return max(10, round(seconds / per_epoch / 10) * 10)


def study_file(folder: Path, trials: int, iterations: int) -> Path:
    """The study: identical trials, only their weights' seeds differ."""
    path = folder / "parallel.toml"
    path.write_text(
        f"""name = "parallel"
dataset = "digits"
n_trials = {trials}
sampler = "random"
pruner = "none"
seed = 0
cv_folds = 0

[space]
learning_rate = 0.01
num_iterations = {iterations}
n_hidden = 2
n_units = 64
activation = "relu"
optimizer = "adam"
mini_batch_size = "full"
"""
    )
    return path


def run(study: Path, jobs: int, name: str) -> tuple[float, list[tuple[int, float, float]]]:
    """One `dnnsearch run` of the study as a fresh process: its wall time, and per worker
    (trials, first trial's start in s after the command started, trials per busy second)."""
    journal = study.parent / name / "journal.log"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(REPO), env.get("PYTHONPATH"))))
    script = Path(sys.executable).parent / "dnnsearch"
    cli = [str(script)] if script.is_file() else [sys.executable, "-m", "studies.cli"]
    args = ["run", str(study), "--jobs", str(jobs), "--study-name", name, "--quiet"]
    start = time.time()
    subprocess.run(
        [*cli, *args, "--storage", str(journal)],
        cwd=study.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    wall = time.time() - start
    by_pid: dict[int | None, list] = {}
    for trial in open_existing_study(name, str(journal)).get_trials(deepcopy=False):
        by_pid.setdefault(trial.user_attrs.get("pid"), []).append(trial)
    workers = []
    for group in by_pid.values():
        first = min(t.datetime_start.timestamp() for t in group) - start
        busy = sum(t.duration.total_seconds() for t in group if t.duration is not None)
        workers.append((len(group), first, len(group) / busy))
    return wall, sorted(workers, key=lambda w: w[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument(
        "--iterations", type=int, help=f"epochs of every trial (default: about {TRIAL_SECONDS} s)"
    )
    args = parser.parse_args()
    print(machine())
    iterations = args.iterations or calibrate()
    print(
        f"\n## `dnnsearch run` of {args.trials} identical digits trials ({iterations} "
        "full-batch Adam epochs, 64x64 relu), end to end\n"
    )
    print(
        "| repetition | jobs | wall s | speed-up "
        "| per worker: trials, first trial s, trials/busy s |"
    )
    print("|---|---|---|---|---|")
    ratios, trial_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        study = study_file(Path(tmp), args.trials, iterations)
        for repeat in range(args.repeats):
            order = (1, 2) if repeat % 2 == 0 else (2, 1)
            walls = {}
            for jobs in order:
                walls[jobs], workers = run(study, jobs, f"r{repeat}_j{jobs}")
                each = "; ".join(f"{n}, {first:.2f}, {rate:.2f}" for n, first, rate in workers)
                speed = f"{walls[1] / walls[2]:.2f}x" if len(walls) == 2 else ""
                print(f"| {repeat + 1} | {jobs} | {walls[jobs]:.2f} | {speed} | {each} |")
                if jobs == 2:
                    trial_times += [1 / rate for _, _, rate in workers]
            ratios.append(walls[1] / walls[2])
    median = statistics.median(ratios)
    met = sum(ratio >= GOAL for ratio in ratios)
    print(
        f"\n--jobs 2 against --jobs 1: {', '.join(f'{r:.2f}x' for r in ratios)}; median "
        f"{median:.2f}x; goal >= {GOAL}x met in {met} of {len(ratios)}. A trial "
        f"takes {statistics.mean(trial_times):.2f} s on one BLAS thread (--jobs 2, mean)."
    )


if __name__ == "__main__":
    main()
