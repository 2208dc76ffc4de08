"""One trial at a time, on an in-memory study: sampling, recording, pruning, failures."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pytest
from sklearn.datasets import make_moons
from threadpoolctl import threadpool_limits

import dnn
from dnn import DeepNetwork, count_parameters
from search import StudySpec
from search.accounting import tally
from search.data import shuffled_folds, shuffled_split, stratified_folds, stratified_split
from search.objective import Objective, sample_hyperparameters, trial_seed
from search.record import TrialRecord

optuna.logging.set_verbosity(optuna.logging.WARNING)


def moons_splits():
    x, y = make_moons(n_samples=300, noise=0.2, random_state=0)
    return stratified_split(x, y, 0.2, 0.2, seed=0)


def make_spec(**space):
    base = {
        "learning_rate": {"low": 0.01, "high": 0.5, "log": True},
        "num_iterations": {"low": 20, "high": 60, "step": 20},
        "n_hidden": {"low": 1, "high": 3},
        "n_units": {"low": 2, "high": 8},
        "activation": ["relu", "tanh"],
        "optimizer": ["gd", "adam"],
    }
    # accuracy, a value these tests recount from predictions (the default on moons' few hundred
    # examples, log loss: below)
    keys = {"name": "t", "dataset": "moons", "report_every": 10, "metric": "accuracy"}
    return StudySpec.from_dict({**keys, "space": {**base, **space}})


def run_in_memory(spec, n_trials, tmp_path, splits=None):
    study = optuna.create_study(
        direction=spec.direction,
        sampler=optuna.samplers.RandomSampler(seed=0),
        pruner=optuna.pruners.NopPruner(),
    )
    study.optimize(Objective(spec, splits or moons_splits(), tmp_path), n_trials=n_trials)
    return study


def test_three_trial_study_records_everything(tmp_path):
    study = run_in_memory(make_spec(), 3, tmp_path)
    assert len(study.trials) == 3
    for trial in study.trials:
        assert trial.state == optuna.trial.TrialState.COMPLETE
        attrs = trial.user_attrs
        n_hidden = trial.params["n_hidden"]
        hidden = [trial.params[f"n_{layer}"] for layer in range(1, n_hidden + 1)]
        assert f"n_{n_hidden + 1}" not in trial.params  # conditional: only up to n_hidden
        assert attrs["layer_dims"] == [2, *hidden, 1]
        assert attrs["n_parameters"] == count_parameters(attrs["layer_dims"])
        assert attrs["activations"][-1] == "sigmoid" and len(attrs["activations"]) == n_hidden + 1
        assert attrs["seed"] == trial_seed(0, trial.number)
        assert trial.value == attrs["val_accuracy"]
        assert (
            0 <= attrs["train_accuracy"] <= 1 and attrs["val_cost"] > 0 and attrs["wall_time"] > 0
        )
        curve = attrs["learning_curve"]
        assert (
            curve["iteration"][0] == 0
            and curve["iteration"][-1] == trial.params["num_iterations"] - 1
        )
        assert len(curve["cost"]) == len(curve["val_metric"]) == len(curve["iteration"])


@pytest.mark.parametrize(
    "dropout",
    [{}, {"keep_prob": {"low": 0.5, "high": 0.9}, "input_keep_prob": [0.8, 1.0]}],
    ids=["no-dropout", "dropout"],
)
def test_a_trial_retrains_bit_identically_from_its_record(tmp_path, dropout):
    splits = moons_splits()
    study = run_in_memory(make_spec(**dropout), 4, tmp_path, splits)
    trial = study.best_trial
    hp = trial.user_attrs["hyperparameters"]
    if dropout:
        assert 0.5 <= hp["keep_prob"] <= 0.9 and trial.params["keep_prob"] == hp["keep_prob"]
        assert hp["input_keep_prob"] == trial.params["input_keep_prob"]
    else:
        assert hp["keep_prob"] == hp["input_keep_prob"] == 1.0
    best = TrialRecord.from_trial(trial).best_iteration  # its best report's network is saved
    iterations = hp["num_iterations"] if best is None else best + 1
    net = DeepNetwork(**{**hp, "num_iterations": iterations}).fit(splits.X_train, splits.y_train)
    assert np.mean(net.predict(splits.X_val) == splits.y_val) == trial.value
    saved = DeepNetwork.load(trial.user_attrs["params_path"])
    for key, value in net.parameters_.items():
        np.testing.assert_array_equal(value, saved.parameters_[key])


@pytest.mark.parametrize("kept", [0, 3])
def test_networks_are_saved_for_trials_among_the_best_when_they_ended(tmp_path, kept):
    """`ensemble = 0`: the best so far only; `ensemble = k`: the k best so far, with their
    validation predictions, which the final ensemble is selected from."""
    study = run_in_memory(make_spec().replace(ensemble=kept), 12, tmp_path)
    before: list[float] = []
    for trial in study.trials:
        record = TrialRecord.from_trial(trial)
        rank = sum(value > trial.value for value in before)  # complete trials better before it
        assert (record.params_path is not None) == (rank < max(kept, 1)), trial.number
        assert (record.predictions_path is not None) == (kept > 0 and rank < kept)
        before.append(trial.value)
    assert "params_path" in study.best_trial.user_attrs
    saved = sum("params_path" in t.user_attrs for t in study.trials)
    assert saved < len(study.trials)
    networks = [p for p in (tmp_path / "trials").glob("*.npz") if "predictions" not in p.name]
    assert len(networks) == saved


def test_cross_validation_folds_cover_training_and_validation_once():
    splits = moons_splits()
    folds = stratified_folds(splits, 4, seed=0)
    pool = np.concatenate([splits.X_train, splits.X_val])
    validated = np.concatenate([fold.X_val for fold in folds])
    # every example of training + validation is validated exactly once, and trained on k-1 times
    assert sorted(map(tuple, validated)) == sorted(map(tuple, pool))
    for fold in folds:
        assert len(fold.X_train) + len(fold.X_val) == len(pool)
        np.testing.assert_array_equal(fold.X_test, splits.X_test)
    per_class = np.array([np.bincount(fold.y_val, minlength=2) for fold in folds])
    assert (per_class.max(axis=0) - per_class.min(axis=0) <= 1).all()  # stratified
    again = stratified_folds(splits, 4, seed=0)
    np.testing.assert_array_equal(again[2].X_val, folds[2].X_val)  # seeded


def test_a_class_smaller_than_the_folds_is_refused_naming_cv_folds():
    splits = moons_splits()
    keep = np.flatnonzero(splits.y_train == 0)
    y_train = splits.y_train.copy()
    y_train[keep[0]] = 2  # a third class with one example
    odd = splits._replace(y_train=y_train)
    with pytest.raises(ValueError, match="cv_folds: class 2 has 1 examples"):
        stratified_folds(odd, 3, seed=0)


def test_a_cross_validated_trial_is_scored_on_every_fold(tmp_path):
    splits = moons_splits()
    spec = StudySpec.from_dict({**make_spec().to_dict(), "cv_folds": 3})
    study = run_in_memory(spec, 2, tmp_path, splits)
    trial = study.best_trial
    hp = trial.user_attrs["hyperparameters"]
    folds = stratified_folds(splits, 3, spec.seed)
    nets = [DeepNetwork(**hp).fit(fold.X_train, fold.y_train) for fold in folds]
    scores = [net.score(fold.X_val, fold.y_val) for net, fold in zip(nets, folds, strict=True)]
    assert trial.user_attrs["fold_val_accuracy"] == pytest.approx(scores, abs=0)
    correct = sum(s * len(f.y_val) for s, f in zip(scores, folds, strict=True))
    assert trial.value == pytest.approx(correct / sum(len(f.y_val) for f in folds), rel=1e-12)
    saved = DeepNetwork.load(trial.user_attrs["params_path"])  # fold 0's network
    np.testing.assert_array_equal(saved.parameters_["W1"], nets[0].parameters_["W1"])
    assert trial.user_attrs["train_accuracy"] == nets[0].score(folds[0].X_train, folds[0].y_train)


def test_a_cross_validated_regression_is_scored_on_all_out_of_fold_predictions(tmp_path):
    """R^2 of every fold's predictions together, as the ensemble's own validation score is.

    One fold with a narrow spread of targets would dominate a mean of fold R^2s: there a small
    error is a large negative R^2. The targets here make the two disagree.
    """
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 3))
    y = x @ [1.0, -2.0, 0.5] + rng.normal(scale=0.5, size=120)
    y[:6] *= 20.0  # a few large targets: folds differ in spread
    splits = shuffled_split(x, y, 0.2, 0.2, seed=0)
    space = {"n_hidden": 0, "optimizer": "adam"}
    base = {**make_spec(**space).to_dict(), "task": "regression", "metric": "r2"}
    spec = StudySpec.from_dict({**base, "cv_folds": 4, "early_stopping": False})
    trial = run_in_memory(spec, 1, tmp_path, splits).best_trial
    hp = trial.user_attrs["hyperparameters"]
    folds = shuffled_folds(splits, 4, spec.seed)
    nets = [dnn.DeepNetworkRegressor(**hp).fit(f.X_train, f.y_train) for f in folds]
    predicted = np.concatenate([net.predict(f.X_val) for net, f in zip(nets, folds, strict=True)])
    y_val = np.concatenate([f.y_val for f in folds])
    pooled = 1 - np.sum((y_val - predicted) ** 2) / np.sum((y_val - y_val.mean()) ** 2)
    fold_r2 = [net.score(f.X_val, f.y_val) for net, f in zip(nets, folds, strict=True)]
    assert abs(pooled - np.mean(fold_r2)) > 0.01  # the two readings differ on these data
    assert trial.value == pytest.approx(pooled, rel=1e-9)


def test_a_rewound_log_scale_trial_is_calibrated_for_the_parameters_it_keeps(tmp_path):
    """Early stopping rewinds a trial's network to its best report; a log-scale regressor's
    offset (Duan's smearing, `NetworkRegressor.calibrate`) must then be that of those
    parameters: the mean of (y + shift) / (prediction + shift) over its training rows is 1."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = np.exp(x[:, 0] + rng.normal(scale=0.5, size=200))
    splits = shuffled_split(x, y, 0.2, 0.2, seed=0)
    space = {"n_hidden": 1, "n_units": 32, "optimizer": "adam", "learning_rate": 0.05}
    space |= {"num_iterations": 600, "target_scale": "log", "activation": "relu"}
    keys = {"name": "t", "dataset": "prices", "task": "regression", "metric": "r2"}
    spec = StudySpec.from_dict({**keys, "cv_folds": 0, "report_every": 10, "space": space})
    trial = run_in_memory(spec, 1, tmp_path, splits).best_trial
    net = dnn.load(trial.user_attrs["params_path"])
    assert trial.user_attrs["best_iteration"] < 599  # rewound: this test's premise
    shift = net.y_shift_
    ratio = (splits.y_train + shift) / (net.predict(splits.X_train) + shift)
    assert np.mean(ratio) == pytest.approx(1.0, abs=1e-12)


def test_a_training_trial_already_shows_what_it_trains(tmp_path):
    seen = []

    class Spy(optuna.pruners.BasePruner):
        def prune(self, study, trial):  # called while the network trains
            seen.append(sorted(set(trial.user_attrs) & {"pid", "hyperparameters", "layer_dims"}))
            return False

    study = optuna.create_study(direction="maximize", pruner=Spy())
    study.optimize(Objective(make_spec(), moons_splits(), tmp_path), n_trials=1)
    assert seen and all(keys == ["hyperparameters", "layer_dims", "pid"] for keys in seen)


def test_per_layer_activation_samples_one_name_per_hidden_layer():
    spec = StudySpec.from_dict({**make_spec().to_dict(), "per_layer_activation": True})
    trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3)).ask()
    hp = sample_hyperparameters(trial, spec)
    assert isinstance(hp["activation"], list) and len(hp["activation"]) == len(hp["hidden_layers"])
    assert all(
        f"activation_{layer}" in trial.params for layer in range(1, len(hp["hidden_layers"]) + 1)
    )


