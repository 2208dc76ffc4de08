"""One trial: sample the hyperparameters, train a network, score it, record everything.

What a trial stores is `search.record.TrialRecord` (its fields are documented there). With
`cv_folds`, the validation scores are over all folds and the train scores, learning curve and
saved network are fold 0's; `hyperparameters` retrains the trial bit for bit on its training
part under its `blas_threads` (OpenBLAS sums in another order with another thread count).
"""

from __future__ import annotations

import math
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import optuna

from dnn import TrainingDiverged, count_parameters
from dnn.buffers import training_memory
from search.accounting import Ledger, ledger_of, surplus
from search.artifacts import Store, set_folds
from search.checks import categorical_columns
from search.data import Splits, is_frame
from search.epochs import BestEpoch, stop_at
from search.machine import available_memory, blas_threads
from search.metrics import METRICS, accuracy
from search.record import SURPLUS_DETAIL, Failure, LearningCurve, TrialRecord
from search.spec import StudySpec
from search.tasks import Network

TIME_BUDGET = "the study's time budget (--timeout) ran out"


def trial_seed(study_seed: int, trial_number: int) -> int:
    """The weight-initialization seed of a trial, a function of (study seed, trial number) only."""
    return int(np.random.SeedSequence([study_seed, trial_number]).generate_state(1)[0])


