"""The final model when it is an ensemble of the study's best trials: its tables and section.

A study's final model may be an ensemble of its best trials (`search.ensemble`): its stored
`TestRecord` then names the members (trial numbers, best first), their weights, and the
ensemble's validation score by the study's metric; its test scores are the final model's, as
for a single network. The report shows each member as it shows a trial: its row of the trials
table (hyperparameters, best iteration, size) and what its network learned
(`tables.network_table`), and it sets the ensemble's scores beside the best single trial's.
When the ensemble won, the best single trial was not scored on the test data: its test score
is said to be "not scored", never made up.

A record may be damaged (written by something else) or stale (read while a run goes on, once
another trial has become the best): `final_ensemble` checks it against the trials, and a report
leaves the section out with a note (`EnsembleError`) or, for a stale record, shows the single
best network, as `search.best_config` does. A study whose final model is one network gets no
section: its report is what it was.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import pandas as pd

from reports.blocks import Block, Stored, fill, heading, paragraph, table
from reports.load import BEST_ITERATION, StudyData, StudyInfo
from reports.tables import (
    LEARNED_COLUMNS,
    N_PARAMETERS,
    best_row,
    complete_trials,
    network_table,
    params_columns,
    test_fields,
)

NOT_SCORED = "not scored"  # a test score nobody measured: the best single trial's, say
NOT_RECORDED = "not recorded"  # a validation score the stored record does not hold
TESTED = "It was then scored once on the test data: the summary's test scores are its own."


class EnsembleError(ValueError):
    """A stored final ensemble that the report cannot show, and why (one line)."""


class FinalEnsemble(NamedTuple):
    """A study's final ensemble, checked against its trials.

    Attributes:
        best_trial: the study's best single trial (the record's `trial`).
        members: the member trials' numbers, as stored (best first).
        weights: each member's weight in the ensemble's mean.
        validation: the ensemble's validation score by the study's metric (NaN: not recorded).
        test: its test score by the study's metric (NaN: not scored, no test data).
    """

    best_trial: int
    members: tuple[int, ...]
    weights: tuple[float, ...]
    validation: float
    test: float


# Reading the record ---------------------------------------------------------------------------


def final_ensemble(trials: pd.DataFrame, info: StudyInfo) -> FinalEnsemble | None:
    """The study's final ensemble; None when its final model is one network.

    A record stored for another best trial than today's (a study read while a run goes on) is
    not its final model (as `search.best_config` reads it): None too.

    Args:
        trials: the study's trials table.
        info: the study's info, with its stored final model (`best_test`).

    Returns:
        The ensemble, its members checked against the complete trials.

    Raises:
        EnsembleError: the stored ensemble is damaged (members and weights not readable, of
            different lengths, weights that are not finite non-negative numbers, members that
            are not complete trials of the study or appear twice).
    """
    test = info.best_test
    if test is None or not test.members:
        if info.ensemble_stored:
            raise EnsembleError(
                "its members and weights are not a list of trial numbers and a list of "
                "numbers of one length"
            )
        return None
    best = best_row(trials, info.direction)
    if best is None or int(best["number"]) != test.trial:
        return None
    check_members(test.members, test.weights, complete_trials(trials)["number"].tolist())
    return FinalEnsemble(
        best_trial=test.trial,
        members=tuple(int(m) for m in test.members),
        weights=tuple(float(w) for w in test.weights),
        validation=finite_or_nan(test.validation),
        test=test_fields(test, info.task).get(f"test_{info.metric}", math.nan),
    )


def is_real(value: Any) -> bool:
    """A real number (numpy's too), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def finite_or_nan(value: Any) -> float:
    """A stored score as a float: NaN unless it is a finite number."""
    return float(value) if is_real(value) and math.isfinite(value) else math.nan


def check_members(members: Sequence[Any], weights: Sequence[Any], complete: Sequence[Any]) -> None:
    """Check an ensemble's members and weights against the study's complete trials.

    Raises:
        EnsembleError: they differ in length, a weight is not a finite non-negative number (or
            all are zero), a member is not a complete trial's number or appears twice.
    """
    if len(members) != len(weights):
        raise EnsembleError(f"it has {len(members)} members but {len(weights)} weights")
    if not all(is_real(w) and math.isfinite(w) and w >= 0 for w in weights) or not any(weights):
        raise EnsembleError("its weights are not finite non-negative numbers")
    known = {int(n) for n in complete}
    for k, member in enumerate(members):
        if not is_real(member) or member not in known:
            raise EnsembleError(f"its member {k + 1} is not a complete trial of the study")
        if member in members[:k]:
            raise EnsembleError(f"trial {int(member)} is a member twice")


def is_final_ensemble(data: StudyData) -> bool:
    """Whether the study's final model is an ensemble that the report shows."""
    try:
        return final_ensemble(data.trials, data.info) is not None
    except EnsembleError:
        return False


def final_model_text(trials: pd.DataFrame, info: StudyInfo) -> str:
    """What a study's final model is, for a comparison: an ensemble of how many trials.

    `ensemble of 3 trials`, `single network`, `ensemble (record not readable)`, or empty
    without a complete trial.
    """
    try:
        ensemble = final_ensemble(trials, info)
    except EnsembleError:
        return "ensemble (record not readable)"
    if ensemble is not None:
        return f"ensemble of {trials_text(len(ensemble.members))}"
    return "single network" if best_row(trials, info.direction) is not None else ""


def trials_text(n: int) -> str:
    """`1 trial`, `3 trials`."""
    return f"{n} trial" if n == 1 else f"{n} trials"


# Tables ---------------------------------------------------------------------------------------


def member_columns(trials: pd.DataFrame) -> list[str]:
    """A member's hyperparameters (`params_*`), its best iteration after its iterations, size."""
    params = params_columns(trials)
    if BEST_ITERATION in trials:
        at = params.index("params_num_iterations") + 1 if "params_num_iterations" in params else 0
        params = [*params[:at], BEST_ITERATION, *params[at:]] if at else [*params, BEST_ITERATION]
    return [*params, N_PARAMETERS]


def rows_of(trials: pd.DataFrame, chosen: Sequence[int]) -> pd.DataFrame:
    """The rows of the trials table of the `chosen` trial numbers, in their order."""
    by_number = {int(n): index for index, n in trials["number"].items()}
    return trials.loc[[by_number[number] for number in chosen]]


def ensemble_members_table(
    trials: pd.DataFrame, info: StudyInfo, ensemble: FinalEnsemble
) -> pd.DataFrame:
    """Each member: trial number, weight, validation score, hyperparameters and size.

    Columns: `trial`, `weight`, `validation_<metric>` (the trial's value), its `params_*` (with
    `best_iteration` after `params_num_iterations`, when recorded) and `n_parameters`.
    """
    rows = rows_of(trials, ensemble.members)
    table = rows.reindex(columns=member_columns(trials)).reset_index(drop=True)
    table.insert(0, "trial", list(ensemble.members))
    table.insert(1, "weight", list(ensemble.weights))
    table.insert(2, f"validation_{info.metric}", rows["value"].astype(float).tolist())
    return table


def ensemble_scores_table(
    trials: pd.DataFrame, info: StudyInfo, ensemble: FinalEnsemble
) -> pd.DataFrame:
    """The ensemble against the best single trial, by the study's metric.

    Rows: the ensemble's validation and test scores; the best single trial's value and its
    test score, `not scored` (only the final model is scored on the test data).
    """
    best = rows_of(trials, [ensemble.best_trial]).iloc[0]
    validation, test = f"validation_{info.metric}", f"test_{info.metric}"
    ensemble_row = {
        "model": f"ensemble of {trials_text(len(ensemble.members))}",
        validation: NOT_RECORDED if math.isnan(ensemble.validation) else ensemble.validation,
        test: NOT_SCORED if math.isnan(ensemble.test) else ensemble.test,
    }
    single_row = {
        "model": f"best single trial, trial {ensemble.best_trial}",
        validation: float(best["value"]),
        test: NOT_SCORED,
    }
    return pd.DataFrame([ensemble_row, single_row], columns=["model", validation, test])


def ensemble_parameters_table(
    trials: pd.DataFrame, info: StudyInfo, ensemble: FinalEnsemble
) -> pd.DataFrame:
    """What each member's network learned: `learned_parameters_table`'s rows, by trial.

    A member's layers l = 1..L and its total, after a `trial` column; none for a member whose
    stored layer sizes are not readable.
    """
    tables = [
        network_table(row, info.task).assign(trial=int(row["number"]))
        for _, row in rows_of(trials, ensemble.members).iterrows()
    ]
    readable = [frame for frame in tables if not frame.empty]
    if not readable:
        return pd.DataFrame(columns=["trial", *LEARNED_COLUMNS])
    return pd.concat(readable, ignore_index=True)[["trial", *LEARNED_COLUMNS]]


def ensemble_tables(data: StudyData) -> dict[str, pd.DataFrame]:
    """The final ensemble's tables, by CSV name (none for one network or a damaged record).

    `ensemble` (its members), `ensemble_scores` and `ensemble_parameters`.
    """
    try:
        ensemble = final_ensemble(data.trials, data.info)
    except EnsembleError:
        return {}
    if ensemble is None:
        return {}
    args = (data.trials, data.info, ensemble)
    return {
        "ensemble": ensemble_members_table(*args),
        "ensemble_scores": ensemble_scores_table(*args),
        "ensemble_parameters": ensemble_parameters_table(*args),
    }


# The report's section -------------------------------------------------------------------------


def folds_of(info: StudyInfo) -> int:
    """The study's k of k-fold cross-validation (0: one validation split)."""
    folds = info.spec.get("cv_folds")
    return folds if isinstance(folds, int) and not isinstance(folds, bool) and folds > 1 else 0


def intro_block(info: StudyInfo, ensemble: FinalEnsemble) -> Block:
    """What the ensemble is, how it was chosen, and what was scored on the test data."""
    k = folds_of(info)
    each = f" (each its {k} fold networks in equal shares; predictions out of fold)" if k else ""
    classes = info.problem.has_classes
    return fill(
        "The final model is not one network but an ensemble of {n} of the study's best "
        "trials{each}: it predicts by the weighted mean of its members' {outputs}. Greedy "
        "ensemble selection (Caruana et al., 2004) chose the members and their weights on the "
        "validation predictions, and the ensemble was kept because it scored better there "
        "than the best single trial, trial {best}, by {by}. {tested} Its {metric} on "
        "validation and test, beside the best single trial's, which was not scored on the "
        "test data:",
        n=str(len(ensemble.members)),
        each=each,
        outputs="class probabilities" if classes else "predicted values",
        best=str(ensemble.best_trial),
        # search.ensemble compares class probabilities by their log loss, whatever the metric
        by="log loss (smooth where accuracy moves by whole examples)"
        if classes
        else Stored(info.metric),
        metric=Stored(info.metric),
        tested=TESTED if math.isfinite(ensemble.test) else "It has no test score stored.",
    )


def members_block(info: StudyInfo, members: pd.DataFrame) -> Block:
    """What the members' table shows."""
    stopped = (
        ", the iteration whose network it kept (`best_iteration`)"
        if BEST_ITERATION in members
        else ""
    )
    order = "lowest validation log loss first" if info.problem.has_classes else "best first"
    return fill(
        f"Its members, {order}: each trial's weight in the mean, its validation "
        f"{{metric}}, the hyperparameters it was trained with{stopped} and its number of "
        "parameters.",
        metric=Stored(info.metric),
    )


def parameters_block(info: StudyInfo, parameters: pd.DataFrame) -> Block:
    """What the members' networks learned, in words (their table follows)."""
    total = int(pd.to_numeric(parameters.loc[parameters["layer"] == "total", N_PARAMETERS]).sum())
    k = folds_of(info)
    folds = f" ({k * total} in all over their {k} fold networks each)" if k else ""
    return paragraph(
        "What each member's network learned, per layer l: W[l] of shape (n[l], n[l-1]) and "
        "b[l] of shape (n[l], 1), that is n[l] (n[l-1] + 1) parameters; "
        f"{total} over the members{folds}."
    )


def ensemble_blocks(data: StudyData, tables: Mapping[str, pd.DataFrame]) -> list[Block]:
    """The section on the final model when it is an ensemble; none for one network.

    Args:
        data: the study read back.
        tables: its tables, with those of `ensemble_tables`.

    Returns:
        A heading, the ensemble's scores against the best single trial's, its members and
        what they learned; for a damaged record, a heading and a note that it is left out.
    """
    try:
        ensemble = final_ensemble(data.trials, data.info)
    except EnsembleError as error:
        note = paragraph(
            "The stored final model is an ensemble whose record is not readable (",
            Stored(str(error)),
            "): this section is left out.",
        )
        return [heading("The final model"), note]
    if ensemble is None:
        return []
    members = tables["ensemble"]
    return [
        heading(f"The final model: an ensemble of {trials_text(len(ensemble.members))}"),
        intro_block(data.info, ensemble),
        table(tables["ensemble_scores"]),
        members_block(data.info, members),
        table(members),
        parameters_block(data.info, tables["ensemble_parameters"]),
        table(tables["ensemble_parameters"]),
    ]
