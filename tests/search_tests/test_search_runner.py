"""Whole studies on a journal file: reproducibility, resume, best_config, parallel workers."""

from __future__ import annotations

import io
import os
import signal
import threading
import time

import numpy as np
import optuna
import pytest
from sklearn.datasets import make_moons

from dnn import DeepNetwork
from search import (
    StorageError,
    StudyMismatchError,
    StudySpec,
    best_config,
    open_existing_study,
    run_study,
)
from search.accounting import count_trials
from search.data import stratified_split
from search.progress import closing_lines
from studies.datasets import load_dataset

TrialState = optuna.trial.TrialState


def load_moons(spec):
    return make_moons(n_samples=300, noise=0.2, random_state=0)


def tiny_spec(tmp_path, name="tiny", space=None, **overrides):
    raw = {
        "name": name,
        "dataset": "moons",
        "n_trials": 4,
        "report_every": 10,
        "cv_folds": 0,
        "storage": str(tmp_path / name / "journal.log"),
        "space": {
            "learning_rate": {"low": 0.01, "high": 0.5, "log": True},
            "num_iterations": {"low": 20, "high": 60, "step": 20},
            "n_hidden": {"low": 1, "high": 2},
            "n_units": {"low": 2, "high": 8},
            "optimizer": ["gd", "adam"],
        },
    }
    raw["space"].update(space or {})
    return StudySpec.from_dict({**raw, **overrides})


def trials_of(spec):
    return open_existing_study(spec.name, spec.storage).get_trials()


def test_seeded_study_is_reproducible_with_one_job(tmp_path):
    a = tiny_spec(tmp_path / "a")
    b = tiny_spec(tmp_path / "b")
    run_study(a, load_moons, progress=None)
    run_study(b, load_moons, progress=None)
    first, second = trials_of(a), trials_of(b)
    assert [t.params for t in first] == [t.params for t in second]
    assert [t.values for t in first] == [t.values for t in second]


def test_run_reports_progress_and_scores_the_best_on_test(tmp_path):
    stream = io.StringIO()
    result = run_study(tiny_spec(tmp_path), load_moons, progress=stream)
    header, data, *lines = stream.getvalue().splitlines()
    assert header == (
        "study 'tiny' on moons: binary classification, 2 classes (0: 120, 1: 120); "
        "one 20% validation split"
    )
    assert data.startswith("240 examples, 60 for test; n_x = 2; 4 trials, 1 jobs")
    assert "storage" in data
    assert (
        len(lines) == 4
        and lines[-1].startswith("[4/4]")
        and "best" in lines[-1]
        and "left" in lines[-1]
    )
    assert result.n_counted == 4 and 0.5 < result.test_accuracy <= 1
    study = open_existing_study("tiny", result.storage)
    assert study.user_attrs["best_test"] == {
        "trial": result.best_trial,
        "refit": False,
        "test_accuracy": result.test_accuracy,
        "test_scores": result.test_scores,
    }
    assert result.test_scores["accuracy"] == result.test_accuracy
    assert study.user_attrs["spec"]["name"] == "tiny"


def test_the_final_model_is_refit_on_train_and_validation(tmp_path):
    spec = tiny_spec(tmp_path, refit=True)
    result = run_study(spec, load_moons, progress=None)
    stored = open_existing_study(spec.name, spec.storage).user_attrs["best_test"]
    assert stored["refit"] and stored["params_path"] == str(tmp_path / "tiny" / "best.npz")
    config = best_config(spec.name, spec.storage)
    splits = stratified_split(*load_moons(spec), 0.2, 0.2, 0)
    both = DeepNetwork(**config.hyperparameters).fit(
        np.vstack([splits.X_train, splits.X_val]), np.concatenate([splits.y_train, splits.y_val])
    )
    final = config.load_network()
    assert final.score(splits.X_test, splits.y_test) == result.test_accuracy
    for key, value in both.parameters_.items():
        np.testing.assert_array_equal(final.parameters_[key], value)
    own = config.load_network(final=False)
    assert not np.array_equal(own.parameters_["W1"], final.parameters_["W1"])


def test_cross_validated_study_scores_the_refit_best_configuration(tmp_path):
    spec = tiny_spec(tmp_path, cv_folds=3)
    result = run_study(spec, load_moons, progress=None)
    config = best_config(spec.name, spec.storage)
    assert config.final_params_path == str(tmp_path / "tiny" / "best.npz")
    splits = stratified_split(*load_moons(spec), 0.2, 0.2, 0)
    both = DeepNetwork(**config.hyperparameters).fit(
        np.vstack([splits.X_train, splits.X_val]), np.concatenate([splits.y_train, splits.y_val])
    )
    assert both.score(splits.X_test, splits.y_test) == result.test_accuracy
    complete = [t for t in trials_of(spec) if t.state == TrialState.COMPLETE]
    assert complete and all(len(t.user_attrs["fold_val_accuracy"]) == 3 for t in complete)
    assert config.scored_on == "3-fold CV" and "# Best trial" in config.to_python()
    assert "3-fold CV log_loss" in config.to_python().splitlines()[0]  # the default metric


