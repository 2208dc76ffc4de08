"""A study run in one folder is used from another: its files are found through its storage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from made_studies import table

from search import (
    StorageError,
    StudySpec,
    best_config,
    open_existing_study,
    run_study,
    test_predictions,
)
from studies.cli import main
from studies.datasets import load_dataset

STORAGES = {
    "journal": (None, "runs/rel/journal.log"),
    "sqlite": ("sqlite:///studies.db", "sqlite:///{project}/studies.db"),
}


@pytest.mark.parametrize("kind", STORAGES)
def test_a_study_run_with_relative_paths_is_used_from_another_folder(tmp_path, monkeypatch, kind):
    """Its records name `runs/rel/...` relative to where it ran; `--storage` finds them anywhere."""
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    frame = table()
    frame.to_csv(project / "table.csv", index=False)
    given, later = STORAGES[kind]
    keys = {
        "name": "rel",
        "dataset": "table.csv",
        "target": "value",
        "task": "regression",
        "drop": ["label"],
        "n_trials": 4,
        "n_jobs": 1,
        "seed": 0,
        "report_every": 10,
        "cv_folds": 0,
        "space": {"num_iterations": {"low": 20, "high": 60, "step": 20}, "n_units": [2, 4]},
    }
    monkeypatch.chdir(project)
    run_study(StudySpec.from_dict({**keys, **({"storage": given} if given else {})}), load_dataset)
    here = best_config("rel", given)
    assert not Path(here.params_path or "/").is_absolute()  # recorded relative to the project
    final, trial = here.load_network().predict(frame), here.load_network(final=False).predict(frame)

    monkeypatch.chdir(elsewhere)
    storage = later.format(project=project) if "{" in later else str(project / later)
    recorded = Path(here.final_params_path or here.params_path or "")
    decoy = elsewhere / recorded  # another study's file of that name, here: passed over
    decoy.parent.mkdir(parents=True)
    mine = (project / recorded).read_bytes()
    others = sorted(f for f in project.glob("runs/rel/**/*.npz") if f.read_bytes() != mine)
    decoy.write_bytes(others[0].read_bytes())  # a network file, not the one recorded
    there = best_config("rel", storage)
    np.testing.assert_array_equal(there.load_network().predict(frame), final)
    np.testing.assert_array_equal(there.load_network(final=False).predict(frame), trial)
    study = open_existing_study("rel", storage)
    assert test_predictions(study) is None  # the report's figures: not found from here alone
    assert test_predictions(study, storage) is not None  # found through the storage
    data = str(project / "table.csv")
    out = elsewhere / "predictions.csv"
    assert main(["predict", "rel", data, "--storage", storage, "--out", str(out)]) == 0
    assert out.is_file()
    inside = Path(there.final_params_path or there.params_path or "").parent / "p.csv"
    assert main(["predict", "rel", data, "--storage", storage, "--out", str(inside)]) == 2
    assert not inside.exists()  # the study's own folder takes no output

    found = Path(there.final_params_path or there.params_path or "")
    assert found.is_absolute() and found.is_relative_to(project)
    changed = bytearray(found.read_bytes())
    changed[len(changed) // 2] ^= 0xFF  # a file changed since it was recorded
    found.write_bytes(bytes(changed))
    with pytest.raises(StorageError, match="refusing to load it"):
        best_config("rel", storage).load_network()
