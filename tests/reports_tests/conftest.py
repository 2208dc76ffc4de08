"""Small stored studies built by hand (no training): trials carry the objective's user attrs."""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import optuna
import pandas as pd
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState

import search
from dnn import count_parameters
from reports import StudyInfo, write_comparison, write_report
from search.record import TestRecord

N_X = 4
START = dt.datetime(2025, 1, 1, 12, 0, 0)
SPACE = {
    "learning_rate": {"low": 1e-3, "high": 1.0, "log": True},
    "num_iterations": 200,
    "n_hidden": {"low": 1, "high": 3},
    "n_units": {"low": 4, "high": 32, "log": True},
    "activation": ["relu", "tanh"],
    "optimizer": "adam",
}
DISTRIBUTIONS = {
    "learning_rate": FloatDistribution(1e-3, 1.0, log=True),
    "n_hidden": IntDistribution(1, 3),
    "n_units": IntDistribution(4, 32, log=True),
    "activation": CategoricalDistribution(["relu", "tanh"]),
}
# (state, learning rate, hidden units, activation, validation accuracy)
TRIALS = [
    (TrialState.COMPLETE, 0.01, [8], "relu", 0.80),
    (TrialState.COMPLETE, 0.1, [16, 8], "tanh", 0.92),
    (TrialState.PRUNED, 0.5, [4, 4, 4], "relu", 0.55),
    (TrialState.COMPLETE, 0.05, [32, 16, 8], "relu", 0.88),
    (TrialState.FAIL, 0.9, [4], "tanh", math.nan),
    (TrialState.COMPLETE, 0.003, [8, 8], "tanh", 0.70),
]
# TRIALS with early stopping: each complete trial kept its best report's network (trial 3's
# best is its last report: nothing after it)
STOPPED = [(*row, best) for row, best in zip(TRIALS, [50, 100, None, 150, None, 100], strict=True)]
# The final model of a study of STOPPED as stored when an ensemble of its best trials won:
# trial 1 is the best single trial
ENSEMBLE = {
    "members": [1, 3, 0],
    "weights": [0.5, 0.3, 0.2],
    "validation": 0.95,
    "test_accuracy": 0.93,
    "test_scores": {"accuracy": 0.93, "log_loss": 0.21},
    "params_path": "runs/ensemble/artifacts/ensemble.npz",
}
# ... and as something else may have stored it: three members, two weights
DAMAGED = {**ENSEMBLE, "weights": [0.5, 0.5]}


def spec_dict(name: str, **overrides: Any) -> dict[str, Any]:
    # the made trials' values are accuracies (a study stored before log loss was the default)
    raw = {"name": name, "dataset": "toy", "n_trials": 6, "metric": "accuracy", "space": SPACE}
    raw.update(overrides)
    return search.StudySpec.from_dict(raw).to_dict()


def learning_curve(
    state: TrialState, accuracy: float, best_iteration: int | None = None
) -> dict[str, list]:
    """A trial's curve: its metric rises to `accuracy` at 150, or at its best iteration (then
    falls: the trial kept that report's network)."""
    iterations = [0, 50, 100, 150] if state != TrialState.PRUNED else [0, 50]
    gain = 0.0 if math.isnan(accuracy) else accuracy - 0.5
    best = best_iteration or 150
    return {
        "iteration": iterations,
        "cost": [0.7 / (1 + i / 50) for i in iterations],
        "val_metric": [
            0.5 + gain * min(i, best) / best - 0.02 * max(i - best, 0) / 50 for i in iterations
        ],
    }