def test_fixed_hyperparameters_are_not_trial_params(tmp_path):
    study = run_in_memory(make_spec(optimizer="momentum", lambd=0.1), 1, tmp_path)
    trial = study.trials[0]
    assert "optimizer" not in trial.params and "lambd" not in trial.params
    assert trial.user_attrs["hyperparameters"]["optimizer"] == "momentum"
    assert trial.user_attrs["hyperparameters"]["lambd"] == 0.1


def test_diverging_learning_rate_is_a_failed_trial_and_the_study_goes_on(tmp_path):
    spec = make_spec(learning_rate=1e6, activation="linear", optimizer="gd", num_iterations=200)
    study = run_in_memory(spec, 2, tmp_path)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.FAIL] * 2
    for trial in study.trials:
        assert trial.user_attrs["fail_reason"].startswith("diverged")
        assert tally([trial]).counted == 1
        assert trial.user_attrs["learning_curve"]["iteration"]  # the curve up to the divergence


def test_budget_on_parameters_prunes_without_training(tmp_path):
    spec = StudySpec.from_dict({**make_spec(n_hidden=3, n_units=8).to_dict(), "max_parameters": 50})
    study = run_in_memory(spec, 1, tmp_path)
    trial = study.trials[0]
    assert trial.state == optuna.trial.TrialState.PRUNED
    assert "max_parameters 50" in trial.user_attrs["pruned_reason"]
    assert "learning_curve" not in trial.user_attrs


