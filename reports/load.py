"""Read a stored study into tidy tables: one row per trial, one row per learning-curve point.

Follows Optuna's `study/_dataframe.py`: build a list of records, then one DataFrame. Trial
parameters keep Optuna's `params_` prefix and cover every hyperparameter of the spec, tuned
or fixed; a parameter that does not apply to a trial (`n_3` when `n_hidden = 2`) is NaN,
meaning "not applicable". Reading never writes: a running study can be read at any time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import optuna
import pandas as pd
from optuna.trial import FrozenTrial

from search import open_existing_study, redact
from search.storage import default_storage

FULL_BATCH = "full"
NAN = math.nan
USER_COLUMNS = (
    "train_accuracy",
    "val_accuracy",
    "train_cost",
    "val_cost",
    "wall_time",
    "n_parameters",
    "pruned_at",
    "pruned_reason",
    "fail_reason",
)
LIST_COLUMNS = ("layer_dims", "activations")
CURVE_COLUMNS = ("number", "state", "iteration", "cost", "val_metric")


@dataclass(frozen=True)
class StudyInfo:
    """What a report needs to know about a study besides its trials."""

    name: str
    spec: dict[str, Any] = field(default_factory=dict)
    best_test: dict[str, Any] = field(default_factory=dict)
    directions: tuple[str, ...] = ("maximize",)
    target_trials: int | None = None
    storage: str = ""

    @property
    def metric(self) -> str:
        """`accuracy` or `log_loss` (from the spec; guessed from the direction without one)."""
        default = "accuracy" if self.directions[0] == "maximize" else "log_loss"
        return str(self.spec.get("metric", default))

    @property
    def direction(self) -> str:
        return self.directions[0]

    @property
    def pareto(self) -> bool:
        return len(self.directions) > 1


class StudyData(NamedTuple):
    """A study read back: its info, its trials (one row each) and its learning curves (long)."""

    info: StudyInfo
    trials: pd.DataFrame
    curves: pd.DataFrame


def space_entry(raw: Any) -> tuple[str, Any]:
    """Kind of a stored `[space]` value: ("range", table), ("choice", list) or ("fixed", value)."""
    if isinstance(raw, Mapping):
        return "range", dict(raw)
    if isinstance(raw, list | tuple):
        return ("choice", list(raw)) if len(raw) > 1 else ("fixed", raw[0] if raw else None)
    return "fixed", raw


def max_hidden(space: Mapping[str, Any]) -> int:
    """Largest number of hidden layers a space allows."""
    kind, value = space_entry(space.get("n_hidden", 0))
    if kind == "range":
        return int(value["high"])
    if kind == "choice":
        return int(max(value))
    return int(value or 0)


def param_names(spec: Mapping[str, Any]) -> list[str]:
    """Trial parameter names of a spec, in space order: `n_units` becomes `n_1..n_k`."""
    space = spec.get("space", {})
    hidden = range(1, max_hidden(space) + 1)
    names: list[str] = []
    for key in space:
        if key == "n_units":
            names += [f"n_{layer}" for layer in hidden]
        elif key == "activation" and spec.get("per_layer_activation", False):
            names += [f"activation_{layer}" for layer in hidden]
        else:
            names.append(key)
    return names


def base_name(name: str) -> str:
    """The space key of a trial parameter: `n_2` -> `n_units`, `activation_1` -> `activation`."""
    head, _, tail = name.rpartition("_")
    if head == "n" and tail.isdigit():
        return "n_units"
    if head == "activation" and tail.isdigit():
        return "activation"
    return name


def layer_of(name: str) -> int | None:
    """The layer l of a per-layer parameter (`n_3` -> 3), else None."""
    tail = name.rpartition("_")[2]
    return int(tail) if base_name(name) != name else None


def fixed_values(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Trial parameter name -> value, for the hyperparameters the spec holds fixed."""
    space = spec.get("space", {})
    fixed = {}
    for name in param_names(spec):
        kind, value = space_entry(space.get(base_name(name)))
        if kind == "fixed":
            fixed[name] = value
    return fixed


