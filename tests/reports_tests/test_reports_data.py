"""reports.data: the data section of a report, from the data summary a run stores with a study.

The hostile studies of conftest store a summary whose every string is hostile: the checks of
test_reports_hostile (HTML tags, Markdown table shapes, CSV formulas) cover its tables too.
"""

from __future__ import annotations

import copy
import html
import math

import pandas as pd
import pytest

from reports import study_report
from reports.data import categories_text
from search.summary import DataSummary, DataSummaryError


def test_data_table_and_class_balance(written):
    out = written["toy"]
    data = pd.read_csv(out / "data.csv", keep_default_na=False)
    assert data.columns.tolist() == [
        "column",
        "kind",
        "missing",
        "categories",
        "pooled",
        "width",
        "reason",
    ]
    assert data["column"].tolist() == ["age", "city", "sex", "id"]
    assert data["kind"].tolist() == ["numeric", "categorical", "categorical", "dropped"]
    assert data["missing"].tolist() == [3, 0, 1, 0]
    assert data["width"].tolist() == [1, 26, 2, 0]
    assert data["categories"].tolist()[1:3] == [
        "c00, c01, c02, c03, c04, c05, c06, c07, c08, c09 and 15 more",
        "f, m",
    ]
    assert data["reason"].tolist()[3] == "an identifier: every value differs"
    target = pd.read_csv(out / "target.csv")
    assert target.to_dict("list") == {
        "class": ["no", "yes"],
        "count": [30, 10],
        "share": [0.75, 0.25],
    }


def test_data_section_in_markdown_and_html(written):
    markdown = (written["toy"] / "report.md").read_text(encoding="utf-8")
    page = (written["toy"] / "report.html").read_text(encoding="utf-8")
    for text in (markdown, page):
        assert "A classification: 40 examples for training and validation" in text
        assert "one 20% validation split" in text and "10 test examples" in text
        assert "n_x = 29" in text
    assert markdown.index("## Data") < markdown.index("## Hyperparameters")
    assert "| city | categorical | 0 | c00, c01" in markdown
    assert "<td>yes</td><td>10</td><td>0.25</td>" in page


def test_a_study_without_a_summary_says_so_and_writes_no_data_table(written):
    out = written["none"]
    assert "No summary of the data is stored" in (out / "report.md").read_text(encoding="utf-8")
    assert not (out / "data.csv").exists() and not (out / "target.csv").exists()


def test_numeric_arrays_without_column_names(journal, make_study, make_summary):
    make_study("digits", summary={**make_summary(), "columns": []})
    report = study_report("digits", journal)
    assert report.tables["data"].empty and report.tables["target"]["count"].sum() == 40
    assert "Numeric arrays without column names" in report.markdown()


def test_regression_target(journal, make_study, make_summary):
    make_study("prices", summary=make_summary("regression"))
    report = study_report("prices", journal)
    target = report.tables["target"]
    assert target.to_dict("records") == [
        {"target": "price", "mean": 2.5, "std": 0.5, "min": 1.0, "max": 4.0}
    ]
    assert "A regression: 40 examples" in report.markdown()
    assert "its mean, spread and range" in report.markdown()


def test_comparison_has_a_row_of_data_per_study(written):
    data = pd.read_csv(written["compare"] / "data.csv")
    assert data["study"].tolist() == ["toy", "toy_random", "none_complete"]
    assert data["task"].tolist() == ["classification"] * 3  # from the spec without a summary
    assert data["examples"].tolist()[0] == 40 and math.isnan(data["examples"][1])
    assert data["n_x"].tolist()[0] == 29 and math.isnan(data["n_x"][2])
    assert "## Data of each study" in (written["compare"] / "report.md").read_text("utf-8")


def test_hostile_summary_is_escaped(written, hostile):
    out = written["hostile"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f"scored by {html.escape(hostile.texts[0])}" in page
    data = pd.read_csv(out / "data.csv", keep_default_na=False)
    assert data["column"].tolist()[:2] == list(hostile.texts[:2])
    assert data["column"].tolist()[3] == f"'{hostile.texts[3]}"  # a formula, neutralized
    assert data["categories"][0].endswith(f" and {len(hostile.texts) - 10} more")
    assert len(pd.read_csv(out / "target.csv")) == len(hostile.texts)


def mutated(summary: dict, path: tuple, value: object) -> dict:
    changed = copy.deepcopy(summary)
    place = changed
    for key in path[:-1]:
        place = place[key]
    if value is KeyError:
        del place[path[-1]]
    else:
        place[path[-1]] = value
    return changed


BAD = [
    (("task",), "image", "task is not one of classification, regression"),
    (("examples",), -1, "examples is not a count"),
    (("examples",), True, "examples is not a count"),
    (("n_x",), 2.5, "n_x is not a count"),
    (("test_examples",), KeyError, "test_examples is missing"),
    (("validation",), ["x"], "validation is not text"),
    (("columns",), "age", "columns is not a list"),
    (("columns", 1), "city", "columns[1] is not a mapping"),
    (("columns", 1, "kind"), "<b>", "columns[1].kind is not one of numeric, categorical, dropped"),
    (("columns", 1, "categories", 3), 3, "columns[1].categories[3] is not text"),
    (("columns", 2, "width"), None, "columns[2].width is not a count"),
    (("columns", 3, "reason"), 1, "columns[3].reason is not text"),
    (("target",), None, "target is not a mapping"),
    (("target", "classes", "yes"), "10", "target.classes[1] is not a count"),
    (("target", "classes"), KeyError, "target.classes is missing"),
]


@pytest.mark.parametrize(("path", "value", "message"), BAD)
def test_a_malformed_summary_names_its_first_bad_field(make_summary, path, value, message):
    with pytest.raises(DataSummaryError) as raised:
        DataSummary.read(mutated(make_summary(), path, value))
    assert str(raised.value) == message


def test_a_summary_is_read_whole_and_unknown_keys_are_ignored(make_summary):
    assert DataSummary.read(None) is None
    summary = DataSummary.read({**make_summary(), "later": {"x": 1}})
    assert summary is not None and summary.classes == {"no": 30, "yes": 10}
    assert [c.width for c in summary.columns] == [1, 26, 2, 0]
    with pytest.raises(DataSummaryError, match="target.mean is missing"):
        DataSummary.read(mutated(make_summary("regression"), ("target", "mean"), KeyError))
    with pytest.raises(DataSummaryError, match="the data summary is not a mapping"):
        DataSummary.read(["task"])


def test_a_malformed_summary_leaves_the_section_out_with_a_note(
    journal, make_study, make_summary, tmp_path
):
    make_study("bad", summary=mutated(make_summary(), ("columns", 0, "missing"), "<b>3</b>"))
    out = study_report("bad", journal).save(tmp_path / "bad")
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "The stored data summary is not readable (columns\\[0\\].missing is not a count)" in (
        markdown
    )
    assert not (out / "data.csv").exists() and (out / "trials.csv").exists()


def test_categories_text():
    assert categories_text([]) == ""
    assert categories_text(["a", "b"]) == "a, b"
    assert categories_text([str(k) for k in range(12)], limit=10).endswith("8, 9 and 2 more")
