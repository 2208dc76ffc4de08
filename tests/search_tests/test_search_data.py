"""Arrays handed to a study from Python get the checks a data file gets in `studies`."""

from __future__ import annotations

import re

import numpy as np
import pytest

from search.data import check_data
from search.tasks import CLASSIFICATION

X = np.arange(12.0).reshape(6, 2)


@pytest.mark.parametrize(
    ("x", "y", "words"),
    [
        (X * 1j, [0, 1] * 3, "real numbers"),
        (X, [0, 1, np.nan, 1, 0, 1], "y row 2 is an empty label"),
        (X, [0.5, 1, 0, 1, 0, 1], "y row 0 is 0.5, not a class"),
        (X, np.array([0, 1j, 0, 1, 0, 1]), "complex"),
        (X, np.array([None, "a", "b", "a", "b", "a"], dtype=object), "y row 0 is an empty label"),
        (X, [1] * 6, "only one class"),
        (np.where(X > 5, np.inf, X), [0, 1] * 3, "X row 3, column 0 is inf, not a finite number"),
        (X, np.array([0, "a", 1, "b", np.nan, 1], dtype=object), "y row 4 is an empty label"),
    ],
)
def test_bad_arrays_are_refused_by_name(x, y, words):
    with pytest.raises(ValueError, match=words):
        check_data(np.asarray(x), np.asarray(y), CLASSIFICATION)


def test_integer_floats_text_and_booleans_are_labels():
    for y in ([0.0, 1.0] * 3, ["a", "b"] * 3, [True, False] * 3):
        assert len(check_data(X, np.asarray(y), CLASSIFICATION)[1]) == 6


@pytest.mark.parametrize(
    ("y_test", "words"),
    [(["0", "1", "0"], "test label '0' (row 0)"), ([0, 7, 1], "test label 7 (row 1)")],
)
def test_test_labels_must_be_classes_of_the_training_data(y_test, words):
    from search.data import Dataset, split_dataset
    from search.tasks import CLASSIFICATION

    data = Dataset(np.arange(40.0).reshape(20, 2), np.array([0, 1] * 10), X[:3], np.array(y_test))
    with pytest.raises(ValueError, match=re.escape(words)):
        split_dataset(data, (0.2, 0.2), 0, CLASSIFICATION)
