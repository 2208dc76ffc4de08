"""Tables of a study (DataFrame in, DataFrame out): trials, hyperparameters vs parameters, summary.

The heart of a report follows the course notes' table: the hyperparameters, chosen outside
training by the search (α, #iterations, L, n[l], g[l], ...), beside the parameters the best
network learned inside training by gradient descent (W[l] of shape (n[l], n[l-1]) and b[l] of
shape (n[l], 1), n[l] (n[l-1] + 1) numbers per layer).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import optuna
import pandas as pd
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from dnn import count_parameters
from reports.load import StudyInfo, base_name, layer_of, param_names, space_entry
from search.spec import HYPERPARAMETERS

SYMBOLS = {
    "learning_rate": "α",
    "num_iterations": "#iterations",
    "n_hidden": "L - 1 (hidden layers)",
    "activation": "g[l] (hidden layers)",
    "optimizer": "optimizer (gd, momentum β, Adam)",
    "mini_batch_size": "mini-batch size",
    "lambd": "λ (L2)",
    "keep_prob": "keep_prob (dropout, hidden layers)",
    "input_keep_prob": "keep_prob of A[0] (input dropout)",
    "init": "initialization of W[l]",
}
HYPERPARAMETER_COLUMNS = ["name", "symbol", "tuned", "range", "scale", "best_value", "importance"]
LEARNED_COLUMNS = ["layer", "units", "W_shape", "b_shape", "activation", "n_parameters"]
SUMMARY_COLUMNS = [
    "study",
    "dataset",
    "metric",
    "direction",
    "best_trial",
    "best_value",
    "test_accuracy",
    "best_n_parameters",
    "n_trials",
    "complete",
    "pruned",
    "failed",
    "running",
    "wall_time_s",
    "time_to_best_s",
    "sampler",
    "pruner",
]
TRIAL_COLUMNS = [
    "number",
    "state",
    "value",
    "train_accuracy",
    "val_accuracy",
    "n_parameters",
    "wall_time",
    "pruned_at",
    "fail_reason",
]


def params_columns(trials: pd.DataFrame) -> list[str]:
    """The `params_*` columns of a trials table, in order."""
    return [c for c in trials.columns if c.startswith("params_")]


def complete_trials(trials: pd.DataFrame) -> pd.DataFrame:
    """Complete trials with a finite value."""
    if trials.empty:
        return trials
    values = pd.to_numeric(trials["value"], errors="coerce")
    return trials[(trials["state"] == "COMPLETE") & np.isfinite(values)]


def best_row(trials: pd.DataFrame, direction: str) -> pd.Series | None:
    """The best complete trial (ties: fewer parameters, then earlier), like `search.best_trial`."""
    complete = complete_trials(trials)
    if complete.empty:
        return None
    sign = -1.0 if direction == "maximize" else 1.0
    second = (
        complete["values_1"] if "values_1" in complete else pd.Series(0.0, index=complete.index)
    )
    key = pd.DataFrame(
        {"v": sign * complete["value"].astype(float), "p": second, "n": complete["number"]}
    )
    return complete.loc[key.sort_values(["v", "p", "n"], kind="stable").index[0]]


def trials_table(trials: pd.DataFrame) -> pd.DataFrame:
    """Every trial: number, state, value, hyperparameters, scores, size, time, pruning, failure."""
    extra = [c for c in trials.columns if c.startswith("values_")]
    order = [*TRIAL_COLUMNS[:3], *extra, *params_columns(trials), *TRIAL_COLUMNS[3:]]
    table = trials.reindex(columns=order)
    return table.sort_values("number", kind="stable").reset_index(drop=True)


def range_text(kind: str, value: Any) -> str:
    """A space entry as text: `[low, high]` (with step), choices, or the fixed value."""
    if kind == "range":
        step = f" step {value['step']:g}" if value.get("step") is not None else ""
        return f"[{value['low']:g}, {value['high']:g}]{step}"
    if kind == "choice":
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def scale_of(kind: str, value: Any) -> str:
    if kind == "range":
        return "log" if value.get("log") else "linear"
    return {"choice": "categorical", "fixed": "-"}.get(kind, "")


def symbol_of(name: str) -> str:
    layer = layer_of(name)
    if layer is None:
        return SYMBOLS.get(name, name)
    return f"n[{layer}]" if base_name(name) == "n_units" else f"g[{layer}]"


def hyperparameter_table(trials: pd.DataFrame, info: StudyInfo) -> pd.DataFrame:
    """Part 1: each hyperparameter, tuned or fixed, its range, scale, best value and importance."""
    space = info.spec.get("space", {})
    names = param_names(info.spec) or [c.removeprefix("params_") for c in params_columns(trials)]
    best = best_row(trials, info.direction)
    importances = param_importances(trials, info)
    rows = []
    for name in names:
        key = base_name(name)
        kind, value = space_entry(space[key]) if key in space else ("unknown", None)
        best_value = best.get(f"params_{name}", math.nan) if best is not None else math.nan
        rows.append(
            {
                "name": name,
                "symbol": symbol_of(name),
                "tuned": "fixed" if kind == "fixed" else "tuned",
                "range": range_text(kind, value),
                "scale": scale_of(kind, value),
                "best_value": best_value,
                "importance": importances.get(name, math.nan),
            }
        )
    return pd.DataFrame(rows, columns=HYPERPARAMETER_COLUMNS)


def distribution_of(key: str, kind: str, value: Any) -> BaseDistribution | None:
    """The Optuna distribution of a tuned space entry (None for a fixed one)."""
    if kind == "choice":
        return CategoricalDistribution(list(value))
    if kind != "range":
        return None
    low, high, log, step = value["low"], value["high"], bool(value.get("log")), value.get("step")
    if HYPERPARAMETERS.get(key, ("float",))[0] == "int":
        return IntDistribution(int(low), int(high), log=log, step=int(step or 1))
    return FloatDistribution(float(low), float(high), log=log, step=step)


def tuned_distributions(info: StudyInfo) -> dict[str, BaseDistribution]:
    """Trial parameter name -> distribution, for the tuned hyperparameters of the spec."""
    space = info.spec.get("space", {})
    found = {
        name: distribution_of(base_name(name), *space_entry(space.get(base_name(name))))
        for name in param_names(info.spec)
    }
    return {name: dist for name, dist in found.items() if dist is not None}


def as_param(value: Any, dist: BaseDistribution) -> Any:
    """A DataFrame cell as the trial parameter Optuna expects (None where not applicable)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(dist, IntDistribution):
        return int(value)
    if isinstance(dist, FloatDistribution):
        return float(value)
    return value.item() if isinstance(value, np.generic) else value


