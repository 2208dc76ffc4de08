"""`dnnsearch predict` on a large table, and exported ONNX models against `predict_proba`.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_predict.py
    python benchmarks/bench_predict.py --rows 100000     # a quicker run

1. A table of `--rows` rows and 20 columns (17 numbers, a tenth of two columns' cells empty;
   3 text categories) is written as CSV by `table` below; a small study (4 trials) trains on
   a 5,000-row sample of it (with its 3-class label); `dnnsearch predict --proba` scores the
   whole file (without the label: rows with a target keep C + 1 numbers each for the metrics)
   as a subprocess. Printed: its wall time and peak memory (max RSS of the process, from
   `getrusage`), beside the same command on 1,000 rows (the interpreter and its libraries) and
   a script that reads the whole file with pandas, calls `predict_proba` once and writes the
   same output.
2. ONNX: the final models of a digits study and of that table study, exported in float64 and
   float32 (`dnnsearch export`): the file's size, and the median time per 1,000 rows of
   onnxruntime (for the table, with and without the encoding `inputs.json` describes) against
   `predict_proba` on the same rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
from machine import describe_machine

from search import StudySpec, best_config, run_study
from studies.datasets import digits, load_dataset
from studies.loader import load_study_spec

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = 5_000
TABLE_SPACE = {
    "num_iterations": {"low": 20, "high": 60, "step": 20},
    "n_units": {"low": 8, "high": 32},
}
DIGITS_SPACE = {
    "num_iterations": {"low": 10, "high": 20, "step": 10},
    "n_hidden": {"low": 1, "high": 2},
    "n_units": {"low": 64, "high": 256, "log": True},
    "optimizer": "adam",
    "mini_batch_size": 64,
}
PEAK = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
    "print(code, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)
WHOLE = (  # what predict does, the file read whole: the same output, written at once
    "import sys, pandas as pd; from pathlib import Path; from search import best_config; "
    "from studies.files import read_table; "
    "net = best_config(sys.argv[1], sys.argv[2]).load_network(); "
    "frame = read_table(Path(sys.argv[3])); proba = net.predict_proba(frame); "
    "out = pd.DataFrame(proba, columns=[f'proba_{c}' for c in net.classes_]); "
    "out.insert(0, 'prediction', net.classes_[proba.argmax(axis=1)]); "
    "out.insert(0, 'line', frame.index); out.to_csv(sys.argv[4], index=False)"
)


def table(m: int, seed: int = 0) -> pd.DataFrame:
    """17 numbers (columns n0, n1 with empty cells), 3 categories, and a 3-class label."""
    rng = np.random.default_rng(seed)
    numbers = rng.normal(size=(m, 17))
    frame = pd.DataFrame(numbers, columns=[f"n{j}" for j in range(17)])
    for j in range(3):
        frame[f"c{j}"] = rng.choice(["red", "green", "blue", "grey"][: 2 + j], m)
    score = numbers[:, 0] + numbers[:, 1] * numbers[:, 2] + (frame["c0"] == "red") * 1.5
    frame["label"] = np.digitize(score + rng.normal(scale=0.5, size=m), [-0.7, 0.7])
    for j in (0, 1):
        frame.loc[rng.random(m) < 0.1, f"n{j}"] = np.nan
    return frame


def peak(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of a command run alone in a child process."""
    out = subprocess.run(
        [sys.executable, "-c", PEAK, *command], capture_output=True, text=True, check=True
    )
    code, seconds, kib = out.stdout.split()
    if code != "0":
        raise SystemExit(f"{command} failed ({code})")
    return float(seconds), int(kib) / 1024


def train(folder: Path, name: str, dataset: str, space: dict, **keys) -> str:
    """Run a small study; returns its storage."""
    storage = str(folder / name / "journal.log")
    spec = StudySpec.from_dict(
        {"name": name, "dataset": dataset, "storage": storage, "n_trials": 4, "n_jobs": 1}
        | {"cv_folds": 0, "seed": 0, "space": space, **keys}
    )
    run_study(spec, load_dataset, progress=None)
    return storage


