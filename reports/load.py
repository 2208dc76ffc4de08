"""Read a stored study into tidy tables: one row per trial, one row per learning-curve point.

Follows Optuna's `study/_dataframe.py`: build a list of records, then one DataFrame. Trial
parameters keep Optuna's `params_` prefix and cover every hyperparameter of the spec, tuned
or fixed; a parameter that does not apply to a trial (`n_3` when `n_hidden = 2`) is NaN,
meaning "not applicable". The space and the trial record are `search`'s (`SearchSpace`,
`TrialRecord`): this module only lays them out. Reading never writes: a running study can be
read at any time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

import optuna
import pandas as pd
from optuna.trial import FrozenTrial

from search import (
    SearchSpace,
    SpecError,
    StudyRecord,
    StudySpec,
    TrialRecord,
    default_storage,
    open_existing_study,
    redact,
)
from search.metrics import METRICS
from search.record import Attr, StudyAttr, TestRecord, is_enqueued
from search.space import N_HIDDEN
from search.spec import read_stored, upgrade
from search.tasks import CLASSIFICATION, Task, task_named

NAN = math.nan
USER_COLUMNS = tuple(
    a.value
    for a in (
        Attr.TRAIN_ACCURACY,
        Attr.VAL_ACCURACY,
        Attr.TRAIN_COST,
        Attr.VAL_COST,
        Attr.WALL_TIME,
        Attr.N_PARAMETERS,
        Attr.PRUNED_AT,
        Attr.PRUNED_REASON,
        Attr.FAIL_REASON,
    )
)
LIST_COLUMNS = (Attr.LAYER_DIMS.value, Attr.ACTIVATIONS.value)
# The iteration of a trial's best validation report, whose network and value it kept
# (`search.epochs`): a column only when some trial recorded one, before `pruned_at`, so that
# the tables of a study stored without early stopping are what they were
BEST_ITERATION = Attr.BEST_ITERATION.value
# The fields of a stored `TestRecord` that make its final model an ensemble
ENSEMBLE_FIELDS = ("members", "weights")
CURVE_COLUMNS = ("number", "state", "iteration", "cost", "val_metric")


def task_of(name: Any) -> Task:
    """The task `name` stands for (`search.tasks.task_named`), a classification if none.

    Only a damaged or foreign spec names a task that does not exist: its report is still
    written, as a classification's.
    """
    try:
        return task_named(name)
    except ValueError:
        return CLASSIFICATION


def guessed_metric(task: Task, direction: str) -> str:
    """The metric of a study whose stored spec names none, from its task and direction.

    The task's default metric when it goes the study's direction, else the task's first metric
    that does: `accuracy` or `log_loss`, `r2` or `rmse`.

    Every version of dnnsearch stored a metric; only a spec written by someone else lacks one.
    The guess lives here, not in `search.spec.upgrade`, because it needs the study's direction,
    which the spec does not hold.
    """
    if METRICS[task.default_metric].direction == direction:
        return task.default_metric
    going = (name for name, metric in task.metrics().items() if metric.direction == direction)
    return next(going, task.default_metric)


@dataclass(frozen=True)
class StudyInfo:
    """What a report needs to know about a study besides its trials.

    `spec` is the spec as stored with the study (plain data); `space` reads it back through
    `search` (None when the study has no valid stored spec).
    """

    name: str
    spec: dict[str, Any] = field(default_factory=dict)
    best_test: TestRecord | None = None
    directions: tuple[str, ...] = ("maximize",)
    target_trials: int | None = None
    storage: str = ""
    data_summary: Any = None  # as stored (None before studies stored one): see reports.data
    # the stored final model names members or weights, readable or not: `best_test` has none
    # when they were not (`search.record` drops them), and the report says so
    ensemble_stored: bool = False
    # where the study keeps its networks when not in its own folder (`search.artifacts`)
    artifact_store: str | None = None

    @cached_property
    def problem(self) -> Task:
        """The study's task (`search.tasks`), from its spec as `search.spec.upgrade` reads it.

        A spec stored before there were tasks is a classification's (upgrade's rule); for a
        task no version wrote, see `task_of`.
        """
        return task_of((upgrade(self.spec) or {}).get("task"))

    @property
    def task(self) -> str:
        """The name of the study's task: `classification` or `regression`."""
        return self.problem.name

    @property
    def metric(self) -> str:
        """The study's metric (from the spec; without one, `guessed_metric`)."""
        if "metric" in self.spec:
            return str(self.spec["metric"])
        return guessed_metric(self.problem, self.direction)

    @property
    def direction(self) -> str:
        """The direction of the study's value (its first objective): maximize or minimize."""
        return self.directions[0]

    @property
    def pareto(self) -> bool:
        """Whether the study has a second objective (the number of parameters, minimized)."""
        return len(self.directions) > 1

    @cached_property
    def space(self) -> SearchSpace | None:
        """The spec's search space read through `search` (None: the spec is not valid now)."""
        try:
            return StudySpec.from_stored(self.spec, self.name).space
        except SpecError:
            return None


class StudyData(NamedTuple):
    """A study read back: its info, its trials (one row each) and its learning curves (long)."""

    info: StudyInfo
    trials: pd.DataFrame
    curves: pd.DataFrame


