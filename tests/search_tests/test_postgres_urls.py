"""Every PostgreSQL URL form the README documents runs a study against a live server.

The server is the throwaway one of `tests/conftest.py`: over TCP (`user:password@host:port`)
and through its Unix socket (host and port in the query string). Passwords of every awkward
character connect when percent-encoded, and are never shown whatever the URL's shape.
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from urllib.parse import quote

import optuna
import pytest

from search import open_storage
from studies.cli import main

pytestmark = pytest.mark.postgres

STUDY = """
name = "s"
dataset = "planar"
n_trials = 2
n_jobs = 1
seed = 0
report_every = 10
pruner = "none"
[space]
num_iterations = 20
n_hidden = 1
n_units = 3
"""

# The form of the URL, and the driver that SQLAlchemy is then to use.
FORMS = {
    "postgresql": ("postgresql", "psycopg"),
    "postgres": ("postgres", "psycopg"),
    "postgresql+psycopg": ("postgresql+psycopg", "psycopg"),
    "postgresql+psycopg2": ("postgresql+psycopg2", "psycopg2"),
}


def new_database(server) -> str:
    name = f"u_{secrets.token_hex(4)}"
    server.create_database(name)
    return name


def run_and_best(folder: Path, monkeypatch, capsys, url: str) -> tuple[str, str]:
    """`run` the small study, then `best`; returns all they printed."""
    monkeypatch.chdir(folder)
    (folder / "s.toml").write_text(STUDY)
    assert main(["run", "s.toml", "--storage", url, "--quiet"]) == 0, capsys.readouterr().err
    ran = capsys.readouterr()
    assert main(["best", "s", "--storage", url]) == 0, capsys.readouterr().err
    best = capsys.readouterr()
    assert json.loads(best.out)["study"] == "s"
    return ran.out + best.out, ran.err + best.err


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("through", ["tcp", "socket"])
def test_each_documented_form_runs_a_study(
    form, through, tmp_path, monkeypatch, capsys, postgres_server
):
    scheme, driver = FORMS[form]
    database = new_database(postgres_server)
    make = postgres_server.url if through == "tcp" else postgres_server.socket_url
    url = make(database, scheme)
    out, err = run_and_best(tmp_path, monkeypatch, capsys, url)
    assert postgres_server.password not in out + err
    storage = open_storage(url, create=False)
    assert storage.engine.dialect.driver == driver  # type: ignore[attr-defined]
    trials = optuna.load_study(study_name="s", storage=storage).trials
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE"]


def test_a_socket_folder_without_the_servers_port_is_one_line_naming_the_socket(
    tmp_path, monkeypatch, capsys, postgres_server
):
    monkeypatch.chdir(tmp_path)
    url = postgres_server.socket_url("postgres").replace(
        f"port={postgres_server.port}", f"port={postgres_server.port + 1}"
    )
    assert main(["best", "s", "--storage", url]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1
    expected = f"cannot reach PostgreSQL at {postgres_server.socket_dir}/.s.PGSQL."
    assert expected in err and postgres_server.password not in out + err


def fragments(password: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9]{3,}", password)


def assert_hidden(password: str, folder: Path, *texts: str) -> None:
    shown = "\n".join(texts) + "".join(
        str(p) + (p.read_text(errors="replace") if p.is_file() else "") for p in folder.rglob("*")
    )
    assert not [f for f in fragments(password) if f in shown], shown


AWKWARD = "Ab1/Cd2?Ef3#Gh4:Ij5%Kl6 Mn7\u00fcOp8@Qr9&St0=Uv1"


def test_an_awkward_password_percent_encoded_runs_a_study(
    tmp_path, monkeypatch, capsys, postgres_server
):
    role = f"r_{secrets.token_hex(4)}"
    postgres_server.create_role(role, AWKWARD)
    database = f"a_{secrets.token_hex(4)}"
    postgres_server.create_database(database, owner=role)
    encoded = quote(AWKWARD, safe="")
    url = f"postgresql://{role}:{encoded}@127.0.0.1:{postgres_server.port}/{database}"
    out, err = run_and_best(tmp_path, monkeypatch, capsys, url)
    assert_hidden(AWKWARD, tmp_path, out, err)
    # The same password in the query string, as libpq takes it.
    in_query = f"postgresql://{role}@127.0.0.1:{postgres_server.port}/{database}?password={encoded}"
    assert main(["best", "s", "--storage", in_query]) == 0
    assert_hidden(AWKWARD, tmp_path, *capsys.readouterr())


@pytest.mark.parametrize("awkward", ["/", "?", "#", ":", "%zz", " ", "\u00fc", "@"])
def test_a_raw_awkward_password_connects_or_is_refused_never_shown(
    awkward, tmp_path, monkeypatch, capsys, postgres_server
):
    """Raw (not percent-encoded) in `user:password@`: SQLAlchemy reads every character but
    `@` whole, so those connect; with an `@` the URL is refused. Neither shows a fragment."""
    password = f"Raw1{awkward}Raw2"
    role = f"r_{secrets.token_hex(4)}"
    postgres_server.create_role(role, password)
    database = f"w_{secrets.token_hex(4)}"
    postgres_server.create_database(database, owner=role)
    monkeypatch.chdir(tmp_path)
    url = f"postgresql://{role}:{password}@127.0.0.1:{postgres_server.port}/{database}"
    assert main(["best", "s", "--storage", url]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1
    if awkward == "@":
        assert "must be percent-encoded" in err
    else:  # it connected: the database is empty
        assert "no dnnsearch studies" in err, err
    assert_hidden(password, tmp_path, out, err)
