"""The course's cat images: a default study judged by cross-validation on the training file.

Against the course's own 4-layer network and "always non-cat".

    python benchmarks/bench_cats.py                  # 5 folds x a 7-minute study (~45 min)
    python benchmarks/bench_cats.py --budget 90      # 5 folds x 90 s (~12 min)
    python benchmarks/bench_cats.py --quick          # 3 folds x 20 s: does it run?

Data: shared/data/catvnoncat_train.npz (209 images of 64 x 64 x 3 = 12,288 pixels, 72
cats; its README says where it comes from), found in the first folder above this checkout
that has shared/data, or given with --data. The course's 50 test images are held back on
purpose: the training file is cut into stratified outer folds (5, shuffled, seed 0), and
each fold's held-out images score, side by side:

- dnnsearch: the default study a new user writes (name, dataset = "train.npz" holding the
  other folds' images as the file has them, uint8 0-255; test_dataset = "test.npz"; timeout
  = the budget; n_jobs = 2; no [space]), run by `dnnsearch run study.toml` in a fresh
  process; its score is `test_scores.accuracy` of `dnnsearch best cats --format json` (the
  final model, as the study trains it), its time the run command's wall time;
- course: the course's network (week 4: layer_dims [12288, 20, 7, 5, 1], relu then sigmoid,
  the course's own initial weights (seed 1), batch gradient descent at 0.0075 for 2,500
  iterations, inputs divided by 255), trained on the same images by dnn's training loop
  (`dnn.train`, one BLAS thread);
- non-cat: predicting "non-cat" for every image.

The result: each fold's accuracies, then each side's mean and standard deviation over the
folds. Issue 22's target is a default study of 7 minutes with 2 jobs (the default budget);
the full protocol takes about folds x (budget + 1 minute): 40-45 minutes at 5 x 7 minutes.

Before issue 22 (the code of 629d6aa, `--budget 120`, 13 minutes, load average 5-6): dnnsearch
0.580 +- 0.106 (3-4 trials a fold), the course's network 0.474 +- 0.092, non-cat 0.656.
After issue 22 (935cab4, `--budget 120`, 11 minutes, load average 2-11): dnnsearch 0.608 +-
0.059 (24-86 trials a fold), the course's network 0.474 +- 0.092, non-cat 0.656. At the
issue's own budget (244292d-5acbfa0, 420 s, 38 minutes, load average 1-2 with the test suite
running beside the first three folds): dnnsearch 0.613 +- 0.043 (63-668 trials a fold).
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

import numpy as np
from harness import REPO, Outcome, check_keep, machine, run_dnnsearch, workspace, write_study
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from dnn import forward, train

DATA = Path("shared/data/catvnoncat_train.npz")
SHA256 = "6d5fa4fb39cbf7b64473478d4e9b874e5c23b63726fad32deb6c239ae1889b58"
BUDGET = 420.0  # issue 22: a 7-minute default study
QUICK_BUDGET, QUICK_FOLDS = 20.0, 3
FOLDS = 5
JOBS = 2
SEED = 0
COURSE_DIMS = [12288, 20, 7, 5, 1]
COURSE_RATE, COURSE_ITERATIONS = 0.0075, 2500
SIDES = ("dnnsearch", "course", "non-cat")


def default_data() -> Path | None:
    """shared/data/catvnoncat_train.npz in the first folder above this checkout that has it."""
    return next((up / DATA for up in REPO.parents if (up / DATA).is_file()), None)


def course_network(X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray) -> Outcome:
    """The course's week-4 network, trained on (X, y) and scored on the test images.

    Args:
        X: training images, (m, 12288) uint8.
        y: their labels, (m,), 1 = cat.
        X_test: held-out images.
        y_test: their labels.

    Returns:
        Its test accuracy, wall time and training accuracy (in `note`).
    """
    activations = ["relu"] * (len(COURSE_DIMS) - 2) + ["sigmoid"]
    A0 = np.ascontiguousarray(X.T / 255.0)  # (n_x, m), the course's notation
    Y = y.reshape(1, -1).astype(float)
    start = time.perf_counter()
    # One BLAS thread: the machine's two cores are shared, and two threads against another
    # process's load run many times slower (PERFORMANCE.md).
    with threadpool_limits(1):
        parameters = course_parameters()
        parameters = train(
            A0,
            Y,
            parameters,
            activations,
            learning_rate=COURSE_RATE,
            num_iterations=COURSE_ITERATIONS,
        ).parameters
    seconds = time.perf_counter() - start

    def accuracy(images: np.ndarray, labels: np.ndarray) -> float:
        AL, _ = forward(images.T / 255.0, parameters, activations)
        return float(np.mean((AL[0] > 0.5) == (labels == 1)))

    note = f"training accuracy {accuracy(X, y):.4f}"
    return Outcome({"accuracy": accuracy(X_test, y_test)}, seconds, note=note)


def course_parameters() -> dict[str, np.ndarray]:
    """The course's starting network, draw for draw (`initialize_parameters_deep`).

    `np.random.seed(1)`, then W[l] = randn(n[l], n[l-1]) / sqrt(n[l-1]) and b[l] = 0 for l =
    1..L: with these, 2,500 steps on all 209 images give the course's costs (0.771749 at
    iteration 0, 0.092878 at 2,400) and its training accuracy 0.9856.

    Returns:
        `W1..W4`, `b1..b4` of COURSE_DIMS.
    """
    draws = np.random.RandomState(1)  # the course's legacy generator, for its exact weights
    parameters = {}
    for l in range(1, len(COURSE_DIMS)):
        n, n_prev = COURSE_DIMS[l], COURSE_DIMS[l - 1]
        parameters[f"W{l}"] = draws.randn(n, n_prev) / np.sqrt(n_prev)
        parameters[f"b{l}"] = np.zeros((n, 1))
    return parameters


def non_cat(y_test: np.ndarray) -> Outcome:
    """Every image called "non-cat": the share of non-cats among the held-out images."""
    return Outcome({"accuracy": float(np.mean(y_test == 0))}, 0.0)


def run_fold(
    data: tuple[np.ndarray, np.ndarray], parts: tuple, folder: Path, budget: float
) -> dict:
    """One outer fold: the default study on the other folds' images, and the references.

    Args:
        data: X (209, 12288) and y (209,).
        parts: the training and held-out rows' positions.
        folder: the fold's folder (npz files, study file, storage).
        budget: the study's timeout in seconds.

    Returns:
        Each side's outcome by name.
    """
    (X, y), (train, test) = data, parts
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "train.npz", X=X[train], y=y[train])
    np.savez(folder / "test.npz", X=X[test], y=y[test])
    settings = {"dataset": "train.npz", "test_dataset": "test.npz"}
    study = write_study(folder, "cats", {**settings, "timeout": budget, "n_jobs": JOBS})
    return {
        "dnnsearch": run_dnnsearch(study, "cats", ("accuracy",), limit=3 * budget + 600),
        "course": course_network(X[train], y[train], X[test], y[test]),
        "non-cat": non_cat(y[test]),
    }


def print_results(runs: list[dict[str, Outcome]], sizes: list[tuple[int, int, int]]) -> None:
    """One row a fold, then each side's mean and standard deviation over the folds.

    Args:
        runs: one per fold, each side's outcome by name.
        sizes: a fold's training images, held-out images and held-out cats.
    """
    print(
        "\n| fold | train / held-out images (cats) | dnnsearch acc | s (trials) | course acc "
        "| s | non-cat acc |"
    )
    print("|---|---|---|---|---|---|---|")
    for k, (run, (m, n, cats)) in enumerate(zip(runs, sizes, strict=True)):
        ours = run["dnnsearch"]
        acc = f"error: {ours.error[:60]}" if ours.error else f"{ours.scores['accuracy']:.4f}"
        print(
            f"| {k} | {m} / {n} ({cats}) | {acc} | {ours.seconds:.1f} ({ours.count or '-'}) "
            f"| {run['course'].scores['accuracy']:.4f} | {run['course'].seconds:.1f} "
            f"| {run['non-cat'].scores['accuracy']:.4f} |"
        )
    for side in SIDES:
        values = [run[side].scores["accuracy"] for run in runs if not run[side].error]
        if len(values) < len(runs):
            print(f"{side}: failed on {len(runs) - len(values)} of {len(runs)} folds")
            continue
        spread = np.std(values, ddof=1) if len(values) > 1 else float("nan")
        print(f"{side}: mean outer accuracy {np.mean(values):.4f}, standard deviation {spread:.4f}")


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The options: --budget, --folds, --quick, --data, --keep."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--budget", type=float, default=BUDGET, help="each study's timeout, s")
    parser.add_argument("--folds", type=int, default=FOLDS, help=f"outer folds (default {FOLDS})")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_FOLDS} folds x {QUICK_BUDGET:g} s"
    )
    parser.add_argument("--data", type=Path, default=default_data(), help="the training .npz")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep each fold's files in DIR/foldK"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.budget, args.folds = QUICK_BUDGET, QUICK_FOLDS
    if args.data is None or not args.data.is_file():
        parser.error(f"--data: no file {args.data or DATA}")
    if args.folds < 2:
        parser.error("--folds: at least 2")
    problem = check_keep(args.keep, [f"fold{k}" for k in range(args.folds)])
    if problem:
        parser.error(problem)
    return args


def main(argv: list[str] | None = None) -> int:
    """Run every outer fold, print a line a fold, then the table and the means."""
    args = parse(argv)
    digest = hashlib.sha256(args.data.read_bytes()).hexdigest()
    with np.load(args.data) as file:
        X, y = file["X"], file["y"]
    print(machine())
    known = "the README's" if digest == SHA256 else "NOT the README's"
    print(f"{args.data}: {X.shape[0]} images, {int(y.sum())} cats; sha256 {digest[:12]} ({known})")
    print(f"{args.folds} stratified outer folds (seed {SEED}); study timeout {args.budget:g} s")
    outer = StratifiedKFold(args.folds, shuffle=True, random_state=SEED)
    runs, sizes = [], []
    with workspace(args.keep) as where:
        for k, parts in enumerate(outer.split(X, y)):
            runs.append(run_fold((X, y), parts, where / f"fold{k}", args.budget))
            sizes.append((len(parts[0]), len(parts[1]), int(y[parts[1]].sum())))
            line = " | ".join(f"{side} {_show(runs[-1][side])}" for side in SIDES)
            print(f"fold {k}: {line}", flush=True)
    print(f"\n{machine()}")
    print_results(runs, sizes)
    return 0


def _show(outcome: Outcome) -> str:
    if outcome.error:
        return f"error ({outcome.error}) in {outcome.seconds:.1f} s"
    trials = f", {outcome.count} trials" if outcome.count is not None else ""
    note = f"; {outcome.note}" if outcome.note else ""
    return f"{outcome.scores['accuracy']:.4f} ({outcome.seconds:.1f} s{trials}{note})"


if __name__ == "__main__":
    raise SystemExit(main())
