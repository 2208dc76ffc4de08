"""The Python face of a study: enqueued configurations, `DeepNetworkSearch`, its progress bar."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
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


# --- DeepNetworkSearch ------------------------------------------------------------------------

TINY = {
    "n_hidden": 1,
    "n_units": [4, 8],
    "num_iterations": 20,
    "learning_rate": {"low": 0.05, "high": 0.5, "log": True},
    "optimizer": "adam",
}


@pytest.fixture(autouse=True)
def in_tmp_cwd(tmp_path, monkeypatch):
    """Studies without a storage live under ./runs/, as the CLI's."""
    monkeypatch.chdir(tmp_path)


def moons(n=160, seed=0):
    return make_moons(n_samples=n, noise=0.2, random_state=seed)


def tiny_search(**overrides):
    from studies import DeepNetworkSearch

    options = {"space": TINY, "n_trials": 2, "cv_folds": 0, "verbose": 0}
    return DeepNetworkSearch(**{**options, **overrides})


def test_fit_tunes_on_all_of_x_and_refits_the_best_configuration():
    from dnn import DeepNetwork

    x, y = moons()
    search = tiny_search(study_name="moons", ensemble=0).fit(x, y)  # no ensemble: a refit
    assert search.study_name_ == "moons" and search.storage_.endswith("runs/moons/journal.log")
    assert search.best_score_ == search.best_trial_.values[0] == search.study_.best_value
    assert search.best_params_["hidden_layers"] == [search.best_trial_.params["n_1"]]
    same = DeepNetwork(**search.best_params_).fit(x, y)  # refit on all of x, nothing held out
    np.testing.assert_array_equal(search.predict_proba(x), same.predict_proba(x))
    assert search.score(x, y) == same.score(x, y)
    summary = search.study_.user_attrs
    stored = [v for k, v in summary.items() if isinstance(v, dict) and "test_examples" in v]
    assert stored and stored[0]["test_examples"] == 0 and stored[0]["examples"] == len(y)
    trials = search.trials_
    assert list(trials["number"]) == [0, 1] and set(trials["state"]) == {"COMPLETE"}
    assert {"value", "params_n_1", "params_learning_rate", "n_parameters"} <= set(trials.columns)
    # 2 inputs -> n_1 units -> 1 output: W1, b1, W2, b2
    assert list(trials["n_parameters"]) == [3 * n + n + 1 for n in trials["params_n_1"]]


def test_the_task_is_inferred_from_y_and_a_regression_gets_a_regressor():
    from dnn import DeepNetworkRegressor
    from search.tasks import infer_task

    assert infer_task(np.array([0.0, 1.0, 2.0])).name == "classification"
    assert infer_task(np.array([0.5, 1.0])).name == "regression"
    assert infer_task(np.array(["a", "b"])).name == "classification"
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=120)
    search = tiny_search(n_trials=1).fit(x, y)
    assert isinstance(search.best_estimator_, DeepNetworkRegressor)
    assert search.study_.user_attrs and not hasattr(search, "classes_")
    assert not hasattr(search, "predict_proba")


def test_each_fit_without_a_name_is_a_new_study_and_clones_work_in_cross_val_score():
    from sklearn.base import clone
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = moons()
    search = tiny_search(n_trials=1, sampler="random")
    assert clone(search).get_params() == search.get_params()
    assert search.set_params(n_trials=1).n_trials == 1
    scores = cross_val_score(make_pipeline(StandardScaler(), search), x, y, cv=2)
    assert scores.shape == (2,) and (scores > 0.6).all()
    assert len(list(Path("runs").glob("search-*/journal.log"))) == 2
    assert not hasattr(search, "study_name_")  # the clones were fitted, not the original


def test_a_study_started_in_python_is_reported_and_resumed_by_the_cli():
    from search import StudyMismatchError
    from studies.cli import main

    x, y = moons()
    first = tiny_search(study_name="py").fit(x, y)
    assert main(["report", "py"]) == 0
    assert Path("runs/py/report/report.html").is_file()
    assert main(["best", "py", "--format", "json"]) == 0
    again = tiny_search(study_name="py", n_trials=1).fit(x, y)  # same data: resumed
    assert len(again.trials_) == 3 and again.study_name_ == first.study_name_
    with pytest.raises(StudyMismatchError, match="^data: study 'py' was run on in-memory"):
        tiny_search(study_name="py", n_trials=1).fit(*moons(seed=1))


