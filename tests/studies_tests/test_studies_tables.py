"""Raw tables and regressions through the command line: a CSV file with text categories and
empty cells runs as it is; the new built-in data sets run end to end; a regression's summary
and `best` name its own metrics."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dnn.tables import TableEncoder
from search import best_config
from studies.cli import main

TABLE_STUDY = """
name = "table"
dataset = "table.csv"
target = "label"
n_trials = 2
cv_folds = 0
[space]
num_iterations = 40
n_hidden = 1
n_units = 4
"""


def write_table(path, rows: int = 200, seed: int = 0) -> pd.DataFrame:
    """A table whose class is told by a text column; a numeric column with empty cells."""
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue"], rows)
    size = np.round(rng.normal(size=rows), 3)
    size[rng.random(rows) < 0.2] = np.nan
    label = np.where(colour == "red", "yes", "no")
    table = pd.DataFrame({"colour": colour, "size": size, "label": label})
    table.to_csv(path, index=False)
    return table


def test_a_csv_with_text_categories_and_empty_cells_runs_as_it_is(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    table = write_table(tmp_path / "table.csv")
    (tmp_path / "table.toml").write_text(TABLE_STUDY)
    assert main(["run", "table.toml"]) == 0
    err = capsys.readouterr().err
    assert "binary classification of 'label'" in err
    assert "encoded from 2 columns (1 numeric, 1 categorical, 0 dropped)" in err
    config = best_config("table")
    features = table.drop(columns=["label"])
    # size (or its bins), size_missing, colour=blue, colour=green, colour=red
    bins = config.hyperparameters.get("numeric_bins", 0)
    widths = {0: 5, 16: 20}
    assert config.layer_dims[0] == len(TableEncoder(bins=bins).fit(features).feature_names_)
    assert config.layer_dims[0] == widths[bins]
    predicted = config.load_network().predict(features)  # the network reads the raw table
    assert set(predicted) <= {"yes", "no"}


SMALL_SPACE = """
[space]
num_iterations = 20
n_hidden = 1
n_units = 4
"""
BUILTIN_TARGETS = {
    "penguins": 'target = "species"\n',
    "diabetes": 'task = "regression"\n',
    "friedman1": 'task = "regression"\n',
}


@pytest.mark.parametrize("dataset", sorted(BUILTIN_TARGETS))
def test_each_new_builtin_data_set_runs_end_to_end(tmp_path, monkeypatch, capsys, dataset):
    """The built-in data set in a study of one small network (a second's work), three trials,
    its test scores by its task's metrics, and `best` in both formats."""
    monkeypatch.chdir(tmp_path)
    study = f'name = "small"\ndataset = "{dataset}"\n{BUILTIN_TARGETS[dataset]}{SMALL_SPACE}'
    (tmp_path / "small.toml").write_text(study)
    assert main(["run", "small.toml", "--trials", "3", "--quiet"]) == 0
    first = capsys.readouterr().out.splitlines()
    assert main(["best", "small", "--format", "json"]) == 0
    best = json.loads(capsys.readouterr().out)
    scores = best["test_scores"]
    if dataset == "penguins":
        assert best["task"] == "classification" and best["layer_dims"][-1] == 3
        assert best["test_accuracy"] == scores["accuracy"]
        # 275 examples: 5-fold cross-validation, chosen by size, and the final model refit
        assert first[0].startswith("best trial ") and ": 5-fold CV log_loss " in first[0]
        assert first[0].endswith(
            f"test log_loss {scores['log_loss']:.4f} (the best configuration retrained on "
            "train + validation)"
        )
    else:
        assert best["task"] == "regression" and best["metric"] == "r2"
        assert best["test_accuracy"] is None and list(scores) == ["rmse", "mae", "r2"]
        assert scores["rmse"] >= scores["mae"] > 0 and scores["r2"] < 1
        # the first line scores the study's metric on test; the second, every metric
        assert f"test r2 {scores['r2']:.4f}" in first[0]
        assert first[1] == (
            f"  test scores: rmse {scores['rmse']:.4f}, mae {scores['mae']:.4f}, "
            f"r2 {scores['r2']:.4f}"
        )
    assert main(["best", "small", "--format", "python"]) == 0
    snippet = capsys.readouterr().out
    namespace: dict = {}
    exec(snippet, namespace)  # the printed snippet must run
    expected = "DeepNetworkRegressor" if dataset != "penguins" else "DeepNetwork"
    assert type(namespace["net"]).__name__ == expected
