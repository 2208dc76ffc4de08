"""`dnnsearch predict`: a study's final model scores a CSV or an npz, streamed, in-process."""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from made_studies import HOSTILE, Made, new_rows

from search.metrics import score_all
from studies.cli import main
from studies.files import NA_CELLS, read_chunks, read_table

TABLES = ("cls_ens", "cls_one", "reg_ens", "reg_one")


def predict(made: Made, name: str, data, *args: str) -> int:
    return main(["predict", name, str(data), "--storage", made.storage(name), *args])


def read_output(path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, dtype={"prediction": str})


@pytest.mark.parametrize("name", TABLES)
def test_predictions_are_the_final_models_on_raw_shuffled_rows(made, tmp_path, capsys, name):
    rows = new_rows()
    rows.to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "out.csv"
    proba = ["--proba"] if name.startswith("cls") else []
    assert predict(made, name, tmp_path / "new.csv", "--out", str(out), *proba) == 0
    got = pd.read_csv(out)
    net = made.network(name)
    frame = read_table(tmp_path / "new.csv")
    assert got["line"].tolist() == list(range(2, len(rows) + 2))
    if name.startswith("cls"):
        assert got["prediction"].tolist() == net.predict(frame).tolist()
        columns = [f"proba_{c}" for c in net.classes_]
        assert got.columns.tolist() == ["line", "prediction", *columns]
        np.testing.assert_allclose(got[columns].to_numpy(), net.predict_proba(frame), atol=1e-15)
    else:
        assert got.columns.tolist() == ["line", "prediction"]
        np.testing.assert_allclose(got["prediction"], net.predict(frame), rtol=1e-15)
    assert capsys.readouterr().out.startswith(f"{len(rows)} rows of ")


@pytest.mark.parametrize("name", TABLES)
def test_the_scores_printed_are_the_metrics_of_the_final_model(made, tmp_path, capsys, name):
    rows = new_rows()
    rows.to_csv(tmp_path / "new.csv", index=False)
    assert predict(made, name, tmp_path / "new.csv", "--out", str(tmp_path / "o.csv")) == 0
    said = capsys.readouterr().out
    net = made.network(name)
    frame = read_table(tmp_path / "new.csv")
    if name.startswith("cls"):
        expected = score_all(net.predict_proba(frame), frame["label"].to_numpy(), net.classes_)
    else:
        expected = score_all(net.predict(frame), frame["value"].to_numpy(), None, "regression")
    target = "label" if name.startswith("cls") else "value"
    line = next(s for s in said.splitlines() if s.startswith("scores on"))
    assert line.startswith(f"scores on {len(rows)} rows with the target column {target!r}: ")
    printed = dict(re.findall(r"(\w+) (-?[\d.]+|nan)", line.split(": ", 1)[1]))
    assert printed.keys() == expected.keys()
    for metric, value in expected.items():
        assert float(printed[metric]) == pytest.approx(value, abs=5e-5), metric


def test_without_the_target_nothing_is_scored_and_empty_targets_are_said(made, tmp_path, capsys):
    rows = new_rows()
    rows.drop(columns=["label"]).to_csv(tmp_path / "a.csv", index=False)
    assert predict(made, "cls_one", tmp_path / "a.csv", "--out", str(tmp_path / "a.out")) == 0
    assert "scores" not in capsys.readouterr().out
    rows.loc[[0, 5], "label"] = np.nan
    rows.loc[6, "label"] = "emperor"
    rows.to_csv(tmp_path / "b.csv", index=False)
    assert predict(made, "cls_one", tmp_path / "b.csv", "--out", str(tmp_path / "b.out")) == 0
    said = capsys.readouterr().out
    assert f"scores on {len(rows) - 2} rows" in said
    assert "2 rows with an empty target cell: not scored" in said
    assert "does not know ('emperor')" in said
    assert len(pd.read_csv(tmp_path / "b.out")) == len(rows)  # every row is predicted