@pytest.mark.parametrize(("free_mib", "state"), [(1, "PRUNED"), (10**6, "COMPLETE")])
def test_a_network_larger_than_the_free_memory_is_pruned_before_training(
    tmp_path, monkeypatch, free_mib, state
):
    import search.objective

    monkeypatch.setattr(search.objective, "available_memory", lambda: free_mib * 2**20)
    spec = make_spec(n_hidden=2, n_units=256)  # about 2 MiB to train on the moons
    trial = run_in_memory(spec, 1, tmp_path).trials[0]
    assert trial.state.name == state
    if state == "PRUNED":
        assert "free memory" in trial.user_attrs["pruned_reason"]
        assert "learning_curve" not in trial.user_attrs  # nothing was trained


def test_pruned_trials_keep_their_learning_curve(tmp_path):
    spec = make_spec(learning_rate={"low": 1e-5, "high": 1.0, "log": True}, num_iterations=100)
    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.RandomSampler(seed=1),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3),
    )
    study.optimize(Objective(spec, moons_splits(), tmp_path), n_trials=15)
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    assert pruned, "the median pruner never pruned a trial"
    for trial in pruned:
        curve = trial.user_attrs["learning_curve"]
        assert trial.user_attrs["pruned_at"] == curve["iteration"][-1] < 99