def sample_hyperparameters(
    trial: optuna.Trial, spec: StudySpec, categorical: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """The network's arguments for one trial.

    The space's sample, its seed, normalization, the study's dtype, and a table's `categorical` (the
    study's, or the columns the whole table makes categorical: `search.checks.categorical_columns`)
    and `drop` columns, if any.
    """
    return {
        **spec.space.sample(trial),
        "seed": trial_seed(spec.seed, trial.number),
        "normalize": True,
        **fixed_arguments(spec, spec.categorical if categorical is None else categorical),
    }


def fixed_arguments(spec: StudySpec, categorical: tuple[str, ...]) -> dict[str, Any]:
    """The network arguments a study sets for every trial.

    Only those that differ from the estimator's defaults, so that a study of arrays records what
    it always did.
    """
    fixed: dict[str, Any] = {}
    if spec.dtype != "float64":
        fixed["dtype"] = spec.dtype
    if categorical:
        fixed["categorical"] = list(categorical)
    if spec.drop:
        fixed["drop"] = list(spec.drop)
    return fixed


def encoded(net: Any, x: Any) -> Any:
    """X as the network's input.

    A table through the encoder it learned, once (a trial scores its validation part at every
    report).
    """
    encoder = getattr(net, "encoder_", None)
    return encoder.transform(x) if encoder is not None and is_frame(x) else x


class Objective:
    """Callable for `study.optimize`: trains one network per trial on the splits."""

    def __init__(
        self,
        spec: StudySpec,
        splits: Splits,
        artifacts: Path | Store,
        deadline: float | None = None,
    ) -> None:
        """Set up what every trial shares: the folds, the task, n_x and n[L], this process's host.

        Args:
            spec: the study.
            splits: the train, validation and test parts (dealt into folds with `spec.cv_folds`).
            artifacts: where the trials' files are saved: the study's store
                (`search.artifacts.store_for`), or a folder.
            deadline: `time.time()` past which running trials stop at their report; None: none.
        """
        self.spec = spec
        self.deadline = deadline  # time.time() past which running trials stop at their report
        # With cross-validation a trial trains on fold 0 first (reporting, so it can be pruned),
        # then on the other folds; its network, the one saved, is fold 0's.
        self.folds = (
            spec.problem.folds(splits, spec.cv_folds, spec.seed) if spec.cv_folds else [splits]
        )
        self.splits = self.folds[0]
        self.y_val = np.concatenate([fold.y_val for fold in self.folds])  # what values score
        self.store = artifacts if isinstance(artifacts, Store) else Store(folder=Path(artifacts))
        self.task = spec.problem
        self.n_out = self.task.n_outputs(splits.y_train)
        self.categorical = categorical_columns(spec, splits)
        self.widths: dict[int, int] = {}  # n[0] by numeric_bins (a table's encoding)
        self.host = socket.gethostname()
        self.blas_threads = blas_threads()
        self.iteration = 0
        self.ledger: Ledger | None = None

    def n_x(self, bins: int) -> int:
        """n[0] of fold 0's network: the encoded width of a table with `bins` (once each)."""
        if bins not in self.widths:
            x = self.splits.X_train
            self.widths[bins] = input_width(self.spec, x, self.categorical, bins)
        return self.widths[bins]

    def __call__(self, trial: optuna.Trial) -> float | tuple[float, float]:
        """Train the trial's network, return its value(s); its record is written however it ends."""
        # pid and host first and on their own: they tell `fail_dead_trials` whose trial it is.
        TrialRecord(pid=os.getpid(), host=self.host).write(trial)
        record = TrialRecord()
        try:
            return self._run(trial, record)
        finally:
            record.write(trial)  # one write for the results, however the trial ends

    def _run(self, trial: optuna.Trial, record: TrialRecord) -> Any:
        if surplus(trial, self.ledger_of(trial.study)):
            record.fail_reason = Failure.SURPLUS.reason(SURPLUS_DETAIL)
            return self._failed()
        hp = sample_hyperparameters(trial, self.spec, self.categorical)
        layer_dims = [self.n_x(hp.get("numeric_bins", 0)), *hp["hidden_layers"], self.n_out]
        n_parameters = count_parameters(layer_dims)
        # Written before training, so that a running (or killed) trial shows what it trains.
        TrialRecord(
            hyperparameters=hp,
            layer_dims=layer_dims,
            n_parameters=n_parameters,
            seed=hp["seed"],
            blas_threads=self.blas_threads,
            cost_every=self._cost_every(),
        ).write(trial)
        if self.spec.max_parameters is not None and n_parameters > self.spec.max_parameters:
            record.pruned_reason = (
                f"{n_parameters} parameters > max_parameters {self.spec.max_parameters}"
            )
            raise optuna.TrialPruned()
        self._check_memory(hp, layer_dims, record)
        return self._train(trial, hp, n_parameters, record)

    def _check_memory(self, hp: dict[str, Any], layer_dims: list[int], record: TrialRecord) -> None:
        """Prune a network that would not fit in this worker's share of the free memory.

        It is pruned before anything is allocated: a typo such as a million units must not swap the
        machine.
        """
        m, m_val = len(self.splits.y_train), len(self.splits.y_val)
        dropout = hp.get("keep_prob", 1.0) < 1 or hp.get("input_keep_prob", 1.0) < 1
        need = training_memory(
            layer_dims,
            m,
            mini_batch_size=hp.get("mini_batch_size"),
            optimizer=hp.get("optimizer", "gd"),
            dropout=dropout,
            dtype=hp.get("dtype", "float64"),
            scaling=hp.get("scaling"),
        )
        need += 2 * sum(layer_dims[1:]) * m_val * 8  # the validation predictions while reporting
        free = available_memory()
        share = free / self.spec.jobs if free is not None else None
        if share is not None and need > share:
            record.pruned_reason = (
                f"needs about {need / 2**30:.2f} GiB, more than this worker's share of the "
                f"free memory ({share / 2**30:.2f} GiB)"
            )
            raise optuna.TrialPruned()

    def _failed(self) -> float | tuple[float, float]:
        return (math.nan, math.nan) if self.spec.pareto else math.nan

    def _train(
        self, trial: optuna.Trial, hp: dict[str, Any], n_parameters: int, record: TrialRecord
    ) -> Any:
        """Train the trial's networks (every fold's), score them, keep them if they rank."""
        start = time.perf_counter()
        try:
            nets = self._fit_folds(trial, hp, record)
        except optuna.TrialPruned:
            record.pruned_at = self.iteration
            raise
        except TrainingDiverged as error:
            record.fail_reason = Failure.DIVERGED.reason(str(error))
            return self._failed()
        finally:
            record.wall_time = time.perf_counter() - start
        record.activations = list(nets[0].activations_)
        value, predictions = self._record_scores(nets, record)
        if not math.isfinite(value):  # predictions that overflowed: the network diverged
            detail = f"the validation {self.spec.metric} is {value}"
            record.fail_reason = Failure.DIVERGED.reason(detail)
            return self._failed()
        if self.spec.pareto or self._kept(trial, value):
            self._save(trial, nets, predictions, record)
        return (value, float(n_parameters)) if self.spec.pareto else value

    def _fit_folds(
        self, trial: optuna.Trial, hp: dict[str, Any], record: TrialRecord
    ) -> list[Network]:
        """Fold 0's network, reported and rewound to its best epoch, then the other folds'."""
        record.learning_curve = LearningCurve()  # filled as training goes, kept always
        net = self.task.network_class()(**hp, cost_every=self._cost_every())
        best = BestEpoch(self.spec.direction) if self.spec.early_stopping else None
        net.set_params(callback=self._reporter(trial, net, record, best))
        self.iteration = 0  # fold 0's last iteration that called back
        net.fit(self.splits.X_train, self.splits.y_train)
        if best is not None:
            if best.rewind(net):  # a log-scale regressor's offset, for the parameters kept
                net.calibrate(self.splits.X_train, self.splits.y_train)
            record.best_iteration = best.iteration
        return [net, *(self._fold(hp, fold, record) for fold in self.folds[1:])]

    def _kept(self, trial: optuna.Trial, value: float) -> bool:
        """Whether a trial keeps its network.

        When it ranks among the study's `ensemble` best complete trials (or is the best) when it
        ends.

        The study's final best trial was at least as good as every trial completed before it,
        so it always has its `.npz` (so do trials that tie with it), and so do the trials an
        ensemble may be selected from; the thousands of trials of a long study that were worse
        when they ended keep no file.
        """
        return self.ledger_of(trial.study).rank(value) < max(self.spec.ensemble, 1)

    def _save(
        self, trial: optuna.Trial, nets: list[Network], predictions: np.ndarray, record: TrialRecord
    ) -> None:
        """Save fold 0's network (in the study's folder as `trials/<number>.npz`, or its store).

        For an ensemble's selection, the validation predictions and the other folds' networks too.
        """
        store, name = self.store, f"trials/{trial.number}"
        saved = store.save_network(nets[0], f"{name}.npz", trial)
        record.params_path, record.params_artifact, record.params_sha256 = saved
        if self.spec.ensemble == 0 or self.spec.pareto:
            return
        saved = store.save_arrays(f"{name}.predictions.npz", trial, val=predictions)
        record.predictions_path, record.predictions_artifact, record.predictions_sha256 = saved
        if len(nets) > 1:
            others = enumerate(nets[1:], start=1)
            set_folds(
                record, [store.save_network(n, f"{name}.fold{f}.npz", trial) for f, n in others]
            )

    def _fold(self, hp: dict[str, Any], fold: Splits, record: TrialRecord) -> Network:
        """Another fold's network.

        Not reported (fold 0's curve is), held to the deadline, and trained for fold 0's best number
        of iterations.
        """
        net = self.task.network_class()(**hp, cost_every=self._cost_every())
        stop = stop_at(record.best_iteration)

        def callback(iteration: int, cost: float) -> bool:
            self._stop_at_deadline(record)
            return stop(iteration, cost)

        net.set_params(callback=callback)
        return net.fit(fold.X_train, fold.y_train)

    def _stop_at_deadline(self, record: TrialRecord) -> None:
        if self.deadline is not None and time.time() >= self.deadline:
            record.pruned_reason = TIME_BUDGET
            raise optuna.TrialPruned()

    def ledger_of(self, study: optuna.Study) -> Ledger:
        """This objective's `Ledger` of the study (made at the first look, kept after)."""
        self.ledger = ledger_of(study, self.ledger)
        return self.ledger

    def _metric(self, net: Network, x: np.ndarray, y: np.ndarray) -> float:
        """The study's metric (`search.metrics.METRICS`) of a network on (x, y)."""
        classes = getattr(net, "classes_", None)
        return METRICS[self.spec.metric](self.task.outputs(net, x), y, classes)

    def _cost_every(self) -> int:
        """How often the network calls back.

        At every report, and with a time budget at every iteration (an epoch), so that a trial stops
        within an epoch of the deadline, not `report_every` epochs of a large data set later (the
        callback then checks the clock and scores the validation part at the reports only).
        """
        return 1 if self.deadline is not None else self.spec.report_every

    def _reporter(
        self, trial: optuna.Trial, net: Network, record: TrialRecord, best: BestEpoch | None
    ) -> Callable[[int, float], bool]:
        s = self.splits
        report = not self.spec.pareto  # Optuna prunes single-objective studies only
        curve = record.learning_curve
        assert curve is not None
        x_val: list[Any] = []  # the validation part, encoded at the first report

        every, last = self.spec.report_every, net.get_params()["num_iterations"] - 1

        def callback(iteration: int, cost: float) -> bool:
            self.iteration = iteration
            self._stop_at_deadline(record)
            if iteration % every and iteration != last:
                return False  # an iteration between two reports: only the clock is read
            if not x_val:
                x_val.append(encoded(net, s.X_val))
            value = self._metric(net, x_val[0], s.y_val)
            curve.add(iteration, cost, value)
            if report and iteration > 0:
                trial.report(value, iteration)
                if trial.should_prune():
                    raise optuna.TrialPruned()
            return best is not None and best.see(iteration, value, net.parameters_)

        return callback

    def _record_scores(self, nets: list[Network], record: TrialRecord) -> tuple[float, np.ndarray]:
        """Train scores of fold 0's network; validation scores over every fold's examples.

        Returns:
            the trial's value: the study's metric of every fold's validation predictions
            together (out-of-fold predictions: the score the ensemble is chosen by; a mean of
            fold R^2s would let one fold of narrow targets dominate); and those predictions, in
            the folds' order.
        """
        s = self.splits
        metric = METRICS[self.spec.metric]
        classes: Any = getattr(nets[0], "classes_", None)
        output = self.task.outputs(nets[0], s.X_train)
        record.train_score = metric(output, s.y_train, classes)
        record.train_cost = self.task.cost(output, s.y_train, classes)
        if self.task.has_classes:
            record.train_accuracy = accuracy(output, s.y_train, classes)
        sizes, accuracies, costs, outputs = [], [], [], []
        for net, fold in zip(nets, self.folds, strict=True):
            output = self.task.outputs(net, fold.X_val)
            outputs.append(output)
            sizes.append(len(fold.y_val))
            costs.append(self.task.cost(output, fold.y_val, classes))
            if self.task.has_classes:
                accuracies.append(accuracy(output, fold.y_val, classes))
        record.val_cost = float(np.average(costs, weights=sizes))
        if accuracies:
            record.val_accuracy = float(np.average(accuracies, weights=sizes))
            if len(nets) > 1:
                record.fold_val_accuracy = accuracies
        predicted = np.concatenate(outputs)
        return metric(predicted, self.y_val, classes), predicted


def input_width(spec: StudySpec, x: Any, categorical: tuple[str, ...], bins: int = 0) -> int:
    """n[0].

    The features of an array, or the encoded width of a table's training part with `bins` (the
    encoder each trial fits there gives the same width).
    """
    if not is_frame(x):
        return int(x.shape[1])
    from dnn.tables import TableEncoder

    encoder = TableEncoder(categorical=categorical, drop=spec.drop, bins=bins).fit(x)
    return len(encoder.feature_names_)
