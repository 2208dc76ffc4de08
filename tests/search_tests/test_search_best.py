"""best_config's snippet: nothing read from a storage can become code."""

from __future__ import annotations

import ast

import pytest

from search import BestConfig, StorageError


def config(**hyperparameters):
    return BestConfig(
        study_name="s\n import os  # ",
        trial_number=3,
        metric="accuracy",
        value=0.9,
        hyperparameters={"hidden_layers": [4], **hyperparameters},
        layer_dims=[2, 4, 1],
        n_parameters=17,
        params_path=None,
        test_accuracy=None,
    )


def test_the_snippet_is_one_import_and_one_call_whatever_the_stored_strings():
    snippet = config(activation="relu')\nimport os\nos.system('x").to_python()
    tree = ast.parse(snippet)
    assert [type(node).__name__ for node in tree.body] == ["ImportFrom", "Assign"]
    call = tree.body[1].value
    assert [k.arg for k in call.keywords] == ["hidden_layers", "activation"]
    assert ast.literal_eval(call.keywords[1].value) == "relu')\nimport os\nos.system('x"


def test_an_unknown_argument_name_is_refused_not_written():
    with pytest.raises(StorageError, match="unknown hyperparameter"):
        config(**{"x=__import__('os').system('id'),y": 1}).to_python()


def test_json_is_strict_with_a_score_that_is_not_a_number():
    import dataclasses
    import json

    nan_scores = dataclasses.replace(config(), test_scores={"roc_auc": float("nan"), "f1": 0.5})
    data = json.loads(nan_scores.to_json())  # json.loads accepts NaN; the text must not hold it
    assert "NaN" not in nan_scores.to_json()
    assert data["test_scores"] == {"roc_auc": None, "f1": 0.5}
