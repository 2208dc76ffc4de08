"""The best configuration of a stored study, reused in code in one line.

>>> from search import best_config
>>> config = best_config("digits")          # doctest: +SKIP
>>> net = config.build().fit(X, y)          # doctest: +SKIP  (untrained copy, trained anew)
>>> trained = config.load_network()         # doctest: +SKIP  (the trial's learned W and b)
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import optuna
from optuna.trial import TrialState

import dnn
from dnn import NetworkClassifier, NetworkRegressor, load_network
from search.artifacts import Saved, Store, params_of, predictions_of
from search.record import StudyRecord, TestRecord, TrialRecord
from search.spec import StudySpec, check_study_name
from search.storage import (
    StorageError,
    default_storage,
    file_sha256,
    open_storage,
    redact,
    storage_file,
)
from search.tasks import task_named

if TYPE_CHECKING:
    from dnn import DeepNetwork  # loaded when a network is built: scikit-learn is slow to import


def best_number(
    candidates: Iterable[tuple[int, Sequence[float]]], directions: Sequence[str]
) -> int | None:
    """The number of the best of `(trial number, values)`.

    The best first value; on a tie (or in a Pareto study) fewer parameters, the second value; then
    the earlier trial.

    The one ranking rule: `best_trial` uses it on trials, reports on the rows of a table. In a
    Pareto study the trial it picks is on the front (nothing beats its first value, and among
    equals nothing has fewer parameters). Candidates without a finite first value are skipped.
    """
    sign = -1.0 if directions[0] == "maximize" else 1.0
    best_key, best = None, None
    for number, values in candidates:
        if not values or not math.isfinite(values[0]):
            continue
        second = values[1] if len(directions) > 1 and len(values) > 1 else 0.0
        key = (sign * values[0], second, number)
        if best_key is None or key < best_key:
            best_key, best = key, number
    return best


def best_trial(
    study: optuna.Study, trials: list[optuna.trial.FrozenTrial] | None = None
) -> optuna.trial.FrozenTrial | None:
    """The best complete trial (see `best_number`).

    `trials`, when the caller has just read them, saves reading them again.
    """
    if trials is None:
        trials = study.get_trials(deepcopy=False)
    complete = {t.number: t for t in trials if t.state == TrialState.COMPLETE and t.values}
    directions = [d.name.lower() for d in study.directions]
    number = best_number(((n, t.values) for n, t in complete.items()), directions)
    return None if number is None else complete[number]


def load_trained(
    trial: optuna.trial.FrozenTrial, store: Store | None = None
) -> NetworkClassifier | NetworkRegressor:
    """The trained network of a complete trial, from its `.npz`, as the trial trained it.

    Without its scikit-learn face (`load_verified(scikit_learn=False)`); from the study's
    artifact store `store` when its record names an artifact.
    """
    saved = params_of(TrialRecord.from_trial(trial))
    return load_saved(saved, f"trial {trial.number}", store, scikit_learn=False)


def load_saved(
    saved: Saved, what: str, store: Store | None = None, *, scikit_learn: bool = True
) -> Any:
    """The network a record names (`search.artifacts.Saved`), if it is the one recorded.

    Args:
        saved: its path on this machine, or its artifact id in `store`, and its SHA-256.
        what: what it is, for messages (`trial 3 of study 'digits'`).
        store: the study's store (needed for an artifact only).
        scikit_learn: as `load_verified`.

    Raises:
        FileNotFoundError: no file at its path. StorageError: the file or artifact is not the
            one recorded (`ArtifactsError` for an artifact, naming it), or is gone.
    """
    with (store or Store()).fetch(saved, what) as path:
        if scikit_learn:
            return load_verified(path, saved.sha256, what)
        return load_verified(path, saved.sha256, what, scikit_learn=False)


@overload
def load_verified(
    path: str | None, sha256: str | None, what: str, *, scikit_learn: Literal[True] = ...
) -> DeepNetwork: ...


@overload
def load_verified(
    path: str | None, sha256: str | None, what: str, *, scikit_learn: Literal[False]
) -> NetworkClassifier | NetworkRegressor: ...


def load_verified(
    path: str | None, sha256: str | None, what: str, *, scikit_learn: bool = True
) -> Any:
    """The network saved at `path`, if its bytes are those recorded when it was saved.

    A `DeepNetwork` (or `DeepNetworkRegressor`), or with `scikit_learn=False` the same network
    without that face (`dnn.network.load_network`), which does not import scikit-learn (a run's
    final scoring then does without it).

    Two studies of one name, or a file replaced by hand, would otherwise hand back another
    study's network without a word. Files saved before digests were recorded are trusted.

    Raises:
        FileNotFoundError: no file. StorageError: the file is not the one recorded.
    """
    if path is None or not Path(path).is_file():
        where = "" if path is None or Path(path).is_absolute() else " (relative to where it ran)"
        raise FileNotFoundError(f"{what} has no saved parameters at {path}{where}")
    if sha256 is not None and file_sha256(path) != sha256:
        raise StorageError(
            f"{path} is not the network saved for {what} (its contents differ from the ones "
            "recorded: another study's file, or changed since); refusing to load it"
        )
    return dnn.load(path) if scikit_learn else load_network(path)


def test_predictions(
    study: optuna.Study, storage: str | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """A regression study's test targets and its final model's predictions, `(y_true, y_pred)`.

    They are for its report's figures; None when it has none (a classification, a study not yet
    scored, or a file or artifact that is gone or not the one recorded). With the study's
    `storage`, a file is also found from another folder than its run's (`locate`).
    """
    stored = StudyRecord.of(study)
    if stored.best_test is None:
        return None
    saved = predictions_of(stored.best_test)
    saved = saved._replace(path=locate(saved.path, saved.sha256, storage))
    try:
        with Store(stored.artifact_store).fetch(saved, "the test predictions") as path:
            if path is None or not Path(path).is_file() or file_sha256(path) != saved.sha256:
                return None
            with np.load(path, allow_pickle=False) as data:
                y_true, y_pred = data["y_true"], data["y_pred"]
    except (OSError, KeyError, ValueError, StorageError):  # gone, damaged, or not the one saved
        return None
    if y_true.shape != y_pred.shape or y_true.dtype.kind != "f" or y_pred.dtype.kind != "f":
        return None
    return y_true, y_pred


test_predictions.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


UNLESS_NONE = {"written": "unless None"}  # a `BestConfig` field that `to_dict` leaves out if None


@dataclass(frozen=True)
class BestConfig:
    """The hyperparameters of a study's best trial, and where its learned parameters are."""

    study_name: str
    trial_number: int
    metric: str
    value: float
    hyperparameters: dict[str, Any]
    layer_dims: list[int]
    n_parameters: int
    params_path: str | None
    test_accuracy: float | None
    # metric name -> value of the final model on the test data (every metric of
    # `search.metrics.METRICS`); empty for a study stored before test scores, until it runs again
    test_scores: dict[str, float] = field(default_factory=dict)
    final_params_path: str | None = None
    params_sha256: str | None = None
    final_params_sha256: str | None = None
    scored_on: str = "validation"  # or "5-fold CV": what `value` was measured on
    task: str = "classification"  # or "regression": `build` makes a `DeepNetworkRegressor`
    # a final model that is an ensemble of the best trials (`search.ensemble`): `members`
    # (trial numbers), `weights` and its `validation` score; None for a single network
    ensemble: dict[str, Any] | None = field(default=None, metadata=UNLESS_NONE)
    # in a study with an artifact store (`search.artifacts`): its location, and the networks'
    # artifact ids there in place of their paths
    artifact_store: str | None = field(default=None, metadata=UNLESS_NONE)
    params_artifact: str | None = field(default=None, metadata=UNLESS_NONE)
    final_params_artifact: str | None = field(default=None, metadata=UNLESS_NONE)

    @property
    def hidden_layers(self) -> list[int]:
        """The best trial's hidden layer sizes, `[n_1, ..., n_{L-1}]`."""
        return list(self.hyperparameters["hidden_layers"])

    @property
    def activation(self) -> str | list[str]:
        """The hidden layers' activation: one name, or one per hidden layer."""
        return self.hyperparameters["activation"]

    @property
    def learning_rate(self) -> float:
        """The best trial's learning rate."""
        return self.hyperparameters["learning_rate"]

    @property
    def num_iterations(self) -> int:
        """The best trial's number of training iterations."""
        return self.hyperparameters["num_iterations"]

    def to_dict(self) -> dict[str, Any]:
        """Plain data, JSON-ready: the fields, with `study` and `trial` as short names."""
        data = dataclasses.asdict(self)
        for f in dataclasses.fields(self):  # as studies without them always wrote it
            if f.metadata == UNLESS_NONE and data[f.name] is None:
                del data[f.name]
        return {
            "study": data.pop("study_name"),
            "trial": data.pop("trial_number"),
            **data,
        }

    def build(self, **overrides: Any) -> DeepNetwork:
        """An untrained `DeepNetwork` (a `DeepNetworkRegressor` for a regression) of this config.

        It has these hyperparameters, overrides winning. A study of a table also sets its
        `categorical` and `drop` columns: the network takes the raw table in `fit` and `predict`.
        """
        return self.estimator_class()(**{**self.hyperparameters, **overrides})

    def estimator_class(self) -> Any:
        """`DeepNetwork` or `DeepNetworkRegressor`, as the task asks (imports scikit-learn)."""
        return task_named(self.task).estimator_class()

    def load_network(self, final: bool = True) -> Any:
        """A trained network, without retraining.

        The final model when the study made one and `final` (the best configuration retrained on
        training + validation data, or an ensemble of the best trials, `dnn.DeepNetworkEnsemble`:
        the one scored on test), else the best trial's own network.
        """
        store = Store(self.artifact_store)
        final_model = Saved(
            self.final_params_path, self.final_params_artifact, self.final_params_sha256
        )
        if final and (final_model.path or final_model.artifact):
            return load_saved(final_model, f"the final model of study {self.study_name!r}", store)
        what = f"trial {self.trial_number} of study {self.study_name!r}"
        return load_saved(
            Saved(self.params_path, self.params_artifact, self.params_sha256), what, store
        )

    def to_python(self) -> str:
        """A runnable snippet that builds this network.

        Only `repr()` of stored values and only `DeepNetwork`'s own argument names are written:
        nothing read from a storage can become code or break out of a comment.

        Raises:
            StorageError: the trial stores an argument `DeepNetwork` does not have.
        """
        known = _network_arguments(self.estimator_class())
        for key in self.hyperparameters:
            if key not in known:
                raise StorageError(
                    f"study {self.study_name!r}: trial {self.trial_number} stores an unknown "
                    f"hyperparameter {key!r}; not writing it into code"
                )
        args = ",\n    ".join(f"{key}={value!r}" for key, value in self.hyperparameters.items())
        header = (
            f"Best trial {self.trial_number} of study {self.study_name!r}: "
            f"{self.scored_on} {self.metric} {self.value:.4f}"
        )
        return (
            f"# {_one_line(header)}\n"
            f"from dnn import {self.estimator_class().__name__}\n\n"
            f"net = {self.estimator_class().__name__}(\n    {args},\n)\n"
            "# net.fit(X_train, y_train); net.predict(X)\n"
        )

    def to_json(self) -> str:
        """Strict JSON.

        A score that is not a number (NaN, say a ROC AUC on a test split with one class) is `null`.
        """
        return json.dumps(_finite(self.to_dict()), indent=2, allow_nan=False)


