"""One validation split against 5-fold cross-validation at equal time, by data set size.

    python benchmarks/bench_validation.py                  # 3 seeds x 20 s per run (~22 min)
    python benchmarks/bench_validation.py --seconds 40 --seeds 0 1 2 3 4

Issue 13: a study file without `cv_folds` validates with 5 folds below `search.folds.SMALL_DATA`
examples (training + validation), else with one 20% split. This measures where that line
should be. For each source and size, examples are drawn (stratified, by the seed) from a pool
that excludes a fixed test set; the same study (the default search space of a three-line study
file, TPE, median pruner, 2 jobs, a wall-time budget) runs once with `cv_folds = 0` and once with
`cv_folds = 5` on that draw (alternated, so that a change of load hits both alike), and its final
model (the best trial's network; with k folds the best configuration refit on all the examples)
is scored on the fixed test set.

The runner holds the budget strictly: a refit that cannot end within 1.5 s past it is not done
(`RunResult.not_scored`; the next run would do it). Here it is then done at once, after the
budget, as the next run would, so that each run has a test score; the `late` column counts
those runs and their seconds.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import optuna
from sklearn import datasets as sk
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_info

from search import StudySpec, open_existing_study, run_study
from search.data import Dataset
from search.final import finish
from search.prepare import split_data

SCHEMES = (0, 5)  # cv_folds: one 20% validation split, 5-fold cross-validation


@dataclass(frozen=True)
class Source:
    """A larger set cut once into a pool and a fixed test set; studies draw from the pool."""

    name: str
    sizes: tuple[int, ...]
    load: Callable[[], tuple[np.ndarray, np.ndarray]]
    test_size: int

    def pool_and_test(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        x, y = self.load()
        x_pool, x_test, y_pool, y_test = train_test_split(
            x, y, test_size=self.test_size, stratify=y, random_state=0
        )
        return x_pool, y_pool, x_test, y_test


def draw(x: np.ndarray, y: np.ndarray, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`size` examples of the pool, stratified and seeded (the whole pool, shuffled, when it
    holds no more)."""
    if size >= len(y):
        order = np.random.default_rng(seed).permutation(len(y))
        return x[order], y[order]
    x_drawn, _, y_drawn, _ = train_test_split(x, y, train_size=size, stratify=y, random_state=seed)
    return x_drawn, y_drawn


def hard_classification() -> tuple[np.ndarray, np.ndarray]:
    """A harder synthetic problem than digits: 4 classes of 2 clusters each, 8 informative
    features among 20, 5% of the labels flipped (20,000 examples, seed 0)."""
    return sk.make_classification(
        n_samples=20_000,
        n_features=20,
        n_informative=8,
        n_redundant=4,
        n_classes=4,
        n_clusters_per_class=2,
        class_sep=0.8,
        flip_y=0.05,
        random_state=0,
    )


SOURCES = (
    Source("synthetic", (250, 500, 1_000, 2_000, 4_000), hard_classification, 5_000),
    Source("digits", (250, 500, 1_000), lambda: sk.load_digits(return_X_y=True), 597),
    Source("breast_cancer", (400,), lambda: sk.load_breast_cancer(return_X_y=True), 169),
)


@dataclass(frozen=True)
class Outcome:
    trials: int
    accuracy: float
    wall: float
    late: float | None  # seconds of the final scoring done after the budget, if it was


def one_run(spec: StudySpec, data: Dataset) -> Outcome:
    """Run one budgeted study; score its final model after the budget if the run could not."""

    def load(_: StudySpec) -> Dataset:
        return data

    start = time.time()
    result = run_study(spec, load, progress=None)
    wall = time.time() - start
    late = None
    if result.not_scored is not None:
        began = time.time()
        splits = split_data(spec, load)  # the same seed: the same splits and folds
        study = open_existing_study(spec.name, spec.storage)
        result = finish(spec, study, splits, wall, None)
        late = time.time() - began
    accuracy = result.test_accuracy if result.test_accuracy is not None else float("nan")
    return Outcome(result.n_counted, accuracy, wall, late)


