"""`DeepNetworkSearch`: a study as a scikit-learn search estimator, for Python and notebooks.

>>> from studies import DeepNetworkSearch
>>> search = DeepNetworkSearch(space={"n_hidden": (1, 3)}, n_trials=20)  # doctest: +SKIP
>>> search.fit(X_train, y_train).score(X_test, y_test)                   # doctest: +SKIP
>>> search.trials_, search.best_params_, search.report()                 # doctest: +SKIP

It is the CLI's study on the same machinery (`run_study`) and storage: with `storage=None` a
study lives in `runs/NAME/`, where `dnnsearch report NAME`, `best NAME` and `run` find it.
The caller keeps its own test data, as with scikit-learn's searches: none of X is held out,
trials are validated on a split of it (or by k-fold, `cv_folds`), and the best configuration
is retrained on the whole of X (`refit`).

It lives in `studies`, the layer above `reports`, because `trials_` and `report()` are the
report's tables: `search` never imports `reports`. This module imports scikit-learn; `studies`
loads it on first use of `DeepNetworkSearch`.
"""

from __future__ import annotations

import inspect
import secrets
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import optuna
from sklearn.base import BaseEstimator, MetaEstimatorMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from reports import StudyReport, read_study, study_report, trials_table
from search.best import best_config, best_trial, open_existing_study
from search.data import Dataset, is_frame, take
from search.errors import SpecError
from search.final import RunResult
from search.progress import TrialBar
from search.record import StudyRecord
from search.runner import run_study
from search.spec import COMPARED, StudySpec
from search.storage import StorageError
from search.tasks import infer_task

IN_MEMORY = "in-memory"  # the dataset of a study fitted in Python: nothing is held out for test
DEFAULT_NAME = "search"  # a study_name left out: search-<date>-<time>-<random>, new per fit


