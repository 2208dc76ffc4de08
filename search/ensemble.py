"""The final model as an ensemble of the study's best trials, when that is better on validation.

Greedy ensemble selection with replacement (Caruana et al., 2004, as auto-sklearn does): the
study's `ensemble` best trials (the library) each stored their predictions on the validation
part (with k folds: their out-of-fold predictions, every example of training + validation
predicted by the fold network that did not train on it). Selection measures an ensemble by the
study's metric for a regression, and by log loss for classes: smooth where accuracy moves by
whole examples. "Best" is by that measure too: for classes the library is the `ensemble` trials
of lowest validation log loss among those that kept their files, not the most accurate (on a
few hundred examples many trials tie on accuracy or top it by luck; issue 22's measurements).
Starting from the library's best alone, each round adds the trial (again, possibly) whose
predictions, averaged in, score best; the weights are how often each was added, in the round
whose ensemble scored best, so never worse there than the library's best alone. The ensemble is
chosen on validation only; it replaces the study's best trial when it scores strictly better
there than the library's best by that measure, and is scored once on the test set.

A member is a trial's network, or with k folds its k fold networks with equal weights (the
network that made each out-of-fold prediction is in the ensemble, and nothing is retrained).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState

from dnn import NetworkEnsemble
from dnn.npz import read_npz
from search.artifacts import Store, folds_of, params_of, predictions_of, store_for
from search.best import load_saved, load_trained
from search.data import Splits
from search.metrics import METRICS, Metric
from search.record import Attr, TrialRecord
from search.spec import StudySpec
from search.storage import StorageError, file_sha256

ROUNDS = 50  # rounds of greedy selection (auto-sklearn's ensemble_size)


@dataclass(frozen=True)
class Selection:
    """Greedy selection's outcome.

    The members (indices into the library) and their weights, the ensemble's validation score, and
    the best single member's.
    """

    members: tuple[int, ...]
    weights: tuple[float, ...]
    score: float
    single: float

    def better(self, direction: str) -> bool:
        """Whether the ensemble beats the best single member strictly (and is one)."""
        sign = 1.0 if direction == "maximize" else -1.0
        return len(self.members) > 1 and sign * (self.score - self.single) > 0


def select(
    predictions: list[np.ndarray],
    y: np.ndarray,
    classes: Any,
    metric: Metric,
    rounds: int = ROUNDS,
) -> Selection:
    """Greedy selection with replacement over the library's validation predictions.

    Args:
        predictions: per library member, its validation predictions (class probabilities
            (m, C) or predicted values), the best trial's first.
        y: the validation targets those predictions are of.
        classes: the classes the probabilities' columns stand for (None for a regression).
        metric: the study's metric (its direction says which score is better).
        rounds: how many times a member is added.

    Returns:
        The members with their weights (counts over the members added) of the best round's
        ensemble, its score, and the best trial's alone.
    """
    sign = 1.0 if metric.direction == "maximize" else -1.0
    single = metric(predictions[0], y, classes)
    total = np.array(predictions[0], dtype=np.float64)
    counts = Counter({0: 1})
    kept, kept_score = Counter(counts), single  # the best ensemble of any round
    for size in range(2, rounds + 1):
        scores = [metric((total + p) / size, y, classes) for p in predictions]
        keyed = [sign * s if np.isfinite(s) else -np.inf for s in scores]
        best = int(np.argmax(keyed))  # the first of equals: the better trial
        total += predictions[best]
        counts[best] += 1
        if np.isfinite(scores[best]) and sign * (scores[best] - kept_score) > 0:
            kept, kept_score = Counter(counts), scores[best]
    members = tuple(sorted(kept))
    n = sum(kept.values())
    return Selection(members, tuple(kept[m] / n for m in members), kept_score, single)


# -- the study's ensemble ----------------------------------------------------------------------


@dataclass(frozen=True)
class Ensemble:
    """The ensemble a study's final step chose.

    Its trials (the library's best first), their weights, its validation score by the study's
    metric and the study's best trial's, and the networks that predict for it.
    """

    trials: tuple[int, ...]
    weights: tuple[float, ...]
    score: float
    single: float
    network: Any  # a `dnn.NetworkEnsemble` (each trial's fold networks in equal shares)


def library(spec: StudySpec, study: optuna.Study, store: Store | None = None) -> list[FrozenTrial]:
    """The study's `spec.ensemble` best complete trials that kept what selection needs.

    Their validation predictions and networks (all folds'), found on this machine or in the
    study's artifact store (`store`, by default the spec's: `search.artifacts.store_for`). Best
    first: by the study's value (`search.best.best_number`'s order), or for classes by
    validation log loss (`TrialRecord.val_cost`; then by value).
    """
    store = store or store_for(spec)
    complete = [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.COMPLETE]
    sign = -1.0 if spec.direction == "maximize" else 1.0
    by_cost = spec.problem.has_classes

    def key(trial: FrozenTrial) -> tuple[float, float, int]:
        cost = trial.user_attrs.get(Attr.VAL_COST) if by_cost else 0.0  # one attribute, unchecked
        if isinstance(cost, bool) or not isinstance(cost, int | float) or not math.isfinite(cost):
            cost = math.inf  # not stored, or not a number: last
        return (float(cost), sign * trial.values[0], trial.number)

    ranked = sorted((t for t in complete if t.values and np.isfinite(t.values[0])), key=key)
    found = []
    for trial in ranked:
        record = TrialRecord.from_trial(trial)
        folds = folds_of(record)
        if len(folds) == max(spec.cv_folds or 0, 1) - 1:
            files = [predictions_of(record), params_of(record), *folds]
            if all(store.has(saved) for saved in files):
                found.append(trial)
        if len(found) == spec.ensemble:
            break
    return found


def validation_targets(spec: StudySpec, splits: Splits) -> np.ndarray:
    """The targets of the trials' stored validation predictions.

    The validation part's, or with k folds every fold's validation part's, in the folds' order.
    """
    if not spec.cv_folds:
        return splits.y_val
    folds = spec.problem.folds(splits, spec.cv_folds, spec.seed)
    return np.concatenate([fold.y_val for fold in folds])


def choose(
    spec: StudySpec, study: optuna.Study, splits: Splits, best: FrozenTrial
) -> Ensemble | None:
    """The ensemble of the study's best trials when it beats the best trial alone on validation.

    None otherwise, or when fewer than two trials can take part. `best` is the study's best trial
    (`search.best.best_trial`), whose validation score the ensemble's is set beside.

    Raises:
        StorageError: a trial's file is not the one recorded (its SHA-256).
    """
    store = store_for(spec)
    trials = library(spec, study, store) if spec.ensemble else []
    if len(trials) < 2:
        return None
    y = validation_targets(spec, splits)
    has_classes = spec.problem.has_classes
    classes = np.unique(np.concatenate([splits.y_train, splits.y_val])) if has_classes else None
    predictions = [_predictions(trial, store) for trial in trials]
    # classes are chosen by their probabilities' log loss (see the module docstring)
    measure = METRICS["log_loss"] if has_classes else METRICS[spec.metric]
    selection = select(predictions, y, classes, measure)
    if not selection.better(measure.direction):
        return None
    shares = zip(selection.members, selection.weights, strict=True)
    mixed = np.sum([w * predictions[i] for i, w in shares], axis=0)
    metric = METRICS[spec.metric]
    score = metric(mixed, y, classes)
    chosen = [trials[i] for i in selection.members]
    network = _network(chosen, selection.weights, store)
    # best need not be a member: for classes another trial may have a lower log loss
    return Ensemble(
        tuple(t.number for t in chosen), selection.weights, score, best.values[0], network
    )


def _network(trials: list[FrozenTrial], weights: tuple[float, ...], store: Store) -> Any:
    """The `dnn.NetworkEnsemble` of the trials: each trial's weight shared by its networks."""
    members, shares = [], []
    for trial, weight in zip(trials, weights, strict=True):
        networks = _networks(trial, store)
        members += networks
        shares += [weight / len(networks)] * len(networks)
    return NetworkEnsemble(members, shares)


def _predictions(trial: FrozenTrial, store: Store) -> np.ndarray:
    saved = predictions_of(TrialRecord.from_trial(trial))
    what = f"the predictions of trial {trial.number}"
    with store.fetch(saved, what) as path:
        if saved.sha256 is not None and file_sha256(str(path)) != saved.sha256:
            raise StorageError(f"{path} is not the predictions saved for trial {trial.number}")
        return read_npz(str(path), ["val"])["val"]


def _networks(trial: FrozenTrial, store: Store) -> list[Any]:
    """A trial's networks: its own (fold 0's), then its other folds', each checked."""
    networks = [load_trained(trial, store)]
    for f, saved in enumerate(folds_of(TrialRecord.from_trial(trial)), start=1):
        what = f"trial {trial.number} (fold {f})"
        networks.append(load_saved(saved, what, store, scikit_learn=False))
    return networks
