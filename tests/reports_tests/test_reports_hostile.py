"""Reports of studies whose stored strings are hostile: nothing from the storage becomes markup.

The studies (conftest's `build_hostile_study`, with the strings of its `HOSTILE`) hold HTML,
Markdown structure, line breaks, spreadsheet formulas and broken mathtext in their names, data
set, description, metric, sampler, pruner, categorical parameters, stored activations, and fail
and pruned reasons.
"""

from __future__ import annotations

import csv
import html
import math
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.cbook import is_math_text

import search
from reports import figures, learned_parameters_table, write_comparison, write_report
from reports.escape import csv_cell, figure_label, markdown_code, markdown_text
from reports.files import write_files
from reports.render import markdown_table
from reports.tables import best_values_table
from studies.cli import main

REPORTS = ("hostile", "hostile_invalid", "hostile_ensemble", "hostile_compare")
# conftest's MARKUP_NAMES (and `compare`): hostile studies whose names reach their storage paths
MARKUP = (
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "[x](javascript:alert(1))",
    "a`b``c | d",
    "compare",
)
# Unicode's explicit bidirectional formatting characters: they reorder the text shown around them
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
HTML_TAGS = {
    "html": {"lang"},
    "head": set(),
    "meta": {"charset"},
    "title": set(),
    "style": set(),
    "body": set(),
    "h1": set(),
    "h2": set(),
    "p": set(),
    "strong": set(),
    "code": set(),
    "div": {"class"},
    "table": {"class"},
    "thead": set(),
    "tbody": set(),
    "tr": set(),
    "th": set(),
    "td": set(),
    "figure": {"id"},
    "img": {"alt", "src"},
    "figcaption": set(),
}
FORMULA = ("=", "+", "-", "@", "\t", "\r")


class Page(HTMLParser):
    """Every tag and attribute of a page, and its title text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def folder(written: dict[str, Path], markup_written: dict[str, Path], report: str) -> Path:
    """The folder of a report of conftest's `written` or `markup_written`."""
    return markup_written[report] if report in MARKUP else written[report]


def parse_page(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def markdown_cells(line: str) -> list[str]:
    """The cells of a GFM table row, split at the `|` that are not backslash-escaped."""
    cells, cell, escaped = [], "", False
    for char in line.strip()[1:-1]:
        if char == "|" and not escaped:
            cells.append(cell)
            cell = ""
        else:
            cell += char
        escaped = char == "\\" and not escaped
    return [*cells, cell]


def markdown_tables(text: str) -> list[list[str]]:
    """Each run of consecutive lines that start with `|`."""
    tables: list[list[str]] = []
    previous = False
    for line in text.splitlines():
        row = line.startswith("|")
        if row and not previous:
            tables.append([])
        if row:
            tables[-1].append(line)
        previous = row
    return tables


def unescaped(text: str, chars: str) -> list[str]:
    """The characters of `chars` in Markdown `text` that no backslash escapes."""
    return [token for token in re.findall(r"\\.|.", text, re.S) if token in chars]


def literal(escaped: str) -> str:
    """Markdown text as it reads: its backslash escapes undone."""
    return re.sub(r"\\(.)", r"\1", escaped)


def one_line(text: str) -> str:
    """`text` as the reports show it: each run of line breaks, other controls and bidi controls
    as one space, no space at the ends."""
    controls = "\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    return re.sub(f"[{controls}]+", " ", text).strip()


# HTML -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("report", [*REPORTS, *MARKUP])
def test_html_has_only_the_reports_own_tags_and_attributes(written, markup_written, report):
    text = (folder(written, markup_written, report) / "report.html").read_text(encoding="utf-8")
    assert "<script" not in text.lower() and "<img src=x" not in text
    page = parse_page(text)
    for tag, attrs in page.tags:
        assert tag in HTML_TAGS, tag
        assert set(attrs) <= HTML_TAGS[tag], (tag, attrs)
        if tag == "img":
            assert (attrs["src"] or "").startswith("data:image/png;base64,")


def test_html_keeps_stored_text_readable(written, hostile):
    text = (written["hostile"] / "report.html").read_text(encoding="utf-8")
    name = hostile.names[0]
    assert parse_page(text).title == f"Study {name}"
    assert f"<h1>Study {html.escape(name)}</h1>" in text
    for stored in hostile.texts[:3]:  # the best trial's stored activations
        assert f"<td>{html.escape(stored)}</td>" in text
    assert html.escape('"><img src=x onerror=alert(1)>') in text


# Markdown -------------------------------------------------------------------------------------


@pytest.mark.parametrize("report", REPORTS)
def test_markdown_tables_keep_their_shape(written, report):
    text = (written[report] / "report.md").read_text(encoding="utf-8")
    tables = markdown_tables(text)
    assert tables
    for table in tables:
        width = len(markdown_cells(table[1]))
        assert set(markdown_cells(table[1])) == {" --- "}
        for line in table:
            assert line.startswith("| ") and line.endswith(" |"), line
            assert len(markdown_cells(line)) == width, line
            assert not unescaped(line, "<>[]`*_&$#"), line


def headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("#")]