def test_a_study_started_by_the_cli_is_resumed_in_python(capsys):
    import pandas as pd

    from search import StudyMismatchError
    from studies.cli import main

    x, y = moons()
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "label": y}).to_csv("moons.csv", index=False)
    Path("moons.toml").write_text(
        'name = "cli"\ndataset = "moons.csv"\ntarget = "label"\nn_trials = 2\ncv_folds = 0\n'
        '[space]\nn_hidden = 1\nn_units = [4, 8]\nnum_iterations = 20\noptimizer = "adam"\n'
        "learning_rate = { low = 0.05, high = 0.5, log = true }\n"
    )
    assert main(["run", "moons.toml", "--quiet"]) == 0
    table = pd.read_csv("moons.csv")
    search = tiny_search(study_name="cli", n_trials=1, space=None, cv_folds=None)
    search.fit(table[["a", "b"]], table["label"])
    assert len(search.trials_) == 3  # the space and cv_folds are the stored study's
    assert search.feature_names_in_.tolist() == ["a", "b"]
    with pytest.raises(StudyMismatchError, match="^space: study 'cli' already exists"):
        tiny_search(study_name="cli", n_trials=1, space={"n_hidden": 2}).fit(
            table[["a", "b"]], table["label"]
        )


def test_enqueued_configurations_of_the_estimator_run_first():
    x, y = moons()
    search = tiny_search(n_trials=2, enqueue=[{"hidden_layers": [8], "learning_rate": 0.1}])
    first = search.fit(x, y).study_.trials[0]
    assert first.params["n_1"] == 8 and first.params["learning_rate"] == 0.1
    with pytest.raises(SpecError, match=r"^enqueue\[0\]\.n_1: 9 is not one of \[4, 8\]"):
        tiny_search(enqueue=[{"n_1": 9}]).fit(x, y)


def test_verbose_draws_a_bar_with_the_best_value_when_interactive_and_else_is_silent(
    capsys, monkeypatch
):
    from studies import estimator

    x, y = moons()
    tiny_search(verbose=1).fit(x, y)  # pytest's stderr is no terminal: silent
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(estimator, "_interactive", lambda: True)
    tiny_search(verbose=0).fit(x, y)
    assert capsys.readouterr().err == ""
    tiny_search(verbose=1).fit(x, y)
    bar = capsys.readouterr().err
    assert "2/2" in bar and "best log_loss 0." in bar and "trial 0" not in bar
    tiny_search(verbose=2).fit(x, y)  # the CLI's lines
    assert "[2/2] trial 1" in capsys.readouterr().err


def test_the_bar_is_a_watcher_of_the_runner():
    from search.progress import TrialBar, Watcher

    assert isinstance(TrialBar(), Watcher) and not isinstance(io.StringIO(), Watcher)


def checked_search():
    from studies import DeepNetworkSearch

    return DeepNetworkSearch(space=TINY, n_trials=1, cv_folds=0, verbose=0)


def sklearn_checks():
    """Every check scikit-learn runs on an estimator. None is left out: each one applies to
    this meta-estimator and passes (scikit-learn itself skips its array-API check unless
    SCIPY_ARRAY_API is set). Arrays go through `validate_data` (its messages for sparse,
    complex, empty and one-sample inputs); a study needs two examples, one to validate on."""
    from sklearn.utils.estimator_checks import parametrize_with_checks

    return parametrize_with_checks([checked_search()])


@sklearn_checks()
def test_scikit_learn_checks_that_apply_to_a_meta_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ({"categorical": "code"}, "categorical: expected a list"),
        ({"drop": 3}, "drop: expected a list"),
        ({"verbose": "x"}, "verbose"),
        ({"verbose": -1}, "verbose"),
        ({"refit": "no"}, "refit"),
        ({"study_name": ""}, "study_name"),
        ({"study_name": 5}, "study_name"),
    ],
)
def test_bad_arguments_are_one_line_naming_them(tmp_path, monkeypatch, argument, message):
    from studies import DeepNetworkSearch

    monkeypatch.chdir(tmp_path)
    x, y = make_moons(n_samples=60, noise=0.2, random_state=0)
    with pytest.raises(SpecError, match=message) as error:
        DeepNetworkSearch(n_trials=1, **{"verbose": 0, **argument}).fit(x, y)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "runs").exists()  # nothing stored
