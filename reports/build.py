"""Write a study's report (or a comparison of studies) as files: md, self-contained html, csv, png.

A report is first a list of blocks (headings, text, tables, figures), then rendered twice:
as Markdown beside its PNG files, and as one HTML file with the figures embedded as base64
data URIs, readable offline. Reports read the storage only; they never train.

Everything read from the storage is untrusted (someone else may have written it): each
renderer escapes it where it enters its document (`reports.escape`). Titles, headings and
table cells are escaped whole (numbers excepted); a paragraph keeps the report's own text,
with its `**bold**` and `code` markup, apart from the stored text inside it (`Stored`).
"""

from __future__ import annotations

import base64
import math
import numbers
import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from io import BytesIO
from pathlib import Path
from typing import Any, NamedTuple

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from reports import data as dat
from reports import figures as fig
from reports import tables as tab
from reports.escape import csv_cell, html_text, markdown_code, markdown_text, one_line
from reports.load import StudyData, StudyInfo
from search.summary import DataSummary, DataSummaryError

DPI = 100

INTRO = """\
**Parameters** are the numbers the network learns: the weights W[l] and biases b[l] of each
layer l. Training sets them, inside each trial, by gradient descent: forward propagation
computes the cost J, backward propagation its gradients dW[l] and db[l], and every iteration
moves W[l] := W[l] - α dW[l] (and b[l] likewise). Nobody picks them by hand.

**Hyperparameters** are the choices that decide how the parameters are learned and how many
there are: the learning rate α, the number of iterations, the number of hidden layers L - 1,
the units n[l] and activation g[l] of each layer, the optimizer, the mini-batch size, the
regularization λ and the initialization. They are chosen outside training, before it starts,
by the search: the sampler proposes one combination per trial, a network is trained with it,
and its validation score guides the next proposals, while the pruner stops unpromising trials
early. Each trial is one turn of the loop idea, code, experiment.

Trials are compared on the validation set; the test set scores the best trial once, at the
end, so that its {score} is not flattered by the search."""


def intro(tasks: Iterable[str]) -> str:
    """The introduction, saying "accuracy" only when every study is a classification."""
    return INTRO.format(score="accuracy" if set(tasks) <= {"classification"} else "score")


COLUMNS_TEXT = (
    "Each column as read: its inferred kind, its missing cells, the categories kept (rare ones "
    "pooled into one), and the number of inputs n_x it is encoded as."
)

CAPTIONS = {
    "optimization_history": "Each complete trial's value and the best value so far.",
    "learning_curves": "Cost and validation metric against the iteration: the best trials, "
    "and pruned trials in gray (stopped early by the pruner).",
    "importance": "How much each tuned hyperparameter explains the value (Optuna's default "
    "evaluator).",
    "parallel_coordinates": "Every complete trial across the tuned hyperparameters, each axis "
    "scaled to [0, 1], colored by its value.",
    "learning_rate": "The learning rate α against the value (log axis).",
    "accuracy_vs_parameters": "Validation accuracy against the number of learned parameters, "
    "colored by depth: deep and narrow against shallow and wide.",
    "value_vs_parameters": "Each trial's value against the number of learned parameters, "
    "colored by depth: deep and narrow against shallow and wide.",
    "predictions": "The best network's predictions on the test data against the true values; "
    "on the red line y = x they would be exact.",
    "residuals": "Residuals (actual - predicted) of the best network on the test data against "
    "its predictions: a slope or a funnel is a pattern the network missed.",
    "best_so_far": "Best value so far of each study against wall time since its first trial.",
}


class Stored(NamedTuple):
    """Text read from the storage, inside a paragraph: escaped by each renderer, never markup."""

    text: str
    code: bool = False


Piece = str | Stored  # a str is the report's own text, with `**bold**` and `code` markup


class Block(NamedTuple):
    """One piece of a report: `heading` (text), `text` (a paragraph's pieces), `table` (a
    DataFrame) or `figure` (text: its file name, without .png)."""

    kind: str
    text: str = ""
    frame: pd.DataFrame | None = None
    image: bytes = b""
    pieces: tuple[Piece, ...] = ()


def paragraph(*pieces: Piece) -> Block:
    """A text block: the report's own text and, as `Stored`, text read from the storage."""
    return Block("text", pieces=pieces)


