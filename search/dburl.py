"""Database storage URLs: read without showing a password, given a driver, and reached.

A URL's password must never be shown, so a URL whose password cannot be told apart from
the rest is refused rather than guessed at: SQLAlchemy ends a password at its first `@`, so
`user:pa@ss@host` would have it connect to the host `ss@host` and name it in every message.
`ambiguity` says why a URL is such a one, without quoting it.

The PostgreSQL driver is chosen here, not by the installed SQLAlchemy (whose default for a
plain `postgresql://` was psycopg2 up to 2.0 and is psycopg 3 from 2.1): psycopg 3, the
maintained one, which the `postgres` extra installs; psycopg2 only where psycopg 3 is
missing and psycopg2 is installed (an older install of this project), or where the URL
names it (`postgresql+psycopg2://`).

SQLAlchemy is imported when a database URL is read: a study in a journal file, its workers
and commands, do without it (a tenth of a second or more at every start).
"""

from __future__ import annotations

import importlib.util
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

# `postgres` too, the alias that `search.storage.normalize_url` writes `postgresql`: a URL of
# it, taken for a journal path, would be made a file name, password and all.
RDB_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "oracle", "mssql")
SECRET_QUERY_KEYS = ("password", "passwd", "pwd", "sslpassword", "secret", "token")
POSTGRES_DRIVERS = ("psycopg", "psycopg2")  # in the order of preference, for `postgresql://`
DEFAULT_PORT = 5432
_URL_START = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# `scheme://user:password@` in a text, or `scheme:/user:...` (a URL made a path, `//` lost)
_PASSWORD_IN_TEXT = re.compile(r"(:/+[^:/@\s]+:)[^\s]*@")
_ENCODE = "('@' as %40, ':' as %3A, '/' as %2F, '?' as %3F, '#' as %23)"


def make_url(url: str) -> URL:
    """SQLAlchemy's reading of a database URL (SQLAlchemy is imported on first use).

    Args:
        url: a database URL.

    Returns:
        SQLAlchemy's `URL`.

    Raises:
        Exception: whatever SQLAlchemy raises for a text it cannot read as a URL.
    """
    from sqlalchemy.engine import make_url as read

    return read(url)


def is_rdb(url: str) -> bool:
    """Whether `url` names a database (by its scheme), not a journal file."""
    return urlsplit(url).scheme.split("+")[0] in RDB_SCHEMES


def ambiguity(url: str) -> str | None:
    """Why the end of a URL's password cannot be told, or None when it can (or there is none).

    A raw `@` may stand once, between the user's part and the host: with two, SQLAlchemy and
    libpq take the password to end at the first, and the rest of it for the host. A user name
    holding `/`, `?` or `#` makes SQLAlchemy miss the user's part and read the password as the
    host or database. The answer never quotes the URL.

    Args:
        url: a storage URL.

    Returns:
        A one-line message saying that the user name and password must be percent-encoded,
        or None.
    """
    scheme, _, rest = url.partition("://")
    if scheme.split("+")[0].lower() == "sqlite":  # a file's path, which may hold an `@`
        return None
    if rest.count("@") > 1:
        why = "it holds more than one '@'"
    elif "@" in rest and not _userinfo_read_alike(url, rest.partition("@")[0]):
        why = "the text before its '@' does not read as user:password"
    else:
        return None
    return (
        f"the storage URL is ambiguous ({why}): its password and user name must be "
        f"percent-encoded {_ENCODE}; the URL is not shown, as it may hold a password"
    )


def _userinfo_read_alike(url: str, userinfo: str) -> bool:
    """Whether SQLAlchemy reads `user:password` before the `@` as the user's part, as it is."""
    try:
        parsed = make_url(url)
    except Exception:  # not a URL it can read: refused later, redacted as text meanwhile
        return True
    user, _, password = userinfo.partition(":")
    return parsed.username == unquote(user) and (parsed.password or "") == unquote(password)


def redact(url: str) -> str:
    """A URL, path or message as it may be shown: without any password.

    A URL's password is replaced by `***` (in `user:password@` and in a query's
    `password=`); an ambiguous URL is shown as its scheme and `***` alone; in a text that is
    not a URL, anything like `scheme://user:password@` is redacted.

    Args:
        url: a URL, a journal path, or a line of text.

    Returns:
        The text, safe to show.
    """
    if not _URL_START.match(url):  # a path or a message, which may quote a URL
        return _PASSWORD_IN_TEXT.sub(r"\1***@", url)
    if ambiguity(url) is not None:
        return url.partition("://")[0] + "://***"
    try:
        parsed = make_url(url)
    except Exception:  # not a URL SQLAlchemy reads: hide everything up to the last `@`
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.rpartition('@')[2]}" if "@" in rest else url
    query = {
        key: "***" if key.lower() in SECRET_QUERY_KEYS else value
        for key, value in parsed.query.items()
    }
    safe = parsed.set(query=query).render_as_string(hide_password=True)
    return safe.replace("%2A%2A%2A", "***")  # a hidden query value, as the password is shown


