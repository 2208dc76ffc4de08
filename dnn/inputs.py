"""The estimators' input: what `fit` and `predict` accept, checked, as the network's X.

An array X (m, n_x) is checked by `dnn.checks` (a finite 2-d float array; y of the same
length); a table (a pandas DataFrame) is encoded by the `dnn.tables.TableEncoder` that `fit`
learns from it (kept as `encoder_`), and `predict` then takes any DataFrame with the same
columns, by name. scikit-learn's faces (`dnn.estimator`) replace the checks of arrays with
scikit-learn's own validation; the rest is shared.

`dnn.tables` is imported where a table is handled, not here: `import dnn` leaves it out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from dnn.checks import RowName, by_position, check_features, row_names
from dnn.config import NetworkConfig
from dnn.types import Array

if TYPE_CHECKING:
    from dnn.tables import TableEncoder


class NotFittedError(ValueError, AttributeError):
    """A fitted network's method called before `fit` or `load`.

    As scikit-learn's, also an AttributeError, so that `hasattr(net, "n_parameters_")` is
    False.
    """


class Inputs:
    """How a network reads X (and y) in `fit` and X in `predict`.

    Attributes:
        n_features_in_: columns of the X (or the table) of `fit`.
        feature_names_in_: the table's column names (only when fitted on a table).
        encoder_: the `TableEncoder` learned from a table X (only when fitted on one).
    """

    n_features_in_: int
    feature_names_in_: NDArray[Any]
    encoder_: TableEncoder

    def _training_features(
        self, X: Any, y: Any, config: NetworkConfig
    ) -> tuple[Array, NDArray[Any], RowName]:
        """X as the network's input (m, n[0]) and y checked.

        A table X is encoded by a `TableEncoder` learned from it (kept as `encoder_`).

        Returns:
            X (m, n[0]), y (m rows), and how messages name y's rows (a table's by its index).
        """
        from dnn.tables import TableEncoder, is_table

        if not is_table(X):
            if len(config.categorical) or len(config.drop):
                raise ValueError(
                    "categorical and drop name columns of a table (a pandas DataFrame), "
                    f"but X is a {type(X).__name__}"
                )
            if config.numeric_bins:
                raise ValueError(
                    "numeric_bins encodes the numeric columns of a table (a pandas DataFrame), "
                    f"but X is a {type(X).__name__}"
                )
            for name in ("encoder_", "feature_names_in_"):  # left by a fit on a table
                self.__dict__.pop(name, None)
            return (*self._validate_training_data(X, y), by_position)
        encoder = TableEncoder(config.categorical, config.drop, bins=config.numeric_bins)
        X_encoded, y = self._validate_training_data(encoder.fit_transform(X), y)
        self.encoder_ = encoder
        self.n_features_in_ = len(encoder.columns_)
        self.feature_names_in_ = np.asarray(encoder.columns_, dtype=object)
        return X_encoded, y, row_names(X.index)

    def _prediction_features(self, X: Any, check_input: bool) -> Array:
        """X as the network's input (m, n[0]).

        A table goes through `encoder_`; an array is checked (unless `check_input` is False).
        """
        encoder = getattr(self, "encoder_", None)
        if encoder is None:
            return self._validate_features(X) if check_input else X
        from dnn.tables import is_table

        if is_table(X):
            return encoder.transform(X)
        if check_input:
            raise ValueError(
                f"this {type(self).__name__} was fitted on a table: give it a DataFrame with "
                f"the columns {', '.join(map(repr, encoder.columns_))}, not a "
                f"{type(X).__name__}"
            )
        return X  # check_input=False: as encoder_.transform made it

    # -- the checks of arrays (scikit-learn's faces replace these three) --------------------

    def _validate_training_data(self, X: Any, y: Any) -> tuple[Array, NDArray[Any]]:
        """X as a finite float array (m, n_x) and y as an array of m rows.

        Sets `n_features_in_`.

        Raises:
            ValueError: one line, for an X that is not 2-d, empty, not numbers or not finite,
                or a y of another length.
        """
        X = check_features(X)
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != X.shape[0]:
            got = "a scalar" if y.ndim == 0 else f"{len(y)} rows"
            raise ValueError(f"X has {X.shape[0]} examples but y has {got}: need one per row")
        self.n_features_in_ = X.shape[1]
        return X, y

    def _validate_features(self, X: Any) -> Array:
        """X as a finite float array (m, n_x) with the `n_features_in_` columns of `fit`."""
        X = check_features(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} was fitted with "
                f"{self.n_features_in_}"
            )
        return X

    def _check_fitted(self) -> None:
        """Refuse to predict, score or save before `fit` or `load` (NotFittedError)."""
        if not hasattr(self, "parameters_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet: call fit or load first"
            )
