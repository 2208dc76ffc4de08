"""A study on large data: peak memory of the whole run, and a trial's epoch time.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_large.py
    ... --tree /path/to/another/checkout   # the same study run by another version (before/after)

Issue 16's "Large data" goal. The data: 60,000 x 784, 10 classes (class means plus noise,
seeded), float32, written once to an `.npz` (188 MB; 376 MB as the float64 splits a study
holds). The study: `--jobs 2`, 4 trials of one fixed small network (784-64-10, adam,
mini-batches of 256, 4 epochs), run in a child process as `run_study` runs it, while this
process samples every 0.2 s the PSS and RSS (`/proc/PID/smaps_rollup`) of the child and all
its descendants (the loky workers), summed. Then `dnn.train` alone on the same shape (the
training split, transposed and standardized, one BLAS thread, as a worker has it): its epoch
time against the trials' (their wall time per epoch, validation reports included).

Bars: peak PSS <= 1.5 x the data's size + 400 MB; a trial's epoch <= 1.2 x dnn.train's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

M, N_X, CLASSES, SEED = 60_000, 784, 10, 0
UNITS, EPOCHS, BATCH, TRIALS = 64, 4, 256, 4
REPO = Path(__file__).resolve().parents[1]

# The study, run in the child process: sys.argv = [tree, data, folder]
CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from search import StudySpec, run_study
from studies.datasets import load_dataset
spec = StudySpec.from_dict(json.loads(sys.argv[3]))
start = time.time()
result = run_study(spec, load_dataset, progress=sys.stderr)
print(json.dumps({"wall": time.time() - start, "counted": result.n_counted,
                  "test_accuracy": result.test_accuracy}))
"""


def data_file(folder: Path) -> Path:
    """The data set, generated once: each class a random mean image, plus noise."""
    path = folder / f"bench_large_{M}x{N_X}_seed{SEED}.npz"
    if not path.exists():
        rng = np.random.default_rng(SEED)
        means = rng.normal(0.0, 0.08, (CLASSES, N_X)).astype(np.float32)
        y = rng.integers(0, CLASSES, M)
        X = means[y]
        X += rng.normal(0.0, 1.0, (M, N_X)).astype(np.float32)  # learnable, not trivially
        np.savez(path, X=X, y=y)
    return path


def spec_dict(data: Path, folder: Path) -> dict:
    return {
        "name": "large",
        "dataset": str(data),
        "n_trials": TRIALS,
        "n_jobs": 2,
        "cv_folds": 0,
        "report_every": 1,
        "sampler": "random",
        "pruner": "none",
        "storage": str(folder / "journal.log"),
        "space": {
            "learning_rate": [0.001],
            "num_iterations": [EPOCHS],
            "n_hidden": [1],
            "n_units": [UNITS],
            "optimizer": ["adam"],
            "mini_batch_size": [BATCH],
        },
    }


def descendants(root: int) -> list[int]:
    """root and every process below it (from /proc/*/stat's parent ids)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def memory(pids: list[int]) -> tuple[int, int]:
    """Summed (PSS, RSS) in bytes."""
    pss = rss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return pss, rss


def run_study_measured(tree: Path, data: Path, folder: Path) -> dict:
    """The study in a child process, its memory sampled every 0.2 s; its result and peaks."""
    spec = spec_dict(data, folder)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tree), str(data), json.dumps(spec)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=folder,
    )
    peak_pss = peak_rss = processes = 0
    while child.poll() is None:
        pids = descendants(child.pid)
        pss, rss = memory(pids)
        peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
        processes = max(processes, len(pids))
        time.sleep(0.2)
    out, _ = child.communicate()
    if child.returncode:
        raise SystemExit(f"the study failed (exit {child.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(peak_pss=peak_pss, peak_rss=peak_rss, processes=processes)
    result["epochs"] = trial_epochs(tree, spec)
    return result


def trial_epochs(tree: Path, spec: dict) -> list[float]:
    """Each complete trial's wall time per epoch (read with the tree's own code)."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from search import open_existing_study; from search.record import TrialRecord;"
        "s = open_existing_study('large', sys.argv[2]);"
        "print(json.dumps([TrialRecord.from_trial(t).wall_time for t in s.get_trials()"
        " if t.state.name == 'COMPLETE']))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tree), spec["storage"]],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [w / EPOCHS for w in json.loads(out)]


def train_alone(data: Path) -> float:
    """dnn.train's time per epoch on the training split's shape, one BLAS thread, best of 2."""
    sys.path.insert(0, str(REPO))
    from dnn.core import initialize_parameters
    from dnn.labels import encode_labels
    from dnn.train import train

    with np.load(data) as npz:
        X, y = npz["X"][:36_000].astype(np.float64), npz["y"][:36_000]
    X_T = np.ascontiguousarray(((X - X.mean(axis=0)) / X.std(axis=0)).T)
    del X
    Y = encode_labels(y, np.arange(CLASSES), "float64")
    times = []
    with threadpool_limits(limits=1):
        for _ in range(2):
            parameters = initialize_parameters(
                [N_X, UNITS, CLASSES], "he", np.random.default_rng(0)
            )
            start = time.perf_counter()
            train(
                X_T,
                Y,
                parameters,
                ["relu", "softmax"],
                learning_rate=0.001,
                num_iterations=2,
                optimizer="adam",
                mini_batch_size=BATCH,
                rng=0,
            )
            times.append((time.perf_counter() - start) / 2)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=REPO, help="the checkout that runs the study")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    blas = [(i["internal_api"], i.get("architecture"), i["num_threads"]) for i in threadpool_info()]
    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line),
        platform.machine(),
    )
    print(f"{cpu}; numpy {np.__version__}; BLAS {blas}; load {os.getloadavg()[0]:.2f}")
    data = data_file(args.data_dir)
    size32 = M * N_X * 4
    print(
        f"data {data} ({data.stat().st_size / 1e6:.0f} MB on disk; X {size32 / 1e6:.0f} MB "
        f"float32, {2 * size32 / 1e6:.0f} MB float64); study tree {args.tree}"
    )
    with tempfile.TemporaryDirectory(prefix="bench_large-") as folder:
        result = run_study_measured(args.tree.resolve(), data, Path(folder))
    alone = train_alone(data)
    mb = 1e6
    print(
        f"study: {result['counted']} trials, {result['wall']:.1f} s, test accuracy "
        f"{result['test_accuracy']:.4f}, {result['processes']} processes"
    )
    for size, what in ((2 * size32, "float64 splits"), (size32, "float32 on disk")):
        bar = 1.5 * size + 400 * mb
        print(
            f"peak PSS {result['peak_pss'] / mb:.0f} MB, RSS {result['peak_rss'] / mb:.0f} MB; "
            f"bar for {what}: 1.5 x {size / mb:.0f} + 400 = {bar / mb:.0f} MB -> "
            f"{'met' if result['peak_pss'] <= bar else 'NOT met'}"
        )
    epochs = result["epochs"]
    print(
        f"epoch: dnn.train alone {alone:.2f} s; trials {', '.join(f'{e:.2f}' for e in epochs)} s "
        f"(2 workers on the cores at once; median {np.median(epochs) / alone:.2f}x)"
    )


if __name__ == "__main__":
    main()