def importance_study(
    complete: pd.DataFrame, info: StudyInfo, distributions: Mapping[str, BaseDistribution]
) -> optuna.Study:
    """An in-memory study rebuilt from the complete trials (the stored one is not touched)."""
    study = optuna.create_study(directions=list(info.directions))
    for _, row in complete.iterrows():
        params = {n: as_param(row.get(f"params_{n}"), dist) for n, dist in distributions.items()}
        params = {n: v for n, v in params.items() if v is not None}
        values = [float(row["value"])]
        if info.pareto:
            values.append(float(row.get("values_1", row.get("n_parameters", 0.0))))
        used = {n: distributions[n] for n in params}
        study.add_trial(optuna.trial.create_trial(values=values, params=params, distributions=used))
    return study


def param_importances(trials: pd.DataFrame, info: StudyInfo) -> dict[str, float]:
    """Importance of each tuned parameter that varied (Optuna's default evaluator), by name.

    Empty unless two complete trials differ in some tuned parameter. Never raises: an
    evaluator error leaves every importance undefined (NaN in the tables).
    """
    complete = complete_trials(trials)
    distributions = tuned_distributions(info)
    varied = [
        n
        for n in distributions
        if f"params_{n}" in complete and complete[f"params_{n}"].dropna().astype(str).nunique() > 1
    ]
    if len(complete) < 2 or not varied:
        return {}
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study = importance_study(complete, info, distributions)
            target = (lambda t: t.values[0]) if info.pareto else None
            found = optuna.importance.get_param_importances(study, params=varied, target=target)
            return dict(found)
    except Exception:  # importances are optional: the report must still be written
        return {}
    finally:
        optuna.logging.set_verbosity(verbosity)


def layer_activations(best: pd.Series, layer_dims: Sequence[int]) -> list[str]:
    """g[1..L] of the best trial: its `activations`, else from its hyperparameters."""
    stored = best.get("activations")
    if isinstance(stored, list | tuple) and len(stored) == len(layer_dims) - 1:
        return list(stored)
    shared = best.get("params_activation", "relu")
    hidden = [
        best.get(f"params_activation_{layer}", shared) for layer in range(1, len(layer_dims) - 1)
    ]
    return [*map(str, hidden), "sigmoid" if layer_dims[-1] == 1 else "softmax"]


def layer_rows(dims: Sequence[int], activations: Sequence[str]) -> list[dict[str, Any]]:
    """A row per layer l = 1..L: n[l], W[l] and b[l] shapes, g[l], n[l] (n[l-1] + 1)."""
    return [
        {
            "layer": str(layer),
            "units": dims[layer],
            "W_shape": f"({dims[layer]}, {dims[layer - 1]})",
            "b_shape": f"({dims[layer]}, 1)",
            "activation": activations[layer - 1],
            "n_parameters": dims[layer] * (dims[layer - 1] + 1),
        }
        for layer in range(1, len(dims))
    ]