def from_hyperparameters(hp: Mapping[str, Any] | None) -> dict[str, Any]:
    """Trial parameter names and values from the `hyperparameters` user attribute."""
    if not hp:
        return {}
    values = {
        key: hp[key]
        for key in (
            "learning_rate",
            "num_iterations",
            "optimizer",
            "lambd",
            "input_keep_prob",
            "init",
        )
        if key in hp
    }
    if "mini_batch_size" in hp:
        values["mini_batch_size"] = (
            FULL_BATCH if hp["mini_batch_size"] is None else hp["mini_batch_size"]
        )
    hidden = list(hp.get("hidden_layers", []))
    if "hidden_layers" in hp:
        values["n_hidden"] = len(hidden)
    values.update({f"n_{layer}": n for layer, n in enumerate(hidden, start=1)})
    activation = hp.get("activation")
    if isinstance(activation, list | tuple):
        values.update({f"activation_{layer}": g for layer, g in enumerate(activation, start=1)})
    elif hidden and activation is not None:
        values["activation"] = activation
    if hidden and "keep_prob" in hp:  # like activation: only with hidden layers
        values["keep_prob"] = hp["keep_prob"]
    return values


def applies(name: str, n_hidden: Any) -> bool:
    """Whether a parameter exists for a network with `n_hidden` hidden layers."""
    if n_hidden is None or (isinstance(n_hidden, float) and math.isnan(n_hidden)):
        return True
    layer = layer_of(name)
    if layer is not None:
        return layer <= int(n_hidden)
    return name not in ("activation", "keep_prob") or int(n_hidden) > 0


def trial_params(trial: FrozenTrial, names: list[str], fixed: Mapping[str, Any]) -> dict[str, Any]:
    """`params_<name>` for every name: tuned from the trial, fixed from the spec, else NaN."""
    values = {**from_hyperparameters(trial.user_attrs.get("hyperparameters")), **trial.params}
    if values:
        n_hidden = values.get("n_hidden", fixed.get("n_hidden"))
        for name, value in fixed.items():
            if name not in values and applies(name, n_hidden):
                values[name] = value
    extra = [name for name in values if name not in names]
    return {f"params_{name}": values.get(name, NAN) for name in [*names, *extra]}


def trial_record(
    trial: FrozenTrial, names: list[str], fixed: Mapping[str, Any], n_objectives: int
) -> dict[str, Any]:
    """One row of the trials table."""
    values = list(trial.values) if trial.values else [NAN] * n_objectives
    record: dict[str, Any] = {"number": trial.number, "state": trial.state.name, "value": values[0]}
    if n_objectives > 1:
        record.update({f"values_{i}": v for i, v in enumerate(values)})
    record.update(trial_params(trial, names, fixed))
    attrs = trial.user_attrs
    record.update({key: attrs.get(key, NAN) for key in USER_COLUMNS})
    record.update({key: attrs.get(key) for key in LIST_COLUMNS})
    start, complete = trial.datetime_start, trial.datetime_complete
    record["datetime_start"] = pd.Timestamp(start) if start else pd.NaT
    record["datetime_complete"] = pd.Timestamp(complete) if complete else pd.NaT
    record["duration"] = (complete - start).total_seconds() if start and complete else NAN
    return record


def trials_frame(
    trials: list[FrozenTrial], spec: Mapping[str, Any], n_objectives: int = 1
) -> pd.DataFrame:
    """The tidy trials table of a list of trials (one row each, sorted by number)."""
    names = param_names(spec)
    fixed = fixed_values(spec)
    records = [trial_record(t, names, fixed, n_objectives) for t in trials]
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
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
    return frame.sort_values("number", kind="stable").reset_index(drop=True)


def curves_frame(trials: list[FrozenTrial]) -> pd.DataFrame:
    """The learning curves of all trials, one row per recorded iteration."""
    records = []
    for trial in trials:
        curve = trial.user_attrs.get("learning_curve") or {}
        rows = zip(
            curve.get("iteration", []),
            curve.get("cost", []),
            curve.get("val_metric", []),
            strict=False,
        )
        records += [
            {
                "number": trial.number,
                "state": trial.state.name,
                "iteration": i,
                "cost": c,
                "val_metric": v,
            }
            for i, c, v in rows
        ]
    return pd.DataFrame.from_records(records, columns=list(CURVE_COLUMNS))


def study_info(study: optuna.Study, storage: str = "") -> StudyInfo:
    """The study's name, stored spec, test score of the best trial and directions."""
    attrs = study.user_attrs
    return StudyInfo(
        name=study.study_name,
        spec=dict(attrs.get("spec") or {}),
        best_test=dict(attrs.get("best_test") or {}),
        directions=tuple(d.name.lower() for d in study.directions),
        target_trials=attrs.get("target_trials"),
        storage=redact(storage),
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
