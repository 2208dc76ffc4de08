"""Write a report's files: report.md, report.html, a CSV per table and a PNG per figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from reports.blocks import Block
from reports.render import csv_text, render_html, render_markdown


def report_files(
    title: str, blocks: Sequence[Block], csvs: Mapping[str, pd.DataFrame]
) -> dict[str, bytes]:
    """The files of a report, by name: a CSV per table, a PNG per figure, report.md, .html."""
    files = {f"{name}.csv": csv_text(frame).encode("utf-8") for name, frame in csvs.items()}
    files.update({f"{b.text}.png": b.image for b in blocks if b.kind == "figure"})
    files["report.md"] = render_markdown(title, blocks).encode("utf-8")
    files["report.html"] = render_html(title, blocks).encode("utf-8")
    return files


def write_files(
    out: Path, title: str, blocks: Sequence[Block], csvs: Mapping[str, pd.DataFrame]
) -> Path:
    """Write the CSVs, the PNGs, report.md and report.html into `out`.

    Args:
        out: the report's folder (made if missing).
        title: the report's title (may be stored text).
        blocks: the report laid out (`reports.build`).
        csvs: the tables written as CSV, by file name without .csv.

    Returns:
        `out`.
    """
    out.mkdir(parents=True, exist_ok=True)
    for name, data in report_files(title, blocks, csvs).items():
        (out / name).write_bytes(data)
    return out
