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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dnn import HIDDEN_ACTIVATIONS, INITIALIZATIONS, OPTIMIZERS


class SpecError(ValueError):
    """A study spec is invalid; the message is one line naming the key."""


SAMPLERS = ("tpe", "random", "grid", "cmaes", "gp", "qmc")
PRUNERS = ("median", "successive_halving", "hyperband", "none")
METRICS = {"accuracy": "maximize", "log_loss": "minimize"}
FULL_BATCH = "full"

# name -> (kind, lowest allowed value, choices): the hyperparameters a space may hold.
HYPERPARAMETERS: dict[str, tuple[str, float | None, tuple[str, ...]]] = {
    "learning_rate": ("float", 0.0, ()),
    "num_iterations": ("int", 1, ()),
    "n_hidden": ("int", 0, ()),
    "n_units": ("int", 1, ()),
    "activation": ("choice", None, HIDDEN_ACTIVATIONS),
    "optimizer": ("choice", None, OPTIMIZERS),
    "mini_batch_size": ("int", 1, ()),
    "lambd": ("float", None, ()),
    "keep_prob": ("float", None, ()),
    "input_keep_prob": ("float", None, ()),
    "init": ("choice", None, INITIALIZATIONS),
}
STRICTLY_POSITIVE = {"learning_rate"}
PROBABILITIES = {"keep_prob", "input_keep_prob"}  # dropout: in (0, 1], 1 keeps every unit


def scored_on(cv_folds: int | None) -> str:
    """What a trial's value is measured on, for messages: `validation` or `5-fold CV`."""
    return f"{cv_folds}-fold CV" if cv_folds else "validation"


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

DEFAULT_SPACE: dict[str, Any] = {
    "learning_rate": {"low": 1e-3, "high": 1.0, "log": True},
    "num_iterations": {"low": 100, "high": 800, "step": 100},
    "n_hidden": {"low": 1, "high": 3},
    "n_units": {"low": 8, "high": 128, "log": True},
    "activation": ["relu", "leaky_relu", "tanh"],
    "optimizer": ["gd", "momentum", "adam"],
    "mini_batch_size": FULL_BATCH,
    "lambd": 0.0,
    "keep_prob": 1.0,
    "input_keep_prob": 1.0,
    "init": "he",
}


def _check_value(key: str, value: Any) -> Any:
    kind, lowest, choices = HYPERPARAMETERS[key]
    if key == "mini_batch_size" and value == FULL_BATCH:
        return value
    if kind == "choice":
        if value not in choices:
            raise SpecError(
                f"space.{key}: unknown value {value!r}; choose from {', '.join(choices)}"
            )
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(f"space.{key}: expected a number, got {value!r}")
    if kind == "int" and int(value) != value:
        raise SpecError(f"space.{key}: expected an integer, got {value!r}")
    if lowest is not None and (value < lowest or (key in STRICTLY_POSITIVE and value <= 0)):
        bound = "> 0" if key in STRICTLY_POSITIVE else f">= {lowest:g}"
        raise SpecError(f"space.{key}: must be {bound}, got {value!r}")
    if key == "lambd" and value < 0:
        raise SpecError(f"space.{key}: must be >= 0, got {value!r}")
    if key in PROBABILITIES and not 0 < value <= 1:
        raise SpecError(f"space.{key}: must be in (0, 1], got {value!r}")
    return int(value) if kind == "int" else float(value)


def _parse_range(key: str, table: Mapping[str, Any]) -> Range:
    kind = HYPERPARAMETERS[key][0]
    if kind == "choice":
        raise SpecError(f"space.{key}: takes a value or a list of values, not a range")
    unknown = set(table) - {"low", "high", "log", "step"}
    for bad in sorted(unknown):
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
    step = table.get("step")
    if step is not None:
        if isinstance(step, bool) or not isinstance(step, int | float) or step <= 0:
            raise SpecError(f"space.{key}.step: must be a positive number, got {step!r}")
        if log:
            raise SpecError(f"space.{key}: step and log cannot be combined")
        if kind == "int" and int(step) != step:
            raise SpecError(f"space.{key}.step: must be an integer, got {step!r}")
    return Range(low, high, log, step, integer=kind == "int")


