"""What the comparison benchmarks (tables, regression, cats) share.

The split files, the study file a new user writes, the dnnsearch command line run as a user
runs it, and scikit-learn's search under a time budget.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from machine import describe_machine
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import RandomizedSearchCV, train_test_split

REPO = Path(__file__).resolve().parents[1]
SEED = 0
TEST_FRACTION = 0.2

# scikit-learn hands these filters to its workers. A batch larger than a fold is clipped to
# the fold (full batch), which is what the candidate asks for on a small table.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
warnings.filterwarnings("ignore", message="Got `batch_size` less than 1 or larger than sample")


@contextmanager
def workspace(keep: Path | None) -> Iterator[Path]:
    """The folder for each data set's split and study.

    `keep`, left for `dnnsearch report` (run it there), or a temporary folder removed at the
    end.
    """
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


def check_keep(keep: Path | None, names: list[str]) -> str | None:
    """Why `keep` cannot hold these data sets' folders (one would resume an old study)."""
    taken = [name for name in names if keep is not None and (keep / name).exists()]
    return f"--keep: {keep / taken[0]} exists (its study would resume)" if taken else None


def write_split(
    frame: pd.DataFrame, target: str, folder: Path, *, stratify: bool, seed: int = SEED
) -> tuple[Path, Path]:
    """One seeded 80/20 split of `frame`, written as folder/train.csv and folder/test.csv.

    Every side of a benchmark reads these files.

    Args:
        frame: the table, target included.
        target: its target column (the strata when `stratify`).
        folder: where the files go (made if missing).
        stratify: keep the classes' shares on both sides.
        seed: the split's random_state.

    Returns:
        The paths of train.csv and test.csv.
    """
    train, test = train_test_split(
        frame,
        test_size=TEST_FRACTION,
        random_state=seed,
        stratify=frame[target] if stratify else None,
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "train.csv", folder / "test.csv"
    for part, path in zip((train, test), paths, strict=True):
        part.to_csv(path, index=False)
    return paths


def read_split(paths: tuple[Path, Path], target: str) -> tuple[pd.DataFrame, ...]:
    """X_train, y_train, X_test, y_test as pandas reads the written files.

    Args:
        paths: train.csv and test.csv of `write_split`.
        target: the target column.

    Returns:
        The four parts, in that order.
    """
    train, test = (pd.read_csv(path) for path in paths)
    return (
        train.drop(columns=[target]),
        train[target],
        test.drop(columns=[target]),
        test[target],
    )


def write_study(folder: Path, name: str, settings: dict[str, Any]) -> Path:
    """The study file a new user writes: `name`, then one `key = value` line a setting.

    Args:
        folder: where study.toml goes.
        name: the study's name.
        settings: strings, numbers (TOML values as Python writes them; no tables).

    Returns:
        The path of study.toml.
    """
    lines = [f"{key} = {json.dumps(value)}" for key, value in {"name": name, **settings}.items()]
    path = folder / "study.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class Outcome:
    """One side's result on one table: its test scores (or the error that stopped it)."""

    scores: dict[str, float]
    seconds: float
    count: int | None = None  # trials or candidates tried
    error: str | None = None
    note: str = ""  # what it chose (dnnsearch: the best trial)


def run_dnnsearch(study_file: Path, name: str, metrics: tuple[str, ...], limit: float) -> Outcome:
    """`dnnsearch run STUDY` as a user runs it, then `dnnsearch best NAME --format json`.

    The run is a fresh process in the study file's folder on this checkout's code, timed from
    start to exit; its budget and jobs are the study file's.

    Args:
        study_file: the study's TOML file.
        name: the study's name.
        metrics: the test scores that must be there (else the outcome is an error).
        limit: seconds after which the run is killed (an error outcome).

    Returns:
        The test scores, wall time and trial count; the best trial in `note`.
    """
    folder = study_file.parent
    start = time.perf_counter()
    run = _cli(["run", study_file.name, "--quiet"], folder, limit=limit)
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        return Outcome({}, seconds, error=_last_line(run))
    trials = re.search(r"^(\d+) trials in storage", run.stdout, re.MULTILINE)
    count = int(trials.group(1)) if trials else None
    best = _cli(["best", name, "--format", "json"], folder, limit=300)
    if best.returncode != 0:
        return Outcome({}, seconds, count, error=_last_line(best))
    found = json.loads(best.stdout)
    scores = found.get("test_scores") or {}
    missing = [metric for metric in metrics if not isinstance(scores.get(metric), float)]
    if missing:  # run's summary says why: "test accuracy n/a (final scoring not done ...)"
        why = re.search(r"^best trial .* n/a \((.*)\)$", run.stdout, re.MULTILINE)
        error = f"no test {missing[0]}" + (f": {why.group(1)}" if why else "")
        return Outcome({}, seconds, count, error)
    return Outcome(scores, seconds, count, note=describe_best(found))


def describe_best(found: dict[str, Any]) -> str:
    """One line on the best trial of `dnnsearch best --format json`.

    Args:
        found: its parsed output.

    Returns:
        e.g. `trial 5 (5-fold CV accuracy 1.0000): [53] relu, lr 0.926, 600 it, momentum`.
    """
    hp = found.get("hyperparameters") or {}
    score = found.get("value")
    shown = f"{score:.4f}" if isinstance(score, float) else "?"
    parts = [f"{hp.get('hidden_layers')} {hp.get('activation')}"]
    if isinstance(hp.get("learning_rate"), float):
        parts.append(f"lr {hp['learning_rate']:.3g}")
    parts.append(f"{hp.get('num_iterations')} it, {hp.get('optimizer')}")
    for key, off in (("mini_batch_size", None), ("lambd", 0.0), ("keep_prob", 1.0)):
        if key in hp and hp[key] != off:
            parts.append(
                f"{key} {hp[key]:.3g}" if isinstance(hp[key], float) else f"{key} {hp[key]}"
            )
    return (
        f"trial {found.get('trial')} ({found.get('scored_on', 'validation')} "
        f"{found.get('metric')} {shown}): {', '.join(parts)}"
    )


def _cli(args: list[str], folder: Path, limit: float) -> subprocess.CompletedProcess[str]:
    """The dnnsearch command (`python -m studies.cli`, this checkout first on the path).

    A run that outlives `limit` seconds is killed with its workers and reported as timed out.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(REPO), env.get("PYTHONPATH"))))
    command = [sys.executable, "-m", "studies.cli", *args]
    with subprocess.Popen(
        command,
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the loky workers go with it
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            stderr += f"\ntimed out after {limit:.0f} s"
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip() or result.stdout.strip() or f"exit {result.returncode}"
    return lines.splitlines()[-1].removeprefix("dnnsearch: error: ")


def budgeted_search(
    estimator: BaseEstimator,
    distributions: dict[str, Any],
    X: pd.DataFrame,
    y: pd.Series,
    *,
    budget: float,
    cv: Any,
    scoring: str,
    jobs: int,
    seed: int = SEED,
) -> tuple[BaseEstimator, int, dict[str, Any]]:
    """As many random candidates as `budget` seconds allow, then the best one refit.

    Rounds of RandomizedSearchCV(n_iter=jobs, n_jobs=jobs, refit=False), each with its own
    random_state, run until `budget` seconds have passed (the last round ends past it); the
    candidate with the best mean cross-validation score over all rounds is refit on all of X.

    Args:
        estimator: what is tuned.
        distributions: its parameters' lists and distributions.
        X: the training rows.
        y: their targets.
        budget: seconds of search (the refit comes on top).
        cv: the cross-validation splitter.
        scoring: a scikit-learn scorer name.
        jobs: candidates a round, and the search's n_jobs.
        seed: the first round's random_state is 1000 * seed, then one more a round.

    Returns:
        The refit estimator, the number of candidates tried, and the best one's parameters.
    """
    start = time.perf_counter()
    best_score, best_params, candidates, round_ = -np.inf, None, 0, 0
    while best_params is None or time.perf_counter() - start < budget:
        search = RandomizedSearchCV(
            estimator,
            distributions,
            n_iter=jobs,
            cv=cv,
            scoring=scoring,
            n_jobs=jobs,
            refit=False,
            random_state=1000 * seed + round_,
        )
        search.fit(X, y)
        round_ += 1
        candidates += jobs
        scores = np.nan_to_num(search.cv_results_["mean_test_score"], nan=-np.inf)
        if best_params is None or scores.max() > best_score:
            best_score = float(scores.max())
            best_params = search.cv_results_["params"][int(scores.argmax())]
    return clone(estimator).set_params(**best_params).fit(X, y), candidates, best_params


def machine() -> str:
    """The versions, CPU model, BLAS kernels and load average a result was measured with.

    Returns:
        `machine.describe_machine`'s line, this checkout's commit first.
    """
    import sklearn

    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    versions = [("dnnsearch", commit or "?"), ("pandas", pd.__version__)]
    return describe_machine([*versions, ("scikit-learn", sklearn.__version__)])
