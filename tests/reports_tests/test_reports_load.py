"""reports.load: a stored study read back as one row per trial (built by hand, never trained)."""

from __future__ import annotations

import math

import optuna
import pytest

import search
from reports import StudyInfo, load_study_data
from search import SearchSpace
from search.record import TestRecord
from search.tasks import CLASSIFICATION, REGRESSION


def test_one_row_per_trial_with_every_hyperparameter(make_study, journal):
    make_study("toy")
    info, trials, curves = load_study_data("toy", journal)
    assert trials["number"].tolist() == list(range(6))
    assert trials["state"].tolist() == [
        "COMPLETE",
        "COMPLETE",
        "PRUNED",
        "COMPLETE",
        "FAIL",
        "COMPLETE",
    ]
    expected = [
        "learning_rate",
        "num_iterations",
        "n_hidden",
        "n_1",
        "n_2",
        "n_3",
        "activation",
        "optimizer",
        "mini_batch_size",
        "lambd",
        "decay_rate",
        "keep_prob",
        "input_keep_prob",
        "init",
        "scaling",
        "numeric_bins",
        "target_scale",
    ]
    assert [c.removeprefix("params_") for c in trials if c.startswith("params_")] == expected
    for column in (
        "train_accuracy",
        "val_accuracy",
        "wall_time",
        "n_parameters",
        "pruned_at",
        "fail_reason",
        "datetime_start",
        "datetime_complete",
        "value",
    ):
        assert column in trials


def test_not_applicable_parameters_are_nan_and_fixed_ones_come_from_the_spec(make_study, journal):
    make_study("toy")
    trials = load_study_data("toy", journal).trials.set_index("number")
    assert trials.loc[1, "params_n_hidden"] == 2 and trials.loc[1, "params_n_2"] == 8
    assert math.isnan(trials.loc[1, "params_n_3"])
    assert math.isnan(trials.loc[0, "params_n_2"])
    assert (trials["params_optimizer"] == "adam").all()
    assert (trials["params_num_iterations"] == 200).all()
    assert (trials["params_mini_batch_size"] == "full").all()


def test_values_scores_pruning_and_failure(make_study, journal):
    make_study("toy")
    info, trials, curves = load_study_data("toy", journal)
    rows = trials.set_index("number")
    assert rows.loc[1, "value"] == pytest.approx(0.92)
    assert rows.loc[1, "n_parameters"] == 4 * 16 + 16 + 16 * 8 + 8 + 8 + 1
    assert rows.loc[2, "pruned_at"] == 50 and math.isnan(rows.loc[2, "value"])
    assert rows.loc[4, "fail_reason"].startswith("diverged")
    assert set(curves.columns) == {"number", "state", "iteration", "cost", "val_metric"}
    assert curves.groupby("number").size().to_dict() == {0: 4, 1: 4, 2: 2, 3: 4, 4: 4, 5: 4}


def test_study_info(make_study, journal):
    make_study("toy")
    info = load_study_data("toy", journal).info
    assert info.name == "toy" and info.directions == ("maximize",) and info.metric == "accuracy"
    assert info.spec["dataset"] == "toy" and info.best_test == TestRecord(
        trial=1, refit=False, test_accuracy=0.9
    )
    assert info.target_trials == 6


@pytest.mark.parametrize(
    ("spec", "directions", "task", "metric"),
    [
        ({"task": "regression", "metric": "mae"}, ("minimize",), REGRESSION, "mae"),
        ({}, ("maximize",), CLASSIFICATION, "accuracy"),  # no spec stored: a plain study
        ({}, ("minimize",), CLASSIFICATION, "log_loss"),
        ({"task": "regression"}, ("maximize",), REGRESSION, "r2"),
        ({"task": "regression"}, ("minimize", "minimize"), REGRESSION, "rmse"),
        ({"task": "<img src=x>"}, ("maximize",), CLASSIFICATION, "accuracy"),  # damaged
        ({"task": ["regression"]}, ("minimize",), CLASSIFICATION, "log_loss"),
    ],
)
def test_task_and_metric_of_a_stored_spec(spec, directions, task, metric):
    """The task as `search.spec.upgrade` reads the spec (none stored: a classification); the
    metric as stored, else the task's metric that goes the study's direction."""
    info = StudyInfo("s", spec, directions=directions)
    assert info.problem is task and info.task == task.name and info.metric == metric


def test_reads_a_running_study(make_study, journal):
    study = make_study("toy")
    running = study.ask()
    running.suggest_float("learning_rate", 1e-3, 1.0, log=True)
    trials = load_study_data("toy", journal).trials
    assert trials["state"].tolist()[-1] == "RUNNING"
    assert study.get_trials()[-1].state == optuna.trial.TrialState.RUNNING


def test_missing_study_raises_storage_error(make_study, journal):
    make_study("toy")
    with pytest.raises(search.StorageError, match="no study named 'nope'"):
        load_study_data("nope", journal)


def test_keep_prob_exists_only_with_hidden_layers():
    """A network without hidden layers drops nothing: its trial has no keep_prob (NaN in the
    table), as it has no activation, rather than a false 1.0 among the tuned values."""
    params_of = SearchSpace.from_dict().params_of
    shallow = params_of({"hidden_layers": [], "keep_prob": 1.0, "input_keep_prob": 0.9})
    assert "keep_prob" not in shallow and shallow["input_keep_prob"] == 0.9
    deep = params_of({"hidden_layers": [8], "keep_prob": 0.7, "activation": "relu"})
    assert deep["keep_prob"] == 0.7
    assert not SearchSpace.applies("keep_prob", 0) and SearchSpace.applies("keep_prob", 1)


def test_best_iteration_is_a_column_when_a_trial_recorded_one(make_study, journal, stopping):
    """Each trial keeps its best epoch (`search.epochs`): its iteration is a column before
    `pruned_at`, NaN for the trials that recorded none (pruned, failed); a study stored
    without early stopping has no such column, so its tables are what they were."""
    make_study("stopped", stopping.rows)
    trials = load_study_data("stopped", journal).trials
    columns = list(trials.columns)
    assert columns.index("best_iteration") == columns.index("pruned_at") - 1
    best = trials["best_iteration"].tolist()
    assert best[:2] == [50, 100] and best[3] == 150 and best[5] == 100
    assert math.isnan(best[2]) and math.isnan(best[4])
    make_study("toy")
    assert "best_iteration" not in load_study_data("toy", journal).trials


def test_a_stored_ensemble_is_flagged_even_when_it_is_not_readable(make_study, journal, stopping):
    make_study("ensemble", stopping.rows, final=stopping.ensemble)
    info = load_study_data("ensemble", journal).info
    assert info.ensemble_stored and info.best_test is not None
    assert info.best_test.members == (1, 3, 0) and info.best_test.weights == (0.5, 0.3, 0.2)
    make_study("damaged", stopping.rows, final=stopping.damaged)
    info = load_study_data("damaged", journal).info
    assert info.ensemble_stored and info.best_test is not None and not info.best_test.members
    make_study("toy")
    assert not load_study_data("toy", journal).info.ensemble_stored
