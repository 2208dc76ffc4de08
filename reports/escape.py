"""Text read from a storage, escaped where it enters a report: Markdown, HTML, CSV or a figure.

A study's storage may have been written by someone else, so every string read from it (study
and data set names, class labels, activation names, fail and pruned reasons, hyperparameter
values, spec fields) is untrusted. Each format escapes it at the point where it enters the
document, with the functions here; numbers are never escaped.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

# Unicode's explicit bidirectional formatting characters (marks, embeddings, overrides and
# isolates) reorder the text shown around them: stored text could show as other text (the
# "trojan source" attack), or turn a table's columns around
BIDI_CHARACTERS = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
BIDI = re.compile(f"[{BIDI_CHARACTERS}]")
# Line breaks (\n, \r, \v, \f, NEL, U+2028/9), tabs, every other control character, and bidi
CONTROL = re.compile(rf"[\x00-\x1f\x7f-\x9f\u2028\u2029{BIDI_CHARACTERS}]+")
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|&#~$])")
# What a code span would show raw, since nothing can be escaped inside one: a tag, a link
NOT_IN_CODE = re.compile(r"[<>\[\]]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list for CSV injection
LABEL_LENGTH = 40


def one_line(text: str) -> str:
    """`text` with each run of line breaks, other control and bidi characters as one space."""
    return CONTROL.sub(" ", text)


def markdown_text(text: str) -> str:
    """Stored text as literal Markdown on one line.

    Markup characters are backslash-escaped (CommonMark escapes any ASCII punctuation), and so
    are a leading `-`, `+`, `=` and the `.` or `)` of a leading number: the text can start no
    heading, list, quote or table cell, and make no link, emphasis, code span, math or HTML.
    A `(` after a `]` is escaped too, so that no `](` is left, not even an escaped one, for a
    renderer or a filter that does not read CommonMark's escapes.
    """
    escaped = MARKDOWN_SPECIAL.sub(r"\\\1", one_line(text).strip())
    escaped = escaped.replace(r"\](", r"\]\(")
    escaped = re.sub(r"^([-+=])", r"\\\1", escaped)
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", escaped)


def markdown_code(text: str) -> str:
    """Stored text as a Markdown code span on one line, shown literally.

    Not for a table cell, where GFM still splits at `|`. Nothing can be escaped inside a code
    span, so text that holds `<`, `>`, `[` or `]` (a tag, a link) is never put in one: it is
    written as escaped text (`markdown_text`), as literal to the reader.

    The fence is one backtick longer than the longest run of backticks inside (CommonMark),
    padded with a space when the text starts or ends with a backtick or a space.
    """
    body = one_line(text)
    if NOT_IN_CODE.search(body):
        return markdown_text(text)
    fence = "`" * (max(map(len, re.findall("`+", body)), default=0) + 1)
    pad = " " if not body or body[0] in "` " or body[-1] in "` " else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def html_text(text: str) -> str:
    """Stored text as HTML text or attribute value.

    `&`, `<`, `>`, `"` and `'` are escaped, and each bidi control becomes a space.
    """
    return html.escape(BIDI.sub(" ", text), quote=True)


def csv_cell(value: Any) -> Any:
    """A CSV cell that reads back as stored and that no spreadsheet runs.

    A list or dict becomes JSON text (read back unambiguously), and a string that a spreadsheet
    would run as a formula is prefixed with `'`; numbers and other values are unchanged.
    """
    if isinstance(value, list | tuple | dict):
        value = json.dumps(value)  # starts with [ or {: never a formula
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def figure_label(text: Any, length: int = LABEL_LENGTH) -> str:
    """Stored text as a matplotlib title, label or legend entry.

    One line of at most `length` characters; every `$` escaped, so it is never parsed as
    mathtext (which raises on what it cannot parse); a leading `_` kept visible (a legend
    skips labels that start with one).
    """
    line = one_line(str(text)).strip()
    if len(line) > length:
        line = line[: length - 1] + "…"
    if line.startswith("_"):
        line = " " + line
    return line.replace("$", r"\$")
