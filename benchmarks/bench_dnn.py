"""Time one training iteration of `dnn` beside PyTorch CPU, MLPClassifier and the GEMM bound.

    python benchmarks/bench_dnn.py            # the full run (about 7 minutes on 2 cores)
    python benchmarks/bench_dnn.py --quick    # fewer and shorter timings

One iteration is forward + backward + update of full-batch gradient descent (no momentum, no
L2) with relu hidden layers, on three shapes, in float64 and float32, with 1 and 2 BLAS
threads (threadpoolctl for numpy and scikit-learn, `torch.set_num_threads` for PyTorch):

- dnn: `dnn.train`; ms per iteration is (time of n + 2 iterations - time of 2) / n, so the
  setup of a call (copying the parameters, allocating the buffers) is left out.
- torch: the same layers as `nn.Linear` + `nn.ReLU`, `CrossEntropyLoss` (softmax) or
  `BCEWithLogitsLoss` (sigmoid), `torch.optim.SGD`; zero_grad, forward, backward, step.
  PyTorch is a benchmark-only extra (`pip install -e .[bench]`), never a dependency.
- mlp: scikit-learn's `MLPClassifier(solver="sgd")` with one batch of all m examples, no
  momentum, no L2, no shuffling; (fit of n + 2 iterations - fit of 2) / n.
- gemm: only the matrix products of one step at the same shapes, in preallocated buffers:
  W[l] A[l-1] and dZ[l] A[l-1].T for every layer, W[l].T dZ[l] for l >= 2. dnn cannot beat
  it; "gemm/dnn" is the share of the bound that dnn reaches.

The methods are timed in turn within each repeat, so a disturbance hits them alike; the
table reports the minimum over repeats (`--stat median` for the median), because the machine
may be shared. Goals per row: dnn <= 0.8 x torch, dnn < mlp, gemm/dnn >= 90% (cat-like, wide)
or 60% (digits-like). The memory part checks, on the wide shape, that dnn.train's peak
(tracemalloc, which numpy reports its arrays to; and peak RSS in a fresh process) stays
within 1.5 x data + parameters + activations + gradients, and does not grow with the number
of iterations.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dnn import initialize_parameters, train

try:
    import torch
except ImportError:  # pragma: no cover
    sys.exit("bench_dnn needs PyTorch, a benchmark-only extra: pip install -e '.[bench]'")

LEARNING_RATE = 0.01
DTYPES = ("float64", "float32")
THREADS = (1, 2)
TORCH_MAX_RATIO = 0.8  # dnn time / torch time
MEMORY_MAX_RATIO = 1.5
# A run may or may not get a 2 MB transparent huge page for a buffer (1 fault or 512), so the
# fault counts of two runs may differ by 511 with no allocation in the loop; a temporary
# allocated and freed every iteration would add thousands per iteration on the wide shape.
FAULTS_SLACK = 512


class Shape(NamedTuple):
    name: str
    m: int
    layer_dims: tuple[int, ...]
    min_bound: float  # the least share of the GEMM bound that dnn must reach


SHAPES = (
    Shape("digits-like", 1797, (64, 64, 32, 10), 0.60),
    Shape("cat-like", 209, (12288, 20, 7, 5, 1), 0.90),
    Shape("wide", 5000, (784, 256, 128, 10), 0.90),
)


class Settings(NamedTuple):
    repeats: int
    block_seconds: float  # how long one timed block should last
    stat: Callable[[list[float]], float]


class Problem(NamedTuple):
    """One shape in one dtype: the data in both layouts, and the starting parameters."""

    shape: Shape
    X: np.ndarray  # (n_x, m), the course's layout, for dnn and the GEMM bound
    Y: np.ndarray  # (n_L, m), one-hot or 0/1
    X_rows: np.ndarray  # (m, n_x), for torch and scikit-learn
    labels: np.ndarray  # (m,) class indices
    parameters: dict[str, np.ndarray]

    @property
    def activations(self) -> list[str]:
        L = len(self.shape.layer_dims) - 1
        return ["relu"] * (L - 1) + ["sigmoid" if self.shape.layer_dims[-1] == 1 else "softmax"]


def make_problem(shape: Shape, dtype: str, seed: int = 0) -> Problem:
    """Random features in [0, 1) and random labels: the timings do not depend on the values."""
    rng = np.random.default_rng(seed)
    n_x, n_L = shape.layer_dims[0], shape.layer_dims[-1]
    X = rng.random((n_x, shape.m), dtype=np.dtype(dtype))
    labels = rng.integers(0, max(n_L, 2), shape.m)
    Y = labels[np.newaxis, :].astype(dtype) if n_L == 1 else np.eye(n_L, dtype=dtype)[:, labels]
    parameters = initialize_parameters(shape.layer_dims, seed=seed, dtype=dtype)
    return Problem(shape, X, Y, np.ascontiguousarray(X.T), labels, parameters)


# -- the four methods: each returns run(n), which performs n iterations -----------------------


def dnn_runner(problem: Problem) -> Callable[[int], object]:
    def run(n: int) -> object:
        return train(
            problem.X,
            problem.Y,
            problem.parameters,
            problem.activations,
            learning_rate=LEARNING_RATE,
            num_iterations=n,
        )

    return run


def torch_runner(problem: Problem, threads: int) -> Callable[[int], object]:
    torch.set_num_threads(threads)
    dims = problem.shape.layer_dims
    layers: list[torch.nn.Module] = []
    with torch.no_grad():
        for l, (n_prev, n) in enumerate(pairwise(dims), start=1):
            linear = torch.nn.Linear(n_prev, n, dtype=getattr(torch, problem.X.dtype.name))
            linear.weight.copy_(torch.from_numpy(problem.parameters[f"W{l}"]))
            linear.bias.copy_(torch.from_numpy(problem.parameters[f"b{l}"][:, 0]))
            layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    x = torch.from_numpy(problem.X_rows)
    if dims[-1] == 1:
        loss_fn, target = torch.nn.BCEWithLogitsLoss(), torch.from_numpy(problem.Y.T.copy())
    else:
        loss_fn, target = torch.nn.CrossEntropyLoss(), torch.from_numpy(problem.labels)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)

    def run(n: int) -> object:
        for _ in range(n):
            optimizer.zero_grad()
            loss = loss_fn(model(x), target)
            loss.backward()
            optimizer.step()
        return loss

    return run


def mlp_runner(problem: Problem) -> Callable[[int], object]:
    hidden = problem.shape.layer_dims[1:-1]

    def run(n: int) -> object:
        mlp = MLPClassifier(
            hidden_layer_sizes=hidden,
            activation="relu",
            solver="sgd",
            alpha=0.0,
            batch_size=problem.shape.m,
            learning_rate="constant",
            learning_rate_init=LEARNING_RATE,
            max_iter=n,
            shuffle=False,
            random_state=0,
            tol=0.0,
            n_iter_no_change=np.inf,
            momentum=0.0,
            nesterovs_momentum=False,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mlp.fit(problem.X_rows, problem.labels)
        assert mlp.n_iter_ == n and mlp.coefs_[0].dtype == problem.X.dtype
        return mlp

    return run


def gemm_runner(problem: Problem) -> Callable[[int], object]:
    """The matrix products of one step, in buffers allocated once; no other work."""
    rng = np.random.default_rng(1)
    dims, m, dtype = problem.shape.layer_dims, problem.shape.m, problem.X.dtype
    L = len(dims) - 1
    W = [None] + [problem.parameters[f"W{l}"] for l in range(1, L + 1)]
    A = [problem.X] + [np.empty((n, m), dtype) for n in dims[1:]]
    dZ = [None] + [rng.standard_normal((n, m)).astype(dtype) for n in dims[1:]]
    dA = [np.empty((n, m), dtype) for n in dims[:-1]]
    dW = [None] + [np.empty_like(W[l]) for l in range(1, L + 1)]

    def run(n: int) -> object:
        for _ in range(n):
            for l in range(1, L + 1):
                np.matmul(W[l], A[l - 1], out=A[l])
            for l in range(L, 0, -1):
                np.matmul(dZ[l], A[l - 1].T, out=dW[l])
                if l > 1:
                    np.matmul(W[l].T, dZ[l], out=dA[l - 1])
        return dW

    return run


# -- timing -----------------------------------------------------------------------------------


class Method(NamedTuple):
    name: str
    run: Callable[[int], object]
    has_setup: bool  # time (n + 2) - (2) iterations to leave a per-call setup out


def seconds(run: Callable[[int], object], n: int) -> float:
    start = time.perf_counter()
    run(n)
    return time.perf_counter() - start


def block_size(method: Method, settings: Settings) -> int:
    """Iterations per timed block, from a first (warm-up) call."""
    run, extra = method.run, 2 if method.has_setup else 0
    run(extra + 1)
    per_iteration = seconds(run, extra + 3) / (extra + 3)
    return int(min(1000, max(3, round(settings.block_seconds / per_iteration))))


def time_methods(methods: list[Method], settings: Settings) -> dict[str, float]:
    """ms per iteration of each method, timed in turn within each repeat."""
    sizes = {method.name: block_size(method, settings) for method in methods}
    samples: dict[str, list[tuple[float, float]]] = {method.name: [] for method in methods}
    for _ in range(settings.repeats):
        for method in methods:
            n = sizes[method.name]
            if method.has_setup:
                samples[method.name].append((seconds(method.run, n + 2), seconds(method.run, 2)))
            else:
                samples[method.name].append((seconds(method.run, n), 0.0))
            time.sleep(0.01)  # let OpenMP workers stop spinning before the next method
    ms = {}
    for name, pairs in samples.items():
        longer, shorter = settings.stat([a for a, _ in pairs]), settings.stat([b for _, b in pairs])
        ms[name] = 1e3 * (longer - shorter) / sizes[name]
    return ms


class Row(NamedTuple):
    shape: Shape
    dtype: str
    threads: int
    ms: dict[str, float]

    def goals(self) -> tuple[bool, bool, bool]:
        dnn, ms = self.ms["dnn"], self.ms
        return (
            dnn <= TORCH_MAX_RATIO * ms["torch"],
            dnn < ms["mlp"],
            ms["gemm"] / dnn >= self.shape.min_bound,
        )


def measure_row(shape: Shape, dtype: str, threads: int, settings: Settings) -> Row:
    problem = make_problem(shape, dtype)
    with threadpool_limits(limits=threads):
        methods = [
            Method("dnn", dnn_runner(problem), True),
            Method("torch", torch_runner(problem, threads), False),
            Method("mlp", mlp_runner(problem), True),
            Method("gemm", gemm_runner(problem), False),
        ]
        return Row(shape, dtype, threads, time_methods(methods, settings))


# -- memory -----------------------------------------------------------------------------------


def reference_bytes(problem: Problem) -> dict[str, int]:
    """What one step needs at least: the data, W and b, every A[l], and dW, db and dZ[l]."""
    itemsize, m = problem.X.dtype.itemsize, problem.shape.m
    params = sum(value.nbytes for value in problem.parameters.values())
    per_layer = sum(n * m * itemsize for n in problem.shape.layer_dims[1:])
    return {
        "data": problem.X.nbytes + problem.Y.nbytes,
        "parameters": params,
        "activations": per_layer,
        "gradients": params + per_layer,
    }


def traced_peak(problem: Problem, n: int) -> tuple[int, int]:
    """tracemalloc's peak growth during train(n), and what stays allocated but the result."""
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    result = dnn_runner(problem)(n)
    after, peak = tracemalloc.get_traced_memory()
    kept = after - base - sum(value.nbytes for value in result.parameters.values())
    return peak - base, kept


