"""Samplers and pruners by name, seeded from the spec (worker w gets seed + w)."""

from __future__ import annotations

import numpy as np
import optuna
from scipy.special import log_ndtr

from search.spec import Choice, Fixed, Range, SpecError, StudySpec

try:  # private: see use_fast_log_ndtr
    from optuna.samplers._tpe import _truncnorm
except ImportError:  # pragma: no cover - a later Optuna
    _truncnorm = None


def grid_space(spec: StudySpec) -> dict[str, list]:
    """Every tuned trial parameter with its list of values, for the grid sampler."""
    space = spec.space
    values = {
        key: _grid_values(entry) for key, entry in space.entries if not isinstance(entry, Fixed)
    }
    max_hidden = space.max_hidden()
    units = values.pop("n_units", None)
    activation = values.pop("activation", None)
    for layer in range(1, max_hidden + 1):
        if units is not None:
            values[f"n_{layer}"] = units
        if activation is not None and spec.per_layer_activation:
            values[f"activation_{layer}"] = activation
    if activation is not None and not spec.per_layer_activation:
        values["activation"] = activation
    return values


def _grid_values(entry: Choice | Range) -> list:
    if isinstance(entry, Choice):
        return list(entry.choices)
    step = entry.step if entry.step is not None else 1
    # low + k step, rounded and held inside [low, high]: np.arange(0.3, 1.05, 0.1) ends at
    # 1.0000000000000002, a keep_prob the network refuses
    count = int(np.floor((entry.high - entry.low) / step + 1e-9)) + 1
    grid = np.clip(np.round(entry.low + step * np.arange(count), 12), entry.low, entry.high)
    return [int(v) for v in grid] if entry.integer else [float(v) for v in grid]


def use_fast_log_ndtr() -> bool:
    """Give TPE's truncated normal scipy's vectorized `log_ndtr`; True when it has it.

    Optuna 5's TPE computes log Phi(x) one element at a time in Python (`np.frompyfunc`), to
    avoid depending on scipy; that was most of TPE's time per trial here (Optuna issue #5478).
    scipy computes the same function in C over the whole array: TPE with nine parameters went
    from 23 to 9.5 ms per trial at 200 trials, with the same best trial. If a later Optuna
    moves the function, TPE runs as it is.
    """
    if not hasattr(_truncnorm, "_log_ndtr"):
        return False
    _truncnorm._log_ndtr = _vectorized_log_ndtr
    return True


def _vectorized_log_ndtr(a: np.ndarray) -> np.ndarray:
    return log_ndtr(np.asarray(a, dtype=float))


def make_sampler(spec: StudySpec, worker: int = 0) -> optuna.samplers.BaseSampler:
    """The spec's sampler, seeded with `spec.seed + worker`."""
    seed = spec.seed + worker
    name = spec.sampler
    if name == "tpe":
        use_fast_log_ndtr()
        return optuna.samplers.TPESampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "grid":
        return optuna.samplers.GridSampler(grid_space(spec), seed=seed)
    if name == "cmaes":
        _require("cmaes", "cmaes")
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    if name == "gp":
        _require("torch", "gp")
        return optuna.samplers.GPSampler(seed=seed, warn_independent_sampling=False)
    if name == "qmc":
        return optuna.samplers.QMCSampler(seed=seed, warn_independent_sampling=False)
    raise SpecError(f"sampler: unknown value {name!r}")


def _require(module: str, sampler: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise SpecError(
            f"sampler: {sampler!r} needs the package {module!r} (pip install {module})"
        ) from None


def make_pruner(spec: StudySpec) -> optuna.pruners.BasePruner:
    """The spec's pruner; steps are training iterations, reported every `report_every`."""
    every = spec.report_every
    if spec.pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=every)
    if spec.pruner == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=every, reduction_factor=3)
    if spec.pruner == "hyperband":
        max_iterations = int(spec.space.bounds("num_iterations")[1])
        return optuna.pruners.HyperbandPruner(
            min_resource=every, max_resource=max(max_iterations, every)
        )
    return optuna.pruners.NopPruner()
