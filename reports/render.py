"""A report's blocks rendered: Markdown, one self-contained HTML page, CSV tables, PNG figures.

The report is rendered twice from the same blocks (`reports.blocks`): as Markdown beside its
PNG files, and as one HTML file with the figures embedded as base64 data URIs, readable
offline. Everything read from the storage is untrusted (someone else may have written it): each
renderer escapes it where it enters its document (`reports.escape`). Titles, headings and table
cells are escaped whole (numbers excepted); a paragraph's own text keeps its `**bold**` and
`code` markup, and the stored text inside it (`Stored`) is escaped.
"""

from __future__ import annotations

import base64
import math
import numbers
import re
from collections.abc import Callable, Iterable, Sequence
from io import BytesIO
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from reports.blocks import Block, Piece, Stored
from reports.escape import csv_cell, html_text, markdown_code, markdown_text, one_line

DPI = 100

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
    """The rows of a table as tuples of Python objects (no dtype coercion across a row)."""
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
    r"""A table as CSV text, safe (`csv_frame`), with RFC 4180's CRLF between rows.

    Python's writer quotes a cell holding a character of the line terminator only, so with "\n"
    alone a stored "\r" would go unquoted and split its row when read back.
    """
    return csv_frame(frame).to_csv(index=False, lineterminator="\r\n")


# Markdown -------------------------------------------------------------------------------------


def markdown_piece(piece: Piece) -> str:
    """A paragraph's piece as Markdown: the report's own text as it is, stored text escaped."""
    if isinstance(piece, Stored):
        return markdown_code(piece.text) if piece.code else markdown_text(piece.text)
    return piece


def markdown_frame(block: Block) -> str:
    """A table block as Markdown, or a line saying it has no rows."""
    frame = block.frame
    return markdown_table(frame) if frame is not None and not frame.empty else "(no rows)"


MARKDOWN_BLOCKS: dict[str, Callable[[Block], str]] = {
    "heading": lambda block: f"## {markdown_text(block.text)}",
    "text": lambda block: "".join(map(markdown_piece, block.pieces)),
    "table": markdown_frame,
    "figure": lambda block: f"![{block.text}]({block.text}.png)\n\n*{block.caption}*",
}


def render_markdown(title: str, blocks: Iterable[Block]) -> str:
    """The report as Markdown; the title and headings may hold stored text (escaped)."""
    parts = [f"# {markdown_text(title)}", *(MARKDOWN_BLOCKS[block.kind](block) for block in blocks)]
    return "\n\n".join(parts) + "\n"


# HTML -----------------------------------------------------------------------------------------


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
    """A paragraph's piece as HTML: the report's own text marked up, stored text escaped."""
    if isinstance(piece, Stored):
        text = html_text(one_line(piece.text))
        return f"<code>{text}</code>" if piece.code else text
    return html_markup(piece)


def html_paragraphs(pieces: Sequence[Piece]) -> str:
    """A text block as HTML paragraphs (split at the blank lines of the report's own text)."""
    body = "".join(map(html_piece, pieces))  # stored text has no line breaks left
    return "\n".join(f"<p>{p.strip()}</p>" for p in body.split("\n\n"))


def html_frame(block: Block) -> str:
    """A table block as HTML, or a paragraph saying it has no rows."""
    frame = block.frame
    return html_table(frame) if frame is not None and not frame.empty else "<p>(no rows)</p>"


def html_figure(block: Block) -> str:
    """A figure embedded as a base64 data URI, with its caption."""
    data = base64.b64encode(block.image).decode("ascii")
    name, caption = html_text(block.text), html_text(block.caption)
    return (
        f'<figure id="{name}"><img alt="{name}" '
        f'src="data:image/png;base64,{data}"><figcaption>{caption}</figcaption></figure>'
    )


HTML_BLOCKS: dict[str, Callable[[Block], str]] = {
    "heading": lambda block: f"<h2>{html_text(block.text)}</h2>",
    "text": lambda block: html_paragraphs(block.pieces),
    "table": html_frame,
    "figure": html_figure,
}

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


def html_body(title: str, blocks: Iterable[Block]) -> str:
    """The report's HTML without the page around it (what a notebook shows inline)."""
    parts = [f"<h1>{html_text(title)}</h1>", *(HTML_BLOCKS[block.kind](block) for block in blocks)]
    return "\n".join(parts)


def render_html(title: str, blocks: Iterable[Block]) -> str:
    """The report as one self-contained HTML page; everything from the storage escaped."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html_text(one_line(title))}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{html_body(title, blocks)}\n</body>\n</html>\n"
    )


# Figures --------------------------------------------------------------------------------------

# (name, compute the plot data, draw it): see `reports.figures`
FigureRecipe = tuple[str, Callable[[], Any], Callable[[Any], Figure]]


def draw_figures(recipes: Sequence[FigureRecipe]) -> dict[str, Figure]:
    """A Figure for each recipe whose plot data is not empty, by name, in the recipes' order.

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


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG, drawn without TeX (ticks are made when drawn: see `draw_figures`)."""
    buffer = BytesIO()
    with matplotlib.rc_context({"text.usetex": False}):
        figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
