"""Write a report's files: report.md, report.html, a CSV per table and a PNG per figure.

A report's folder may hold links planted by someone else (`runs/NAME/report/report.md` linked
to a file elsewhere): no file is written through one. Each file is written to a new file of its
own in the folder (created exclusively, so never through a link), then renamed over its path:
a rename replaces a link (symbolic or hard) at that path, never the file it points to, as
`search.storage.save_network` does for trial networks. A report folder that is itself a
symbolic link is refused, as a trial folder is.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from reports.blocks import Block
from reports.render import csv_text, render_html, render_markdown
from search.storage import StorageError


def report_files(
    title: str, blocks: Sequence[Block], csvs: Mapping[str, pd.DataFrame]
) -> dict[str, bytes]:
    """The files of a report, by name: a CSV per table, a PNG per figure, report.md, .html."""
    files = {f"{name}.csv": csv_text(frame).encode("utf-8") for name, frame in csvs.items()}
    files.update({f"{b.text}.png": b.image for b in blocks if b.kind == "figure"})
    files["report.md"] = render_markdown(title, blocks).encode("utf-8")
    files["report.html"] = render_html(title, blocks).encode("utf-8")
    return files


def report_folder(out: Path) -> Path:
    """The report's folder, made if missing.

    Raises:
        StorageError: `out` is a symbolic link (one line; nothing written).
    """
    if out.is_symlink():
        raise StorageError(
            f"{out} is a symbolic link; refusing to write a report through it (give the folder "
            "itself)"
        )
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_file(path: Path, data: bytes) -> None:
    """Write `data` at `path` without following a link planted there.

    The bytes go to a new file of the same folder, created exclusively (`O_EXCL` never follows
    a link) with the umask's permissions, which is then renamed over `path`.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.writing")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_files(
    out: Path, title: str, blocks: Sequence[Block], csvs: Mapping[str, pd.DataFrame]
) -> Path:
    """Write the CSVs, the PNGs, report.md and report.html into `out`, through no link.

    Args:
        out: the report's folder (made if missing; refused if a symbolic link).
        title: the report's title (may be stored text).
        blocks: the report laid out (`reports.build`).
        csvs: the tables written as CSV, by file name without .csv.

    Returns:
        `out`.

    Raises:
        StorageError: `out` is a symbolic link.
    """
    folder = report_folder(out)
    for name, data in report_files(title, blocks, csvs).items():
        write_file(folder / name, data)
    return folder
