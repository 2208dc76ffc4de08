"""Start-up: how long the dnnsearch commands and a loky worker take before they do anything.

    python benchmarks/bench_startup.py              # everything (about two minutes)
    python benchmarks/bench_startup.py --runs 9     # more fresh processes per figure

Parts (issue 16's goals in brackets):
- commands: the wall time of `dnnsearch --help` [<= 0.3 s], `dnnsearch studies` and
  `dnnsearch best NAME` on a tiny study made first [<= 1 s], each the median of `--runs`
  fresh processes, run in turns so that a change of load hits them all; `python -c pass`
  beside them is the interpreter's own start-up. The command is the installed console script
  beside this interpreter (not pyenv's shim, a shell script that adds its own time), or
  `python -m studies.cli` when there is none.
- worker: the time from a loky worker process's creation (its start time in /proc, 10 ms
  resolution) to the start of its first trial (`datetime_start` of the first trial whose
  record carries its pid) [<= 0.7 s], in `dnnsearch run STUDY.toml --jobs 2 --timeout 5`
  of trivial trials, end to end (this process reads the run's children in /proc while they
  live). Then what a worker imports, biggest first: one loky worker started with Python's
  `PYTHONPROFILEIMPORTTIME` in its environment only runs trials of a tiny study.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from joblib.externals.loky import get_reusable_executor
from machine import describe_machine

from search import StudySpec, open_existing_study, run_study
from search.prepare import split_data
from search.record import set_target_trials
from search.study import create_study
from search.workers import worker_process
from studies.datasets import load_dataset

REPO = Path(__file__).resolve().parents[1]
TRIVIAL_SPACE = {
    "learning_rate": 0.01,
    "num_iterations": 1,
    "n_hidden": 1,
    "n_units": 2,
    "activation": "relu",
    "optimizer": "gd",
}


def machine() -> str:
    """The versions, CPU model, BLAS kernel and load average a result was measured with."""
    return describe_machine()


def command() -> list[str]:
    """The dnnsearch command as a user runs it: the console script beside this interpreter."""
    script = Path(sys.executable).parent / "dnnsearch"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "studies.cli"]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(REPO), env.get("PYTHONPATH"))))
    return env


def wall(args: list[str], folder: Path) -> float:
    """Seconds from start to exit of one fresh process (its output thrown away)."""
    start = time.perf_counter()
    subprocess.run(
        args,
        cwd=folder,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - start


def tiny_study(folder: Path) -> Path:
    """A 3-trial study of the built-in moons data, for `best`; returns its journal file."""

    journal = folder / "tiny" / "journal.log"
    spec = StudySpec.from_dict(
        {
            "name": "tiny",
            "dataset": "moons",
            "storage": str(journal),
            "n_trials": 3,
            "sampler": "random",
            "pruner": "none",
            "space": TRIVIAL_SPACE,
        }
    )
    run_study(spec, load_dataset, progress=None)
    return journal


def commands(folder: Path, runs: int) -> None:
    journal = tiny_study(folder)
    cli = command()
    rows = {
        "`python -c pass` (the interpreter alone)": ([sys.executable, "-c", "pass"], None),
        "`dnnsearch --help`": ([*cli, "--help"], 0.3),
        "`dnnsearch studies`": ([*cli, "studies"], 1.0),
        "`dnnsearch best tiny --storage ...`": (
            [*cli, "best", "tiny", "--storage", str(journal)],
            1.0,
        ),
    }
    times: dict[str, list[float]] = {label: [] for label in rows}
    for _ in range(runs):  # in turns: a change of load hits every command alike
        for label, (args, _goal) in rows.items():
            times[label].append(wall(args, folder))
    print(f"\n## Commands: wall time of {runs} fresh processes each ({' '.join(cli)})\n")
    print("| command | median s | min s | max s | goal |")
    print("|---|---|---|---|---|")
    for label, (_args, goal) in rows.items():
        median = statistics.median(times[label])
        verdict = "" if goal is None else f"<= {goal} s: {'met' if median <= goal else 'MISSED'}"
        print(
            f"| {label} | {median:.3f} | {min(times[label]):.3f} | {max(times[label]):.3f} "
            f"| {verdict} |"
        )


def worker(folder: Path, runs: int) -> None:
    print(f"\n## Loky worker: its creation to the start of its first trial ({runs} runs)\n")
    print(
        "`dnnsearch run tiny.toml --jobs 2 --timeout 5` (trivial trials of the moons data), "
        "end to end; times from the run process's creation.\n"
    )
    print(
        "| run | first trial here s | worker created s | its first trial s | worker's delay s "
        "| trials in the journal then |"
    )
    print("|---|---|---|---|---|---|")
    delays = []
    for run in range(runs):
        here, created, first, before = _worker_run(folder, f"worker{run}")
        delays.append(first - created)
        print(
            f"| {run + 1} | {here:.2f} | {created:.2f} | {first:.2f} | {first - created:.2f} "
            f"| {before} |"
        )
    median = statistics.median(delays)
    print(
        f"\nMedian {median:.2f} s from a worker's creation to its first trial "
        f"(goal <= 0.7 s: {'met' if median <= 0.7 else 'MISSED'})."
    )
    print(
        "\n### What a loky worker imports up to the end of its first trials "
        "(`PYTHONPROFILEIMPORTTIME` in the worker only, which inflates the times)\n"
    )
    # -c: the worker then has no main module to import (loky imports the parent's; the
    # CLI's is the dnnsearch script, which imports studies.cli: 0.01 s)
    code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_startup"
    out = subprocess.run(
        [sys.executable, "-c", f"{code}; bench_startup.child({str(folder / 'imports')!r})"],
        env=environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    modules = _imports(out.stderr)
    total = sum(own for own, _, _ in modules)
    print(f"{len(modules)} modules, {total / 1e6:.2f} s in all (self times summed).\n")
    print("| top-level import | cumulative s |")
    print("|---|---|")
    top = sorted((total, name) for _, total, name in modules if not name.startswith(" "))
    for cumulative, name in reversed(top[-15:]):
        print(f"| {name} | {cumulative / 1e6:.3f} |")


def _worker_run(folder: Path, name: str) -> tuple[float, float, float, int]:
    """One 2-job run through the CLI: the first trial of the run's own process, the loky
    worker's creation and its first trial, in s from the run process's creation; and the
    trials started before that (the journal the worker read as it started)."""
    study = folder / f"{name}.toml"
    journal = folder / name / "journal.log"
    # 100 epochs of a 2-unit net: a few ms, not a journal of thousands of trials by then
    trials = {**TRIVIAL_SPACE, "num_iterations": 100}
    space = "\n".join(f"{key} = {json.dumps(value)}" for key, value in trials.items())
    study.write_text(
        f'name = "{name}"\ndataset = "moons"\nn_trials = 100000\nsampler = "random"\n'
        f'pruner = "none"\n\n[space]\n{space}\n'
    )
    args = ["run", str(study), "--jobs", "2", "--timeout", "5", "--quiet", "--storage"]
    created: dict[int, float] = {}
    with subprocess.Popen(
        [*command(), *args, str(journal)],
        cwd=folder,
        env=environment(),
        stdout=subprocess.DEVNULL,
    ) as process:
        origin = _created(process.pid)
        while process.poll() is None:  # a child's creation is read while it lives
            for pid in _children(process.pid) - set(created):
                try:
                    created[pid] = _created(pid)
                except OSError:
                    continue  # it has ended
            time.sleep(0.02)
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed (exit {process.returncode})")
    firsts: dict[int, float] = {}
    trials_run = open_existing_study(name, str(journal)).get_trials(deepcopy=False)
    starts = [t.datetime_start.timestamp() for t in trials_run if t.datetime_start is not None]
    for trial in trials_run:
        owner = trial.user_attrs.get("pid")
        if trial.datetime_start is not None and isinstance(owner, int):
            firsts[owner] = min(firsts.get(owner, np.inf), trial.datetime_start.timestamp())
    workers = [pid for pid in firsts if pid in created]
    if len(workers) != 1 or process.pid not in firsts:
        raise SystemExit(f"{name}: expected trials of the run and one worker, found {firsts}")
    (pid,) = workers
    before = sum(1 for start in starts if start < firsts[pid])
    return firsts[process.pid] - origin, created[pid] - origin, firsts[pid] - origin, before


def _imports(stderr: str) -> list[tuple[int, int, str]]:
    """(self us, cumulative us, name indented by depth) of each `-X importtime` line."""
    found = []
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        if own.strip().isdigit():  # not the header
            found.append((int(own), int(cumulative), name.rstrip()[1:]))
    return found


def child(folder: str) -> None:
    """In a fresh process: a study of trivial trials run by one loky worker whose
    interpreter profiles its imports (`PYTHONPROFILEIMPORTTIME`) onto this process's stderr."""

    def tiny_data(spec: StudySpec) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((60, 2))
        return x, (x[:, 0] > 0).astype(int)

    spec = StudySpec.from_dict(
        {
            "name": "imports",
            "dataset": "tiny",
            "storage": str(Path(folder) / "journal.log"),
            "sampler": "random",
            "pruner": "none",
            "space": TRIVIAL_SPACE,
        }
    )
    set_target_trials(create_study(spec), 3)
    splits = split_data(spec, tiny_data)
    executor = get_reusable_executor(max_workers=1, env={"PYTHONPROFILEIMPORTTIME": "1"})
    executor.submit(
        worker_process, spec, 1, 1, deadline=None, progress=None, splits=splits
    ).result()
    executor.shutdown(wait=True)


def _children(parent: int) -> set[int]:
    """The pids of a process's children (Linux: /proc, every thread's)."""
    found: set[int] = set()
    for task in Path(f"/proc/{parent}/task").iterdir():
        try:
            found.update(int(pid) for pid in (task / "children").read_text().split())
        except OSError:
            continue  # a thread that has ended
    return found


def _created(pid: int) -> float:
    """A live process's creation as a time.time() (Linux: /proc, in clock ticks since boot)."""
    ticks = int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[19])
    boot = time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per figure")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        commands(Path(tmp), args.runs)
        worker(Path(tmp), args.runs)


if __name__ == "__main__":
    main()
