"""Test scores by every metric, through the command line and reports; a study stored before
them (version 0.1.0) shows none, fails nothing, and gets them from the network it scored."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import make_moons

from reports import load_study_data
from reports.tables import summary_table
from search import StudyRecord, StudySpec, best_config, open_existing_study
from search.final import finish
from search.metrics import metrics_of
from search.prepare import split_data
from studies.cli import main

METRICS = metrics_of("classification")

FIVE = ["accuracy", "balanced_accuracy", "f1", "roc_auc", "log_loss"]
STORED = Path(__file__).with_name("previous_version") / "runs"
STUDY = """
name = "scored"
dataset = "moons"
metric = "{metric}"
n_trials = 3
report_every = 10
[space]
learning_rate = {{ low = 0.01, high = 0.5, log = true }}
num_iterations = {{ low = 20, high = 40, step = 20 }}
n_hidden = {{ low = 1, high = 2 }}
n_units = {{ low = 2, high = 8 }}
optimizer = ["gd", "adam"]
"""


@pytest.mark.parametrize("metric", ["roc_auc", "log_loss"])
def test_run_prints_best_carries_and_the_report_shows_every_test_score(
    tmp_path, monkeypatch, capsys, metric: str
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scored.toml").write_text(STUDY.format(metric=metric))
    assert main(["run", "scored.toml", "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert main(["best", "scored", "--format", "json"]) == 0
    best = json.loads(capsys.readouterr().out)
    scores = best["test_scores"]
    assert list(scores) == list(METRICS) == FIVE
    assert scores["accuracy"] == best["test_accuracy"]
    assert all(isinstance(value, float) and math.isfinite(value) for value in scores.values())
    assert best["metric"] == metric
    line = ", ".join(f"{name} {value:.4f}" for name, value in scores.items())
    # 1,000 examples of moons less the test split: 5-fold cross-validation, chosen by size
    assert out[0].startswith(f"best trial {best['trial']}: 5-fold CV {metric} ")
    assert out[1] == f"  test scores: {line}"
    assert main(["report", "scored"]) == 0
    capsys.readouterr()
    summary = pd.read_csv(tmp_path / "runs" / "scored" / "report" / "summary.csv").iloc[0]
    for name, value in scores.items():
        assert summary[f"test_{name}"] == pytest.approx(value, rel=1e-12)


@pytest.fixture
def previous(tmp_path, monkeypatch):
    shutil.copytree(STORED, tmp_path / "runs")
    monkeypatch.chdir(tmp_path)  # its files are stored relative to where it ran
    return tmp_path / "runs" / "previous"


def load_moons(spec):  # the data the previous version's study ran on
    return make_moons(n_samples=200, noise=0.25, random_state=1)


def test_a_study_stored_before_test_scores_shows_none_and_fails_nothing(previous, capsys):
    assert main(["best", "previous", "--format", "json"]) == 0
    best = json.loads(capsys.readouterr().out)
    assert best["test_scores"] == {} and best["test_accuracy"] == pytest.approx(0.475)
    info, trials, _ = load_study_data("previous")
    row = summary_table(trials, info).iloc[0]
    assert row["test_accuracy"] == pytest.approx(0.475)
    assert all(math.isnan(row[f"test_{name}"]) for name in METRICS if name != "accuracy")
    assert main(["report", "previous"]) == 0
    capsys.readouterr()
    summary = pd.read_csv(previous / "report" / "summary.csv").iloc[0]
    assert summary["test_accuracy"] == pytest.approx(0.475) and math.isnan(summary["test_f1"])


def test_a_study_stored_before_test_scores_gets_them_when_it_runs(previous):
    study = open_existing_study("previous")
    spec = StudySpec.from_stored(StudyRecord.of(study).spec, "previous")
    saved = previous / "trials" / "2.npz"
    before = saved.read_bytes()
    result = finish(spec, study, split_data(spec, load_moons), 0.0)
    assert result.best_trial == 2 and list(result.test_scores) == list(METRICS)
    # the network it scored then, on the same test split: the same accuracy
    assert result.test_scores["accuracy"] == pytest.approx(0.475) == result.test_accuracy
    assert saved.read_bytes() == before
    config = best_config("previous")
    assert config.test_scores == result.test_scores and config.test_accuracy == 0.475
