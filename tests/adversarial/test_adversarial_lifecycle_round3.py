"""Third round of lifecycle attacks (issue 21): a run killed outright leaves no process and no
data behind; storages dnnsearch did not write are refused before anything is written; trials
that fail again and again stop the run; a sampler whose package is missing stores nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from processes import alive, descendants

from search import open_existing_study
from search.record import Failure, TrialRecord
from search.storage import open_storage
from search.workers import MAX_FAILURES, FailureStreak, TrialsFailingError
from studies.cli import main

TrialState = optuna.trial.TrialState

STUDY = """
name = "{name}"
dataset = "planar"
n_trials = {trials}
n_jobs = {jobs}
report_every = 10
pruner = "none"
cv_folds = 0
early_stopping = false
[space]
num_iterations = {iterations}
n_hidden = 1
n_units = 8
"""


def write_study(folder: Path, name: str, trials: int = 2, jobs: int = 1, iterations: int = 20):
    path = folder / f"{name}.toml"
    path.write_text(STUDY.format(name=name, trials=trials, jobs=jobs, iterations=iterations))
    return path


@pytest.mark.integration
def test_a_killed_runs_workers_end_and_the_next_run_removes_its_data(tmp_path):
    """SIGKILL of `run --jobs 2`: its loky worker used to live on (parent pid 1) and run trials
    up to the study's total; its private copy of the splits stayed in $TMPDIR."""
    write_study(tmp_path, "killed", trials=200, jobs=2, iterations=3000)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**__import__("os").environ, "TMPDIR": str(temp)}
    run = subprocess.Popen(
        [sys.executable, "-m", "studies.cli", "run", "killed.toml", "--quiet"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    journal = str(tmp_path / "runs/killed/journal.log")
    deadline = time.time() + 90
    while time.time() < deadline:  # both workers busy: this process's and the loky one's
        try:
            study = open_existing_study("killed", journal)
            if len(study.get_trials(states=(TrialState.RUNNING,))) >= 2:
                break
        except Exception:  # not stored yet
            pass
        time.sleep(0.2)
    else:
        run.kill()
        pytest.fail("the run never had two trials running")
    workers = descendants(run.pid)
    assert list(temp.glob("dnnsearch-*"))
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)
    deadline = time.time() + 20
    while time.time() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not any(alive(pid) for pid in workers), "a worker of the killed run lives on"
    again = subprocess.run(
        [sys.executable, "-m", "studies.cli", "run", "killed.toml", "--trials", "1", "--jobs", "1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert not list(temp.glob("dnnsearch-*")), "the killed run's data folder is still there"
    trials = open_existing_study("killed", journal).get_trials()
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    died = [t for t in trials if TrialRecord.from_trial(t).failure == Failure.DIED]
    assert died  # the killed run's trials: failed by the next run, not left running


def test_a_plain_optuna_study_is_refused_before_anything_is_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    journal = tmp_path / "plain.log"
    study = optuna.create_study(study_name="plain", storage=open_storage(str(journal)))
    study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=2)
    before = journal.read_bytes()
    write_study(tmp_path, "plain")
    assert main(["run", "plain.toml", "--study-name", "plain", "--storage", str(journal)]) == 2
    assert "not made by dnnsearch" in capsys.readouterr().err
    assert journal.read_bytes() == before


def test_an_empty_optuna_study_going_the_other_way_is_refused(tmp_path, monkeypatch, capsys):
    """Optuna loads a study of the same name whatever its direction: a run that minimizes log loss
    would join an empty study made to maximize, and keep the worst trial as its best."""
    monkeypatch.chdir(tmp_path)
    journal = tmp_path / "plain.log"
    storage = open_storage(str(journal))
    optuna.create_study(study_name="plain", storage=storage, direction="maximize")
    before = journal.read_bytes()
    write_study(tmp_path, "plain")  # planar, 400 examples: ranked by log loss
    assert main(["run", "plain.toml", "--study-name", "plain", "--storage", str(journal)]) == 2
    error = capsys.readouterr().err
    assert "goes maximize, not minimize as metric 'log_loss' does" in error
    assert error.count("\n") == 1 and journal.read_bytes() == before
    optuna.create_study(study_name="same", storage=storage, direction="minimize")
    assert main(["run", "plain.toml", "--study-name", "same", "--storage", str(journal)]) == 0


@pytest.mark.parametrize("stored", [5, [1, 2], "moons"])
def test_a_stored_spec_of_the_wrong_type_is_refused_by_run_and_report(
    tmp_path, monkeypatch, capsys, stored
):
    monkeypatch.chdir(tmp_path)
    write_study(tmp_path, "typed")
    assert main(["run", "typed.toml", "--quiet"]) == 0
    optuna.load_study(
        study_name="typed", storage=open_storage("runs/typed/journal.log")
    ).set_user_attr("spec", stored)
    before = Path("runs/typed/journal.log").read_bytes()
    capsys.readouterr()
    for command in (["run", "typed.toml", "--quiet"], ["report", "typed"], ["best", "typed"]):
        assert main(command) == 2, command
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "internal error" not in err, err
    assert Path("runs/typed/journal.log").read_bytes() == before


def failed(reason: str) -> optuna.trial.FrozenTrial:
    return optuna.trial.create_trial(state=TrialState.FAIL, user_attrs={"fail_reason": reason})


def test_a_worker_stops_after_failures_in_a_row_of_one_kind():
    streak = FailureStreak()
    for i in range(MAX_FAILURES - 1):
        streak(None, failed(f"diverged: training diverged at iteration {i}: cost is nan"))
    with pytest.raises(TrialsFailingError, match=r"^stopping: the last 10 trials all failed"):
        streak(None, failed("diverged: the validation r2 is nan"))


def test_a_complete_trial_or_another_kind_breaks_the_streak():
    streak = FailureStreak()
    for _ in range(MAX_FAILURES - 1):
        streak(None, failed("diverged: cost is nan"))
    streak(None, failed("worker process died"))  # another kind: the count starts again
    for _ in range(MAX_FAILURES - 2):
        streak(None, failed("diverged: cost is nan"))
    streak(None, optuna.trial.create_trial(value=0.5))
    for _ in range(2 * MAX_FAILURES):  # after a complete trial, failures are the space's
        streak(None, failed("diverged: cost is nan"))


def test_a_sampler_whose_package_is_missing_stores_nothing(tmp_path, monkeypatch, capsys):
    """`sampler = "gp"` without torch used to leave an empty journal file."""
    import search.samplers

    monkeypatch.chdir(tmp_path)
    real = search.samplers.util.find_spec
    monkeypatch.setattr(
        search.samplers.util, "find_spec", lambda name: None if name == "torch" else real(name)
    )
    path = write_study(tmp_path, "gp")
    path.write_text(path.read_text().replace('pruner = "none"', 'pruner = "none"\nsampler = "gp"'))
    assert main(["run", "gp.toml"]) == 2
    assert "'gp' needs the package 'torch'" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()