def trial_of(
    state: TrialState,
    lr: float,
    hidden: list[int],
    activation: str,
    accuracy: float,
    when: dt.datetime,
    best_iteration: int | None = None,
) -> optuna.trial.FrozenTrial:
    """A trial as `search.Objective` leaves it, with the user attrs it writes (a complete
    trial's `best_iteration` when one is given, as with early stopping)."""
    layer_dims = [N_X, *hidden, 1]
    params: dict[str, Any] = {"n_hidden": len(hidden)}
    params.update({f"n_{k}": n for k, n in enumerate(hidden, start=1)})
    params.update({"activation": activation, "learning_rate": lr})
    distributions = {
        name: DISTRIBUTIONS["n_units" if name.startswith("n_") and name != "n_hidden" else name]
        for name in params
    }
    hyperparameters = {
        "hidden_layers": hidden,
        "activation": activation,
        "learning_rate": lr,
        "num_iterations": 200,
        "optimizer": "adam",
        "mini_batch_size": None,
        "lambd": 0.0,
        "init": "he",
        "seed": 1,
        "normalize": True,
    }
    attrs: dict[str, Any] = {
        "hyperparameters": hyperparameters,
        "layer_dims": layer_dims,
        "n_parameters": count_parameters(layer_dims),
        "seed": 1,
        "learning_curve": learning_curve(state, accuracy, best_iteration),
        "wall_time": 1.5,
    }
    if state == TrialState.COMPLETE and best_iteration is not None:
        attrs["best_iteration"] = best_iteration
    if state == TrialState.COMPLETE:
        activations = [activation] * len(hidden) + ["sigmoid"]
        attrs.update(
            {
                "train_accuracy": min(accuracy + 0.05, 1.0),
                "val_accuracy": accuracy,
                "train_cost": 0.3,
                "val_cost": 0.4,
                "activations": activations,
            }
        )
    elif state == TrialState.PRUNED:
        attrs["pruned_at"] = 50
    else:
        attrs["fail_reason"] = "diverged: cost became nan at iteration 50"
    trial = optuna.trial.create_trial(
        state=state,
        value=accuracy if state == TrialState.COMPLETE else None,
        params=params,
        distributions=distributions,
        user_attrs=attrs,
        intermediate_values={50: 0.6} if state == TrialState.PRUNED else None,
    )
    trial.datetime_start = when
    trial.datetime_complete = when + dt.timedelta(seconds=2)
    return trial


CATEGORIES = [f"c{k:02d}" for k in range(25)]


def data_summary(task: str = "classification") -> dict[str, Any]:
    """A data summary as a run stores it: a table of four columns (numeric with missing cells,
    categorical with 25 kept categories, categorical, dropped) and its target."""
    columns = [
        {"name": "age", "kind": "numeric", "missing": 3, "categories": [], "pooled": 0,
         "width": 1, "reason": None},
        {"name": "city", "kind": "categorical", "missing": 0, "categories": CATEGORIES,
         "pooled": 4, "width": 26, "reason": None},
        {"name": "sex", "kind": "categorical", "missing": 1, "categories": ["f", "m"],
         "pooled": 0, "width": 2, "reason": None},
        {"name": "id", "kind": "dropped", "missing": 0, "categories": [], "pooled": 0,
         "width": 0, "reason": "an identifier: every value differs"},
    ]  # fmt: skip
    target: dict[str, Any] = (
        {"name": "price", "mean": 2.5, "std": 0.5, "min": 1.0, "max": 4.0}
        if task == "regression"
        else {"name": "label", "classes": {"no": 30, "yes": 10}}
    )
    return {
        "task": task,
        "examples": 40,
        "test_examples": 10,
        "n_x": 29,
        "validation": "one 20% validation split",
        "columns": columns,
        "target": target,
    }


def hostile_summary() -> dict[str, Any]:
    """A data summary whose every string is hostile (valid otherwise)."""
    columns = [
        {"name": text, "kind": kind, "missing": 0, "categories": list(HOSTILE), "pooled": 1,
         "width": len(HOSTILE) + 1, "reason": text}
        for text, kind in zip(HOSTILE, ["categorical", "dropped"] * len(HOSTILE), strict=False)
    ]  # fmt: skip
    return {
        **data_summary(),
        "validation": HOSTILE[0],
        "columns": columns,
        "target": {"name": " ".join(HOSTILE), "classes": {text: 1 for text in HOSTILE}},
    }


