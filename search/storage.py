"""Where studies live: an embedded journal file by default, or any storage URL.

Without a URL a study lives in `runs/<name>/journal.log`, an Optuna JournalStorage file
that any number of processes on this machine may write at once (it locks), and that
optuna-dashboard opens as it is. A URL is passed through: `sqlite:///...`,
`postgresql+psycopg2://...` (an RDB storage, with heartbeats so that trials of dead workers
are failed and retried), or a path to a journal file.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

import optuna
from optuna.storages import JournalStorage, RDBStorage, RetryFailedTrialCallback
from optuna.storages.journal import JournalFileBackend

RUNS_DIR = Path("runs")
RDB_SCHEMES = ("sqlite", "postgresql", "mysql", "oracle", "mssql")
HEARTBEAT_INTERVAL = 10
GRACE_PERIOD = 30
MAX_RETRY = 3


class StorageError(RuntimeError):
    """The storage cannot be opened or reached; the message is one line, without password."""


def redact(url: str) -> str:
    """The URL with its password replaced by `***`."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def default_storage(study_name: str, runs_dir: Path = RUNS_DIR) -> str:
    """The embedded journal file of a study: `runs/<name>/journal.log`."""
    return str(runs_dir / study_name / "journal.log")


def is_rdb(url: str) -> bool:
    return urlsplit(url).scheme.split("+")[0] in RDB_SCHEMES


def artifacts_dir(storage: str, study_name: str) -> Path:
    """Folder for a study's files (learned parameters): beside a journal file, else `runs/<name>`."""
    if not is_rdb(storage) and Path(storage).name == "journal.log":
        return Path(storage).parent
    return RUNS_DIR / study_name


def open_storage(url: str, *, create: bool = True) -> optuna.storages.BaseStorage:
    """Open a storage URL or journal path; raise StorageError (one line) when it cannot be."""
    if is_rdb(url):
        return _open_rdb(url)
    path = Path(url)
    if not path.exists() and not create:
        raise StorageError(f"no study storage at {url} (run a study first, or pass --storage)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(str(path)))
    except OSError as error:
        raise StorageError(f"cannot open journal file {url}: {error.strerror or error}") from None


def _open_rdb(url: str) -> RDBStorage:
    parts = urlsplit(url)
    where = f"{parts.hostname or 'localhost'}:{parts.port or 'default port'}"
    if parts.scheme.startswith("postgresql"):
        _check_reachable(parts.hostname or "localhost", parts.port or 5432)
    try:
        return RDBStorage(
            url,
            engine_kwargs=_engine_kwargs(url),
            heartbeat_interval=HEARTBEAT_INTERVAL if not url.startswith("sqlite") else None,
            grace_period=GRACE_PERIOD if not url.startswith("sqlite") else None,
            failed_trial_callback=RetryFailedTrialCallback(max_retry=MAX_RETRY)
            if not url.startswith("sqlite")
            else None,
        )
    except Exception as error:  # noqa: BLE001 - SQLAlchemy/driver errors: report one line
        message = redact(str(error).splitlines()[0]) if str(error) else type(error).__name__
        if parts.password:
            message = message.replace(parts.password, "***")
        raise StorageError(f"cannot open storage {redact(url)} ({where}): {message}") from None


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
