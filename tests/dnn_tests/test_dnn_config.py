"""`dnn.config.NetworkConfig`: the estimators' arguments declared once. These tests fail when
the hyperparameter rules, the record and the estimators' constructor disagree."""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pytest
from sklearn.base import clone

from dnn import (
    HYPERPARAMETERS,
    DeepNetwork,
    DeepNetworkRegressor,
    NetworkClassifier,
    NetworkRegressor,
)
from dnn.config import ARGUMENTS, CHECKED, STRUCTURE, NetworkConfig
from dnn.train import TRAIN_HYPERPARAMETERS

ESTIMATORS = [NetworkClassifier, NetworkRegressor, DeepNetwork, DeepNetworkRegressor]
FIELDS = {field.name: field for field in dataclasses.fields(NetworkConfig)}


def test_every_rule_is_a_field_with_the_rules_default() -> None:
    """A new rule in `dnn.hyperparameters` fails here until it is a field of the record (or
    a rule of the shape of `hidden_layers`)."""
    for name, rule in HYPERPARAMETERS.items():
        if name in STRUCTURE:
            assert name not in FIELDS, name
            continue
        assert name in FIELDS, f"rule {name!r} is not a field of NetworkConfig"
        assert FIELDS[name].default == rule.default, name
    assert set(CHECKED) == set(HYPERPARAMETERS) - set(STRUCTURE) - {"activation"}
    assert set(TRAIN_HYPERPARAMETERS) <= set(FIELDS)
    hidden_layers = FIELDS["hidden_layers"].default
    assert len(hidden_layers) == HYPERPARAMETERS["n_hidden"].default
    assert hidden_layers[0] == HYPERPARAMETERS["n_units"].default


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_the_constructors_signature_is_the_records(cls: type) -> None:
    parameters = list(inspect.signature(cls.__init__).parameters.values())
    assert [p.name for p in parameters] == ["self", *ARGUMENTS]
    kinds = {p.name: p.kind for p in parameters[1:]}
    assert kinds.pop("hidden_layers") is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert set(kinds.values()) == {inspect.Parameter.KEYWORD_ONLY}
    for parameter in parameters[1:]:
        assert parameter.default == FIELDS[parameter.name].default, parameter.name
    assert list(inspect.signature(cls).parameters) == list(ARGUMENTS)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_each_argument_is_kept_as_given_and_read_back_through_the_record(cls: type) -> None:
    values = {name: object() for name in ARGUMENTS}  # a distinct marker for each
    net = cls(**values)
    assert net.get_params() == values
    assert all(getattr(net, name) is value for name, value in values.items())
    assert net._config() == NetworkConfig(**values)
    assert set(cls().get_params()) == set(ARGUMENTS)
    assert cls().get_params() == NetworkConfig().arguments()


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_only_hidden_layers_may_be_given_by_position(cls: type) -> None:
    assert cls((4, 3)).hidden_layers == (4, 3)
    with pytest.raises(TypeError):
        cls((4,), 0.1)  # a positional learning_rate
    with pytest.raises(TypeError, match="unexpected keyword argument 'learnin_rate'"):
        cls(learnin_rate=0.1)


@pytest.mark.parametrize("cls", [DeepNetwork, DeepNetworkRegressor])
def test_scikit_learn_clones_and_shows_the_changed_arguments(cls: type) -> None:
    callback = print
    net = cls((5,), learning_rate=0.1, activation=("tanh",), callback=callback)
    copy = clone(net)
    assert copy is not net and copy.get_params() == net.get_params()
    assert copy.callback is callback
    shown = repr(net)
    assert "learning_rate=0.1" in shown and "hidden_layers=(5,)" in shown
    assert "num_iterations" not in shown


def test_the_record_is_frozen_and_checks_by_the_rules() -> None:
    config = NetworkConfig((4, np.int64(3)), learning_rate=np.float32(0.5), seed=np.int64(2))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.learning_rate = 0.1  # type: ignore[misc]
    checked = config.checked()
    assert type(checked.learning_rate) is float and checked.learning_rate == 0.5
    assert checked.hidden() == ([4, 3], ["relu", "relu"])
    assert checked.seed == 2  # not a hyperparameter: kept as given
    with pytest.raises(ValueError, match="^hidden_layers: n_units must be"):
        NetworkConfig((0,)).checked()
    with pytest.raises(ValueError, match="^activation names 1 layers but hidden_layers has 2"):
        NetworkConfig((3, 2), activation=["tanh"]).checked()
    with pytest.raises(ValueError, match="^beta1 must be a number in"):
        NetworkConfig(beta1=1.0, optimizer="sgd").checked()  # by name: beta1 before optimizer
