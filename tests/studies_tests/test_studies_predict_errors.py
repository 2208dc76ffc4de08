"""`dnnsearch predict` and bad input: one line naming it, exit 2, nothing written."""

from __future__ import annotations

import numpy as np
import optuna
import pandas as pd
import pytest
from made_studies import Made, table

from search import open_storage
from studies.cli import main


def predict(made: Made, name: str, data, *args: str) -> int:
    return main(["predict", name, str(data), "--storage", made.storage(name), *args])


def refused(capsys, *words: str) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dnnsearch: error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err
    return err


def nothing_written(folder) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.startswith((".dnnsearch", "out"))]


def rows(m: int = 30) -> pd.DataFrame:
    return table(m, seed=9).drop(columns=["label", "value"])


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda f: f.drop(columns=["colour"]), ["new.csv: no column 'colour'", "training"]),
        (lambda f: f.assign(x=f["x"].astype(object).where(f.index != 20, "inf")), ["'x' line 22"]),
        (lambda f: f.assign(z=f["z"].astype(object).where(f.index != 9, "abc")), ["'z' line 11"]),
    ],
    ids=["missing column", "inf", "text in a numeric column"],
)
def test_bad_cells_and_columns_are_named(made, tmp_path, capsys, change, words):
    change(rows()).to_csv(tmp_path / "new.csv", index=False)
    assert predict(made, "cls_ens", tmp_path / "new.csv", "--out", str(tmp_path / "out.csv")) == 2
    refused(capsys, *words)
    nothing_written(tmp_path)


def test_an_empty_cell_nan_is_missing_like_in_training(made, tmp_path, capsys):
    frame = rows().astype(object)
    frame.loc[3, "x"], frame.loc[4, "x"] = "NaN", ""
    frame.to_csv(tmp_path / "new.csv", index=False)
    assert predict(made, "cls_ens", tmp_path / "new.csv", "--out", str(tmp_path / "o.csv")) == 0


def test_a_failure_in_a_late_chunk_leaves_the_old_output_as_it_was(
    made, tmp_path, capsys, monkeypatch
):
    import studies.predict

    monkeypatch.setattr(studies.predict, "BLOCK_ROWS", 5)
    frame = rows(40).astype(object)
    frame.loc[37, "x"] = "-inf"
    frame.to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "out.csv"
    out.write_text("precious\n")
    assert (
        predict(made, "reg_one", tmp_path / "new.csv", "--out", str(out), "--chunk-rows", "5") == 2
    )
    refused(capsys, "column 'x' line 39 is -inf")
    assert out.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.csv", "out.csv"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--id", "nope"], ["--id: ", "no column 'nope'", "'x'"]),
        (["--id", "prediction"], ["--id: column 'prediction' has the name of an output column"]),
        (["--proba"], ["--proba: study 'reg_one' is a regression"]),
    ],
)
def test_bad_flags_are_named(made, tmp_path, capsys, args, words):
    frame = rows().assign(prediction="p")
    frame.to_csv(tmp_path / "new.csv", index=False)
    assert predict(made, "reg_one", tmp_path / "new.csv", "--out", str(tmp_path / "o"), *args) == 2
    refused(capsys, *words)
    assert not (tmp_path / "o").exists()


def test_bad_output_paths(made, tmp_path, capsys):
    data = tmp_path / "new.csv"
    rows().to_csv(data, index=False)
    before = data.read_bytes()
    for out, words in [
        (data, ["is the input file"]),
        (tmp_path / "missing" / "o.csv", ["no folder", "missing"]),
        (tmp_path, ["is a folder"]),
        (data / "o.csv", ["no folder"]),
        ("/dev/null", ["not a regular file"]),
    ]:
        assert predict(made, "cls_one", data, "--out", str(out)) == 2
        refused(capsys, "--out: ", *words)
    (tmp_path / "link.csv").symlink_to(data)
    assert predict(made, "cls_one", data, "--out", str(tmp_path / "link.csv")) == 2
    refused(capsys, "is the input file")
    assert data.read_bytes() == before


def test_a_folder_that_cannot_be_written(made, tmp_path, capsys):
    rows().to_csv(tmp_path / "new.csv", index=False)
    assert predict(made, "cls_one", tmp_path / "new.csv", "--out", "/proc/o.csv") == 2
    refused(capsys, "--out: cannot write in '/proc'")