def test_by_default_the_best_trial_itself_is_scored(tmp_path):
    spec = tiny_spec(tmp_path)
    result = run_study(spec, load_moons, progress=None)
    config = best_config(spec.name, spec.storage)
    splits = stratified_split(*load_moons(spec), 0.2, 0.2, 0)
    assert config.final_params_path is None
    assert config.load_network().score(splits.X_test, splits.y_test) == result.test_accuracy


def test_running_again_resumes_the_study(tmp_path):
    spec = tiny_spec(tmp_path)
    run_study(spec, load_moons, progress=None)
    run_study(spec.replace(n_trials=3), load_moons, progress=None)
    trials = trials_of(spec)
    assert len(trials) == 7 and [t.number for t in trials] == list(range(7))


def test_a_changed_definition_is_refused_and_nothing_changes(tmp_path):
    spec = tiny_spec(tmp_path)
    run_study(spec, load_moons, progress=None)
    changed = StudySpec.from_dict({**spec.to_dict(), "space": {"n_hidden": 3}})
    with pytest.raises(StudyMismatchError, match="^space:"):
        run_study(changed, load_moons, progress=None)
    assert len(trials_of(spec)) == 4


def test_a_study_stored_before_a_new_hyperparameter_still_resumes(tmp_path):
    """A study stored before dropout existed has no keep_prob in its space; it trained with
    today's default (1.0), so it is the same definition and resumes."""
    spec = tiny_spec(tmp_path)
    run_study(spec, load_moons, progress=None)
    study = open_existing_study(spec.name, spec.storage)
    old = {**spec.to_dict(), "metric": study.user_attrs["spec"]["metric"]}  # decided by size
    for key in ("keep_prob", "input_keep_prob"):
        del old["space"][key]
    study.set_user_attr("spec", old)
    run_study(spec.replace(n_trials=2), load_moons, progress=None)
    assert len(trials_of(spec)) == 6
    # a real change is still refused, naming what differs
    with pytest.raises(StudyMismatchError, match=r"^space: .* with keep_prob = 1.0; "):
        changed = {**spec.to_dict(), "space": {**spec.to_dict()["space"], "keep_prob": 0.5}}
        run_study(StudySpec.from_dict(changed), load_moons, progress=None)


def test_a_study_ranked_by_accuracy_resumes_under_a_file_that_names_no_metric(tmp_path):
    """Before log loss was the default on small data, a study file without `metric` stored
    "accuracy": the same file resumes that study by accuracy; a file that names another metric is
    refused."""
    old = tiny_spec(tmp_path, metric="accuracy")
    run_study(old, load_moons, progress=None)
    unnamed = tiny_spec(tmp_path, n_trials=2)
    assert unnamed.metric_by_default and unnamed.decided(200).metric == "log_loss"  # a new study's
    result = run_study(unnamed, load_moons, progress=None)
    study = open_existing_study(old.name, old.storage)
    assert len(study.trials) == 6 and study.direction == optuna.study.StudyDirection.MAXIMIZE
    assert result.best_value == max(t.value for t in study.trials if t.value is not None)
    assert StudySpec.from_stored(study.user_attrs["spec"]).metric == "accuracy"  # as stored
    first = closing_lines(unnamed, result)[0]  # what `dnnsearch run` prints: the study's metric
    assert f"test accuracy {result.test_scores['accuracy']:.4f}" in first
    assert "log_loss" not in first
    for named in (tiny_spec(tmp_path, metric="log_loss"), unnamed.replace(metric="log_loss")):
        with pytest.raises(StudyMismatchError, match=r"^metric: "):
            run_study(named, load_moons, progress=None)
    assert len(open_existing_study(old.name, old.storage).trials) == 6
    # a new study of the same file is ranked by log loss, lowest first
    fresh = run_study(tiny_spec(tmp_path, name="fresh"), load_moons, progress=None)
    values = [t.value for t in trials_of(tiny_spec(tmp_path, name="fresh")) if t.value is not None]
    assert fresh.best_value == min(values)
    closing = closing_lines(tiny_spec(tmp_path, name="fresh"), fresh)[0]
    assert f"test log_loss {fresh.test_scores['log_loss']:.4f}" in closing


def test_interrupted_run_leaves_no_trial_running_and_resumes(tmp_path):
    spec = tiny_spec(tmp_path, n_trials=6)

    class Interrupt(io.StringIO):
        def write(self, text):
            if text.startswith("[2/"):
                raise KeyboardInterrupt
            return super().write(text)

    with pytest.raises(KeyboardInterrupt):
        run_study(spec, load_moons, progress=Interrupt())
    study = open_existing_study(spec.name, spec.storage)
    assert not study.get_trials(states=(TrialState.RUNNING,))
    assert count_trials(study) == 2
    run_study(spec.replace(n_trials=3), load_moons, progress=None)
    assert count_trials(study) == 5


