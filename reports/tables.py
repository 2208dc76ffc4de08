"""Tables of a study (DataFrame in, DataFrame out): trials, hyperparameters vs parameters, summary.

The heart of a report follows the course notes' table: the hyperparameters, chosen outside
training by the search (α, #iterations, L, n[l], g[l], ...), beside the parameters the best
network learned inside training by gradient descent (W[l] of shape (n[l], n[l-1]) and b[l] of
shape (n[l], 1), n[l] (n[l-1] + 1) numbers per layer).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dnn import count_parameters
from dnn.hyperparameters import HYPERPARAMETERS
from reports.importance import param_importances
from reports.load import BEST_ITERATION, StudyInfo, task_of
from search.best import best_number
from search.entries import Choice, Entry, Fixed, Range
from search.metrics import METRICS
from search.record import Attr, Failure, TestRecord, split_param
from search.tasks import Task

N_PARAMETERS = Attr.N_PARAMETERS.value
HYPERPARAMETER_COLUMNS = ["name", "symbol", "tuned", "range", "scale", "best_value", "importance"]
LEARNED_COLUMNS = ["layer", "units", "W_shape", "b_shape", "activation", N_PARAMETERS]
TEST_COLUMNS = [f"test_{name}" for name in METRICS]  # test_accuracy first, as the table's first
SUMMARY_COLUMNS = [
    "study",
    "dataset",
    "metric",
    "direction",
    "best_trial",
    "best_value",
    *TEST_COLUMNS,
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
    Attr.TRAIN_ACCURACY.value,
    Attr.VAL_ACCURACY.value,
    N_PARAMETERS,
    Attr.WALL_TIME.value,
    Attr.PRUNED_AT.value,
    Attr.FAIL_REASON.value,
    "enqueued",  # a configuration given in the study's `enqueue`, tried before the sampler's
]
ACCURACY_COLUMNS = [Attr.TRAIN_ACCURACY.value, Attr.VAL_ACCURACY.value]
COST_COLUMNS = [Attr.TRAIN_COST.value, Attr.VAL_COST.value]


def score_columns(task: Task) -> list[str]:
    """The scores of a trials table: a task with classes its accuracies, else its costs.

    A regression has no accuracy: its trials show their costs (the squared error).
    """
    return ACCURACY_COLUMNS if task.has_classes else COST_COLUMNS


def output_activation(task: Task, n_outputs: int) -> str:
    """g[L] for n[L] = `n_outputs`: sigmoid (one) or softmax (several) for classes, else linear."""
    if not task.has_classes:
        return "linear"
    return "sigmoid" if n_outputs == 1 else "softmax"


def test_columns(task: str) -> list[str]:
    """`test_<metric>` for each metric of the task, in the table's order."""
    return [f"test_{name}" for name in task_of(task).metrics()]


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
    """The best complete trial, by `search`'s own ranking (`best_number`)."""
    complete = complete_trials(trials)
    if complete.empty:
        return None
    pareto = "values_1" in complete
    directions = [direction, "minimize"] if pareto else [direction]
    columns = ["value", "values_1"] if pareto else ["value"]
    candidates = zip(complete["number"], complete[columns].astype(float).to_numpy(), strict=True)
    number = best_number(((int(n), list(v)) for n, v in candidates), directions)
    return complete[complete["number"] == number].iloc[0]


def trials_table(trials: pd.DataFrame, task: str = "classification") -> pd.DataFrame:
    """Every trial: number, state, value, hyperparameters, scores, size, time, pruning, failure.

    The scores are the accuracies, or the costs of a task without classes (`score_columns`).
    `best_iteration`, the iteration whose network and value a trial kept (`search.epochs`),
    comes before `pruned_at` when some trial recorded one.
    """
    extra = [c for c in trials.columns if c.startswith("values_")]
    scores = score_columns(task_of(task))
    stopped = [BEST_ITERATION] if BEST_ITERATION in trials else []
    order = [
        *TRIAL_COLUMNS[:3],
        *extra,
        *params_columns(trials),
        *scores,
        *TRIAL_COLUMNS[5:7],
        *stopped,
        *TRIAL_COLUMNS[7:],
    ]
    table = trials.reindex(columns=order)
    return table.sort_values("number", kind="stable").reset_index(drop=True)


