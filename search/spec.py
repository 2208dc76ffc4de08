"""The study spec: what a study tunes, on which data, with which budget, sampler and pruner.

A spec is read once (from a TOML table, by `studies`, or built in code), validated once in
`StudySpec.from_dict`, and then passed explicitly. Every bad value is rejected with a
one-line `SpecError` that names the key (and suggests the closest valid key for a typo).

Search-space entries take three forms:

- a single value: fixed (`optimizer = "adam"`),
- a list: a choice (`activation = ["relu", "tanh"]`),
- a table: a range (`learning_rate = { low = 1e-4, high = 0.3, log = true }`, with `step`
  for integers).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from dnn.hyperparameters import HYPERPARAMETERS, TUNABLE, Rule
from search.metrics import DEFAULT_METRIC, METRICS, TASKS, Direction, metrics_of
from search.record import ACTIVATION, UNITS, layer_param, split_param


class SpecError(ValueError):
    """A study spec is invalid; the message is one line naming the key."""


SAMPLERS = ("tpe", "random", "grid", "cmaes", "gp", "qmc")
PRUNERS = ("median", "successive_halving", "hyperband", "none")
MAX_GRID = 1_000_000  # points of a grid search; Optuna lists every one of them
MAX_SEED = 2**31 - 1  # the samplers' seeds are this plus a worker's index, below 2**32
FULL_BATCH = "full"  # mini_batch_size in a study file: the whole training set (None in dnn)
N_HIDDEN = "n_hidden"
HIDDEN_ONLY = (ACTIVATION, "keep_prob")  # they exist only in networks with hidden layers
# Sampled first, in this order, because the others' existence or number depends on them;
# the rest are sampled in the order of dnn's table (the order fixes the sampler's draws).
STRUCTURE = (N_HIDDEN, UNITS, ACTIVATION, "mini_batch_size", "keep_prob")


# fewer examples (training + validation) than this: k-fold by default. Measured at equal time
# (benchmarks/bench_validation.py): 5-fold better at 250 examples, even at 400-500; one split
# better at 1,000 (6 seeds of 6) and mostly above, where 5-fold runs too few trials in time
SMALL_DATA = 1_000
DEFAULT_FOLDS = 5  # scikit-learn's searches validate with 5 folds by default
DTYPES = ("float64", "float32")


def scored_on(cv_folds: int | None) -> str:
    """What a trial's value is measured on, for messages: `validation` or `5-fold CV`."""
    return f"{cv_folds}-fold CV" if cv_folds else "validation"


def default_folds(n_examples: int) -> int:
    """`cv_folds` for a study file that does not set it: k-fold cross-validation below
    `SMALL_DATA` examples, where one validation split is too small to trust (a 20% split of
    500 examples is 100, whose accuracy varies by about 4 points from luck alone), else 0
    (one validation split, `validation_fraction`)."""
    return DEFAULT_FOLDS if n_examples < SMALL_DATA else 0


