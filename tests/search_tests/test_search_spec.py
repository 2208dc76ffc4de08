"""StudySpec validation: every bad value is one SpecError naming its key."""

from __future__ import annotations

import pytest

from search import SearchSpace, SpecError, StudySpec
from search.entries import Choice, Fixed, Range

BASE = {"name": "s", "dataset": "digits"}


def spec(**overrides):
    return StudySpec.from_dict({**BASE, **overrides})


def test_defaults_make_a_sensible_space():
    s = spec()
    assert s.sampler == "tpe" and s.pruner == "median" and s.metric_by_default
    assert s.decided(999).metric == "log_loss" and s.decided(999).direction == "minimize"
    assert s.decided(1_000).metric == "accuracy" and s.decided(1_000).direction == "maximize"
    assert isinstance(s.space["learning_rate"], Range) and s.space["learning_rate"].log
    assert isinstance(s.space["activation"], Choice)
    assert isinstance(s.space["init"], Fixed)
    assert set(s.space.tuned()) >= {
        "learning_rate",
        "num_iterations",
        "n_hidden",
        "n_units",
        "activation",
    }


def test_to_dict_round_trips():
    s = spec(
        space={
            "activation": ["relu", "tanh"],
            "num_iterations": {"low": 10, "high": 50, "step": 10},
        }
    )
    assert StudySpec.from_dict(s.to_dict()) == s


def test_a_single_element_list_is_fixed_and_a_scalar_too():
    s = spec(space={"optimizer": ["adam"], "lambd": 0.5})
    assert s.space["optimizer"] == Fixed("adam") and s.space["lambd"] == Fixed(0.5)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"samplr": "tpe"}, "samplr"),
        ({"sampler": "annealing"}, "sampler"),
        ({"pruner": "percentile"}, "pruner"),
        ({"metric": "precision"}, "metric"),
        ({"n_trials": 0}, "n_trials"),
        ({"n_trials": 2.5}, "n_trials"),
        ({"timeout": -1}, "timeout"),
        ({"report_every": 0}, "report_every"),
        ({"validation_fraction": 0.7}, "validation_fraction"),
        ({"max_parameters": 0}, "max_parameters"),
        ({"cv_folds": 1}, "cv_folds"),
        ({"cv_folds": 2.5}, "cv_folds"),
        ({"space": {"learning_rate": {"low": 0.3, "high": 0.1}}}, "space.learning_rate"),
        ({"space": {"learning_rate": {"low": 0, "high": 0.1, "log": True}}}, "space.learning_rate"),
        ({"space": {"learning_rate": -0.1}}, "space.learning_rate"),
        ({"space": {"learning_rate": {"low": 0.1}}}, "space.learning_rate.high"),
        (
            {"space": {"learning_rate": {"low": 0.1, "high": 1, "lg": True}}},
            "space.learning_rate.lg",
        ),
        ({"space": {"num_iterations": -1}}, "space.num_iterations"),
        ({"space": {"learning_rate": float("nan")}}, "space.learning_rate"),
        ({"space": {"lambd": {"low": 0.0, "high": float("inf")}}}, "space.lambd"),
        ({"space": {"num_iterations": float("inf")}}, "space.num_iterations"),
        (
            {"space": {"learning_rate": {"low": 0.1, "high": 0.2, "step": float("nan")}}},
            "space.learning_rate.step",
        ),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": 1e12}, "timeout"),  # beyond what a lock can wait for
        ({"n_jobs": 100_000}, "n_jobs"),  # processes: a typo, not a machine
        ({"name": ".."}, "name"),
        ({"space": {"num_iterations": {"low": 1.5, "high": 9}}}, "space.num_iterations"),
        ({"space": {"n_units": 0}}, "space.n_units"),
        ({"space": {"activation": ["relu", "swish"]}}, "space.activation"),
        ({"space": {"activation": []}}, "space.activation"),
        ({"space": {"activation": "softmax"}}, "space.activation"),
        ({"space": {"optimizer": "rmsprop"}}, "space.optimizer"),
        ({"space": {"init": "zeros"}}, "space.init"),
        ({"space": {"lambd": -1.0}}, "space.lambd"),
        ({"space": {"keep_prob": 0.0}}, "space.keep_prob"),
        ({"space": {"keep_prob": {"low": 0.5, "high": 1.2}}}, "space.keep_prob"),
        ({"space": {"input_keep_prob": [0.8, 1.5]}}, "space.input_keep_prob"),
        ({"space": {"learnig_rate": 0.1}}, "space.learnig_rate"),
        ({"sampler": "grid"}, "space.learning_rate"),
        ({"space": {"target_scale": "log"}}, "space.target_scale"),  # a classification's
        ({"space": {"target_scale": ["standard", "log"]}}, "space.target_scale"),
    ],
)
def test_bad_values_name_their_key(raw, key):
    with pytest.raises(SpecError) as error:
        spec(**raw)
    message = str(error.value)
    assert message.startswith(f"{key}:"), message
    assert "\n" not in message


