"""search: the Optuna study layer that tunes `dnn.DeepNetwork`'s hyperparameters.

>>> from search import StudySpec, run_study, best_config
>>> spec = StudySpec.from_dict({"name": "demo", "dataset": "digits"})  # doctest: +SKIP
>>> run_study(spec, load_data)                    # doctest: +SKIP  (load_data(spec) -> X, y)
>>> best_config("demo").build().fit(X, y)         # doctest: +SKIP
"""

from search.best import BestConfig, best_config, best_trial, load_trained, open_existing_study
from search.data import Splits, stratified_split
from search.objective import Objective, counts_toward_total, sample_hyperparameters, trial_seed
from search.runner import (
    Progress,
    RunResult,
    StudyMismatchError,
    count_trials,
    create_study,
    fail_dead_trials,
    load_study,
    prepare_splits,
    run_study,
    storage_url,
    work,
)
from search.samplers import make_pruner, make_sampler  # noqa: F401 - public helpers
from search.spec import PRUNERS, SAMPLERS, SearchSpace, SpecError, StudySpec
from search.storage import StorageError, default_storage, open_storage, redact

__all__ = [
    "PRUNERS",
    "SAMPLERS",
    "BestConfig",
    "Objective",
    "Progress",
    "RunResult",
    "SearchSpace",
    "SpecError",
    "Splits",
    "StorageError",
    "StudyMismatchError",
    "StudySpec",
    "best_config",
    "best_trial",
    "count_trials",
    "counts_toward_total",
    "create_study",
    "default_storage",
    "fail_dead_trials",
    "load_study",
    "load_trained",
    "open_existing_study",
    "open_storage",
    "redact",
    "prepare_splits",
    "run_study",
    "sample_hyperparameters",
    "storage_url",
    "stratified_split",
    "trial_seed",
    "work",
]
