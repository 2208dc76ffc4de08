"""What a journal file's records must be, checked before Optuna replays them; and repair.

Optuna's replay takes every line of a journal for a record of its own: a line that is not
JSON, or is nested so deep that Python's JSON reader recurses until it fails, or lacks a
field that the replay reads, ended every command with an internal error; and a record of a
trial whose creation line was lost went to another trial, or to none (Optuna gives studies
and trials the ids of their creation records' positions), leaving a trial RUNNING for ever.
`check_journal` refuses all of these, naming the line; `repair_journal` keeps a backup, then
the records before the first damaged line, and says what it dropped.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from optuna.storages import JournalStorage
from optuna.storages.journal import BaseJournalBackend

REPAIR_HINT = "`dnnsearch repair NAME` keeps a backup and drops that line and the ones after it"
MAX_DEPTH = 100  # arrays and objects in one record; Optuna's and ours nest fewer than 10 deep
CREATE_STUDY, DELETE_STUDY, CREATE_TRIAL = 0, 1, 4
_NUMBER = (int, float)
_NONE = (type(None),)
# The journal's format (Optuna 5's `JournalOperation` codes, which it must keep to read old
# files): for each operation, the fields that Optuna's replay reads whatever else it holds.
FIELDS: dict[int, dict[str, tuple[type, ...]]] = {
    CREATE_STUDY: {"study_name": (str,), "directions": (list,)},
    DELETE_STUDY: {"study_id": (int,)},
    2: {"study_id": (int,), "user_attr": (dict,)},
    3: {"study_id": (int,), "system_attr": (dict,)},
    CREATE_TRIAL: {"study_id": (int,), "datetime_start": (str, *_NONE)},
    5: {
        "trial_id": (int,),
        "param_name": (str,),
        "param_value_internal": _NUMBER,
        "distribution": (str,),
    },
    6: {"trial_id": (int,), "state": (int,), "values": (list, *_NONE)},
    7: {"trial_id": (int,), "step": (int,), "intermediate_value": (*_NUMBER, *_NONE)},
    8: {"trial_id": (int,), "user_attr": (dict,)},
    9: {"trial_id": (int,), "system_attr": (dict,)},
    10: {},  # DISCARD_TRIALS, written by Rustuna, skipped by Optuna
}
_REQUIRED = {op: (("worker_id", (str,)), *fields.items()) for op, fields in FIELDS.items()}
_DECODER = json.JSONDecoder()
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(rb"[\[\]{}]")


class JournalDamagedError(ValueError):
    """A journal file holds a line that is not a journal record; the message names it."""


def _too_deep(line: bytes) -> bool:
    """Whether the JSON on a line nests more than MAX_DEPTH arrays and objects.

    Python's JSON reader, and Optuna's copies of what it read, recurse once a level, and fail.
    """
    if line.count(b"[") + line.count(b"{") <= MAX_DEPTH:  # at most that deep: most lines
        return False
    depth = 0
    for bracket in _BRACKET.findall(_JSON_STRING.sub(b"", line)):  # brackets outside strings
        depth += 1 if bracket in b"[{" else -1
        if depth > MAX_DEPTH:
            return True
    return False


def _read(line: bytes) -> dict[str, Any] | str:
    """The record on a line, or why it is not one that Optuna can replay."""
    if _too_deep(line):
        return f"nested more than {MAX_DEPTH} deep"
    try:
        record = _DECODER.decode(line.decode())
    except RecursionError:
        return "nested too deep to read"
    except ValueError:  # UnicodeDecodeError too
        return "not JSON"
    if not isinstance(record, dict) or not isinstance(record.get("op_code"), int):
        return "no op_code"
    required = _REQUIRED.get(record["op_code"])
    if required is None:
        return f"unknown op_code {record['op_code']}"
    for key, kinds in required:
        if key not in record:
            return f"no {key}"
        if not isinstance(record[key], kinds):
            return f"{key} is not {' or '.join(kind.__name__ for kind in kinds)}"
    if "values" in record or "value" in record:
        return _values_problem(record) or record
    return record


def _values_problem(record: dict[str, Any]) -> str | None:
    """Why a record's objective values (which every report reads) are not numbers, or None."""
    values = record.get("values")
    if values is not None and not (
        isinstance(values, list) and all(isinstance(v, _NUMBER) for v in values)
    ):
        return "values are not numbers"
    if not isinstance(record.get("value"), (*_NUMBER, *_NONE)):
        return "value is not a number"
    return None


