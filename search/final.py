"""The final model: the best trial's network (or its configuration retrained), scored once on test.

`finish` scores the study's best trial on the test split with every metric of its task, once
per best trial, and stores the scores with the study (`TestRecord`). The best trial's own
network is the one the validation split vouches for. With `refit` (and always with k-fold
cross-validation, where no single trial's network saw all the data) the best configuration is
instead retrained on training and validation together and saved as `best.npz` beside the
trials: more data, while cross-validation has trained and scored the configuration on k parts
of it.

A network that must be trained here (a refit, or a trial's network saved on another machine)
is trained only if its trial's time says it can end before the run's cutoff, and stops if it
has not by then: the result then says `NOT_SCORED`, and the next run scores it.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from threadpoolctl import threadpool_limits

from search.accounting import count_trials
from search.artifacts import NOTHING, Saved, Store, params_of, store_for
from search.best import best_trial, load_saved, load_trained
from search.data import Splits, stack
from search.ensemble import Ensemble, choose
from search.epochs import stop_at
from search.metrics import score_all
from search.record import StudyRecord, TestRecord, TrialRecord, set_best_test
from search.spec import SpecError, StudySpec
from search.storage import file_sha256, save_network
from search.tasks import Network, Task

NOT_SCORED = "final scoring not done (time budget)"


@dataclass
class RunResult:
    """What `run_study` leaves behind."""

    study_name: str
    storage: str
    n_counted: int
    best_trial: int | None
    best_value: float | None
    test_accuracy: float | None
    wall_time: float
    test_scores: dict[str, float] = field(default_factory=dict)  # metric name -> test value
    not_scored: str | None = None  # why the best trial has no test scores (`NOT_SCORED`)
    # the scores are the best configuration's retrained on training + validation (`refit`),
    # else the best trial's own network's, or the ensemble's of these trials (`search.ensemble`)
    test_refit: bool = False
    ensemble: tuple[int, ...] = ()


class OutOfTimeError(Exception):
    """A network trained for the final scoring cannot end before the run's cutoff."""


def finish(
    spec: StudySpec,
    study: optuna.Study,
    splits: Splits,
    wall_time: float,
    cutoff: float | None = None,
) -> RunResult:
    """Score the best trial on the test split and store the scores (see the module docstring).

    Args:
        spec: the run's spec (folds decided).
        study: the open study.
        splits: the run's splits; without test examples nothing is scored.
        wall_time: the run's time so far, for the result.
        cutoff: a `time.time()` that a network trained here must end by (None: no limit).

    Returns:
        The run's result, with the test scores when they could be made.
    """
    trial = best_trial(study)
    test, not_scored = None, None
    try:
        if trial is not None:
            restore_network(spec, trial, splits, cutoff)
            test = _scored(spec, study, trial, splits, cutoff)
    except OutOfTimeError:
        not_scored = NOT_SCORED
    return RunResult(
        study_name=spec.name,
        storage=spec.storage_url,
        n_counted=count_trials(study),
        best_trial=trial.number if trial is not None else None,
        best_value=trial.values[0] if trial is not None else None,
        test_accuracy=test.test_accuracy if test is not None else None,
        wall_time=wall_time,
        test_scores=dict(test.test_scores) if test is not None else {},
        not_scored=not_scored,
        test_refit=test.refit if test is not None else False,
        ensemble=test.members if test is not None else (),
    )


def _scored(
    spec: StudySpec,
    study: optuna.Study,
    trial: optuna.trial.FrozenTrial,
    splits: Splits,
    cutoff: float | None,
) -> TestRecord | None:
    """The stored record of this best trial's final model, made now if it is not there yet.

    A stored record is completed with the metrics added since it was stored. The final model is
    an ensemble of the best trials when it beats the best trial on validation (`search.ensemble`),
    scored on test when there is a test set, else the best trial's network or refit, scored on
    test.
    """
    ensemble = choose(spec, study, splits, trial)
    if ensemble is None and not len(splits.y_test):  # nothing to score, nothing to keep
        return None
    stored = StudyRecord.of(study).best_test
    members = ensemble.trials if ensemble is not None else ()
    if (
        stored is None
        or stored.trial != trial.number
        or stored.members != members
        or (ensemble is None and stored.refit != spec.refits)
        or (ensemble is not None and stored.weights != ensemble.weights)
    ):
        if ensemble is not None:
            return _ensemble_record(spec, study, trial, splits, ensemble)
        return _score_on_test(spec, study, trial, splits, cutoff)
    if len(splits.y_test) and set(spec.problem.metrics()) - set(stored.test_scores):
        return _add_test_scores(spec, study, trial, splits, stored, cutoff)
    return stored