def range_text(entry: Entry | None) -> str:
    """A space entry as text: `[low, high]` (with step), choices, or the fixed value."""
    if isinstance(entry, Range):
        step = f" step {entry.step:g}" if entry.step is not None else ""
        return f"[{entry.low:g}, {entry.high:g}]{step}"
    if isinstance(entry, Choice):
        return ", ".join(str(v) for v in entry.choices)
    return "" if entry is None else str(entry.value)


def scale_of(entry: Entry | None) -> str:
    """A space entry's scale: log, linear, categorical or fixed (empty for none)."""
    if isinstance(entry, Range):
        return "log" if entry.log else "linear"
    return {Choice: "categorical", Fixed: "fixed"}.get(type(entry), "")


def symbol_of(name: str) -> str:
    """The course's notation for a trial parameter: `n[2]`, `g[1]`, `α`, ..."""
    key, layer = split_param(name)
    if layer is not None:
        return f"n[{layer}]" if key == "n_units" else f"g[{layer}]"
    rule = HYPERPARAMETERS.get(key)
    return rule.symbol if rule is not None and rule.symbol else name


def hyperparameter_table(trials: pd.DataFrame, info: StudyInfo) -> pd.DataFrame:
    """Part 1: each hyperparameter, tuned or fixed, its range, scale, best value and importance."""
    space = info.space
    names = (
        space.param_names()
        if space is not None
        else [c.removeprefix("params_") for c in params_columns(trials)]
    )
    best = best_row(trials, info.direction)
    importances = param_importances(complete_trials(trials), info)
    rows = []
    for name in names:
        entry = space.entry_of(name) if space is not None else None
        best_value = best.get(f"params_{name}", math.nan) if best is not None else math.nan
        rows.append(
            {
                "name": name,
                "symbol": symbol_of(name),
                "tuned": "fixed" if isinstance(entry, Fixed) else "tuned",
                "range": range_text(entry),
                "scale": scale_of(entry),
                "best_value": best_value,
                "importance": importances.get(name, math.nan),
            }
        )
    return pd.DataFrame(rows, columns=HYPERPARAMETER_COLUMNS)


def layer_activations(
    trial: pd.Series, layer_dims: Sequence[int], task: str = "classification"
) -> list[str]:
    """g[1..L] of a trial's row: its stored `activations`, else from its hyperparameters.

    In the second case g[L] is the task's output activation (`output_activation`).
    """
    stored = trial.get(Attr.ACTIVATIONS.value)
    if isinstance(stored, list | tuple) and len(stored) == len(layer_dims) - 1:
        return list(stored)
    shared = trial.get("params_activation", "relu")
    hidden = [
        trial.get(f"params_activation_{layer}", shared) for layer in range(1, len(layer_dims) - 1)
    ]
    return [*map(str, hidden), output_activation(task_of(task), layer_dims[-1])]


def layer_rows(dims: Sequence[int], activations: Sequence[str]) -> list[dict[str, Any]]:
    """A row per layer l = 1..L: n[l], W[l] and b[l] shapes, g[l], n[l] (n[l-1] + 1)."""
    return [
        {
            "layer": str(layer),
            "units": dims[layer],
            "W_shape": f"({dims[layer]}, {dims[layer - 1]})",
            "b_shape": f"({dims[layer]}, 1)",
            "activation": activations[layer - 1],
            N_PARAMETERS: dims[layer] * (dims[layer - 1] + 1),
        }
        for layer in range(1, len(dims))
    ]


def stored_layer_dims(stored: Any) -> list[int] | None:
    """A stored `layer_dims` as [n_x, n_1, ..., n_L], or None unless it is one.

    The storage may hold anything: text, floats, a single layer.
    """
    if not isinstance(stored, list | tuple) or len(stored) < 2:
        return None
    if not all(
        isinstance(n, int | np.integer) and not isinstance(n, bool) and n > 0 for n in stored
    ):
        return None
    return [int(n) for n in stored]


def learned_parameters_table(trials: pd.DataFrame, info: StudyInfo) -> pd.DataFrame:
    """Part 2: what the best network learned, per layer l, and the total (empty without one).

    Rows: W[l] is (n[l], n[l-1]), b[l] is (n[l], 1), g[l], and n[l] (n[l-1] + 1) parameters.
    """
    return network_table(best_row(trials, info.direction), info.task)