class _Positions:
    """The ids that Optuna's replay gives studies and trials.

    They are the positions of their creation records (the n-th that creates one gives it id
    n - 1), so a lost creation record hands every later record to the wrong study or trial,
    or to none.
    """

    def __init__(self) -> None:
        self.names: dict[str, int] = {}  # the live studies, by name
        self.studies = 0
        self.trials = 0

    def orphan(self, record: dict[str, Any]) -> str | None:
        """Why the record names a study or trial that no earlier record creates, or None.

        Then the record is taken into account (a study or trial it creates, or deletes).
        """
        op = record["op_code"]
        if op == CREATE_STUDY:
            if record["study_name"] not in self.names:  # a second one of a name is ignored
                self.names[record["study_name"]] = self.studies
                self.studies += 1
            return None
        for key, count in (("trial_id", self.trials), ("study_id", self.studies)):
            if key in record and key in FIELDS[op] and not 0 <= record[key] < count:
                name = key.replace("_", " ")
                return f"it names {name} {record[key]}, which no line before it creates"
        live = record.get("study_id") in self.names.values()
        if op == DELETE_STUDY and live:
            del self.names[next(k for k, v in self.names.items() if v == record["study_id"])]
        if op == CREATE_TRIAL and live:  # a trial of a deleted study is ignored
            self.trials += 1
        return None


def check_journal(path: str) -> None:
    """Refuse a file that is not a journal, or a journal with a damaged or missing record.

    Read line by line (a journal of many trials is not held in memory at once). A torn last
    line (a writer killed mid-write) is not damage: the next append cuts it.

    Raises:
        JournalDamagedError: naming the file, and the line of the first bad record.
    """
    number, reason = _first_damage(path)
    if reason is None:
        return
    if number == 1:
        raise JournalDamagedError(
            f"{path} is not a dnnsearch journal file (line 1: {reason}); refusing to use it"
        )
    raise JournalDamagedError(f"{path} line {number}: {reason}; {REPAIR_HINT}")


def _first_damage(path: str) -> tuple[int, str | None]:
    """The first complete line that is not a record, or names what no line before it creates.

    Returns:
        Its number and why; (0, None) when there is none.
    """
    positions = _Positions()
    with open(path, "rb") as file:
        for number, line in enumerate(file, start=1):
            torn = not line.endswith(b"\n")  # the last line, torn by a killed writer
            if torn and (number > 1 or not line.strip()):
                break
            found = _read(line.rstrip(b"\n") if not torn else line)
            if isinstance(found, str):
                return number, f"not a journal record ({found})"
            orphan = positions.orphan(found)
            if orphan is not None:
                return number, f"{orphan} (a line is missing)"
    return 0, None