def _ensemble_record(
    spec: StudySpec,
    study: optuna.Study,
    trial: optuna.trial.FrozenTrial,
    splits: Splits,
    ensemble: Ensemble,
) -> TestRecord:
    """Save the chosen ensemble (`ensemble.npz` beside the trials) and store its record.

    The record holds its test scores when there is a test set.
    """
    saved = store_for(spec).save_network(ensemble.network, "ensemble.npz", study)
    tested = len(splits.y_test) > 0
    scores = scores_on_test(ensemble.network, splits, spec.problem) if tested else {}
    regression = tested and not spec.problem.has_classes
    predictions = save_predictions(spec, study, ensemble.network, splits) if regression else None
    record = _test_record(
        trial,
        saved,
        predictions,
        refit=False,
        test_accuracy=scores.get("accuracy"),
        test_scores=scores,
        members=ensemble.trials,
        weights=ensemble.weights,
        validation=ensemble.score,
    )
    set_best_test(study, record)
    return record


def fit_by(
    net: Any,
    x: Any,
    y: np.ndarray,
    seconds: float,
    cutoff: float | None,
    *,
    every_epoch: bool = True,
    stop_after: int | None = None,
) -> Any:
    """`net.fit(x, y)`, held to `cutoff`.

    Not started when `seconds`, the time it is expected to take, do not fit before it; stopped at
    the first epoch that ends past it (or, without `every_epoch`, at the first recorded cost past
    it: a trial's network retrained to be saved again as it was keeps its own `cost_every`, whose
    costs its file holds). Training ends after iteration `stop_after` (a trial's best,
    `search.epochs`) when one is given.

    Raises:
        OutOfTimeError: it could not end in time (the network is left unfitted).
    """
    if cutoff is not None and time.time() + seconds > cutoff:
        raise OutOfTimeError()
    stop = stop_at(stop_after)

    def callback(iteration: int, cost: float) -> bool:
        if cutoff is not None and time.time() > cutoff:
            raise OutOfTimeError()
        return stop(iteration, cost)

    if cutoff is not None or stop_after is not None:
        net.set_params(callback=callback)
    if cutoff is not None and every_epoch:
        net.set_params(cost_every=1)  # the clock is read at every epoch, not every 100th
    return net.fit(x, y)


def _fit_seconds(spec: StudySpec, trial: optuna.trial.FrozenTrial, m: int, splits: Splits) -> float:
    """About the time a network of the trial's configuration takes to train on m examples.

    The trial's time per example it trained on (with k folds, k networks each on (k - 1) / k of
    training + validation), times m.
    """
    wall_time = TrialRecord.from_trial(trial).wall_time
    if wall_time is None:
        return 0.0
    k, m_all = spec.cv_folds, len(splits.y_train) + len(splits.y_val)
    trained = (k - 1) * m_all if k else len(splits.y_train)
    return wall_time * m / max(trained, 1)


def scores_on_test(net: Network, splits: Splits, task: Task) -> dict[str, float]:
    """Every metric of the task of a network on the test split."""
    output = task.outputs(net, splits.X_test)
    return score_all(output, splits.y_test, getattr(net, "classes_", None), task.name)


def save_predictions(spec: StudySpec, study: optuna.Study, net: Any, splits: Splits) -> Saved:
    """Save a regression's test targets and predictions (`y_true`, `y_pred`) beside the networks.

    They are for its report's figures.

    Returns:
        Where the file went (its path, or its artifact in the study's store) and its SHA-256.
    """
    y_pred = np.asarray(net.predict(splits.X_test))
    return store_for(spec).save_arrays(
        "test_predictions.npz", study, y_true=splits.y_test, y_pred=y_pred
    )


def _test_record(
    trial: optuna.trial.FrozenTrial, params: Saved | None, predictions: Saved | None, **fields: Any
) -> TestRecord:
    """The final model's `TestRecord`, with where its file and its test predictions went."""
    params, predictions = params or NOTHING, predictions or NOTHING
    return TestRecord(
        trial=trial.number,
        params_path=params.path,
        params_artifact=params.artifact,
        params_sha256=params.sha256,
        predictions_path=predictions.path,
        predictions_artifact=predictions.artifact,
        predictions_sha256=predictions.sha256,
        **fields,
    )


def _score_on_test(
    spec: StudySpec,
    study: optuna.Study,
    trial: optuna.trial.FrozenTrial,
    splits: Splits,
    cutoff: float | None = None,
) -> TestRecord:
    """Score the best trial's final network (its refit, or its own) on test; store the record."""
    net, refit, saved = _final_network(spec, study, trial, splits, cutoff)
    scores = scores_on_test(net, splits, spec.problem)
    has_classes = spec.problem.has_classes
    predictions = None if has_classes else save_predictions(spec, study, net, splits)
    record = _test_record(
        trial,
        saved,
        predictions,
        refit=refit,
        test_accuracy=scores.get("accuracy"),
        test_scores=scores,
    )
    set_best_test(study, record)
    return record