def test_markdown_rows_and_headings_stay_on_one_line(written, hostile):
    text = (written["hostile"] / "report.md").read_text(encoding="utf-8")
    rows = {markdown_cells(table[0])[0].strip(): len(table) - 2 for table in markdown_tables(text)}
    assert (rows["study"], rows["layer"], rows["number"]) == (1, 4, 6)
    assert text.splitlines()[0] == "# " + markdown_text(f"Study {hostile.names[0]}")
    toy = (written["toy"] / "report.md").read_text(encoding="utf-8")
    assert len(headings(text)) == len(headings(toy))  # none comes from the storage
    compare = (written["hostile_compare"] / "report.md").read_text(encoding="utf-8")
    first = compare.splitlines()[0]
    assert first.startswith("# Comparison: ") and not unescaped(first[2:], "<>[]`*_&$#|")


def test_markdown_overview_shows_the_data_set_literally(written, hostile):
    text = (written["hostile"] / "report.md").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("Data set "))
    dataset = one_line(" ".join(hostile.texts))  # holds `<`: escaped text, not a code span
    assert line.startswith(f"Data set {markdown_text(dataset)}, maximize")
    assert literal(markdown_text(dataset)) == dataset
    toy = (written["toy"] / "report.md").read_text(encoding="utf-8")
    assert "Data set `toy`, maximize" in toy  # plain text stays a code span


@pytest.mark.parametrize("report", [*REPORTS, *MARKUP])
def test_markdown_holds_no_tag_and_no_link_from_stored_text(written, markup_written, report):
    """No `<` or `>` that a backslash does not escape (a code span cannot escape: stored text
    that holds one is never put in a code span), and no `](` but the report's figure links."""
    text = (folder(written, markup_written, report) / "report.md").read_text(encoding="utf-8")
    assert not unescaped(text, "<>"), report
    assert not re.findall(r"\]\((?![a-z_]+\.png\))", text), report
    assert "<img" not in text.replace("\\<", "") and "<svg" not in text.replace("\\<", "")


def test_a_hostile_study_name_in_the_storage_path_is_escaped(markup_written, hostile):
    for name in hostile.markup_names:
        text = (markup_written[name] / "report.md").read_text(encoding="utf-8")
        line = next(line for line in text.splitlines() if line.startswith("Data set "))
        shown = literal(line[line.index("Storage: ") + len("Storage: ") :]).strip("` .")
        assert shown.endswith(f"{name}/journal.log"), line


@pytest.mark.parametrize("report", [*REPORTS, *MARKUP])
def test_no_bidi_control_reaches_markdown_or_html(written, markup_written, report):
    for page in ("report.md", "report.html"):
        text = (folder(written, markup_written, report) / page).read_text(encoding="utf-8")
        assert not BIDI.search(text), (report, page)


