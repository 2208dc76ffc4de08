"""One study on a real PostgreSQL server, many workers: killed workers, schema races, errors.

The server is the throwaway one of `tests/conftest.py` (each test gets an empty database).
Workers are `dnnsearch worker` subprocesses; no mocks.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import optuna
import pytest
from optuna.storages import RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState

from search import StudySpec, open_storage, redact
from search.accounting import tally
from search.storage import Heartbeat
from search.study import create_study
from studies.cli import main

pytestmark = pytest.mark.postgres

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

[space]
learning_rate = {{ low = 0.01, high = 0.1, log = true }}
num_iterations = {{ low = 1500, high = 2000, step = 500 }}
n_hidden = 1
n_units = {{ low = 4, high = 8 }}
activation = ["tanh"]
optimizer = ["gd"]
"""


def write_study(tmp_path: Path, name: str, n_trials: int) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(TINY.format(name=name, n_trials=n_trials))
    return path


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "studies.cli", *args]


def cli_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}


def run_cli(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        cli_command(*args), cwd=cwd, env=cli_env(), capture_output=True, text=True, timeout=timeout
    )


def start_worker(cwd: Path, name: str, url: str) -> subprocess.Popen:
    return subprocess.Popen(
        cli_command("worker", name, "--storage", url),
        cwd=cwd,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def trials_of(name: str, url: str) -> list[optuna.trial.FrozenTrial]:
    return optuna.load_study(study_name=name, storage=url).get_trials()


def assert_finished(trials: list[optuna.trial.FrozenTrial], n_counted: int) -> None:
    assert tally(trials).counted == n_counted
    assert not [t.number for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]


def test_run_best_and_report_on_postgres(
    tmp_path, monkeypatch, capsys, postgres_url, postgres_server
):
    study = write_study(tmp_path, "pg_run", n_trials=4)
    ran = run_cli(tmp_path, "run", str(study), "--storage", postgres_url)
    assert ran.returncode == 0, ran.stderr
    assert "[4/4]" in ran.stderr  # progress lines
    assert "4 trials in storage postgresql://dnnsearch:***@127.0.0.1" in ran.stdout
    assert postgres_server.password not in ran.stdout + ran.stderr
    assert_finished(trials_of("pg_run", postgres_url), 4)
    stored = optuna.load_study(study_name="pg_run", storage=postgres_url)
    assert stored.user_attrs["spec"]["storage"] == redact(postgres_url)
    assert postgres_server.password not in json.dumps(
        [stored.user_attrs, [(t.user_attrs, t.system_attrs) for t in stored.trials]]
    )

    monkeypatch.chdir(tmp_path)  # where `run` saved the learned parameters
    assert main(["best", "pg_run", "--storage", postgres_url]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["study"] == "pg_run"
    assert postgres_server.password not in out + err

    import reports

    if hasattr(reports, "write_report"):  # the reports package may land later
        assert main(["report", "pg_run", "--storage", postgres_url, "--out", "rep"]) == 0
        out, err = capsys.readouterr()
        assert postgres_server.password not in out + err
        for path in (tmp_path / "rep").rglob("*"):
            if path.suffix in (".md", ".html", ".csv"):
                assert postgres_server.password not in path.read_text(errors="replace"), path


def test_killed_worker_trial_is_failed_retried_and_counted_once(
    tmp_path, postgres_url, postgres_server
):
    target = 8
    text = TINY.format(name="pg_kill", n_trials=target)
    spec = StudySpec.from_dict({**tomllib.loads(text), "storage": postgres_url})
    study = create_study(spec, heartbeat=Heartbeat(interval=1, grace_period=3))
    study.set_user_attr("target_trials", target)
    workers = [start_worker(tmp_path, "pg_kill", postgres_url) for _ in range(2)]
    doomed, steady = workers
    try:
        killed = wait_for_running_trial(study, doomed.pid, timeout=60)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
        finisher = start_worker(tmp_path, "pg_kill", postgres_url)
        workers.append(finisher)
        outputs = [worker.communicate(timeout=90) for worker in (steady, finisher)]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    assert steady.returncode == 0 and finisher.returncode == 0, outputs
    trials = trials_of("pg_kill", postgres_url)
    assert_finished(trials, target)
    assert trials[killed].state == TrialState.FAIL
    retries = [
        t for t in trials if RetryHeartbeatStaleTrialCallback.retried_trial_number(t) == killed
    ]
    assert len(retries) == 1 and retries[0].params == trials[killed].params
    # The retry took the killed trial's place in the total: nothing else failed but surplus.
    others = [t for t in trials if not tally([t]).counted and t.number != killed]
    assert all(t.user_attrs.get("fail_reason", "").startswith("surplus") for t in others), others
    for out, err in outputs:
        assert postgres_server.password not in out + err
        assert "Traceback" not in err


def wait_for_running_trial(study: optuna.Study, pid: int, timeout: float) -> int:
    """The number of a RUNNING trial of process `pid`, as soon as it trains."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            if trial.user_attrs.get("pid") == pid and "hyperparameters" in trial.user_attrs:
                return trial.number
        time.sleep(0.05)
    raise AssertionError(f"worker {pid} never held a RUNNING trial")


def test_workers_opening_an_empty_database_at_once_all_succeed(postgres_url):
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def open_at_once() -> None:
        barrier.wait()
        try:
            open_storage(postgres_url)
        except BaseException as error:  # collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=open_at_once) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    optuna.create_study(storage=open_storage(postgres_url), study_name="after_race")
    assert optuna.study.get_all_study_names(postgres_url) == ["after_race"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "command", [["run", "moons", "--trials", "1"], ["worker", "x"], ["best", "x"], ["report", "x"]]
)
def test_unreachable_server_is_one_line_naming_host_and_port(
    tmp_path, monkeypatch, capsys, command
):
    monkeypatch.chdir(tmp_path)
    port = closed_port()
    url = f"postgresql+psycopg2://someone:Sekr3tPassw0rd@127.0.0.1:{port}/optuna"
    assert main([*command, "--storage", url]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("dnnsearch: error: ") and err.count("\n") == 1
    assert f"127.0.0.1:{port}" in err
    assert "Sekr3tPassw0rd" not in out + err


def test_worker_errors_are_one_line_without_traceback(tmp_path, postgres_url, postgres_server):
    """Workers on an empty database (no study yet) and one at a closed port, all at once."""
    port = closed_port()
    unreachable = f"postgresql+psycopg2://someone:Sekr3tPassw0rd@127.0.0.1:{port}/optuna"
    urls = [postgres_url, postgres_url, unreachable]
    workers = [start_worker(tmp_path, "absent", url) for url in urls]
    for worker, url in zip(workers, urls, strict=True):
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 2
        assert err.count("\n") == 1 and err.startswith("dnnsearch: error: "), err
        # an empty database: nothing to join there, and nothing is created in it
        expected = "no dnnsearch studies" if url == postgres_url else f"127.0.0.1:{port}"
        assert expected in err
        assert postgres_server.password not in out + err and "Sekr3tPassw0rd" not in out + err


def test_wrong_password_is_one_line_without_the_password(
    tmp_path, monkeypatch, capsys, postgres_server
):
    monkeypatch.chdir(tmp_path)
    url = postgres_server.url().replace(postgres_server.password, "Wr0ngPassw0rd")
    assert main(["best", "x", "--storage", url]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "password authentication failed" in err
    assert "Wr0ngPassw0rd" not in out + err and postgres_server.password not in out + err
