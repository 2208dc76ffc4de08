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

Estimator (X is (m, n_x), scikit-learn style): `DeepNetwork(hidden_layers=(20, 7, 5)).fit(X, y)`.

Modules, one concern each: `activations` (g[l] and g'[l], by name), `initialization` (the scale
of W[l], by name), `core` (initialize_parameters, the linear and activation steps, forward,
compute_cost, backward, update_parameters), `dropout`, `gradcheck`, `optimizers` (momentum,
Adam, learning-rate decay), `hyperparameters` (one rule for each), `train` (the fast loop),
`labels` (the prediction rule), `estimator` (`DeepNetwork`, the only module that imports
scikit-learn; it is loaded on first use of `dnn.DeepNetwork`), `types`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dnn.activations import ACTIVATIONS
from dnn.core import backward, compute_cost, forward, initialize_parameters, update_parameters
from dnn.dropout import dropout_masks
from dnn.gradcheck import gradient_check
from dnn.hyperparameters import HYPERPARAMETERS, check_hyperparameter
from dnn.labels import predict_labels
from dnn.optimizers import (
    initialize_adam,
    initialize_velocity,
    update_lr,
    update_parameters_with_adam,
    update_parameters_with_momentum,
)
from dnn.train import TrainingDiverged, TrainResult, train
from dnn.types import count_parameters

if TYPE_CHECKING:
    from dnn.estimator import DeepNetwork

__all__ = [
    "ACTIVATIONS",
    "HYPERPARAMETERS",
    "DeepNetwork",
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
    "predict_labels",
    "train",
    "update_lr",
    "update_parameters",
    "update_parameters_with_adam",
    "update_parameters_with_momentum",
]


def __getattr__(name: str) -> Any:
    """`dnn.DeepNetwork` on first use, so that `import dnn` does not import scikit-learn."""
    if name == "DeepNetwork":
        from dnn.estimator import DeepNetwork

        globals()["DeepNetwork"] = DeepNetwork
        return DeepNetwork
    raise AttributeError(f"module 'dnn' has no attribute {name!r}")
