"""reports.tables from hand-made trials tables: columns, values and parameter counts."""

from __future__ import annotations

import math

import pytest

import search
from dnn import count_parameters
from reports import (
    StudyInfo,
    comparison_table,
    hyperparameter_table,
    learned_parameters_table,
    load_study_data,
    summary_table,
    trials_table,
)
from reports.tables import best_row, best_values_table, network_table


def test_trials_table_columns(hand_made):
    trials, _ = hand_made
    table = trials_table(trials)
    assert list(table.columns[:3]) == ["number", "state", "value"]
    assert "params_n_2" in table and "val_accuracy" in table and "pruned_at" in table
    assert "layer_dims" not in table
    assert len(table) == len(trials)


def test_trials_table_shows_the_best_iteration_before_pruned_at(hand_made):
    trials, _ = hand_made
    assert "best_iteration" not in trials_table(trials)  # none recorded: as it was
    stopped = trials.assign(best_iteration=[150, 100, math.nan, math.nan, 50])
    columns = list(trials_table(stopped).columns)
    assert columns.index("best_iteration") == columns.index("pruned_at") - 1
    assert columns.index("best_iteration") == columns.index("wall_time") + 1
    assert trials_table(stopped)["best_iteration"].tolist()[:2] == [150, 100]


def test_network_table_of_any_trial(hand_made):
    trials, info = hand_made
    table = network_table(trials.iloc[0], "classification")  # trial 0: [4, 6, 1]
    assert table["W_shape"].tolist() == ["(6, 4)", "(1, 6)", ""]
    assert table["n_parameters"].tolist() == [30, 7, 37]
    assert network_table(None).empty and list(network_table(None).columns) == list(table.columns)
    best = trials[trials["number"] == 1].iloc[0]
    assert network_table(best).equals(learned_parameters_table(trials, info))


def test_learned_parameters_of_the_best_network(hand_made):
    trials, info = hand_made
    table = learned_parameters_table(trials, info)  # best: trial 1, layer_dims [4, 5, 4, 1]
    assert list(table.columns) == [
        "layer",
        "units",
        "W_shape",
        "b_shape",
        "activation",
        "n_parameters",
    ]
    assert table["layer"].tolist() == ["1", "2", "3", "total"]
    assert table["W_shape"].tolist()[:3] == ["(5, 4)", "(4, 5)", "(1, 4)"]
    assert table["b_shape"].tolist()[:3] == ["(5, 1)", "(4, 1)", "(1, 1)"]
    assert table["activation"].tolist()[:3] == ["relu", "relu", "sigmoid"]
    # n[l] (n[l-1] + 1): 5 * (4 + 1) = 25, 4 * (5 + 1) = 24, 1 * (4 + 1) = 5; total 54.
    assert table["n_parameters"].tolist() == [25, 24, 5, 54]
    assert count_parameters([4, 5, 4, 1]) == 54


def test_learned_parameters_without_stored_activations(hand_made):
    trials, info = hand_made
    trials = trials.assign(activations=None, params_activation="tanh")
    table = learned_parameters_table(trials, info)
    assert table["activation"].tolist()[:3] == ["tanh", "tanh", "sigmoid"]


def test_hyperparameter_table(hand_made):
    trials, info = hand_made
    table = hyperparameter_table(trials, info).set_index("name")
    assert list(table.columns) == ["symbol", "tuned", "range", "scale", "best_value", "importance"]
    assert table.loc["learning_rate", "tuned"] == "tuned"
    assert table.loc["learning_rate", "scale"] == "log"
    assert table.loc["learning_rate", "range"] == "[0.001, 1]"
    assert table.loc["learning_rate", "best_value"] == 0.1
    assert table.loc["activation", "scale"] == "categorical"
    assert table.loc["n_hidden", "scale"] == "linear" and table.loc["n_hidden", "best_value"] == 2
    assert table.loc["n_2", "symbol"] == "n[2]" and table.loc["n_2", "best_value"] == 4
    assert table.loc["optimizer", "tuned"] == "fixed" and table.loc["optimizer", "range"] == "adam"
    assert table.loc["learning_rate", "symbol"] == "α"
    varied = table.loc[["learning_rate", "n_hidden", "n_1"], "importance"]
    assert varied.notna().all() and varied.sum() == pytest.approx(1.0)
    # tuned, but equal in every complete trial (or in one only): no importance to measure
    assert table.loc[["n_2", "activation"], "importance"].isna().all()
    assert table[table["tuned"] == "fixed"]["importance"].isna().all()


