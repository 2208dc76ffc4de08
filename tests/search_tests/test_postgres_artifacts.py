"""Two machines, one PostgreSQL study, one shared artifact folder: every network loads anywhere.

Issue 23's test: two `dnnsearch worker` processes, each in a working directory of its own (as
two machines would be), share an artifact folder; one is killed (SIGKILL) in the middle of a
trial; from a third directory every complete trial's network then loads from the folder, the
very file its worker saved, and nothing is trained there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

import dnn
from search import StudyRecord, StudySpec, best_config
from search.accounting import tally
from search.artifacts import store_of
from search.best import load_trained
from search.record import TrialRecord
from search.storage import Heartbeat
from search.study import create_study

pytestmark = [pytest.mark.postgres, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
# Trials of ~0.5-1 s (400 points, 1,500-2,000 full-batch iterations), never pruned.
TINY = """
name = "{name}"
dataset = "planar"
n_trials = {n_trials}
n_jobs = 1
seed = 0
report_every = 100
pruner = "none"
cv_folds = 0

[space]
learning_rate = {{ low = 0.01, high = 0.1, log = true }}
num_iterations = {{ low = 1500, high = 2000, step = 500 }}
n_hidden = 1
n_units = {{ low = 4, high = 8 }}
activation = ["tanh"]
optimizer = ["gd"]
"""


def start_worker(cwd: Path, name: str, url: str, artifacts: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen(
        [sys.executable, "-m", "studies.cli", "worker", name, "--storage", url]
        + ["--artifacts", artifacts, "--quiet"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def trial_in_progress(study: optuna.Study, pid: int, timeout: float, after_one: bool) -> int:
    """A RUNNING trial of process `pid`, training; with `after_one`, once it completed a trial."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        mine = [t for t in study.get_trials(deepcopy=False) if t.user_attrs.get("pid") == pid]
        done = any(t.state == TrialState.COMPLETE for t in mine)
        running = [
            t.number
            for t in mine
            if t.state == TrialState.RUNNING and "hyperparameters" in t.user_attrs
        ]
        if running and (done or not after_one):
            return running[0]
        time.sleep(0.05)
    raise AssertionError(f"worker {pid} had no trial in progress (after_one={after_one})")


def test_networks_saved_on_two_machines_load_from_a_third(
    tmp_path, monkeypatch, postgres_url, postgres_server
):
    target = 6
    spec = StudySpec.from_dict(
        {**tomllib.loads(TINY.format(name="pg_art", n_trials=target)), "storage": postgres_url}
    )
    study = create_study(spec, heartbeat=Heartbeat(interval=1, grace_period=3))
    study.set_user_attr("target_trials", target)
    shared, first, second, third = (tmp_path / n for n in ("shared", "one", "two", "three"))
    for folder in (shared, first, second, third):
        folder.mkdir()
    # each machine names the shared folder its own way: relative from one, absolute from the other
    doomed = start_worker(first, "pg_art", postgres_url, "../shared")
    steady = None
    try:
        # the second machine joins once the first is training, so that on a loaded machine the
        # first still completes a trial and starts another before the second has done them all
        trial_in_progress(study, doomed.pid, timeout=90, after_one=False)
        steady = start_worker(second, "pg_art", postgres_url, str(shared))
        killed = trial_in_progress(study, doomed.pid, timeout=90, after_one=True)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
        out, err = steady.communicate(timeout=120)
    finally:
        for worker in (doomed, steady):
            if worker is not None and worker.poll() is None:
                worker.kill()
    assert steady.returncode == 0, err
    assert postgres_server.password not in out + err

    trials = optuna.load_study(study_name="pg_art", storage=postgres_url).get_trials()
    assert tally(trials).counted == target
    assert trials[killed].state == TrialState.FAIL  # failed by its stale heartbeat, retried
    assert StudyRecord.of(study).artifact_store == str(shared)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert {t.user_attrs["pid"] for t in complete} == {doomed.pid, steady.pid}
    assert not list(first.rglob("*.npz")) and not list(second.rglob("*.npz"))

    # the third machine: no file of its own, no training, every network from the shared folder
    monkeypatch.chdir(third)

    def no_training(self, *args, **kwargs):
        raise AssertionError("a network was trained to be loaded")

    monkeypatch.setattr(dnn.network.Network, "fit", no_training)
    store = store_of(study)
    for trial in complete:
        record = TrialRecord.from_trial(trial)
        assert record.params_path is None and record.params_artifact is not None
        loaded = load_trained(trial, store)
        saved = dnn.load_network(shared / record.params_artifact)  # the worker's own file
        for key, value in saved.parameters_.items():
            assert np.array_equal(loaded.parameters_[key], value), (trial.number, key)
    config = best_config("pg_art", postgres_url)
    assert config.load_network(final=False).parameters_
    assert not list(third.iterdir())  # downloads went to temporary files, gone since
