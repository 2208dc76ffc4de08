"""The side-by-side run of bench_tables.py and bench_regression.py.

Each table, on one seeded 80/20 split a seed (three seeds for a table under 1,000 rows), by
dnnsearch and its peers (peers.py), then one table of results, the means and issue 22's
verdict.

dnnsearch gets the study file a new user writes (name, dataset = "train.csv", test_dataset =
"test.csv", target, task, timeout, n_jobs = 2; `seed` too for seeds other than 0), run by
`dnnsearch run study.toml` in a fresh process in the split's folder (`--set KEY=VALUE` adds a
study key, to measure a variant against the same peers on the same splits); its score is
`test_scores` of `dnnsearch best NAME --format json` and its time the run command's wall time,
start-up included. A failing command is an error row, and the run goes on. The pipeline
then searches for at least dnnsearch's wall time (the timeout when dnnsearch failed).
"""

from __future__ import annotations

import argparse
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from harness import (
    SEED,
    Outcome,
    check_keep,
    machine,
    read_split,
    run_dnnsearch,
    workspace,
    write_split,
    write_study,
)
from peers import JOBS, boosting, linear, text_columns, tuned_pipeline
from public_tables import CLASSIFICATION, Table

TIMEOUT = 60.0
QUICK_TIMEOUT = 10.0
SMALL_ROWS = 1000  # a table below this many rows is run with several seeds
SEEDS = 3
MAX_BELOW = 0.02  # issue 22: no table further below the better of pipeline and boosting
PEERS = ("pipeline", "hgb", "linear")
SIDES = ("dnnsearch", *PEERS)
BETTER_OF = ("pipeline", "hgb")
HARNESS_KEYS = ("name", "dataset", "test_dataset", "target", "task")  # run_once writes them
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")  # TOML's bare keys


@dataclass(frozen=True)
class Benchmark:
    """One benchmark's tables and its goal (issue 22's "Done when")."""

    task: str
    tables: dict[str, Table]
    metric: str  # the score compared: accuracy or r2
    margin: float  # how far dnnsearch's mean must be above the best mean of `mean_peers`
    mean_peers: tuple[str, ...]
    scale: float = 1.0  # differences are printed times this (100: points)
    unit: str = ""


@dataclass
class TableResult:
    """A table's description and its runs (one a seed): each side's outcome by name."""

    table: Table
    rows: int
    target: str
    text: int
    missing: int
    runs: list[dict[str, Outcome]] = field(default_factory=list)

    def failed(self) -> str | None:
        """The first error of dnnsearch over the seeds, if any."""
        return next((run["dnnsearch"].error for run in self.runs if run["dnnsearch"].error), None)

    def mean(self, side: str, metric: str) -> float:
        """A side's mean score over the seeds."""
        return float(np.mean([run[side].scores[metric] for run in self.runs]))

    def mean_seconds(self, side: str) -> float:
        """A side's mean wall time over the seeds."""
        return float(np.mean([run[side].seconds for run in self.runs]))

    def mean_count(self, side: str) -> str:
        """A side's mean number of trials or candidates, or '-'."""
        counts = [run[side].count for run in self.runs if run[side].count is not None]
        return f"{np.mean(counts):.0f}" if counts else "-"


def run_once(
    bench: Benchmark, table: Table, folder: Path, seed: int, timeout: float, extra: dict
) -> dict:
    """One split of `table` by every side.

    Args:
        bench: the benchmark (its task and metric).
        table: the table.
        folder: the run's folder (split files, study file and storage).
        seed: the split's, the study's and the peers' seed.
        timeout: dnnsearch's budget in seconds.
        extra: study keys added to dnnsearch's study file (`--set`), last.

    Returns:
        Each side's outcome by name.
    """
    frame = table.load()
    classes = bench.task == CLASSIFICATION
    paths = write_split(frame, table.target, folder, stratify=classes, seed=seed)
    settings: dict = {"dataset": "train.csv", "test_dataset": "test.csv", "target": table.target}
    settings.update(task=bench.task, timeout=timeout, n_jobs=JOBS)
    if seed != SEED:
        settings["seed"] = seed
    settings.update(extra)
    study = write_study(folder, table.name, settings)
    ours = run_dnnsearch(study, table.name, (bench.metric,), limit=3 * timeout + 300)
    split = read_split(paths, table.target)
    budget = timeout if ours.error else ours.seconds
    return {
        "dnnsearch": ours,
        "pipeline": tuned_pipeline(bench.task, split, budget, seed),
        "hgb": boosting(bench.task, split, seed),
        "linear": linear(bench.task, split, seed),
    }


