"""Reports of a regression (issue 14): metrics labelled as such, no accuracy, and the best
network's predictions on the test data drawn against the true values (synthetic arrays: the
tests never train)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import reports.report
from reports import learned_parameters_table, study_report, summary_table, trials_table
from reports.figures import plot_predictions, plot_residuals, predictions_data, residuals_data
from search import open_existing_study
from search.record import TestRecord

Y_TRUE = np.array([1.0, 2.0, 3.0, np.nan, 5.0])
Y_PRED = np.array([1.5, 2.0, 2.0, 4.0, 6.0])
SCORES = {"rmse": 0.5, "mae": 0.4, "r2": 0.9}


def test_predictions_data_keeps_finite_pairs():
    data = predictions_data(Y_TRUE, Y_PRED, "price")
    assert data.actual[:, 0].tolist() == [1.0, 2.0, 3.0, 5.0]
    assert data.predicted[:, 0].tolist() == [1.5, 2.0, 2.0, 6.0]
    assert data.labels == ["price"] and not data.empty
    residuals = residuals_data(Y_TRUE, Y_PRED)
    assert residuals.residuals[:, 0].tolist() == [-0.5, 0.0, 1.0, -1.0]  # actual - predicted
    assert residuals.labels == ["target"]


def test_several_targets_and_bad_shapes():
    y = np.arange(6.0).reshape(3, 2)
    data = predictions_data(y, y + 1)
    assert data.actual.shape == (3, 2) and data.labels == ["target 1", "target 2"]
    with pytest.raises(ValueError, match=r"y_true \(3, 2\) and y_pred \(6,\)"):
        predictions_data(y, np.zeros(6))
    with pytest.raises(ValueError, match="need one shape"):
        residuals_data(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))


def test_plot_predictions_draws_the_points_and_y_equals_x():
    figure = plot_predictions(predictions_data(Y_TRUE, Y_PRED, "price"))
    ax = figure.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("actual price", "predicted price")
    assert len(ax.collections[0].get_offsets()) == 4
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == list(line.get_ydata()) == [1.0, 6.0]  # y = x, whole range
    several = plot_predictions(predictions_data(np.ones((3, 2)), np.zeros((3, 2))))
    assert len(several.axes[0].get_legend().get_texts()) == 3  # two targets and y = x


def test_plot_residuals_draws_them_about_zero():
    ax = plot_residuals(residuals_data(Y_TRUE, Y_PRED, "price")).axes[0]
    assert ax.get_xlabel() == "predicted price"
    assert ax.get_ylabel() == "residual (actual - predicted)"
    assert ax.collections[0].get_offsets()[:, 1].tolist() == [-0.5, 0.0, 1.0, -1.0]
    assert list(ax.get_lines()[0].get_ydata()) == [0.0, 0.0]


def test_empty_predictions_still_draw():
    for data, plot in (
        (predictions_data(np.empty(0), np.empty(0)), plot_predictions),
        (residuals_data(np.full(2, np.nan), np.zeros(2)), plot_residuals),
    ):
        assert data.empty
        plot(data).canvas.draw()


def regression(info):
    spec = {**info.spec, "task": "regression", "metric": "rmse"}
    return dataclasses.replace(
        info,
        spec=spec,
        directions=("minimize",),
        best_test=TestRecord(trial=4, refit=False, test_accuracy=None, test_scores=SCORES),
    )


def test_tables_of_a_regression(hand_made):
    trials, info = hand_made
    info = regression(info)
    row = summary_table(trials, info).iloc[0]
    assert row["metric"] == "rmse" and row["best_trial"] == 4  # minimized
    assert [c for c in row.index if c.startswith("test_")] == ["test_rmse", "test_mae", "test_r2"]
    assert (row["test_rmse"], row["test_r2"]) == (0.5, 0.9)
    table = trials_table(trials, "regression")
    assert "val_accuracy" not in table and "train_accuracy" not in table and "val_cost" in table
    learned = learned_parameters_table(trials.assign(activations=None), info)
    assert learned["activation"].tolist()[-2] == "linear"


def test_classification_summary_shows_its_own_test_scores(hand_made):
    trials, info = hand_made
    columns = [c for c in summary_table(trials, info).columns if c.startswith("test_")]
    assert columns[0] == "test_accuracy" and "test_rmse" not in columns


@pytest.fixture
def regression_study(journal, make_study, make_summary, monkeypatch):
    """A stored regression study whose best network has (synthetic) test predictions."""
    study = make_study(
        "prices", summary=make_summary("regression"), task="regression", metric="rmse"
    )
    best = study.best_trial.number
    study.set_user_attr("best_test", {"trial": best, "test_scores": SCORES})
    seen = []

    def predictions(study, storage=None):
        seen.append(study.study_name)
        return Y_TRUE, Y_PRED

    monkeypatch.setattr(reports.report, "test_predictions", predictions)
    return seen


def test_report_of_a_regression(journal, regression_study, tmp_path):
    report = study_report("prices", journal)
    assert regression_study == ["prices"]
    names = list(report.figures)
    assert names[-3:] == ["value_vs_parameters", "predictions", "residuals"]
    assert "accuracy_vs_parameters" not in names
    ax = report.figures["value_vs_parameters"].axes[0]
    assert ax.get_ylabel() == "validation rmse"
    assert report.figures["predictions"].axes[0].get_xlabel() == "actual price"
    summary = report.tables["summary"].iloc[0]
    assert summary["direction"] == "minimize" and summary["test_mae"] == 0.4
    markdown = report.markdown()
    assert "accuracy" not in markdown.lower()
    assert "`toy` (a regression), minimize the validation rmse;" in markdown
    out = report.save(tmp_path / "out")
    assert (out / "predictions.png").exists() and (out / "residuals.png").exists()


def test_a_regression_without_predictions_omits_their_figures(
    journal, regression_study, monkeypatch
):
    monkeypatch.setattr(reports.report, "test_predictions", lambda study, storage=None: None)
    report = study_report("prices", journal)
    assert "predictions" not in report.figures
    assert "predictions: no data yet, figure omitted." in report.markdown()


def test_a_classification_never_asks_for_predictions(journal, make_study, monkeypatch):
    make_study("toy")
    monkeypatch.setattr(
        reports.report, "test_predictions", lambda study, storage=None: pytest.fail("asked")
    )
    report = study_report("toy", journal)
    assert "accuracy_vs_parameters" in report.figures and not math.isnan(
        report.tables["summary"].iloc[0]["test_accuracy"]
    )


def test_a_regression_whose_final_model_is_an_ensemble(journal, regression_study):
    """Its scores by its metric (minimized), its predictions said to be the ensemble's."""
    study = open_existing_study("prices", journal)
    best = study.best_trial.number  # trial 5, the lowest rmse (0.70)
    ensemble = {"members": [best, 0], "weights": [0.6, 0.4], "validation": 0.65}
    study.set_user_attr("best_test", {"trial": best, "test_scores": SCORES, **ensemble})
    report = study_report("prices", journal)
    scores = report.tables["ensemble_scores"]
    assert list(scores.columns) == ["model", "validation_rmse", "test_rmse"]
    assert scores["test_rmse"].tolist() == [0.5, "not scored"]
    assert scores["validation_rmse"].tolist() == [0.65, pytest.approx(0.70)]
    markdown = report.markdown()
    assert "predicted values" in markdown and f"trial {best}, by rmse." in markdown
    assert "*The final ensemble's predictions on the test data" in markdown
    assert "*Residuals (actual - predicted) of the final ensemble" in markdown
    assert "accuracy" not in markdown.lower()
