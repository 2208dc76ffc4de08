"""Database URLs without a server: which are refused as ambiguous, what is shown of them, the
driver each form gets, and the addresses the reachability check tries."""

from __future__ import annotations

import importlib.util
import re
import socket

import pytest

from search import StorageError, redact
from search.dburl import (
    Endpoint,
    ambiguity,
    driver_url,
    endpoints,
    missing_driver,
    secrets_of,
    unreachable,
)
from search.storage import normalize_url


def fragments(password: str) -> list[str]:
    """The password's runs of three letters or digits: none may be shown."""
    return re.findall(r"[A-Za-z0-9]{3,}", password)


# Passwords that SQLAlchemy reads whole when they stand raw between `user:` and the one `@`.
RAW_READABLE = ["Ab1/Cd2", "Ab1?Cd2", "Ab1#Cd2", "Ab1:Cd2", "Ab1%zzCd2", "Ab1 Cd2", "Ab1üCd2"]


@pytest.mark.parametrize("password", RAW_READABLE)
def test_a_raw_password_read_whole_is_accepted_and_hidden(password):
    url = f"postgresql://user:{password}@db.example:5432/optuna"
    assert ambiguity(url) is None
    assert normalize_url(url) == url
    shown = redact(url)
    assert shown == "postgresql://user:***@db.example:5432/optuna"
    assert not [f for f in fragments(password) if f in shown]


AMBIGUOUS = [
    "postgresql://user:Ab1@Cd2@db.example:5432/optuna",  # SQLAlchemy: host `Cd2@db.example`
    "postgresql://user:Ab1@Cd2/Ef3@db.example:5432/optuna",  # host `Cd2`, database `Ef3@...`
    "postgresql://user:Ab1@Cd2?Ef3@db.example:5432/optuna",  # host `Cd2`, a query
    "postgresql://user:Ab1@Cd2#Ef3@db.example:5432/optuna",
    "postgres://user:Ab1@Cd2@db.example/optuna",
    "postgresql://us/Ab1:Cd2@db.example:5432/optuna",  # a user's `/`: no userinfo is read
    "postgresql://user@db.example/optuna?password=Ab1@Cd2",  # the query's `@` too
]


@pytest.mark.parametrize("url", AMBIGUOUS)
def test_an_ambiguous_url_is_refused_without_a_fragment_of_it(url):
    reason = ambiguity(url)
    assert reason is not None and "must be percent-encoded" in reason
    with pytest.raises(StorageError) as error:
        normalize_url(url)
    shown = str(error.value) + redact(url)
    assert "\n" not in shown
    for fragment in ("Ab1", "Cd2", "Ef3", "us/"):
        assert fragment not in shown


def test_percent_encoding_makes_an_ambiguous_password_plain():
    url = "postgresql://user:Ab1%40Cd2%2FEf3@db.example:5432/optuna"
    assert ambiguity(url) is None
    assert redact(url) == "postgresql://user:***@db.example:5432/optuna"
    assert {"Ab1@Cd2/Ef3", "Ab1%40Cd2%2FEf3"} <= set(secrets_of(url))


def test_a_sqlite_path_may_hold_an_at_sign():
    assert ambiguity("sqlite:////data/me@host/studies.db") is None


def test_query_secrets_are_hidden_even_when_repeated():
    url = "postgresql://user@db.example/optuna?password=Ab1Cd2&password=Ef3Gh4&sslmode=require"
    shown = redact(url)
    assert "Ab1" not in shown and "Ef3" not in shown and "sslmode=require" in shown
    assert {"Ab1Cd2", "Ef3Gh4"} <= set(secrets_of(url))


def test_an_unreadable_url_is_hidden_up_to_its_last_at():
    assert redact("postgresql://user:Ab1 Cd2@db.example:port/optuna") == (
        "postgresql://***@db.example:port/optuna"
    )


def test_a_message_quoting_a_url_is_redacted():
    text = "cannot open postgresql://user:Ab1Cd2@db.example/optuna: refused"
    assert redact(text) == "cannot open postgresql://user:***@db.example/optuna: refused"