def network_table(trial: pd.Series | None, task: str = "classification") -> pd.DataFrame:
    """What a trial's network learned, per layer l, and the total.

    Args:
        trial: the trial's row of the trials table (None: no trial).
        task: the study's task, for g[L] when the trial stored no activations.

    Returns:
        The rows of `learned_parameters_table`; none without a trial or readable layer sizes.
    """
    dims = stored_layer_dims(trial.get(Attr.LAYER_DIMS.value) if trial is not None else None)
    if trial is None or dims is None:
        return pd.DataFrame(columns=LEARNED_COLUMNS)
    rows = layer_rows(dims, layer_activations(trial, dims, task))
    total = {
        "layer": "total",
        "units": sum(dims[1:]),
        "W_shape": "",
        "b_shape": "",
        "activation": "",
        N_PARAMETERS: count_parameters(dims),
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
    column = Attr.FAIL_REASON.value
    if column not in trials:
        return pd.Series(False, index=trials.index)
    return trials[column].map(Failure.of) == Failure.SURPLUS


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


def test_fields(test: TestRecord | None, task: str = "classification") -> dict[str, float]:
    """`test_<metric>` for every metric of the task: the final model's stored test scores.

    NaN where none is stored (a record stored before test scores has its test accuracy only).
    """
    problem = task_of(task)
    scores = dict(test.test_scores) if test is not None else {}
    if test is not None and test.test_accuracy is not None and problem.has_classes:
        scores["accuracy"] = test.test_accuracy
    return {f"test_{name}": float(scores.get(name, math.nan)) for name in problem.metrics()}


def best_fields(trials: pd.DataFrame, info: StudyInfo) -> dict[str, Any]:
    """The best trial's number, value, test scores, size and time to reach it (s)."""
    best = best_row(trials, info.direction)
    if best is None:
        return dict.fromkeys(
            ("best_value", *test_columns(info.task), "best_n_parameters", "time_to_best_s"),
            math.nan,
        ) | {"best_trial": None}
    stored = info.best_test
    test = stored if stored is not None and stored.trial == best["number"] else None
    return {
        "best_trial": int(best["number"]),
        "best_value": float(best["value"]),
        **test_fields(test, info.task),
        "best_n_parameters": best.get(N_PARAMETERS, math.nan),
        "time_to_best_s": float(elapsed_seconds(trials)[best.name]),
    }


def summary_table(trials: pd.DataFrame, info: StudyInfo) -> pd.DataFrame:
    """One row: best value and trial, test scores, trial counts, wall time, sampler, pruner.

    Times are in seconds from the start of the study's first trial; the test scores
    (`test_<metric>`, one column per metric of the study's task in `search.metrics`) are the
    ones stored for the best trial (NaN if the best trial was not scored on the test set, or
    for a study stored before test scores, whose test accuracy alone is known).
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
    tests = test_columns(info.task)
    columns = [c for c in SUMMARY_COLUMNS if c in tests or c not in TEST_COLUMNS]
    return pd.DataFrame([row], columns=columns)


def comparison_table(
    summaries: Sequence[pd.DataFrame] | Mapping[str, pd.DataFrame],
) -> pd.DataFrame:
    """Several studies side by side: one row per study, the summary columns.

    The test scores shown are those of the studies' tasks.
    """
    frames = list(summaries.values()) if isinstance(summaries, Mapping) else list(summaries)
    if not frames:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    shown = {c for frame in frames for c in frame.columns}
    columns = [c for c in SUMMARY_COLUMNS if c in shown]
    return pd.concat(frames, ignore_index=True).reindex(columns=columns)


def best_values_table(hyperparameters: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Each study's best value of each hyperparameter, side by side (one column per study)."""
    columns = {
        study: table.set_index("name")["best_value"] for study, table in hyperparameters.items()
    }
    if not columns:
        return pd.DataFrame(columns=["name"])
    frame = pd.concat(columns, axis=1, sort=False)
    # a study may be called `name` too
    return frame.rename_axis("name").reset_index(allow_duplicates=True)