def _finite(value: Any) -> Any:
    """The value with every non-finite float, however deeply nested, as None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _network_arguments(estimator: Any) -> set[str]:
    """The keyword arguments of the estimator (identifiers by construction)."""
    return set(inspect.signature(estimator.__init__).parameters) - {"self"}


def _one_line(text: str) -> str:
    """Printable characters only (a comment must not end before its text does)."""
    return "".join(c if c.isprintable() else "?" for c in text)


def open_existing_study(name: str, storage: str | None = None) -> optuna.Study:
    """Load a stored study by name; StorageError (one line) if there is none."""
    check_study_name(name)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = storage or default_storage(name)
    backend = open_storage(url, create=False)
    try:
        return optuna.load_study(study_name=name, storage=backend)
    except KeyError:
        known = optuna.study.get_all_study_names(backend)
        hint = f"; stored studies: {', '.join(map(repr, known))}" if known else ""
        raise StorageError(f"no study named {name!r} in {redact(url)}{hint}") from None


def best_config(name: str, storage: str | None = None) -> BestConfig:
    """The best configuration of study `name` (embedded storage under `runs/` by default)."""
    study = open_existing_study(name, storage)
    trial = best_trial(study)
    if trial is None:
        raise StorageError(f"study {name!r} has no complete trial yet")
    stored = StudyRecord.of(study)
    spec = StudySpec.from_stored(stored.spec, name)
    record = TrialRecord.from_trial(trial)
    if record.hyperparameters is None or record.layer_dims is None or record.n_parameters is None:
        raise StorageError(f"study {name!r}: trial {trial.number} has no stored hyperparameters")
    return BestConfig(
        study_name=name,
        trial_number=trial.number,
        metric=spec.metric,
        value=float(trial.values[0]),
        hyperparameters=dict(record.hyperparameters),
        layer_dims=list(record.layer_dims),
        n_parameters=int(record.n_parameters),
        params_path=locate(record.params_path, record.params_sha256, storage),
        params_sha256=record.params_sha256,
        scored_on=spec.scored_on,
        task=spec.task,
        artifact_store=stored.artifact_store,
        params_artifact=record.params_artifact,
        **_final_fields(stored.best_test, trial.number, storage),
    )


def locate(path: str | None, sha256: str | None, storage: str | None) -> str | None:
    """A file that a record names by its path, found from this working directory.

    A run records its files' paths as it saw them, relative to the folder it was started in
    (`runs/NAME/trials/3.npz`). From another folder, through the study's storage file (its
    journal, or its SQLite database, in or below that folder), the path is looked for here, then
    under each folder above that file, nearest first (as named, then with links resolved), and
    the first file whose SHA-256 is the one recorded is the one: another study's file of the same
    name, in this folder or one further up, is passed over.

    Returns:
        The file found; else the nearest file of that name (its load refuses it, naming it);
        else the path as recorded (absolute, recorded without a digest by an older version, of a
        database server's study, with no storage named (the default one is here), or found
        nowhere: a load's error names it).
    """
    if path is None or sha256 is None or Path(path).is_absolute() or storage is None:
        return path
    anchor = storage_file(storage)
    if anchor is None:
        return path  # a database server's study: its files are where its runs were started
    named, resolved = Path(os.path.abspath(anchor)).parents, Path(anchor).resolve().parents
    candidates = [Path(path), *(folder / path for folder in dict.fromkeys([*named, *resolved]))]
    found = [candidate for candidate in candidates if candidate.is_file()]
    same = (candidate for candidate in found if file_sha256(candidate) == sha256)
    return str(next(same, found[0] if found else path))  # a changed file: the load refuses it


def _final_fields(test: TestRecord | None, trial: int, storage: str | None) -> dict[str, Any]:
    """A `BestConfig`'s fields of the final model, from its stored test record (if any).

    A record of another trial than the best (stored before the best changed) is no one's; its
    file is looked for as `locate` does.
    """
    if test is None or test.trial != trial:
        return {"test_accuracy": None}
    return {
        "test_accuracy": test.test_accuracy,
        "test_scores": dict(test.test_scores),
        "final_params_path": locate(test.params_path, test.params_sha256, storage),
        "final_params_sha256": test.params_sha256,
        "final_params_artifact": test.params_artifact,
        "ensemble": _ensemble_of(test),
    }


def _ensemble_of(test: TestRecord | None) -> dict[str, Any] | None:
    """A final ensemble's members, weights and validation score (None for a single network)."""
    if test is None or not test.members:
        return None
    weights = [round(w, 6) for w in test.weights]
    return {"members": list(test.members), "weights": weights, "validation": test.validation}
