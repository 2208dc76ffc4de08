"""`DeepNetwork` and `DeepNetworkRegressor`: the networks of `dnn` as scikit-learn estimators.

The networks, their training and their files are `NetworkClassifier`'s and
`NetworkRegressor`'s; this module, the only one of `dnn` that imports scikit-learn, adds what
scikit-learn's conventions need: its input validation (`validate_data`, with its messages and
`feature_names_in_`), `check_is_fitted` and its `NotFittedError`, `score` (accuracy, R^2),
`get_params`/`set_params`/`clone`, and the tags its estimator checks read. `dnn.load` reads
either kind of network's file into its scikit-learn face, and an ensemble's file into a
`DeepNetworkEnsemble` of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import ClassifierTags, RegressorTags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from dnn.checks import RowName
from dnn.classifier import NetworkClassifier
from dnn.config import NetworkConfig
from dnn.ensemble import NetworkEnsemble
from dnn.loading import load_as
from dnn.metadata import CLASSIFICATION, REGRESSION
from dnn.network import Network
from dnn.regressor import NetworkRegressor
from dnn.types import Array

if TYPE_CHECKING:
    from sklearn.utils import Tags

FLOATS = [np.float64, np.float32]  # X is converted to float64 unless it is float32


class _ScikitLearnValidation(Network):
    """The input checks of `Network`, done by scikit-learn (as its estimator checks expect)."""

    _y_validation: ClassVar[dict[str, bool]] = {}  # validate_data's arguments for y

    def _validate_training_data(self, X: Any, y: Any) -> tuple[Array, NDArray[Any]]:
        X, y = validate_data(self, X, y, dtype=FLOATS, **self._y_validation)
        return X, y

    def _validate_features(self, X: Any) -> Array:
        X = validate_data(self, X, reset=False, dtype=FLOATS)
        return X

    def _check_fitted(self) -> None:
        check_is_fitted(self, "parameters_")


class DeepNetwork(_ScikitLearnValidation, ClassifierMixin, BaseEstimator, NetworkClassifier):
    """An L-layer fully connected classifier, as a scikit-learn estimator.

    Trained by (mini-batch) gradient descent.
    The arguments, attributes and methods are `NetworkClassifier`'s (each argument is
    documented in `dnn.config.NetworkConfig`); `score` is the accuracy. A file saved by
    either class loads with the other.

    Attributes:
        classes_, parameters_, costs_, cost_iterations_, n_features_in_, feature_names_in_
        (fitted on a DataFrame), layer_dims_, activations_, n_iter_, n_parameters_.

    Example:
        >>> from sklearn.datasets import load_digits
        >>> X, y = load_digits(return_X_y=True)
        >>> net = DeepNetwork(hidden_layers=(32,), learning_rate=0.1, num_iterations=200, seed=0)
        >>> net.fit(X / 16, y).score(X / 16, y) > 0.9
        True
    """

    _counterpart = "DeepNetworkRegressor"

    def _fit_targets(self, y: NDArray[Any], row: RowName, config: NetworkConfig) -> Array:
        check_classification_targets(y)
        return super()._fit_targets(y, row, config)

    def __sklearn_tags__(self) -> Tags:
        """scikit-learn's tags, declaring that more than two classes are supported."""
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags


class DeepNetworkRegressor(_ScikitLearnValidation, RegressorMixin, BaseEstimator, NetworkRegressor):
    """An L-layer fully connected regressor, as a scikit-learn estimator.

    k linear output units and the squared error.
    The arguments, attributes and methods are `NetworkRegressor`'s (each argument is
    documented in `dnn.config.NetworkConfig`); `score` is R^2 (averaged uniformly over
    several targets). A file saved by either class loads with the other.

    Attributes:
        y_mean_, y_scale_, parameters_, costs_, cost_iterations_, n_features_in_,
        feature_names_in_ (fitted on a DataFrame), layer_dims_, activations_, n_iter_,
        n_parameters_.

    Example:
        >>> from sklearn.datasets import load_diabetes
        >>> X, y = load_diabetes(return_X_y=True)
        >>> net = DeepNetworkRegressor(hidden_layers=(16,), optimizer="adam", learning_rate=0.01,
        ...                            num_iterations=300, normalize=True, seed=0)
        >>> net.fit(X, y).score(X, y) > 0.5
        True
    """

    _counterpart = "DeepNetwork"
    _y_validation: ClassVar[dict[str, bool]] = {"y_numeric": True, "multi_output": True}

    def __sklearn_tags__(self) -> Tags:
        """scikit-learn's tags, declaring that several targets (y of shape (m, k)) are supported."""
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


FACES: dict[str, type[DeepNetwork] | type[DeepNetworkRegressor]] = {
    CLASSIFICATION: DeepNetwork,
    REGRESSION: DeepNetworkRegressor,
}


class DeepNetworkEnsemble(NetworkEnsemble, BaseEstimator):
    """A `NetworkEnsemble` as scikit-learn sees an estimator: what `dnn.load` gives for one.

    The arguments, attributes and methods are `NetworkEnsemble`'s (`members`, `weights`;
    `predict`, `predict_proba`, `score`, `save`, `to_onnx`); its members, once loaded, are
    `DeepNetwork`s or `DeepNetworkRegressor`s. It is fitted as made (there is no `fit`: the
    members are); scikit-learn's tags say its task, so `is_classifier` and the scorers work.
    """

    _member_classes = FACES

    def __sklearn_tags__(self) -> Tags:
        """scikit-learn's tags of a fitted classifier or regressor, as the members' task."""
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.target_tags.required = True
        if self.task == CLASSIFICATION:
            tags.estimator_type = "classifier"
            tags.classifier_tags = ClassifierTags()
        else:
            tags.estimator_type = "regressor"
            tags.regressor_tags = RegressorTags()
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        """Always: an ensemble is made of fitted members."""
        return True


def load(path: str | Path) -> DeepNetwork | DeepNetworkRegressor | DeepNetworkEnsemble:
    """Read a saved network or ensemble into its scikit-learn face.

    A `DeepNetwork` or a `DeepNetworkRegressor`, as the task saved in the file says (a file
    from before regression existed is a classifier's), or a `DeepNetworkEnsemble` of them for
    an ensemble's file.

    Args:
        path: the `.npz` file.

    Returns:
        The network or ensemble, ready to predict.

    Raises:
        ValueError: `<path>: <problem>` (one line), as `DeepNetwork.load`.
        FileNotFoundError: no such file.
    """
    return load_as(path, FACES, DeepNetworkEnsemble)
