"""`dnn.checks`: the one set of data checks (features, class labels, regression targets), their
one-line messages, and how a caller names what is checked and its rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dnn import DeepNetworkRegressor, NetworkClassifier, NetworkRegressor
from dnn.checks import (
    MAX_MAGNITUDE,
    MIN_SPREAD,
    by_position,
    check_features,
    check_labels,
    check_targets,
    row_names,
)


def refused(check: Any, value: Any, **kwargs: Any) -> str:
    with pytest.raises(ValueError) as caught:
        check(value, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    return message


def line(position: int) -> str:
    """A file's rows as a CSV reader names them: the header is line 1."""
    return f"line {position + 2}"


# -- row names -------------------------------------------------------------------------------


def test_rows_are_named_by_position_or_by_a_frames_index_label() -> None:
    pd = pytest.importorskip("pandas")
    assert by_position(5) == "row 5"
    assert row_names(pd.Index([10, 11, 12]))(2) == "row 12"
    assert row_names(pd.Index(["a", "b"]))(1) == "row 'b'"
    assert row_names(pd.Index([2, 3, 4], name="line"))(0) == "line 2"


# -- features --------------------------------------------------------------------------------


def test_good_features_keep_float32_and_read_numbers() -> None:
    X32 = np.ones((2, 3), dtype=np.float32)
    assert check_features(X32) is X32
    X = check_features(np.array([["1.5", "2"], [True, 3]], dtype=object))
    assert X.dtype == np.float64 and X.tolist() == [[1.5, 2.0], [1.0, 3.0]]


@pytest.mark.parametrize(
    ("X", "expected"),
    [
        (np.ones(3), "X must be a 2-d array (m, n_x), got shape (3,)"),
        (np.ones((0, 2)), "X must hold at least one example and one feature, got shape (0, 2)"),
        (np.ones((2, 2)) * 1j, "X must hold real numbers, got complex128"),
        (np.array([[1.0, 2.0], [3.0, np.nan]]), "X row 1, column 1 is nan, not a finite number"),
        (np.array([[1.0, -np.inf]]), "X row 0, column 1 is -inf, not a finite number"),
        (
            np.array([[1, "2"], [None, 3]], dtype=object),
            "X row 1, column 0 is nan, not a finite number",
        ),
        (np.array([["1", "tall"]]), "X row 0, column 1 is 'tall', not a number"),
        (
            np.array([[1.0, 2.0], [-1e200, 3.0]]),
            "X row 1, column 0 is -1e+200: too large to learn from (more than 1e+150 in size)",
        ),
        (
            np.array([[1, 10**200]], dtype=object),
            "X row 0, column 1 is 1e+200: too large to learn from (more than 1e+150 in size)",
        ),
        (
            np.array([[1, -(10**400)]], dtype=object),
            "X row 0, column 1 is an integer of 401 digits: too large to learn from (more than "
            "1e+150 in size)",
        ),
    ],
    ids=["1d", "empty", "complex", "nan", "inf", "none", "text", "huge", "huge-int", "int-400"],
)
def test_bad_features_are_named_by_cell(X: Any, expected: str) -> None:
    assert refused(check_features, X) == expected


def test_features_take_a_name_and_a_row_namer() -> None:
    X = np.array([[1.0, 2.0], [3.0, np.inf]])
    message = refused(check_features, X, name="the test set", row=line)
    assert message == "the test set line 3, column 1 is inf, not a finite number"


# -- class labels ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("y", "classes"),
    [
        (["b", "a", "b"], ["a", "b"]),
        ([3, 1, 3], [1, 3]),
        ([1.0, 0.0, 1.0], [0.0, 1.0]),
        ([True, False], [False, True]),
        (np.array(["x", "y"], dtype=object), ["x", "y"]),
    ],
)
def test_labels_give_their_sorted_classes(y: Any, classes: list) -> None:
    assert check_labels(y).tolist() == classes


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        (np.zeros((3, 2)), "y must be a 1-d array of labels (m,), got shape (3, 2)"),
        (np.array([1j, 2j]), "y must hold class labels, got complex numbers (complex128)"),
        (np.array([0.0, 1.0, np.nan]), "y row 2 is an empty label"),
        (np.array(["a", None, "b"], dtype=object), "y row 1 is an empty label"),
        (np.array(["a", "b", float("nan")], dtype=object), "y row 2 is an empty label"),
        (np.array(["a", "  ", "b"]), "y row 1 is an empty label"),
        (np.array(["a", "b", ""], dtype=object), "y row 2 is an empty label"),
        (
            np.array([0.0, 2.5, 1.0]),
            "y row 1 is 2.5, not a class (labels must be whole numbers or text; a numeric "
            "target needs a regressor)",
        ),
        (np.array([0.0, np.inf]), "y row 1 is inf, not a class"),
        (
            np.array([1, "a", 2], dtype=object),
            "y mixes labels that cannot be sorted (numbers and text?)",
        ),
        (np.array(["up"] * 4), "y has only one class ('up'); need at least 2 classes"),
        (np.array([], dtype=float), "y holds no label"),
    ],
    ids=[
        "2d",
        "complex",
        "nan",
        "none",
        "nan-object",
        "blank",
        "empty-text",
        "fraction",
        "inf",
        "unsortable",
        "one-class",
        "none-at-all",
    ],
)
def test_bad_labels_are_named_by_row(y: Any, expected: str) -> None:
    message = refused(check_labels, y)
    assert message.startswith(expected), message


