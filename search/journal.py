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

Its records are checked before Optuna replays them (`search.journal_check`); a line that
Optuna's reader or replay still fails on is a `JournalDamagedError` naming it.

Every process writing the file must use this class (`search.open_storage` does): Optuna's own
backend would take its symlink lock instead and not see ours. optuna-dashboard only reads.

`JournalStore` adds `set_trial_user_attrs`, which appends several user attributes of a trial
in one batch, under one lock, instead of one append each.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Generator
from typing import Any

from optuna.exceptions import UpdateFinishedTrialError
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import FrozenTrial

from search._optuna import journal_append_user_attrs, journal_read_offset
from search.journal_check import REPAIR_HINT, JournalDamagedError, first_line


class JournalFile(JournalFileBackend):
    """A journal file that several processes on one machine may append to at once.

    Its format and reader are Optuna's (one JSON record a line); only appending differs.
    """

    def __init__(self, file_path: str) -> None:
        """Open (or create) the journal file at `file_path`."""
        super().__init__(file_path)  # creates the file; its symlink lock is never taken
        self._path = file_path
        self.last_read = -1  # the number of the last record read (Optuna counts from 0)

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        """Append records at once, under the file's `flock`, cutting a torn last line first."""
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
        """Optuna's reader; a line it cannot read is a `JournalDamagedError` naming it.

        Optuna opens the file on every call; nothing is opened when the file has not grown
        since the records already read (most calls: Optuna reads before every write and
        after it).

        Args:
            log_number_from: the number of the first record to read (from 0).

        Yields:
            The records, in order.

        Raises:
            JournalDamagedError: a line that is not JSON, or nested too deep to read.
        """
        offset = journal_read_offset(self, log_number_from)
        if offset is not None and os.stat(self._path).st_size == offset:
            return
        self.last_read = log_number_from - 1
        try:
            for record in super().read_logs(log_number_from):
                self.last_read += 1
                yield record
        except (RecursionError, ValueError) as error:  # JSON too deep, not JSON, torn
            reason = "nested too deep to read" if isinstance(error, RecursionError) else "not JSON"
            line = self.last_read + 2  # the one after the last record read, counted from 1
            raise JournalDamagedError(
                f"{self._path} line {line}: not a journal record ({reason}); {REPAIR_HINT}"
            ) from None


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


def open_journal(path: str) -> JournalStore:
    """The storage of a journal file, its records replayed by Optuna.

    Raises:
        JournalDamagedError: a record that Optuna cannot read or replay, naming its line.
        OSError: the file cannot be created or read.
    """
    backend = JournalFile(path)
    try:
        return JournalStore(backend)
    except (JournalDamagedError, OSError):
        raise
    except Exception as error:  # the fields of a record are not what Optuna writes
        raise JournalDamagedError(
            f"{path} line {backend.last_read + 1}: Optuna cannot replay it: "
            f"{first_line(error)}; {REPAIR_HINT}"
        ) from None


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
