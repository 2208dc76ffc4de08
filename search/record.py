"""What a study stores: the one module that names, writes and reads stored attributes.

A trial's user attributes are one typed record, `TrialRecord`, written by the objective in
three batches and read back by everything else (`best_config`, the runner, reports):

- who runs it, first and on its own: `pid`, `host` (so a dead process's trial can be failed);
- what it trains, before training: `hyperparameters` (the `DeepNetwork` keyword arguments, seed
  included), `layer_dims`, `n_parameters`, `seed`, `blas_threads`, `cost_every`;
- how it ended: `learning_curve`, `wall_time`, `activations`, `train_accuracy`, `train_score`,
  `train_cost`, `val_accuracy`, `val_cost`, `fold_val_accuracy` (with cross-validation),
  `params_path` (or `params_artifact`, in the study's artifact store: `search.artifacts`),
  `pruned_at`, `pruned_reason`, `fail_reason`, `best_iteration`.

A study's user attributes (`StudyRecord`): its `spec`, `target_trials` (the total its workers
run up to), `best_test` (the final model's test accuracy and its score by every metric of
its task in `search.metrics`), `data` (the fingerprint of its data), `data_summary` (what its
data are, for reports), `artifact_store` (where its networks are, when not its own folder) and,
on PostgreSQL, its `heartbeat`.

The names of the trial parameters that exist once per hidden layer (`n_1`, `activation_2`)
are made and parsed here too.
"""

from __future__ import annotations

import dataclasses
import os
import socket
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from search import _optuna


class Attr(StrEnum):
    """Every stored attribute's name; a trial's are `TrialRecord`'s fields, by test."""

    PID = "pid"
    HOST = "host"
    HYPERPARAMETERS = "hyperparameters"
    LAYER_DIMS = "layer_dims"
    N_PARAMETERS = "n_parameters"
    SEED = "seed"
    BLAS_THREADS = "blas_threads"
    ACTIVATIONS = "activations"
    TRAIN_ACCURACY = "train_accuracy"
    TRAIN_COST = "train_cost"
    VAL_ACCURACY = "val_accuracy"
    VAL_COST = "val_cost"
    FOLD_VAL_ACCURACY = "fold_val_accuracy"
    LEARNING_CURVE = "learning_curve"
    WALL_TIME = "wall_time"
    PRUNED_AT = "pruned_at"
    PRUNED_REASON = "pruned_reason"
    FAIL_REASON = "fail_reason"
    PARAMS_PATH = "params_path"
    PARAMS_SHA256 = "params_sha256"
    TRAIN_SCORE = "train_score"
    COST_EVERY = "cost_every"
    BEST_ITERATION = "best_iteration"
    PREDICTIONS_PATH = "predictions_path"
    PREDICTIONS_SHA256 = "predictions_sha256"
    FOLD_PATHS = "fold_paths"
    FOLD_SHA256S = "fold_sha256s"
    PARAMS_ARTIFACT = "params_artifact"
    PREDICTIONS_ARTIFACT = "predictions_artifact"
    FOLD_ARTIFACTS = "fold_artifacts"


class StudyAttr(StrEnum):
    """A study's stored attributes."""

    SPEC = "spec"
    TARGET_TRIALS = "target_trials"
    BEST_TEST = "best_test"
    HEARTBEAT = "heartbeat"
    DATA = "data"  # the data set's fingerprint: a resume on other data is refused
    DATA_SUMMARY = "data_summary"  # what the data are: columns, their kinds, the target
    ARTIFACT_STORE = "artifact_store"  # `search.artifacts`: a shared folder or s3://bucket/prefix


class Failure(StrEnum):
    """Why a trial failed: the start of its `fail_reason` (`diverged: training diverged ...`)."""

    SURPLUS = "surplus"  # asked for after the study reached its total: bookkeeping only
    DIVERGED = "diverged"  # the cost became NaN or inf: a result, counted toward the total
    DIED = "worker process died"
    INTERRUPTED = "interrupted"  # Ctrl-C or SIGTERM

    def reason(self, detail: str | None = None) -> str:
        """The stored text: the kind, then `: detail` when there is one."""
        return f"{self.value}: {detail}" if detail else self.value

    @classmethod
    def of(cls, reason: object) -> Failure | None:
        """The kind a stored `fail_reason` names (None for none, or for an unknown text)."""
        if not isinstance(reason, str):
            return None
        try:
            return cls(reason.split(":", 1)[0])
        except ValueError:
            return None