def describe(table: Table, task: str) -> TableResult:
    """A table's rows, target (and classes), text columns and missing cells.

    Args:
        table: the table.
        task: classification or regression.

    Returns:
        Its result, without runs yet.
    """
    frame = table.load()
    X = frame.drop(columns=[table.target])
    target = table.target
    if task == CLASSIFICATION:
        target += f" ({frame[table.target].nunique()})"
    return TableResult(table, len(frame), target, len(text_columns(X)), int(X.isna().sum().sum()))


def progress(bench: Benchmark, name: str, seed: int, run: dict[str, Outcome]) -> str:
    """The line printed after each run: every side's score, time and choice."""
    parts = []
    for side in SIDES:
        outcome = run[side]
        if outcome.error:
            parts.append(f"{side} error ({outcome.error}) in {outcome.seconds:.1f} s")
            continue
        count = f", {outcome.count} tried" if outcome.count is not None else ""
        note = f"; {outcome.note}" if outcome.note else ""
        score = outcome.scores[bench.metric]
        parts.append(f"{side} {score:.4f} ({outcome.seconds:.1f} s{count}{note})")
    return f"{name} seed {seed}: " + " | ".join(parts)


def _diff(bench: Benchmark, value: float) -> str:
    return f"{value * bench.scale:+.{1 if bench.scale > 1 else 4}f}{bench.unit}"


