"""Where studies live: an embedded journal file by default, or any storage URL.

Without a URL a study lives in `runs/<name>/journal.log`, an Optuna JournalStorage file
that any number of processes on this machine may write at once (it locks), and that
optuna-dashboard opens as it is. A URL is passed through: `sqlite:///...`,
`postgresql+psycopg2://...` (an RDB storage, with heartbeats so that trials of dead workers
are failed and retried), or a path to a journal file.

Workers started together on an empty database race to create Optuna's tables; the losers of
that race try again after a short pause instead of failing.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import socket
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import numpy as np
import optuna
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback

from search._optuna import storage_of
from search.journal import (
    JournalDamagedError,
    JournalFile,
    JournalStore,
    check_journal,
    repair_journal,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from dnn import NetworkClassifier, NetworkRegressor

RUNS_DIR = Path("runs")
RDB_SCHEMES = ("sqlite", "postgresql", "mysql", "oracle", "mssql")
MAX_RETRY = 3
SCHEMA_ATTEMPTS = 6
SECRET_QUERY_KEYS = ("password", "passwd", "pwd", "sslpassword", "secret", "token")
_USERINFO_NO_SCHEME = re.compile(r"^[^/\s@]+:[^\s]*@[^\s]+$")
_PASSWORD_IN_TEXT = re.compile(r"(://[^:/@\s]+:)[^\s]*@")


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
        if self.interval < 1:
            raise ValueError(f"heartbeat interval must be >= 1 second, got {self.interval}")
        if self.grace_period <= self.interval:
            raise ValueError(
                f"heartbeat grace period ({self.grace_period} s) must exceed its interval "
                f"({self.interval} s), or healthy trials are failed"
            )


DEFAULT_HEARTBEAT = Heartbeat()


def redact(url: str) -> str:
    """The URL with its password replaced by `***`, wherever it stands (user:password@host or
    `?password=...`); a text that is not a URL is returned with anything like one redacted."""
    if "://" not in url:  # a journal path: nothing to redact, and no SQLAlchemy to import
        return url
    try:
        parsed = make_url(url)
    except Exception:  # not a URL (a journal path, say): redact what looks like credentials
        return _PASSWORD_IN_TEXT.sub(r"\1***@", url)
    query = {
        key: "***" if key.lower() in SECRET_QUERY_KEYS else value
        for key, value in parsed.query.items()
    }
    safe = parsed.set(query=query).render_as_string(hide_password=True)
    safe = safe.replace("%2A%2A%2A", "***")  # a hidden query value, as the password is shown
    # An unencoded @ in a password makes the parse ambiguous (u:p@ss@host): hide up to the last @
    return _PASSWORD_IN_TEXT.sub(r"\1***@", safe)


def make_url(url: str) -> URL:
    """SQLAlchemy's reading of a database URL. SQLAlchemy is imported here, when a database
    URL is read: a study in a journal file, its workers and commands, do without it (a tenth
    of a second or more at every start)."""
    from sqlalchemy.engine import make_url as read

    return read(url)


def default_storage(study_name: str, runs_dir: Path = RUNS_DIR) -> str:
    """The embedded journal file of a study: `runs/<name>/journal.log`."""
    return str(runs_dir / study_name / "journal.log")


def is_rdb(url: str) -> bool:
    return urlsplit(url).scheme.split("+")[0] in RDB_SCHEMES


def normalize_url(url: str) -> str:
    """`postgres://` (the common alias, which SQLAlchemy no longer takes) as `postgresql://`.

    Raises:
        StorageError: a URL of a scheme that is not a database dnnsearch can use (it would
            otherwise be taken for a file path, and its password for a folder name).
    """
    if "://" not in url and _USERINFO_NO_SCHEME.match(url):
        raise StorageError(
            "the storage looks like a database address without its scheme (user:password@host); "
            "write postgresql://user:password@host:port/db, or give a journal file path"
        )
    scheme = urlsplit(url).scheme if "://" in url else ""
    if scheme.split("+")[0] == "postgres":
        return "postgresql" + url[len("postgres") :]
    if scheme and scheme.split("+")[0] not in RDB_SCHEMES:
        raise StorageError(
            f"unknown storage scheme {scheme!r} in {redact(url)}; use postgresql://, sqlite:/// "
            "or the path of a journal file"
        )
    return url


def artifacts_dir(storage: str, study_name: str) -> Path:
    """Folder of a study's files (learned parameters): beside its journal when that is the
    study's own (`.../<name>/journal.log`, as `runs/<name>/journal.log` is), else
    `runs/<name>/storage-<tag>`, the tag a digest of the storage (its URL without password, or
    the journal's absolute path): studies of one name in two storages, or of two names in one
    journal, never share, and overwrite, each other's files."""
    journal = Path(storage)
    if not is_rdb(storage) and journal.name == "journal.log" and journal.parent.name == study_name:
        return journal.parent
    where = redact(storage) if is_rdb(storage) else str(Path(storage).resolve())
    return RUNS_DIR / study_name / f"storage-{hashlib.sha256(where.encode()).hexdigest()[:10]}"


def save_network(network: NetworkClassifier | NetworkRegressor, path: Path) -> str:
    """Save a trained network at `path` without following a link planted there.

    It is written to a fresh file of its own in that folder (created exclusively), then
    renamed over `path`: a rename replaces a symlink at `path`, never the file it points to.

    Returns:
        The path written, as text.
    """
    return _write_safely(path, network.save)


def save_arrays(path: Path, **arrays: np.ndarray) -> str:
    """Save arrays as an `.npz` (no pickle) at `path`, as safely as `save_network`."""
    return _write_safely(path, lambda file: np.savez(file, allow_pickle=False, **arrays))


def _write_safely(path: Path, write: Callable[[str], object]) -> str:
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
        return JournalStore(JournalFile(str(path)))
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
    except StorageError:
        raise
    except Exception as error:  # make_url: not a URL SQLAlchemy can read
        raise _open_error(url, error) from None
    parsed = make_url(url)  # not urlsplit: it takes `#` or `?` in a password for a fragment
    if parsed.get_backend_name() == "postgresql":
        _check_reachable(parsed.host or "localhost", parsed.port or 5432)
    for attempt in range(SCHEMA_ATTEMPTS):
        try:
            if not create and not _has_studies_table(url):
                raise StorageError(f"no dnnsearch studies in {redact(url)} (no Optuna tables)")
            return _rdb_storage(url, heartbeat, create)
        except schema_race as error:
            if attempt == SCHEMA_ATTEMPTS - 1:
                raise _open_error(url, error) from None
            time.sleep(0.05 * 2**attempt * (1 + random.random()))
        except StorageError:
            raise
        except Exception as error:  # SQLAlchemy/driver errors: report one line
            raise _open_error(url, error) from None
    raise AssertionError("unreachable")


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
    where = ""
    for secret in _secrets_of(url):
        message = message.replace(secret, "***")
    try:
        parsed = make_url(url)
        where = f" ({parsed.host or 'localhost'}:{parsed.port or 'default port'})"
    except Exception:  # not a URL SQLAlchemy reads: say nothing more about it
        pass
    return StorageError(f"cannot open storage {redact(url)}{where}: {message}")


def _secrets_of(url: str) -> list[str]:
    """Every way a URL's password may be spelled in a driver's message: as parsed by
    SQLAlchemy, by urllib (which splits at `#` and `?`), percent-encoded or not."""
    found = []
    try:
        parsed = make_url(url)
        found.append(parsed.password or "")
        found += [str(v) for k, v in parsed.query.items() if k.lower() in SECRET_QUERY_KEYS]
    except Exception:  # a URL SQLAlchemy cannot read still has a userinfo part
        pass
    userinfo = url.split("://", 1)[-1].rpartition("@")[0]
    found.append(userinfo.partition(":")[2])
    found += [unquote(secret) for secret in found]
    return sorted({secret for secret in found if len(secret) >= 3}, key=len, reverse=True)


def _engine_kwargs(url: str) -> dict:
    if url.startswith("postgresql"):
        return {"pool_pre_ping": True, "connect_args": {"connect_timeout": 10}}
    return {}


def _check_reachable(host: str, port: int) -> None:
    try:
        with socket.create_connection((host, port), timeout=5):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise StorageError(f"cannot reach PostgreSQL at {host}:{port}: {reason}") from None


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


def repair_storage(study_name: str, storage: str | None = None) -> tuple[int, int, str]:
    """Repair a study's journal file: a backup first, then only its readable records kept.

    Returns:
        (records kept, lines dropped, the backup's path).

    Raises:
        StorageError: the storage is a database, or there is no such file.
    """
    url = normalize_url(storage or default_storage(study_name))
    if is_rdb(url):
        raise StorageError(f"{redact(url)} is a database; only journal files are repaired")
    if not Path(url).is_file():
        raise StorageError(f"no journal file at {url}")
    try:
        return repair_journal(url)
    except OSError as error:
        raise StorageError(f"cannot repair {url}: {error.strerror or error}") from None
