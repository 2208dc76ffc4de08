"""A run's first step: everything that can refuse a study, done before anything is stored.

`prepare` loads the data set, splits it, decides the validation (k folds on small data unless
the study file says), checks every split and fold the trials will train on, describes the data
for the report and the run's first lines, checks that the sampler can be made, and reads the
stored study the run would resume (refusing another definition, other data or another artifact
store). Only then does a run open its storage for writing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dnn.columns import MISSING, OTHER, level_names, numeric_names
from search.artifacts import ArtifactsError, resolve_location
from search.checks import check_parts
from search.data import Dataset, Splits, is_frame, split_dataset
from search.dburl import is_rdb
from search.folds import folds_limit
from search.samplers import check_sampler
from search.spec import SpecError, StudySpec, upgrade
from search.storage import artifacts_dir
from search.study import Existing, check_resumable, find_existing
from search.summary import DataSummary, describe_data
from search.tasks import HEAVY_TAILS, NUMERIC_BINS, skewness

SKEW_ROWS = 100_000  # rows of a large X that judge its tails
DataLoader = Callable[[StudySpec], "tuple[np.ndarray, np.ndarray] | Dataset"]


@dataclass(frozen=True)
class Prepared:
    """What `prepare` found: the spec with folds and metric decided, the data as trials see it."""

    spec: StudySpec
    splits: Splits
    summary: DataSummary
    warnings: list[str]  # the table encoder's (a dropped identifier column, say)
    chosen: bool  # the folds were chosen by the data's size (the study file does not say)
    metric_chosen: bool  # so was the metric (a new study whose file names none)
    existing: Existing | None  # the stored study this run resumes


def prepare(spec: StudySpec, load_data: DataLoader) -> Prepared:
    """Load, split and check the data, and check the spec against the stored study.

    Raises:
        ValueError: bad data (one line naming the problem).
        SpecError: a sampler whose package is missing; StudyMismatchError: a stored study of
            that name made otherwise or on other data. ArtifactsError: an artifact store that
            cannot take files, or another than the study's (`search.artifacts`).
    """
    check_sampler(spec.sampler)
    splits = split_data(spec, load_data)
    existing = find_existing(spec)
    chosen = spec.cv_folds is None
    old = existing.record.spec if existing else None
    metric_chosen = spec.metric_by_default and old is None  # as `decided` chooses it
    n_examples = len(splits.y_train) + len(splits.y_val)
    spec = spec.decided(n_examples, old)
    _check_folds(spec, splits, chosen)
    try:
        summary, warnings = describe_data(spec, splits)  # what fails on all the data, first
    except ValueError as error:
        raise ValueError(f"dataset {spec.dataset}: {error}") from None
    spec = _with_space(spec, existing, splits, summary)
    try:
        check_parts(spec, splits)
    except ValueError as error:
        raise ValueError(f"dataset {spec.dataset}: {error}") from None
    check_resumable(spec, existing, splits)
    stored = existing.record.artifact_store if existing is not None else None
    spec = spec.replace(artifacts=resolve_location(spec.artifacts, stored, spec.name))
    check_own_folder(spec.storage_url, spec.name)
    return Prepared(spec, splits, summary, warnings, chosen, metric_chosen, existing)


def check_own_folder(storage: str, study_name: str) -> None:
    """Refuse a study whose own folder (`runs/NAME/...`) cannot be made where it goes.

    Its best network and final model are saved there even with an artifact store, and a run
    makes it as its first trial ends: a file in its way (a journal named `runs`, a file
    `runs/NAME`) would refuse the study only after it was stored.

    Raises:
        ArtifactsError: naming the file in the way.
    """
    folder = artifacts_dir(storage, study_name)
    journal = None if is_rdb(storage) else Path(os.path.abspath(storage))
    for path in (folder, *folder.parents):
        if path.exists() and not path.is_dir():
            raise ArtifactsError(
                f"cannot keep the study's networks in {folder}: {path} is a file (name the "
                "journal file otherwise, or move the file)"
            )
        if not path.exists() and Path(os.path.abspath(path)) == journal:
            raise ArtifactsError(
                f"cannot keep the study's networks in {folder}: the journal file would be made "
                f"at {path}; name it otherwise"
            )


def _with_space(
    spec: StudySpec, existing: Existing | None, splits: Splits, summary: DataSummary
) -> StudySpec:
    """The spec with the search space its file leaves out.

    A resumed study's own (what it searched, whatever today's defaults), else the task's defaults
    for these data.
    """
    stored = upgrade(existing.record.spec) if existing is not None else None
    if stored is not None and isinstance(stored.get("space"), dict):
        defaults = stored["space"]
    elif spec.sampler == "grid":  # a grid lists what its file gives; the rest holds still
        return spec
    else:
        y = np.concatenate([splits.y_train, splits.y_val])
        heavy = heavy_tailed(splits.X_train)
        # bins where trials are cross-validated: on one validation split the search picked
        # binned networks that validated as well and tested worse (issue 22's measurements)
        numbers = binnable(summary, NUMERIC_BINS) if spec.cv_folds else 0
        defaults = spec.problem.default_space(len(y), summary.n_x, y, heavy, numbers)
    spec = spec.replace(space=spec.space.filled(defaults))
    if not is_frame(splits.X_train) and spec.space.bounds("numeric_bins")[1]:
        raise SpecError(
            "space: numeric_bins bins the numeric columns of a table, but the data set is an "
            "array (numeric_bins = 0)"
        )
    return spec


def binnable(summary: DataSummary, bins: int) -> int:
    """The numeric columns of a table that `bins` bins each could encode; 0 if their names clash.

    The bins of a column `x` are named `x[1/bins]` ...: a column (or a one-hot level, a
    missing-cell indicator) of such a name already in the table would be made twice.
    """
    numeric = [column.name for column in summary.columns if column.kind == "numeric"]
    taken: set[str] = set()
    for column in summary.columns:
        taken.update(numeric_names(column.name, 0, missing=True))  # the name, its indicator
        taken.update(level_names(column.name, (*column.categories, OTHER, MISSING)))
    binned = {f for name in numeric for f in numeric_names(name, bins, missing=False)}
    return 0 if binned & taken else len(numeric)


def heavy_tailed(x: Any) -> bool:
    """Whether a numeric input of the training part is heavy-tailed, so its scaling is worth tuning.

    Heavy-tailed: a skewness beyond `HEAVY_TAILS` in size (incomes, counts, outliers). A large X is
    judged on its first rows.
    """
    rows = x[:SKEW_ROWS]
    if is_frame(rows):
        numeric = [c for c in rows.columns if rows[c].dtype.kind in "iuf"]
        rows = rows[numeric].to_numpy(dtype=np.float64, na_value=np.nan) if numeric else None
    if rows is None or rows.size == 0:
        return False
    return bool((np.abs(skewness(np.asarray(rows, dtype=np.float64))) > HEAVY_TAILS).any())


def split_data(spec: StudySpec, load_data: DataLoader) -> Splits:
    """Load the data set and split it (the loader may return `(X, y)` or a `Dataset`)."""
    data = load_data(spec)
    dataset = data if isinstance(data, Dataset) else Dataset(*data)
    fractions = (spec.validation_fraction, spec.test_fraction)
    return split_dataset(dataset, fractions, spec.seed, spec.problem)


def _check_folds(spec: StudySpec, splits: Splits, chosen: bool) -> None:
    """The k folds of a cross-validated study can be made.

    With folds chosen by the data's size, the message says how to ask for one validation split
    instead.
    """
    if not spec.cv_folds:
        return
    try:
        spec.problem.folds(splits, spec.cv_folds, spec.seed)
    except ValueError as error:
        if not chosen:
            raise
        raise ValueError(
            f"{error} (cv_folds = {spec.cv_folds} is the default below "
            f"{folds_limit(spec.timeout):,} examples; cv_folds = 0 asks for one validation split)"
        ) from None