def build_study(
    storage: str,
    name: str,
    rows: list[tuple],
    summary: dict[str, Any] | None = None,
    *,
    final: dict[str, Any] | None = None,
    **overrides: Any,
) -> optuna.Study:
    """A study of `rows` (see TRIALS and STOPPED), its best trial scored on test (accuracy 0.9)
    or, given `final`, the stored final model's other fields (an ensemble's, see ENSEMBLE)."""
    backend = search.open_storage(storage)
    spec = spec_dict(name, **overrides)
    study = optuna.create_study(
        storage=backend, study_name=name, directions=search.StudySpec.from_dict(spec).directions
    )
    study.set_user_attr("spec", spec)
    study.set_user_attr("target_trials", len(rows))
    if summary is not None:
        study.set_user_attr("data_summary", summary)
    for k, row in enumerate(rows):
        when = START + dt.timedelta(seconds=3 * k)
        best_iteration = row[5] if len(row) > 5 else None  # a row of STOPPED
        study.add_trial(trial_of(*row[:5], when=when, best_iteration=best_iteration))
    best = search.best_trial(study)
    if best is not None:
        test = {"trial": best.number, "test_accuracy": 0.9, **(final or {})}
        study.set_user_attr("best_test", test)
    return study


# Text an attacker could store (a study's storage may have been written by someone else):
# HTML, Markdown structure, line breaks, spreadsheet formulas, and mathtext that does not parse.
HOSTILE = (
    "<script>alert(1)</script>",
    "x | y",
    "line1\nline2",
    '=HYPERLINK("http://x","y")',
    "-2+3",
    "@SUM(A1)",
    "$\\frac{a}{b}$",
    "$\\frac{a}$",  # raises if matplotlib parses it as mathtext
    "`code`",
    "# heading",
    "[link](javascript:alert(1))",
    "\tx",
    "\r=1+1",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "[x](javascript:alert(1))",
    "a`b``c",
    "\u202eevil\u202c \u2066isolate\u2069 \u200fmark\u061c",  # bidi controls: trojan source
    "a\r\nb\x0bc\u2028d\x85e",
)
# Valid study names (printable, no slashes) that are still hostile
HOSTILE_NAMES = ("=cmd <b>x|y<i> $x^$", "_$x^$ & <i>", "-2+3 `code` [a](b) # h")
# Valid study names holding HTML, a link and backticks: read from the storage, and also part
# of the study's own storage path (`runs/NAME/journal.log`), which its report shows
MARKUP_NAMES = (
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "[x](javascript:alert(1))",
    "a`b``c | d",
)
HOSTILE_PARAM = "x|y <script>"  # a trial parameter no space knows, as a column name


def hostile_trial(
    state: TrialState, value: float, activation: str, when: dt.datetime, **attrs: Any
) -> optuna.trial.FrozenTrial:
    """A trial whose categorical parameters, stored activations and reasons are hostile."""
    trial = trial_of(state, 0.01 + abs(value) / 10, [8, 8], "relu", value, when)
    choices = CategoricalDistribution(HOSTILE)
    trial.params = {**trial.params, "activation": activation, HOSTILE_PARAM: activation}
    trial.distributions = {**trial.distributions, "activation": choices, HOSTILE_PARAM: choices}
    trial.user_attrs = {**trial.user_attrs, **attrs}
    return trial


def hostile_trials() -> list[optuna.trial.FrozenTrial]:
    """Three complete trials (one with a negative value), one pruned, two failed."""
    stored = {"activations": list(HOSTILE[:3]), "val_accuracy": -0.5}
    rows = [
        (TrialState.COMPLETE, 0.9, HOSTILE[7], stored),
        (TrialState.COMPLETE, -0.5, HOSTILE[3], {"train_accuracy": -2.0}),
        (TrialState.COMPLETE, 0.5, HOSTILE[4], {}),
        (TrialState.PRUNED, 0.0, HOSTILE[6], {"pruned_reason": "@SUM(A1)\n" + HOSTILE[0]}),
        (TrialState.FAIL, 0.0, HOSTILE[8], {"fail_reason": HOSTILE[3] + "\n# heading"}),
        (TrialState.FAIL, 0.0, HOSTILE[9], {"fail_reason": " | ".join(HOSTILE)}),
    ]
    return [
        hostile_trial(state, value, activation, START + dt.timedelta(seconds=3 * k), **attrs)
        for k, (state, value, activation, attrs) in enumerate(rows)
    ]


