"""The metric table against scikit-learn's metrics, on seeded random predictions (ties included)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from sklearn import metrics as skm

from search.metrics import METRICS, average_ranks, binary_roc_auc, metrics_of, score_all

CLASSIFICATION = metrics_of("classification")

CLASS_SETS = {
    "binary ints": np.array([3, 7]),
    "binary strings": np.array(["no", "yes"]),
    "4 ints": np.array([0, 1, 2, 5]),
    "4 strings": np.array(["bird", "cat", "dog", "fish"]),
}


def predictions(classes: np.ndarray, seed: int, m: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """proba (m, C) with many tied values in each column, and labels y (m,) from `classes`.

    Two classes: p(classes[1]) on a grid of twentieths (0.5 included: a tie of the decision
    rule). More: softmax of small integer logits, so that rows, and their columns, repeat.
    """
    rng = np.random.default_rng(seed)
    if len(classes) == 2:
        p = rng.integers(1, 20, size=m) / 20
        proba = np.column_stack([1 - p, p])
    else:
        logits = rng.integers(0, 3, size=(m, len(classes))).astype(float)
        proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    # labels that follow the probabilities somewhat, so that the scores are not all near chance
    noisy = proba + rng.uniform(0, 0.6, size=proba.shape)
    return proba, classes[np.argmax(noisy, axis=1)]


def independent_labels(proba: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """The prediction rule written again: classes[1] where p > 0.5 (two classes), else argmax."""
    if len(classes) == 2:
        return np.where(proba[:, 1] > 0.5, classes[1], classes[0])
    return classes[np.argmax(proba, axis=1)]


def sklearn_f1(y: np.ndarray, predicted: np.ndarray, classes: np.ndarray) -> float:
    if len(classes) == 2:
        return skm.f1_score(y, predicted, pos_label=classes[1])
    return skm.f1_score(y, predicted, average="macro")


def sklearn_roc_auc(y: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> float:
    if len(classes) == 2:
        return skm.roc_auc_score(y == classes[1], proba[:, 1])
    return skm.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes)


SKLEARN: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], float]] = {
    "accuracy": lambda y, proba, c: skm.accuracy_score(y, independent_labels(proba, c)),
    "balanced_accuracy": lambda y, proba, c: skm.balanced_accuracy_score(
        y, independent_labels(proba, c)
    ),
    "f1": lambda y, proba, c: sklearn_f1(y, independent_labels(proba, c), c),
    "roc_auc": sklearn_roc_auc,
    "log_loss": lambda y, proba, c: skm.log_loss(y, proba, labels=c),
}


def test_the_table_holds_the_eight_metrics_with_their_directions_and_tasks():
    assert list(CLASSIFICATION) == ["accuracy", "balanced_accuracy", "f1", "roc_auc", "log_loss"]
    assert list(metrics_of("regression")) == ["rmse", "mae", "r2"]
    assert {name: m.direction for name, m in METRICS.items()} == {
        "accuracy": "maximize",
        "balanced_accuracy": "maximize",
        "f1": "maximize",
        "roc_auc": "maximize",
        "log_loss": "minimize",
        "rmse": "minimize",
        "mae": "minimize",
        "r2": "maximize",
    }
    assert all(m.description and "\n" not in m.description for m in METRICS.values())
    assert set(SKLEARN) == set(CLASSIFICATION)  # every metric is compared below


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind", list(CLASS_SETS))
@pytest.mark.parametrize("name", list(CLASSIFICATION))
def test_each_metric_equals_scikit_learns(name: str, kind: str, seed: int):
    classes = CLASS_SETS[kind]
    proba, y = predictions(classes, seed)
    assert len(np.unique(y)) == len(classes)  # every class present: scikit-learn's AUC needs it
    for column in proba.T:  # ties in every column of probabilities
        assert len(np.unique(column)) < len(column) // 4
    found = METRICS[name](proba, y, classes)
    assert isinstance(found, float)
    assert found == pytest.approx(SKLEARN[name](y, proba, classes), rel=0, abs=1e-12)


def test_the_scores_tell_good_predictions_from_bad():
    """Not a constant: each metric moves the right way between two sets of predictions."""
    classes = CLASS_SETS["4 strings"]
    proba, y = predictions(classes, 0)
    confident = np.full_like(proba, 0.02)
    confident[np.arange(len(y)), np.searchsorted(classes, y)] = 0.94
    for name, metric in CLASSIFICATION.items():
        good, bad = metric(confident, y, classes), metric(proba, y, classes)
        assert good != bad
        assert (good > bad) == (metric.direction == "maximize"), name


def test_roc_auc_by_hand_with_a_tie():
    # scores 0.1 0.4 0.4 0.8, positives at 0.4 and 0.8: of the 4 (positive, negative) pairs,
    # 0.8 beats both negatives, 0.4 beats 0.1 and ties 0.4 (one half): 3.5 / 4
    positive = np.array([False, True, False, True])
    assert binary_roc_auc(np.array([0.1, 0.4, 0.4, 0.8]), positive) == 0.875
    np.testing.assert_array_equal(average_ranks(np.array([0.4, 0.1, 0.4, 0.8])), [2.5, 1, 2.5, 4])


def test_roc_auc_leaves_out_an_absent_class_and_is_nan_for_a_single_class():
    classes = CLASS_SETS["4 ints"]
    proba, y = predictions(classes, 3)
    y = np.where(y == 5, 0, y)  # class 5 absent from this split
    present = [k for k, label in enumerate(classes) if label in y]
    assert len(present) == 3
    expected = np.mean([skm.roc_auc_score(y == classes[k], proba[:, k]) for k in present])
    assert METRICS["roc_auc"](proba, y, classes) == pytest.approx(expected, rel=0, abs=1e-12)
    assert math.isnan(METRICS["roc_auc"](proba, np.full(len(y), 2), classes))
    binary = CLASS_SETS["binary strings"]
    proba2, _ = predictions(binary, 0)
    assert math.isnan(METRICS["roc_auc"](proba2, np.full(len(proba2), "yes"), binary))


@pytest.mark.parametrize("name", ["balanced_accuracy", "f1", "accuracy", "log_loss"])
def test_a_class_absent_from_the_split_follows_scikit_learn(name: str):
    classes = CLASS_SETS["4 strings"]
    proba, y = predictions(classes, 4)
    y = np.where(y == "fish", "cat", y)  # predicted sometimes, never true
    assert "fish" in independent_labels(proba, classes) and "fish" not in y
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns of the class in y_pred only
        expected = SKLEARN[name](y, proba, classes)
    assert METRICS[name](proba, y, classes) == pytest.approx(expected, rel=0, abs=1e-12)


def test_macro_f1_averages_over_the_classes_in_y_or_predicted():
    classes = CLASS_SETS["4 strings"]
    proba, y = predictions(classes, 5)
    proba[:, 3] = 0.0  # fish: never predicted
    y = np.where(y == "fish", "dog", y)  # and never true: not in the average, as scikit-learn
    assert "fish" not in independent_labels(proba, classes)
    expected = skm.f1_score(y, independent_labels(proba, classes), average="macro")
    assert METRICS["f1"](proba, y, classes) == pytest.approx(expected, rel=0, abs=1e-12)


def test_f1_with_nothing_to_count_is_zero_as_scikit_learns():
    classes = CLASS_SETS["binary ints"]
    proba = np.column_stack([np.full(10, 0.9), np.full(10, 0.1)])  # never predicts 7
    y = np.full(10, 3)  # and 7 never occurs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = skm.f1_score(y, independent_labels(proba, classes), pos_label=7)
    assert METRICS["f1"](proba, y, classes) == expected == 0.0


def test_log_loss_is_clipped_away_from_zero():
    classes = CLASS_SETS["binary ints"]
    proba = np.array([[1.0, 0.0], [0.0, 1.0]])
    loss = METRICS["log_loss"](proba, np.array([7, 7]), classes)
    assert loss == pytest.approx(-np.log(1e-15) / 2, rel=1e-12)


REGRESSION_SKLEARN: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "rmse": skm.root_mean_squared_error,
    "mae": skm.mean_absolute_error,
    "r2": skm.r2_score,
}


@pytest.mark.parametrize("shape", [(40,), (40, 3), (2,)])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", ["rmse", "mae", "r2"])
def test_each_regression_metric_equals_scikit_learns(name: str, seed: int, shape: tuple):
    rng = np.random.default_rng(seed)
    y = rng.normal(3.0, 2.0, size=shape)
    prediction = y + rng.normal(0.0, 1.0, size=shape)
    found = METRICS[name](prediction, y, None)
    assert isinstance(found, float)
    assert found == pytest.approx(REGRESSION_SKLEARN[name](y, prediction), rel=1e-12, abs=1e-12)


def test_r2_of_a_constant_target_follows_scikit_learn():
    y = np.full(6, 2.5)
    assert METRICS["r2"](y.copy(), y, None) == skm.r2_score(y, y) == 1.0
    assert METRICS["r2"](y + 1, y, None) == skm.r2_score(y, y + 1) == 0.0


def test_score_all_scores_one_task_only():
    y = np.array([1.0, 2.0, 4.0])
    assert set(score_all(y + 0.5, y, None, "regression")) == {"rmse", "mae", "r2"}
    assert score_all(y + 0.5, y, None, "regression")["mae"] == 0.5
