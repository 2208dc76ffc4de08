"""Issue 21's reproductions that no other test of the corpus held, each as a user met it.

- section 1: the `postgres` extra installs the driver SQLAlchemy picks for a plain
  `postgresql://` URL (the extra installed psycopg2, SQLAlchemy 2.1 picks psycopg 3);
- section 4: a run whose every trial fails stops after `MAX_FAILURES` of them, with one line;
- section 7: a CSV larger than the address space the process may use (`ulimit -v`) is refused
  before it is read, not read into a MemoryError; a column written Excel-style (`"1,234"`) is
  read as numbers by a run.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import optuna
import pytest

from studies.cli import main

ROOT = Path(__file__).resolve().parents[2]


def one_line(err: str) -> None:
    assert err.count("\n") == 1 and err.startswith("dnnsearch: error: "), err


# -- section 1 ----------------------------------------------------------------------------


def test_the_postgres_extra_installs_the_driver_of_a_plain_postgresql_url():
    """Was: `Failed to import DB access module` for `postgresql://` (and `postgres://`, which
    dnnsearch reads as it): the extra installed psycopg2 only."""
    from sqlalchemy.engine.url import make_url

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    installed = {
        re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0] for requirement in extras["postgres"]
    }
    driver = make_url("postgresql://u@127.0.0.1/db").get_dialect().driver
    assert driver in installed, f"postgresql:// needs {driver}; the extra installs {installed}"


# -- section 4 ----------------------------------------------------------------------------

DIVERGING = """
name = "diverging"
dataset = "d.npz"
task = "regression"
n_trials = 30
n_jobs = 1
cv_folds = 0
report_every = 10
pruner = "none"
early_stopping = false
[space]
num_iterations = 100
learning_rate = 1e30
optimizer = "gd"
n_hidden = 2
n_units = 16
"""


def test_a_run_whose_every_trial_fails_stops_after_ten_with_one_line(tmp_path, monkeypatch, capsys):
    """Was: every trial failed and the run went on (`run --trials 1` ran 148 trials); a space
    that makes every trial diverge ran all 30 and exited 0."""
    from search import open_existing_study
    from search.workers import MAX_FAILURES

    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3))
    np.savez(tmp_path / "d.npz", X=x, y=x @ [1.0, -2.0, 0.5] + rng.normal(size=100))
    (tmp_path / "d.toml").write_text(DIVERGING)
    assert main(["run", "d.toml", "--quiet"]) == 2
    err = capsys.readouterr().err
    one_line(err)
    assert f"stopping: the last {MAX_FAILURES} trials all failed" in err
    trials = open_existing_study("diverging", "runs/diverging/journal.log").get_trials()
    assert len(trials) == MAX_FAILURES
    assert {t.state for t in trials} == {optuna.trial.TrialState.FAIL}


# -- section 7 ----------------------------------------------------------------------------


def _address_space(limit: int):
    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))

    return set_limit


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc: Linux")
def test_a_csv_larger_than_the_address_space_left_is_refused_before_it_is_read(tmp_path):
    """Was: read whole, twice, until `internal error: MemoryError`, exit 1 (the memory check
    read only the machine's free memory, not `ulimit -v`)."""
    table = tmp_path / "big.csv"
    table.write_text("a,b,target\n")
    os.truncate(table, 2 * 2**30)  # sparse: takes no disk
    (tmp_path / "big.toml").write_text('name = "big"\ndataset = "big.csv"\nn_trials = 1\n')
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "studies.cli", "run", "big.toml", "--quiet"],
        cwd=tmp_path,
        env=env,
        preexec_fn=_address_space(3 * 2**30),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 2, run.stderr
    one_line(run.stderr)
    assert "big.csv: 2.0 GiB of CSV needs about" in run.stderr
    assert not (tmp_path / "runs").exists()


def test_a_column_written_excel_style_is_read_as_numbers_by_a_run(tmp_path, monkeypatch, capsys):
    """Was: `"1,234"` made one constant `<other>` column, dropped: `no column left to encode`."""
    monkeypatch.chdir(tmp_path)
    prices = np.random.default_rng(0).integers(500, 5000, 120)
    lines = ["price,target", *(f'"{p:,}",{int(p > 2500)}' for p in prices)]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "t.toml").write_text(
        'name = "t"\ndataset = "t.csv"\nn_trials = 1\ncv_folds = 0\n'
        "[space]\nnum_iterations = 20\nn_hidden = 1\nn_units = 4\n"
    )
    assert main(["run", "t.toml"]) == 0
    assert "encoded from 1 columns (1 numeric, 0 categorical, 0 dropped)" in capsys.readouterr().err