class DeepNetworkSearch(MetaEstimatorMixin, BaseEstimator):
    """Tune a `dnn.DeepNetwork` (or `DeepNetworkRegressor`) on X, y with an Optuna study.

    The arguments are the study file's keys (README); `random_state` is its `seed`. After
    `fit`: `best_estimator_` (the best configuration trained on all of X, with `refit`),
    `best_params_` (its `DeepNetwork` arguments: `DeepNetwork(**best_params_)`), `best_score_`
    (the best trial's metric on validation or k-fold CV; for `log_loss`, the default for
    classes below 1,000 rows of X, and for `rmse` and `mae` lower is better), `best_trial_`
    (Optuna's FrozenTrial, with the trial parameters), `study_` (the Optuna study), `trials_` (a
    DataFrame, one row per trial: number, state, value, hyperparameters, scores,
    `n_parameters`), `study_name_` and `storage_`.

    Args:
        space: the search space as a dict in the study file's forms (a value: fixed; a list:
            a choice; `{"low": ..., "high": ..., "log": ..., "step": ...}`: a range).
        task: "classification" or "regression"; None infers it from y: a regression when y
            holds floats that are not all whole numbers, else a classification. Pass it for
            a numeric target with whole values (counts, prices in dollars).
        study_name: the study's name. None: a new study per `fit`, named
            `search-<date>-<time>-<random>` (`study_name_`), so that clones fitted on other
            data (`cross_val_score`, `GridSearchCV`) never meet in one study. A name that
            exists resumes that study: `fit` adds its trials and refuses other data (the
            study's stored fingerprint), or other settings. Arguments left None (`space`,
            `metric`, `task`, `cv_folds`, `max_parameters`, `enqueue`) then take the stored
            study's values, and a study started by `dnnsearch run` keeps its own test split
            out of X, as the CLI did.
        n_trials: the trials a `fit` adds; None: as many as `timeout` allows, or 30 without
            a timeout. timeout: seconds; the search (and the final refit) end by then.
        n_jobs: worker processes; None: one per core of the machine (at most 8), as
            scikit-learn's -1. The arguments after `space` are keyword-only.
        storage: a storage URL; None: the CLI's embedded journal file `runs/NAME/journal.log`.
        refit: keep a final model as `best_estimator_`: the best configuration trained on all
            of X, or the study's ensemble of its best trials when that won on validation
            (`ensemble`, the study file's key: the number of best trials it is chosen from;
            0 turns it off; None: the study's, 20 for a new one).
        enqueue: configurations tried first (`[{"hidden_layers": [20, 7, 5], ...}]`).
        verbose: 0 silent; 1 a progress bar (`tqdm.auto`) when the output is a terminal or
            a notebook; 2 the CLI's progress lines, on stderr.
        categorical, drop: columns of a DataFrame X taken as categories, or left out.
    """

    def __init__(
        self,
        space: Mapping[str, Any] | None = None,
        *,
        n_trials: int | None = None,
        timeout: float | None = None,
        n_jobs: int | None = None,
        sampler: str = "tpe",
        pruner: str = "median",
        metric: str | None = None,
        task: str | None = None,
        cv_folds: int | None = None,
        validation_fraction: float = 0.2,
        max_parameters: int | None = None,
        storage: str | None = None,
        study_name: str | None = None,
        random_state: int = 0,
        refit: bool = True,
        enqueue: Sequence[Mapping[str, Any]] | None = None,
        verbose: int = 1,
        categorical: Sequence[str] = (),
        drop: Sequence[str] = (),
        ensemble: int | None = None,
    ) -> None:
        """Keep the arguments as given (scikit-learn's rule: `fit` checks and uses them)."""
        self.space = space
        self.n_trials = n_trials
        self.timeout = timeout
        self.n_jobs = n_jobs
        self.sampler = sampler
        self.pruner = pruner
        self.metric = metric
        self.task = task
        self.cv_folds = cv_folds
        self.validation_fraction = validation_fraction
        self.max_parameters = max_parameters
        self.storage = storage
        self.study_name = study_name
        self.random_state = random_state
        self.refit = refit
        self.enqueue = enqueue
        self.verbose = verbose
        self.categorical = categorical
        self.drop = drop
        self.ensemble = ensemble

    def fit(self, x: Any, y: Any) -> DeepNetworkSearch:
        """Run `n_trials` trials on x (m, n_x) (an array, or a DataFrame of raw columns) and y (m,).

        Then set the fitted attributes and, with `refit`, train `best_estimator_`.

        Raises:
            SpecError: a bad argument (one line naming it), or a stored study of that name
                with other data or settings (`StudyMismatchError`).
            ValueError: bad data (naming the problem). RuntimeError: no trial completed.
        """
        self._check_arguments()
        x, y = self._validated(x, y)
        name = self.study_name or fresh_name()
        spec = self._spec(name, _stored_spec(name, self.storage), y)
        if spec.test_dataset is not None:
            raise SpecError(
                f"study {name!r} was run with its own test file {spec.test_dataset!r}; "
                "resume it with `dnnsearch run`"
            )
        if spec.dataset == IN_MEMORY:
            data = Dataset(x, y, take(x, np.arange(0)), y[:0])  # nothing held out
        else:
            data = Dataset(x, y)  # a study started by the CLI: its test split, as it cut it
        result = run_study(spec, lambda _: data, progress=self._progress())
        self._set_results(spec, result)
        if self.refit:
            config = best_config(name, result.storage)
            final = config.load_network() if config.ensemble else config.build().fit(x, y)
            self.best_estimator_ = final  # the ensemble of the best trials, when it won
        return self

    def _validated(self, x: Any, y: Any) -> tuple[Any, np.ndarray]:
        """X and y as a study takes them; sets `n_features_in_` (and `feature_names_in_`)."""
        if is_frame(x):  # raw columns, encoded by each trial's network
            self.feature_names_in_ = np.asarray(x.columns, dtype=object)
        else:  # scikit-learn's checks and messages (sparse, complex, empty, 1-d X)
            x, y = validate_data(
                self, x, y, dtype=np.float64, multi_output=True, ensure_min_samples=2
            )
        self.n_features_in_ = int(x.shape[1])
        return x, _as_targets(y)

    def _check_arguments(self) -> None:
        """The arguments that are not study-file keys (those are the spec's to check)."""
        if self.study_name is not None and (
            not isinstance(self.study_name, str) or not self.study_name
        ):
            raise SpecError(
                f"study_name: expected a non-empty name or None, got {self.study_name!r}"
            )
        if isinstance(self.verbose, bool) or not isinstance(self.verbose, int) or self.verbose < 0:
            raise SpecError(f"verbose: expected 0, 1 or 2, got {self.verbose!r}")
        if not isinstance(self.refit, bool):
            raise SpecError(f"refit: expected True or False, got {self.refit!r}")
        for key in ("categorical", "drop"):
            names = getattr(self, key)
            if isinstance(names, str) or not isinstance(names, Sequence):
                raise SpecError(f"{key}: expected a list of column names, got {names!r}")

    def _spec(self, name: str, stored: StudySpec | None, y: np.ndarray) -> StudySpec:
        """The study's spec.

        The stored study's definition (or a new in-memory study's) with this estimator's arguments.
        """
        raw: dict[str, Any] = {"dataset": IN_MEMORY}
        if stored is not None:
            run_time = ("timeout", "storage", "n_trials", "n_jobs")  # this fit's, not the study's
            raw = {k: v for k, v in stored.to_dict().items() if k not in run_time}
        given = {key: getattr(self, key) for key in FROM_STORED if getattr(self, key) is not None}
        if stored is None and "task" not in given:
            given["task"] = infer_task(y).name
        raw.update(
            given,
            name=name,
            n_trials=self.n_trials,
            timeout=self.timeout,
            n_jobs=self.n_jobs,
            sampler=self.sampler,
            pruner=self.pruner,
            validation_fraction=self.validation_fraction,
            storage=self.storage,
            seed=self.random_state,
            categorical=list(self.categorical),
            drop=list(self.drop),
            ensemble=self.ensemble,
        )
        if raw.get("enqueue") is not None:
            raw["enqueue"] = list(raw["enqueue"])
        return StudySpec.from_dict({k: v for k, v in raw.items() if v is not None})

    def _progress(self) -> Any:
        """What `run_study` reports to: a bar, the CLI's lines, or nothing (`verbose`)."""
        if self.verbose >= 2:
            return sys.stderr
        if self.verbose >= 1 and _interactive():
            return TrialBar()
        return None

    def _set_results(self, spec: StudySpec, result: RunResult) -> None:
        self.study_name_, self.storage_ = spec.name, result.storage
        self.trials_ = trials_frame(self.study_, result.storage)
        trial = best_trial(self.study_)
        if trial is None:
            raise RuntimeError(
                f"study {spec.name!r}: no trial completed (see trials_ for their states)"
            )
        config = best_config(spec.name, result.storage)
        self.best_trial_ = trial
        self.best_params_ = dict(config.hyperparameters)
        self.best_score_ = float(config.value)

    @property
    def study_(self) -> optuna.Study:
        """The Optuna study, opened from its storage on each use.

        That way a fitted search holds no open storage, and pickles.
        """
        check_is_fitted(self, "study_name_")
        return open_existing_study(self.study_name_, self.storage_)

    def _fitted(self) -> Any:
        check_is_fitted(self, "best_trial_")
        if not self.refit:
            raise AttributeError("refit=False: no best_estimator_ to predict with")
        return self.best_estimator_

    def predict(self, x: Any) -> np.ndarray:
        """The best estimator's predictions: class labels, or numbers for a regression."""
        return self._fitted().predict(x)

    @available_if(lambda self: _best_has(self, "predict_proba"))
    def predict_proba(self, x: Any) -> np.ndarray:
        """The best classifier's class probabilities, (m, n_classes)."""
        return self._fitted().predict_proba(x)

    def score(self, x: Any, y: Any) -> float:
        """The best estimator's score: accuracy, or R^2 for a regression."""
        return float(self._fitted().score(x, y))

    @property
    def classes_(self) -> np.ndarray:
        """The class labels the best estimator learned (a classifier's only)."""
        return self._fitted().classes_

    def report(self) -> StudyReport:
        """The study's report (`reports.study_report`).

        Inline in a notebook, `.tables`, `.figures`, `.save(dir)`.
        """
        check_is_fitted(self, "study_name_")
        return study_report(self.study_name_, self.storage_)

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's estimator tags, with `non_deterministic` False: the search is seeded."""
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