SURPLUS_DETAIL = "the study reached its number of trials"


@dataclass
class LearningCurve:
    """The recorded iterations, costs and validation metric of one training run."""

    iteration: list[int] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)

    def add(self, iteration: int, cost: float, value: float) -> None:
        """Append one report: the iteration, its cost and the validation metric."""
        self.iteration.append(iteration)
        self.cost.append(cost)
        self.val_metric.append(value)


@dataclass
class TrialRecord:
    """A trial's user attributes, typed; None means "not recorded" (not stored)."""

    pid: int | None = None
    host: str | None = None
    hyperparameters: dict[str, Any] | None = None
    layer_dims: list[int] | None = None
    n_parameters: int | None = None
    seed: int | None = None
    blas_threads: int | None = None
    activations: list[str] | None = None
    train_accuracy: float | None = None
    train_cost: float | None = None
    val_accuracy: float | None = None
    val_cost: float | None = None
    fold_val_accuracy: list[float] | None = None
    learning_curve: LearningCurve | None = None
    wall_time: float | None = None
    pruned_at: int | None = None
    pruned_reason: str | None = None
    fail_reason: str | None = None
    params_path: str | None = None
    params_sha256: str | None = None  # of the file at params_path, checked when it is loaded
    train_score: float | None = None  # the study's metric on the training part (fold 0's)
    # how often its network recorded its cost (not a hyperparameter: 1 under a time budget,
    # else the study's report_every); its saved file holds those costs
    cost_every: int | None = None
    # the iteration of its best validation report, its network's (`search.epochs`); None for a
    # trial of a study without early stopping, whose network is its last iteration's
    best_iteration: int | None = None
    # a trial among the study's `ensemble` best when it ended keeps what the final ensemble
    # selection needs (`search.ensemble`): its predictions on validation (out of fold, with k
    # folds: `val`, in the folds' order), and with k folds its networks of folds 1..k-1
    predictions_path: str | None = None
    predictions_sha256: str | None = None
    fold_paths: list[str] | None = None
    fold_sha256s: list[str] | None = None
    # with an artifact store (`search.artifacts`): the files' artifact ids in place of paths
    params_artifact: str | None = None
    predictions_artifact: str | None = None
    fold_artifacts: list[str] | None = None

    def to_user_attrs(self) -> dict[str, Any]:
        """The recorded fields as user attributes (JSON-ready; None fields left out)."""
        attrs = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, LearningCurve):
                value = dataclasses.asdict(value)
            if value is not None:
                attrs[f.name] = value
        return attrs

    @classmethod
    def from_user_attrs(cls, attrs: dict[str, Any]) -> TrialRecord:
        """Read the known attributes (others, from a later version, are ignored)."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {key: value for key, value in attrs.items() if key in known}
        curve = values.get(Attr.LEARNING_CURVE)
        if isinstance(curve, dict):
            values[Attr.LEARNING_CURVE] = LearningCurve(
                *(list(curve.get(name) or []) for name in ("iteration", "cost", "val_metric"))
            )
        return cls(**values)

    @classmethod
    def from_trial(cls, trial: FrozenTrial) -> TrialRecord:
        """The record of a stored trial, read from its user attributes."""
        return cls.from_user_attrs(trial.user_attrs)

    @property
    def failure(self) -> Failure | None:
        """The kind of failure its `fail_reason` names, if any."""
        return Failure.of(self.fail_reason)

    def write(self, trial: optuna.Trial) -> None:
        """Store the recorded fields on a running trial (one append on the embedded journal)."""
        attrs = self.to_user_attrs()
        if attrs and not _optuna.set_running_user_attrs(trial, attrs):
            for key, value in attrs.items():
                trial.set_user_attr(key, value)


def failure_of(trial: FrozenTrial) -> Failure | None:
    """The kind of a trial's failure, from its one attribute (workers ask it often)."""
    return Failure.of(trial.user_attrs.get(Attr.FAIL_REASON))


def is_surplus(trial: FrozenTrial) -> bool:
    """A trial failed as surplus: asked for after the study reached its total."""
    return failure_of(trial) == Failure.SURPLUS


def is_enqueued(trial: FrozenTrial) -> bool:
    """Whether the trial tried a configuration enqueued before the study ran (`fixed_params`)."""
    return bool(trial.system_attrs.get("fixed_params"))


def is_diverged(trial: FrozenTrial) -> bool:
    """Whether a trial failed because its cost became NaN or inf (a result: it counts)."""
    return failure_of(trial) == Failure.DIVERGED


