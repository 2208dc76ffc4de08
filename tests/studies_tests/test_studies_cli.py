"""The dnnsearch command line, in-process and as a subprocess."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from search import open_existing_study
from studies import builtin_studies, load_dataset
from studies.cli import main
from studies.datasets import BUILTIN, parity, planar
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


def test_studies_lists_every_builtin(in_tmp, capsys):
    assert main(["studies"]) == 0
    out = capsys.readouterr().out
    for name in ("digits", "breast_cancer", "planar", "moons", "circles", "parity"):
        assert name in out


def test_every_builtin_study_file_is_valid_and_names_a_loadable_data_set():
    for name in builtin_studies():
        spec = load_study_spec(name)
        x, y, x_test, _ = load_dataset(spec)
        assert x_test is None
        assert x.ndim == 2 and len(x) == len(y) and np.isfinite(x).all()
        assert len(np.unique(y)) == (10 if name == "digits" else 2)


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
    assert "best trial" in out and "test accuracy" in out and "runs/tiny/journal.log" in out
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
            {"c.csv": "a,target\n1,0\nx,1\n", "c.toml": "name='x'\ndataset='c.csv'"},
            ["run", "c.toml"],
            "column 'a' row 3 is not numeric: 'x'",
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
    assert "best trial" in done.stdout and "test accuracy" in done.stdout
    assert "[2/2]" in done.stderr
    best = run_cli("best", name, "--format", "python", cwd=tmp_path)
    assert best.returncode == 0, best.stderr
    exec(best.stdout, {})  # the printed snippet must run


@pytest.mark.integration
def test_subprocess_error_has_no_traceback(tmp_path):
    done = run_cli("run", "digitz", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