def _final_network(
    spec: StudySpec,
    study: optuna.Study,
    trial: optuna.trial.FrozenTrial,
    splits: Splits,
    cutoff: float | None,
) -> tuple[Network, bool, Saved | None]:
    """The network the final scoring scores, whether it is a refit, and its file if saved here.

    The refit (`best.npz`) with `refit` or folds, else the trial's own network.
    """
    store = store_for(spec)
    if not spec.refits:
        net = trained_network(trial, trained_on(spec, splits), spec.problem, cutoff, store=store)
        return net, False, None
    try:
        net = _refit(spec, trial, splits, cutoff)
    except OutOfTimeError:
        if not store.has(params_of(TrialRecord.from_trial(trial))):
            raise
        # No time left to retrain: the best trial's own network, already saved, is scored
        # (stored as not refit, so that the next run retrains and scores again).
        return load_trained(trial, store), False, None
    return net, True, store.save_network(net, "best.npz", study)


def _add_test_scores(
    spec: StudySpec,
    study: optuna.Study,
    trial: optuna.trial.FrozenTrial,
    splits: Splits,
    stored: TestRecord,
    cutoff: float | None = None,
) -> TestRecord:
    """A stored test record with every metric's score added.

    For a record stored before there were test scores, or before a metric was added: the network
    it scored is loaded, not trained again, and its test accuracy is kept. A refit network whose
    file is gone is retrained and scored anew.
    """
    net: Network
    store = store_for(spec)
    if not stored.refit:
        net = trained_network(trial, trained_on(spec, splits), spec.problem, cutoff, store=store)
    elif store.has(params_of(stored)):
        what = f"the final model of study {spec.name!r}"
        net = load_saved(params_of(stored), what, store, scikit_learn=False)
    else:
        return _score_on_test(spec, study, trial, splits, cutoff)
    record = dataclasses.replace(stored, test_scores=scores_on_test(net, splits, spec.problem))
    set_best_test(study, record)
    return record


def _hyperparameters(trial: optuna.trial.FrozenTrial) -> dict[str, Any]:
    hp = TrialRecord.from_trial(trial).hyperparameters
    if hp is None:
        raise SpecError(f"trial {trial.number} has no stored hyperparameters")
    return hp


def _refit(
    spec: StudySpec, trial: optuna.trial.FrozenTrial, splits: Splits, cutoff: float | None
) -> Network:
    """The best configuration retrained on training + validation, under the trial's BLAS threads.

    The trial's number of BLAS threads, as its trials trained: reproducible, and two threads of a
    loaded machine can run several times slower than one.
    """
    net = spec.problem.network_class()(**_hyperparameters(trial))
    y = np.concatenate([splits.y_train, splits.y_val])
    seconds = _fit_seconds(spec, trial, len(y), splits)
    record = TrialRecord.from_trial(trial)
    with threadpool_limits(limits=record.blas_threads):
        x = stack([splits.X_train, splits.X_val])
        return fit_by(net, x, y, seconds, cutoff, stop_after=record.best_iteration)


def trained_on(spec: StudySpec, splits: Splits) -> Splits:
    """The splits a trial's saved network trained on: fold 0's with cross-validation."""
    return spec.problem.folds(splits, spec.cv_folds, spec.seed)[0] if spec.cv_folds else splits


def restore_network(
    spec: StudySpec, trial: optuna.trial.FrozenTrial, splits: Splits, cutoff: float | None = None
) -> bool:
    """Write the best trial's network back where its record says it is, when its file is gone.

    The file was deleted by hand (the study's best trial always has one). The network is
    retrained from its record, bit for bit, so that its file is the one recorded (its SHA-256).
    A network that comes out otherwise (another machine's BLAS) is not kept. An artifact that is
    gone from the study's store is not written back (the final scoring retrains it instead).

    Returns:
        Whether the file is there now.

    Raises:
        OutOfTimeError: the retraining could not end by `cutoff`.
    """
    record = TrialRecord.from_trial(trial)
    if record.params_artifact is not None:
        return store_for(spec).has(params_of(record))
    if record.params_path is None or Path(record.params_path).is_file():
        return record.params_path is not None
    written = Path(
        save_network(
            trained_network(trial, trained_on(spec, splits), spec.problem, cutoff),
            Path(record.params_path),
        )
    )
    if record.params_sha256 is not None and file_sha256(written) != record.params_sha256:
        written.unlink()
        return False
    return True


def trained_network(
    trial: optuna.trial.FrozenTrial,
    splits: Splits,
    task: Task,
    cutoff: float | None = None,
    *,
    store: Store | None = None,
) -> Network:
    """A complete trial's network.

    Its saved `.npz` (on this machine, or in the study's artifact store `store`), or, when that
    file is on another machine, retrained from its record (bit-identical: same hyperparameters,
    seed, split and number of BLAS threads), by `cutoff` (a `time.time()`; see `finish`).
    """
    record = TrialRecord.from_trial(trial)
    store = store or Store()
    if store.has(params_of(record)):
        return load_trained(trial, store)
    with threadpool_limits(limits=record.blas_threads):
        net = task.network_class()(**_hyperparameters(trial))
        if record.cost_every is not None:
            net.set_params(cost_every=record.cost_every)
        seconds = record.wall_time or 0.0
        return fit_by(
            net,
            splits.X_train,
            splits.y_train,
            seconds,
            cutoff,
            every_epoch=False,
            stop_after=record.best_iteration,
        )