def test_importance_is_nan_below_two_complete_trials(hand_made):
    trials, info = hand_made
    one = trials[(trials["state"] != "COMPLETE") | (trials["number"] == 1)]
    table = hyperparameter_table(one, info)
    assert table["importance"].isna().all()
    assert table.set_index("name").loc["learning_rate", "best_value"] == 0.1


def test_tables_with_no_complete_trial(hand_made):
    trials, info = hand_made
    failed = trials[trials["state"] != "COMPLETE"]
    assert learned_parameters_table(failed, info).empty
    assert hyperparameter_table(failed, info)["best_value"].isna().all()
    summary = summary_table(failed, info).iloc[0]
    assert summary["best_trial"] is None and math.isnan(summary["best_value"])
    assert (summary["complete"], summary["pruned"], summary["failed"]) == (0, 1, 1)


def test_summary(hand_made):
    trials, info = hand_made
    row = summary_table(trials, info).iloc[0]
    assert row["best_trial"] == 1 and row["best_value"] == 0.95 and row["test_accuracy"] == 0.91
    assert (row["n_trials"], row["complete"], row["pruned"], row["failed"]) == (5, 3, 1, 1)
    assert row["wall_time_s"] == 45.0  # trial 4 completes 40 + 5 s after trial 0 starts
    assert row["time_to_best_s"] == 15.0
    assert row["best_n_parameters"] == 54
    assert (row["sampler"], row["pruner"], row["metric"]) == ("tpe", "median", "accuracy")


def test_summary_leaves_out_surplus_trials(hand_made):
    trials, info = hand_made
    trials.loc[3, "fail_reason"] = "surplus: the study reached its number of trials"
    assert summary_table(trials, info).iloc[0]["failed"] == 0


def test_minimize_picks_the_lowest_value(hand_made):
    trials, info = hand_made
    info = StudyInfo(
        name="loss", spec={**info.spec, "metric": "log_loss"}, directions=("minimize",)
    )
    assert best_row(trials, "minimize")["number"] == 4
    assert summary_table(trials, info).iloc[0]["best_trial"] == 4


def test_best_row_agrees_with_search(make_study, journal):
    study = make_study("toy")
    trials = load_study_data("toy", journal).trials
    assert best_row(trials, "maximize")["number"] == search.best_trial(study).number


def test_comparison_and_best_values(hand_made):
    trials, info = hand_made
    other = StudyInfo(
        name="other", spec={**info.spec, "sampler": "random"}, directions=("maximize",)
    )
    table = comparison_table([summary_table(trials, info), summary_table(trials.iloc[:2], other)])
    assert table["study"].tolist() == ["hand", "other"]
    assert table["sampler"].tolist() == ["tpe", "random"]
    assert list(table.columns) == list(summary_table(trials, info).columns)
    best = best_values_table(
        {
            "hand": hyperparameter_table(trials, info),
            "other": hyperparameter_table(trials.iloc[:1], other),
        }
    )
    assert list(best.columns) == ["name", "hand", "other"]
    assert best.set_index("name").loc["learning_rate"].tolist() == [0.1, 0.01]


def test_pareto_ties_go_to_the_smaller_network(hand_made):
    trials, _ = hand_made
    trials = trials.assign(value=[0.95, 0.95, math.nan, math.nan, 0.7])
    trials["values_1"] = trials["n_parameters"]  # trial 0 (37) is smaller than trial 1 (54)
    assert best_row(trials, "maximize")["number"] == 0


def test_an_enqueued_trial_is_shown_as_such():
    import optuna

    from reports.load import trials_frame

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize")
    study.enqueue_trial({"learning_rate": 0.0075})  # the course's own α, tried first
    study.optimize(lambda t: t.suggest_float("learning_rate", 1e-3, 1.0, log=True), n_trials=3)
    frame = trials_frame(study.trials, {"name": "enqueued", "dataset": "digits"})
    assert trials_table(frame)["enqueued"].tolist() == [True, False, False]
