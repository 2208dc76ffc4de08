"""Test R^2 of dnnsearch's regression study against a tuned scikit-learn MLPRegressor in the
same wall time, with linear regression as the floor.

    python benchmarks/bench_regression.py                 # both data sets (about 5 minutes)
    python benchmarks/bench_regression.py --timeout 120 --data diabetes
    python benchmarks/bench_regression.py --quick         # a 10 s budget: does it run?

Data: scikit-learn's diabetes (442 rows, 10 features) and make_friedman1(n_samples=2000,
noise=1.0, random_state=0) (10 features, 5 of them noise). For each, one seeded 80/20 split
(not stratified) is written to train.csv and test.csv with a numeric `target` column, and
in one run, one after the other:

- dnnsearch: a study file (name, dataset, test_dataset, target = "target", task =
  "regression", metric = "r2") run by `dnnsearch run FILE --timeout T --jobs 2` in a fresh
  process; test R^2 and RMSE are `test_scores.r2` and `.rmse` of `dnnsearch best NAME
  --format json`; time is the run command's wall time, start-up included. A failing
  command is reported as an error row, and the run goes on.
- pipeline: Pipeline(StandardScaler, MLPRegressor) tuned by rounds of RandomizedSearchCV
  (2 candidates a round, 5 shuffled folds, R^2, n_jobs=2) until at least dnnsearch's wall
  time (T when dnnsearch failed) has passed; the best candidate is refit on the training
  split (public_tables.budgeted_search). Its time includes the refit.
- linear: LinearRegression on the same split, the floor a network should clear.

The goal (issue 14): dnnsearch's test R^2 at least the pipeline's on both data sets.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from public_tables import (
    SEED,
    Outcome,
    budgeted_search,
    check_keep,
    machine,
    read_split,
    run_dnnsearch,
    workspace,
    write_split,
)
from scipy.stats import loguniform
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score, root_mean_squared_error
from sklearn.model_selection import KFold
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

JOBS = 2
TIMEOUT = 60.0
QUICK_TIMEOUT = 10.0
TARGET = "target"

MLP_SPACE = {
    "mlpregressor__hidden_layer_sizes": [
        (16,),
        (32,),
        (64,),
        (128,),
        (256,),
        (32, 32),
        (64, 64),
        (128, 64),
        (64, 32, 16),
    ],
    "mlpregressor__activation": ["relu", "tanh"],
    "mlpregressor__alpha": loguniform(1e-6, 10.0),
    "mlpregressor__learning_rate_init": loguniform(1e-4, 1e-1),
    "mlpregressor__batch_size": [16, 32, 64, 128],
    "mlpregressor__max_iter": [100, 200, 400, 800],
    "mlpregressor__early_stopping": [False, True],
}


def diabetes() -> pd.DataFrame:
    return load_diabetes(as_frame=True).frame


def friedman1() -> pd.DataFrame:
    X, y = make_friedman1(n_samples=2000, noise=1.0, random_state=0)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    frame[TARGET] = y
    return frame


DATASETS: dict[str, Callable[[], pd.DataFrame]] = {
    "diabetes": diabetes,
    "friedman1": friedman1,
}


def scores(y_true: pd.Series, y_pred: np.ndarray) -> dict[str, float]:
    return {
        "r2": float(r2_score(y_true, y_pred)),
        "rmse": float(root_mean_squared_error(y_true, y_pred)),
    }


def tuned_pipeline(split: tuple[pd.DataFrame, ...], budget: float) -> Outcome:
    X, y, X_test, y_test = split
    start = time.perf_counter()
    model, candidates = budgeted_search(
        make_pipeline(StandardScaler(), MLPRegressor(random_state=SEED)),
        MLP_SPACE,
        X,
        y,
        budget=budget,
        cv=KFold(5, shuffle=True, random_state=SEED),
        scoring="r2",
        jobs=JOBS,
    )
    return Outcome(scores(y_test, model.predict(X_test)), time.perf_counter() - start, candidates)


def linear(split: tuple[pd.DataFrame, ...]) -> Outcome:
    X, y, X_test, y_test = split
    start = time.perf_counter()
    model = LinearRegression().fit(X, y)
    return Outcome(scores(y_test, model.predict(X_test)), time.perf_counter() - start)


def measure(name: str, folder: Path, timeout: float) -> dict:
    frame = DATASETS[name]()
    paths = write_split(frame, TARGET, folder, stratify=False)
    study = folder / "study.toml"
    study.write_text(
        f'name = "{name}"\ndataset = "train.csv"\ntest_dataset = "test.csv"\n'
        f'target = "{TARGET}"\ntask = "regression"\nmetric = "r2"\n'
    )
    ours = run_dnnsearch(study, name, timeout, JOBS, metrics=("r2", "rmse"))
    split = read_split(paths, TARGET)
    return {
        "data": name,
        "rows": len(frame),
        "features": frame.shape[1] - 1,
        "ours": ours,
        "pipeline": tuned_pipeline(split, timeout if ours.error else ours.seconds),
        "linear": linear(split),
    }


def print_rows(rows: list[dict]) -> None:
    print(
        "\n| data | rows | features | dnnsearch R^2 | RMSE | s (trials) | pipeline R^2 | RMSE "
        "| s (candidates) | linear R^2 | RMSE | dnnsearch - pipeline R^2 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        ours, tuned, floor = row["ours"], row["pipeline"], row["linear"]
        if ours.error:
            r2, rmse, diff = f"error: {ours.error[:60]}", "-", "-"
        else:
            r2, rmse = f"{ours.scores['r2']:.4f}", f"{ours.scores['rmse']:.3f}"
            diff = f"{ours.scores['r2'] - tuned.scores['r2']:+.4f}"
        print(
            f"| {row['data']} | {row['rows']} | {row['features']} | {r2} | {rmse} "
            f"| {ours.seconds:.1f} ({ours.count or '-'}) | {tuned.scores['r2']:.4f} "
            f"| {tuned.scores['rmse']:.3f} | {tuned.seconds:.1f} ({tuned.count}) "
            f"| {floor.scores['r2']:.4f} | {floor.scores['rmse']:.3f} | {diff} |"
        )
    for row in rows:
        if row["ours"].error:
            print(f"\n{row['data']}: dnnsearch failed: {row['ours'].error}")
    if any(row["ours"].error for row in rows):
        print("\nGoal not checked: dnnsearch failed.")
        return
    behind = [
        row["data"] for row in rows if row["ours"].scores["r2"] < row["pipeline"].scores["r2"]
    ]
    print(
        "\nGoal: dnnsearch's test R^2 >= the pipeline's on every data set: "
        f"{'met' if not behind else 'NOT met on ' + ', '.join(behind)}."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", default=",".join(DATASETS), help=f"comma-separated, of: {', '.join(DATASETS)}"
    )
    parser.add_argument(
        "--timeout", type=float, default=TIMEOUT, help="dnnsearch's --timeout in seconds"
    )
    parser.add_argument("--quick", action="store_true", help=f"a {QUICK_TIMEOUT:g} s budget")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="write each split and study under DIR/NAME and keep them (dnnsearch report NAME "
        "there); default: a temporary folder",
    )
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.data.split(",") if name.strip()]
    for name in names:
        if name not in DATASETS:
            parser.error(f"unknown data set {name!r}; choose from {', '.join(DATASETS)}")
    problem = check_keep(args.keep, names)
    if problem:
        parser.error(problem)
    timeout = QUICK_TIMEOUT if args.quick else args.timeout
    print(machine())
    print(f"dnnsearch --timeout {timeout:g} --jobs {JOBS}; split seed {SEED}")
    rows = []
    with workspace(args.keep) as where:
        for name in names:
            row = measure(name, where / name, timeout)
            rows.append(row)
            ours = row["ours"]
            state = f"error ({ours.error})" if ours.error else f"R^2 {ours.scores['r2']:.4f}"
            print(
                f"{name}: dnnsearch {state} in {ours.seconds:.1f} s; pipeline R^2 "
                f"{row['pipeline'].scores['r2']:.4f} ({row['pipeline'].count} candidates in "
                f"{row['pipeline'].seconds:.1f} s); linear R^2 {row['linear'].scores['r2']:.4f}",
                flush=True,
            )
    print_rows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