def scheme_name(folds: int) -> str:
    return f"{folds}-fold" if folds else "split"


def mean_sd(values: list[float]) -> str:
    values = [v for v in values if not np.isnan(v)]
    if not values:
        return "-"
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} ± {sd:.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="budget of each study")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="+", help="source names to run (default: all)")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    blas = [(i["internal_api"], i.get("architecture"), i["num_threads"]) for i in threadpool_info()]
    print(
        f"python {sys.version.split()[0]}, optuna {optuna.__version__}, numpy {np.__version__}, "
        f"{platform.processor() or platform.machine()}, BLAS {blas}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"\n## default space, TPE + median pruner, {args.jobs} jobs, {args.seconds:.0f} s per "
        f"study, seeds {args.seeds}\n"
    )
    print("| source | n | scheme | seed | trials | test accuracy | wall s | late s |")
    print("|---|---|---|---|---|---|---|---|")
    sources = [s for s in SOURCES if args.only is None or s.name in args.only]
    runs: dict[tuple[str, int, int], list[tuple[int, Outcome]]] = {}
    begun = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for source in sources:
            x_pool, y_pool, x_test, y_test = source.pool_and_test()
            for size in source.sizes:
                for seed in args.seeds:
                    x, y = draw(x_pool, y_pool, size, seed)
                    data = Dataset(x.astype(np.float64), y, x_test.astype(np.float64), y_test)
                    order = SCHEMES if seed % 2 == 0 else SCHEMES[::-1]
                    for folds in order:
                        name = f"{source.name}_{size}_{folds}_{seed}"
                        spec = StudySpec(
                            name=name,
                            dataset=source.name,
                            storage=str(Path(tmp) / name / "journal.log"),
                            n_trials=100_000,  # the budget ends the study
                            timeout=args.seconds,
                            n_jobs=args.jobs,
                            cv_folds=folds,
                            seed=seed,
                        ).validated()
                        out = one_run(spec, data)
                        runs.setdefault((source.name, size, folds), []).append((seed, out))
                        late = f"{out.late:.1f}" if out.late is not None else ""
                        print(
                            f"| {source.name} | {size} | {scheme_name(folds)} | {seed} | "
                            f"{out.trials} | {out.accuracy:.4f} | {out.wall:.1f} | {late} |",
                            flush=True,
                        )
    print(f"\ntotal {(time.time() - begun) / 60:.1f} min\n")
    print(
        "| source | n | split: test accuracy | 5-fold: test accuracy | 5-fold - split "
        "(paired, points) | trials split / 5-fold | late refits |"
    )
    print("|---|---|---|---|---|---|---|")
    for source in sources:
        for size in source.sizes:
            split, cv = runs[(source.name, size, 0)], runs[(source.name, size, 5)]
            by_seed = dict(split)
            deltas = [(o.accuracy - by_seed[s].accuracy) * 100 for s, o in cv]
            trials = (
                f"{statistics.mean(o.trials for _, o in split):.0f} / "
                f"{statistics.mean(o.trials for _, o in cv):.0f}"
            )
            n_late = sum(o.late is not None for _, o in split + cv)
            print(
                f"| {source.name} | {size} | {mean_sd([o.accuracy for _, o in split])} | "
                f"{mean_sd([o.accuracy for _, o in cv])} | {delta_text(deltas)} | {trials} | "
                f"{n_late} |"
            )


def delta_text(deltas: list[float]) -> str:
    """Mean ± sd of the paired differences, in points, and how many seeds favour k-fold."""
    deltas = [d for d in deltas if not np.isnan(d)]
    if not deltas:
        return "-"
    sd = statistics.stdev(deltas) if len(deltas) > 1 else 0.0
    wins = sum(d > 0 for d in deltas)
    return f"{statistics.mean(deltas):+.2f} ± {sd:.2f} ({wins}/{len(deltas)} seeds up)"


if __name__ == "__main__":
    main()
