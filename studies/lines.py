"""The line of a CSV file on which each of its records starts, as an editor numbers them.

pandas reads records, not lines: it skips blank lines (and lines of spaces only), and a quoted
cell may hold line breaks. Numbering the records 2, 3, ... (the header is line 1) then names
the wrong line of such a file: a text cell on line 10 of a file with two blank lines after its
header was said to be on line 8. This module numbers them as the file does.

Most files have neither, and are told apart cheaply: a whole table has one record per line
(`lines_of`, a count of its line breaks); the rows read in chunks come from a file without
a quote or an empty line (`plain`, one scan of its bytes). Only the others are read a second
time, by Python's `csv` module (the same dialect as pandas' default), for their lines.
"""

from __future__ import annotations

import csv
import itertools
import re
import sys
from collections.abc import Iterator
from pathlib import Path

BLOCK = 1 << 20  # bytes read at a time
# An empty line, or one of spaces and tabs only, between two line breaks (\r\n one break):
# pandas skips it (`skip_blank_lines`)
_BREAK = rb"(?:\r\n|\r(?!\n)|\n)"
_BLANK = re.compile(_BREAK + rb"[ \t]*" + _BREAK)


def lines_of(path: Path, records: int) -> list[int] | None:
    """The line each of a CSV file's `records` data records starts on; None: 2, 3, ... as read.

    Returns:
        None when the file has one line per record after its header (the rows are then numbered
        from 2 on), else each record's line (or None, when they cannot be told).
    """
    breaks, last = 0, b"\n"
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(BLOCK), b""):
            breaks += block.count(b"\n")
            last = block[-1:]
    if breaks + (last != b"\n") == records + 1:
        return None
    lines = list(itertools.islice(record_lines(path), records + 1))
    return lines if len(lines) == records else None


def plain(path: Path) -> bool:
    """Whether every record of a CSV file is one line (no quote, no empty line): a fast scan."""
    tail = b"\n"  # the last block's last line, for a blank line across two blocks
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(BLOCK), b""):
            if b'"' in block or _BLANK.search(tail + block):
                return False
            end = max(block.rfind(b"\n"), block.rfind(b"\r"))
            tail = block[end:] if end >= 0 else b"x"  # a megabyte without a break: no blank
    return True


def record_lines(path: Path) -> Iterator[int]:
    """The line each data record of a CSV file starts on, in order (the header's is not given).

    A record that `csv` cannot read ends the numbers (the caller then numbers as read).
    """
    limit = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize // 2)  # a cell of any length, as pandas reads it
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as file:
            reader = csv.reader(file)
            start, header = 1, True
            try:
                for row in reader:
                    if row and not (len(row) == 1 and not row[0].strip(" \t")):
                        if not header:
                            yield start
                        header = False
                    start = reader.line_num + 1
            except csv.Error:
                return
    finally:
        csv.field_size_limit(limit)
