"""One copy of a run's data for all its worker processes, in files that each maps read-only.

A study with several worker processes writes the numeric arrays of its splits once to `.npy`
files (`write_splits`) in a private folder of the run (`shared_folder`), and each process maps
them read-only (`open_splits`): the processes share one copy of the data, in the page cache,
instead of each holding its own. The folder is removed when the run ends, however it ends; a
run killed outright (SIGKILL, power loss) leaves its folder behind, and the next run on this
machine removes the folders of runs whose process is gone (`remove_dead_folders`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from search.data import Splits
from search.machine import is_alive

PREFIX = "dnnsearch-"  # a run's folder: dnnsearch-<pid>-<random>, in tempfile's folder


class MappedSplits(NamedTuple):
    """Splits written to files (`write_splits`).

    What travels to a worker process in their place, a few file names, so that no process receives a
    copy of the arrays. `parts` holds, for each field of `Splits`, an array's `.npy` file name in
    `folder`, or the part itself when it is not a numeric array (a table, text labels).
    """

    folder: str
    parts: tuple[Any, ...]


class _File(NamedTuple):
    name: str  # of an .npy file in MappedSplits.folder


def write_splits(splits: Splits, folder: str | Path) -> MappedSplits:
    """Write each numeric, non-empty array of the splits to `folder/<field>.npy` (no pickle)."""
    parts: list[Any] = []
    for name, part in zip(Splits._fields, splits, strict=True):
        if isinstance(part, np.ndarray) and part.dtype.kind in "biuf" and part.size:
            np.save(Path(folder) / f"{name}.npy", part, allow_pickle=False)
            part = _File(f"{name}.npy")
        parts.append(part)
    return MappedSplits(str(folder), tuple(parts))


def open_splits(data: Splits | MappedSplits) -> Splits:
    """The splits to train on.

    Those written by `write_splits` memory-mapped read-only (every process that maps a file shares
    its pages), or the splits as they are.
    """
    if isinstance(data, Splits):
        return data
    return Splits(
        *(
            np.load(Path(data.folder) / part.name, mmap_mode="r", allow_pickle=False)
            if isinstance(part, _File)
            else part
            for part in data.parts
        )
    )


@contextmanager
def shared_folder() -> Iterator[Path]:
    """A private folder for this run's files (named for its process), removed at the end."""
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_dead_folders(root: str | None = None) -> list[Path]:
    """Remove the folders of runs of this user whose process is gone; returns them."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        pid = folder.name.removeprefix(PREFIX).split("-")[0]
        try:
            mine = (
                folder.is_dir() and not folder.is_symlink() and folder.stat().st_uid == os.getuid()
            )
        except OSError:
            continue
        if mine and pid.isdigit() and not is_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