def fill(template: str, **values: Piece) -> Block:
    """A paragraph of the report's own `template` with each `{key}` replaced by a piece."""
    pieces: list[Piece] = []
    for literal, key, _, _ in string.Formatter().parse(template):
        pieces.append(literal)
        if key is not None:
            pieces.append(values[key])
    return paragraph(*pieces)


# Cells and tables -----------------------------------------------------------------------------


def format_cell(value: Any) -> str:
    """A table cell as text: NaN empty, whole floats as integers, other floats to 4 digits."""
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, float | int) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            return ""
        if float(value).is_integer() and abs(value) < 1e12:
            return str(int(value))
        return f"{value:.4g}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def is_number(value: Any) -> bool:
    """A real number (numpy's too), not a bool: a cell that needs no escaping."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def rows_of(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    return list(frame.astype(object).itertuples(index=False, name=None))


def markdown_cell(value: Any) -> str:
    """A cell as Markdown: a number as formatted, anything else escaped (it may be stored text)."""
    text = format_cell(value)
    return text if is_number(value) else markdown_text(text)


def markdown_table(frame: pd.DataFrame) -> str:
    """A GFM table: one line per row, as many cells as columns in every row."""
    rows = [[markdown_text(str(c)) for c in frame.columns], ["---"] * len(frame.columns)]
    rows += [[markdown_cell(value) for value in row] for row in rows_of(frame)]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def html_table(frame: pd.DataFrame) -> str:
    """An HTML table, every header and cell escaped."""
    head = "".join(f"<th>{html_text(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html_text(format_cell(v))}</td>" for v in row) + "</tr>\n"
        for row in rows_of(frame)
    )
    table = (
        f'<table class="table">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>'
    )
    return f'<div class="scroll">{table}</div>'


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists and dicts as JSON text, and no header or cell a spreadsheet would run (`csv_cell`)."""
    safe = frame.astype(object).map(csv_cell) if not frame.empty else frame.copy()
    safe.columns = [csv_cell(c) for c in frame.columns]
    return safe


def csv_text(frame: pd.DataFrame) -> str:
    """A table as CSV text, safe (`csv_frame`), with RFC 4180's CRLF between rows: Python's
    writer quotes a cell holding a character of the line terminator only, so with "\n" alone a
    stored "\r" would go unquoted and split its row when read back."""
    return csv_frame(frame).to_csv(index=False, lineterminator="\r\n")


# Rendering ------------------------------------------------------------------------------------


def markdown_piece(piece: Piece) -> str:
    if isinstance(piece, Stored):
        return markdown_code(piece.text) if piece.code else markdown_text(piece.text)
    return piece


def render_markdown(title: str, blocks: Iterable[Block]) -> str:
    """The report as Markdown; the title and headings may hold stored text (escaped)."""
    parts = [f"# {markdown_text(title)}"]
    for block in blocks:
        if block.kind == "heading":
            parts.append(f"## {markdown_text(block.text)}")
        elif block.kind == "text":
            parts.append("".join(map(markdown_piece, block.pieces)))
        elif block.kind == "table" and block.frame is not None:
            parts.append(markdown_table(block.frame) if not block.frame.empty else "(no rows)")
        elif block.kind == "figure":
            parts.append(f"![{block.text}]({block.text}.png)\n\n*{CAPTIONS.get(block.text, '')}*")
    return "\n\n".join(parts) + "\n"


def inline_markup(text: str, mark: str, tag: str) -> str:
    """`mark`-delimited spans of `text` wrapped in <tag> (text already escaped)."""
    pieces = text.split(mark)
    return "".join(f"<{tag}>{p}</{tag}>" if i % 2 else p for i, p in enumerate(pieces))


def html_markup(text: str) -> str:
    """The report's own text as HTML: escaped, `**bold**` and `code` marked up, blank lines kept."""
    paragraphs = (html_text(re.sub(r"\s+", " ", p)) for p in text.split("\n\n"))
    return "\n\n".join(
        inline_markup(inline_markup(p, "**", "strong"), "`", "code") for p in paragraphs
    )


