"""dnn: a minimal, fast, vectorized L-layer network in the notation of the course notes.

Functional core (X is (n_x, m), columns are examples):

>>> import numpy as np
>>> from dnn import initialize_parameters, forward, compute_cost, backward, update_parameters
>>> X = np.array([[0.0, 1.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
>>> Y = np.array([[0.0, 1.0, 1.0, 0.0]])
>>> parameters = initialize_parameters([2, 4, 1], seed=0)
>>> AL, caches = forward(X, parameters, ["tanh", "sigmoid"])
>>> grads = backward(AL, Y, caches)
>>> parameters = update_parameters(parameters, grads, learning_rate=0.5)

Estimators (X is (m, n_x), scikit-learn style): `DeepNetwork(hidden_layers=(20, 7, 5)).fit(X, y)`,
`DeepNetworkRegressor` for numeric targets, and `dnn.load(path)` for either kind of saved file;
`NetworkClassifier` and `NetworkRegressor` are the same networks without scikit-learn (quicker
to import: a study's worker processes use them), and `load_network(path)` reads a file into
one of them. `NetworkEnsemble(members, weights)` predicts by the weighted mean of fitted
networks (`DeepNetworkEnsemble`, its scikit-learn face, is what `dnn.load` gives for its
file); `to_onnx(path)` exports a network or an ensemble (with the `onnx` extra).

Modules, one concern each. The course: `activations` (g[l] and g'[l], by name),
`initialization` (the scale of W[l], by name), `core` (initialize_parameters, the linear and
activation steps, forward, compute_cost, backward, update_parameters), `dropout`, `gradcheck`,
`optimizers` (momentum, Adam, learning-rate decay), `hyperparameters` (one rule for each),
`scaling` (the input scalings, learned on the training rows), `target_scale` (a regression
target learned as it is or on a log scale),
`labels` (the prediction rule), `types`, and `train` (the fast loop). The product around it:
`config` (the estimators' arguments, `NetworkConfig`), `checks` (the data checks: features,
labels, targets), `inputs` (what fit and predict accept), `network` (the estimator base),
`classifier` and `regressor` (the estimators without scikit-learn), `npz` (the safe `.npz`
reader), `persistence` and `metadata` (the network files), `loading` (a file into the class
of its task, or an ensemble's), `ensemble` and `ensemble_file` (the ensemble and its file),
`onnx_export` and `onnx_inputs` (the ONNX model, and the table encoding written beside it;
the only modules that import `onnx`, loaded on use), `cells`, `columns`, `tables` and
`table_state` (encoding a raw table: the cell parser, a column's kind and encoding, the
encoder, its saved state), and
`estimator` (the scikit-learn faces `DeepNetwork`, `DeepNetworkRegressor`,
`DeepNetworkEnsemble` and `load`, the only module that imports scikit-learn; it is loaded on
first use of one of those names).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dnn.activations import ACTIVATIONS
from dnn.classifier import NetworkClassifier
from dnn.core import backward, compute_cost, forward, initialize_parameters, update_parameters
from dnn.dropout import dropout_masks
from dnn.ensemble import NetworkEnsemble
from dnn.gradcheck import gradient_check
from dnn.hyperparameters import HYPERPARAMETERS, check_hyperparameter
from dnn.labels import predict_labels
from dnn.loading import load_network
from dnn.optimizers import (
    initialize_adam,
    initialize_velocity,
    update_lr,
    update_parameters_with_adam,
    update_parameters_with_momentum,
)
from dnn.regressor import NetworkRegressor
from dnn.train import TrainingDiverged, TrainResult, train
from dnn.types import count_parameters

if TYPE_CHECKING:
    from dnn.estimator import DeepNetwork, DeepNetworkEnsemble, DeepNetworkRegressor, load

__all__ = [
    "ACTIVATIONS",
    "HYPERPARAMETERS",
    "DeepNetwork",
    "DeepNetworkEnsemble",
    "DeepNetworkRegressor",
    "NetworkClassifier",
    "NetworkEnsemble",
    "NetworkRegressor",
    "TrainResult",
    "TrainingDiverged",
    "backward",
    "check_hyperparameter",
    "compute_cost",
    "count_parameters",
    "dropout_masks",
    "forward",
    "gradient_check",
    "initialize_adam",
    "initialize_parameters",
    "initialize_velocity",
    "load",
    "load_network",
    "predict_labels",
    "train",
    "update_lr",
    "update_parameters",
    "update_parameters_with_adam",
    "update_parameters_with_momentum",
]


# the names of `dnn.estimator`
LAZY = ("DeepNetwork", "DeepNetworkEnsemble", "DeepNetworkRegressor", "load")


def __getattr__(name: str) -> Any:
    """The names of `dnn.estimator` (`dnn.DeepNetwork`, `dnn.load`, ...), loaded on first use.

    So `import dnn` does not import scikit-learn.

    Args:
        name: the attribute asked for.

    Returns:
        The name's value, from `dnn.estimator`.

    Raises:
        AttributeError: for any other name.
    """
    if name in LAZY:
        from dnn import estimator

        value = getattr(estimator, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dnn' has no attribute {name!r}")
