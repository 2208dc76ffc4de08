"""reports.build: report and comparison files for small stored studies (built by hand)."""

from __future__ import annotations

import base64
import math
import re

import pandas as pd
import pytest

import search
from reports import write_comparison, write_report
from reports.blocks import Stored
from reports.render import format_cell, html_paragraphs, markdown_table

STUDY_FIGURES = {
    "optimization_history",
    "learning_curves",
    "importance",
    "parallel_coordinates",
    "learning_rate",
    "accuracy_vs_parameters",
}
STUDY_CSVS = {"summary", "hyperparameters", "learned_parameters", "trials", "learning_curves"}


def embedded_images(text: str) -> list[bytes]:
    return [base64.b64decode(b) for b in re.findall(r'src="data:image/png;base64,([^"]+)"', text)]


def test_report_files(written):
    out = written["toy"]
    names = {p.name for p in out.iterdir()}
    assert {"report.md", "report.html"} <= names
    assert {f"{name}.png" for name in STUDY_FIGURES} <= names
    assert {f"{name}.csv" for name in STUDY_CSVS} <= names


def test_html_is_self_contained_and_embeds_every_figure(written):
    out = written["toy"]
    text = (out / "report.html").read_text(encoding="utf-8")
    images = embedded_images(text)
    pngs = sorted(out.glob("*.png"))
    assert len(images) == len(pngs) == len(STUDY_FIGURES)
    assert {p.read_bytes() for p in pngs} == set(images)
    assert all(image.startswith(b"\x89PNG") for image in images)
    assert not re.search(r'(src|href)="(?!data:)', text)  # nothing to fetch


def test_report_text_and_tables(written):
    markdown = (written["toy"] / "report.md").read_text(encoding="utf-8")
    html = (written["toy"] / "report.html").read_text(encoding="utf-8")
    for text in (markdown, html):
        assert "Parameters" in text and "Hyperparameters" in text and "gradient descent" in text
        assert "(16, 4)" in text and "225" in text  # W[1] of the best network, its total
    for name in STUDY_FIGURES:
        assert f"]({name}.png)" in markdown
    assert html.index("gradient descent") < html.index("<table")


def test_csvs(written):
    out = written["toy"]
    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == 6 and set(trials["state"]) == {"COMPLETE", "PRUNED", "FAIL"}
    learned = pd.read_csv(out / "learned_parameters.csv")
    assert learned["n_parameters"].tolist() == [80, 136, 9, 225]
    summary = pd.read_csv(out / "summary.csv").iloc[0]
    assert (summary["complete"], summary["pruned"], summary["failed"]) == (4, 1, 1)
    assert summary["test_accuracy"] == 0.9


def test_a_report_says_where_each_trial_stopped(written):
    """With early stopping the curves' caption says what the dots mark and trials.csv has each
    trial's best iteration; a study stored without it keeps its caption and columns."""
    stopped = (written["stopped"] / "report.md").read_text(encoding="utf-8")
    toy = (written["toy"] / "report.md").read_text(encoding="utf-8")
    assert "A dot marks each trial's best report on validation" in stopped
    assert "until 10 reports in a row had not beaten it" in stopped and "A dot" not in toy
    assert "| best\\_iteration | pruned\\_at |" in stopped
    trials = pd.read_csv(written["stopped"] / "trials.csv")
    assert trials["best_iteration"].tolist()[:2] == [50, 100]
    assert "best_iteration" not in pd.read_csv(written["toy"] / "trials.csv")


def test_report_without_complete_trials(written):
    out = written["none"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "No complete trial yet" in html
    assert len(embedded_images(html)) == len(list(out.glob("*.png")))
    assert pd.read_csv(out / "summary.csv").iloc[0]["pruned"] == 1


def test_comparison(written):
    out = written["compare"]
    table = pd.read_csv(out / "comparison.csv")
    assert table["study"].tolist() == ["toy", "toy_random", "none_complete"]
    assert table["sampler"].tolist() == ["tpe", "random", "tpe"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert embedded_images(html) == [(out / "best_so_far.png").read_bytes()]
    assert list(pd.read_csv(out / "best_hyperparameters.csv").columns) == ["name", *table["study"]]


def test_missing_study(written, tmp_path):
    with pytest.raises(search.StorageError):
        write_report("nope", str(written["journal"]), tmp_path / "out")
    with pytest.raises(search.StorageError):
        write_comparison(["toy", "nope"], str(written["journal"]), tmp_path / "cmp")
    assert not (tmp_path / "out").exists() and not (tmp_path / "cmp").exists()


def test_cells_markdown_and_html_text():
    assert [format_cell(v) for v in (math.nan, None, 16.0, 0.012345, "relu", 3)] == [
        "",
        "",
        "16",
        "0.01235",
        "relu",
        "3",
    ]
    frame = pd.DataFrame({"name": ["a|b"], "value": [math.nan]})
    assert markdown_table(frame).splitlines() == [
        "| name | value |",
        "| --- | --- |",
        "| a\\|b |  |",
    ]
    assert (
        html_paragraphs(["**W** `x<y`\n\nnext ", Stored("**a**\n\n`b`", code=True)])
        == "<p><strong>W</strong> <code>x&lt;y</code></p>\n<p>next <code>**a** `b`</code></p>"
    )
