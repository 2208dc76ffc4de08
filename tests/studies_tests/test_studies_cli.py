"""The dnnsearch command line, in-process and as a subprocess."""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from search import open_existing_study
from search.folds import default_metric
from studies import builtin_studies, load_dataset
from studies.cli import main
from studies.datasets import (
    BUILTIN,
    BUILTIN_TABLES,
    DataError,
    diabetes,
    friedman1,
    parity,
    penguins,
    planar,
)
from studies.loader import load_study_spec

TINY = """
name = "{name}"
dataset = "{dataset}"
n_trials = 3
n_jobs = 1
report_every = 10
{extra}
[space]
learning_rate = {{ low = 0.01, high = 0.5, log = true }}
num_iterations = {{ low = 20, high = 40, step = 20 }}
n_hidden = {{ low = 1, high = 2 }}
n_units = {{ low = 2, high = 8 }}
optimizer = ["gd", "adam"]
"""


def write_study(folder: Path, name="tiny", dataset="moons", extra="") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(TINY.format(name=name, dataset=dataset, extra=extra))
    return path


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "studies.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


TASKS = {
    "digits": "classification",
    "breast_cancer": "classification",
    "planar": "classification",
    "moons": "classification",
    "circles": "classification",
    "parity": "classification",
    "penguins": "classification",
    "diabetes": "regression",
    "friedman1": "regression",
}


def test_studies_lists_every_builtin_with_its_task(in_tmp, capsys):
    assert main(["studies"]) == 0
    lines = {line.split()[0]: line.split()[1] for line in capsys.readouterr().out.splitlines()}
    assert lines == TASKS
    assert set(builtin_studies()) == set(BUILTIN) == set(TASKS)  # one study per data set


def test_every_builtin_study_file_is_valid_and_names_a_loadable_data_set():
    classes = {"digits": 10, "penguins": 3}
    for name in builtin_studies():
        spec = load_study_spec(name)
        assert spec.task == TASKS[name] and spec.dataset == name
        x, y, x_test, _ = load_dataset(spec)
        assert x_test is None and x.ndim == 2 and len(x) == len(y)
        if name == "penguins":  # a table: its empty cells are the encoder's
            assert isinstance(x, pd.DataFrame) and x.isna().sum().sum() == 19
            continue
        assert np.isfinite(x).all()
        if spec.task == "regression":
            assert spec.metric == "r2" and y.dtype == np.float64 and len(np.unique(y)) > 100
        else:
            assert len(np.unique(y)) == classes.get(name, 2)


def test_the_regression_data_sets_are_the_documented_ones():
    x, y = diabetes()
    assert x.shape == (442, 10) and y.min() == 25 and y.max() == 346
    x1, y1 = friedman1()
    x2, y2 = friedman1()
    np.testing.assert_array_equal(y1, y2)
    assert x1.shape == (2000, 10) and 0 <= x1.min() and x1.max() <= 1
    noiseless = (
        10 * np.sin(np.pi * x1[:, 0] * x1[:, 1])
        + 20 * (x1[:, 2] - 0.5) ** 2
        + 10 * x1[:, 3]
        + 5 * x1[:, 4]
    )
    assert 0.9 < np.std(y1 - noiseless) < 1.1  # noise 1.0


def test_penguins_is_the_shipped_table_read_without_palmerpenguins(monkeypatch):
    monkeypatch.setitem(sys.modules, "palmerpenguins", None)  # importing it would fail
    x, y = penguins()
    assert x.shape == (344, 7) and list(x.columns) == [
        "island",
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "sex",
        "year",
    ]
    assert dict(zip(*np.unique(y, return_counts=True), strict=True)) == {
        "Adelie": 152,
        "Chinstrap": 68,
        "Gentoo": 124,
    }
    assert x["sex"].isna().sum() == 11 and set(x["island"]) == {"Biscoe", "Dream", "Torgersen"}
    x, y = penguins("year")  # the study file names the target: any column
    assert "species" in x.columns and set(y) == {2007, 2008, 2009}
    with pytest.raises(DataError, match="^penguins: target column 'body_mass_g' line 5 is 'NA'"):
        penguins("body_mass_g", "regression")
    with pytest.raises(
        DataError, match=r"^penguins: no target column 'target' \(columns: 'species'"
    ):
        load_dataset(load_study_spec("penguins").replace(target="target"))


def test_package_data_ships_every_builtin_study_and_table():
    """pyproject's package-data globs match every file the loaders read from the package."""
    config = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["studies"]
    folder = resources.files("studies")
    shipped = [f"builtin/{name}.toml" for name in builtin_studies()]
    shipped += [*BUILTIN_TABLES.values(), "data/README.md"]
    for name in shipped:
        assert (folder / name).is_file(), name
        assert any(fnmatch.fnmatch(name, pattern) for pattern in globs), name