# Constructor arguments whose None means "the stored study's value, else the default": the
# study-file keys a resumed study must keep (`search.spec.COMPARED`) that default to None here.
FROM_STORED = tuple(
    name
    for name, parameter in inspect.signature(DeepNetworkSearch.__init__).parameters.items()
    if parameter.default is None and name in COMPARED
)


def _best_has(search: DeepNetworkSearch, method: str) -> bool:
    """Before `fit` every method is offered; after, those the best estimator has."""
    best = getattr(search, "best_estimator_", None)
    return best is None or hasattr(best, method)


def fresh_name() -> str:
    """A new study name: `search-<date>-<time>-<6 hex digits>`."""
    return f"{DEFAULT_NAME}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


def _as_targets(y: Any) -> np.ndarray:
    """Y as an array: a pandas Series or a one-column DataFrame as its values."""
    y = y.to_numpy() if hasattr(y, "to_numpy") else np.asarray(y)
    return y[:, 0] if y.ndim == 2 and y.shape[1] == 1 else y


def _stored_spec(name: str, storage: str | None) -> StudySpec | None:
    """The spec of a stored study of that name, or None when there is none."""
    try:
        study = open_existing_study(name, storage)
    except StorageError:
        return None
    spec = StudyRecord.of(study).spec
    return None if spec is None else StudySpec.from_stored(spec, name)


def trials_frame(study: optuna.Study, storage: str) -> Any:
    """A pandas DataFrame, one row per trial: the report's trials table (`reports.trials_table`)."""
    data = read_study(study, storage)
    return trials_table(data.trials, data.info.task)


def _interactive() -> bool:
    """Output that a person watches: a terminal, or a Jupyter kernel."""
    return sys.stderr.isatty() or "ipykernel" in sys.modules
