"""Reading a saved file into the class of what it holds: `load_network` (and `dnn.load`).

A network's file names its task; an ensemble's file (`dnn.ensemble_file`) holds an
`ensemble` array in place of `meta`. `load_as` reads either, checked: a network into the class
a table gives for its task, `NetworkClassifier` or `NetworkRegressor` here (no scikit-learn: a
study's final scoring does without it, and importing scikit-learn takes a second), their
scikit-learn faces for `dnn.load` (`dnn.estimator`); an ensemble into the ensemble class given,
its members into that class's member classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from dnn.classifier import NetworkClassifier
from dnn.ensemble import NetworkEnsemble
from dnn.ensemble_file import ensemble_from_arrays, is_ensemble
from dnn.metadata import CLASSIFICATION, REGRESSION
from dnn.network import Network
from dnn.npz import read_npz
from dnn.persistence import network_from_arrays, one_line
from dnn.regressor import NetworkRegressor

N = TypeVar("N", bound=Network)
E = TypeVar("E", bound=NetworkEnsemble)


def load_as(path: str | Path, classes: Mapping[str, type[N]], ensemble: type[E]) -> N | E:
    """Read a file written by `save`: a network, or an ensemble into `ensemble`.

    A network is read into the class `classes` gives for its task.

    Args:
        path: the `.npz` file.
        classes: task (`classification`, `regression`) -> the class that loads it.
        ensemble: the class that loads an ensemble's file.

    Returns:
        The network or the ensemble, ready to predict.

    Raises:
        ValueError: `<path>: <problem>` (one line), as `Network.load` and
            `NetworkEnsemble.load`.
        FileNotFoundError: no such file.
    """
    try:
        arrays = read_npz(path)
        if is_ensemble(arrays):
            return ensemble_from_arrays(arrays, ensemble)
        saved = network_from_arrays(arrays)
    except ValueError as error:
        raise ValueError(f"{path}: {one_line(error)}") from None
    return classes[saved.task]._from_saved(saved)


def load_network(path: str | Path) -> NetworkClassifier | NetworkRegressor | NetworkEnsemble:
    """`dnn.load` without scikit-learn: a saved network as the class of its task, or an ensemble.

    A file from before regression existed is a classifier's.

    Args:
        path: the `.npz` file written by `save` (by any of the network classes, or by an
            ensemble).

    Returns:
        A `NetworkClassifier` or a `NetworkRegressor`, as the file's task says, or a
        `NetworkEnsemble` of them.

    Raises:
        ValueError: `<path>: <problem>` (one line), as `Network.load`.
        FileNotFoundError: no such file.
    """
    classes: dict[str, type[NetworkClassifier] | type[NetworkRegressor]] = {
        CLASSIFICATION: NetworkClassifier,
        REGRESSION: NetworkRegressor,
    }
    return load_as(path, classes, NetworkEnsemble)
