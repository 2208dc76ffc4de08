"""Data a study cannot use is refused in one line before anything is stored."""

from __future__ import annotations

import numpy as np
import pytest

from search import StudySpec, run_study
from search.data import Dataset


def spec_of(tmp_path, **overrides) -> StudySpec:
    raw = {
        "name": "bad",
        "dataset": "mem",
        "n_trials": 2,
        "storage": str(tmp_path / "journal.log"),
        "space": {"num_iterations": 10, "n_hidden": 1, "n_units": 4},
        **overrides,
    }
    return StudySpec.from_dict(raw)


def refused(tmp_path, spec: StudySpec, data, match: str) -> str:
    with pytest.raises(ValueError, match=match) as error:
        run_study(spec, lambda s: data, progress=None)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "journal.log").exists()
    return str(error.value)


def test_a_text_class_too_rare_for_the_folds_chosen_by_size_says_how_to_go_on(tmp_path):
    x = np.random.default_rng(0).normal(size=(61, 2))
    y = np.array(["a", "b"] * 30 + ["solo"], dtype=object)
    message = refused(tmp_path, spec_of(tmp_path), Dataset(x, y), "class 'solo' has 1 examples")
    assert message.endswith("cv_folds = 0 asks for one validation split)")


def test_a_regression_test_set_with_another_number_of_targets(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(80, 3)), rng.normal(size=(80, 2))
    data = Dataset(x, y, rng.normal(size=(20, 3)), rng.normal(size=20))
    spec = spec_of(tmp_path, task="regression", cv_folds=0)
    refused(tmp_path, spec, data, "the test set has 1 targets per row, the training set 2")
