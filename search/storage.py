"""Where studies live: an embedded journal file by default, or any storage URL.

Without a URL a study lives in `runs/<name>/journal.log`, an Optuna JournalStorage file
that any number of processes on this machine may write at once (it locks), and that
optuna-dashboard opens as it is. A URL is passed through: `sqlite:///...`,
`postgresql://...` (an RDB storage, with heartbeats so that trials of dead workers are failed
and retried; `search.dburl` reads it, names its driver and checks that the server answers),
or a path to a journal file.

Workers started together on an empty database race to create Optuna's tables; the losers of
that race try again after a short pause instead of failing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import random
import re
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import numpy as np
import optuna
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState

from search._optuna import fail_trial, storage_of
from search.dburl import (
    RDB_SCHEMES,
    ambiguity,
    driver_url,
    endpoints,
    is_rdb,
    make_url,
    missing_driver,
    redact,
    secrets_of,
    unreachable,
)
from search.journal import open_journal
from search.journal_check import JournalDamagedError, JournalRepair, check_journal, repair_journal
from search.record import Attr, Failure, TrialRecord

if TYPE_CHECKING:
    from dnn import NetworkClassifier, NetworkRegressor

RUNS_DIR = Path("runs")
MAX_RETRY = 3
SCHEMA_ATTEMPTS = 6
OWNERLESS = "no process owns it: repair dropped the records after a damaged line"
_USERINFO_NO_SCHEME = re.compile(r"^[^/\s@]+:[^\s]*@[^\s]+$")


class StorageError(RuntimeError):
    """The storage cannot be opened or reached; the message is one line, without password."""


@dataclass(frozen=True)
class Heartbeat:
    """The heartbeat of trials in an RDB storage: how often they say they are alive.

    A RUNNING trial silent for longer than `grace_period` seconds is failed and re-queued.
    Every worker of a study must agree on both values (a shorter grace period elsewhere fails
    healthy trials), so `run_study` stores them with the study and workers read them.
    """

    interval: int = 10
    grace_period: int = 30

    def __post_init__(self) -> None:
        """Refuse (ValueError) an interval under 1 s, or a grace period not longer than it."""
        if self.interval < 1:
            raise ValueError(f"heartbeat interval must be >= 1 second, got {self.interval}")
        if self.grace_period <= self.interval:
            raise ValueError(
                f"heartbeat grace period ({self.grace_period} s) must exceed its interval "
                f"({self.interval} s), or healthy trials are failed"
            )


DEFAULT_HEARTBEAT = Heartbeat()


def default_storage(study_name: str, runs_dir: Path = RUNS_DIR) -> str:
    """The embedded journal file of a study: `runs/<name>/journal.log`."""
    return str(runs_dir / study_name / "journal.log")


def normalize_url(url: str) -> str:
    """`postgres://` (the common alias, which SQLAlchemy no longer takes) as `postgresql://`.

    Args:
        url: a storage URL or the path of a journal file.

    Returns:
        The URL, its scheme `postgresql` where it was `postgres`.

    Raises:
        StorageError: a URL of a scheme that is not a database dnnsearch can use (it would
            otherwise be taken for a file path, and its password for a folder name), or one
            whose password's end cannot be told (`search.dburl.ambiguity`).
    """
    if "://" not in url and _USERINFO_NO_SCHEME.match(url):
        raise StorageError(
            "the storage looks like a database address without its scheme (user:password@host); "
            "write postgresql://user:password@host:port/db, or give a journal file path"
        )
    unclear = ambiguity(url) if "://" in url else None
    if unclear is not None:
        raise StorageError(unclear)
    scheme = urlsplit(url).scheme if "://" in url else ""
    if scheme.split("+")[0] == "postgres":
        return "postgresql" + url[len("postgres") :]
    if scheme and scheme.split("+")[0] not in RDB_SCHEMES:
        raise StorageError(
            f"unknown storage scheme {scheme!r} in {redact(url)}; use postgresql://, sqlite:/// "
            "or the path of a journal file"
        )
    return url


def storage_file(storage: str) -> str | None:
    """The file a storage lives in: a journal's path, a SQLite database's; None for a server."""
    if not is_rdb(storage):
        return storage
    url = make_url(storage)
    return str(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def artifacts_dir(storage: str, study_name: str) -> Path:
    """Folder of a study's files (learned parameters).

    Beside its journal when that is the study's own (`.../<name>/journal.log`, as
    `runs/<name>/journal.log` is), else `runs/<name>/storage-<tag>`, the tag a digest of the
    storage (its URL without password, `postgres://` written `postgresql://`, or the journal's
    absolute path): studies of one name in two storages, or of two names in one journal, never
    share, and overwrite, each other's files.

    Args:
        storage: the storage URL or journal path.
        study_name: the study's name.

    Returns:
        The folder (not created here).
    """
    journal = Path(storage)
    if not is_rdb(storage) and journal.name == "journal.log" and journal.parent.name == study_name:
        return journal.parent
    where = redact(normalize_url(storage)) if is_rdb(storage) else str(Path(storage).resolve())
    return RUNS_DIR / study_name / f"storage-{hashlib.sha256(where.encode()).hexdigest()[:10]}"


def save_network(network: NetworkClassifier | NetworkRegressor, path: Path) -> str:
    """Save a trained network at `path` without following a link planted there.

    It is written to a fresh file of its own in that folder (created exclusively), then
    renamed over `path`: a rename replaces a symlink at `path`, never the file it points to.

    Returns:
        The path written, as text.
    """
    return write_safely(path, network.save)


def save_arrays(path: Path, **arrays: np.ndarray) -> str:
    """Save arrays as an `.npz` (no pickle) at `path`, as safely as `save_network`."""
    return write_safely(path, lambda file: np.savez(file, allow_pickle=False, **arrays))


def write_safely(path: Path, write: Callable[[str], object]) -> str:
    """Have `write(file)` write a fresh file in `path`'s folder, then rename it to `path`.

    A rename replaces a link planted at `path`, never the file it points to; a write that fails
    leaves nothing behind.

    Args:
        path: where the file goes (its folder is created; a folder that is a link is refused).
        write: writes the file at the path it is given.

    Returns:
        The path written, as text.
    """
    folder = path.parent
    if folder.is_symlink():
        raise StorageError(f"{folder} is a symbolic link; refusing to write networks through it")
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".saving-", suffix=".npz")
    os.close(fd)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return str(path)


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def open_storage(
    url: str, *, create: bool = True, heartbeat: Heartbeat = DEFAULT_HEARTBEAT
) -> optuna.storages.BaseStorage:
    """Open a storage URL or journal path; raise StorageError (one line) when it cannot be.

    Args:
        url: an RDB URL (`postgresql+psycopg2://user:password@host:port/db`, `sqlite:///...`)
            or the path of a journal file.
        create: create a missing journal file or database tables; without it (the read-only
            commands) nothing is created, and a storage without studies is refused.
        heartbeat: the heartbeat of RDB storages other than SQLite.

    An existing file is used only if it is a journal: a file of some other kind (notes, JSON,
    a device, a folder) is refused and left as it was.
    """
    url = normalize_url(url)
    if is_rdb(url):
        return _open_rdb(url, heartbeat, create)
    path = Path(url)
    if path.is_symlink() and path.parts[:1] == (RUNS_DIR.name,):
        raise StorageError(f"{path} is a symbolic link; a study's own journal must be a file")
    if path.exists() or path.is_symlink():
        _check_journal_file(path)
    elif not create:
        raise StorageError(f"no study storage at {url} (run a study first, or pass --storage)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open_journal(str(path))
    except JournalDamagedError as error:
        raise StorageError(str(error)) from None
    except OSError as error:
        raise StorageError(f"cannot open journal file {url}: {error.strerror or error}") from None


# Journal files this process found whole, by (device, inode, size, mtime): a run opens its
# journal more than once as it starts (to create the study, then in its worker), and the check
# reads every line; an unchanged file need not be read again.
_CHECKED_JOURNALS: set[tuple[int, int, int, int]] = set()


def _check_journal_file(path: Path) -> None:
    if not path.is_file():
        raise StorageError(f"{path} is not a journal file (a folder, device or broken link)")
    stat = path.stat()
    key = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if key in _CHECKED_JOURNALS:
        return
    try:
        check_journal(str(path))
        _CHECKED_JOURNALS.add(key)
    except JournalDamagedError as error:
        raise StorageError(str(error)) from None
    except OSError as error:
        raise StorageError(f"cannot read journal file {path}: {error.strerror or error}") from None


def _check_database_url(url: str, create: bool) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        raise StorageError(
            f"{redact(url)} is an in-memory database, gone when the command ends; "
            "give a file (sqlite:///studies.db) or a journal path"
        )
    if not create and not Path(database).is_file():
        raise StorageError(f"no study storage at {redact(url)} (run a study first)")


def _open_rdb(url: str, heartbeat: Heartbeat, create: bool = True) -> RDBStorage:
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    # Concurrent CREATE TABLE / CREATE TYPE on an empty database: the losers see these.
    schema_race = (IntegrityError, ProgrammingError)
    try:
        _check_database_url(url, create)
        engine_url = driver_url(url)
        _check_driver_and_server(engine_url)
    except StorageError:
        raise
    except Exception as error:  # make_url: not a URL SQLAlchemy can read
        raise _open_error(url, error) from None
    for attempt in range(SCHEMA_ATTEMPTS):
        try:
            if not create and not _has_studies_table(engine_url):
                raise StorageError(f"no dnnsearch studies in {redact(url)} (no Optuna tables)")
            return _rdb_storage(engine_url, heartbeat, create)
        except schema_race as error:
            if attempt == SCHEMA_ATTEMPTS - 1:
                raise _open_error(url, error) from None
            time.sleep(0.05 * 2**attempt * (1 + random.random()))
        except StorageError:
            raise
        except Exception as error:  # SQLAlchemy/driver errors: report one line
            raise _open_error(url, error) from None
    raise AssertionError("unreachable")


def _check_driver_and_server(url: str) -> None:
    """Refuse a driver that is not installed, and a server that answers at no endpoint.

    One line each; the reachability check has a timeout of its own (libpq may wait far
    longer), and is skipped where the URL leaves the address to libpq.
    """
    if make_url(url).get_backend_name() != "postgresql":
        return
    missing = missing_driver(url)
    if missing is not None:
        raise StorageError(missing)
    found = endpoints(url, os.environ)
    refused = unreachable(found) if found else None  # None: the URL leaves it to libpq
    if refused is not None:
        raise StorageError(refused)


def _has_studies_table(url: str) -> bool:
    """Whether the database holds Optuna's tables, asked without creating anything."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url, **_engine_kwargs(url))
    try:
        return sqlalchemy.inspect(engine).has_table("studies")
    finally:
        engine.dispose()


