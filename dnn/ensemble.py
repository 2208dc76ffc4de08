"""`NetworkEnsemble`: fitted networks of one task whose weighted mean predicts like a network.

An ensemble is made of fitted members, all classifiers with the same classes or all
regressors with the same targets, and non-negative weights that sum to 1. A classifier
ensemble's probabilities are the weighted mean of its members' (`predict_proba`), its labels
those of the one prediction rule (`dnn.labels`) on that mean; a regressor ensemble predicts
the weighted mean of its members' predictions, in the target's own units (each member undoes
its own target scale). Each member reads X its own way: a member fitted on a table encodes
the table with its own encoder, so members may come from different folds of a study.

How the members and weights are chosen (greedy selection on validation predictions, say) is
the search's business; `dnn` only checks, predicts, saves and loads (`dnn.ensemble_file`: one
`.npz`, no pickle) and exports (`to_onnx`). numpy only; `dnn.estimator.DeepNetworkEnsemble` is
the scikit-learn face that `dnn.load` gives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import NDArray

from dnn.classifier import NetworkClassifier
from dnn.labels import predict_labels
from dnn.metadata import CLASSIFICATION, REGRESSION
from dnn.network import Network
from dnn.regressor import NetworkRegressor
from dnn.types import Array

WEIGHT_TOLERANCE = 1e-9  # |sum of the weights - 1| at most (sums of fractions round)
MAX_MEMBERS = 10_000


class NetworkEnsemble:
    """Fitted networks of one task, predicting by the weighted mean of their predictions.

    Args:
        members: fitted `NetworkClassifier`s with the same `classes_`, or fitted
            `NetworkRegressor`s with targets of the same shape (their scikit-learn faces too);
            of one dtype, all fitted on arrays of the same width or all on tables of the
            same columns.
        weights: one per member, >= 0, summing to 1 (within 1e-9); None: equal weights.

    Raises:
        ValueError: one line naming the member or the weight refused.

    Attributes:
        members: the members, as given. weights: (k,) float64. task: `classification` or
        `regression`. classes_ (classification), n_features_in_, feature_names_in_ (members
        fitted on tables), dtype: the members'.
    """

    # the class that loads a member of each task (`dnn.estimator` gives its faces)
    _member_classes: ClassVar[Mapping[str, type[Network]]] = {
        CLASSIFICATION: NetworkClassifier,
        REGRESSION: NetworkRegressor,
    }

    def __init__(
        self, members: Sequence[Network], weights: Sequence[float] | NDArray[Any] | None = None
    ) -> None:
        """Keep the members and weights, checked (see the class docstring)."""
        self.members = list(members)
        check_members(self.members)
        self.weights = check_weights(weights, len(self.members))

    @property
    def task(self) -> str:
        """The members' task: `classification` or `regression`."""
        return self.members[0]._task

    @property
    def classes_(self) -> NDArray[Any]:
        """The members' classes (classification only)."""
        if self.task != CLASSIFICATION:
            raise AttributeError("a regression ensemble has no classes_")
        return self.members[0].classes_  # type: ignore[attr-defined]

    @property
    def n_features_in_(self) -> int:
        """Columns of the X the members were fitted on (a table's columns, for tables)."""
        return int(self.members[0].n_features_in_)

    @property
    def dtype(self) -> str:
        """The members' dtype (`float64` or `float32`)."""
        return str(self.members[0]._config().dtype)

    def __repr__(self) -> str:
        """`NetworkEnsemble(<k> <task> members, weights=[...])`."""
        weights = ", ".join(f"{w:.4g}" for w in self.weights)
        return (
            f"{type(self).__name__}({len(self.members)} {self.task} members, weights=[{weights}])"
        )

    # -- prediction -----------------------------------------------------------------------

    def _weighted_mean(self, predict: str, X: Any, **options: Any) -> NDArray[Any]:
        """The sum over members of w_i * member_i.<predict>(X), members of weight 0 skipped."""
        total: NDArray[Any] | None = None
        for member, weight in zip(self.members, self.weights, strict=True):
            if weight == 0:
                continue
            term = float(weight) * getattr(member, predict)(X, **options)
            total = term if total is None else total + term
        assert total is not None  # the weights sum to 1, so one is positive
        return total

    def predict_proba(self, X: Any, check_input: bool = True) -> Array:
        """The weighted mean of the members' class probabilities, (m, n_classes).

        Args:
            X: features (m, n_x), or a table for members fitted on tables.
            check_input: passed to each member's `predict_proba`.

        Returns:
            (m, n_classes), in the order of `classes_`.

        Raises:
            AttributeError: for a regression ensemble.
        """
        if self.task != CLASSIFICATION:
            raise AttributeError("a regression ensemble has no predict_proba; use predict")
        return self._weighted_mean("predict_proba", X, check_input=check_input)

    def predict(self, X: Any, check_input: bool = True) -> NDArray[Any]:
        """Labels by the one prediction rule on `predict_proba`, or the mean of the targets.

        Args:
            X: features (m, n_x), or a table for members fitted on tables.
            check_input: passed to each member.

        Returns:
            Labels (m,) for classification; targets (m,) or (m, k) in their own units.
        """
        if self.task == CLASSIFICATION:
            return predict_labels(self.predict_proba(X, check_input), self.classes_)
        return self._weighted_mean("predict", X, check_input=check_input)

    def score(self, X: Any, y: Any) -> float:
        """Accuracy (classification) or R^2 averaged uniformly over the targets (regression).

        As scikit-learn's `accuracy_score` and `r2_score` (a target constant in y scores 1
        when predicted exactly, else 0).

        Args:
            X: features, or a table.
            y: the true labels (m,) or targets (m,) / (m, k).

        Returns:
            The score.
        """
        predicted = self.predict(X)
        y = np.asarray(y)
        if self.task == CLASSIFICATION:
            return float(np.mean(predicted == y))
        return r2_score(y, predicted)

    # -- files ----------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the ensemble to one `.npz` file (no pickle; `dnn.ensemble_file`).

        Returns:
            The path written (`.npz` is appended when missing).
        """
        from dnn.ensemble_file import write_ensemble

        return write_ensemble(self, path)

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Read an ensemble written by `save`, every member checked as a network file is.

        Raises:
            ValueError: `<path>: <problem>` (one line), naming the member.
            FileNotFoundError: no such file.
        """
        from dnn.ensemble_file import read_ensemble

        return read_ensemble(path, cls)

    def to_onnx(self, path: str | Path, dtype: str | None = None) -> Path:
        """Export the ensemble to one ONNX model (`dnn.onnx_export`; needs `onnx`).

        Args:
            path: the `.onnx` file to write.
            dtype: `float32` or `float64`; None: the members'.

        Returns:
            The path written.
        """
        from dnn.onnx_export import export

        return export(self, path, dtype)