# -- repair -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JournalRepair:
    """What `repair_journal` did.

    The records kept, the lines dropped (those that were not records, and the records after
    the first damage), where the first damage was, and the backup.
    """

    kept: int
    unreadable: int  # dropped lines that were not records (torn, not JSON, too deep, ...)
    after: int  # dropped records that could be read, but came after the damage
    backup: str
    first: int | None = None  # the first dropped line's number (None: nothing dropped)
    why: str | None = None  # what is wrong with it
    readable: bool = False  # whether it is a record (one that names what no line creates...)
    failed: tuple[int, ...] = ()  # numbers of the trials marked FAIL: none owned them

    @property
    def dropped(self) -> int:
        """Every line dropped."""
        return self.unreadable + self.after

    def message(self) -> str:
        """One line saying what was kept and dropped, and why."""
        kept = _count(self.kept, "record")
        if not self.dropped:
            return f"nothing to repair: kept all {kept}; a copy is {self.backup}"
        where = f"line {self.first}: {self.why}"
        if self.readable:
            what = f"the {self.dropped} lines from line {self.first} on ({where})"
            what = what if self.dropped > 1 else f"line {self.first} ({self.why})"
        elif self.unreadable == 1:
            what = f"1 unreadable line ({where})"
            what += f" and the {_count(self.after, 'record')} after it" if self.after else ""
        else:
            what = f"{self.unreadable} unreadable lines (the first, {where})"
            what += f" and {_count(self.after, 'readable record')} after it" if self.after else ""
        failed = ""
        if self.failed:
            numbers = ", ".join(map(str, self.failed))
            failed = f"; marked FAIL the trials it left running with no process: {numbers}"
        return f"kept {kept}, dropped {what}{failed}; the old file is {self.backup}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def repair_journal(path: str) -> JournalRepair:
    """Keep a backup of a journal file, then keep its records up to the first damaged one.

    A line is damaged when it is not a record (`check_journal`), names a study or trial that
    no line before it creates, or is one that Optuna cannot replay. Every line after it is
    dropped too, readable or not: Optuna gives studies and trials the ids of their creation
    records' positions, so when a damaged or lost line was a creation record, the later
    records would be given to the wrong trials. The backup keeps every byte. Done under the
    journal's lock, so no writer appends meanwhile; stop the study's workers first (they keep
    positions in the file).

    Returns:
        What was kept and dropped.

    Raises:
        JournalDamagedError: its first line is damaged, so that nothing would be kept: the file
            is not a journal (notes, say), or what would tell its studies apart is lost. It is
            left as it is.
    """
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with os.fdopen(os.dup(fd), "rb") as file:
            data = file.read()
        lines = data.split(b"\n")
        complete = lines[:-1]
        kept, why, readable = _first_damaged(complete)
        if kept == 0 and data.strip():
            raise JournalDamagedError(
                f"{path} is not a dnnsearch journal file (line 1: {why or 'torn'}); repair "
                "would keep nothing of it, and leaves it as it is"
            )
        backup = f"{path}.{time.strftime('%Y%m%d-%H%M%S')}.bak"
        with open(backup, "xb") as file:  # never overwrite an earlier backup
            file.write(data)
        os.ftruncate(fd, sum(len(line) + 1 for line in complete[:kept]))
    finally:
        os.close(fd)  # releases the lock
    unreadable = sum(isinstance(_read(line), str) for line in complete[kept:]) + bool(lines[-1])
    after = len(complete) - kept - unreadable + bool(lines[-1])
    if why is None and lines[-1]:
        why = "torn, its writer stopped mid-line"
    first = kept + 1 if unreadable or after else None
    return JournalRepair(kept, unreadable, after, backup, first, why, readable)


def _first_damaged(lines: list[bytes]) -> tuple[int, str | None, bool]:
    """The first damaged line of a journal's complete lines.

    Returns:
        Its index, why, and whether it is a record; (the number of lines, None, False) when
        none is damaged.
    """
    positions: _Positions = _Positions()
    records: list[dict[str, Any]] = []
    for index, line in enumerate(lines):
        found = _read(line)
        if isinstance(found, str):
            return _unreplayable(records) or (index, found, False)
        orphan = positions.orphan(found)
        if orphan is not None:
            return _unreplayable(records) or (index, f"{orphan}; a line is missing", True)
        records.append(found)
    return _unreplayable(records) or (len(lines), None, False)


class _Records(BaseJournalBackend):
    """Records in memory, served to Optuna's replay; remembers the last one it served."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.last = -1

    def read_logs(self, log_number_from: int) -> Generator[dict[str, Any], None, None]:
        for number in range(log_number_from, len(self.records)):
            self.last = number
            yield self.records[number]

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        raise NotImplementedError("records in memory are only read")


def _unreplayable(records: list[dict[str, Any]]) -> tuple[int, str, bool] | None:
    """The first record that Optuna's replay fails on.

    Returns:
        Its index, why, and True (it is a record); None when Optuna replays them all.
    """
    served = _Records(records)
    try:
        JournalStorage(served)  # replays them all
    except Exception as error:  # anything: the record's fields are not what Optuna wrote
        return served.last, f"Optuna cannot replay it: {first_line(error)}", True
    return None


def first_line(error: BaseException) -> str:
    """`Type first line of its message`, to name an error in one line."""
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__} {text}".strip()