def test_pareto_study_returns_accuracy_and_parameter_count(tmp_path):
    spec = StudySpec.from_dict({**make_spec().to_dict(), "pareto": True})
    study = optuna.create_study(directions=spec.directions)
    study.optimize(Objective(spec, moons_splits(), tmp_path), n_trials=2)
    for trial in study.trials:
        assert trial.values[1] == trial.user_attrs["n_parameters"]
        assert not math.isnan(trial.values[0])


def test_log_loss_metric_is_minimized(tmp_path):
    spec = StudySpec.from_dict({**make_spec().to_dict(), "metric": "log_loss"})
    assert spec.direction == "minimize"
    study = run_in_memory(spec, 1, tmp_path)
    assert study.trials[0].value == pytest.approx(study.trials[0].user_attrs["val_cost"])


def test_a_trial_records_its_blas_threads_and_is_retrained_under_them(tmp_path, monkeypatch):
    """OpenBLAS sums differently with another number of threads (a 531-unit digits network
    retrained with 2 threads instead of the trial's 1 scored 0.9944 instead of 0.9916)."""
    import search.final
    from search.final import trained_network
    from search.tasks import CLASSIFICATION

    splits = moons_splits()
    with threadpool_limits(limits=1):
        study = run_in_memory(make_spec(), 2, tmp_path, splits)
    trial = study.best_trial
    assert trial.user_attrs["blas_threads"] == 1
    limits = []
    real = search.final.threadpool_limits

    def spy(limits_arg=None, **kwargs):
        limits.append(limits_arg if limits_arg is not None else kwargs.get("limits"))
        return real(limits=limits[-1])

    monkeypatch.setattr(search.final, "threadpool_limits", spy)
    record = optuna.trial.create_trial(
        params=trial.params,
        distributions=trial.distributions,
        value=trial.value,
        user_attrs={**trial.user_attrs, "params_path": str(tmp_path / "elsewhere.npz")},
    )
    net = trained_network(record, splits, CLASSIFICATION)  # no .npz here: retrained from the record
    assert limits == [1]
    assert np.mean(net.predict(splits.X_val) == splits.y_val) == trial.value