def test_a_regressions_key_is_taken_by_a_regression_and_at_its_default_by_a_classification():
    assert spec(task="regression", space={"target_scale": ["standard", "log"]}).validated()
    assert spec(space={"target_scale": "standard"}).validated()


def test_typos_suggest_the_closest_key():
    with pytest.raises(SpecError, match="did you mean 'sampler'"):
        spec(samplr="tpe")
    with pytest.raises(SpecError, match="did you mean 'learning_rate'"):
        spec(space={"learnig_rate": 0.1})


def test_name_and_dataset_are_required():
    with pytest.raises(SpecError, match="^dataset: missing"):
        StudySpec.from_dict({"name": "x"})
    with pytest.raises(SpecError, match="^name: missing"):
        StudySpec.from_dict({"dataset": "x"})


@pytest.mark.parametrize("key", ["dataset", "target", "test_dataset", "storage"])
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_path_or_column_is_refused_not_taken_as_a_default(key, value):
    """Was: `storage = ""` quietly meant the default storage (the CLI refuses `--storage ''`)."""
    with pytest.raises(SpecError, match=f"^{key}: must not be empty, got '{value}'$"):
        StudySpec.from_dict({**BASE, key: value})


def test_replace_validates_run_time_overrides():
    s = spec()
    assert s.replace(n_trials=5, n_jobs=2).n_trials == 5
    with pytest.raises(SpecError, match="^n_jobs:"):
        s.replace(n_jobs=0)


def test_space_bounds_and_max_hidden():
    space = SearchSpace.from_dict({"n_hidden": [0, 2, 4], "mini_batch_size": [32, "full"]})
    assert space.max_hidden() == 4
    assert space.bounds("mini_batch_size") == (32, 32)


def test_cross_validation_implies_a_refit_final_model():
    plain = StudySpec.from_dict({"name": "s", "dataset": "moons"})
    assert not plain.refits
    assert plain.replace(refit=True).refits
    assert plain.replace(cv_folds=5).refits


def test_the_default_space_contains_the_courses_network():
    """The course's answer for its cat images (week 4): [12288, 20, 7, 5, 1], relu then
    sigmoid, gradient descent at 0.0075 for 2,500 iterations; and its week-2 logistic
    regression (no hidden layer)."""
    import numpy as np

    from search.space import SearchSpace
    from search.tasks import CLASSIFICATION

    y = np.array([0] * 137 + [1] * 72)  # the training file's 209 images, 72 cats
    space = SearchSpace.from_dict().filled(CLASSIFICATION.default_space(209, 12288, y))
    course = {
        "hidden_layers": [20, 7, 5],
        "activation": "relu",
        "learning_rate": 0.0075,
        "num_iterations": 2500,
        "optimizer": "gd",
    }
    (params,) = space.enqueued(({**course, "keep_prob": 1.0, "lambd": 1e-5},))
    assert params["n_hidden"] == 3 and [params[f"n_{i}"] for i in (1, 2, 3)] == [20, 7, 5]
    logistic = {"n_hidden": 0, "learning_rate": 0.005, "num_iterations": 2000, "optimizer": "gd"}
    assert space.enqueued((logistic,))
