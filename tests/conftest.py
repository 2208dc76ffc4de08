"""Shared fixtures.

`postgres_server` starts a throwaway PostgreSQL server (initdb / pg_ctl from the Debian
packages that `.ci/run` installs) on 127.0.0.1, a free port, and a Unix socket in its temporary
directory, with a password-authenticated user; `postgres_url` gives each test its own empty
database on it. The fixtures talk to the server through psycopg 3 (the `postgres` extra's
driver); the URLs they give use the README's plain `postgresql://` form.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

PG_USER = "dnnsearch"


@dataclass(frozen=True)
class PostgresServer:
    """A running throwaway server: connect as `user`/`password` to 127.0.0.1:`port`, or
    through the Unix socket `socket_dir/.s.PGSQL.<port>`."""

    port: int
    user: str
    password: str
    socket_dir: Path

    def url(self, database: str = "postgres", scheme: str = "postgresql") -> str:
        """The URL of a database over TCP, `scheme://user:password@127.0.0.1:port/database`."""
        return f"{scheme}://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def socket_url(self, database: str = "postgres", scheme: str = "postgresql") -> str:
        """The URL of a database through the Unix socket: host and port in the query."""
        folder = quote(str(self.socket_dir), safe="/")
        return f"{scheme}://{self.user}:{self.password}@/{database}?host={folder}&port={self.port}"

    def execute(self, statement: object) -> None:
        """Run one statement (a `psycopg.sql.Composable` or text) on the server, autocommit."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.user,
            password=self.password,
            dbname="postgres",
            autocommit=True,
        ) as connection:
            connection.execute(statement)

    def create_database(self, name: str, owner: str | None = None) -> str:
        """Create an empty database (owned by `owner`, a role, when given); returns its URL."""
        from psycopg import sql

        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if owner is not None:
            statement = sql.SQL("{} OWNER {}").format(statement, sql.Identifier(owner))
        self.execute(statement)
        return self.url(name)

    def create_role(self, name: str, password: str) -> None:
        """Create a role that logs in with `password` (any characters)."""
        from psycopg import sql

        self.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(password)
            )
        )


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _version_key(path: str) -> float:
    try:
        return float(Path(path).parts[-3])
    except ValueError:
        return 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    """initdb refuses to run as root: run the server as the `postgres` system user then."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@pytest.fixture(autouse=True)
def one_job_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """A study that does not say how many jobs runs one in these tests (the machine's cores
    otherwise): trials run in this process, quickly and in a known order. Tests of several
    jobs say so (`n_jobs = 2`); `test_the_default_jobs_are_the_machines_cores` checks the
    real default."""
    import search.spec

    monkeypatch.setattr(search.spec, "default_jobs", lambda: 1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server binary (initdb); .ci/run installs the postgresql package")
    root = Path(tempfile.mkdtemp(prefix="dnnsearch-pg-"))
    data = root / "data"
    password = "pw" + secrets.token_hex(8)
    (root / "pwfile").write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(root / "pwfile", "postgres")
    port = _free_port()
    initdb = [
        str(bin_dir / "initdb"),
        "-D",
        str(data),
        "-U",
        PG_USER,
        f"--pwfile={root / 'pwfile'}",
        "--auth=scram-sha-256",
        "-E",
        "UTF8",
        "--no-sync",
    ]
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    )
    pg_ctl = str(bin_dir / "pg_ctl")
    try:
        subprocess.run(_as_server_user(initdb), check=True, capture_output=True, timeout=120)
        subprocess.run(
            _as_server_user(
                [
                    pg_ctl,
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(root / "log"),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=90,
        )
    except subprocess.CalledProcessError as error:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"cannot start PostgreSQL: {error.stderr.decode()} {log}") from None
    try:
        yield PostgresServer(port=port, user=PG_USER, password=password, socket_dir=root)
    finally:
        subprocess.run(
            _as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> str:
    """The URL (with its password) of a new, empty database for this test."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:40]
    return postgres_server.create_database(f"{name}_{secrets.token_hex(3)}")