def check_members(members: list[Network]) -> None:
    """Members that can be averaged: fitted, one task, the same outputs, inputs and dtype.

    Raises:
        ValueError: `member <i> ...`, naming what differs from member 0.
    """
    if not members or len(members) > MAX_MEMBERS:
        raise ValueError(f"an ensemble needs 1 to {MAX_MEMBERS} members, got {len(members)}")
    for i, member in enumerate(members):
        if not isinstance(member, Network) or not hasattr(member, "parameters_"):
            raise ValueError(f"member {i} is not a fitted network, got {type(member).__name__}")
    first = members[0]
    for i, member in enumerate(members[1:], start=1):
        problem = _difference(first, member)
        if problem is not None:
            raise ValueError(f"member {i} {problem}")


def _difference(first: Network, member: Network) -> str | None:
    """How `member` differs from `first` in what an ensemble needs alike, or None."""
    if member._task != first._task:
        return f"is a {member._task} network but member 0 a {first._task} network"
    if first._task == CLASSIFICATION:
        # as lists: labels read back from a file are text where a fit kept Python objects
        mine, theirs = member.classes_.tolist(), first.classes_.tolist()  # type: ignore[attr-defined]
        if len(mine) != len(theirs) or any(a != b for a, b in zip(mine, theirs, strict=True)):
            return f"has classes {mine} but member 0 has {theirs}"
    elif member.y_mean_.shape != first.y_mean_.shape:  # type: ignore[attr-defined]
        k = (member.y_mean_.shape, first.y_mean_.shape)  # type: ignore[attr-defined]
        return f"predicts targets of shape {k[0]} but member 0 of shape {k[1]}"
    dtypes = (member._config().dtype, first._config().dtype)
    if dtypes[0] != dtypes[1]:
        return f"is {dtypes[0]} but member 0 is {dtypes[1]}"
    return _input_difference(first, member)


def _input_difference(first: Network, member: Network) -> str | None:
    """Members read the same X: arrays of one width, or tables of the same columns."""
    tables = (hasattr(member, "encoder_"), hasattr(first, "encoder_"))
    if tables[0] != tables[1]:
        kinds = ["a table" if table else "an array" for table in tables]
        return f"was fitted on {kinds[0]} but member 0 on {kinds[1]}"
    if tables[0]:
        mine, theirs = set(member.encoder_.columns_), set(first.encoder_.columns_)
        if mine != theirs:
            column = sorted(mine ^ theirs)[0]
            return f"and member 0 differ in column {column!r} (one has it, the other not)"
    elif member.n_features_in_ != first.n_features_in_:
        return f"takes {member.n_features_in_} features but member 0 {first.n_features_in_}"
    return None


def check_weights(weights: Sequence[float] | NDArray[Any] | None, k: int) -> NDArray[np.float64]:
    """The weights as (k,) float64: finite, >= 0, summing to 1 (None: 1/k each).

    Raises:
        ValueError: `weights ...`, one line.
    """
    if weights is None:
        return np.full(k, 1.0 / k)
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"weights must be {k} numbers, got {weights!r}") from None
    if w.shape != (k,):
        raise ValueError(f"weights must be {k} numbers (one per member), got shape {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError(f"weights must be finite and >= 0, got {w.tolist()}")
    if abs(w.sum() - 1) > WEIGHT_TOLERANCE:
        raise ValueError(f"weights must sum to 1, got {w.sum():.12g}")
    return w


def r2_score(y: NDArray[Any], predicted: NDArray[Any]) -> float:
    """R^2 averaged uniformly over the targets, as scikit-learn's `r2_score`.

    A target constant in y scores 1 where predicted exactly, else 0 (scikit-learn's
    `force_finite`).
    """
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    predicted = np.asarray(predicted, dtype=np.float64).reshape(len(y), -1)
    residual = ((y - predicted) ** 2).sum(axis=0)
    total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    safe = np.where(total > 0, total, 1.0)
    scores = np.where(total > 0, 1 - residual / safe, np.where(residual == 0, 1.0, 0.0))
    return float(scores.mean())