def test_markdown_text_is_one_literal_line(hostile):
    for text in [*hostile.texts, *hostile.names, "\\|x", "1. item", "+ item", "a\\", ""]:
        escaped = markdown_text(text)
        assert "\n" not in escaped and "\r" not in escaped
        assert not unescaped(escaped, "|<>[]`*_&$#~\\"), text
        assert not re.match(r"[-+=]|\d+[.)]", escaped), text  # no list or setext underline
        assert literal(escaped) == one_line(text)
        assert "](" not in escaped and not BIDI.search(escaped), text


def test_markdown_table_escapes_text_not_numbers():
    frame = pd.DataFrame({"n_1": [-0.5, np.int64(-3)], "x|y": ["-0.5", "a\nb|c"]}, dtype=object)
    assert markdown_table(frame).splitlines() == [
        "| n\\_1 | x\\|y |",
        "| --- | --- |",
        "| -0.5 | \\-0.5 |",
        "| -3 | a b\\|c |",
    ]


def test_markdown_code_fence_is_longer_than_any_backtick_run():
    for text in ("`code`", "a``b", "``", "x", " y ", ""):
        span = markdown_code(text)
        fence = re.match("`+", span)
        assert fence is not None and span.endswith(fence[0])
        assert len(fence[0]) > max(map(len, re.findall("`+", text)), default=0)
        assert span[len(fence[0]) : -len(fence[0])] in (text, f" {text} ")


# CSV ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("report", REPORTS)
def test_no_csv_cell_starts_a_formula(written, report):
    files = sorted(written[report].glob("*.csv"))
    assert files
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    if cell.startswith(FORMULA):  # only numbers may: -0.5, not -2+3
                        assert cell.startswith("-") and not math.isnan(float(cell)), (path, cell)


def test_csv_neutralizes_stored_strings_and_keeps_numbers(written, hostile):
    out = written["hostile"]
    texts, names = hostile.texts, hostile.names
    trials = pd.read_csv(out / "trials.csv")
    assert trials["value"].dtype == float and trials["value"].tolist()[:3] == [0.9, -0.5, 0.5]
    assert trials["train_accuracy"].min() == -2.0
    assert trials["params_activation"].tolist()[1:3] == [f"'{texts[3]}", f"'{texts[4]}"]
    assert trials["fail_reason"].tolist()[4] == f"'{texts[3]}\n# heading"
    assert trials["pruned_reason"].tolist()[3] == f"'@SUM(A1)\n{texts[0]}"
    assert f"params_{hostile.param}" in trials.columns
    summary = pd.read_csv(out / "summary.csv").iloc[0]
    assert summary["study"] == f"'{names[0]}" and summary["test_accuracy"] == -1.0
    learned = pd.read_csv(out / "learned_parameters.csv")
    assert learned["activation"].tolist()[:3] == list(texts[:3])  # nothing to neutralize
    header = (written["hostile_compare"] / "best_hyperparameters.csv").read_text().splitlines()[0]
    assert header.split(",")[:2] == ["name", f"'{names[0]}"]


@pytest.mark.parametrize("report", ["hostile_ensemble", "hostile_invalid"])
def test_the_final_ensembles_section_escapes_stored_text(written, hostile, report):
    """Members 0 and 2 of a hostile study: hostile activations (trial 0 stored HOSTILE[:3] as
    its layers'), a hostile parameter, and (with the invalid spec) a hostile metric."""
    texts, out = hostile.texts, written[report]
    members = pd.read_csv(out / "ensemble.csv")
    assert members["trial"].tolist() == [0, 2] and members["weight"].tolist() == [0.75, 0.25]
    assert members["params_activation"].tolist() == [texts[7], f"'{texts[4]}"]
    assert members[f"params_{hostile.param}"].tolist() == [texts[7], f"'{texts[4]}"]
    parameters = pd.read_csv(out / "ensemble_parameters.csv")
    assert parameters["activation"].tolist()[:3] == list(texts[:3])
    page = (out / "report.html").read_text(encoding="utf-8")
    part = page[page.index("<h2>The final model") : page.index("<h2>Figures</h2>")]
    for stored in (*texts[:3], texts[7]):
        assert f"<td>{html.escape(stored)}</td>" in part
    markdown = (out / "report.md").read_text(encoding="utf-8")
    text = markdown[markdown.index("## The final model") : markdown.index("## Figures")]
    assert f"| {markdown_text(texts[0])} | 40 |" in text
    assert not unescaped(text, "<>$")


