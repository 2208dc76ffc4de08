"""A run with a time budget (`timeout`) ends within it, plus a little: trials, workers, scoring."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import optuna
import pytest

import dnn
from search import StudySpec, open_existing_study, run_study
from search.final import NOT_SCORED, finish
from search.objective import TIME_BUDGET
from search.prepare import split_data
from search.progress import closing_lines
from search.record import StudyRecord, TrialRecord
from search.tasks import Classification
from search.workers import WORKER_GRACE, _finished_in_time

TIMEOUT = 2
SLACK = 5  # loose on purpose: the machine may be busy; what is caught is a run of minutes


def load_blobs(spec):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 2))
    return x, (x[:, 0] + x[:, 1] > 0).astype(int)


def budget_spec(tmp_path, num_iterations: int, **fields) -> StudySpec:
    return StudySpec.from_dict(
        {
            "name": "budget",
            "dataset": "blobs",
            "storage": str(tmp_path / "budget" / "journal.log"),
            "n_trials": 100_000,
            "timeout": TIMEOUT,
            "cv_folds": 0,
            "sampler": "random",
            "pruner": "none",
            "report_every": 10,
            "space": {"num_iterations": num_iterations, "n_hidden": 1, "n_units": 4},
            **fields,
        }
    )


class SlowRefit(dnn.NetworkClassifier):
    """A network whose training on training + validation (a refit: more rows than a trial's
    120) takes minutes, reporting its cost every 50 ms."""

    fits = 0

    def fit(self, x, y, **kwargs):
        if len(y) <= 120:
            return super().fit(x, y, **kwargs)
        SlowRefit.fits += 1
        for i in range(2000):
            time.sleep(0.05)
            if self.callback is not None:
                self.callback(i, 1.0)
        return super().fit(x, y, **kwargs)


def test_trials_that_would_train_for_minutes_stop_at_the_deadline(tmp_path):
    # without early stopping, which would end them long before (on their own)
    spec = budget_spec(tmp_path, num_iterations=10_000_000, early_stopping=False)
    start = time.time()
    result = run_study(spec, load_blobs, progress=None)
    assert time.time() - start < TIMEOUT + SLACK
    trials = open_existing_study(spec.name, spec.storage).get_trials()
    assert trials and result.best_trial is None
    assert {TrialRecord.from_trial(t).pruned_reason for t in trials} == {TIME_BUDGET}


def test_a_refit_that_cannot_end_in_time_is_stopped_and_the_trials_network_scored(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(Classification, "network", SlowRefit)
    monkeypatch.setattr(SlowRefit, "fits", 0)
    spec = budget_spec(tmp_path, num_iterations=20, refit=True, ensemble=0)  # a refit, surely
    start = time.time()
    result = run_study(spec, load_blobs, progress=None)
    assert time.time() - start < TIMEOUT + SLACK
    assert result.best_trial is not None and SlowRefit.fits == 1  # started, then stopped
    # the best trial's own network, saved already, is scored instead; stored as not refit,
    # so that the next run retrains and scores again
    assert result.not_scored is None and not result.test_refit and result.test_scores
    study = open_existing_study(spec.name, spec.storage)
    stored = StudyRecord.of(study).best_test
    assert stored is not None and not stored.refit and stored.trial == result.best_trial
    first = closing_lines(spec, result)[0]
    assert first.endswith("(the best trial's own network: the time budget left no time to "
                          "retrain it; the next run does)")  # fmt: skip
    # without that network on this machine, with no time left: not scored, and said so
    splits = split_data(spec, load_blobs)
    best = study.trials[result.best_trial]
    Path(TrialRecord.from_trial(best).params_path).unlink()
    again = finish(spec, study, splits, 0.0, cutoff=time.time() - 1)
    assert again.not_scored == NOT_SCORED and SlowRefit.fits == 1  # not even started
    first = closing_lines(spec, again)[0]
    assert first.endswith("n/a (final scoring not done (time budget); the next run scores it)")


def test_workers_still_busy_past_the_deadline_are_not_waited_for():
    release = threading.Event()
    with ThreadPoolExecutor(2) as pool:
        done, busy = pool.submit(lambda: 1), pool.submit(release.wait, 30)
        done.result()
        start = time.time()
        assert not _finished_in_time([done, busy], deadline=start)
        assert time.time() - start < WORKER_GRACE + 0.5
        assert _finished_in_time([done], deadline=start - 10)
        release.set()
        assert _finished_in_time([done, busy], deadline=None)  # no budget: wait for all
        failing = pool.submit(lambda: 1 / 0)
        with pytest.raises(ZeroDivisionError):  # a worker's error still reaches the run
            _finished_in_time([failing], deadline=time.time() + 5)


optuna.logging.set_verbosity(optuna.logging.ERROR)


def test_a_trial_stops_within_an_epoch_of_the_deadline_between_two_reports(tmp_path):
    """Reports every 100,000 epochs: the clock is still read at every epoch."""
    spec = budget_spec(tmp_path, num_iterations=10_000_000, report_every=100_000)
    start = time.time()
    run_study(spec, load_blobs, progress=None)
    assert time.time() - start < TIMEOUT + SLACK
    trials = open_existing_study(spec.name, spec.storage).get_trials()
    assert {TrialRecord.from_trial(t).pruned_reason for t in trials} == {TIME_BUDGET}


def test_a_timeout_without_n_trials_searches_until_the_deadline(tmp_path):
    """With only a time budget a study used to stop at its default 30 trials (12-25 s of a
    60 s budget in the tables benchmark)."""
    spec = budget_spec(tmp_path, num_iterations=10).replace(n_trials=None)
    assert spec.trials is None
    start = time.time()
    result = run_study(spec, load_blobs, progress=None)
    wall = time.time() - start
    assert result.n_counted > 30  # many more than the old default
    assert TIMEOUT <= wall < TIMEOUT + SLACK


def test_neither_n_trials_nor_timeout_runs_the_default_number(tmp_path):
    spec = budget_spec(tmp_path, num_iterations=5).replace(n_trials=None, timeout=None)
    assert spec.trials == 30
    assert run_study(spec, load_blobs, progress=None).n_counted == 30


def test_the_default_jobs_are_the_machines_cores(monkeypatch):
    import os

    import search.machine
    import search.spec

    monkeypatch.setattr(search.spec, "default_jobs", search.machine.default_jobs)  # the real one
    spec = StudySpec.from_dict({"name": "jobs", "dataset": "blobs"})
    assert spec.n_jobs is None
    assert spec.jobs == min(len(os.sched_getaffinity(0)), search.machine.MAX_DEFAULT_JOBS)
    assert spec.replace(n_jobs=1).jobs == 1