def rss_child(dtype: str, n: int) -> None:
    """Run in a fresh process: print peak RSS growth and minor page faults of train(n)."""
    problem = make_problem(SHAPES[-1], dtype)
    with threadpool_limits(limits=1):
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")  # reset the peak RSS (VmHWM) to the current RSS
        rss, faults = _status_bytes("VmRSS"), resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        dnn_runner(problem)(n)
        peak, after = _status_bytes("VmHWM"), resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    print(peak - rss)
    print(after - faults)


def _status_bytes(key: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def rss_in_child(dtype: str, n: int) -> tuple[int, int]:
    """Peak RSS growth and minor faults of train(n) in a fresh process, the least of two runs."""
    runs = []
    for _ in range(2):
        command = [sys.executable, __file__, "--rss-child", dtype, str(n)]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        runs.append([int(value) for value in output.split()])
    return min(rss for rss, _ in runs), min(faults for _, faults in runs)


def memory_report(dtypes: tuple[str, ...], short: int, long: int) -> list[str]:
    lines = []
    for dtype in dtypes:
        problem = make_problem(SHAPES[-1], dtype)
        parts = reference_bytes(problem)
        reference = sum(parts.values())
        tracemalloc.start()
        (peak_short, kept_short), (peak_long, kept_long) = (
            traced_peak(problem, short),
            traced_peak(problem, long),
        )
        tracemalloc.stop()
        (rss_short, faults_short), (rss_long, faults_long) = (
            rss_in_child(dtype, short),
            rss_in_child(dtype, long),
        )
        lines += _memory_lines(dtype, parts, reference, (peak_short, peak_long), short, long)
        lines.append(
            f"| {dtype} | retained after the call, less the result (tracemalloc) | "
            f"{_mb(kept_short)} | {_mb(kept_long)} | {_pass(kept_long <= kept_short)} |"
        )
        lines += _rss_lines(problem, dtype, reference, (rss_short, rss_long), short, long)
        per_iteration = (faults_long - faults_short) / (long - short)
        lines.append(
            f"| {dtype} | minor page faults per iteration ({short} vs {long} iterations) | "
            f"{faults_short} | {faults_long} | {per_iteration:.1f} per iteration: "
            f"{_pass(faults_long - faults_short <= FAULTS_SLACK)} (difference <= {FAULTS_SLACK}) |"
        )
    return lines


def _memory_lines(
    dtype: str, parts: dict[str, int], reference: int, peaks: tuple[int, int], short: int, long: int
) -> list[str]:
    detail = ", ".join(f"{key} {_mb(value)}" for key, value in parts.items())
    base = parts["data"] + parts["parameters"]
    ratio = (base + peaks[1]) / reference
    return [
        f"| {dtype} | reference: {detail} | {_mb(reference)} | | |",
        f"| {dtype} | peak growth in train (tracemalloc), {short} / {long} iterations | "
        f"{_mb(peaks[0])} | {_mb(peaks[1])} | {_pass(peaks[1] <= peaks[0] + 4096)} (no growth) |",
        f"| {dtype} | data + parameters + peak growth, vs reference | {_mb(base + peaks[1])} | "
        f"{ratio:.2f}x | {_pass(ratio <= MEMORY_MAX_RATIO)} (<= {MEMORY_MAX_RATIO}x) |",
    ]


def _rss_lines(
    problem: Problem, dtype: str, reference: int, rss: tuple[int, int], short: int, long: int
) -> list[str]:
    base = reference_bytes(problem)["data"] + reference_bytes(problem)["parameters"]
    ratio = (base + rss[1]) / reference
    return [
        f"| {dtype} | peak RSS growth in train (fresh process), {short} / {long} iterations | "
        f"{_mb(rss[0])} | {_mb(rss[1])} | {_pass(rss[1] <= rss[0] + (1 << 20))} (no growth) |",
        f"| {dtype} | data + parameters + peak RSS growth, vs reference | {_mb(base + rss[1])} | "
        f"{ratio:.2f}x | {_pass(ratio <= MEMORY_MAX_RATIO)} (<= {MEMORY_MAX_RATIO}x) |",
    ]


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB"


def _pass(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# -- report -----------------------------------------------------------------------------------


def environment_lines() -> list[str]:
    lines = []
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS"):
        lines.append(f"- {key}: {os.environ.get(key, '(not set)')}")
    for info in threadpool_info():
        if info["user_api"] == "blas":
            lines.append(
                f"- BLAS: {info['internal_api']} {info.get('version')}, kernel "
                f"{info.get('architecture')}, {info.get('threading_layer')} "
                f"({Path(info['filepath']).parent.name}/{Path(info['filepath']).name})"
            )
    capability = torch.backends.cpu.get_cpu_capability()
    lines.append(
        f"- torch {torch.__version__}, CPU capability {capability}, MKL "
        f"{torch.backends.mkl.is_available()}; numpy {np.__version__}"
    )
    lines.append(f"- load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return lines


HEADER = (
    "| shape | dtype | threads | dnn ms | torch ms | mlp ms | gemm ms | dnn/torch | dnn/mlp "
    "| gemm/dnn | dnn <= 0.8 torch | dnn < mlp | >= bound share |"
)


def row_line(row: Row) -> str:
    ms = row.ms
    goals = [_pass(ok) for ok in row.goals()]
    return (
        f"| {row.shape.name} | {row.dtype} | {row.threads} | {ms['dnn']:.3f} | "
        f"{ms['torch']:.3f} | {ms['mlp']:.3f} | {ms['gemm']:.3f} | {ms['dnn'] / ms['torch']:.2f} "
        f"| {ms['dnn'] / ms['mlp']:.2f} | {100 * ms['gemm'] / ms['dnn']:.0f}% "
        f"(>= {100 * row.shape.min_bound:.0f}%) | {' | '.join(goals)} |"
    )


def speed_table(settings: Settings, stat_name: str) -> int:
    """Print the timing table; return the number of goals missed."""
    print(f"ms per iteration, the {stat_name} over {settings.repeats} repeats\n")
    print(HEADER)
    print("|" + "---|" * (HEADER.count("|") - 1))
    rows = []
    for shape in SHAPES:
        for dtype in DTYPES:
            for threads in THREADS:
                rows.append(measure_row(shape, dtype, threads, settings))
                print(row_line(rows[-1]), flush=True)
    for row in rows:
        if row.ms["gemm"] > TORCH_MAX_RATIO * row.ms["torch"]:
            share = row.ms["gemm"] / row.ms["torch"]
            print(
                f"\nNote: {row.shape.name} {row.dtype} {row.threads} thread(s): the matrix "
                f"products alone take {share:.2f} x torch's whole step, so dnn <= "
                f"{TORCH_MAX_RATIO} x torch cannot be reached with this BLAS."
            )
    return sum(row.goals().count(False) for row in rows)


def memory_table(quick: bool) -> int:
    """Print the memory table; return the number of checks failed."""
    print("\n## Memory of dnn.train on the wide shape (1 BLAS thread)\n")
    print("| dtype | what | first | second | check |\n|---|---|---|---|---|")
    memory = memory_report(DTYPES, 3, 12) if quick else memory_report(DTYPES, 5, 50)
    print("\n".join(memory))
    return sum(line.count("FAIL") for line in memory)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter timings")
    parser.add_argument("--stat", choices=("min", "median"), default="min")
    parser.add_argument("--rss-child", nargs=2, metavar=("DTYPE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child[0], int(args.rss_child[1]))
        return 0
    stat = min if args.stat == "min" else statistics.median
    settings = Settings(3, 0.15, stat) if args.quick else Settings(15, 0.2, stat)
    started = time.perf_counter()
    print("\n".join(["## Environment", *environment_lines(), ""]))
    failures = speed_table(settings, args.stat) + memory_table(args.quick)
    print(f"\n{failures} goal(s) missed; {time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