def test_csv_cell():
    assert [csv_cell(v) for v in ("=1", "+1", "-x", "@a", "\tx", "\rx", "a=1", "")] == [
        "'=1",
        "'+1",
        "'-x",
        "'@a",
        "'\tx",
        "'\rx",
        "a=1",
        "",
    ]
    assert [csv_cell(v) for v in (-2.5, -3, None)] == [-2.5, -3, None]
    assert csv_cell(["=1", "-2"]) == '["=1", "-2"]'


# Figures --------------------------------------------------------------------------------------


def test_figure_labels_never_parse_as_mathtext(hostile):
    names = [*hostile.texts, *hostile.names, "x" * 300]
    data = figures.CompareData(
        [figures.StudyCurve(name, [0.0, 1.0], [0.5, 0.6]) for name in names], "$x^$"
    )
    figure = figures.plot_compare(data)
    figure.canvas.draw()  # mathtext would raise on $\frac{a}$ and $x^$
    ax = figure.axes[0]
    texts = [ax.yaxis.label, *ax.get_legend().get_texts()]
    assert not any(is_math_text(t.get_text()) for t in texts)
    shown = [t.get_text().replace("\\$", "$") for t in texts[1:]]
    assert len(shown) == len(names)  # a name starting with `_` is not dropped
    assert shown[-1] == "x" * 39 + "…"
    assert all("\n" not in t and len(t) <= 41 for t in shown)


def test_figure_label():
    assert figure_label("$\\frac{a}$") == "\\$\\frac{a}\\$"
    assert figure_label("a\nb\tc") == "a b c"
    assert figure_label("_x") == " _x"
    assert figure_label("y" * 50, 10) == "y" * 9 + "…"


def test_parallel_and_importance_with_hostile_names(hand_made, hostile):
    trials, _ = hand_made
    activations = [hostile.texts[6], hostile.texts[7], "relu", "relu", hostile.texts[8]]
    data = figures.parallel_data(trials.assign(params_activation=activations), "$x^$")
    assert "activation" in data.axes
    figures.plot_parallel(data).canvas.draw()
    names = [hostile.texts[7], "y" * 60, "y" * 61]  # two names that shorten alike: two bars
    figure = figures.plot_importance(figures.ImportanceData(names, [0.1, 0.3, 0.6]))
    figure.canvas.draw()
    ax = figure.axes[0]
    assert len(ax.patches) == 3 and len(ax.get_yticklabels()) == 3


def test_report_figures_never_reach_tex(journal, tmp_path, make_hostile_study, hostile):
    make_hostile_study(hostile.names[0])
    with matplotlib.rc_context({"text.usetex": True}):  # a user's matplotlibrc, say
        out = write_report(hostile.names[0], journal, tmp_path / "out")
    assert list(out.glob("*.png")) and (out / "report.html").exists()


# Files and tables -----------------------------------------------------------------------------


def tree(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}


@pytest.mark.parametrize("valid_spec", [True, False])
def test_write_report_writes_only_inside_its_folder(
    journal, tmp_path, monkeypatch, make_hostile_study, hostile, valid_spec
):
    monkeypatch.chdir(tmp_path)  # the default folder is relative: runs/<name>/report
    name = hostile.names[0] if valid_spec else hostile.names[1]
    make_hostile_study(name, valid_spec)
    before = tree(tmp_path)
    out = write_report(name, journal)  # the default folder: runs/<name>/report
    assert out.resolve() == (tmp_path / "runs" / name / "report").resolve()
    after = tree(tmp_path)
    changed = {path for path in after if before.get(path) != after[path]}
    assert set(before) <= set(after)
    assert changed == {path for path in after if path.parent.resolve() == out.resolve()}
    assert {path.name for path in changed} >= {"report.md", "report.html", "trials.csv"}