def _rdb_storage(url: str, heartbeat: Heartbeat, create: bool = True) -> RDBStorage:
    if url.startswith("sqlite"):
        return RDBStorage(url, engine_kwargs=_engine_kwargs(url), skip_table_creation=not create)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return RDBStorage(
            url,
            engine_kwargs=_engine_kwargs(url),
            heartbeat_interval=heartbeat.interval,
            grace_period=heartbeat.grace_period,
            heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRY),
            skip_table_creation=not create,
        )


def _open_error(url: str, error: Exception) -> StorageError:
    message = redact(str(error).splitlines()[0]) if str(error) else type(error).__name__
    for secret in secrets_of(url):
        message = message.replace(secret, "***")
    return StorageError(f"cannot open storage {redact(url)}{_where(url)}: {message}")


def _where(url: str) -> str:
    """` (host:port)`: a PostgreSQL URL's endpoints as its driver reads them.

    Empty when they cannot be told; never the host as SQLAlchemy alone reads it, which a
    misread password may be part of.
    """
    try:
        if make_url(url).get_backend_name() != "postgresql":
            return ""
        found = endpoints(driver_url(url), os.environ)
    except Exception:  # not a URL SQLAlchemy reads: say nothing more about it
        return ""
    return f" ({', '.join(map(str, found))})" if found else ""