def build_hostile_study(
    storage: str, name: str, valid_spec: bool = True, ensemble: bool = False
) -> optuna.Study:
    """A study whose stored strings are hostile: with a valid spec (hostile data set and
    description), or with a spec stored by someone else that is not valid at all; with
    `ensemble`, its final model an ensemble of trials 0 and 2 (hostile activations)."""
    hostile = " ".join(HOSTILE)
    spec: dict[str, Any] = (
        spec_dict(name, dataset=hostile, description=hostile)
        if valid_spec
        else {
            "name": name,
            "dataset": HOSTILE[3],
            "description": hostile,
            "metric": HOSTILE[7],
            "sampler": HOSTILE[0],
            "pruner": HOSTILE[1],
            "n_trials": HOSTILE[4],
            "space": {HOSTILE_PARAM: list(HOSTILE)},
        }
    )
    study = optuna.create_study(
        storage=search.open_storage(storage), study_name=name, direction="maximize"
    )
    study.set_user_attr("spec", spec)
    study.set_user_attr("data_summary", hostile_summary())
    for trial in hostile_trials():
        study.add_trial(trial)
    final = {"members": [0, 2], "weights": [0.75, 0.25], "validation": 0.95} if ensemble else {}
    study.set_user_attr("best_test", {"trial": 0, "test_accuracy": -1.0, **final})
    return study


@pytest.fixture
def journal(tmp_path: Path) -> str:
    return str(tmp_path / "journal.log")


class Hostile(NamedTuple):
    """The hostile strings, for tests (conftest is not imported by test modules)."""

    texts: tuple[str, ...] = HOSTILE
    names: tuple[str, ...] = HOSTILE_NAMES
    param: str = HOSTILE_PARAM
    markup_names: tuple[str, ...] = MARKUP_NAMES


@pytest.fixture
def hostile() -> Hostile:
    return Hostile()


class Stopping(NamedTuple):
    """Trials with early stopping and final ensembles, for tests (copies: tests may change them)."""

    rows: list[tuple]
    ensemble: dict[str, Any]
    damaged: dict[str, Any]


@pytest.fixture
def stopping() -> Stopping:
    return Stopping(list(STOPPED), copy.deepcopy(ENSEMBLE), copy.deepcopy(DAMAGED))


@pytest.fixture
def make_summary() -> Callable[[str], dict[str, Any]]:
    """make_summary(task="classification"): a fresh data summary as a run stores it."""
    return data_summary


@pytest.fixture
def make_hostile_study(journal: str) -> Callable[..., optuna.Study]:
    """make_hostile_study(name, valid_spec=True): a hostile study in the test's journal file."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def make(name: str, valid_spec: bool = True) -> optuna.Study:
        return build_hostile_study(journal, name, valid_spec)

    return make


@pytest.fixture
def make_study(journal: str) -> Callable[..., optuna.Study]:
    """make_study(name, rows=TRIALS, summary=None, final=None, **spec overrides): a study in
    the test's journal file (`final`: its stored final model's fields, see ENSEMBLE)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def make(
        name: str = "toy",
        rows: list[tuple] | None = None,
        summary: dict[str, Any] | None = None,
        **overrides: Any,
    ) -> optuna.Study:
        return build_study(journal, name, TRIALS if rows is None else rows, summary, **overrides)

    return make


def hand_row(
    number: int, state: str, value: float, lr: float, hidden: list[int], **extra: Any
) -> dict:
    """One row of a trials table as `reports.load` makes it, written by hand."""
    layer_dims = [N_X, *hidden, 1]
    start = pd.Timestamp(START) + pd.Timedelta(seconds=10 * number)
    row = {
        "number": number,
        "state": state,
        "value": value,
        "params_learning_rate": lr,
        "params_num_iterations": 200,
        "params_n_hidden": len(hidden),
        "params_n_1": hidden[0] if hidden else math.nan,
        "params_n_2": hidden[1] if len(hidden) > 1 else math.nan,
        "params_activation": "relu",
        "params_optimizer": "adam",
        "train_accuracy": value,
        "val_accuracy": value,
        "n_parameters": count_parameters(layer_dims),
        "wall_time": 4.0,
        "pruned_at": math.nan,
        "fail_reason": math.nan,
        "layer_dims": layer_dims,
        "activations": ["relu"] * len(hidden) + ["sigmoid"],
        "datetime_start": start,
        "datetime_complete": start + pd.Timedelta(seconds=5),
    }
    return {**row, **extra}


