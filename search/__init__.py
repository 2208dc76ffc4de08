"""search: the Optuna study layer that tunes `dnn.DeepNetwork`'s hyperparameters.

>>> from search import StudySpec, run_study, best_config
>>> spec = StudySpec.from_dict({"name": "demo", "dataset": "digits"})  # doctest: +SKIP
>>> run_study(spec, load_data)                    # doctest: +SKIP  (load_data(spec) -> X, y)
>>> best_config("demo").build().fit(X, y)         # doctest: +SKIP

The scikit-learn search estimator, `DeepNetworkSearch`, lives in `studies` (its `trials_` and
`report()` are the report's, and `search` never imports `reports`):
`from studies import DeepNetworkSearch`.

The names below are the API; the modules' other names serve the packages and tests and may
change. What a trial stores is `TrialRecord` (`search.record`); Optuna's private API is used
only in `search._optuna`.
"""

from __future__ import annotations

from typing import Any

from search.best import BestConfig, best_config, best_trial, open_existing_study, test_predictions
from search.errors import SpecError, StudyMismatchError
from search.final import RunResult
from search.record import StudyRecord, TrialRecord
from search.runner import run_study
from search.space import SearchSpace
from search.spec import StudySpec
from search.storage import StorageError, default_storage, open_storage, redact, repair_storage
from search.workers import join_study

__all__ = [
    "BestConfig",
    "RunResult",
    "SearchSpace",
    "SpecError",
    "StorageError",
    "StudyMismatchError",
    "StudyRecord",
    "StudySpec",
    "TrialRecord",
    "best_config",
    "best_trial",
    "default_storage",
    "join_study",
    "open_existing_study",
    "open_storage",
    "redact",
    "repair_storage",
    "run_study",
    "test_predictions",
]


def __getattr__(name: str) -> Any:
    """Say where a name that moved went."""
    if name == "DeepNetworkSearch":
        raise ImportError(
            "DeepNetworkSearch moved to the studies package: from studies import DeepNetworkSearch"
        )
    raise AttributeError(f"module 'search' has no attribute {name!r}")
