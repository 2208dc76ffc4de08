"""reports.study_report and reports.compare: the report as an object (tables, figures, inline
HTML for Jupyter) is the one path to the files that `write_report` and the CLI write."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.figure import Figure

import search
from reports import (
    ComparisonReport,
    StudyReport,
    compare,
    study_report,
    write_comparison,
    write_report,
)
from reports.render import csv_text, png_bytes
from studies.cli import main


def files(root: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(root.iterdir())}


def as_written(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as it reads back from its CSV file."""
    return pd.read_csv(io.StringIO(csv_text(frame), newline=""))


def body(path: Path) -> str:
    """The body of an HTML file, read as written (a stored \r kept, not read as a newline)."""
    found = re.search(r"<body>\n(.*)\n</body>", path.read_bytes().decode("utf-8"), re.S)
    assert found is not None
    return found[1]


def test_study_reports_tables_and_figures_are_what_write_report_writes(written):
    out = written["toy"]
    report = study_report("toy", str(written["journal"]))
    assert isinstance(report, StudyReport)
    assert {f"{name}.csv" for name in report.tables} == {p.name for p in out.glob("*.csv")}
    for name, table in report.tables.items():
        assert isinstance(table, pd.DataFrame)
        pd.testing.assert_frame_equal(as_written(table), pd.read_csv(out / f"{name}.csv"))
    assert report.tables["learned_parameters"]["n_parameters"].tolist() == [80, 136, 9, 225]
    assert {f"{name}.png" for name in report.figures} == {p.name for p in out.glob("*.png")}
    for name, figure in report.figures.items():
        assert isinstance(figure, Figure)
        assert png_bytes(figure) == (out / f"{name}.png").read_bytes()


def test_figures_are_drawn_once_and_never_held_by_pyplot(written):
    before = plt.get_fignums()
    report = study_report("toy", str(written["journal"]))
    assert report.figures is report.figures  # drawn once, on first use
    report._repr_html_()
    assert plt.get_fignums() == before  # a notebook shows none of them a second time


def test_repr_html_is_the_body_of_report_html(written):
    report = study_report("toy", str(written["journal"]))
    inline = report._repr_html_()
    assert inline == body(written["toy"] / "report.html")
    assert inline.startswith("<h1>Study toy</h1>") and "<body" not in inline
    assert inline.count('src="data:image/png;base64,') == len(report.figures)
    assert repr(report) == "StudyReport('toy': 6 trials, best accuracy 0.92)"


@pytest.mark.parametrize("valid_spec", [True, False])
def test_repr_html_escapes_a_hostile_study(journal, make_hostile_study, hostile, valid_spec):
    name = hostile.names[0] if valid_spec else hostile.names[1]
    make_hostile_study(name, valid_spec)
    report = study_report(name, journal)
    inline = report._repr_html_()
    assert inline.startswith(f"<h1>Study {html.escape(name)}</h1>")
    assert "<script" not in inline.lower() and "<img src=x" not in inline
    assert html.escape('"><img src=x onerror=alert(1)>') in inline
    assert "\n" not in repr(report) and repr(name) in repr(report)


def test_save_writes_what_the_cli_writes(written, tmp_path, capsys):
    journal = str(written["journal"])
    saved = study_report("toy", journal).save(tmp_path / "saved")
    assert saved == tmp_path / "saved"
    assert main(["report", "toy", "--storage", journal, "--out", str(tmp_path / "cli")]) == 0
    assert files(saved) == files(tmp_path / "cli") == files(written["toy"])
    assert {"report.md", "report.html", "trials.csv", "optimization_history.png"} <= set(
        files(saved)
    )


def test_save_defaults_to_the_folder_of_the_cli(written, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    journal = str(written["journal"])
    assert study_report("toy", journal).save() == Path("runs") / "toy" / "report"
    assert compare(["toy", "toy_random"], journal).save() == Path("runs/compare/toy_vs_toy_random")


def test_comparison_object_is_what_write_comparison_writes(written, tmp_path, hostile):
    journal = str(written["journal"])
    names = [*hostile.names, "toy"]
    report = compare([*names, "toy"], journal)  # a name given twice is read once
    assert isinstance(report, ComparisonReport) and report.names == names
    out = written["hostile_compare"]
    for name, table in report.tables.items():
        pd.testing.assert_frame_equal(as_written(table), pd.read_csv(out / f"{name}.csv"))
    assert list(report.figures) == ["best_so_far"]
    assert report._repr_html_() == body(out / "report.html")
    assert html.escape(hostile.names[0]) in report._repr_html_()
    assert files(report.save(tmp_path / "cmp")) == files(out)
    again = write_comparison(names, journal, tmp_path / "again")
    assert files(again) == files(out)
    assert "\n" not in repr(report) and repr(hostile.names[0]) in repr(report)


def test_a_missing_study_raises_before_anything_is_written(written, tmp_path):
    with pytest.raises(search.StorageError):
        study_report("nope", str(written["journal"]))
    with pytest.raises(search.StorageError):
        compare(["toy", "nope"], str(written["journal"]))
    with pytest.raises(search.StorageError):
        write_report("nope", str(written["journal"]), tmp_path / "out")
    assert not (tmp_path / "out").exists()
