"""The one prediction rule (`predict_labels`) and the label encoding (`encode_labels`)."""

from __future__ import annotations

import numpy as np

from dnn import predict_labels
from dnn.labels import encode_labels


def test_two_classes_predict_class_one_strictly_above_one_half() -> None:
    classes = np.array(["no", "yes"])
    p1 = np.array([0.2, 0.5, 0.5000001, 0.9])
    proba = np.column_stack([1 - p1, p1])  # (m, 2), scikit-learn's layout
    np.testing.assert_array_equal(predict_labels(proba, classes), ["no", "no", "yes", "yes"])


def test_more_classes_predict_the_argmax_of_each_row() -> None:
    classes = np.array([3, 7, 9])
    proba = np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])
    np.testing.assert_array_equal(predict_labels(proba, classes), [7, 3, 9])


def test_encode_labels_gives_the_course_y() -> None:
    np.testing.assert_array_equal(
        encode_labels(np.array(["b", "a", "b"]), np.array(["a", "b"])), [[1.0, 0.0, 1.0]]
    )
    Y = encode_labels(np.array([9, 3, 7, 9]), np.array([3, 7, 9]), dtype="float32")
    assert Y.dtype == np.float32
    np.testing.assert_array_equal(Y, [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]])


def test_predicting_from_the_encoding_gives_the_labels_back() -> None:
    for classes in (np.array([0, 1]), np.array(["x", "y", "z", "w"])):
        classes = np.sort(classes)
        y = classes[np.random.default_rng(0).integers(0, len(classes), 12)]
        Y = encode_labels(y, classes)  # (1, m) or (C, m)
        proba = np.column_stack([1 - Y[0], Y[0]]) if len(classes) == 2 else Y.T
        np.testing.assert_array_equal(predict_labels(proba, classes), y)