def _n_hidden(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value)


def trial_params(
    trial: FrozenTrial, record: TrialRecord, space: SearchSpace | None
) -> dict[str, Any]:
    """`params_<name>` for every trial parameter: tuned from the trial, fixed from the spec.

    NaN where a parameter does not apply; in space order, then any the space does not know.
    """
    known = space or SearchSpace.from_dict()
    names = space.param_names() if space is not None else []
    fixed = space.fixed_params() if space is not None else {}
    values = {**known.params_of(record.hyperparameters or {}), **trial.params}
    if values:
        n_hidden = _n_hidden(values.get(N_HIDDEN, fixed.get(N_HIDDEN)))
        for name, value in fixed.items():
            if name not in values and SearchSpace.applies(name, n_hidden):
                values[name] = value
    extra = [name for name in values if name not in names]
    return {f"params_{name}": values.get(name, NAN) for name in [*names, *extra]}


def trial_row(trial: FrozenTrial, space: SearchSpace | None, n_objectives: int) -> dict[str, Any]:
    """One row of the trials table."""
    record = TrialRecord.from_trial(trial)
    values = list(trial.values) if trial.values else [NAN] * n_objectives
    row: dict[str, Any] = {"number": trial.number, "state": trial.state.name, "value": values[0]}
    if n_objectives > 1:
        row.update({f"values_{i}": v for i, v in enumerate(values)})
    row.update(trial_params(trial, record, space))
    stored = record.to_user_attrs()
    row.update({key: stored.get(key, NAN) for key in USER_COLUMNS})
    if record.best_iteration is not None:
        row[BEST_ITERATION] = record.best_iteration
    row.update({key: stored.get(key) for key in LIST_COLUMNS})
    start, complete = trial.datetime_start, trial.datetime_complete
    row["datetime_start"] = pd.Timestamp(start) if start else pd.NaT
    row["datetime_complete"] = pd.Timestamp(complete) if complete else pd.NaT
    row["duration"] = (complete - start).total_seconds() if start and complete else NAN
    row["enqueued"] = is_enqueued(trial)
    return row


def trials_frame(
    trials: list[FrozenTrial], spec: Mapping[str, Any], n_objectives: int = 1
) -> pd.DataFrame:
    """The tidy trials table of a list of trials (one row each, sorted by number)."""
    space = StudyInfo("", dict(spec)).space
    rows = [trial_row(t, space, n_objectives) for t in trials]
    frame = pd.DataFrame.from_records(rows)
    if frame.empty:
        names = space.param_names() if space is not None else []
        frame = pd.DataFrame(
            columns=[
                "number",
                "state",
                "value",
                *(f"params_{n}" for n in names),
                *USER_COLUMNS,
                *LIST_COLUMNS,
                "datetime_start",
                "datetime_complete",
                "duration",
            ]
        )
    return place_best_iteration(frame).sort_values("number", kind="stable").reset_index(drop=True)


def place_best_iteration(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its `best_iteration` column, if any, just before `pruned_at`."""
    if BEST_ITERATION not in frame:
        return frame
    columns = [c for c in frame.columns if c != BEST_ITERATION]
    at = columns.index(Attr.PRUNED_AT.value)
    return frame[[*columns[:at], BEST_ITERATION, *columns[at:]]]


def curves_frame(trials: list[FrozenTrial]) -> pd.DataFrame:
    """The learning curves of all trials, one row per recorded iteration."""
    rows = []
    for trial in trials:
        curve = TrialRecord.from_trial(trial).learning_curve
        if curve is None:
            continue
        points = zip(curve.iteration, curve.cost, curve.val_metric, strict=False)
        rows += [
            {
                "number": trial.number,
                "state": trial.state.name,
                "iteration": i,
                "cost": c,
                "val_metric": v,
            }
            for i, c, v in points
        ]
    return pd.DataFrame.from_records(rows, columns=list(CURVE_COLUMNS))


def study_info(study: optuna.Study, storage: str = "") -> StudyInfo:
    """The study's name, stored spec, test score of the best trial and directions."""
    stored = StudyRecord.of(study)
    test = study.user_attrs.get(StudyAttr.BEST_TEST)
    return StudyInfo(
        name=study.study_name,
        spec=read_stored(stored.spec, study.study_name) or {},
        best_test=stored.best_test,
        directions=tuple(d.name.lower() for d in study.directions),
        target_trials=stored.target_trials,
        storage=redact(storage),
        data_summary=stored.data_summary,
        ensemble_stored=isinstance(test, dict) and any(key in test for key in ENSEMBLE_FIELDS),
        artifact_store=stored.artifact_store,
    )


def read_study(study: optuna.Study, storage: str = "") -> StudyData:
    """Read an open study: info, trials and learning curves."""
    info = study_info(study, storage)
    trials = study.get_trials(deepcopy=False)
    return StudyData(
        info, trials_frame(trials, info.spec, len(info.directions)), curves_frame(trials)
    )


def load_study_data(name: str, storage: str | None = None) -> StudyData:
    """Open study `name` (default storage: `runs/<name>/journal.log`) and read it.

    Raises:
        search.StorageError: there is no such study.
    """
    url = storage or default_storage(name)
    return read_study(open_existing_study(name, url), url)
