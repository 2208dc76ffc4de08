"""The embedded storage: an Optuna journal file, appended under `flock`, without an fsync.

Optuna's `JournalFileBackend` takes a lock file (a symlink created and removed) and calls
`fsync` for every record it appends, and a trial appends a dozen or more (its creation,
every sampled parameter, every intermediate value, its end); `benchmarks/bench_search.py
overhead` measures what that costs per trial. `JournalFile` instead

- holds `fcntl.flock` on the journal file itself while it appends: one system call, released
  by the kernel if the process dies, so a killed worker never leaves a stale lock behind;
- writes a batch of records with one `write` on an `O_APPEND` descriptor, so a reader (which
  takes no lock) sees whole records; a record left torn by a writer killed mid-write is cut
  before the next append (Optuna's reader skips a torn last line, but not one followed by
  more records);
- does not fsync: a process that dies loses nothing it wrote, since the records are in the
  operating system's page cache; only a crash of the machine itself can lose the last ones.

Every process writing the file must use this class (`search.open_storage` does): Optuna's own
backend would take its symlink lock instead and not see ours. optuna-dashboard only reads.

`JournalStore` adds `set_trial_user_attrs`, which appends several user attributes of a trial
in one batch, under one lock, instead of one append each.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Generator
from typing import Any

from optuna.exceptions import UpdateFinishedTrialError
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import FrozenTrial

from search._optuna import journal_append_user_attrs, journal_read_offset


class JournalFile(JournalFileBackend):
    """A journal file that several processes on one machine may append to at once.

    Its format and reader are Optuna's (one JSON record a line); only appending differs.
    """

    def __init__(self, file_path: str) -> None:
        super().__init__(file_path)  # creates the file; its symlink lock is never taken
        self._path = file_path

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        data = "".join(json.dumps(log, separators=(",", ":")) + "\n" for log in logs).encode()
        fd = os.open(self._path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            _drop_torn_tail(fd)
            view = memoryview(data)
            while view:  # a regular file takes it all in one write; loop for safety
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def read_logs(self, log_number_from: int) -> Generator[dict[str, Any], None, None]:
        """Optuna's reader, which opens the file on every call; nothing to open when the file
        has not grown since the records already read (most calls: Optuna reads before every
        write and after it)."""
        offset = journal_read_offset(self, log_number_from)
        if offset is not None and os.stat(self._path).st_size == offset:
            return
        yield from super().read_logs(log_number_from)


def _drop_torn_tail(fd: int) -> None:
    """Cut a last record that a killed writer left without its newline (call under the lock).

    Optuna's reader skips a torn last line but fails on every read once another record
    follows it; a write can stop part-way when its process is killed or the disk is full.
    """
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    end = size
    while end > 0:
        start = max(0, end - 65536)
        newline = os.pread(fd, end - start, start).rfind(b"\n")
        if newline >= 0:
            os.ftruncate(fd, start + newline + 1)
            return
        end = start
    os.ftruncate(fd, 0)


class JournalStore(JournalStorage):
    """A `JournalStorage` that can write several user attributes of a trial in one append."""

    def set_trial_user_attrs(self, trial_id: int, attrs: dict[str, Any]) -> None:
        """Like `set_trial_user_attr` for each item, in one batch (one lock, one write).

        Raises:
            UpdateFinishedTrialError: the trial has finished (nothing is written).
        """
        if not attrs:
            return
        journal_append_user_attrs(self, trial_id, attrs, refuse=_refuse_finished)


def _refuse_finished(trial: FrozenTrial) -> None:
    # Checked before writing: a batch of records that replay rejects would raise again on
    # later, unrelated reads of this storage.
    if trial.state.is_finished():
        raise UpdateFinishedTrialError(
            f"trial {trial.number} has finished; its user attributes cannot change"
        )


class JournalDamagedError(ValueError):
    """A journal file holds a line that is not a journal record; the message names it."""


def _bad_line(line: bytes) -> str | None:
    """Why a line is not a journal record (None when it is one)."""
    try:
        record = json.loads(line)
    except (UnicodeDecodeError, ValueError):
        return "not JSON"
    if not isinstance(record, dict) or not isinstance(record.get("op_code"), int):
        return "no op_code"
    return None


def check_journal(path: str) -> None:
    """Refuse a file that is not a journal, or a journal with a damaged record.

    Read line by line (a journal of many trials is not held in memory at once). A torn last
    line (a writer killed mid-write) is not damage: the next append cuts it.

    Raises:
        JournalDamagedError: naming the file, and the line of the first bad record.
    """
    number, reason = _first_bad_line(path)
    if reason is None:
        return
    if number == 1:
        raise JournalDamagedError(
            f"{path} is not a dnnsearch journal file (line 1: {reason}); refusing to use it"
        )
    raise JournalDamagedError(
        f"{path} line {number} is not a journal record ({reason}); "
        "`dnnsearch repair NAME` keeps a backup and drops the unreadable records"
    )


def _first_bad_line(path: str) -> tuple[int, str | None]:
    """The number of the first complete line that is not a record, and why (None: none)."""
    with open(path, "rb") as file:
        for number, line in enumerate(file, start=1):
            if not line.endswith(b"\n"):  # the last line, torn by a killed writer
                return number, (_bad_line(line) if number == 1 and line.strip() else None)
            reason = _bad_line(line[:-1])
            if reason is not None:
                return number, reason
    return 0, None


def repair_journal(path: str) -> tuple[int, int, str]:
    """Keep a backup of a journal file, then keep its records up to the first unreadable one.

    Everything after a damaged line is dropped too: Optuna numbers trials by the order of
    their records, so keeping later records without the damaged one could give them to the
    wrong trials. The backup keeps every byte. Done under the journal's lock, so no writer
    appends meanwhile; stop the study's workers first (they keep positions in the file).

    Returns:
        (records kept, lines dropped, the backup's path).
    """
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with os.fdopen(os.dup(fd), "rb") as file:
            data = file.read()
        backup = f"{path}.{time.strftime('%Y%m%d-%H%M%S')}.bak"
        with open(backup, "xb") as file:  # never overwrite an earlier backup
            file.write(data)
        lines = data.split(b"\n")
        complete = lines[:-1]
        kept = next((i for i, line in enumerate(complete) if _bad_line(line)), len(complete))
        dropped = len(complete) - kept + (1 if lines[-1] else 0)
        os.ftruncate(fd, sum(len(line) + 1 for line in complete[:kept]))
    finally:
        os.close(fd)  # releases the lock
    return kept, dropped, backup
