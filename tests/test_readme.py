"""The README's examples work as written: its study files, its command lines, its Python.

A newcomer copies them first; an example that drifted from the code (a key renamed, a flag
removed, a range that no longer holds its own enqueued network) is a bug this file catches.
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import re
import shlex
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from search import StudySpec
from studies.arguments import build_parser
from studies.cli import main

ROOT = Path(__file__).resolve().parent.parent
ONNX = importlib.util.find_spec("onnxruntime") is not None
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    """The README's fenced code blocks of one language, in order."""
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def commands(prefix: str) -> list[str]:
    """Every line of the README's bash blocks that runs `prefix`, without its comment."""
    found = []
    for block in blocks("bash"):
        for line in block.splitlines():
            for part in re.split(r"&&|\|", line):  # commands joined or piped
                words = shlex.split(part, comments=True)
                if words[:1] == [prefix]:
                    found.append(shlex.join(words))
    return found


def test_the_readme_has_examples_of_each_kind():
    assert len(blocks("toml")) >= 2 and len(blocks("python")) >= 6
    assert len(commands("dnnsearch")) >= 10


@pytest.mark.parametrize("text", blocks("toml"), ids=lambda t: t.split("\n", 1)[0])
def test_every_study_file_in_the_readme_is_valid(text):
    spec = StudySpec.from_dict(tomllib.loads(text))
    assert spec.name


@pytest.mark.parametrize("line", commands("dnnsearch"))
def test_every_command_line_in_the_readme_parses(line):
    words = [word.replace("$URL", "postgresql://u@db/optuna") for word in shlex.split(line)[1:]]
    args = build_parser().parse_args(words)
    assert args.command == words[0 if words[0] != "--debug" else 1]


def test_the_first_block_installs_runs_and_tests_as_ci_does():
    first = blocks("bash")[0]
    assert 'pip install -e ".[dev]" && dnnsearch run digits' in first
    assert "python -m pytest -q" in first
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == "python -m pytest -q"


# Budgets cut for a test: the README's search runs 100 trials on 2 workers.
SMALLER = {"n_trials=100": "n_trials=3", "n_jobs=2": "n_jobs=1"}


def _rows_layout(rng: np.random.Generator) -> dict[str, object]:
    """Data as scikit-learn takes them, (m, n_x): a noisy two-class problem."""
    x = rng.normal(size=(160, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] ** 2 + 0.3 * rng.normal(size=160) > 0.5).astype(int)
    return {"X_train": x[:120], "y_train": y[:120], "X_test": x[120:], "y_test": y[120:],
            "X": x, "y": y}  # fmt: skip


def _course_layout(rng: np.random.Generator) -> dict[str, object]:
    """Data as the course lays them out, X (n_x, m) and Y (1, m)."""
    x = rng.normal(size=(3, 64))
    return {"X": x, "Y": (x[0:1] > 0).astype(float), "n_x": 3}


def _free_names(code: str) -> set[str]:
    tree = ast.parse(code)
    loaded = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    return loaded - set(dir(builtins))


@pytest.mark.integration
def test_the_python_examples_run_in_order(tmp_path, monkeypatch):
    """Each block runs after the ones before it, as a reader would paste them, on small data."""
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    namespace: dict[str, object] = {}
    for text in blocks("python"):
        code = text
        for big, small in SMALLER.items():
            code = code.replace(big, small)
        course = "initialize_parameters" in code or "update_parameters" in code
        namespace.update(_course_layout(rng) if course else _rows_layout(rng))
        if "onnxruntime" in code and not ONNX:
            continue  # the ONNX example alone waits for the onnx extra (CI has it: `dev`)
        _prepare_files(code, tmp_path)
        missing = _free_names(code) - set(namespace) - _defined(code)
        assert not missing, f"the README block uses {missing} without defining them:\n{text}"
        exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["trained"] is not None and namespace["parameters"]
    assert (tmp_path / "runs" / "moons_py" / "report" / "report.html").is_file()
    # "Use the model": the same rows through load_network() and the ONNX model in onnxruntime
    # and through `dnnsearch predict` (issue 23: run penguins, predict a shuffled CSV with empty
    # cells; the same rows, the same predictions by load_network(), predict and onnxruntime)
    model, frame = namespace["model"], namespace["frame"]
    expected = model.predict_proba(frame)
    assert frame.isna().any().any()
    if ONNX:
        np.testing.assert_allclose(namespace["probabilities"], expected, rtol=0, atol=1e-6)
    assert main(["predict", "penguins", "new.csv", "--proba", "--quiet"]) == 0
    written = pd.read_csv(tmp_path / "new.predictions.csv")
    columns = [f"proba_{label}" for label in model.classes_]
    np.testing.assert_allclose(written[columns].to_numpy(), expected, rtol=0, atol=1e-12)
    assert written["prediction"].tolist() == list(model.predict(frame))


def _prepare_files(code: str, folder: Path) -> None:
    """What a block takes from the commands before it: the penguins study, new.csv, the ONNX.

    The study runs 3 trials (the README's runs a minute); new.csv is its rows with empty cells
    and 30 others, the columns reversed and no species, as a user's new file would be.
    """
    if 'best_config("penguins")' in code and not (folder / "runs" / "penguins").exists():
        assert main(["run", "penguins", "--trials", "3", "--jobs", "1", "--quiet"]) == 0
        table = pd.read_csv(ROOT / "studies" / "data" / "penguins.csv")
        empty = table[table.isna().any(axis=1)]  # the rows with empty cells, and 30 others
        rows = pd.concat([empty, table.drop(empty.index).sample(30, random_state=0)])
        rows = rows.drop(columns="species")
        rows[list(reversed(rows.columns))].to_csv(folder / "new.csv", index=False)
    if "penguins.onnx" in code:
        assert main(["export", "penguins", "--format", "onnx", "--out", "penguins.onnx"]) == 0


def _defined(code: str) -> set[str]:
    tree = ast.parse(code)
    names = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names