def test_best_config_builds_and_loads(tmp_path):
    spec = tiny_spec(tmp_path)
    run_study(spec, load_moons, progress=None)
    config = best_config(spec.name, spec.storage)
    x, y = load_moons(spec)
    net = config.build().fit(x, y)
    assert net.hidden_layers == config.hidden_layers and net.score(x, y) > 0.7
    trained = config.load_network()
    assert trained.layer_dims_ == config.layer_dims
    assert config.to_dict()["trial"] == config.trial_number
    namespace: dict = {}
    exec(config.to_python(), namespace)  # the snippet users copy
    assert namespace["net"].get_params()["learning_rate"] == config.learning_rate


def test_missing_study_is_a_one_line_storage_error(tmp_path):
    with pytest.raises(StorageError, match="no study storage"):
        best_config("nothing", str(tmp_path / "none.log"))
    spec = tiny_spec(tmp_path)
    run_study(spec.replace(n_trials=1), load_moons, progress=None)
    with pytest.raises(StorageError, match="no study named 'other'.*stored studies: 'tiny'"):
        best_config("other", spec.storage)


@pytest.mark.parametrize("sampler", ["random", "grid", "cmaes", "qmc"])
def test_every_sampler_runs(tmp_path, sampler):
    space = {"learning_rate": [0.05, 0.3]} if sampler == "grid" else {}
    spec = tiny_spec(tmp_path, sampler=sampler, n_trials=3, space=space)
    result = run_study(spec, load_moons, progress=None)
    assert result.n_counted == 3


@pytest.mark.integration
def test_two_jobs_leave_exactly_the_requested_trials(tmp_path):
    spec = tiny_spec(tmp_path, n_trials=10, n_jobs=2)
    result = run_study(spec, load_dataset, progress=None)
    study = open_existing_study(spec.name, spec.storage)
    trials = study.get_trials()
    assert result.n_counted == 10 == len(trials)
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    assert all(isinstance(t.user_attrs.get("pid"), int) for t in trials)
    # This process is one of the two workers; how many trials the other ran depends on timing.


@pytest.mark.integration
def test_a_killed_worker_does_not_take_the_study_down(tmp_path):
    # This process is a worker too and starts first: enough trials that the loky worker,
    # about 3 s to start, is seen running one.
    spec = tiny_spec(
        tmp_path,
        n_trials=14,
        n_jobs=2,
        dataset="digits",
        report_every=50,
        space={"num_iterations": 400, "n_hidden": 2, "n_units": 64, "optimizer": "gd"},
    )
    thread = threading.Thread(
        target=run_study, args=(spec, load_dataset), kwargs={"progress": None}
    )
    thread.start()
    victim = None
    deadline = time.time() + 60
    while victim is None and time.time() < deadline:
        time.sleep(0.2)
        try:
            running = open_existing_study(spec.name, spec.storage).get_trials(
                states=(TrialState.RUNNING,)
            )
        except StorageError:
            continue
        pids = [
            t.user_attrs.get("pid")
            for t in running
            if t.user_attrs.get("pid") not in (None, os.getpid())
        ]
        victim = pids[0] if pids else None
    assert victim is not None, "no worker trial was seen running"
    os.kill(victim, signal.SIGKILL)
    thread.join(timeout=240)
    assert not thread.is_alive()
    trials = trials_of(spec)
    killed = [t for t in trials if t.user_attrs.get("pid") == victim and t.state == TrialState.FAIL]
    assert killed and killed[0].user_attrs["fail_reason"] == "worker process died"
    assert sum(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials) == 14
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    assert np.isfinite([t.value for t in trials if t.state == TrialState.COMPLETE]).all()


def test_a_resumed_run_does_not_propose_the_first_runs_trials_again(tmp_path):
    """Each run used to restart the sampler at the spec's seed: resuming a random-sampler
    study repeated its first trials one for one."""
    spec = tiny_spec(tmp_path, sampler="random", n_trials=3)
    run_study(spec, load_moons, progress=None)
    run_study(spec, load_moons, progress=None)
    params = [t.params for t in trials_of(spec)]
    assert len(params) == 6
    assert params[3:] != params[:3]
    assert all(later != params[i] for i, later in enumerate(params[3:]))


def test_a_two_job_run_leaves_joblibs_own_workers_alone(tmp_path):
    """The run's workers are a pool of its own: joblib's (and scikit-learn's) process-wide
    loky executor works after it, as it did before (a notebook runs both)."""
    from joblib import Parallel, delayed

    assert Parallel(n_jobs=2)(delayed(abs)(-i) for i in range(3)) == [0, 1, 2]
    run_study(tiny_spec(tmp_path).replace(n_jobs=2), load_moons, progress=None)
    assert Parallel(n_jobs=2)(delayed(abs)(-i) for i in range(3)) == [0, 1, 2]
