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
"""

from dnn.activations import ACTIVATION_BACKWARD, ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from dnn.core import (
    backward,
    compute_cost,
    forward,
    initialize_parameters,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
    update_parameters,
)
from dnn.dropout import dropout_masks
from dnn.estimator import DeepNetwork, count_parameters
from dnn.gradcheck import gradient_check
from dnn.hyperparameters import HYPERPARAMETERS, check_hyperparameter
from dnn.initialization import INITIALIZATIONS
from dnn.labels import predict_labels
from dnn.optimizers import (
    OPTIMIZERS,
    initialize_adam,
    initialize_velocity,
    update_lr,
    update_parameters_with_adam,
    update_parameters_with_momentum,
)
from dnn.train import TrainingDiverged, TrainResult, train
from dnn.types import LayerCache, LinearCache, layer_dims_of, num_layers

__all__ = [
    "ACTIVATIONS",
    "ACTIVATION_BACKWARD",
    "HIDDEN_ACTIVATIONS",
    "HYPERPARAMETERS",
    "INITIALIZATIONS",
    "OPTIMIZERS",
    "OUTPUT_ACTIVATIONS",
    "DeepNetwork",
    "LayerCache",
    "LinearCache",
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
    "layer_dims_of",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "num_layers",
    "predict_labels",
    "train",
    "update_lr",
    "update_parameters",
    "update_parameters_with_adam",
    "update_parameters_with_momentum",
]