def html_piece(piece: Piece) -> str:
    if isinstance(piece, Stored):
        text = html_text(one_line(piece.text))
        return f"<code>{text}</code>" if piece.code else text
    return html_markup(piece)


def html_paragraphs(pieces: Sequence[Piece]) -> str:
    """A text block as HTML paragraphs (split at the blank lines of the report's own text)."""
    body = "".join(map(html_piece, pieces))  # stored text has no line breaks left
    return "\n".join(f"<p>{p.strip()}</p>" for p in body.split("\n\n"))


STYLE = """
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table.table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }
table.table th, table.table td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
table.table th { background: #f0f0f0; }
div.scroll { overflow-x: auto; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
"""


def html_figure(block: Block) -> str:
    """A figure embedded as a base64 data URI, with its caption."""
    data = base64.b64encode(block.image).decode("ascii")
    name, caption = html_text(block.text), html_text(CAPTIONS.get(block.text, ""))
    return (
        f'<figure id="{name}"><img alt="{name}" '
        f'src="data:image/png;base64,{data}"><figcaption>{caption}</figcaption></figure>'
    )


def html_body(title: str, blocks: Iterable[Block]) -> str:
    """The report's HTML without the page around it (what a notebook shows inline)."""
    parts = [f"<h1>{html_text(title)}</h1>"]
    for block in blocks:
        if block.kind == "heading":
            parts.append(f"<h2>{html_text(block.text)}</h2>")
        elif block.kind == "text":
            parts.append(html_paragraphs(block.pieces))
        elif block.kind == "table" and block.frame is not None:
            parts.append(html_table(block.frame) if not block.frame.empty else "<p>(no rows)</p>")
        elif block.kind == "figure":
            parts.append(html_figure(block))
    return "\n".join(parts)


def render_html(title: str, blocks: Iterable[Block]) -> str:
    """The report as one self-contained HTML page; everything from the storage escaped."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html_text(one_line(title))}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{html_body(title, blocks)}\n</body>\n</html>\n"
    )


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG, drawn without TeX (ticks are made when drawn: see `draw_figures`)."""
    buffer = BytesIO()
    with matplotlib.rc_context({"text.usetex": False}):
        figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


# Figures --------------------------------------------------------------------------------------

FigureRecipe = tuple[str, Callable[[], Any], Callable[[Any], Figure]]


def draw_figures(recipes: Sequence[FigureRecipe]) -> dict[str, Figure]:
    """name -> Figure for each recipe whose plot data is not empty, in the recipes' order.

    Drawn without TeX whatever the user's matplotlibrc says: stored text in a label must not
    reach LaTeX (the figures escape it for mathtext only). A Text reads `text.usetex` when it
    is made, so the figures are drawn, not only saved, with it off.
    """
    found = {}
    with matplotlib.rc_context({"text.usetex": False}):
        for name, compute, draw in recipes:
            data = compute()
            if not data.empty:
                found[name] = draw(data)
    return found


def figure_blocks(names: Sequence[str], images: Mapping[str, bytes]) -> list[Block]:
    """A figure block per name that has an image (PNG bytes), else a line saying why not."""
    return [
        Block("figure", name, image=images[name])
        if name in images
        else paragraph(f"{name.replace('_', ' ')}: no data yet, figure omitted.")
        for name in names
    ]


