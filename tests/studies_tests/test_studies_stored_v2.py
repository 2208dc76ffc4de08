"""Studies stored by the second version still open, report and resume.

`stored_v2/runs/` was written by `dnnsearch run penguins --trials 4 --jobs 1 --seed 3` and
`dnnsearch run diabetes --trials 4 --jobs 1 --seed 3` at commit c389572, before the run was
split into a pipeline of modules: a table classification with 5-fold cross-validation and a
refit final model, and a regression with its test predictions. `best.json` and
`best_python.txt` beside each journal are what `dnnsearch best` printed then; today's code must
print the same, write their reports, and resume them on the same data (the stored data
fingerprint must match).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from reports import load_study_data
from search import StudyRecord, StudySpec, best_config, open_existing_study, run_study
from studies.cli import main
from studies.datasets import load_dataset

STORED = Path(__file__).with_name("stored_v2") / "runs"
STUDIES = ("penguins", "diabetes")


@pytest.fixture
def stored(tmp_path, monkeypatch):
    shutil.copytree(STORED, tmp_path / "runs")
    monkeypatch.chdir(tmp_path)  # its files are stored relative to where it ran
    return tmp_path / "runs"


@pytest.mark.parametrize("name", STUDIES)
def test_best_prints_what_it_printed(stored, capsys, name):
    assert main(["best", name]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(
        (stored / name / "best.json").read_text()
    )
    if name == "penguins":
        assert main(["best", name, "--format", "python"]) == 0
        assert capsys.readouterr().out == (stored / name / "best_python.txt").read_text()


@pytest.mark.parametrize("name", STUDIES)
def test_its_networks_load_and_predict(stored, name):
    spec = StudySpec.from_stored(StudyRecord.of(open_existing_study(name)).spec, name)
    data = load_dataset(spec)
    config = best_config(name)
    for final in (True, False):
        net = config.load_network(final=final)
        predicted = net.predict(data.X[:20])
        assert len(predicted) == 20
        if name == "penguins":
            assert set(predicted) <= set(np.unique(data.y))


@pytest.mark.parametrize("name", STUDIES)
def test_its_report_is_written(stored, capsys, name):
    info, trials, _ = load_study_data(name)
    assert len(trials) == 4 and info.space is not None
    assert main(["report", name]) == 0
    assert (stored / name / "report" / "report.html").is_file()


@pytest.mark.parametrize("name", STUDIES)
def test_it_resumes_on_the_same_data(stored, name):
    stored_spec = StudyRecord.of(open_existing_study(name)).spec
    spec = StudySpec.from_stored(stored_spec, name).replace(n_trials=1)
    result = run_study(spec, load_dataset, progress=None)
    assert result.n_counted == 5
    assert result.test_scores  # the final model is scored as before