def parse_entry(key: str, raw: Any) -> Entry:
    """Turn one TOML value of `[space]` into a Fixed, Choice or Range (validated)."""
    if key not in HYPERPARAMETERS:
        raise SpecError(f"space.{key}: unknown hyperparameter{suggest_key(key, HYPERPARAMETERS)}")
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


@dataclass(frozen=True)
class SearchSpace:
    """The hyperparameters a study tunes (Choice, Range) or holds (Fixed), by name."""

    entries: tuple[tuple[str, Entry], ...]

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None = None) -> SearchSpace:
        """Default space, updated by `raw` (TOML `[space]`), validated."""
        merged = {**DEFAULT_SPACE, **(raw or {})}
        entries = tuple((key, parse_entry(key, merged[key])) for key in merged)
        space = cls(entries)
        if space.max_hidden() > 0 and space.bounds("n_units")[0] < 1:
            raise SpecError("space.n_units: must be >= 1")
        return space

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
        return int(self.bounds("n_hidden")[1])


@dataclass(frozen=True)
class StudySpec:
    """Everything that defines a study; see the README for the TOML form of each field."""

    name: str
    dataset: str
    space: SearchSpace = field(default_factory=SearchSpace.from_dict)
    target: str = "target"
    per_layer_activation: bool = False
    metric: str = "accuracy"
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
    cv_folds: int | None = None
    seed: int = 0
    storage: str | None = None
    n_jobs: int = 1
    description: str = ""

    @property
    def direction(self) -> str:
        return METRICS[self.metric]

    @property
    def refits(self) -> bool:
        """The final model is the best configuration retrained on training + validation: with
        `refit`, and always with `cv_folds` (no single trial's network saw all that data)."""
        return self.refit or self.cv_folds is not None

    @property
    def scored_on(self) -> str:
        return scored_on(self.cv_folds)

    @property
    def directions(self) -> list[str]:
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

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (TOML- and JSON-ready; None fields left out)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["space"] = self.space.to_dict()
        return {key: value for key, value in data.items() if value is not None}

    def replace(self, **changes: Any) -> StudySpec:
        """A copy with run-time fields changed (trials, jobs, timeout, storage, seed, name)."""
        return dataclasses.replace(self, **changes).validated()

    def validated(self) -> StudySpec:
        """Return self if every field is valid, else raise SpecError naming the field."""
        _check_type("name", self.name, str)
        if (
            not self.name
            or any(c in self.name for c in "/\\\n\t")
            or self.name.strip() != self.name
        ):
            raise SpecError(
                f"name: {self.name!r} is not a valid study name (no slashes or spaces at the ends)"
            )
        _check_type("dataset", self.dataset, str)
        _check_type("target", self.target, str)
        _check_type("description", self.description, str)
        for key in ("per_layer_activation", "pareto", "refit"):
            _check_type(key, getattr(self, key), bool)
        _check_choice("metric", self.metric, tuple(METRICS))
        _check_choice("sampler", self.sampler, SAMPLERS)
        _check_choice("pruner", self.pruner, PRUNERS)
        _check_int("n_trials", self.n_trials, 1)
        _check_int("report_every", self.report_every, 1)
        _check_int("seed", self.seed, 0)
        _check_int("n_jobs", self.n_jobs, 1)
        if self.max_parameters is not None:
            _check_int("max_parameters", self.max_parameters, 1)
        if self.cv_folds is not None:
            _check_int("cv_folds", self.cv_folds, 2)
        if self.timeout is not None and (
            isinstance(self.timeout, bool)
            or not isinstance(self.timeout, int | float)
            or self.timeout <= 0
        ):
            raise SpecError(f"timeout: must be a positive number of seconds, got {self.timeout!r}")
        for key in ("validation_fraction", "test_fraction"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 0.5:
                raise SpecError(f"{key}: must be between 0 and 0.5, got {value!r}")
        if self.storage is not None:
            _check_type("storage", self.storage, str)
        if self.sampler == "grid":
            self._check_grid()
        return self

    def _check_grid(self) -> None:
        for key, entry in self.space.entries:
            if isinstance(entry, Range) and not entry.integer and entry.step is None:
                raise SpecError(
                    f"space.{key}: the grid sampler needs a list of values or a range with step"
                )


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
