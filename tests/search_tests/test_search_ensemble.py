"""The final model as an ensemble of the study's best trials (`search.ensemble`)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dnn
from search import SpecError, StudySpec, best_config, open_existing_study, run_study
from search.ensemble import select
from search.metrics import METRICS
from search.record import StudyRecord, TrialRecord
from search.storage import StorageError
from studies.cli import main


def probabilities(rng: np.random.Generator, m: int, c: int) -> np.ndarray:
    p = rng.random((m, c)) + 0.05
    return p / p.sum(axis=1, keepdims=True)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    k=st.integers(1, 6),
    metric=st.sampled_from(["log_loss", "accuracy"]),
)
def test_an_ensemble_is_never_worse_on_validation_than_its_best_member(seed, k, metric):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, 40)
    predictions = [probabilities(rng, 40, 3) for _ in range(k)]
    chosen = select(predictions, y, np.arange(3), METRICS[metric])
    sign = 1 if METRICS[metric].direction == "maximize" else -1
    assert sign * (chosen.score - chosen.single) >= 0
    assert chosen.members[0] == 0 or 0 not in chosen.members  # indices, sorted
    assert sum(chosen.weights) == pytest.approx(1.0) and min(chosen.weights) > 0
    mixed = sum(w * predictions[i] for i, w in zip(chosen.members, chosen.weights, strict=True))
    assert METRICS[metric](mixed, y, np.arange(3)) == pytest.approx(chosen.score)


def test_averaging_two_networks_that_err_apart_beats_either():
    """A hand-made library: each member is right on its half of the examples only."""
    y = np.array([0, 1] * 10)
    right, wrong = np.array([[0.9, 0.1], [0.1, 0.9]] * 10), np.array([[0.4, 0.6], [0.6, 0.4]] * 10)
    first = np.where(np.arange(20)[:, None] < 10, right, wrong)
    second = np.where(np.arange(20)[:, None] < 10, wrong, right)
    chosen = select([first, second], y, np.arange(2), METRICS["log_loss"])
    assert chosen.members == (0, 1) and chosen.weights == pytest.approx((0.5, 0.5))
    assert chosen.score < chosen.single


def table(m: int = 240, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=m),
            "z": rng.normal(size=m),
            "colour": rng.choice(["red", "green", "blue"], m),
        }
    )
    frame.loc[rng.random(m) < 0.1, "z"] = np.nan  # empty cells
    y = np.where(frame["x"] + (frame["colour"] == "red") + 0.5 * rng.normal(size=m) > 0.5, "a", "b")
    return frame, y


def spec_of(tmp_path, name: str, **keys) -> StudySpec:
    return StudySpec.from_dict(
        {
            "name": name,
            "dataset": "t",
            "storage": str(tmp_path / name / "journal.log"),
            "n_trials": 12,
            "report_every": 10,
            "space": {
                "num_iterations": {"low": 20, "high": 120, "step": 20},
                "n_units": {"low": 2, "high": 16},
            },
            **keys,
        }
    )


@pytest.mark.parametrize("folds", [0, 3])
def test_a_studys_ensemble_predicts_raw_rows_and_is_listed(tmp_path, monkeypatch, folds):
    monkeypatch.chdir(tmp_path)
    frame, y = table()
    spec = spec_of(tmp_path, f"ens{folds}", cv_folds=folds, seed=1)
    result = run_study(spec, lambda _: (frame, y), progress=None)
    config = best_config(spec.name, spec.storage)
    assert result.ensemble  # this seeded study's ensemble beats its best trial on validation
    assert config.ensemble is not None and config.ensemble["members"] == list(result.ensemble)
    assert sum(config.ensemble["weights"]) == pytest.approx(1.0, abs=1e-5)
    final = config.load_network()
    assert isinstance(final, dnn.DeepNetworkEnsemble)
    members = len(result.ensemble) * max(folds, 1)
    assert len(final.members) == members  # each trial's fold networks, when it has folds
    again = dnn.load(config.final_params_path)  # saved as one file, loaded again
    np.testing.assert_array_equal(again.predict_proba(frame), final.predict_proba(frame))
    shuffled = frame[["colour", "z", "x"]].assign(extra=1)  # columns by name, extra ignored
    np.testing.assert_array_equal(final.predict(shuffled), final.predict(frame))
    stored = StudyRecord.of(open_existing_study(spec.name, spec.storage)).best_test
    assert stored is not None and stored.members == result.ensemble
    assert stored.test_scores["accuracy"] == pytest.approx(final.score(*test_part(spec, frame, y)))


def test_classes_pick_the_library_by_validation_log_loss_not_accuracy(tmp_path, monkeypatch):
    """The trials an ensemble is chosen from are those of lowest validation log loss.

    Among the trials that kept their files; the ensemble's `single` is still the study's best
    trial's (by accuracy) validation score.
    """
    from search.best import best_trial
    from search.ensemble import choose, library
    from search.prepare import split_data

    monkeypatch.chdir(tmp_path)
    frame, y = table()
    spec = spec_of(tmp_path, "bycost", cv_folds=0, ensemble=4, n_trials=16, metric="accuracy")
    run_study(spec, lambda _: (frame, y), progress=None)
    study = open_existing_study(spec.name, spec.storage)
    kept = [
        t
        for t in study.get_trials()
        if t.state.name == "COMPLETE" and TrialRecord.from_trial(t).predictions_path
    ]
    costs = {t.number: TrialRecord.from_trial(t).val_cost for t in kept}
    lowest = sorted(costs, key=lambda n: (costs[n], n))[:4]
    assert [t.number for t in library(spec, study)] == lowest
    accuracy_first = best_trial(study)
    assert accuracy_first is not None and lowest[0] != accuracy_first.number  # they differ here
    chosen = choose(spec, study, split_data(spec, lambda _: (frame, y)), accuracy_first)
    assert chosen is not None and chosen.single == accuracy_first.values[0]


class _EveryFile:
    """A store that has every file (the library's ranking alone is under test)."""

    def has(self, saved) -> bool:
        return True


@pytest.mark.parametrize("bad", ["0.1", True, None, float("nan"), float("-inf"), [0.1]])
def test_a_tampered_validation_cost_ranks_last_and_breaks_nothing(tmp_path, bad):
    import optuna

    from search.ensemble import library

    study = optuna.create_study(direction="maximize")
    for number, (value, cost) in enumerate([(0.9, 0.5), (0.8, 0.2), (0.95, bad), (0.7, 0.3)]):
        attrs = {"val_cost": cost, "params_path": f"{number}.npz"}
        attrs["predictions_path"] = f"{number}.predictions.npz"
        study.add_trial(optuna.trial.create_trial(value=value, user_attrs=attrs))
    spec = spec_of(tmp_path, "tampered", cv_folds=0, ensemble=4)
    ranked = [t.number for t in library(spec, study, _EveryFile())]  # type: ignore[arg-type]
    assert ranked == [1, 3, 0, 2]  # by log loss; the unreadable one last, not an error


def test_part(spec: StudySpec, frame, y):
    from search.prepare import split_data

    splits = split_data(spec, lambda _: (frame, y))
    return splits.X_test, splits.y_test


test_part.__test__ = False  # type: ignore[attr-defined]


def test_ensemble_0_keeps_the_best_trial_and_stores_no_predictions(tmp_path):
    frame, y = table()
    spec = spec_of(tmp_path, "single", cv_folds=0, ensemble=0)
    result = run_study(spec, lambda _: (frame, y), progress=None)
    assert result.ensemble == () and best_config(spec.name, spec.storage).ensemble is None
    trials = open_existing_study(spec.name, spec.storage).get_trials()
    assert all(TrialRecord.from_trial(t).predictions_path is None for t in trials)


@pytest.mark.parametrize("value", [-1, 101, 2.5, True, "5"])
def test_ensemble_out_of_range_is_a_spec_error(value):
    with pytest.raises(SpecError, match="^ensemble: "):
        StudySpec.from_dict({"name": "e", "dataset": "t", "ensemble": value})


def test_tampered_predictions_of_a_member_are_refused_by_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    frame, y = table()
    spec = spec_of(tmp_path, "tampered", cv_folds=0)
    run_study(spec, lambda _: (frame, y), progress=None)
    trials = open_existing_study(spec.name, spec.storage).get_trials()
    kept = [TrialRecord.from_trial(t).predictions_path for t in trials]
    path = next(p for p in kept if p)
    np.savez(path, val=np.zeros((5, 2)))
    with pytest.raises(StorageError, match=r"is not the predictions saved for trial \d+"):
        run_study(spec.replace(n_trials=1), lambda _: (frame, y), progress=None)


def test_best_json_lists_the_members_and_weights(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    frame, y = table(seed=3)
    frame.assign(target=y).to_csv(tmp_path / "t.csv", index=False)
    (tmp_path / "s.toml").write_text(
        'name = "s"\ndataset = "t.csv"\nn_trials = 12\ncv_folds = 3\n'
        "[space]\nnum_iterations = { low = 20, high = 120, step = 20 }\n"
    )
    assert main(["run", "s.toml", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert main(["best", "s"]) == 0
    best = json.loads(capsys.readouterr().out)
    assert "final model: an ensemble of trials" in out  # this seeded study's ensemble won
    best_trial = best["trial"]
    assert f"kept for a lower 3-fold CV log loss than trial {best_trial}'s" in out
    assert len(best["ensemble"]["members"]) == len(best["ensemble"]["weights"]) >= 2
