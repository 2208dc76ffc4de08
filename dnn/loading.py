"""Reading a saved network into the class of its task: `load_network` (and `dnn.load`).

A file written by `save` names its task; `load_as` reads it, checked, into the class a table
gives for that task: `NetworkClassifier` or `NetworkRegressor` here (no scikit-learn: a study's
final scoring does without it, and importing scikit-learn takes a second), their scikit-learn
faces for `dnn.load` (`dnn.estimator`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from dnn.classifier import NetworkClassifier
from dnn.metadata import CLASSIFICATION, REGRESSION
from dnn.network import Network
from dnn.persistence import read_network
from dnn.regressor import NetworkRegressor

N = TypeVar("N", bound=Network)


def load_as(path: str | Path, classes: Mapping[str, type[N]]) -> N:
    """Read a file written by `save` into the class `classes` gives for its task.

    Args:
        path: the `.npz` file.
        classes: task (`classification`, `regression`) -> the class that loads it.

    Returns:
        The network, ready to predict.

    Raises:
        ValueError: `<path>: <problem>` (one line), as `Network.load`.
        FileNotFoundError: no such file.
    """
    saved = read_network(path)
    return classes[saved.task]._from_saved(saved)


def load_network(path: str | Path) -> NetworkClassifier | NetworkRegressor:
    """`dnn.load` without scikit-learn: a saved network as the class of its task.

    A file from before regression existed is a classifier's.

    Args:
        path: the `.npz` file written by `save` (by any of the four classes).

    Returns:
        A `NetworkClassifier` or a `NetworkRegressor`, as the file's task says.

    Raises:
        ValueError: `<path>: <problem>` (one line), as `Network.load`.
        FileNotFoundError: no such file.
    """
    classes: dict[str, type[NetworkClassifier] | type[NetworkRegressor]] = {
        CLASSIFICATION: NetworkClassifier,
        REGRESSION: NetworkRegressor,
    }
    return load_as(path, classes)
