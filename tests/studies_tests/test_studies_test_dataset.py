"""`test_dataset`: the user's own test file. Its columns are matched to the training file's by
name; the final model is scored on it, and no test split is cut from `dataset`."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from search import best_config
from studies.cli import main

STUDY = """
name = "own"
dataset = "train.csv"
test_dataset = "{test}"
n_trials = 2
[space]
num_iterations = 30
n_hidden = 1
n_units = 4
"""


def table(rows: int, seed: int, columns: tuple[str, ...] = ("a", "b", "target")) -> str:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 2))
    values = {"a": x[:, 0], "b": x[:, 1], "target": (x[:, 0] + x[:, 1] > 0).astype(int)}
    values["noise"] = rng.normal(size=rows)
    lines = [",".join(columns)]
    lines += [",".join(f"{values[c][i]:.4f}" for c in columns) for i in range(rows)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.csv").write_text(table(120, 0))
    return tmp_path


def test_the_test_score_comes_from_the_test_file_whatever_its_column_order(folder, capsys):
    # other order, an extra column: matched by name
    (folder / "test.csv").write_text(table(40, 1, ("target", "noise", "b", "a")))
    (folder / "own.toml").write_text(STUDY.format(test="test.csv"))
    assert main(["run", "own.toml", "--quiet"]) == 0
    config = best_config("own")
    test = pd.read_csv(folder / "test.csv")  # the network reads a table's columns by name
    x, y = test.drop(columns=["target"]), test["target"].to_numpy().astype(int)
    expected = float(np.mean(config.load_network().predict(x) == y))
    assert config.test_accuracy == pytest.approx(expected)
    capsys.readouterr()
    assert main(["best", "own"]) == 0
    assert json.loads(capsys.readouterr().out)["test_accuracy"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("test_file", "words"),
    [
        (("a", "target"), "no column 'b', which the training file has"),
        (("a", "b"), "no target column 'target'"),
    ],
)
def test_a_test_file_without_a_training_column_is_refused_by_name(folder, capsys, test_file, words):
    (folder / "test.csv").write_text(table(10, 1, test_file))
    (folder / "own.toml").write_text(STUDY.format(test="test.csv"))
    assert main(["run", "own.toml", "--quiet"]) == 2
    assert words in capsys.readouterr().err
    assert not (folder / "runs").exists()  # nothing stored


def test_a_test_file_whose_types_disagree_is_refused_by_cell(folder, capsys):
    header, first, *rest = table(10, 1).splitlines()
    bad = ",".join(["tall", *first.split(",")[1:]])  # column a of row 2: text, not a number
    (folder / "test.csv").write_text("\n".join([header, bad, *rest]) + "\n")
    (folder / "own.toml").write_text(STUDY.format(test="test.csv"))
    assert main(["run", "own.toml", "--quiet"]) == 2
    error = capsys.readouterr().err
    assert "test.csv" in error and "column 'a' line 2" in error and "'tall'" in error


def test_a_missing_test_file_and_a_changed_one_are_refused(folder, capsys):
    (folder / "own.toml").write_text(STUDY.format(test="nothere.csv"))
    assert main(["run", "own.toml", "--quiet"]) == 2
    assert "test_dataset" in capsys.readouterr().err
    (folder / "test.csv").write_text(table(40, 1))
    (folder / "own.toml").write_text(STUDY.format(test="test.csv"))
    assert main(["run", "own.toml", "--quiet"]) == 0
    (folder / "test.csv").write_text(table(30, 2))
    assert main(["run", "own.toml", "--quiet"]) == 2
    assert "data: study 'own'" in capsys.readouterr().err


def test_test_labels_that_are_not_training_classes_are_refused(folder, capsys):
    text = table(20, 1).replace(",0.0000\n", ",7.0000\n")  # class 0 is called 7 here
    (folder / "test.csv").write_text(text)
    (folder / "own.toml").write_text(STUDY.format(test="test.csv"))
    assert main(["run", "own.toml", "--quiet"]) == 2
    assert "test label 7" in capsys.readouterr().err  # 7 or 7.0: named either way


def test_text_in_a_test_files_category_column_is_an_unseen_level(folder, capsys):
    rng = np.random.default_rng(0)
    colour = rng.choice(["red", "blue"], 120)
    lines = ["a,b,target"] + [
        f"{c},{v:.3f},{int(c == 'red')}" for c, v in zip(colour, rng.normal(size=120), strict=True)
    ]
    (folder / "train.csv").write_text("\n".join(lines) + "\n")
    (folder / "test.csv").write_text("a,b,target\nred,0.5,1\npurple,0.1,0\nblue,,0\n")
    (folder / "own.toml").write_text(STUDY.format(test="test.csv"))
    assert main(["run", "own.toml", "--quiet"]) == 0  # purple: none of the training levels
    assert best_config("own").test_scores["accuracy"] >= 0
    capsys.readouterr()


def test_an_infinite_number_in_a_test_file_is_refused_by_cell(folder, capsys):
    header, first, *rest = table(10, 1).splitlines()
    (folder / "test.csv").write_text("\n".join([header, first, "1,inf,0", *rest]) + "\n")
    (folder / "own.toml").write_text(STUDY.format(test="test.csv"))
    assert main(["run", "own.toml", "--quiet"]) == 2
    assert "test.csv: column 'b' line 3 is inf, not a finite number" in capsys.readouterr().err
    assert not (folder / "runs").exists()


def test_a_regressions_test_file_needs_numbers_in_its_target(folder, capsys):
    (folder / "test.csv").write_text("a,b,target\n0.1,0.2,1.5\n0.3,0.4,?\n")
    study = STUDY.format(test="test.csv").replace("n_trials", 'task = "regression"\nn_trials')
    (folder / "own.toml").write_text(study)
    assert main(["run", "own.toml", "--quiet"]) == 2
    assert "test.csv: target column 'target' line 3 is '?', not a number" in capsys.readouterr().err
    assert not (folder / "runs").exists()


def test_a_test_file_of_the_other_kind_is_refused(folder, capsys):
    np.savez(folder / "test.npz", X=np.zeros((4, 2)), y=np.array([0, 1, 0, 1]))
    (folder / "own.toml").write_text(STUDY.format(test="test.npz"))
    assert main(["run", "own.toml", "--quiet"]) == 2
    assert "a CSV test file goes with a table dataset" in capsys.readouterr().err
    assert not (folder / "runs").exists()


def test_a_label_read_as_text_in_one_file_and_as_a_number_in_the_other_is_one_class(tmp_path):
    """The training file's labels hold 'x', so pandas reads them as text ('1'); the test file's
    are all 1, read as the number 1: the same class as written."""
    from search import StudySpec
    from studies.datasets import load_dataset

    rows = "\n".join(f"{i},{'x' if i % 2 else 1}" for i in range(40))
    (tmp_path / "train.csv").write_text("a,label\n" + rows + "\n")
    (tmp_path / "test.csv").write_text("a,label\n" + "\n".join(f"{i},1" for i in range(5)) + "\n")
    spec = StudySpec.from_dict(
        {
            "name": "mixed",
            "dataset": str(tmp_path / "train.csv"),
            "test_dataset": str(tmp_path / "test.csv"),
            "target": "label",
        }
    )
    data = load_dataset(spec)
    assert sorted(set(data.y.tolist())) == ["1", "x"] and set(data.y_test.tolist()) == {"1"}