def test_generated_data_sets_are_seeded_and_right():
    x1, y1 = planar()
    x2, y2 = planar()
    np.testing.assert_array_equal(x1, x2)
    assert x1.shape == (400, 2) and set(y1) == {0, 1}
    x, y = parity(4)
    assert x.shape == (16, 4)
    assert (y == x.sum(axis=1) % 2).all() and y.sum() == 8


def test_run_best_in_process(in_tmp, capsys):
    study = write_study(in_tmp)
    assert main(["run", str(study), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "best trial" in out and "test log_loss" in out and "runs/tiny/journal.log" in out
    assert "test scores: accuracy" in out  # beside the metric the trials were ranked by
    assert (in_tmp / "runs" / "tiny" / "journal.log").exists()
    assert main(["best", "tiny"]) == 0
    best = json.loads(capsys.readouterr().out)
    assert best["study"] == "tiny" and best["layer_dims"][0] == 2 and best["layer_dims"][-1] == 1
    assert main(["best", "tiny", "--format", "python"]) == 0
    namespace: dict = {}
    exec(capsys.readouterr().out, namespace)  # the printed snippet must run
    assert (
        namespace["net"].get_params()["hidden_layers"] == best["hyperparameters"]["hidden_layers"]
    )


def test_run_flags_override_the_study_file(in_tmp, capsys):
    study = write_study(in_tmp)
    assert (
        main(
            ["run", str(study), "--trials", "2", "--study-name", "other", "--seed", "3", "--quiet"]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["best", "other"]) == 0
    assert json.loads(capsys.readouterr().out)["study"] == "other"
    stored = open_existing_study("other")
    assert len(stored.trials) == 2 and stored.user_attrs["spec"]["seed"] == 3
    assert not (in_tmp / "runs" / "tiny").exists()


def test_an_explicit_number_of_trials_replaces_the_files_time_budget(in_tmp, capsys):
    study = write_study(in_tmp, extra="timeout = 0.001")  # would stop after the first trial
    assert main(["run", str(study), "--trials", "3", "--quiet"]) == 0
    stored = open_existing_study("tiny")
    assert len(stored.trials) == 3 and "timeout" not in stored.user_attrs["spec"]
    assert main(["run", str(study), "--quiet"]) == 0  # the file's budget: time is up at once
    assert len(open_existing_study("tiny").trials) < 6
    capsys.readouterr()


def test_csv_and_npz_data_sets(in_tmp, capsys):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((120, 3))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    lines = ["a,b,c,label"] + [f"{r[0]},{r[1]},{r[2]},{t}" for r, t in zip(x, y, strict=True)]
    (in_tmp / "data.csv").write_text("\n".join(lines))
    np.savez(in_tmp / "data.npz", X=x, y=y)
    csv_study = write_study(in_tmp, "csv", "data.csv", extra='target = "label"')
    npz_study = write_study(in_tmp, "npz", "data.npz")
    assert main(["run", str(csv_study), "--quiet"]) == 0
    assert main(["run", str(npz_study), "--quiet"]) == 0
    assert "best trial" in capsys.readouterr().out


def error_of(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("dnnsearch") and "\n" not in err and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(
    ("files", "args", "expected"),
    [
        ({}, ["run", "digitz"], "unknown study (did you mean 'digits'?)"),
        ({}, ["run", "missing.toml"], "missing.toml: no such study file"),
        ({"bad.toml": "name = 'x'\ndataset = "}, ["run", "bad.toml"], "bad.toml: not valid TOML"),
        (
            {"typo.toml": "name='x'\ndataset='moons'\nsamplr='tpe'"},
            ["run", "typo.toml"],
            "samplr: unknown key (did you mean 'sampler'?)",
        ),
        (
            {"v.toml": "name='x'\ndataset='moons'\n[space]\nlearning_rate={low=1,high=0.1}"},
            ["run", "v.toml"],
            "space.learning_rate: low (1.0) > high (0.1)",
        ),
        (
            {"d.toml": "name='x'\ndataset='nope.csv'"},
            ["run", "d.toml"],
            "dataset: no such file 'nope.csv'",
        ),
        (
            {"n.toml": "name='x'\ndataset='iris'"},
            ["run", "n.toml"],
            "dataset: unknown data set 'iris'",
        ),
        (
            {"c.csv": "a,b,target\n1,,0\nx,,1\n", "c.toml": "name='x'\ndataset='c.csv'"},
            ["run", "c.toml"],
            "c.csv: column 'b' has every cell missing",
        ),
        (
            {
                "r.csv": "a,target\n1,2\n2,-\n3,4\n",
                "r.toml": "name='x'\ndataset='r.csv'\ntask='regression'",
            },
            ["run", "r.toml"],
            "r.csv: target column 'target' line 3 is '-', not a number",
        ),
        (
            {"t.csv": "a,b\n1,0\n2,1\n", "t.toml": "name='x'\ndataset='t.csv'"},
            ["run", "t.toml"],
            "no target column 'target'",
        ),
        ({}, ["best", "nothing"], "no study storage at runs/nothing/journal.log"),
        ({}, ["report", "nothing"], "no study storage"),
        (
            {},
            ["run", "digits", "--storage", "postgresql+psycopg2://u:secret@127.0.0.1:1/db"],
            "cannot reach PostgreSQL at 127.0.0.1:1",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(in_tmp, capsys, files, args, expected):
    for name, text in files.items():
        (in_tmp / name).write_text(text)
    assert main(args) == 2
    err = error_of(capsys)
    assert expected in err
    assert "secret" not in err
    assert not (in_tmp / "runs" / "x").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "digits", "--jobs", "0"], "--jobs: must be >= 1"),
        (["run", "digits", "--trials", "x"], "--trials"),
        (["best", "x", "--format", "yaml"], "--format"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_flags_are_one_line(in_tmp, capsys, args, expected):
    assert main(args) == 2  # returned, not raised: main() is also called in-process
    assert expected in error_of(capsys)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_failing_commands_leave_the_stored_study_untouched(in_tmp, capsys):
    study = write_study(in_tmp)
    assert main(["run", str(study), "--quiet"]) == 0
    journal = in_tmp / "runs" / "tiny" / "journal.log"
    before = digest(journal)
    changed = in_tmp / "changed.toml"
    changed.write_text(study.read_text().replace("high = 2 }", "high = 3 }"))
    assert main(["run", str(changed), "--quiet"]) == 2
    assert "space: study 'tiny' already exists" in error_of(capsys)
    for args in (["run", str(study), "--jobs", "0"], ["best", "tiny", "--format", "xml"]):
        assert main(args) == 2
    assert main(["best", "tinyy"]) == 2
    assert digest(journal) == before


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_each_builtin_study_runs_end_to_end_as_a_subprocess(tmp_path, name):
    done = run_cli("run", name, "--trials", "2", "--jobs", "1", "--seed", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    spec = load_study_spec(name)
    stored = json.loads(run_cli("best", name, "--format", "json", cwd=tmp_path).stdout)
    # the file's own metric, else by the examples trials learn and are scored on (2nd line)
    n_examples = int(re.search(r"^(\d+) examples, ", done.stderr, re.MULTILINE).group(1))
    expected = default_metric(spec.problem, n_examples) if spec.metric_by_default else spec.metric
    assert stored["metric"] == expected
    assert "best trial" in done.stdout and f"test {stored['metric']}" in done.stdout
    assert "[2/2]" in done.stderr
    best = run_cli("best", name, "--format", "python", cwd=tmp_path)
    assert best.returncode == 0, best.stderr
    exec(best.stdout, {})  # the printed snippet must run


@pytest.mark.integration
def test_subprocess_error_has_no_traceback(tmp_path):
    done = run_cli("run", "digitz", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_a_reader_that_goes_away_ends_the_command_quietly():
    """`dnnsearch studies | head -1`: no error line when the pipe's reader has gone."""
    import os
    import subprocess
    import sys

    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first write
    process = subprocess.run(
        [sys.executable, "-m", "studies.cli", "studies"], stdout=write, stderr=subprocess.PIPE
    )
    os.close(write)
    assert process.returncode == 141 and process.stderr == b""


@pytest.mark.parametrize(
    ("flag", "value", "expected"),
    [
        ("--trials", "abc", "argument --trials: must be a whole number >= 1, got 'abc'"),
        ("--trials", "2.5", "argument --trials: must be a whole number >= 1, got '2.5'"),
        ("--jobs", "two", "argument --jobs: must be a whole number >= 1, got 'two'"),
        ("--timeout", "soon", "argument --timeout: must be a number > 0, got 'soon'"),
    ],
)
def test_a_flag_that_is_not_a_number_is_named_not_the_parser(in_tmp, capsys, flag, value, expected):
    """Was: `invalid _positive_int value: 'abc'`, a function's name in front of the user."""
    assert main(["run", "moons", flag, value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err and "_positive" not in err
    assert not (in_tmp / "runs").exists()


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["run", "moons", "--storage", ""], "--storage"),
        (["best", "moons", "--storage", " "], "--storage"),
        (["report", "moons", "--out", ""], "--out"),
        (["export", "moons", "--format", "onnx", "--out", ""], "--out"),
        (["predict", "moons", "data.csv", "--out", ""], "--out"),
        (["predict", "moons", ""], "DATA"),
        (["compare", "a", "b", "--out", ""], "--out"),
    ],
)
def test_an_empty_path_or_storage_is_refused_not_taken_as_a_default(in_tmp, capsys, args, flag):
    """Was: `--out ''` wrote a report into the current folder (`Path('')` is `.`), `--storage ''`
    read the default storage."""
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"argument {flag}: must not be empty, got " in err
    assert list(in_tmp.iterdir()) == []