@pytest.mark.parametrize("name", ["cls_ens", "reg_one"])
def test_a_file_read_in_many_chunks_gives_the_same_output_as_in_one(
    made, tmp_path, monkeypatch, name
):
    import studies.predict

    monkeypatch.setattr(studies.predict, "BLOCK_ROWS", 4)  # chunks of 8 rows below
    new_rows(m=100).to_csv(tmp_path / "new.csv", index=False)
    outputs = []
    for rows in ("7", "100000"):
        out = tmp_path / f"out{rows}.csv"
        args = ["--out", str(out), "--chunk-rows", rows, "--id", "colour"]
        proba = ["--proba"] if name.startswith("cls") else []
        assert predict(made, name, tmp_path / "new.csv", *args, *proba) == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_the_chunks_are_the_rows_read_whole(tmp_path):
    new_rows(m=23).to_csv(tmp_path / "new.csv", index=False)
    whole = read_table(tmp_path / "new.csv")
    chunks = list(read_chunks(tmp_path / "new.csv", "new.csv", 5))
    assert [len(c) for c in chunks] == [5, 5, 5, 5, 3]
    pd.testing.assert_index_equal(pd.concat(chunks).index, whole.index)
    assert pd.concat(chunks).astype(str).equals(whole.astype(str))


def test_pandas_empty_cell_markers_are_the_ones_the_id_column_is_read_without():
    from pandas._libs.parsers import STR_NA_VALUES

    assert set(NA_CELLS) == set(STR_NA_VALUES)


def test_hostile_names_and_ids_round_trip(made, tmp_path):
    rows = new_rows(m=9).drop(columns=["value"]).rename(columns=HOSTILE)
    ids = ["a,b", 'say "hi"', "new\nline", "=1+1", "NA", "007", "", " x ", "lone\rreturn"]
    rows.insert(2, 'the "id",\n', ids)
    rows.to_csv(tmp_path / "new.csv", index=False, quoting=csv.QUOTE_NONNUMERIC)
    out = tmp_path / "out.csv"
    args = ["--id", 'the "id",\n', "--out", str(out), "--proba"]
    assert predict(made, "hostile", tmp_path / "new.csv", *args) == 0
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert got.columns.tolist() == ['the "id",\n', "prediction", "proba_a", "proba_b"]
    assert got['the "id",\n'].tolist() == ids
    net = made.network("hostile")
    assert got["prediction"].tolist() == net.predict(read_table(tmp_path / "new.csv")).tolist()


def test_stdout_output_and_the_default_out_file(made, tmp_path, capsys, monkeypatch):
    new_rows(m=5).to_csv(tmp_path / "new.csv", index=False)
    assert predict(made, "cls_one", tmp_path / "new.csv", "--out", "-") == 0
    captured = capsys.readouterr()
    assert pd.read_csv(io.StringIO(captured.out)).columns.tolist() == ["line", "prediction"]
    assert "5 rows of" in captured.err and "scores on 5 rows" in captured.err
    monkeypatch.chdir(tmp_path / "..")
    assert predict(made, "cls_one", tmp_path / "new.csv") == 0
    written = tmp_path / ".." / "new.predictions.csv"
    assert written.read_text() == captured.out


def test_a_header_only_file_gives_a_header_only_output(made, tmp_path, capsys):
    new_rows().iloc[:0].to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "out.csv"
    assert predict(made, "reg_ens", tmp_path / "new.csv", "--out", str(out)) == 0
    assert out.read_text() == "line,prediction\n"
    assert capsys.readouterr().out.startswith("0 rows of")