def print_table(bench: Benchmark, results: list[TableResult]) -> None:
    """The results table, the means and the verdict.

    A table's scores and times are means over its seeds.

    Args:
        bench: the benchmark.
        results: one per table.
    """
    m = bench.metric
    print(
        f"\n| table | rows | target | text cols | missing cells | seeds | dnnsearch {m} "
        f"| s (trials) | pipeline {m} | s (candidates) | HGB {m} | s | linear {m} | s "
        "| dnnsearch - better of pipeline, HGB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for result in results:
        error = result.failed()
        ours = f"error: {error[:60]}" if error else f"{result.mean('dnnsearch', m):.4f}"
        diff = "-" if error else _diff(bench, _gap(bench, result))
        cells = [result.table.name, result.rows, result.target, result.text, result.missing]
        cells += [len(result.runs), ours, _time(result, "dnnsearch")]
        for side in PEERS:
            cells += [f"{result.mean(side, m):.4f}", _time(result, side)]
        print("| " + " | ".join(str(cell) for cell in [*cells, diff]) + " |")
    print_means(bench, results)


def _time(result: TableResult, side: str) -> str:
    count = result.mean_count(side)
    seconds = f"{result.mean_seconds(side):.1f}"
    return seconds if count == "-" else f"{seconds} ({count})"


def _gap(bench: Benchmark, result: TableResult) -> float:
    """The mean score of dnnsearch less the better of the pipeline's and boosting's."""
    better = max(result.mean(side, bench.metric) for side in BETTER_OF)
    return result.mean("dnnsearch", bench.metric) - better


def print_means(bench: Benchmark, results: list[TableResult]) -> None:
    """The means row and issue 22's verdict (not checked when dnnsearch failed somewhere).

    Args:
        bench: the benchmark.
        results: one per table.
    """
    m = bench.metric
    failed = [result.table.name for result in results if result.failed()]
    mean = {
        side: float(np.mean([result.mean(side, m) for result in results]))
        for side in SIDES
        if side != "dnnsearch" or not failed
    }
    ours = "-" if failed else f"{mean['dnnsearch']:.4f}"
    better = max(mean[side] for side in BETTER_OF)
    diff = "-" if failed else _diff(bench, mean["dnnsearch"] - better)
    cells = ["mean", "", "", "", "", "", ours, ""]
    for side in PEERS:
        cells += [f"{mean[side]:.4f}", ""]
    print("| " + " | ".join([*cells, diff]) + " |")
    if failed:
        print(f"\nVerdict not checked: dnnsearch failed on {', '.join(failed)}.")
        return
    print_verdict(bench, results, mean)


def print_verdict(bench: Benchmark, results: list[TableResult], mean: dict[str, float]) -> None:
    """Issue 22's two conditions, met or not, with the tables that miss the second."""
    m = bench.metric
    best_peer = max(bench.mean_peers, key=lambda side: mean[side])
    goal = mean[best_peer] + bench.margin
    mean_ok = mean["dnnsearch"] >= goal
    below = [
        f"{result.table.name} ({_diff(bench, _gap(bench, result))})"
        for result in results
        if _gap(bench, result) < -MAX_BELOW
    ]
    margin = f" + {_diff(bench, bench.margin).lstrip('+')}" if bench.margin else ""
    print(
        f"\nDone when (issue 22): mean {m} {mean['dnnsearch']:.4f} >= {best_peer}'s "
        f"{mean[best_peer]:.4f}{margin}: {'met' if mean_ok else 'NOT met'}; no table more "
        f"than {_diff(bench, MAX_BELOW).lstrip('+')} below the better of pipeline and HGB: "
        f"{'met' if not below else 'NOT met: ' + ', '.join(below)}."
    )


def parse(bench: Benchmark, argv: list[str] | None, doc: str) -> argparse.Namespace:
    """The options every comparison takes: tables, seeds, budget, --quick, --keep, --set.

    Args:
        bench: the benchmark (its tables).
        argv: the arguments (None: sys.argv).
        doc: the script's docstring (its first line describes it).

    Returns:
        The parsed options, `names` the chosen tables.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    names = ", ".join(bench.tables)
    parser.add_argument("--tables", default=",".join(bench.tables), help=f"of: {names}")
    parser.add_argument(
        "--seeds",
        type=int,
        default=SEEDS,
        help=f"seeds 0..N-1 for a table under {SMALL_ROWS} rows (default {SEEDS}; others: 1)",
    )
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="dnnsearch's budget, s")
    parser.add_argument(
        "--quick", action="store_true", help=f"a {QUICK_TIMEOUT:g} s budget and one seed"
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep each split and study in DIR/TABLE-sSEED (run `dnnsearch report TABLE` "
        "there); default: a temporary folder",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="add a key to dnnsearch's study file, VALUE in TOML (a bare word is a string): "
        "--set metric=accuracy --set cv_folds=10",
    )
    args = parser.parse_args(argv)
    try:
        args.extra = dict(study_key(item) for item in args.set)
    except ValueError as error:
        parser.error(f"--set: {error}")
    args.names = [name.strip() for name in args.tables.split(",") if name.strip()]
    unknown = [name for name in args.names if name not in bench.tables]
    if unknown:
        parser.error(f"unknown table {unknown[0]!r}; choose from {names}")
    if args.seeds < 1:
        parser.error("--seeds: at least 1")
    if args.quick:
        args.timeout, args.seeds = QUICK_TIMEOUT, 1
    problem = check_keep(args.keep, [f"{n}-s{s}" for n in args.names for s in range(args.seeds)])
    if problem:
        parser.error(problem)
    return args


def study_key(item: str) -> tuple[str, object]:
    """`KEY=VALUE` as a study key and its value: TOML (`10`, `true`, `"a b"`), else a string.

    Raises:
        ValueError: no `=`, a key that is not a bare TOML key, one the harness writes, or a
            value `write_study` cannot write (a table, a date, NaN or infinity).
    """
    key, sep, text = item.partition("=")
    key = key.strip()
    if not sep or not BARE_KEY.fullmatch(key):
        raise ValueError(f"{item!r} is not KEY=VALUE")
    if key in HARNESS_KEYS:
        raise ValueError(f"{key!r} is the benchmark's to write")
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return key, text.strip()
    if not _writable(value):
        raise ValueError(f"{key}: {text.strip()!r}: a table, a date, NaN or infinity cannot be set")
    return key, value


def _writable(value: object) -> bool:
    """Whether `write_study` (JSON's literals) writes the value as TOML reads it back."""
    if isinstance(value, list):
        return all(_writable(v) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str | int | bool)


def main(bench: Benchmark, argv: list[str] | None, doc: str) -> int:
    """Run the chosen tables and seeds, print a line a run, then the table and verdict.

    Args:
        bench: the benchmark.
        argv: the arguments (None: sys.argv).
        doc: the script's docstring.

    Returns:
        0.
    """
    args = parse(bench, argv, doc)
    print(machine())
    print(
        f"dnnsearch: timeout {args.timeout:g} s, n_jobs {JOBS}; seeds 0..{args.seeds - 1} "
        f"for tables under {SMALL_ROWS} rows, else 0"
        + "".join(f"; {key} = {value!r}" for key, value in args.extra.items())
    )
    results = []
    with workspace(args.keep) as where:
        for name in args.names:
            result = describe(bench.tables[name], bench.task)
            seeds = range(args.seeds if result.rows < SMALL_ROWS else 1)
            for seed in seeds:
                folder = where / f"{name}-s{seed}"
                run = run_once(bench, result.table, folder, seed, args.timeout, args.extra)
                result.runs.append(run)
                print(progress(bench, name, seed, result.runs[-1]), flush=True)
            results.append(result)
    print(f"\n{machine()}")
    print_table(bench, results)
    return 0