def fail_running_trial(study: optuna.Study, trial: FrozenTrial, kind: Failure) -> None:
    """Mark a RUNNING trial (of any process) FAIL with `kind` as its reason.

    Raises:
        optuna.exceptions.UpdateFinishedTrialError: it had already finished.
    """
    _optuna.fail_trial(study, trial, TrialRecord(fail_reason=kind.reason()).to_user_attrs())


# -- per-layer trial parameters ---------------------------------------------------------------

UNITS = "n_units"  # the space key behind n_1 ... n_{L-1}
ACTIVATION = "activation"  # the space key behind activation_1 ... (per_layer_activation)
PER_LAYER_PREFIX = {UNITS: "n", ACTIVATION: ACTIVATION}


def layer_param(key: str, layer: int) -> str:
    """The trial parameter of space key `key` (`n_units`, `activation`) for hidden layer l."""
    return f"{PER_LAYER_PREFIX[key]}_{layer}"


def split_param(name: str) -> tuple[str, int | None]:
    """The space key and layer of a trial parameter.

    `n_2` -> (`n_units`, 2), `lambd` -> (`lambd`, None).
    """
    head, _, tail = name.rpartition("_")
    for key, prefix in PER_LAYER_PREFIX.items():
        if head == prefix and tail.isdigit():
            return key, int(tail)
    return name, None


# -- the study's attributes -------------------------------------------------------------------


@dataclass(frozen=True)
class TestRecord:
    """The final model's test scores, stored once per best trial."""

    __test__ = False  # not a pytest class

    trial: int
    refit: bool
    test_accuracy: float | None  # None for a regression
    params_path: str | None = None  # the refit network (`best.npz`), when there is one
    params_sha256: str | None = None
    # metric name -> value on the test data, for every metric of the study's task in
    # `search.metrics.METRICS`; empty in a record stored before there were test scores (it
    # has test_accuracy alone)
    test_scores: dict[str, float] = field(default_factory=dict)
    # the test data's targets and the final model's predictions (`y_true`, `y_pred` in an
    # .npz beside the networks), for the figures of a regression
    predictions_path: str | None = None
    predictions_sha256: str | None = None
    # in place of the paths, in a study with an artifact store (`search.artifacts`)
    params_artifact: str | None = None
    predictions_artifact: str | None = None
    # a final model that is an ensemble of the best trials (`search.ensemble`): their numbers,
    # their weights, and its validation score (params_path is then the ensemble's file)
    members: tuple[int, ...] = ()
    weights: tuple[float, ...] = ()
    validation: float | None = None

    def to_attr(self) -> dict[str, Any]:
        """The record as stored (plain JSON; fields without a value left out)."""
        data = dataclasses.asdict(self)
        data["members"], data["weights"] = list(self.members), list(self.weights)
        return {key: value for key, value in data.items() if value not in (None, {}, [])}


@dataclass(frozen=True)
class StudyRecord:
    """A study's user attributes, typed."""

    spec: Any = None  # as stored: read it through `search.spec.read_stored`
    target_trials: int | None = None
    best_test: TestRecord | None = None
    heartbeat: dict[str, Any] | None = None
    data: dict[str, Any] | None = None
    data_summary: dict[str, Any] | None = None  # see `search.summary`; None before it existed
    artifact_store: str | None = None  # None: the study's own folder (`search.artifacts`)

    @classmethod
    def of(cls, study: optuna.Study) -> StudyRecord:
        """Read them all (a deep copy: not for a worker's every trial; see `target_trials`)."""
        attrs = study.user_attrs
        test = attrs.get(StudyAttr.BEST_TEST)
        return cls(
            spec=attrs.get(StudyAttr.SPEC),
            target_trials=attrs.get(StudyAttr.TARGET_TRIALS),
            best_test=_test_record(test),
            heartbeat=_dict_or_none(attrs.get(StudyAttr.HEARTBEAT)),
            data=attrs.get(StudyAttr.DATA),
            data_summary=_dict_or_none(attrs.get(StudyAttr.DATA_SUMMARY)),
            artifact_store=_str_or_none(attrs.get(StudyAttr.ARTIFACT_STORE)),
        )


def _dict_or_none(stored: Any) -> dict[str, Any] | None:
    return stored if isinstance(stored, dict) else None


# a TestRecord's fields that name its files: `params_path`, ..., `predictions_artifact`
_FILES = [f"{f}_{p}" for f in ("params", "predictions") for p in ("path", "sha256", "artifact")]


