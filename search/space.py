"""A study's search space: which hyperparameters it tunes or holds, and how trials sample them.

`SearchSpace` is the default space (`DEFAULT_RANGES`, then every other tunable hyperparameter of
`dnn.hyperparameters` at its default) updated by a study file's `[space]` table, each entry
parsed by `search.entries`. It is also the one mapping between a trial's parameters (`n_hidden`,
`n_1`, ..., `activation` or `activation_1`, ..., `mini_batch_size = "full"`) and the network
arguments they make (`hidden_layers`, `activation`, `mini_batch_size = None`): `sample` goes one
way, `params_of` the other. Configurations to try first (`enqueue`) are checked against it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from optuna.distributions import BaseDistribution

from dnn.hyperparameters import HYPERPARAMETERS, TUNABLE
from search.entries import (
    FULL_BATCH,
    Choice,
    Entry,
    Fixed,
    Range,
    Suggester,
    distribution,
    from_toml_value,
    grid_count,
    grid_values,
    not_allowed,
    parse_entry,
    suggest,
    to_toml_value,
)
from search.errors import SpecError, suggest_key
from search.record import ACTIVATION, UNITS, layer_param, split_param

MAX_GRID = 1_000_000  # points of a grid search; Optuna lists every one of them
N_HIDDEN = "n_hidden"
HIDDEN_ONLY = (ACTIVATION, "keep_prob")  # they exist only in networks with hidden layers
# Sampled first, in this order, because the others' existence or number depends on them;
# the rest are sampled in the order of dnn's table (the order fixes the sampler's draws).
STRUCTURE = (N_HIDDEN, UNITS, ACTIVATION, "mini_batch_size", "keep_prob")

# The search ranges a space starts from before a run knows its data; a run replaces what a
# study file leaves out by its task's defaults for the data (`search.tasks.Task.default_space`)
# or, resuming a study, by the study's own. Every other tunable hyperparameter of dnn's table
# is held at its default.
DEFAULT_RANGES: dict[str, Any] = {
    "learning_rate": {"low": 1e-4, "high": 1.0, "log": True},
    "num_iterations": {"low": 100, "high": 2500, "step": 100},
    N_HIDDEN: {"low": 0, "high": 3},
    UNITS: {"low": 4, "high": 128, "log": True},
    ACTIVATION: ["relu", "leaky_relu", "tanh"],
    "optimizer": ["gd", "momentum", "adam"],
}


def default_space() -> dict[str, Any]:
    """Every tunable hyperparameter with its default range or value, in dnn's table order."""
    return {
        key: DEFAULT_RANGES.get(key, to_toml_value(key, HYPERPARAMETERS[key].default))
        for key in TUNABLE
    }


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
    # the keys a study file set (the others are defaults, `filled`); not part of what the
    # space is: two spaces of the same entries are equal
    given: tuple[str, ...] = dataclasses.field(default=(), compare=False)

    @classmethod
    def from_dict(
        cls, raw: Mapping[str, Any] | None = None, per_layer_activation: bool = False
    ) -> SearchSpace:
        """Default space, updated by `raw` (TOML `[space]`), validated."""
        merged = {**default_space(), **(raw or {})}
        entries = tuple((key, parse_entry(key, merged[key])) for key in merged)
        return cls(entries, per_layer_activation, tuple(raw or ()))

    def filled(self, defaults: Mapping[str, Any]) -> SearchSpace:
        """The space with the entries a study file left out taken from `defaults`.

        The keys it set are kept; `defaults` are in TOML forms: a task's defaults for the data, or a
        stored study's space.
        """
        raw = {key: entry.to_toml() for key, entry in self.entries if key in self.given}
        filled = SearchSpace.from_dict({**defaults, **raw}, self.per_layer_activation)
        return dataclasses.replace(filled, given=self.given)

    def __getitem__(self, key: str) -> Entry:
        """The entry of hyperparameter `key`."""
        return dict(self.entries)[key]

    def to_dict(self) -> dict[str, Any]:
        """The space in a study file's forms (every entry, defaults included)."""
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
        """The most hidden layers the space allows (`n_hidden`'s upper bound)."""
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
            name: grid_values(entry)
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
            key: HYPERPARAMETERS[key].normalize(from_toml_value(key, values[key]))
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
                params[key] = to_toml_value(key, hp[key])
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

    def check_task(self, task: str) -> None:
        """Refuse an entry of the other task's networks (`target_scale`) away from its default.

        A network takes such a hyperparameter only at its default; checked here, a study file
        that sets it is refused before its study is stored, not by its first trial.

        Raises:
            SpecError: `space.<key>: applies to a <task> study; a <task> study takes only ...`.
        """
        for key, entry in self.entries:
            rule = HYPERPARAMETERS[key]
            if rule.task in (None, task):
                continue
            values = (
                entry.choices if isinstance(entry, Choice) else (getattr(entry, "value", None),)
            )
            for value in values:
                if value != rule.default:
                    raise SpecError(
                        f"space.{key}: applies to a {rule.task} study; a {task} study takes only "
                        f"{rule.default!r}, got {value!r}"
                    )

    def check_grid(self) -> None:
        """Refuse a space the grid sampler cannot list.

        A continuous range without a step, or more than `MAX_GRID` points (counted before a single
        one is made).

        Raises:
            SpecError: naming the hyperparameter.
        """
        points = 1
        for name in self.param_names():
            entry = self.entry_of(name)
            if isinstance(entry, Fixed):
                continue
            if isinstance(entry, Range) and not entry.integer and entry.step is None:
                raise SpecError(
                    f"space.{name}: the grid sampler needs a list of values or a range with step"
                )
            points *= grid_count(entry)
            if points > MAX_GRID:
                raise SpecError(
                    f"space: the grid has more than {MAX_GRID:,} points (at {name}); "
                    "use fewer values or another sampler"
                )

    def enqueued(self, configs: Any) -> list[dict[str, Any]]:
        """Configurations to try first (a study's `enqueue`), checked.

        They come out as the trial parameters Optuna enqueues.

        Each configuration names hyperparameters of the space, as trial parameters (`n_hidden`,
        `n_1`, ..., `learning_rate`) or with `DeepNetwork`'s `hidden_layers = [20, 7, 5]`; each
        value must be one the space allows. A hyperparameter the space holds fixed may be given
        its value (and is then left out: it is no trial parameter); the sampler proposes the
        ones a configuration leaves out.

        Raises:
            SpecError: naming the configuration and the key, `enqueue[0].n_1: ...`.
        """
        if not isinstance(configs, tuple):
            raise SpecError(f"enqueue: expected a list of tables, got {configs!r}")
        return [_enqueued(self, i, config) for i, config in enumerate(configs)]


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
        problem = not_allowed(space.entry_of(name), split_param(name)[0], value)
        if problem is None and isinstance(n_hidden, int) and not space.applies(name, n_hidden):
            problem = f"does not exist in a network with {n_hidden} hidden layers"
        if problem is not None:
            raise SpecError(f"{where}.{name}: {problem}")
        if not isinstance(space.entry_of(name), Fixed):
            params[name] = value
    return params


def _with_layers(where: str, config: dict[str, Any]) -> dict[str, Any]:
    """A configuration with `DeepNetwork`'s `hidden_layers = [n_1, ...]` as `n_hidden`, `n_1 ...`.

    A list of activations becomes `activation_1 ...` likewise.
    """
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