@pytest.fixture
def hand_made() -> tuple[pd.DataFrame, StudyInfo]:
    """Four trials by hand: complete (best is trial 1, [4, 5, 4, 1]), pruned, failed, complete."""
    rows = [
        hand_row(0, "COMPLETE", 0.80, 0.01, [6]),
        hand_row(1, "COMPLETE", 0.95, 0.1, [5, 4]),
        hand_row(2, "PRUNED", math.nan, 0.5, [7, 7], pruned_at=50, val_accuracy=math.nan),
        hand_row(3, "FAIL", math.nan, 0.9, [4], fail_reason="diverged: nan", val_accuracy=math.nan),
        hand_row(4, "COMPLETE", 0.70, 0.003, [8]),
    ]
    info = StudyInfo(
        name="hand",
        spec=spec_dict("hand", space={**SPACE, "n_hidden": {"low": 1, "high": 2}}),
        best_test=TestRecord(trial=1, refit=False, test_accuracy=0.91),
        directions=("maximize",),
    )
    return pd.DataFrame(rows), info


@pytest.fixture(scope="session")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Written once per session: the report of `toy` (4 complete, 1 pruned, 1 failed trials,
    and a data summary), that of a study without complete trials (nor data summary), a
    comparison of three studies, and the reports of hostile studies (valid spec, invalid spec;
    hostile data summaries) and their comparison with `toy`. With early stopping (STOPPED):
    `stopped` (one network), `ensemble` (ENSEMBLE), `damaged` (DAMAGED), the hostile
    `hostile_ensemble` (hostile_invalid has an ensemble too), and `ensemble_compare`."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    root = tmp_path_factory.mktemp("reports")
    journal = str(root / "journal.log")
    build_study(journal, "toy", TRIALS, data_summary())
    build_study(journal, "toy_random", TRIALS[:4], sampler="random")
    build_study(journal, "none_complete", [row for row in TRIALS if row[0] != TrialState.COMPLETE])
    build_study(journal, "stopped", STOPPED, data_summary())
    build_study(journal, "ensemble", STOPPED, data_summary(), final=ENSEMBLE)
    build_study(journal, "damaged", STOPPED, final=DAMAGED)
    first, second, third = HOSTILE_NAMES
    build_hostile_study(journal, first)
    build_hostile_study(journal, second, valid_spec=False, ensemble=True)
    build_hostile_study(journal, third, ensemble=True)
    stopping = ["toy", "stopped", "ensemble", "damaged", "none_complete"]
    return {
        "journal": Path(journal),
        "toy": write_report("toy", journal, root / "toy"),
        "stopped": write_report("stopped", journal, root / "stopped"),
        "ensemble": write_report("ensemble", journal, root / "ensemble"),
        "damaged": write_report("damaged", journal, root / "damaged"),
        "hostile": write_report(first, journal, root / "hostile"),
        "hostile_invalid": write_report(second, journal, root / "hostile_invalid"),
        "hostile_ensemble": write_report(third, journal, root / "hostile_ensemble"),
        "hostile_compare": write_comparison([*HOSTILE_NAMES, "toy"], journal, root / "hcmp"),
        "none": write_report("none_complete", journal, root / "none"),
        "compare": write_comparison(["toy", "toy_random", "none_complete"], journal, root / "cmp"),
        "ensemble_compare": write_comparison(stopping, journal, root / "ecmp"),
    }


@pytest.fixture(scope="session")
def markup_written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Written once per session: the report of a hostile study under each of MARKUP_NAMES, each
    in its own journal at `runs/NAME/journal.log` (so the name is part of the storage path the
    report shows), by name; and their comparison (`compare`, one journal for all)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    root = tmp_path_factory.mktemp("markup")
    shared = str(root / "journal.log")
    written = {}
    for k, name in enumerate(MARKUP_NAMES):
        own = str(root / "runs" / name / "journal.log")
        build_hostile_study(own, name)
        build_hostile_study(shared, name)
        written[name] = write_report(name, own, root / f"report{k}")
    written["compare"] = write_comparison(list(MARKUP_NAMES), shared, root / "compare")
    return written