def learned_parameters_table(trials: pd.DataFrame, info: StudyInfo) -> pd.DataFrame:
    """Part 2: what the best network learned, per layer l, and the total (empty without one).

    Rows: W[l] is (n[l], n[l-1]), b[l] is (n[l], 1), g[l], and n[l] (n[l-1] + 1) parameters.
    """
    best = best_row(trials, info.direction)
    layer_dims = best.get("layer_dims") if best is not None else None
    if not isinstance(layer_dims, list | tuple) or len(layer_dims) < 2:
        return pd.DataFrame(columns=LEARNED_COLUMNS)
    dims = [int(n) for n in layer_dims]
    rows = layer_rows(dims, layer_activations(best, dims))
    total = {
        "layer": "total",
        "units": sum(dims[1:]),
        "W_shape": "",
        "b_shape": "",
        "activation": "",
        "n_parameters": count_parameters(dims),
    }
    return pd.DataFrame([*rows, total], columns=LEARNED_COLUMNS)


def elapsed_seconds(trials: pd.DataFrame) -> pd.Series:
    """Seconds from the study's first trial start to each trial's completion (NaN if running)."""
    if trials.empty:
        return pd.Series(dtype=float)
    start = pd.to_datetime(trials["datetime_start"]).min()
    return (pd.to_datetime(trials["datetime_complete"]) - start).dt.total_seconds()


def is_surplus(trials: pd.DataFrame) -> pd.Series:
    """Trials failed as surplus (asked for after the study reached its total): bookkeeping only."""
    if "fail_reason" not in trials:
        return pd.Series(False, index=trials.index)
    return trials["fail_reason"].astype(str).str.startswith("surplus")


def trial_counts(trials: pd.DataFrame) -> dict[str, int]:
    """Trials by state (surplus trials left out); `running` includes waiting ones."""
    states = trials.loc[~is_surplus(trials), "state"].value_counts()
    return {
        "n_trials": int(states.sum()),
        "complete": int(states.get("COMPLETE", 0)),
        "pruned": int(states.get("PRUNED", 0)),
        "failed": int(states.get("FAIL", 0)),
        "running": int(states.get("RUNNING", 0)) + int(states.get("WAITING", 0)),
    }


def best_fields(trials: pd.DataFrame, info: StudyInfo) -> dict[str, Any]:
    """The best trial's number, value, test accuracy, size and time to reach it (s)."""
    best = best_row(trials, info.direction)
    if best is None:
        return dict.fromkeys(
            ("best_value", "test_accuracy", "best_n_parameters", "time_to_best_s"), math.nan
        ) | {"best_trial": None}
    test = (
        info.best_test.get("test_accuracy")
        if info.best_test.get("trial") == best["number"]
        else None
    )
    return {
        "best_trial": int(best["number"]),
        "best_value": float(best["value"]),
        "test_accuracy": math.nan if test is None else float(test),
        "best_n_parameters": best.get("n_parameters", math.nan),
        "time_to_best_s": float(elapsed_seconds(trials)[best.name]),
    }


def summary_table(trials: pd.DataFrame, info: StudyInfo) -> pd.DataFrame:
    """One row: best value and trial, test accuracy, trial counts, wall time, sampler, pruner.

    Times are in seconds from the start of the study's first trial; the test accuracy is the
    one stored for the best trial (NaN if the best trial was not scored on the test set).
    """
    elapsed = elapsed_seconds(trials)
    row = {
        "study": info.name,
        "dataset": info.spec.get("dataset", ""),
        "metric": info.metric,
        "direction": info.direction,
        **best_fields(trials, info),
        **trial_counts(trials),
        "wall_time_s": float(elapsed.max()) if elapsed.notna().any() else math.nan,
        "sampler": info.spec.get("sampler", ""),
        "pruner": info.spec.get("pruner", ""),
    }
    return pd.DataFrame([row], columns=SUMMARY_COLUMNS)


def comparison_table(
    summaries: Sequence[pd.DataFrame] | Mapping[str, pd.DataFrame],
) -> pd.DataFrame:
    """Several studies side by side: one row per study, the summary columns."""
    frames = list(summaries.values()) if isinstance(summaries, Mapping) else list(summaries)
    if not frames:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    return pd.concat(frames, ignore_index=True).reindex(columns=SUMMARY_COLUMNS)


def best_values_table(hyperparameters: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Each study's best value of each hyperparameter, side by side (one column per study)."""
    columns = {
        study: table.set_index("name")["best_value"] for study, table in hyperparameters.items()
    }
    if not columns:
        return pd.DataFrame(columns=["name"])
    frame = pd.concat(columns, axis=1, sort=False)
    return frame.rename_axis("name").reset_index()
