"""search: the Optuna study layer that tunes `dnn.DeepNetwork`'s hyperparameters.

>>> from search import StudySpec, run_study, best_config
>>> spec = StudySpec.from_dict({"name": "demo", "dataset": "digits"})  # doctest: +SKIP
>>> run_study(spec, load_data)                    # doctest: +SKIP  (load_data(spec) -> X, y)
>>> best_config("demo").build().fit(X, y)         # doctest: +SKIP
>>> DeepNetworkSearch(n_trials=20).fit(X, y).best_estimator_  # doctest: +SKIP

`DeepNetworkSearch` (module `estimator`, the only one of `search` that imports scikit-learn)
is loaded on first use of the name, so that `import search` does not import scikit-learn.

The names below are the API; the modules' other names serve the packages and tests and may
change. What a trial stores is `TrialRecord` (`search.record`); Optuna's private API is used
only in `search._optuna`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from search.best import BestConfig, best_config, best_trial, open_existing_study, test_predictions
from search.record import StudyRecord, TrialRecord
from search.runner import RunResult, StudyMismatchError, join_study, run_study
from search.spec import SearchSpace, SpecError, StudySpec
from search.storage import StorageError, default_storage, open_storage, redact, repair_storage

if TYPE_CHECKING:
    from search.estimator import DeepNetworkSearch

__all__ = [
    "BestConfig",
    "DeepNetworkSearch",
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
    """`search.DeepNetworkSearch` on first use, so that `import search` does not import
    scikit-learn."""
    if name == "DeepNetworkSearch":
        from search.estimator import DeepNetworkSearch

        globals()[name] = DeepNetworkSearch
        return DeepNetworkSearch
    raise AttributeError(f"module 'search' has no attribute {name!r}")