def test_labels_take_a_name_a_row_namer_and_a_fewest_number_of_classes() -> None:
    y = np.array(["Adelie", "Gentoo", " "], dtype=object)
    assert refused(check_labels, y, name="target column 'species'", row=line) == (
        "target column 'species' line 4 is an empty label"
    )
    assert check_labels(np.array(["a", "a"]), min_classes=1).tolist() == ["a"]


def test_pandas_missing_values_are_empty_labels() -> None:
    pd = pytest.importorskip("pandas")
    y = pd.Series(["a", pd.NA, "b"], dtype=object).to_numpy()
    assert refused(check_labels, y) == "y row 1 is an empty label"


# -- regression targets ------------------------------------------------------------------------


def test_good_targets_are_float64_of_their_shape() -> None:
    y = check_targets(["1.5", "2", 3])
    assert y.dtype == np.float64 and y.tolist() == [1.5, 2.0, 3.0]
    assert check_targets(np.arange(6).reshape(3, 2)).shape == (3, 2)
    two = np.array([[1.0, 5.0], [2.0, 5.0]])  # one constant column of two: only centred later
    assert check_targets(two).shape == (2, 2)
    assert check_targets([0.0, MIN_SPREAD]).tolist() == [0.0, MIN_SPREAD]
    assert check_targets([-MAX_MAGNITUDE, MAX_MAGNITUDE]).shape == (2,)


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        (np.ones((2, 2, 2)), "y must be (m,) or (m, k) numbers, got shape (2, 2, 2)"),
        (np.ones(0), "y must be (m,) or (m, k) numbers, got shape (0,)"),
        (np.array([1j, 2j]), "y must hold real numbers, got complex128"),
        (np.array(["1", "x", "2"]), "y row 1 is 'x', not a number"),
        (np.array([1, None], dtype=object), "y row 1 is None, not a number"),
        (np.array([[1.0, 2.0], [3.0, np.nan]]), "y row 1, column 1 is nan, not a finite number"),
        (np.array([1.0, 2.0, 1e160]), "y row 2 is 1e+160: too large to learn from (more than "),
        (np.array([1.0, -1e151]), "y row 1 is -1e+151: too large to learn from"),
        (np.full(4, 3.0), "y is constant (3 in every row): nothing to learn"),
        (np.full((4, 2), 2.5), "y is constant ([2.5, 2.5] in every row): nothing to learn"),
        (np.array([7.0]), "y has 1 sample: nothing to learn"),
        (
            np.array([0.0, 1e-310, 0.0]),
            "y varies by 1e-310 only (max - min): too little to learn from (less than 1e-150)",
        ),
        (
            np.array([[1.0, 5.0], [2.0, 5.0 + 1e-15]]) * [1, 1e-140],
            "y column 1 varies by ",
        ),
    ],
    ids=[
        "3d",
        "empty",
        "complex",
        "text",
        "none",
        "nan",
        "1e160",
        "-1e151",
        "constant",
        "constant-rows",
        "one-sample",
        "denormal-spread",
        "tiny-spread-column",
    ],
)
def test_bad_targets_are_named_by_row(y: Any, expected: str) -> None:
    message = refused(check_targets, y)
    assert message.startswith(expected), message


def test_targets_take_a_name_and_a_row_namer() -> None:
    y = np.array([10.0, 1e160])
    assert refused(check_targets, y, name="target column 'price'", row=line) == (
        "target column 'price' line 3 is 1e+160: too large to learn from (more than 1e+150 in size)"
    )


def test_a_target_beyond_float64_is_refused_by_its_cell() -> None:
    """Was: OverflowError (int too large to convert to float), not a one-line ValueError."""
    y = np.array([1, 2, 10**400], dtype=object)
    assert refused(check_targets, y) == (
        "y row 2 is an integer of 401 digits: too large to learn from (more than 1e+150 in size)"
    )


# -- the estimators check through them (issue 21: these trained, or failed every trial) --------


X6 = np.random.default_rng(0).normal(size=(6, 2))


@pytest.mark.parametrize("cls", [NetworkRegressor, DeepNetworkRegressor])
@pytest.mark.parametrize(
    ("y", "expected"),
    [
        (np.array([1.0, 2.0, 3.0, 1e160, 5.0, 6.0]), "y row 3 is 1e+160: too large to learn"),
        (np.array([0.0, 1e-310] * 3), "y varies by 1e-310 only (max - min): too little"),
    ],
    ids=["1e160", "denormal-spread"],
)
def test_a_regressor_refuses_a_huge_target_and_a_denormal_spread(
    cls: type, y: np.ndarray, expected: str
) -> None:
    with pytest.raises(ValueError) as caught:
        cls(hidden_layers=(2,), num_iterations=2).fit(X6, y)
    assert str(caught.value).startswith(expected) and "\n" not in str(caught.value)


def test_a_network_refuses_a_huge_feature_by_its_cell() -> None:
    """It trained, and its standardization overflowed: `training diverged at iteration 2`."""
    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1e200], [3.0, 0.5], [4.0, 1.5], [5.0, 2.5]])
    with pytest.raises(ValueError, match=r"^X row 2, column 1 is 1e\+200: too large to learn"):
        NetworkClassifier(hidden_layers=(2,), num_iterations=2).fit(X, [0, 1] * 3)


def test_a_classifier_names_a_tables_rows_by_their_index_labels() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": np.arange(6.0)}, index=pd.Index(range(2, 8), name="line"))
    labels = np.array(["x", "y", "x", None, "y", "x"], dtype=object)
    with pytest.raises(ValueError, match=r"^y line 5 is an empty label$"):
        NetworkClassifier(hidden_layers=(2,), num_iterations=2).fit(frame, labels)