def study_recipes(
    data: StudyData,
    tables: Mapping[str, pd.DataFrame],
    predictions: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[FigureRecipe]:
    """The figures of one study's report (`tables`: those of `study_tables`; `predictions`:
    a regression's `(y_true, y_pred)` on the test data, from `search.test_predictions`)."""
    info, trials, curves = data
    hyperparameters = tables["hyperparameters"]
    direction, metric = info.direction, info.metric
    common: list[FigureRecipe] = [
        (
            "optimization_history",
            lambda: fig.history_data(trials, direction, metric),
            fig.plot_history,
        ),
        (
            "learning_curves",
            lambda: fig.curves_data(curves, trials, direction, metric),
            fig.plot_curves,
        ),
        ("importance", lambda: fig.importance_data(hyperparameters), fig.plot_importance),
        ("parallel_coordinates", lambda: fig.parallel_data(trials, metric), fig.plot_parallel),
        ("learning_rate", lambda: fig.learning_rate_data(trials, metric), fig.plot_learning_rate),
    ]
    if info.task != "regression":
        return [
            *common,
            ("accuracy_vs_parameters", lambda: fig.parameters_data(trials), fig.plot_parameters),
        ]
    y_true, y_pred = predictions if predictions is not None else (np.empty(0), np.empty(0))
    summary = data_summary(info)
    target = summary.target if isinstance(summary, DataSummary) else None
    return [
        *common,
        ("value_vs_parameters", lambda: fig.parameters_data(trials, metric), fig.plot_parameters),
        ("predictions", lambda: fig.predictions_data(y_true, y_pred, target), fig.plot_predictions),
        ("residuals", lambda: fig.residuals_data(y_true, y_pred, target), fig.plot_residuals),
    ]


# Writing --------------------------------------------------------------------------------------


def write_files(
    out: Path, title: str, blocks: Sequence[Block], csvs: Mapping[str, pd.DataFrame]
) -> Path:
    """Write the CSVs, the PNGs, report.md and report.html into `out`; return `out`."""
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in csvs.items():
        (out / f"{name}.csv").write_bytes(csv_text(frame).encode("utf-8"))
    for block in blocks:
        if block.kind == "figure":
            (out / f"{block.text}.png").write_bytes(block.image)
    (out / "report.md").write_text(render_markdown(title, blocks), encoding="utf-8")
    (out / "report.html").write_text(render_html(title, blocks), encoding="utf-8")
    return out


def overview(info: StudyInfo) -> Block:
    """One paragraph: data set, metric, sampler, pruner, and what was tuned or held fixed."""
    spec, space = info.spec, info.space
    tuned = space.tuned() if space is not None else []
    fixed = [key for key, _ in space.entries if key not in tuned] if space is not None else []

    def stored(key: str, code: bool = True) -> Stored:
        return Stored(str(spec.get(key, "?")), code)

    return fill(
        "Data set {dataset}{task}, {direction} the validation {metric}{pareto}; sampler {sampler}, "
        "pruner {pruner}, {n_trials} trials per run. Tuned: {tuned}. Held fixed: {fixed}. "
        "Storage: {storage}.",
        dataset=stored("dataset"),
        task=" (a regression)" if info.task == "regression" else "",
        direction=info.direction,
        metric=Stored(info.metric),
        pareto=" (and the number of parameters: Pareto)" if info.pareto else "",
        sampler=stored("sampler"),
        pruner=stored("pruner"),
        n_trials=stored("n_trials", code=False),
        tuned=Stored(", ".join(tuned) or "none"),
        fixed=Stored(", ".join(fixed) or "none"),
        storage=Stored(info.storage, code=True),
    )


def learned_text(learned: pd.DataFrame) -> str:
    if learned.empty:
        return "No complete trial yet: no network has learned anything to show."
    total = int(learned[tab.N_PARAMETERS].iloc[-1])
    return (
        f"The best network has L = {len(learned) - 1} layers with parameters and learned "
        f"{total} numbers: for each layer, W[l] of shape (n[l], n[l-1]) and b[l] of shape "
        "(n[l], 1), that is n[l] (n[l-1] + 1) parameters."
    )


def data_summary(info: StudyInfo) -> DataSummary | DataSummaryError | None:
    """The study's data summary, checked; the error when it is not readable; None if none."""
    try:
        return DataSummary.read(info.data_summary)
    except DataSummaryError as error:
        return error


def data_overview(summary: DataSummary) -> Block:
    return fill(
        "A {task}: {examples} examples for training and validation, scored by {validation}, "
        "and {test_examples} test examples, scored once at the end. The inputs are encoded "
        "as n_x = {n_x} numbers per example (n[0]).",
        task=Stored(summary.task),
        examples=str(summary.examples),
        validation=Stored(summary.validation),
        test_examples=str(summary.test_examples),
        n_x=str(summary.n_x),
    )


def data_blocks(info: StudyInfo, tables: Mapping[str, pd.DataFrame]) -> list[Block]:
    """The data section: what the examples are, their columns and their target (or a line
    saying why the section is left out)."""
    heading = Block("heading", "Data")
    summary = data_summary(info)
    if summary is None:
        return [heading, paragraph("No summary of the data is stored with this study.")]
    if isinstance(summary, DataSummaryError):
        reason = Stored(str(summary))
        return [heading, paragraph("The stored data summary is not readable (", reason, ").")]
    columns = (
        [paragraph(COLUMNS_TEXT), Block("table", frame=tables["data"])]
        if summary.columns
        else [paragraph("Numeric arrays without column names: each input is one feature.")]
    )
    what = "its classes" if summary.classes is not None else "its mean, spread and range"
    over = "over the examples for training and validation"
    target = (
        fill(
            f"The target {{name}}: {{what}}, {over}.",
            name=Stored(summary.target, code=True),
            what=what,
        )
        if summary.target
        else fill(f"The target: {{what}}, {over}.", what=what)
    )
    return [
        heading,
        data_overview(summary),
        *columns,
        target,
        Block("table", frame=tables["target"]),
    ]


def study_tables(data: StudyData) -> dict[str, pd.DataFrame]:
    """The tables of one study's report, by CSV name (`data` and `target` with a readable
    data summary)."""
    info, trials, curves = data
    tables = {
        "summary": tab.summary_table(trials, info),
        "hyperparameters": tab.hyperparameter_table(trials, info),
        "learned_parameters": tab.learned_parameters_table(trials, info),
        "trials": trials,
        "learning_curves": curves,
    }
    summary = data_summary(info)
    if isinstance(summary, DataSummary):
        tables.update(data=dat.data_table(summary), target=dat.target_table(summary))
    return tables


def study_blocks(
    data: StudyData, tables: Mapping[str, pd.DataFrame], figures: Sequence[Block]
) -> list[Block]:
    """The blocks of one study's report: overview, the two kinds of numbers, tables, figures
    (`figures`: the blocks of `figure_blocks`)."""
    learned = tables["learned_parameters"]
    return [
        Block("heading", "Parameters and hyperparameters"),
        paragraph(intro([data.info.task])),
        Block("heading", "The study"),
        overview(data.info),
        Block("table", frame=tables["summary"]),
        *data_blocks(data.info, tables),
        Block("heading", "Hyperparameters: chosen by the search"),
        Block("table", frame=tables["hyperparameters"]),
        Block("heading", "Parameters: what the best network learned"),
        paragraph(learned_text(learned)),
        Block("table", frame=learned),
        Block("heading", "Figures"),
        *figures,
        Block("heading", "Trials"),
        Block("table", frame=tab.trials_table(data.trials, data.info.task)),
    ]


def compare_tables(studies: Sequence[StudyData]) -> dict[str, pd.DataFrame]:
    """The tables of a comparison, by CSV name."""
    comparison = tab.comparison_table([tab.summary_table(s.trials, s.info) for s in studies])
    best = tab.best_values_table(
        {s.info.name: tab.hyperparameter_table(s.trials, s.info) for s in studies}
    )
    rows = []
    for s in studies:
        summary = data_summary(s.info)
        known = summary if isinstance(summary, DataSummary) else None
        rows.append(dat.studies_row(s.info.name, s.info.task, known))
    data = pd.DataFrame(rows, columns=dat.STUDIES_COLUMNS)
    return {"comparison": comparison, "best_hyperparameters": best, "data": data}


def compare_recipes(studies: Sequence[StudyData]) -> list[FigureRecipe]:
    trials = {s.info.name: s.trials for s in studies}
    directions = {s.info.name: s.info.direction for s in studies}
    metrics = {s.info.name: s.info.metric for s in studies}
    return [
        ("best_so_far", lambda: fig.compare_data(trials, directions, metrics), fig.plot_compare)
    ]


def compare_blocks(tables: Mapping[str, pd.DataFrame], figures: Sequence[Block]) -> list[Block]:
    """The blocks of a comparison (`figures`: the blocks of `figure_blocks`)."""
    return [
        Block("heading", "Parameters and hyperparameters"),
        paragraph(intro(tables["data"]["task"])),
        Block("heading", "Studies side by side"),
        Block("table", frame=tables["comparison"]),
        Block("heading", "Best hyperparameters of each study"),
        Block("table", frame=tables["best_hyperparameters"]),
        Block("heading", "Data of each study"),
        Block("table", frame=tables["data"]),
        Block("heading", "Figures"),
        *figures,
    ]
