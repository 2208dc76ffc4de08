"""Samplers and pruners by name: one table each, seeded from the spec (worker w gets seed + w).

A study file names its sampler and pruner; `StudySpec` accepts the names of these tables, and a
run checks, before anything is stored, that the packages a sampler needs are installed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import util
from typing import TYPE_CHECKING

import optuna

from search.errors import SpecError

if TYPE_CHECKING:
    from search.spec import StudySpec


@dataclass(frozen=True)
class SamplerRule:
    """How to make one sampler: from the spec and a seed; `needs` names a package it imports."""

    make: Callable[[StudySpec, int], optuna.samplers.BaseSampler]
    needs: str | None = None


SAMPLERS: dict[str, SamplerRule] = {
    "tpe": SamplerRule(lambda spec, seed: optuna.samplers.TPESampler(seed=seed)),
    "random": SamplerRule(lambda spec, seed: optuna.samplers.RandomSampler(seed=seed)),
    "grid": SamplerRule(
        lambda spec, seed: optuna.samplers.GridSampler(spec.space.grid(), seed=seed)
    ),
    "cmaes": SamplerRule(
        lambda spec, seed: optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False),
        needs="cmaes",
    ),
    "gp": SamplerRule(
        lambda spec, seed: optuna.samplers.GPSampler(seed=seed, warn_independent_sampling=False),
        needs="torch",
    ),
    "qmc": SamplerRule(
        lambda spec, seed: optuna.samplers.QMCSampler(seed=seed, warn_independent_sampling=False)
    ),
}


def _max_iterations(spec: StudySpec) -> int:
    return max(int(spec.space.bounds("num_iterations")[1]), spec.report_every)


# Steps are training iterations, reported every `report_every`.
PRUNERS: dict[str, Callable[[StudySpec], optuna.pruners.BasePruner]] = {
    "median": lambda spec: optuna.pruners.MedianPruner(
        n_startup_trials=5, n_warmup_steps=spec.report_every
    ),
    "successive_halving": lambda spec: optuna.pruners.SuccessiveHalvingPruner(
        min_resource=spec.report_every, reduction_factor=3
    ),
    "hyperband": lambda spec: optuna.pruners.HyperbandPruner(
        min_resource=spec.report_every, max_resource=_max_iterations(spec)
    ),
    "none": lambda spec: optuna.pruners.NopPruner(),
}


def check_sampler(name: str) -> None:
    """Refuse a sampler whose package is missing, before a study is stored.

    It would fail after creating the storage otherwise.

    Raises:
        SpecError: `sampler: 'gp' needs the package 'torch' (pip install torch)`.
    """
    needs = SAMPLERS[name].needs
    if needs is not None and util.find_spec(needs) is None:
        raise SpecError(f"sampler: {name!r} needs the package {needs!r} (pip install {needs})")


def make_sampler(spec: StudySpec, worker: int = 0) -> optuna.samplers.BaseSampler:
    """The spec's sampler, seeded with `spec.seed + worker` (modulo 2**32)."""
    check_sampler(spec.sampler)
    return SAMPLERS[spec.sampler].make(spec, (spec.seed + worker) % 2**32)


def make_pruner(spec: StudySpec) -> optuna.pruners.BasePruner:
    """The spec's pruner."""
    return PRUNERS[spec.pruner](spec)