# -- the driver -----------------------------------------------------------------------------


def test_the_plain_forms_are_given_psycopg_3_and_named_drivers_are_kept():
    if importlib.util.find_spec("psycopg") is None:
        pytest.skip("psycopg 3 is not installed (the postgres extra installs it)")
    plain = normalize_url("postgres://u:p@h/db")
    assert plain == "postgresql://u:p@h/db"
    assert driver_url(plain) == "postgresql+psycopg://u:p@h/db"
    for named in ("postgresql+psycopg://u:p@h/db", "postgresql+psycopg2://u:p@h/db"):
        assert driver_url(normalize_url(named)) == named
    assert driver_url("sqlite:///x.db") == "sqlite:///x.db"


def test_without_psycopg_3_a_plain_url_falls_back_to_psycopg2(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "psycopg" else real(name)
    )
    if real("psycopg2") is None:
        pytest.skip("psycopg2 is not installed")
    assert driver_url("postgresql://u:p@h/db") == "postgresql+psycopg2://u:p@h/db"


def test_a_missing_driver_is_named_with_what_to_install(monkeypatch):
    import sqlalchemy.dialects.postgresql.psycopg as dialect

    def absent(cls):
        raise ModuleNotFoundError("No module named 'psycopg'", name="psycopg")

    monkeypatch.setattr(dialect.PGDialect_psycopg, "import_dbapi", classmethod(absent))
    message = missing_driver("postgresql+psycopg://u:p@h/db")
    assert message is not None and "psycopg[binary]" in message and "p@h" not in message


# -- where the server is ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, expected",
    [
        ("postgresql+psycopg://u:p@db.example/x", ["db.example:5432"]),
        ("postgresql+psycopg://u:p@db.example:6543/x", ["db.example:6543"]),
        ("postgresql+psycopg://u:p@[::1]:6543/x", ["[::1]:6543"]),
        (
            "postgresql+psycopg2://u:p@/x?host=/run/postgresql&port=5433",
            ["/run/postgresql/.s.PGSQL.5433"],
        ),
        ("postgresql+psycopg2://u:p@/x?host=/run/postgresql", ["/run/postgresql/.s.PGSQL.5432"]),
        ("postgresql+psycopg://u:p@/x?host=h1:5432&host=h2:5433", ["h1:5432", "h2:5433"]),
        ("postgresql+psycopg://u:p@/x?host=h1,h2&port=5432,5433", ["h1:5432", "h2:5433"]),
        ("postgresql+psycopg://u:p@db.example/x?host=/tmp", ["/tmp/.s.PGSQL.5432"]),
    ],
)
def test_endpoints_are_read_from_the_authority_or_the_query(url, expected):
    assert [str(e) for e in endpoints(url, {})] == expected


@pytest.mark.parametrize(
    "url, environ",
    [
        ("postgresql+psycopg://u:p@/x", {}),  # libpq's default socket, or PGHOST
        ("postgresql+psycopg://u:p@/x?host=@abstract", {}),
        ("postgresql+psycopg://u:p@/x?service=prod", {}),
        ("postgresql+psycopg://u:p@h/x?hostaddr=10.0.0.1", {}),
        ("postgresql+psycopg://u:p@h/x", {"PGSERVICE": "prod"}),
    ],
)
def test_endpoints_left_to_libpq_are_not_judged(url, environ):
    assert endpoints(url, environ) is None


def test_pgport_is_the_default_port_as_for_libpq():
    assert [str(e) for e in endpoints("postgresql+psycopg://u:p@h/x", {"PGPORT": "6000"})] == [
        "h:6000"
    ]


def test_a_unix_socket_that_answers_is_reachable_and_one_that_does_not_is_named(tmp_path):
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / ".s.PGSQL.5433"))
        server.listen()
        assert unreachable([Endpoint(str(tmp_path), 5433)]) is None
    message = unreachable([Endpoint(str(tmp_path), 5434)])
    assert message is not None and f"{tmp_path}/.s.PGSQL.5434" in message