def suggest_key(key: str, valid: list[str] | tuple[str, ...] | Mapping[str, Any]) -> str:
    """' (did you mean X?)' for the closest valid key, or ''."""
    close = difflib.get_close_matches(key, list(valid), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass(frozen=True)
class Fixed:
    """A hyperparameter held at one value."""

    value: Any

    def to_toml(self) -> Any:
        return self.value


@dataclass(frozen=True)
class Choice:
    """A hyperparameter chosen from a list."""

    choices: tuple[Any, ...]

    def to_toml(self) -> Any:
        return list(self.choices)


@dataclass(frozen=True)
class Range:
    """A numeric hyperparameter in [low, high], on a log scale if `log`, by `step` if set."""

    low: float
    high: float
    log: bool = False
    step: float | None = None
    integer: bool = False

    def to_toml(self) -> Any:
        table: dict[str, Any] = {"low": self.low, "high": self.high}
        if self.log:
            table["log"] = True
        if self.step is not None:
            table["step"] = self.step
        return table


Entry = Fixed | Choice | Range

# The search ranges a space starts from; every other tunable hyperparameter of dnn's table
# is held at its default unless the study file says otherwise.
DEFAULT_RANGES: dict[str, Any] = {
    "learning_rate": {"low": 1e-3, "high": 1.0, "log": True},
    "num_iterations": {"low": 100, "high": 800, "step": 100},
    N_HIDDEN: {"low": 1, "high": 3},
    UNITS: {"low": 8, "high": 128, "log": True},
    ACTIVATION: ["relu", "leaky_relu", "tanh"],
    "optimizer": ["gd", "momentum", "adam"],
}


def default_space() -> dict[str, Any]:
    """Every tunable hyperparameter with its default range or value, in dnn's table order."""
    return {
        key: DEFAULT_RANGES.get(key, _to_toml(key, HYPERPARAMETERS[key].default)) for key in TUNABLE
    }


def _to_toml(key: str, value: Any) -> Any:
    return FULL_BATCH if key == "mini_batch_size" and value is None else value


def _from_toml(key: str, value: Any) -> Any:
    return None if key == "mini_batch_size" and value == FULL_BATCH else value


def _check_value(key: str, value: Any) -> Any:
    """A value of `key` as dnn's rule allows it (`full` for mini_batch_size), else SpecError."""
    if key == "mini_batch_size" and value == FULL_BATCH:
        return value
    rule = HYPERPARAMETERS[key]
    problem = rule.problem(None if value is None else value)
    if value is None or problem is not None:
        raise SpecError(f"space.{key}: {problem or 'must be a value, got nothing'}")
    return rule.normalize(value)


def _parse_range(key: str, table: Mapping[str, Any]) -> Range:
    rule = HYPERPARAMETERS[key]
    if rule.kind == "choice":
        raise SpecError(f"space.{key}: takes a value or a list of values, not a range")
    for bad in sorted(set(table) - {"low", "high", "log", "step"}):
        raise SpecError(
            f"space.{key}.{bad}: unknown key{suggest_key(bad, ['low', 'high', 'log', 'step'])}"
        )
    for bound in ("low", "high"):
        if bound not in table:
            raise SpecError(f"space.{key}.{bound}: missing (a range needs low and high)")
    low, high = _check_value(key, table["low"]), _check_value(key, table["high"])
    if low == FULL_BATCH or high == FULL_BATCH:
        raise SpecError(f"space.{key}: 'full' cannot bound a range; use a list")
    if low > high:
        raise SpecError(f"space.{key}: low ({low}) > high ({high})")
    log = table.get("log", False)
    if not isinstance(log, bool):
        raise SpecError(f"space.{key}.log: expected true or false, got {log!r}")
    if log and low <= 0:
        raise SpecError(f"space.{key}: a log range needs low > 0, got {low}")
    return Range(low, high, log, _parse_step(key, rule, table.get("step"), log), rule.kind == "int")


def _parse_step(key: str, rule: Rule, step: Any, log: bool) -> float | None:
    if step is None:
        return None
    if (
        isinstance(step, bool)
        or not isinstance(step, int | float)
        or not math.isfinite(step)
        or step <= 0
    ):
        raise SpecError(f"space.{key}.step: must be a positive number, got {step!r}")
    if log:
        raise SpecError(f"space.{key}: step and log cannot be combined")
    if rule.kind == "int" and int(step) != step:
        raise SpecError(f"space.{key}.step: must be an integer, got {step!r}")
    return step


def parse_entry(key: str, raw: Any) -> Entry:
    """Turn one TOML value of `[space]` into a Fixed, Choice or Range (validated)."""
    if key not in TUNABLE:
        raise SpecError(f"space.{key}: unknown hyperparameter{suggest_key(key, TUNABLE)}")
    if isinstance(raw, Mapping):
        return _parse_range(key, raw)
    if isinstance(raw, list | tuple):
        if not raw:
            raise SpecError(f"space.{key}: empty list of choices")
        values = tuple(_check_value(key, value) for value in raw)
        if len(set(values)) != len(values):
            raise SpecError(f"space.{key}: repeated choices in {list(raw)}")
        return Choice(values) if len(values) > 1 else Fixed(values[0])
    return Fixed(_check_value(key, raw))


class Suggester(Protocol):
    """What sampling needs of an Optuna trial."""

    def suggest_categorical(self, name: str, choices: Any) -> Any: ...
    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int: ...
    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float: ...


def suggest(trial: Suggester, name: str, entry: Entry) -> Any:
    """Ask the trial for one value of an entry (a Fixed entry is not a trial parameter)."""
    if isinstance(entry, Fixed):
        return entry.value
    if isinstance(entry, Choice):
        return trial.suggest_categorical(name, list(entry.choices))
    if entry.integer:
        step = int(entry.step) if entry.step is not None else 1
        return trial.suggest_int(name, int(entry.low), int(entry.high), step=step, log=entry.log)
    return trial.suggest_float(name, entry.low, entry.high, step=entry.step, log=entry.log)


def distribution(entry: Entry) -> BaseDistribution | None:
    """The Optuna distribution a tuned entry samples from (None for a fixed one)."""
    if isinstance(entry, Choice):
        return CategoricalDistribution(list(entry.choices))
    if isinstance(entry, Fixed):
        return None
    if entry.integer:
        step = int(entry.step) if entry.step is not None else 1
        return IntDistribution(int(entry.low), int(entry.high), log=entry.log, step=step)
    return FloatDistribution(entry.low, entry.high, log=entry.log, step=entry.step)


@dataclass(frozen=True)
class SearchSpace:
    """The hyperparameters a study tunes (Choice, Range) or holds (Fixed), by name.

    It is also the one mapping between a trial's parameters (`n_hidden`, `n_1`, ...,
    `activation` or `activation_1`, ..., `mini_batch_size = "full"`) and the `DeepNetwork`
    arguments they make (`hidden_layers`, `activation`, `mini_batch_size = None`): `sample`
    goes one way, `params_of` the other.
    """

    entries: tuple[tuple[str, Entry], ...]
    per_layer_activation: bool = False

    @classmethod
    def from_dict(
        cls, raw: Mapping[str, Any] | None = None, per_layer_activation: bool = False
    ) -> SearchSpace:
        """Default space, updated by `raw` (TOML `[space]`), validated."""
        merged = {**default_space(), **(raw or {})}
        entries = tuple((key, parse_entry(key, merged[key])) for key in merged)
        return cls(entries, per_layer_activation)

    def __getitem__(self, key: str) -> Entry:
        return dict(self.entries)[key]

    def to_dict(self) -> dict[str, Any]:
        return {key: entry.to_toml() for key, entry in self.entries}

    def tuned(self) -> list[str]:
        """Names of the hyperparameters that vary."""
        return [key for key, entry in self.entries if not isinstance(entry, Fixed)]

    def bounds(self, key: str) -> tuple[Any, Any]:
        """Smallest and largest value a numeric entry can take."""
        entry = self[key]
        if isinstance(entry, Fixed):
            return entry.value, entry.value
        if isinstance(entry, Choice):
            numbers = [value for value in entry.choices if value != FULL_BATCH]
            return (min(numbers), max(numbers)) if numbers else (None, None)
        return entry.low, entry.high

    def max_hidden(self) -> int:
        return int(self.bounds(N_HIDDEN)[1])

    def param_names(self) -> list[str]:
        """Trial parameter names in space order, per-layer ones for every possible layer."""
        layers = range(1, self.max_hidden() + 1)
        names: list[str] = []
        for key, _ in self.entries:
            if key == UNITS or (key == ACTIVATION and self.per_layer_activation):
                names += [layer_param(key, layer) for layer in layers]
            else:
                names.append(key)
        return names

    def entry_of(self, name: str) -> Entry:
        """The entry behind a trial parameter name (`n_2` -> the `n_units` entry)."""
        return self[split_param(name)[0]]

    def fixed_params(self) -> dict[str, Any]:
        """Trial parameter name -> value, for the hyperparameters the space holds fixed."""
        found = {name: self.entry_of(name) for name in self.param_names()}
        return {name: e.value for name, e in found.items() if isinstance(e, Fixed)}

    def distributions(self) -> dict[str, BaseDistribution]:
        """Trial parameter name -> Optuna distribution, for the tuned hyperparameters."""
        found = {name: distribution(self.entry_of(name)) for name in self.param_names()}
        return {name: dist for name, dist in found.items() if dist is not None}

    def grid(self) -> dict[str, list]:
        """Every tuned trial parameter with its list of values, for the grid sampler."""
        return {
            name: _grid_values(entry)
            for name in self.param_names()
            if not isinstance(entry := self.entry_of(name), Fixed)
        }

    def sample(self, trial: Suggester) -> dict[str, Any]:
        """The `DeepNetwork` arguments of one trial (`n_l` exist only up to `n_hidden`)."""
        n_hidden = int(suggest(trial, N_HIDDEN, self[N_HIDDEN]))
        layers = range(1, n_hidden + 1)
        hidden = [int(suggest(trial, layer_param(UNITS, i), self[UNITS])) for i in layers]
        if self.per_layer_activation:
            activation: Any = [
                suggest(trial, layer_param(ACTIVATION, i), self[ACTIVATION]) for i in layers
            ]
        else:
            activation = suggest(trial, ACTIVATION, self[ACTIVATION]) if n_hidden else "relu"
        values = {"mini_batch_size": suggest(trial, "mini_batch_size", self["mini_batch_size"])}
        values["keep_prob"] = suggest(trial, "keep_prob", self["keep_prob"]) if n_hidden else 1.0
        for key, entry in self.entries:
            if key not in STRUCTURE:
                values[key] = suggest(trial, key, entry)
        network = {  # in the table's order, as a snippet of the best trial prints them
            key: HYPERPARAMETERS[key].normalize(_from_toml(key, values[key]))
            for key in TUNABLE
            if key in values
        }
        return {"hidden_layers": hidden, "activation": activation, **network}

    def params_of(self, hyperparameters: Mapping[str, Any]) -> dict[str, Any]:
        """The trial parameters (tuned and fixed) that `DeepNetwork` arguments stand for."""
        hp = dict(hyperparameters)
        params: dict[str, Any] = {}
        hidden = list(hp.pop("hidden_layers", None) or [])
        if hyperparameters.get("hidden_layers") is not None:
            params[N_HIDDEN] = len(hidden)
        params.update({layer_param(UNITS, i): n for i, n in enumerate(hidden, start=1)})
        activation = hp.pop(ACTIVATION, None)
        if isinstance(activation, list | tuple):
            params.update({layer_param(ACTIVATION, i): g for i, g in enumerate(activation, 1)})
        elif hidden and activation is not None:
            params[ACTIVATION] = activation
        for key in TUNABLE:
            if key in hp and (key not in HIDDEN_ONLY or hidden):
                params[key] = _to_toml(key, hp[key])
        return params

    @staticmethod
    def applies(name: str, n_hidden: int | None) -> bool:
        """Whether a trial parameter exists in a network with `n_hidden` hidden layers."""
        if n_hidden is None:
            return True
        key, layer = split_param(name)
        if layer is not None:
            return layer <= n_hidden
        return key not in HIDDEN_ONLY or n_hidden > 0


def _grid_count(entry: Choice | Range) -> int:
    """How many values an entry has on a grid."""
    if isinstance(entry, Choice):
        return len(entry.choices)
    step = entry.step if entry.step is not None else 1
    return int(np.floor((entry.high - entry.low) / step + 1e-9)) + 1


def _grid_values(entry: Choice | Range) -> list:
    if isinstance(entry, Choice):
        return list(entry.choices)
    step = entry.step if entry.step is not None else 1
    # low + k step, rounded and held inside [low, high]: np.arange(0.3, 1.05, 0.1) ends at
    # 1.0000000000000002, a keep_prob the network refuses
    count = _grid_count(entry)
    grid = np.clip(np.round(entry.low + step * np.arange(count), 12), entry.low, entry.high)
    return [int(v) for v in grid] if entry.integer else [float(v) for v in grid]


@dataclass(frozen=True)
class StudySpec:
    """Everything that defines a study; see the README for the TOML form of each field."""

    name: str
    dataset: str
    space: SearchSpace = field(default_factory=SearchSpace.from_dict)
    target: str = "target"
    test_dataset: str | None = None  # the user's own test file: no test split is cut
    task: str = "classification"
    drop: tuple[str, ...] = ()  # columns of a table left out
    categorical: tuple[str, ...] = ()  # columns of a table taken as categories
    dtype: str = "float64"  # every trial trains in this precision
    per_layer_activation: bool = False
    metric: str = ""  # "": the task's default (accuracy, r2)
    pareto: bool = False
    validation_fraction: float = 0.2
    test_fraction: float = 0.2
    n_trials: int = 30
    timeout: float | None = None
    sampler: str = "tpe"
    pruner: str = "median"
    report_every: int = 50
    max_parameters: int | None = None
    refit: bool = False
    cv_folds: int | None = None  # None: by the data's size (`default_folds`); 0: one split
    seed: int = 0
    storage: str | None = None
    n_jobs: int = 1
    description: str = ""
    # configurations tried first, before the sampler proposes its own (`enqueued_params`)
    enqueue: tuple[Mapping[str, Any], ...] = ()

    def __post_init__(self) -> None:
        # per_layer_activation is a study-file key that shapes the space's trial parameters
        if isinstance(self.space, SearchSpace) and isinstance(self.per_layer_activation, bool):
            space = dataclasses.replace(self.space, per_layer_activation=self.per_layer_activation)
            object.__setattr__(self, "space", space)
        for key in ("drop", "categorical", "enqueue"):  # TOML and JSON give lists
            if isinstance(getattr(self, key), list):
                object.__setattr__(self, key, tuple(getattr(self, key)))
        if self.metric == "" and self.task in TASKS:
            object.__setattr__(self, "metric", DEFAULT_METRIC[self.task])

    @property
    def direction(self) -> Direction:
        return METRICS[self.metric].direction

    @property
    def refits(self) -> bool:
        """The final model is the best configuration retrained on training + validation: with
        `refit`, and always with `cv_folds` (no single trial's network saw all that data)."""
        return self.refit or bool(self.cv_folds)

    @property
    def is_regression(self) -> bool:
        return self.task == "regression"

    def with_folds(self, n_examples: int, stored: Mapping[str, Any] | None = None) -> StudySpec:
        """The spec with `cv_folds` decided: the file's value; else, for a study that exists,
        its stored value (a study stored before the default existed used one split); else
        `default_folds(n_examples)`."""
        if self.cv_folds is not None:
            return self
        if stored is not None:
            folds = stored.get("cv_folds")
            return self.replace(cv_folds=folds if isinstance(folds, int) else 0)
        return self.replace(cv_folds=default_folds(n_examples))

    @property
    def scored_on(self) -> str:
        return scored_on(self.cv_folds)

    @property
    def directions(self) -> list[Direction]:
        return [self.direction, "minimize"] if self.pareto else [self.direction]

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> StudySpec:
        """Build and validate a spec from a TOML document (a dict)."""
        names = [f.name for f in dataclasses.fields(cls)]
        for key in raw:
            if key not in names:
                raise SpecError(f"{key}: unknown key{suggest_key(key, names)}")
        for key in ("name", "dataset"):
            if key not in raw:
                raise SpecError(f"{key}: missing (every study needs a name and a dataset)")
        space = raw.get("space", {})
        if not isinstance(space, Mapping):
            raise SpecError(f"space: expected a table, got {space!r}")
        values = {**raw, "space": SearchSpace.from_dict(space)}
        return cls(**values).validated()

    @classmethod
    def from_stored(cls, stored: Any, study_name: str = "") -> StudySpec:
        """The spec stored with a study (`to_dict()` as it was written), with the defaults of
        hyperparameters added since (a study from before dropout trained with keep_prob 1).

        Raises:
            SpecError: one line saying that the stored spec is missing or no longer valid, and
                how to go on (start a new study, or run it again from its study file).
        """
        where = f"study {study_name!r}" if study_name else "the study"
        if not isinstance(stored, Mapping):
            raise SpecError(
                f"{where} has no stored spec (not made by dnnsearch run?); "
                "start it with `dnnsearch run STUDY --study-name NAME`"
            )
        try:
            return cls.from_dict(stored)
        except (SpecError, TypeError) as error:
            raise SpecError(
                f"{where}: its stored spec is not valid in this version ({error}); "
                "run its study file under a new --study-name"
            ) from None

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (TOML- and JSON-ready; None fields left out)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["space"] = self.space.to_dict()
        data["drop"], data["categorical"] = list(self.drop), list(self.categorical)
        # left out when empty: the stored spec of a study without it is as it was before the key
        data["enqueue"] = [dict(config) for config in self.enqueue] or None
        return {key: value for key, value in data.items() if value is not None}

    def replace(self, **changes: Any) -> StudySpec:
        """A copy with run-time fields changed (trials, jobs, timeout, storage, seed, name)."""
        return dataclasses.replace(self, **changes).validated()

    def validated(self) -> StudySpec:
        """Return self if every field is valid, else raise SpecError naming the field."""
        _check_type("name", self.name, str)
        check_study_name(self.name)
        _check_type("dataset", self.dataset, str)
        _check_type("target", self.target, str)
        _check_type("description", self.description, str)
        for key in ("per_layer_activation", "pareto", "refit"):
            _check_type(key, getattr(self, key), bool)
        _check_type("task", self.task, str)
        _check_choice("task", self.task, TASKS)
        _check_type("metric", self.metric, str)
        _check_metric(self.task, self.metric)
        _check_choice("dtype", self.dtype, DTYPES)
        _check_columns(self.target, self.drop, self.categorical)
        _check_choice("sampler", self.sampler, SAMPLERS)
        _check_choice("pruner", self.pruner, PRUNERS)
        _check_int("n_trials", self.n_trials, 1)
        _check_int("report_every", self.report_every, 1)
        _check_int("seed", self.seed, 0)
        if self.seed > MAX_SEED:
            raise SpecError(f"seed: must be at most {MAX_SEED}, got {self.seed}")
        _check_int("n_jobs", self.n_jobs, 1)
        if self.max_parameters is not None:
            _check_int("max_parameters", self.max_parameters, 1)
        if self.cv_folds is not None:
            _check_int("cv_folds", self.cv_folds, 0)
            if self.cv_folds == 1:
                raise SpecError(
                    "cv_folds: must be 0 (one validation split) or at least 2 folds, got 1"
                )
        if self.timeout is not None and (
            isinstance(self.timeout, bool)
            or not isinstance(self.timeout, int | float)
            or not math.isfinite(self.timeout)
            or self.timeout <= 0
        ):
            raise SpecError(f"timeout: must be a positive number of seconds, got {self.timeout!r}")
        for key in ("validation_fraction", "test_fraction"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 0.5:
                raise SpecError(f"{key}: must be between 0 and 0.5, got {value!r}")
        if self.storage is not None:
            _check_type("storage", self.storage, str)
        if self.test_dataset is not None:
            _check_type("test_dataset", self.test_dataset, str)
        if self.sampler == "grid":
            self._check_grid()
        self.enqueued_params()
        return self

    def enqueued_params(self) -> list[dict[str, Any]]:
        """The `enqueue` configurations as the trial parameters Optuna enqueues, checked.

        Each configuration names hyperparameters of the space, as trial parameters (`n_hidden`,
        `n_1`, ..., `learning_rate`) or with `DeepNetwork`'s `hidden_layers = [20, 7, 5]`; each
        value must be one the space allows. A hyperparameter the space holds fixed may be given
        its value (and is then left out: it is no trial parameter); the sampler proposes the
        ones a configuration leaves out.

        Raises:
            SpecError: naming the configuration and the key, `enqueue[0].n_1: ...`.
        """
        if not isinstance(self.enqueue, tuple):
            raise SpecError(f"enqueue: expected a list of tables, got {self.enqueue!r}")
        return [_enqueued(self.space, i, config) for i, config in enumerate(self.enqueue)]

    def _check_grid(self) -> None:
        points = 1
        for name in self.space.param_names():
            entry = self.space.entry_of(name)
            if isinstance(entry, Fixed):
                continue
            if isinstance(entry, Range) and not entry.integer and entry.step is None:
                raise SpecError(
                    f"space.{name}: the grid sampler needs a list of values or a range with step"
                )
            points *= _grid_count(entry)  # counted before a single value is made
            if points > MAX_GRID:
                raise SpecError(
                    f"space: the grid has more than {MAX_GRID:,} points (at {name}); "
                    "use fewer values or another sampler"
                )


def _enqueued(space: SearchSpace, index: int, config: Any) -> dict[str, Any]:
    """One `enqueue` configuration as trial parameters (tuned ones only), else SpecError."""
    where = f"enqueue[{index}]"
    if not isinstance(config, Mapping) or not config:
        raise SpecError(f"{where}: expected a table of hyperparameters, got {config!r}")
    given = _with_layers(where, dict(config))
    names = space.param_names()
    n_hidden = given.get(N_HIDDEN)
    params: dict[str, Any] = {}
    for name, value in given.items():
        if name not in names:
            raise SpecError(
                f"{where}.{name}: not a hyperparameter of the space{suggest_key(name, names)}"
            )
        problem = _not_allowed(space.entry_of(name), split_param(name)[0], value)
        if problem is None and isinstance(n_hidden, int) and not space.applies(name, n_hidden):
            problem = f"does not exist in a network with {n_hidden} hidden layers"
        if problem is not None:
            raise SpecError(f"{where}.{name}: {problem}")
        if not isinstance(space.entry_of(name), Fixed):
            params[name] = value
    return params


def _with_layers(where: str, config: dict[str, Any]) -> dict[str, Any]:
    """A configuration with `DeepNetwork`'s `hidden_layers = [n_1, ...]` as `n_hidden` and
    `n_1 ...` (and a list of activations as `activation_1 ...`)."""
    if "hidden_layers" not in config:
        return config
    layers = config.pop("hidden_layers")
    if not isinstance(layers, list | tuple):
        raise SpecError(f"{where}.hidden_layers: expected a list of units, got {layers!r}")
    params = {N_HIDDEN: len(layers), **{layer_param(UNITS, i): n for i, n in enumerate(layers, 1)}}
    activation = config.pop(ACTIVATION, None)
    if isinstance(activation, list | tuple):
        params.update({layer_param(ACTIVATION, i): g for i, g in enumerate(activation, 1)})
    elif activation is not None:
        params[ACTIVATION] = activation
    return {**params, **config}


def _not_allowed(entry: Entry, key: str, value: Any) -> str | None:
    """Why `value` is not one the entry of hyperparameter `key` can take, or None."""
    if key == "mini_batch_size" and value == FULL_BATCH:
        problem = None
    else:
        problem = HYPERPARAMETERS[key].problem(value) if value is not None else "is missing"
    if problem is not None:
        return problem
    if isinstance(entry, Fixed):
        return None if value == entry.value else f"the space holds it at {entry.value!r}"
    if isinstance(entry, Choice):
        return None if value in entry.choices else f"{value!r} is not one of {list(entry.choices)}"
    if not entry.low <= value <= entry.high:
        return f"{value!r} is outside [{entry.low:g}, {entry.high:g}]"
    if entry.step is not None and not math.isclose(
        round((value - entry.low) / entry.step) * entry.step + entry.low, value
    ):
        return f"{value!r} is not on the range's steps of {entry.step:g} from {entry.low:g}"
    return None


def check_study_name(name: str) -> str:
    """A study name that is also a safe folder name under `runs/`, else SpecError."""
    if (
        not name
        or name in (".", "..")
        or any(c in name for c in "/\\")
        or not name.isprintable()
        or name.strip() != name
        or len(name) > 200
    ):
        raise SpecError(
            f"name: {name!r} is not a valid study name (printable, no slashes, no spaces at "
            "the ends, not . or .., at most 200 characters)"
        )
    return name


def _check_metric(task: str, metric: str) -> None:
    """The metric must be one of the task's: accuracy is no score of a regression."""
    if metric in METRICS and metric not in metrics_of(task):
        raise SpecError(
            f"metric: {metric!r} is a {METRICS[metric].task} metric; a {task} study uses "
            f"{', '.join(metrics_of(task))}"
        )
    _check_choice("metric", metric, tuple(metrics_of(task)))


MAX_COLUMN_NAME = 500  # characters of a column name in drop / categorical


def _check_columns(target: str, drop: Any, categorical: Any) -> None:
    """`drop` and `categorical`: lists of distinct column names, not the target, not both."""
    seen: dict[str, str] = {}
    for key, names in (("drop", drop), ("categorical", categorical)):
        if not isinstance(names, tuple | list):
            raise SpecError(f"{key}: expected a list of column names, got {names!r}")
        for name in names:
            if not isinstance(name, str) or not name or len(name) > MAX_COLUMN_NAME:
                raise SpecError(f"{key}: {name!r} is not a column name")
            if name == target:
                raise SpecError(f"{key}: {name!r} is the target column")
            if name in seen:
                where = "twice" if seen[name] == key else "in both drop and categorical"
                raise SpecError(f"{key}: column {name!r} is listed {where}")
            seen[name] = key


def _check_type(key: str, value: Any, kind: type) -> None:
    if not isinstance(value, kind):
        raise SpecError(f"{key}: expected {kind.__name__}, got {value!r}")


def _check_choice(key: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise SpecError(
            f"{key}: unknown value {value!r}{suggest_key(str(value), choices)}; "
            f"choose from {', '.join(choices)}"
        )


def _check_int(key: str, value: Any, lowest: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
        raise SpecError(f"{key}: must be an integer >= {lowest}, got {value!r}")
