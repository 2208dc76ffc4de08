"""Samplers and pruners by name, seeded from the spec (worker w gets seed + w)."""

from __future__ import annotations

import optuna

from search.spec import SpecError, StudySpec


def make_sampler(spec: StudySpec, worker: int = 0) -> optuna.samplers.BaseSampler:
    """The spec's sampler, seeded with `spec.seed + worker` (modulo 2**32)."""
    seed = (spec.seed + worker) % 2**32
    name = spec.sampler
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "grid":
        return optuna.samplers.GridSampler(spec.space.grid(), seed=seed)
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
