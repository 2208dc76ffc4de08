"""Time to accuracy on digits: `dnnsearch run digits` against scikit-learn's random search.

    python benchmarks/bench_time_to_accuracy.py             # 3 runs (about 2 minutes)
    python benchmarks/bench_time_to_accuracy.py --share 1   # as long as the peer (issue 16)
    python benchmarks/bench_time_to_accuracy.py --margin 5  # a shorter dnnsearch budget

Both sides use the built-in digits study's 80/20 split (`search.data.split_dataset` with
the study's fractions and seed 0: the study trains on 60% and validates on 20%; its 20% test
split is the test set of both). In each run, side by side:

- the peer: RandomizedSearchCV over StandardScaler + MLPClassifier, 30 candidates x 3 folds,
  n_jobs=2, refit on the 80% (hidden sizes of one or two layers of 32-256 units, alpha and
  learning_rate_init log-uniform, at most 200 epochs; random_state = the run's number), timed
  in this process (its imports done before), and its test accuracy;
- `dnnsearch run digits --jobs 2 --timeout T` as a user runs it, a fresh process timed from
  start to exit (interpreter start, data loading, worker start and final scoring included),
  T the peer's wall time of that run times `--share`, less `--margin` seconds (what a run
  needs beyond its budget); then its test accuracy from `dnnsearch best digits --format json`.

Issue 22's goal (`--share 0.5`, the default): dnnsearch reaches the peer's test accuracy in at
most half its wall time, three runs out of three (issue 16's was less time, `--share 1`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
from machine import describe_machine
from scipy.stats import loguniform
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import RandomizedSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from search.data import split_dataset
from studies.datasets import load_dataset
from studies.loader import load_study_spec

REPO = Path(__file__).resolve().parents[1]
DISTRIBUTIONS = {
    "mlpclassifier__hidden_layer_sizes": [
        (32,),
        (64,),
        (128,),
        (256,),
        (64, 32),
        (128, 64),
        (256, 128),
    ],
    "mlpclassifier__alpha": loguniform(1e-6, 1e-1),
    "mlpclassifier__learning_rate_init": loguniform(1e-4, 1e-2),
}

warnings.filterwarnings("ignore", category=ConvergenceWarning)  # scikit-learn hands it to workers


def machine() -> str:
    """The versions, CPU model, BLAS kernel and load average a result was measured with."""
    return describe_machine([("scikit-learn", sklearn.__version__)])


def peer(seed: int) -> tuple[float, float]:
    """(wall s, test accuracy) of the random search on the digits study's split."""
    spec = load_study_spec("digits")
    splits = split_dataset(
        load_dataset(spec),
        (spec.validation_fraction, spec.test_fraction),
        spec.seed,
        spec.problem,
    )
    x = np.concatenate([splits.X_train, splits.X_val])
    y = np.concatenate([splits.y_train, splits.y_val])
    search = RandomizedSearchCV(
        make_pipeline(StandardScaler(), MLPClassifier(max_iter=200, random_state=seed)),
        DISTRIBUTIONS,
        n_iter=30,
        cv=3,
        n_jobs=2,
        random_state=seed,
    )
    start = time.perf_counter()
    search.fit(x, y)
    wall = time.perf_counter() - start
    return wall, float(search.score(splits.X_test, splits.y_test))


def dnnsearch(folder: Path, timeout: float) -> tuple[float, float, str]:
    """(wall s, test accuracy, the run's closing line) of `dnnsearch run digits --timeout T`."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(REPO), env.get("PYTHONPATH"))))
    script = Path(sys.executable).parent / "dnnsearch"
    cli = [str(script)] if script.is_file() else [sys.executable, "-m", "studies.cli"]
    storage = ["--storage", str(folder / "journal.log")]
    run = ["run", "digits", "--jobs", "2", "--timeout", f"{timeout:g}", "--quiet", *storage]
    start = time.perf_counter()
    done = subprocess.run(
        [*cli, *run], cwd=folder, env=env, capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - start
    best = subprocess.run(
        [*cli, "best", "digits", "--format", "json", *storage],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,  # no complete trial in the budget: no best, no accuracy
    )
    scores = json.loads(best.stdout).get("test_scores") or {} if best.returncode == 0 else {}
    accuracy = scores.get("accuracy", math.nan)
    lines = (done.stdout + done.stderr).splitlines()
    summary = [line for line in lines if "wall time" in line or "no complete trial" in line]
    return wall, float(accuracy), (summary or lines or ["-"])[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--margin", type=float, default=4.0, help="dnnsearch's budget: the peer's time less this"
    )
    parser.add_argument(
        "--share", type=float, default=0.5, help="dnnsearch's time goal: this share of the peer's"
    )
    args = parser.parse_args()
    print(machine())
    print("\n## Time to the peer's test accuracy on digits (the built-in study's split)\n")
    print(
        "| run | peer wall s | peer test acc | dnnsearch --timeout | dnnsearch wall s "
        "| dnnsearch test acc | in its share and as accurate |"
    )
    print("|---|---|---|---|---|---|---|")
    wins = 0
    for run in range(args.runs):
        peer_wall, peer_accuracy = peer(seed=run)
        timeout = max(math.floor(args.share * peer_wall - args.margin), 1)
        with tempfile.TemporaryDirectory() as tmp:
            wall, accuracy, last = dnnsearch(Path(tmp), timeout)
        won = wall <= args.share * peer_wall and accuracy >= peer_accuracy
        wins += won
        print(
            f"| {run + 1} | {peer_wall:.1f} | {peer_accuracy:.4f} | {timeout} | {wall:.1f} "
            f"| {accuracy:.4f} | {'yes' if won else 'no'} |"
        )
        print(f"<!-- dnnsearch: {last} -->")
    goal = f"at most {args.share:g} of the peer's time"
    print(f"\n{wins} of {args.runs} runs in {goal} and as accurate (goal: all of them).")


if __name__ == "__main__":
    main()