def dnnsearch(*args: str) -> list[str]:
    return [sys.executable, "-m", "studies.cli", *args]


def predict_figures(folder: Path, rows: int) -> str:
    """Part 1: the large file, its study, and predict's time and memory."""
    start = time.perf_counter()
    big = table(rows).drop(columns="label")  # predicted, not scored: memory stays flat
    big.to_csv(folder / "big.csv", index=False, float_format="%.5g")
    size = (folder / "big.csv").stat().st_size
    took = time.perf_counter() - start
    print(f"wrote {rows:,} rows x 20 columns, no label: {size / 2**20:.0f} MiB in {took:.0f} s")
    table(SAMPLE, seed=1).to_csv(folder / "sample.csv", index=False)
    table(1_000, seed=2).drop(columns="label").to_csv(folder / "small.csv", index=False)
    storage = train(folder, "big", str(folder / "sample.csv"), TABLE_SPACE, target="label")
    print(f"model: {best_config('big', storage).to_dict().get('ensemble') or 'one network'}")
    out = str(folder / "out.csv")
    for data in ("small.csv", "big.csv"):
        command = dnnsearch("predict", "big", str(folder / data), "--proba", "--quiet")
        seconds, mib = peak([*command, "--storage", storage, "--out", out])
        n = rows if data == "big.csv" else 1_000
        print(f"dnnsearch predict {data} ({n:,} rows): {seconds:.1f} s, peak RSS {mib:.0f} MiB")
    whole = [sys.executable, "-c", WHOLE, "big", storage, str(folder / "big.csv"), out]
    seconds, mib = peak(whole)
    print(f"the same, the file read whole by pandas: {seconds:.1f} s, peak RSS {mib:.0f} MiB")
    return storage


def per_thousand(run, x, repeats: int = 30) -> float:
    """Median milliseconds of `run(x)` on 1,000 rows."""
    run(x)  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(x)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def onnx_figures(folder: Path, name: str, storage: str, x) -> None:
    """Part 2: one study's exported model, both dtypes, against predict_proba."""
    import onnxruntime as ort

    from dnn.onnx_inputs import OnnxInputs, inputs_path

    net = best_config(name, storage).load_network()
    print(f"{name}: predict_proba {per_thousand(net.predict_proba, x):.2f} ms / 1,000 rows")
    for dtype in ("float64", "float32"):
        path = folder / f"{name}.{dtype}.onnx"
        subprocess.run(
            dnnsearch("export", name, "--format", "onnx", "--out", str(path), "--dtype", dtype)
            + ["--storage", storage],
            check=True,
            capture_output=True,
        )
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        table_model = isinstance(x, pd.DataFrame)
        inputs = OnnxInputs.read(inputs_path(path)) if table_model else None
        encoded = inputs.transform(x) if inputs else np.asarray(x, dtype=np.float64)

        def run(rows, session=session):
            return session.run(None, {"X": rows})[0]

        size = path.stat().st_size + (inputs_path(path).stat().st_size if table_model else 0)
        line = f"  {dtype}: {size / 1024:.1f} KiB, onnxruntime {per_thousand(run, encoded):.3f} ms"
        if inputs is not None:
            encode_and_run = lambda f, inputs=inputs: run(inputs.transform(f))  # noqa: E731
            line += f", + encoding {per_thousand(encode_and_run, x):.2f} ms"
        error = np.abs(run(encoded) - net.predict_proba(x)).max()
        print(f"{line} / 1,000 rows; max |difference| {error:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the large file")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    import onnxruntime

    print(describe_machine([("onnxruntime", onnxruntime.__version__), ("pandas", pd.__version__)]))
    os.environ["PYTHONPATH"] = str(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.chdir(folder)
        storage = predict_figures(folder, args.rows)
        x_digits = digits()[0][:1_000]
        spec = load_study_spec("digits").replace(timeout=None)
        digits_storage = train(folder, "digits", "digits", DIGITS_SPACE, metric=spec.metric)
        onnx_figures(folder, "digits", digits_storage, x_digits)
        onnx_figures(folder, "big", storage, table(1_000, seed=3).drop(columns="label"))


if __name__ == "__main__":
    main()