def test_arrays_and_their_files(made, tmp_path, capsys):
    x = np.random.default_rng(0).normal(size=(20, 4))
    x[5, 1] = np.nan
    np.savez(tmp_path / "nan.npz", X=x)
    assert predict(made, "arrays", tmp_path / "nan.npz", "--out", str(tmp_path / "o")) == 2
    refused(capsys, "nan.npz: X row 5, column 1 is nan, not a finite number")
    np.savez(tmp_path / "wide.npz", X=np.zeros((3, 5)))
    assert predict(made, "arrays", tmp_path / "wide.npz", "--out", str(tmp_path / "o")) == 2
    refused(capsys, "5 columns in X, but the study's network reads 4")
    np.savez(tmp_path / "noX.npz", x=np.zeros((3, 4)))
    assert predict(made, "arrays", tmp_path / "noX.npz", "--out", str(tmp_path / "o")) == 2
    refused(capsys, "missing array 'X'")
    assert predict(made, "cls_one", tmp_path / "wide.npz", "--out", str(tmp_path / "o")) == 2
    refused(capsys, "trained on a table: give a CSV file")
    pd.DataFrame(x, columns=list("abcd")).to_csv(tmp_path / "nan.csv", index=False)
    assert predict(made, "arrays", tmp_path / "nan.csv", "--out", str(tmp_path / "o")) == 2
    refused(capsys, "column 'b' line 7 is empty")
    args = ["--out", str(tmp_path / "o"), "--id", "a"]
    assert predict(made, "arrays", tmp_path / "wide.npz", *args) == 2
    refused(capsys, "--id names a CSV column")
    assert not (tmp_path / "o").exists()


def test_an_npz_target_of_another_shape_than_the_models(made, tmp_path, capsys):
    x = np.load(made.folder / "arrays.npz")["X"][:10]
    np.savez(tmp_path / "new.npz", X=x, y=np.zeros((10, 2)))
    assert predict(made, "arrays", tmp_path / "new.npz", "--out", str(tmp_path / "o")) == 2
    refused(capsys, "new.npz: ")
    assert predict(made, "reg_arrays", tmp_path / "new.npz", "--out", str(tmp_path / "o")) == 2
    refused(
        capsys, "the target has shape (10, 2), but the study's model predicts one value per row"
    )
    assert predict(made, "reg_one", tmp_path / "new.npz", "--out", str(tmp_path / "o")) == 2
    refused(capsys, "trained on a table")
    assert not (tmp_path / "o").exists()


def test_bad_targets_are_named_and_unreadable_files_refused(made, tmp_path, capsys):
    rows().assign(value=["3"] * 29 + ["many"]).to_csv(tmp_path / "new.csv", index=False)
    assert predict(made, "reg_one", tmp_path / "new.csv", "--out", str(tmp_path / "o")) == 2
    refused(capsys, "target column 'value' line 31")
    (tmp_path / "bin.csv").write_bytes(b"x,z,colour\n1,2,red\n\xff\xfe,3,blue\n")
    assert predict(made, "reg_one", tmp_path / "bin.csv", "--out", str(tmp_path / "o")) == 2
    refused(capsys, "not UTF-8", "line 3")
    (tmp_path / "ragged.csv").write_text("x,z,colour\n1,2,red\n1,2,red,4,5\n")
    assert predict(made, "reg_one", tmp_path / "ragged.csv", "--out", str(tmp_path / "o")) == 2
    refused(capsys, "cannot read CSV")
    (tmp_path / "empty.csv").write_text("")
    assert predict(made, "reg_one", tmp_path / "empty.csv", "--out", str(tmp_path / "o")) == 2
    refused(capsys, "empty")
    assert predict(made, "reg_one", tmp_path / "gone.csv", "--out", str(tmp_path / "o")) == 2
    refused(capsys, "gone.csv: not a file")
    assert not (tmp_path / "o").exists()


def test_a_study_without_a_complete_trial_or_without_a_name(made, tmp_path, capsys):
    storage = str(tmp_path / "journal.log")
    optuna.create_study(study_name="empty", storage=open_storage(storage, create=True))
    rows().to_csv(tmp_path / "new.csv", index=False)
    assert main(["predict", "empty", str(tmp_path / "new.csv"), "--storage", storage]) == 2
    refused(capsys, "study 'empty' has no complete trial yet")
    assert main(["predict", "other", str(tmp_path / "new.csv"), "--storage", storage]) == 2
    refused(capsys, "no study named 'other'")
    assert main(["predict", "../x", str(tmp_path / "new.csv")]) == 2
    refused(capsys)


def test_the_studys_own_files_are_never_written_over(made, tmp_path, capsys):
    from search import best_config

    rows().to_csv(tmp_path / "new.csv", index=False)
    journal = made.folder / "cls_ens" / "journal.log"
    network = best_config("cls_ens", made.storage("cls_ens")).final_params_path
    for out in (journal, network):
        before = open(out, "rb").read()
        assert predict(made, "cls_ens", tmp_path / "new.csv", "--out", str(out)) == 2
        refused(capsys, "is a file of the study; write elsewhere")
        args = ["export", "cls_ens", "--format", "onnx", "--out", str(out)]
        assert main([*args, "--storage", made.storage("cls_ens")]) == 2
        refused(capsys, "is a file of the study")
        assert open(out, "rb").read() == before