def test_an_npz_and_a_csv_for_a_model_of_arrays(made, tmp_path, capsys):
    data = np.load(made.folder / "arrays.npz")
    x, y = data["X"][:50], data["y"][:50]
    np.savez(tmp_path / "new.npz", X=x, y=y)
    out = tmp_path / "out.csv"
    assert predict(made, "arrays", tmp_path / "new.npz", "--out", str(out), "--proba") == 0
    net = made.network("arrays")
    got = pd.read_csv(out)
    assert got["row"].tolist() == list(range(50))
    np.testing.assert_allclose(got.iloc[:, 2:].to_numpy(), net.predict_proba(x), atol=1e-15)
    assert "accuracy" in capsys.readouterr().out
    frame = pd.DataFrame(x, columns=list("abcd")).assign(target=y)  # the study's target name
    frame.insert(0, "id", [f"r{i}" for i in range(50)])
    frame.to_csv(tmp_path / "new.csv", index=False)
    args = ["--out", str(tmp_path / "csv.csv"), "--proba", "--id", "id"]
    assert predict(made, "arrays", tmp_path / "new.csv", *args) == 0
    by_csv = pd.read_csv(tmp_path / "csv.csv")
    assert by_csv["id"].tolist() == frame["id"].tolist()
    pd.testing.assert_frame_equal(by_csv.iloc[:, 1:], got.iloc[:, 1:])
    assert "accuracy" in capsys.readouterr().out


def test_best_shows_the_commands_that_use_the_model_on_stderr(made, capsys):
    assert main(["best", "reg_one", "--storage", made.storage("reg_one")]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)  # stdout is still the JSON alone
    assert "dnnsearch predict reg_one DATA.csv --storage" in captured.err
    assert "--proba" not in captured.err  # a regression has no probabilities
    assert "dnnsearch export reg_one --format onnx --out reg_one.onnx" in captured.err


def test_the_use_line_of_run_and_best_quotes_and_hides_the_password():
    from search.progress import use_line

    line = use_line("digits", "postgresql://u:secret@db/optuna", proba=True)
    assert "secret" not in line
    assert line.startswith("use:  dnnsearch predict digits DATA.csv --proba --storage ")
    assert "   dnnsearch export digits --format onnx --out digits.onnx --storage " in line


@pytest.mark.parametrize("name", ["-dash", "it's a study", "--help"])
def test_the_commands_printed_parse_back_to_the_same_study(name):
    """A name that starts with `-` comes after `--`, so that argparse does not read an option."""
    import shlex

    from search.progress import command, use_commands
    from studies.arguments import build_parser

    printed = [*use_commands(name, "other.log", proba=True), command("report", name, "", "")]
    for line in printed:
        args = build_parser().parse_args(shlex.split(line)[1:])
        assert args.name == name and args.storage in ("other.log", None), line
    assert str(build_parser().parse_args(shlex.split(printed[1])[1:]).out).endswith(name + ".onnx")


def test_an_id_that_is_also_a_feature_keeps_its_text_and_its_empty_cells(made, tmp_path):
    frame = new_rows(m=12).astype({"z": object})
    frame.loc[[3, 8], "z"] = ["NA", "n/a"]
    frame.to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "out.csv"
    assert predict(made, "reg_one", tmp_path / "new.csv", "--out", str(out), "--id", "z") == 0
    got = pd.read_csv(out, dtype={"z": str}, keep_default_na=False)
    assert (
        got["z"].tolist()
        == pd.read_csv(tmp_path / "new.csv", dtype=str, keep_default_na=False)["z"].tolist()
    )
    net = made.network("reg_one")
    np.testing.assert_allclose(
        got["prediction"], net.predict(read_table(tmp_path / "new.csv")), rtol=1e-15
    )


def test_the_probability_columns_name_each_class_once():
    from types import SimpleNamespace

    from studies.predict import output_columns

    def names(classes):
        return output_columns(SimpleNamespace(classes=np.array(classes)), "line", True)[2:]

    assert names(["a", "a ", "x,y"]) == ["proba_a", "proba_a ", "proba_x,y"]
    assert names([0.0, 1.0, 2.5]) == ["proba_0", "proba_1", "proba_2.5"]
    assert names([False, True]) == ["proba_False", "proba_True"]
