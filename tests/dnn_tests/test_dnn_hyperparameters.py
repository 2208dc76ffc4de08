"""Each hyperparameter has one rule (`dnn.hyperparameters`), and every part of dnn checks by it."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from dnn import HYPERPARAMETERS, DeepNetwork, check_hyperparameter, initialize_parameters, train
from dnn.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from dnn.initialization import INITIALIZATIONS
from dnn.optimizers import OPTIMIZERS
from dnn.train import TRAIN_HYPERPARAMETERS


def test_the_choices_are_the_keys_of_their_tables() -> None:
    assert HYPERPARAMETERS["optimizer"].choices == tuple(OPTIMIZERS)
    assert HYPERPARAMETERS["init"].choices == tuple(INITIALIZATIONS)
    assert HYPERPARAMETERS["activation"].choices == HIDDEN_ACTIVATIONS
    assert set(HIDDEN_ACTIVATIONS) | set(OUTPUT_ACTIVATIONS) <= set(ACTIVATIONS)


def test_the_estimator_defaults_are_the_rules_defaults() -> None:
    params = DeepNetwork().get_params()
    shared = [name for name in HYPERPARAMETERS if name in params]
    assert len(shared) >= 12
    for name in shared:
        assert params[name] == HYPERPARAMETERS[name].default, name
    assert len(params["hidden_layers"]) == HYPERPARAMETERS["n_hidden"].default
    assert params["hidden_layers"][0] == HYPERPARAMETERS["n_units"].default


def test_train_defaults_are_the_rules_defaults_and_the_estimator_passes_them_all() -> None:
    signature = inspect.signature(train).parameters
    assert set(TRAIN_HYPERPARAMETERS) >= {
        "learning_rate",
        "num_iterations",
        "optimizer",
        "mini_batch_size",
        "lambd",
        "keep_prob",
        "input_keep_prob",
        "beta1",
        "beta2",
        "epsilon",
        "cost_every",
        "decay_rate",
    }
    for name in TRAIN_HYPERPARAMETERS:
        if signature[name].default is not inspect.Parameter.empty:
            assert signature[name].default == HYPERPARAMETERS[name].default, name
    assert set(TRAIN_HYPERPARAMETERS) <= set(DeepNetwork().get_params())


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("learning_rate", -1, "learning_rate must be a number >= 0, got -1"),
        ("keep_prob", 0, "keep_prob must be a number in (0, 1], got 0"),
        ("optimizer", "sgd", "optimizer must be one of gd, momentum, adam, got 'sgd'"),
        ("init", "glorot", "init must be one of he, xavier, scaled, got 'glorot'"),
        ("mini_batch_size", 0, "mini_batch_size must be an integer in [1, 1e+12], or None, got 0"),
        ("num_iterations", True, "num_iterations must be an integer in [0, 1e+12], got True"),
    ],
)
def test_a_refused_value_gets_one_line_naming_the_hyperparameter(
    name: str, value: object, message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        check_hyperparameter(name, value)
    assert str(caught.value) == message


def test_numpy_scalars_come_back_as_python_values() -> None:
    assert type(check_hyperparameter("num_iterations", np.int64(3))) is int
    assert type(check_hyperparameter("learning_rate", np.float32(0.5))) is float
    assert type(check_hyperparameter("optimizer", np.str_("adam"))) is str
    assert check_hyperparameter("mini_batch_size", None) is None


@pytest.mark.parametrize("dtype", ["float32", np.float32, np.dtype("float32")])
def test_initialize_parameters_reads_a_dtype_by_its_name(dtype: object) -> None:
    parameters = initialize_parameters([3, 2, 1], seed=0, dtype=dtype)
    assert {value.dtype for value in parameters.values()} == {np.dtype(np.float32)}


@pytest.mark.parametrize(("init", "dtype"), [("glorot", "float64"), ("he", np.float16)])
def test_initialize_parameters_refuses_by_the_rules(init: str, dtype: object) -> None:
    with pytest.raises(ValueError, match="^(init|dtype) must be one of"):
        initialize_parameters([3, 2, 1], init=init, dtype=dtype)