def test_every_fold_stops_at_the_deadline(tmp_path):
    """With cv_folds, folds 1..k-1 are trained without reporting; the time budget holds there
    too (a trial cannot overrun --timeout by k - 1 whole fits)."""
    import time

    from search.objective import TIME_BUDGET
    from search.record import TrialRecord

    spec = StudySpec.from_dict({**make_spec().to_dict(), "cv_folds": 3})
    objective = Objective(spec, moons_splits(), tmp_path, deadline=time.time() - 1)
    record = TrialRecord()
    hp = {"hidden_layers": [4], "num_iterations": 10**9, "learning_rate": 0.1, "seed": 0}
    with pytest.raises(optuna.TrialPruned):
        objective._fold(hp, objective.folds[1], record)
    assert record.pruned_reason == TIME_BUDGET


def test_a_cgroup_limit_lowers_the_available_memory(tmp_path):
    from search.machine import _cgroup_available

    (tmp_path / "memory.max").write_text("1000000\n")
    (tmp_path / "memory.current").write_text("400000\n")
    assert _cgroup_available(tmp_path) == 600000
    (tmp_path / "memory.max").write_text("max\n")
    assert _cgroup_available(tmp_path) is None
    assert _cgroup_available(tmp_path / "absent") is None


# -- each trial keeps its best epoch (search.epochs) ------------------------------------------


def test_best_epoch_keeps_the_parameters_of_the_best_report_and_stops_after_patience():
    from search.epochs import BestEpoch

    best = BestEpoch("maximize", patience=3)
    curve = [0.5, 0.7, 0.9, 0.8, 0.85, 0.9]  # a hand-made curve: its best is report 2
    stops = []
    for report, value in enumerate(curve):
        parameters = {"W1": np.full((1, 1), float(report))}
        stops.append(best.see(report * 10, value, parameters))
    assert best.iteration == 20 and best.value == 0.9
    assert best.parameters["W1"][0, 0] == 2.0  # copied then, not the live array
    assert stops == [False, False, False, False, False, True]  # 3 reports without a better one
    worse = BestEpoch("minimize", patience=2)
    for report, value in enumerate([float("nan"), 0.3, 0.2, 0.25]):
        worse.see(report, value, {"W1": np.zeros((1, 1))})
    assert worse.iteration == 2 and worse.value == 0.2  # NaN is never the best


def test_a_trial_is_worth_its_best_report_and_saves_that_network(tmp_path):
    """A learning rate too high for its many iterations: the trial's value and network are
    those of its best report, and retraining it from its record gives the same network."""
    from search.final import trained_network
    from search.tasks import CLASSIFICATION

    spec = make_spec(n_hidden=1, n_units=16, learning_rate=2.0, num_iterations=400, optimizer="gd")
    study = run_in_memory(spec, 1, tmp_path)
    trial = study.trials[0]
    record = TrialRecord.from_trial(trial)
    curve = record.learning_curve
    assert curve is not None and record.best_iteration is not None
    assert record.best_iteration < 399  # it stopped early, or its best was not its last
    assert trial.value == pytest.approx(max(curve.val_metric))  # its best report's, not its last's
    best = curve.iteration[int(np.argmax(curve.val_metric))]
    assert record.best_iteration == best
    net = dnn.load(record.params_path)
    assert net.n_iter_ == best + 1 and net.cost_iterations_.max() <= best
    splits = moons_splits()
    assert np.mean(net.predict(splits.X_val) == splits.y_val) == pytest.approx(trial.value)
    retrained = trained_network(
        optuna.trial.create_trial(
            params=trial.params,
            distributions=trial.distributions,
            value=trial.value,
            user_attrs={**trial.user_attrs, "params_path": str(tmp_path / "gone.npz")},
        ),
        splits,
        CLASSIFICATION,
    )
    for key, array in net.parameters_.items():
        np.testing.assert_array_equal(retrained.parameters_[key], array)
