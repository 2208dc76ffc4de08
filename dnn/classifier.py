"""`NetworkClassifier`: the L-layer network for class labels, numpy only.

Labels (any values: numbers or strings) are encoded to 0/1 for one sigmoid output unit (two
classes) or to one-hot columns for C softmax units (C > 2 classes), and predicted back by the
one prediction rule of `dnn.labels`. The rest (fit, prediction in chunks, files) is
`dnn.network.Network`'s.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from dnn.checks import RowName, check_labels
from dnn.config import NetworkConfig
from dnn.labels import encode_labels, predict_labels
from dnn.metadata import CLASSIFICATION
from dnn.network import Network
from dnn.persistence import SavedNetwork
from dnn.types import Array


class NetworkClassifier(Network):
    """An L-layer fully connected classifier trained by (mini-batch) gradient descent.

    The arguments are `Network`'s (`dnn.config.NetworkConfig`). Labels may be any values
    (numbers or strings); two classes take one sigmoid output unit, C > 2 classes C softmax
    units.

    Attributes:
        classes_: the labels, sorted; and those of `Network`.

    Example:
        >>> import numpy as np
        >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        >>> net = NetworkClassifier(hidden_layers=(4,), activation="tanh", learning_rate=1.0,
        ...                         num_iterations=2000, init="xavier", seed=0)
        >>> net.fit(X, ["even", "odd", "odd", "even"]).predict(X).tolist()
        ['even', 'odd', 'odd', 'even']
    """

    _task = CLASSIFICATION
    _counterpart = "NetworkRegressor"

    def _fit_targets(self, y: NDArray[Any], row: RowName, config: NetworkConfig) -> Array:
        """Set `classes_`; return Y: 0/1 (1, m) for two classes, one-hot (C, m) for C > 2."""
        self.classes_ = check_labels(y, row=row)
        return encode_labels(y, self.classes_, config.dtype)

    def _output_activation(self, n_L: int) -> str:
        """Sigmoid for one output unit (two classes), softmax for C > 2."""
        return "sigmoid" if n_L == 1 else "softmax"

    def predict_proba(self, X: Any, check_input: bool = True) -> Array:
        """Class probabilities, (m, n_classes), in the order of `classes_`.

        Args:
            X: features (m, n_x).
            check_input: False skips the input validation, whose cost adds up when a
                callback scores a validation set every few iterations; X must then be a
                finite float ndarray with `layer_dims_[0]` columns, as in
                `DecisionTreeClassifier.predict_proba(X, check_input=False)` (for a network
                fitted on a table: a DataFrame, or the array `encoder_.transform` made).

        Returns:
            (m, n_classes); for two classes, the columns are 1 - AL and AL.
        """
        AL_T = self._output(X, check_input)
        if AL_T.shape[1] == 1:
            return np.hstack([1 - AL_T, AL_T])
        return AL_T

    def predict(self, X: Any) -> NDArray[Any]:
        """The labels predicted for X (m, n_x), by the one prediction rule (`dnn.labels`).

        Args:
            X: features (m, n_x), or a table for a network fitted on one.

        Returns:
            Labels (m,): class 1 where AL > 0.5 for two classes, the argmax for more.
        """
        return predict_labels(self.predict_proba(X), self.classes_)

    def _target_arrays(self) -> dict[str, NDArray[Any]]:
        """The classes, as `save` writes them (object labels as text: no pickle)."""
        classes = self.classes_
        if classes.dtype.kind == "O":
            classes = classes.astype(str)
        return {"classes": classes}

    def _set_targets(self, saved: SavedNetwork) -> None:
        """Set `classes_` from a file's arrays."""
        assert saved.classes is not None  # read_network reads them for a classification file
        self.classes_ = saved.classes
