"""A study stored by the previous version (before the trial record had one owner) still opens.

`previous_version/runs/previous/` was written by dnnsearch at commit fdad949: a 5-trial moons
study in the embedded journal, with its saved networks. Today's code must report it, give its
best configuration and resume it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sklearn.datasets import make_moons

from reports import load_study_data
from search import StudyRecord, StudySpec, best_config, open_existing_study, run_study
from studies.cli import main

STORED = Path(__file__).with_name("previous_version") / "runs"


@pytest.fixture
def previous(tmp_path, monkeypatch):
    shutil.copytree(STORED, tmp_path / "runs")
    monkeypatch.chdir(tmp_path)  # its files are stored relative to where it ran
    return tmp_path / "runs" / "previous"


def load_moons(spec):
    return make_moons(n_samples=200, noise=0.25, random_state=1)


def test_best_and_its_saved_network(previous, capsys):
    config = best_config("previous")
    assert config.trial_number == 2 and config.value == pytest.approx(0.525)
    assert config.test_accuracy == pytest.approx(0.475)
    net = config.load_network()
    x, _ = load_moons(None)
    assert net.predict(x).shape == (200,)
    assert main(["best", "previous"]) == 0
    assert json.loads(capsys.readouterr().out)["trial"] == 2


def test_report_reads_it_with_todays_hyperparameters_as_fixed_defaults(previous, capsys):
    info, trials, _ = load_study_data("previous")
    assert len(trials) == 5 and info.space is not None
    assert (trials["params_decay_rate"] == 0.0).all()  # added since: its default, fixed
    assert main(["report", "previous"]) == 0
    assert (previous / "report" / "report.html").exists()


def test_it_resumes(previous):
    stored = StudyRecord.of(open_existing_study("previous")).spec
    spec = StudySpec.from_stored(stored, "previous").replace(n_trials=2)
    result = run_study(spec, load_moons, progress=None)
    assert result.n_counted == 7
