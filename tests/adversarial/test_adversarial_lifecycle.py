"""Lifecycle attacks: processes killed or stopped mid-study, concurrent runs, data that
changed, damaged journals, files swapped between studies. Each drives real `dnnsearch`
processes and then checks the stored study: counts, states and files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import optuna
import pytest

from search import StorageError, best_config, open_existing_study
from search.accounting import count_trials
from search.record import Failure, TrialRecord
from studies.cli import main

pytestmark = pytest.mark.integration
TrialState = optuna.trial.TrialState

SLOW_STUDY = """
name = "{name}"
dataset = "planar"
n_trials = {trials}
n_jobs = {jobs}
report_every = 10
seed = 0
pruner = "none"
early_stopping = false
[space]
num_iterations = {iterations}
n_hidden = 1
n_units = 8
"""


def write_study(
    folder: Path, name: str, trials: int, jobs: int = 1, iterations: int = 3000
) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(SLOW_STUDY.format(name=name, trials=trials, jobs=jobs, iterations=iterations))
    return path


def start(folder: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "studies.cli", *args],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def trials(folder: Path, name: str) -> list[optuna.trial.FrozenTrial]:
    return open_existing_study(name, str(folder / "runs" / name / "journal.log")).get_trials()


def wait_for(condition, seconds: float = 60.0) -> None:
    end = time.time() + seconds
    while time.time() < end:
        try:
            if condition():
                return
        except StorageError:
            pass  # the study is not stored yet
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def running(folder: Path, name: str) -> list[optuna.trial.FrozenTrial]:
    return [t for t in trials(folder, name) if t.state == TrialState.RUNNING]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and " Z " not in Path(f"/proc/{pid}/stat").read_text()


def test_sigterm_stops_every_worker_and_leaves_nothing_running(tmp_path):
    write_study(tmp_path, "term", trials=200, jobs=2)
    run = start(tmp_path, "run", "term.toml")
    wait_for(lambda: len(running(tmp_path, "term")) >= 1)
    workers = children(run.pid)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 143, err
    assert "interrupted; no trial was left running" in err and "Traceback" not in err
    assert not running(tmp_path, "term")
    wait_for(lambda: not any(alive(pid) for pid in workers), seconds=20)


def test_after_sigkill_the_next_run_fails_the_dead_trial_and_adds_its_trials(tmp_path):
    write_study(tmp_path, "killed", trials=50)
    run = start(tmp_path, "run", "killed.toml")
    wait_for(lambda: len(running(tmp_path, "killed")) == 1)
    run.kill()
    run.communicate(timeout=30)
    before = count_trials(open_existing_study("killed", str(tmp_path / "runs/killed/journal.log")))
    again = start(tmp_path, "run", "killed.toml", "--trials", "2", "--quiet")
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    stored = trials(tmp_path, "killed")
    assert not [t for t in stored if t.state == TrialState.RUNNING]
    died = [t for t in stored if TrialRecord.from_trial(t).failure == Failure.DIED]
    assert len(died) == 1
    after = count_trials(open_existing_study("killed", str(tmp_path / "runs/killed/journal.log")))
    assert after == before + 2


def test_two_runs_at_once_add_their_totals(tmp_path):
    write_study(tmp_path, "both", trials=4, iterations=1500)
    first = start(tmp_path, "run", "both.toml", "--quiet")
    wait_for(lambda: len(running(tmp_path, "both")) == 1)
    second = start(tmp_path, "run", "both.toml", "--trials", "3", "--quiet")
    for process in (first, second):
        _, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
    study = open_existing_study("both", str(tmp_path / "runs/both/journal.log"))
    assert count_trials(study) == 7


def test_the_timeout_stops_a_trial_that_would_run_for_ever(tmp_path):
    write_study(tmp_path, "endless", trials=5, iterations=10**12)
    began = time.time()
    run = start(tmp_path, "run", "endless.toml", "--timeout", "3", "--quiet")
    _, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert time.time() - began < 3 + 30  # start-up and the final lines, not 10^12 iterations
    (trial,) = [t for t in trials(tmp_path, "endless") if t.state != TrialState.FAIL]
    assert trial.state == TrialState.PRUNED
    assert "time budget" in (TrialRecord.from_trial(trial).pruned_reason or "")


def test_a_resume_on_changed_data_is_refused_and_nothing_changes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    rows = ["a,b,target"] + [f"{x:.3f},{y:.3f},{int(x > y)}" for x, y in rng.random((60, 2))]
    (tmp_path / "data.csv").write_text("\n".join(rows) + "\n")
    study = 'name = "csv"\ndataset = "data.csv"\nn_trials = 2\n[space]\nnum_iterations = 20\n'
    (tmp_path / "csv.toml").write_text(study)
    assert main(["run", "csv.toml", "--quiet"]) == 0
    (tmp_path / "data.csv").write_text("\n".join(rows[:-5]) + "\n")
    journal = (tmp_path / "runs/csv/journal.log").read_bytes()
    assert main(["run", "csv.toml", "--quiet"]) == 2
    assert (tmp_path / "runs/csv/journal.log").read_bytes() == journal


def test_repair_keeps_a_backup_and_the_study_goes_on(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_study(tmp_path, "damaged", trials=2, iterations=20)
    assert main(["run", "damaged.toml", "--quiet"]) == 0
    journal = tmp_path / "runs/damaged/journal.log"
    with open(journal, "ab") as file:
        file.write(b"{}\ngarbage\n")
    damaged = journal.read_bytes()
    capsys.readouterr()
    assert main(["best", "damaged"]) == 2
    assert "line" in capsys.readouterr().err
    assert main(["repair", "damaged"]) == 0
    (backup,) = journal.parent.glob("journal.log.*.bak")
    assert backup.read_bytes() == damaged
    assert main(["best", "damaged"]) == 0
    assert main(["run", "damaged.toml", "--trials", "1", "--quiet"]) == 0


def test_studies_of_one_name_in_two_storages_keep_their_own_networks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_study(tmp_path, "twin", trials=2, iterations=20)
    urls = [f"sqlite:///{tmp_path / name}.db" for name in ("one", "two")]
    for url, seed in zip(urls, ("1", "2"), strict=True):
        assert main(["run", "twin.toml", "--storage", url, "--seed", seed, "--quiet"]) == 0
    first, second = (best_config("twin", url) for url in urls)
    assert Path(first.params_path).parent != Path(second.params_path).parent
    first.load_network(), second.load_network()
    Path(first.params_path).write_bytes(Path(second.params_path).read_bytes())  # swapped
    with pytest.raises(StorageError, match="not the network saved"):
        first.load_network(final=False)


def test_a_link_planted_under_runs_is_replaced_not_followed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_study(tmp_path, "planted", trials=2, iterations=20)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "runs/planted/trials").mkdir(parents=True)
    for number in range(3):  # wherever the study would save a network
        (tmp_path / f"runs/planted/trials/{number}.npz").symlink_to(victim)
    assert main(["run", "planted.toml", "--quiet"]) == 0
    assert victim.read_text() == "precious"
    saved = [p for p in (tmp_path / "runs/planted/trials").iterdir() if not p.is_symlink()]
    assert saved  # the best trial's network, as a file of its own
    (tmp_path / "runs/evil").mkdir()
    (tmp_path / "runs/evil/journal.log").symlink_to(tmp_path / "elsewhere.log")
    assert main(["run", "planted.toml", "--study-name", "evil", "--quiet"]) == 2
    assert not (tmp_path / "elsewhere.log").exists()


def test_repair_of_a_damaged_record_in_the_middle_keeps_a_consistent_prefix(tmp_path, monkeypatch):
    """Dropping one line in the middle would hand later records to the wrong trials (Optuna
    numbers trials by their records' order): repair keeps what comes before the damage."""
    monkeypatch.chdir(tmp_path)
    write_study(tmp_path, "middle", trials=4, iterations=20)
    assert main(["run", "middle.toml", "--quiet"]) == 0
    journal = tmp_path / "runs/middle/journal.log"
    lines = journal.read_bytes().split(b"\n")
    creates = [i for i, line in enumerate(lines) if b'"op_code":4' in line.replace(b" ", b"")]
    lines[creates[2]] = b"garbage"  # the third trial's creation
    journal.write_bytes(b"\n".join(lines))
    assert main(["repair", "middle"]) == 0
    kept = trials(tmp_path, "middle")
    assert [t.number for t in kept] == [0, 1]
    assert all(t.state != TrialState.RUNNING for t in kept)
    assert main(["run", "middle.toml", "--trials", "1", "--quiet"]) == 0
    after = trials(tmp_path, "middle")
    assert len(after) == 3 and not [t for t in after if t.state == TrialState.RUNNING]


def test_two_studies_in_one_journal_file_keep_their_own_networks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shared = str(tmp_path / "shared" / "journal.log")
    for name in ("first", "second"):
        write_study(tmp_path, name, trials=2, iterations=20)
        assert main(["run", f"{name}.toml", "--storage", shared, "--quiet"]) == 0
    first, second = (best_config(name, shared) for name in ("first", "second"))
    assert Path(first.params_path).parent != Path(second.params_path).parent
    first.load_network(final=False), second.load_network(final=False)  # neither overwritten


@pytest.mark.parametrize("attempt", range(3))
def test_two_runs_started_at_the_same_moment_add_their_totals(tmp_path, attempt):
    """Both used to read the study before either wrote its total, and the study then ended
    with one run's trials; on a journal file they now take turns to set it."""
    write_study(tmp_path, "twins", trials=3, iterations=20)
    runs = [start(tmp_path, "run", "twins.toml", "--quiet") for _ in range(2)]
    for process in runs:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    study = open_existing_study("twins", str(tmp_path / "runs/twins/journal.log"))
    assert count_trials(study) == 6
    params = [tuple(sorted(t.params.items())) for t in study.get_trials()]
    assert len(set(params)) == len(params)  # the second run did not re-propose the first's