def secrets_of(url: str) -> list[str]:
    """Every way a URL's password may be spelled in a driver's message.

    As SQLAlchemy reads it, as the text between the first `:` and the last `@` reads,
    percent-encoded or not; the query's secret values too. Longest first, so that a longer
    one is replaced whole.

    Args:
        url: a storage URL.

    Returns:
        The spellings of three characters or more.
    """
    found = []
    try:
        parsed = make_url(url)
        found.append(parsed.password or "")
        for key, value in parsed.query.items():
            if key.lower() in SECRET_QUERY_KEYS:
                found += [value] if isinstance(value, str) else list(value)
    except Exception:  # a URL SQLAlchemy cannot read still has a userinfo part
        pass
    userinfo = url.split("://", 1)[-1].rpartition("@")[0]
    found.append(userinfo.partition(":")[2])
    found += [unquote(secret) for secret in found]
    return sorted({secret for secret in found if len(secret) >= 3}, key=len, reverse=True)


def driver_url(url: str) -> str:
    """The URL that SQLAlchemy is given: a plain `postgresql://` with its driver named.

    psycopg 3 when it is installed (the `postgres` extra), else psycopg2 when that is, else
    psycopg 3 all the same (then `missing_driver` names what to install).

    Args:
        url: a normalized storage URL (`postgres://` already written `postgresql://`).

    Returns:
        The URL, with `+psycopg` or `+psycopg2` after a plain `postgresql` scheme.
    """
    if not url.startswith("postgresql://"):
        return url
    installed = [name for name in POSTGRES_DRIVERS if importlib.util.find_spec(name)]
    return f"postgresql+{(installed or ['psycopg'])[0]}" + url[len("postgresql") :]


def missing_driver(url: str) -> str | None:
    """What to install when the URL's database driver cannot be imported (None: it can).

    Args:
        url: the URL SQLAlchemy is given (see `driver_url`).

    Returns:
        A one-line message naming the driver and the package that provides it, or None.
    """
    parsed = make_url(url)
    try:
        parsed.get_dialect().import_dbapi()
    except ImportError as error:
        driver = parsed.get_driver_name()
        if driver == "psycopg":
            hint = "pip install 'psycopg[binary]' (the postgres extra installs it)"
        elif driver == "psycopg2":
            hint = "pip install psycopg2-binary, or write postgresql:// to use psycopg 3"
        else:
            hint = f"install the {driver} package"
        return f"the database driver {driver} is not installed ({error.name or error}): {hint}"
    return None


@dataclass(frozen=True)
class Endpoint:
    """One address a PostgreSQL client tries.

    A TCP host and port, or a Unix socket: a host that is a directory, holding the socket
    `.s.PGSQL.<port>`.
    """

    host: str
    port: int

    @property
    def socket_path(self) -> str | None:
        """The Unix socket's path, or None for a TCP address."""
        return f"{self.host.rstrip('/')}/.s.PGSQL.{self.port}" if self.is_socket else None

    @property
    def is_socket(self) -> bool:
        """Whether the host is a directory (a Unix socket), as libpq tells: a leading `/`."""
        return self.host.startswith("/")

    def __str__(self) -> str:
        """`host:port`, `[ipv6]:port`, or the socket's path."""
        if self.socket_path is not None:
            return self.socket_path
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def endpoints(url: str, environ: Mapping[str, str]) -> list[Endpoint] | None:
    """The addresses a PostgreSQL URL's driver tries, as libpq reads them.

    In the URL's authority or its query (`?host=/run/postgresql&port=5433`,
    `?host=h1:5432&host=h2:5433`, `?host=h1,h2&port=5432,5433`).

    Args:
        url: a PostgreSQL URL that SQLAlchemy reads.
        environ: the environment, for libpq's `PGPORT`.

    Returns:
        The endpoints, or None when they cannot be told from the URL: no host in it (libpq's
        default socket or `PGHOST`), a `service` or `hostaddr`, an abstract socket (`@name`).
    """
    parsed = make_url(url)
    options = parsed.get_dialect()().create_connect_args(parsed)[1]
    hosts = str(options.get("host") or "").split(",")
    if not all(hosts) or {"service", "hostaddr"} & set(options) or any(h[0] == "@" for h in hosts):
        return None
    default = environ.get("PGPORT", str(DEFAULT_PORT))
    if "port" not in options and (not default.isdigit() or "PGSERVICE" in environ):
        return None
    ports = str(options.get("port", default)).split(",")
    if len(ports) == 1:
        ports *= len(hosts)
    if len(ports) != len(hosts) or not all(p.isdigit() or not p for p in ports):
        return None
    return [Endpoint(h, int(p or default)) for h, p in zip(hosts, ports, strict=True)]


def unreachable(found: list[Endpoint], timeout: float = 5.0) -> str | None:
    """Why none of the endpoints accepts a connection, or None when one does.

    Args:
        found: the endpoints to try, in order.
        timeout: seconds to wait for each.

    Returns:
        A one-line message naming the endpoints and the last reason, or None.
    """
    reason = ""
    for endpoint in found:
        try:
            if endpoint.socket_path is not None:
                with socket.socket(socket.AF_UNIX) as unix:
                    unix.settimeout(timeout)
                    unix.connect(endpoint.socket_path)
            else:
                with socket.create_connection((endpoint.host, endpoint.port), timeout=timeout):
                    pass
            return None
        except OSError as error:
            reason = error.strerror or type(error).__name__
    where = ", ".join(map(str, found))
    return f"cannot reach PostgreSQL at {where}: {reason}"
