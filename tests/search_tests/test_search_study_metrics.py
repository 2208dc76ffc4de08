"""Any metric of the table is a study's objective, with its direction; bad names are refused;
the final model is scored on the test split with every metric."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import optuna
import pytest
from sklearn.datasets import make_classification, make_moons
from test_search_metrics import SKLEARN  # each metric's scikit-learn counterpart

from search import SpecError, StudyRecord, StudySpec, best_config, open_existing_study, run_study
from search.best import best_trial, load_trained
from search.data import stratified_split
from search.final import finish
from search.metrics import METRICS, metrics_of
from search.prepare import split_data
from search.record import TrialRecord, set_best_test

TrialState = optuna.trial.TrialState
DATA = {
    "moons": lambda spec: make_moons(n_samples=240, noise=0.25, random_state=3),
    "three": lambda spec: make_classification(
        n_samples=240, n_features=4, n_informative=3, n_redundant=0, n_classes=3, random_state=0
    ),
}


def load_data(spec: StudySpec) -> tuple[np.ndarray, np.ndarray]:
    return DATA[spec.dataset](spec)


def metric_spec(tmp_path, metric: str, dataset: str = "moons", **overrides) -> StudySpec:
    return StudySpec.from_dict(
        {
            "name": f"{metric}_{dataset}",
            "dataset": dataset,
            "metric": metric,
            "n_trials": 4,
            "cv_folds": 0,
            "report_every": 10,
            "storage": str(tmp_path / "journal.log"),
            "space": {
                "learning_rate": {"low": 0.01, "high": 0.5, "log": True},
                "num_iterations": {"low": 20, "high": 60, "step": 20},
                "n_hidden": {"low": 1, "high": 2},
                "n_units": {"low": 2, "high": 8},
                "optimizer": ["gd", "adam"],
            },
            **overrides,
        }
    )


def validation_split(spec: StudySpec):
    return stratified_split(*load_data(spec), 0.2, 0.2, spec.seed)


@pytest.mark.parametrize(
    ("metric", "dataset"),
    [("f1", "moons"), ("roc_auc", "moons"), ("roc_auc", "three"), ("log_loss", "moons")],
)
def test_a_study_optimizes_its_metric_in_its_direction(tmp_path, metric: str, dataset: str):
    spec = metric_spec(tmp_path, metric, dataset)
    run_study(spec, load_data, progress=None)
    study = open_existing_study(spec.name, spec.storage)
    assert study.direction.name.lower() == METRICS[metric].direction == spec.direction
    complete = [t for t in study.get_trials() if t.state == TrialState.COMPLETE]
    assert len(complete) >= 2
    values = [t.value for t in complete]
    best = best_trial(study)
    assert best is not None
    pick = max if METRICS[metric].direction == "maximize" else min
    assert best.value == pick(values) and len(set(values)) > 1
    # the trial's value is the metric of its network on the validation split
    splits = validation_split(spec)
    net = load_trained(best)
    proba = net.predict_proba(splits.X_val)
    assert best.value == pytest.approx(
        METRICS[metric](proba, splits.y_val, net.classes_), rel=1e-12
    )
    # ... and the reported curve is that metric too: its best report's point is the network's
    # (a trial keeps its best epoch, `search.epochs`)
    record = TrialRecord.from_trial(best)
    curve = record.learning_curve
    assert curve is not None and record.best_iteration in curve.iteration
    at_best = curve.val_metric[curve.iteration.index(record.best_iteration)]
    assert at_best == pytest.approx(best.value, rel=1e-12)
    assert at_best == pick(curve.val_metric)
    assert best.intermediate_values.get(record.best_iteration, at_best) == at_best
    # the stored record keeps its accuracy and cost, whatever the metric
    record = TrialRecord.from_trial(best)
    assert record.val_accuracy == pytest.approx(
        METRICS["accuracy"](proba, splits.y_val, net.classes_), rel=1e-12
    )
    assert record.val_cost == pytest.approx(
        METRICS["log_loss"](proba, splits.y_val, net.classes_), rel=1e-12
    )
    if metric == "log_loss":
        assert best.value == record.val_cost
    else:  # the value is not accuracy under a new name
        accuracies = [TrialRecord.from_trial(t).val_accuracy for t in complete]
        assert values != accuracies


def test_a_bad_metric_name_is_one_line_naming_metric_and_the_choices(tmp_path):
    with pytest.raises(SpecError) as error:
        metric_spec(tmp_path, "roc-auc")
    message = str(error.value)
    assert message.startswith("metric: unknown value 'roc-auc'") and "\n" not in message
    assert "did you mean 'roc_auc'?" in message
    assert message.endswith("choose from accuracy, balanced_accuracy, f1, roc_auc, log_loss")


@pytest.mark.parametrize(
    ("dataset", "refit"), [("moons", False), ("moons", True), ("three", False)]
)
def test_the_final_model_is_scored_on_test_with_every_metric(tmp_path, dataset: str, refit: bool):
    spec = metric_spec(tmp_path, "f1", dataset, refit=refit).replace(ensemble=0)  # one network
    result = run_study(spec, load_data, progress=None)
    config = best_config(spec.name, spec.storage)
    assert (
        list(config.test_scores) == list(metrics_of("classification")) == list(result.test_scores)
    )
    assert config.test_scores == result.test_scores
    assert config.test_scores["accuracy"] == config.test_accuracy == result.test_accuracy
    net = config.load_network()  # the network scored: best.npz with refit, else the trial's
    assert (config.final_params_path is not None) == refit
    splits = validation_split(spec)
    proba = net.predict_proba(splits.X_test)
    for name, value in config.test_scores.items():
        expected = SKLEARN[name](splits.y_test, proba, net.classes_)
        assert value == pytest.approx(expected, rel=0, abs=1e-12), name
    assert json.loads(config.to_json())["test_scores"] == config.test_scores


@pytest.mark.parametrize("refit", [False, True])
def test_a_test_record_without_scores_gets_them_without_retraining(tmp_path, refit: bool):
    """A study stored before test scores: nothing shown for them and nothing fails; the next
    run scores the network already scored, keeping its test accuracy and its file."""
    spec = metric_spec(tmp_path, "roc_auc", refit=refit)
    result = run_study(spec, load_data, progress=None)
    study = open_existing_study(spec.name, spec.storage)
    stored = StudyRecord.of(study).best_test
    assert stored is not None
    set_best_test(study, dataclasses.replace(stored, test_scores={}))  # as stored before
    assert "test_scores" not in study.user_attrs["best_test"]
    config = best_config(spec.name, spec.storage)
    assert config.test_scores == {} and config.test_accuracy == result.test_accuracy
    scored = Path(stored.params_path if refit else str(config.params_path))
    before = (scored.stat().st_mtime_ns, scored.stat().st_ino, scored.read_bytes())
    again = finish(spec, study, split_data(spec, load_data), 0.0)
    assert again.test_scores == result.test_scores and again.test_accuracy == result.test_accuracy
    assert (scored.stat().st_mtime_ns, scored.stat().st_ino, scored.read_bytes()) == before
    assert StudyRecord.of(study).best_test == stored


def test_a_refit_model_whose_file_is_gone_is_trained_and_scored_again(tmp_path):
    spec = metric_spec(tmp_path, "log_loss", refit=True)
    result = run_study(spec, load_data, progress=None)
    study = open_existing_study(spec.name, spec.storage)
    stored = StudyRecord.of(study).best_test
    assert stored is not None and stored.params_path is not None
    set_best_test(study, dataclasses.replace(stored, test_scores={}))
    Path(stored.params_path).unlink()
    again = finish(spec, study, split_data(spec, load_data), 0.0)
    assert Path(stored.params_path).is_file()  # retrained (bit for bit here) and saved
    assert again.test_scores == result.test_scores and again.test_accuracy == result.test_accuracy
    rescored = StudyRecord.of(study).best_test
    assert rescored is not None and rescored.test_scores == result.test_scores
