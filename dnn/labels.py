"""Labels to the course's Y and probabilities back to labels: the one prediction rule.

Two classes take one sigmoid output unit, Y of shape (1, m) with 0/1, and class 1 is predicted
where A[L] > 0.5; C > 2 classes take C softmax units, Y one-hot of shape (C, m), and the
argmax is predicted. The estimator and the study layer both predict through `predict_labels`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from dnn.types import Array


def encode_labels(y: ArrayLike, classes: NDArray, dtype: DTypeLike = "float64") -> Array:
    """Y for labels y (m,) drawn from the sorted `classes`.

    Returns:
        (1, m) with 0/1 (1 for `classes[1]`) for two classes, one-hot (C, m) for C > 2.
    """
    index = np.searchsorted(classes, y)
    if len(classes) == 2:
        return index[np.newaxis, :].astype(dtype)
    Y = np.zeros((len(classes), len(index)), dtype=dtype)
    Y[index, np.arange(len(index))] = 1
    return Y


def predict_labels(proba: Array, classes: NDArray) -> NDArray:
    """Labels (m,) from class probabilities (m, C) in scikit-learn's layout (rows are examples).

    Class `classes[1]` where proba[:, 1] > 0.5 for two classes (A[L] > 0.5, ties to class 0),
    the argmax of each row for more.
    """
    if len(classes) == 2:
        return classes[(proba[:, 1] > 0.5).astype(int)]
    return classes[np.argmax(proba, axis=1)]
