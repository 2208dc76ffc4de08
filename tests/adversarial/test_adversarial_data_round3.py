"""Third round of data attacks (issue 21, sections 2, 3, 4 and 6): every check of the data runs
before anything is stored, whatever the seed; rows are named as the file names them; a target
that cannot be learned is refused, not trained on a thousand times; a deleted network of the
best trial is written back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from search import best_config
from studies import DeepNetworkSearch
from studies.cli import main

STUDY = """
name = "{name}"
dataset = "{dataset}"
target = "{target}"
task = "{task}"
cv_folds = {folds}
seed = {seed}
n_trials = 2
[space]
num_iterations = 20
n_units = 4
"""


def run(folder: Path, dataset: str, *, name: str = "s", args: tuple[str, ...] = (), **keys) -> int:
    keys = {"target": "target", "task": "classification", "folds": 0, "seed": 0, **keys}
    study = folder / f"{name}.toml"
    study.write_text(STUDY.format(name=name, dataset=dataset, **keys))
    return main(["run", str(study), "--quiet", *args])


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def table_with_a_text_cell() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=60).round(3).astype(object),
            "b": rng.normal(size=60),
            "target": rng.integers(0, 2, 60),
        }
    )
    frame.loc[5, "a"] = "abc"  # line 7 of the file: the header is line 1
    return frame


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_one_text_cell_in_a_numeric_column_is_refused_by_line_before_anything_is_stored(
    here, capsys, seed
):
    """It used to depend on the seed: refused before anything was stored, or a study and a
    FAIL trial stored and then a fold-relative row named."""
    table_with_a_text_cell().to_csv(here / "t.csv", index=False)
    assert run(here, "t.csv", seed=seed) == 2
    err = capsys.readouterr().err
    assert "t.csv: column 'a' line 7 is 'abc'" in err and err.count("\n") == 1, err
    assert not (here / "runs").exists()


@pytest.mark.parametrize("folds", [0, 3])
def test_a_regression_target_constant_in_a_training_part_is_refused_before_storing(
    here, capsys, folds
):
    x = np.random.default_rng(0).normal(size=(60, 3))
    y = np.full(60, 5.0)
    y[7] = 6.0
    np.savez(here / "almost.npz", X=x, y=y)
    seeds = range(20) if folds == 0 else [0]
    refused = 0
    for seed in seeds:  # whichever part row 7 falls in: refused now, or trained on both values
        code = run(
            here, "almost.npz", name=f"almost{seed}", task="regression", folds=folds, seed=seed
        )
        err = capsys.readouterr().err
        if code == 2:
            refused += 1
            assert "the target is constant (5 in every row)" in err and "training rows" in err
            assert not (here / "runs" / f"almost{seed}").exists()
        else:
            assert code == 0, err
    assert refused >= 1


def test_a_target_with_one_class_per_row_is_refused_before_storing(here):
    frame = pd.DataFrame({"a": np.arange(60.0) % 7, "b": np.arange(60.0) % 5})
    search = DeepNetworkSearch(n_trials=1, verbose=0, study_name="per_row")
    with pytest.raises(ValueError, match="a different value in each of its 60 rows"):
        search.fit(frame, [f"c{i}" for i in range(60)])
    assert not (here / "runs").exists()


@pytest.mark.parametrize(
    ("value", "words"),
    [(1e160, "too large to learn from"), (1e-310, "too little to learn from")],
)
def test_a_target_that_cannot_be_learned_is_refused_before_storing(here, capsys, value, words):
    """A target of 1e160 overflowed its standardization: every trial failed, uncounted, and
    `run --trials 1` ran 148 trials; a spread of 1e-310 trained and scored r2 0 silently."""
    x = np.random.default_rng(0).normal(size=(60, 3))
    y = x[:, 0] * value
    np.savez(here / "y.npz", X=x, y=y)
    assert run(here, "y.npz", task="regression") == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1, err
    assert not (here / "runs").exists()


def test_a_data_frames_rows_are_named_by_their_index_labels(here):
    frame = table_with_a_text_cell().set_index(pd.Index([f"id{i}" for i in range(60)]))
    y = frame.pop("target").to_numpy()
    with pytest.raises(ValueError, match=r"column 'a' row 'id5' is 'abc'"):
        DeepNetworkSearch(n_trials=1, verbose=0, study_name="labels").fit(frame, y)
    assert not (here / "runs").exists()


def test_the_best_trials_deleted_network_is_written_back(here):
    """The README says the best trial always has one; after `rm runs/NAME/trials/*.npz` the
    next run did not write it again and `load_network()` raised FileNotFoundError."""
    x, y = np.random.default_rng(1).normal(size=(120, 2)), np.arange(120) % 2
    np.savez(here / "d.npz", X=x, y=y)
    for folds in (0, 3):
        name = f"restored{folds}"
        assert run(here, "d.npz", name=name, folds=folds) == 0
        for network in (here / "runs" / name / "trials").glob("*.npz"):
            network.unlink()
        assert run(here, "d.npz", name=name, folds=folds, args=("--trials", "1")) == 0
        config = best_config(name)
        config.load_network(final=False)  # there again, and the file recorded (its SHA-256)
