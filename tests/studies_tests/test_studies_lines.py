"""`studies.lines`: the line each record of a CSV file starts on, as an editor numbers them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from studies.lines import lines_of, plain, record_lines


@pytest.mark.parametrize(
    ("text", "is_plain", "lines"),
    [
        (b"a,b\n1,2\n3,4\n", True, [2, 3]),
        (b"a,b\r\n1,2\r\n3,4", True, [2, 3]),
        (b"a,b\r1,2\r3,4\r", True, [2, 3]),
        (b"a,b\n 1,2\n3,4\n", True, [2, 3]),
        (b"a,b\n\n1,2\n3,4\n", False, [3, 4]),
        (b"a,b\r\n\r\n1,2\r\n3,4\r\n", False, [3, 4]),
        (b"a,b\n  \n1,2\n\t\n3,4\n", False, [3, 5]),
        (b"\na,b\n1,2\n3,4\n", False, [3, 4]),
        (b'a,b\n"x\ny",2\n3,4\n', False, [2, 4]),
        (b'a,b\n"x",2\n3,4\n', False, [2, 3]),
    ],
    ids=["lf", "crlf", "cr", "space", "blank", "crlf-blank", "spaces", "lead", "cell", "quote"],
)
def test_records_are_numbered_by_the_line_they_start_on(tmp_path: Path, text, is_plain, lines):
    path = tmp_path / "t.csv"
    path.write_bytes(text)
    records = len(pd.read_csv(path))
    assert records == 2  # pandas skips the blank lines, and reads a cell of two lines as one
    assert plain(path) is is_plain
    assert list(record_lines(path)) == lines
    found = lines_of(path, records)  # None: one line per record, numbered 2, 3, ...
    assert found == lines or (found is None and lines == [2, 3])
