"""The Python face of a study: enqueued configurations, `DeepNetworkSearch`, its progress bar."""

from __future__ import annotations

import pytest
from sklearn.datasets import make_moons

from search import SpecError, StudySpec, open_existing_study, run_study

SPACE = {
    "learning_rate": {"low": 0.005, "high": 0.5, "log": True},
    "num_iterations": {"low": 20, "high": 60, "step": 20},
    "n_hidden": {"low": 1, "high": 3},
    "n_units": {"low": 2, "high": 24},
}
COURSE = {"hidden_layers": [20, 7, 5], "learning_rate": 0.0075}  # the course's own network


def load_moons(spec):
    return make_moons(n_samples=200, noise=0.2, random_state=0)


def enqueue_spec(tmp_path, enqueue, **overrides):
    raw = {
        "name": "queued",
        "dataset": "moons",
        "n_trials": 3,
        "cv_folds": 0,
        "storage": str(tmp_path / "journal.log"),
        "space": SPACE,
        "enqueue": enqueue,
    }
    return StudySpec.from_dict({**raw, **overrides})


def test_enqueued_configurations_are_trial_parameters_checked_against_the_space(tmp_path):
    spec = enqueue_spec(tmp_path, [COURSE, {"n_hidden": 1, "num_iterations": 40}])
    assert spec.enqueued_params() == [
        {"n_hidden": 3, "n_1": 20, "n_2": 7, "n_3": 5, "learning_rate": 0.0075},
        {"n_hidden": 1, "num_iterations": 40},
    ]
    assert spec.to_dict()["enqueue"] == [COURSE, {"n_hidden": 1, "num_iterations": 40}]
    assert "enqueue" not in enqueue_spec(tmp_path, []).to_dict()  # stored specs as before


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"n_1": 30}, "enqueue[0].n_1: 30 is outside [2, 24]"),
        ({"n_hiden": 2}, "enqueue[0].n_hiden: not a hyperparameter of the space (did you mean"),
        ({"n_hidden": 1, "n_2": 8}, "enqueue[0].n_2: does not exist in a network with 1 hidden"),
        ({"num_iterations": 30}, "enqueue[0].num_iterations: 30 is not on the range's steps"),
        ({"activation": "sigmoid"}, "enqueue[0].activation: 'sigmoid' is not one of"),
        ({"keep_prob": 0.5}, "enqueue[0].keep_prob: the space holds it at 1.0"),
        ({"learning_rate": "fast"}, "enqueue[0].learning_rate: must be"),
        ({}, "enqueue[0]: expected a table of hyperparameters"),
    ],
)
def test_a_bad_enqueued_configuration_is_named_in_one_line(tmp_path, config, message):
    with pytest.raises(SpecError) as error:
        enqueue_spec(tmp_path, [config])
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_enqueued_configurations_run_first_and_once(tmp_path):
    spec = enqueue_spec(tmp_path, [COURSE, {"n_hidden": 1, "num_iterations": 40}])
    run_study(spec, load_moons, progress=None)
    trials = open_existing_study(spec.name, spec.storage).get_trials()
    assert {k: trials[0].params[k] for k in spec.enqueued_params()[0]} == spec.enqueued_params()[0]
    assert trials[1].params["n_hidden"] == 1 and trials[1].params["num_iterations"] == 40
    run_study(spec, load_moons, progress=None)  # resumed: not enqueued again
    again = open_existing_study(spec.name, spec.storage).get_trials()
    assert len(again) == 6
    assert sum(t.params.get("learning_rate") == 0.0075 for t in again) == 1


def test_a_resumed_study_refuses_another_enqueue(tmp_path):
    run_study(enqueue_spec(tmp_path, [COURSE], n_trials=1), load_moons, progress=None)
    with pytest.raises(SpecError, match="^enqueue: study 'queued' already exists"):
        run_study(enqueue_spec(tmp_path, [], n_trials=1), load_moons, progress=None)