def _engine_kwargs(url: str) -> dict:
    if url.startswith("postgresql"):
        return {"pool_pre_ping": True, "connect_args": {"connect_timeout": 10}}
    return {}


def has_heartbeat(storage: optuna.storages.BaseStorage) -> bool:
    """True when running trials in this storage send heartbeats (RDB, other than SQLite)."""
    interval = getattr(storage, "get_heartbeat_interval", None)
    return interval is not None and interval() is not None


def study_has_heartbeat(study: optuna.Study) -> bool:
    """True when the study's running trials send heartbeats."""
    return has_heartbeat(storage_of(study))


def fail_stale_trials(study: optuna.Study) -> None:
    """Fail the RUNNING trials whose heartbeat stopped, and re-queue them (as WAITING)."""
    if study_has_heartbeat(study):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)


def repair_storage(study_name: str, storage: str | None = None) -> JournalRepair:
    """Repair a study's journal file, after a backup.

    Only its records up to the first damaged one are kept (`search.journal.repair_journal`);
    then the trials that the kept records leave RUNNING with no process recorded (no `pid`:
    its record was dropped) are marked FAIL, since no run could ever tell that they died.

    Args:
        study_name: the study, whose journal is `runs/<name>/journal.log` by default.
        storage: the journal file, when it is elsewhere.

    Returns:
        What was kept, dropped and failed; `.message()` says it in one line.

    Raises:
        StorageError: the storage is a database, or there is no such file, or no journal
            (nothing of it would be kept: it is left as it is).
    """
    url = normalize_url(storage or default_storage(study_name))
    if is_rdb(url):
        raise StorageError(f"{redact(url)} is a database; only journal files are repaired")
    if not Path(url).is_file():
        raise StorageError(f"no journal file at {url}")
    try:
        repair = repair_journal(url)
        if not repair.dropped:
            return repair
        return dataclasses.replace(repair, failed=_fail_ownerless(url))
    except JournalDamagedError as error:
        raise StorageError(str(error)) from None
    except OSError as error:
        raise StorageError(f"cannot repair {url}: {error.strerror or error}") from None


def _fail_ownerless(path: str) -> tuple[int, ...]:
    """Mark FAIL the RUNNING trials of a journal that record no process; their numbers."""
    storage = open_journal(path)
    failed = []
    for frozen in storage.get_all_studies():
        study = optuna.load_study(study_name=frozen.study_name, storage=storage)
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            if Attr.PID not in trial.user_attrs:
                reason = TrialRecord(fail_reason=Failure.DIED.reason(OWNERLESS))
                fail_trial(study, trial, reason.to_user_attrs())
                failed.append(trial.number)
    return tuple(failed)
