"""The importance of each tuned hyperparameter, by Optuna's default evaluator.

The evaluator needs a study: one is rebuilt in memory from the complete trials of the trials
table (the stored study is only read, never touched), with the distributions of the spec's
tuned hyperparameters.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import optuna
import pandas as pd
from optuna.distributions import BaseDistribution, FloatDistribution, IntDistribution

from reports.load import StudyInfo
from search.record import Attr

N_PARAMETERS = Attr.N_PARAMETERS.value


def tuned_distributions(info: StudyInfo) -> dict[str, BaseDistribution]:
    """Trial parameter name -> distribution, for the tuned hyperparameters of the spec."""
    return info.space.distributions() if info.space is not None else {}


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
    study = optuna.create_study(
        directions=[optuna.study.StudyDirection[d.upper()] for d in info.directions]
    )
    for _, row in complete.iterrows():
        params = {n: as_param(row.get(f"params_{n}"), dist) for n, dist in distributions.items()}
        params = {n: v for n, v in params.items() if v is not None}
        values = [float(row["value"])]
        if info.pareto:
            values.append(float(row.get("values_1", row.get(N_PARAMETERS, 0.0))))
        used = {n: distributions[n] for n in params}
        study.add_trial(optuna.trial.create_trial(values=values, params=params, distributions=used))
    return study


def varied_params(complete: pd.DataFrame, names: Iterable[str]) -> list[str]:
    """The parameters of `names` that take more than one value over the complete trials."""
    return [
        n
        for n in names
        if f"params_{n}" in complete and complete[f"params_{n}"].dropna().astype(str).nunique() > 1
    ]


def param_importances(complete: pd.DataFrame, info: StudyInfo) -> dict[str, float]:
    """Importance of each tuned parameter that varied (Optuna's default evaluator), by name.

    Empty unless two complete trials differ in some tuned parameter. Never raises: an
    evaluator error leaves every importance undefined (NaN in the tables).

    Args:
        complete: the complete trials of a trials table (`reports.tables.complete_trials`).
        info: the study's info (its spec's tuned hyperparameters, its directions).

    Returns:
        The importance of each tuned parameter that varied, by name.
    """
    distributions = tuned_distributions(info)
    varied = varied_params(complete, distributions)
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
