"""One hyperparameter of a search space: held fixed, chosen from a list, or drawn from a range.

Search-space entries take three forms in a study file's `[space]` table:

- a single value: fixed (`optimizer = "adam"`),
- a list: a choice (`activation = ["relu", "tanh"]`),
- a table: a range (`learning_rate = { low = 1e-4, high = 0.3, log = true }`, with `step`
  for integers).

Each value is checked by the hyperparameter's rule in `dnn.hyperparameters` (the one table
of what each may be); this module adds the grammar of the three forms, the Optuna
distribution each makes, and its grid of values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from dnn.hyperparameters import HYPERPARAMETERS, TUNABLE, Rule
from search.errors import SpecError, suggest_key

FULL_BATCH = "full"  # mini_batch_size in a study file: the whole training set (None in dnn)


@dataclass(frozen=True)
class Fixed:
    """A hyperparameter held at one value."""

    value: Any

    def to_toml(self) -> Any:
        """The entry as a study file writes it: the value."""
        return self.value


@dataclass(frozen=True)
class Choice:
    """A hyperparameter chosen from a list."""

    choices: tuple[Any, ...]

    def to_toml(self) -> Any:
        """The entry as a study file writes it: the list."""
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
        """The entry as a study file writes it: a table of low, high, log and step."""
        table: dict[str, Any] = {"low": self.low, "high": self.high}
        if self.log:
            table["log"] = True
        if self.step is not None:
            table["step"] = self.step
        return table


Entry = Fixed | Choice | Range


def to_toml_value(key: str, value: Any) -> Any:
    """A network argument's value as a study file writes it (`full` for no mini-batches)."""
    return FULL_BATCH if key == "mini_batch_size" and value is None else value


def from_toml_value(key: str, value: Any) -> Any:
    """A study file's value as the network argument it stands for (None for `full`)."""
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

    def suggest_categorical(self, name: str, choices: Any) -> Any:
        """One of `choices`, as the trial parameter `name`."""

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """An integer in [low, high] (by `step`; on a log scale with `log`), as parameter `name`."""

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """A float in [low, high] (by `step`; on a log scale with `log`), as parameter `name`."""


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


def grid_count(entry: Choice | Range) -> int:
    """How many values an entry has on a grid."""
    if isinstance(entry, Choice):
        return len(entry.choices)
    step = entry.step if entry.step is not None else 1
    return int(np.floor((entry.high - entry.low) / step + 1e-9)) + 1


def grid_values(entry: Choice | Range) -> list:
    """The values of an entry on a grid: its choices, or its range by its step."""
    if isinstance(entry, Choice):
        return list(entry.choices)
    step = entry.step if entry.step is not None else 1
    # low + k step, rounded and held inside [low, high]: np.arange(0.3, 1.05, 0.1) ends at
    # 1.0000000000000002, a keep_prob the network refuses
    count = grid_count(entry)
    grid = np.clip(np.round(entry.low + step * np.arange(count), 12), entry.low, entry.high)
    return [int(v) for v in grid] if entry.integer else [float(v) for v in grid]


def not_allowed(entry: Entry, key: str, value: Any) -> str | None:
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