def _test_record(stored: Any) -> TestRecord | None:
    if not isinstance(stored, dict) or not isinstance(stored.get("trial"), int):
        return None
    accuracy, scores = stored.get("test_accuracy"), _scores(stored.get("test_scores"))
    if not scores and not isinstance(accuracy, int | float) and not _ensemble(stored):
        return None  # neither scores nor an ensemble (a study without a test set has one)
    return TestRecord(
        trial=stored["trial"],
        refit=bool(stored.get("refit", False)),
        test_accuracy=float(accuracy) if isinstance(accuracy, int | float) else None,
        test_scores=scores,
        **dict[str, Any]({key: _str_or_none(stored.get(key)) for key in _FILES}),
        **_ensemble(stored),
    )


def _ensemble(stored: dict[str, Any]) -> dict[str, Any]:
    """An ensemble's members, weights and validation score, if stored whole (else none)."""
    members, weights = stored.get("members"), stored.get("weights")
    validation = stored.get("validation")
    if (
        not isinstance(members, list)
        or not isinstance(weights, list)
        or len(members) != len(weights)
        or not all(isinstance(m, int) and not isinstance(m, bool) for m in members)
        or not all(isinstance(w, int | float) and not isinstance(w, bool) for w in weights)
    ):
        return {}
    return {
        "members": tuple(members),
        "weights": tuple(float(w) for w in weights),
        "validation": float(validation) if isinstance(validation, int | float) else None,
    }


def _str_or_none(stored: Any) -> str | None:
    return stored if isinstance(stored, str) else None


def _scores(stored: Any) -> dict[str, float]:
    """Stored test scores, name -> value (none before they were stored).

    A value that is not a number, which only a storage written by something else can hold, is
    left out.
    """
    if not isinstance(stored, dict):
        return {}
    return {
        str(name): float(value)
        for name, value in stored.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def target_trials(study: optuna.Study) -> int | None:
    """The study's total, read cheaply (workers read it before every trial)."""
    return _optuna.study_user_attr(study, StudyAttr.TARGET_TRIALS)


RUN_PREFIX = "run:"  # a run's own key, `run:<host>:<pid>`: no two runs write the same one


def mark_run(study: optuna.Study, active: bool) -> None:
    """Say that this process's run of the study has started (True) or ended (False)."""
    key = f"{RUN_PREFIX}{socket.gethostname()}:{os.getpid()}"
    study.set_user_attr(key, {"active": active})


def active_runs(study: optuna.Study) -> list[tuple[str, int]]:
    """(host, pid) of every run that said it started and has not said it ended."""
    found = []
    for key, value in study.user_attrs.items():
        if key.startswith(RUN_PREFIX) and isinstance(value, dict) and value.get("active"):
            host, _, pid = key.removeprefix(RUN_PREFIX).rpartition(":")
            if pid.isdigit():
                found.append((host, int(pid)))
    return found


def set_target_trials(study: optuna.Study, total: int) -> None:
    """Store the study's total number of trials, the one its runs work toward."""
    study.set_user_attr(StudyAttr.TARGET_TRIALS, total)


def set_spec(study: optuna.Study, spec: dict[str, Any]) -> None:
    """Store the study's spec, as a plain dict."""
    study.set_user_attr(StudyAttr.SPEC, spec)


def set_best_test(study: optuna.Study, record: TestRecord) -> None:
    """Store the final model's test record on the study."""
    study.set_user_attr(StudyAttr.BEST_TEST, record.to_attr())


def set_data(study: optuna.Study, fingerprint: dict[str, Any]) -> None:
    """Store the data set's fingerprint, by which a resume on other data is refused."""
    study.set_user_attr(StudyAttr.DATA, fingerprint)


def set_data_summary(study: optuna.Study, summary: dict[str, Any]) -> None:
    """Store what the data are: columns, their kinds, the target."""
    study.set_user_attr(StudyAttr.DATA_SUMMARY, summary)


def set_heartbeat(study: optuna.Study, heartbeat: dict[str, Any]) -> None:
    """Store the trials' heartbeat, which every worker of the study reads."""
    study.set_user_attr(StudyAttr.HEARTBEAT, heartbeat)


def set_artifact_store(study: optuna.Study, location: str) -> None:
    """Store where the study keeps its networks from now on (a folder or s3://bucket/prefix)."""
    study.set_user_attr(StudyAttr.ARTIFACT_STORE, location)