def test_comparison_of_hostile_studies_and_one_called_name(
    journal, tmp_path, make_study, make_hostile_study, hostile
):
    make_study("name")
    for name in hostile.names:
        make_hostile_study(name)
    out = write_comparison(["name", *hostile.names], journal, tmp_path / "cmp")
    best = pd.read_csv(out / "best_hyperparameters.csv")
    assert len(best.columns) == 1 + 1 + len(hostile.names)  # read back as name, name.1, ...
    table = pd.DataFrame({"name": ["a"], "best_value": [1.0]})
    assert list(best_values_table({"name": table, "x": table}).columns) == ["name", "name", "x"]


def test_learned_parameters_ignore_stored_layer_dims_that_are_not_sizes(hand_made):
    trials, info = hand_made
    assert len(learned_parameters_table(trials, info)) == 4  # [4, 5, 4, 1] and the total
    for dims in (["<script>", 4, 1], [4, 2.5, 1], [4, True, 1], [4, -1, 1], "4,1"):
        hostile = trials.assign(layer_dims=[dims] * len(trials))
        assert learned_parameters_table(hostile, info).empty


def test_csv_quotes_a_cell_with_a_carriage_return(tmp_path):
    frame = pd.DataFrame({"a": ["\r=1+1", "x\ry"], "b": [1.5, 2.0]})  # no \n, quote or comma
    out = write_files(tmp_path, "t", [], {"t": frame})
    with (out / "t.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["a", "b"], ["'\r=1+1", "1.5"], ["x\ry", "2.0"]]


# Links planted in a report's folder ------------------------------------------------------------

REPORT_FILES = ("report.md", "report.html", "summary.csv", "trials.csv", "learning_rate.png")


def plant(folder: Path, victims: Path, kind: str) -> dict[Path, bytes]:
    """A link at each of REPORT_FILES in `folder` to a file of `victims` (a symbolic link, a
    dangling one, or a hard link): what each victim holds before the report (or nothing)."""
    folder.mkdir(parents=True)
    victims.mkdir()
    before = {}
    for name in REPORT_FILES:
        victim = victims / f"victim-{name}"
        if kind != "dangling":
            victim.write_bytes(b"keep me")
            before[victim] = b"keep me"
        (os.link if kind == "hard" else os.symlink)(victim, folder / name)
    return before


@pytest.mark.parametrize("kind", ["symbolic", "dangling", "hard"])
def test_report_writes_no_file_through_a_link_planted_at_its_path(
    journal, tmp_path, monkeypatch, make_study, kind
):
    monkeypatch.chdir(tmp_path)  # the default folder: runs/toy/report
    make_study("toy")
    victims = tmp_path / "victims"
    before = plant(tmp_path / "runs" / "toy" / "report", victims, kind)
    out = write_report("toy", journal)
    assert {path: path.read_bytes() for path in victims.iterdir()} == before
    for name in REPORT_FILES:
        assert not (out / name).is_symlink() and (out / name).stat().st_nlink == 1, name
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# Study toy")
    assert not list(out.glob(".*"))  # no file left half written


def test_comparison_writes_no_file_through_a_link(journal, tmp_path, make_study):
    make_study("toy")
    make_study("other")
    victims = tmp_path / "victims"
    before = plant(tmp_path / "cmp", victims, "symbolic")
    out = write_comparison(["toy", "other"], journal, tmp_path / "cmp")
    assert {path: path.read_bytes() for path in victims.iterdir()} == before
    assert not (out / "report.md").is_symlink()


@pytest.mark.parametrize("command", ["report", "compare"])
def test_a_report_folder_that_is_a_symbolic_link_is_refused(
    journal, tmp_path, monkeypatch, make_study, capsys, command
):
    monkeypatch.chdir(tmp_path)
    make_study("toy")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    folder = tmp_path / "runs" / "toy" / "report"
    folder.parent.mkdir(parents=True)
    folder.symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(search.StorageError, match="is a symbolic link; refusing to write"):
        write_report("toy", journal) if command == "report" else write_comparison(
            ["toy"], journal, folder
        )
    argv = ["report", "toy"] if command == "report" else ["compare", "toy", "--out", str(folder)]
    assert main([*argv, "--storage", journal]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "is a symbolic link" in error
    assert not list(elsewhere.iterdir())
