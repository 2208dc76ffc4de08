"""A report as a list of blocks: headings, paragraphs, tables and figures, before any format.

`reports.build` decides what a report says (which blocks, in which order); `reports.render`
turns the same blocks into Markdown and HTML. A paragraph keeps the report's own text, with its
`**bold**` and `code` markup, apart from the text read from the storage inside it (`Stored`),
which each renderer escapes and never reads as markup.
"""

from __future__ import annotations

import string
from typing import NamedTuple

import pandas as pd


class Stored(NamedTuple):
    """Text read from the storage, inside a paragraph: escaped by each renderer, never markup.

    Attributes:
        text: the text as stored.
        code: shown as code (a data set's or a column's name, a path).
    """

    text: str
    code: bool = False


Piece = str | Stored  # a str is the report's own text, with `**bold**` and `code` markup


class Block(NamedTuple):
    """One piece of a report.

    Attributes:
        kind: `heading` (`text`), `text` (a paragraph's `pieces`), `table` (`frame`) or
            `figure` (`text`: its file name without .png; `image`: PNG bytes; `caption`).
        text: a heading's text (may be stored text: escaped) or a figure's name.
        frame: a table's DataFrame.
        image: a figure's PNG bytes.
        pieces: a paragraph's pieces.
        caption: a figure's caption (the report's own text).
    """

    kind: str
    text: str = ""
    frame: pd.DataFrame | None = None
    image: bytes = b""
    pieces: tuple[Piece, ...] = ()
    caption: str = ""


def heading(text: str) -> Block:
    """A section heading (`text` may be stored text: the renderers escape it)."""
    return Block("heading", text)


def table(frame: pd.DataFrame) -> Block:
    """A table (every header and text cell escaped by the renderers, numbers formatted)."""
    return Block("table", frame=frame)


def figure(name: str, image: bytes, caption: str) -> Block:
    """A figure: its file name without .png, its PNG bytes and its caption."""
    return Block("figure", name, image=image, caption=caption)


def paragraph(*pieces: Piece) -> Block:
    """A text block: the report's own text and, as `Stored`, text read from the storage."""
    return Block("text", pieces=pieces)


def fill(template: str, **values: Piece) -> Block:
    """A paragraph of the report's own `template` with each `{key}` replaced by a piece.

    Args:
        template: the report's own text, with `{key}` fields (`str.format`'s syntax).
        **values: a piece per key: the report's own text, or `Stored` text.

    Returns:
        The paragraph, its stored pieces kept apart from the template's text.
    """
    pieces: list[Piece] = []
    for literal, key, _, _ in string.Formatter().parse(template):
        pieces.append(literal)
        if key is not None:
            pieces.append(values[key])
    return paragraph(*pieces)
