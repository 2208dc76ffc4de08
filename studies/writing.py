"""Files the commands write: whole or not at all.

A command writes into a temporary file (or folder) in the target's folder and renames it over
the target once everything is written (`os.replace`, atomic on one file system), so that a
failure, Ctrl-C or a full disk leaves the target as it was and no partial file behind. A command
killed outright (SIGKILL, out of memory) leaves its temporary, which the next command that writes
in that folder removes (`remove_dead_leftovers`). The new file gets the mode an ordinary new
file would get (the umask's), or the old file's.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from search.machine import is_alive
from studies.errors import DataError

PREFIX = ".dnnsearch-"  # temporary files: short, hidden, whatever the target's name
# A temporary's name says which process of which machine made it (`.dnnsearch-<pid>-<host>-`),
# so that what a killed command left (SIGKILL, out of memory) is told from another's work in
# progress, in a folder other machines may share, and removed by the next command there.
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def check_output_path(
    path: Path,
    what: str,
    inputs: Sequence[Path] = (),
    stored: Sequence[Path] = (),
    folders: Sequence[Path] = (),
) -> Path:
    """Refuse an output path that cannot be written whole, before any work is done.

    Args:
        path: the file to write.
        what: what messages call it (`--out`).
        inputs: files the command reads, which it must not write over.
        stored: a study's own files (its journal, its networks), which it must not either.
        folders: folders of a study's files, in which it writes nothing (links resolved).

    Returns:
        The path, absolute.

    Raises:
        DataError: one line: a folder, a missing folder, something other than a regular file
            (a device, a pipe: `os.replace` would replace it), an input or a stored file, a
            file in a study's folder.
    """
    path = Path(os.path.abspath(path))
    if path.is_dir():
        raise DataError(f"{what}: {str(path)!r} is a folder; name a file in it")
    if not path.parent.is_dir():
        raise DataError(f"{what}: no folder {str(path.parent)!r} to write {path.name!r} in")
    if path.exists() or path.is_symlink():
        if not path.is_file():
            raise DataError(f"{what}: {str(path)!r} exists and is not a regular file")
        for kept, said in ((inputs, "the input file"), (stored, "a file of the study")):
            if any(file.exists() and os.path.samefile(file, path) for file in kept):
                raise DataError(f"{what}: {str(path)!r} is {said}; write elsewhere")
    inside = path.parent.resolve()
    for folder in folders:
        if inside.is_relative_to(folder.resolve()):
            raise DataError(
                f"{what}: {str(path)!r} is in the folder of the study's files "
                f"({str(folder)!r}); write elsewhere"
            )
    return path


@contextlib.contextmanager
def atomic_file(path: Path, what: str) -> Iterator[IO[str]]:
    """A text file (UTF-8) that replaces `path` when the block ends without an error.

    Raises:
        DataError: the folder cannot be written in (permissions, a read-only file system).
    """
    mode = _mode(path)
    remove_dead_leftovers(path.parent)
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=_prefix(), suffix=".part")
    except OSError as error:
        raise DataError(f"{what}: cannot write in {str(path.parent)!r}: {error.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            yield file
        os.chmod(name, mode)
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


@contextlib.contextmanager
def atomic_folder(folder: Path, what: str, last: str) -> Iterator[Path]:
    """A temporary folder whose files are moved into `folder` when the block ends well.

    Args:
        folder: where the files go.
        what: what messages call the output.
        last: the name of the file moved last (the one that makes the others useful).

    Raises:
        DataError: the folder cannot be written in.
    """
    remove_dead_leftovers(folder)
    try:
        temporary = Path(tempfile.mkdtemp(dir=folder, prefix=_prefix()))
    except OSError as error:
        raise DataError(f"{what}: cannot write in {str(folder)!r}: {error.strerror}") from None
    try:
        yield temporary
        files = sorted(temporary.iterdir(), key=lambda file: file.name == last)
        for file in files:
            os.chmod(file, _mode(folder / file.name))
            os.replace(file, folder / file.name)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def remove_dead_leftovers(folder: Path) -> list[Path]:
    """Remove the temporaries that killed commands of this user on this machine left in folder.

    Returns:
        What was removed (a partial file, or a temporary folder and its files).
    """
    removed = []
    for entry in folder.glob(f"{PREFIX}*-{_HOST}-*"):
        pid = entry.name.removeprefix(PREFIX).split("-")[0]
        try:
            info = entry.lstat()
        except OSError:
            continue
        if info.st_uid != os.getuid() or not pid.isdigit() or is_alive(int(pid)):
            continue
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(entry, ignore_errors=True)
        elif stat.S_ISREG(info.st_mode):
            with contextlib.suppress(OSError):
                entry.unlink()
        removed.append(entry)
    return removed


def _prefix() -> str:
    """This process's temporaries' names start so: `.dnnsearch-<pid>-<host>-`."""
    return f"{PREFIX}{os.getpid()}-{_HOST}-"


def _mode(path: Path) -> int:
    """The permission bits of the file at `path`, or those of a new file (by the umask)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
