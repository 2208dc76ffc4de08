"""float32 against float64 studies: the built-in digits study, the same budget, three seeds.

    python benchmarks/bench_float32.py               # 3 seeds x 30 s per dtype (about 3.5 min)
    python benchmarks/bench_float32.py --seconds 60  # the built-in study's own minute

For each dtype and seed, `dnnsearch run digits` as the CLI runs it (TPE, median pruner,
2 jobs) with the study-file key `dtype` and a time budget: trials counted per minute and
the final model's test accuracy. Issue 16's bar for making float32 the default: at least
1.5x as many trials per minute, the same best test accuracy within 0.3 points.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import optuna
from threadpoolctl import threadpool_info

from search import run_study
from studies.datasets import load_dataset
from studies.loader import load_study_spec

DTYPES = ("float64", "float32")


def one_run(folder: Path, dtype: str, seed: int, seconds: float) -> tuple[float, float, float]:
    """(trials per minute, test accuracy, wall s) of one budgeted digits study."""
    name = f"digits_{dtype}_{seed}"
    spec = load_study_spec("digits").replace(
        name=name,
        storage=str(folder / name / "journal.log"),
        seed=seed,
        dtype=dtype,
        n_trials=100_000,  # the budget ends the study
        timeout=seconds,
    )
    start = time.time()
    result = run_study(spec, load_dataset, progress=None)
    wall = time.time() - start
    accuracy = result.test_scores.get("accuracy", float("nan"))
    return result.n_counted / seconds * 60, accuracy, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="budget of each run")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    blas = [(i["internal_api"], i.get("architecture"), i["num_threads"]) for i in threadpool_info()]
    print(
        f"python {sys.version.split()[0]}, optuna {optuna.__version__}, numpy {np.__version__}, "
        f"{platform.processor() or platform.machine()}, BLAS {blas}"
    )
    print(f"\n## digits, TPE + median pruner, 2 jobs, {args.seconds:.0f} s per run\n")
    print("| dtype | seed | trials/min | test accuracy | wall s |")
    print("|---|---|---|---|---|")
    rows: dict[str, list[tuple[float, float]]] = {d: [] for d in DTYPES}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            for dtype in DTYPES:  # alternated, so that a change of load hits both alike
                rate, accuracy, wall = one_run(Path(tmp), dtype, seed, args.seconds)
                rows[dtype].append((rate, accuracy))
                print(f"| {dtype} | {seed} | {rate:.1f} | {accuracy:.4f} | {wall:.1f} |")
    rates = {d: statistics.mean(r for r, _ in rows[d]) for d in DTYPES}
    best = {d: statistics.mean(a for _, a in rows[d]) for d in DTYPES}
    print(
        f"\nfloat32: {rates['float32'] / rates['float64']:.2f}x the trials per minute of float64 "
        f"({rates['float32']:.1f} against {rates['float64']:.1f}); mean test accuracy "
        f"{best['float32']:.4f} against {best['float64']:.4f} "
        f"({(best['float32'] - best['float64']) * 100:+.2f} points)"
    )


if __name__ == "__main__":
    main()
