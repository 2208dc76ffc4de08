"""Adversarial storage: URLs whose password's end is ambiguous, the documented PostgreSQL URL
forms and a Unix socket against a live server, and journals damaged or cut by hand.

Each test reproduces a failure of issue 21 (sections 1 and 6) as a user met it:

- no fragment of a password is printed, whatever the URL's shape;
- a damaged journal ends every command with one line and exit 2 (never 1), and nothing is
  written; `repair` drops what cannot be trusted, says what it dropped, and leaves no trial
  RUNNING that no process owns.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import socket
from pathlib import Path

import optuna
import pytest

from search import open_existing_study, redact
from studies.cli import main

TrialState = optuna.trial.TrialState

TINY_STUDY = """
name = "tiny"
dataset = "planar"
n_trials = 3
report_every = 10
seed = 0
pruner = "none"
[space]
num_iterations = { low = 10, high = 30, step = 10 }
n_hidden = 1
n_units = { low = 2, high = 6 }
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under the folder, with a digest of each file's bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "dir"
        for p in sorted(folder.rglob("*"))
    }


def one_line_error(err: str) -> None:
    assert err.count("\n") == 1 and err.startswith("dnnsearch: error: "), err


# -- passwords ------------------------------------------------------------------------------

PORT = closed_port()
# Raw (not percent-encoded) passwords whose end SQLAlchemy misplaces: it takes the password
# to end at the first `@`, and the rest for the host (or the host and a path or query).
AMBIGUOUS_URLS = {
    "two-ats": f"postgresql://u:Frag1@Frag2@127.0.0.1:{PORT}/db",
    "at-then-slash": f"postgresql://u:Frag1@Frag2/x@127.0.0.1:{PORT}/db",
    "at-then-question": f"postgresql://u:Frag1@Frag2?x@127.0.0.1:{PORT}/db",
    "at-then-hash": f"postgresql://u:Frag1@Frag2#x@127.0.0.1:{PORT}/db",
    "alias-two-ats": f"postgres://u:Frag1@Frag2@127.0.0.1:{PORT}/db",
}
COMMANDS = {
    "run": ("run", "planar", "--trials", "1", "--storage"),
    "best": ("best", "tiny", "--storage"),
    "report": ("report", "tiny", "--storage"),
    "worker": ("worker", "tiny", "--storage"),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("form", AMBIGUOUS_URLS)
def test_no_fragment_of_an_ambiguous_password_is_shown(
    form, command, tmp_path, monkeypatch, capsys
):
    """Was: `cannot reach PostgreSQL at Frag2@127.0.0.1:PORT` (the password's tail)."""
    monkeypatch.chdir(tmp_path)
    assert main([*COMMANDS[command], AMBIGUOUS_URLS[form]]) == 2
    out, err = capsys.readouterr()
    one_line_error(err)
    assert "must be percent-encoded" in err
    assert "Frag1" not in out + err and "Frag2" not in out + err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_a_url_whose_user_name_hides_the_password_is_not_shown():
    """Was: `postgresql://me/Frag3%3AFrag4%40127.0.0.1...`: SQLAlchemy reads no user there,
    so the password became part of the database's name, and was shown."""
    shown = redact(f"postgresql://me/Frag3:Frag4@127.0.0.1:{PORT}/db")
    assert "Frag3" not in shown and "Frag4" not in shown


# -- a live server ------------------------------------------------------------------------------

SMALL = TINY_STUDY.replace('"tiny"', '"pg"').replace("n_trials = 3", "n_trials = 1")


@pytest.mark.postgres
def test_the_postgres_alias_runs_a_study_without_showing_its_password(
    tmp_path, monkeypatch, capsys, postgres_server
):
    """Was: `no such file: postgres:/dnnsearch:<password>@127.0.0.1:...lock`, exit 2: the
    alias was not known as a database, and `run` made its URL a lock file's path."""
    database = f"alias_{secrets.token_hex(4)}"
    postgres_server.create_database(database)
    url = postgres_server.url(database, scheme="postgres")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pg.toml").write_text(SMALL)
    assert main(["run", "pg.toml", "--storage", url, "--quiet"]) == 0, capsys.readouterr().err
    out, err = capsys.readouterr()
    assert postgres_server.password not in out + err
    assert not [p for p in tmp_path.rglob("*") if postgres_server.password in str(p)]


@pytest.mark.postgres
def test_host_and_port_in_the_query_reach_the_servers_unix_socket(
    tmp_path, monkeypatch, capsys, postgres_server
):
    """Was: `cannot reach PostgreSQL at localhost:5432` (only the URL's host part was read)."""
    database = f"socket_{secrets.token_hex(4)}"
    postgres_server.create_database(database)
    url = postgres_server.socket_url(database, scheme="postgresql+psycopg2")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pg.toml").write_text(SMALL)
    assert main(["run", "pg.toml", "--storage", url, "--quiet"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["best", "pg", "--storage", url]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["study"] == "pg" and postgres_server.password not in out + err


# -- damaged journals -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a finished study of 3 trials, `tiny`, made once."""
    folder = tmp_path_factory.mktemp("storage-template")
    (folder / "tiny.toml").write_text(TINY_STUDY)
    cwd = Path.cwd()
    try:
        os.chdir(folder)
        assert main(["run", "tiny.toml", "--quiet"]) == 0
    finally:
        os.chdir(cwd)
    return folder


@pytest.fixture
def study(template: Path, tmp_path: Path, monkeypatch) -> Path:
    """A copy of the template, the current folder; returns its journal."""
    folder = tmp_path / "work"
    shutil.copytree(template, folder)
    monkeypatch.chdir(folder)
    return folder / "runs" / "tiny" / "journal.log"


def edit(journal: Path, change) -> list[bytes]:
    """Rewrite the journal's lines through `change(lines)`; returns the new lines."""
    lines = journal.read_bytes().split(b"\n")[:-1]
    lines = change(list(lines))
    journal.write_bytes(b"".join(line + b"\n" for line in lines))
    return lines


NESTED = b"[" * 100_000 + b"]" * 100_000
DAMAGE = {
    # Was: `internal error: RecursionError`, exit 1, for every command, repair included.
    "nested-arrays": lambda lines: [*lines[:20], NESTED, *lines[20:]],
    "nested-in-a-record": lambda lines: [
        *lines[:20],
        b'{"op_code": 8, "worker_id": "w", "trial_id": 0, "user_attr": {"a": '
        + b"[" * 5000
        + b"]" * 5000
        + b"}}",
        *lines[20:],
    ],
    # Was: `internal error: AssertionError` (an operation Optuna does not know), exit 1.
    "unknown-operation": lambda lines: [*lines, b'{"op_code": 99, "worker_id": "w"}'],
    # Was: `internal error: KeyError` (a trial's creation without its study), exit 1.
    "creation-without-fields": lambda lines: [*lines, b'{"op_code": 4, "worker_id": "w"}'],
    # Was: read as it is (exit 0): a record of a trial that no line creates.
    "record-of-no-trial": lambda lines: [
        *lines,
        b'{"op_code": 8, "worker_id": "w", "trial_id": 99, "user_attr": {"a": 1}}',
    ],
}
DAMAGED_COMMANDS = {
    "best": ("best", "tiny"),
    "report": ("report", "tiny"),
    "run": ("run", "tiny.toml", "--trials", "4"),
    "worker": ("worker", "tiny", "--storage", "runs/tiny/journal.log"),
    "compare": ("compare", "tiny", "tiny"),
}


@pytest.mark.integration
@pytest.mark.parametrize("command", DAMAGED_COMMANDS)
@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_journal_is_one_line_exit_2_and_nothing_written(damage, command, study, capsys):
    edit(study, DAMAGE[damage])
    folder = study.parents[2]
    before = snapshot(folder)
    assert main(list(DAMAGED_COMMANDS[command])) == 2
    out, err = capsys.readouterr()
    one_line_error(err)
    assert "runs/tiny/journal.log line" in err and "dnnsearch repair" in err
    assert "Traceback" not in out + err
    assert snapshot(folder) == before


@pytest.mark.integration
@pytest.mark.parametrize("damage", DAMAGE)
def test_repair_drops_the_damage_and_the_study_reads_again(damage, study, capsys):
    lines = edit(study, DAMAGE[damage])
    assert main(["repair", "tiny"]) == 0
    out, _ = capsys.readouterr()
    assert "dropped" in out
    assert len(study.read_bytes().split(b"\n")) - 1 < len(lines)
    assert main(["best", "tiny"]) in (0, 2)  # 2: no complete trial left before the damage
    _, err = capsys.readouterr()
    assert "journal.log line" not in err


@pytest.mark.integration
def test_repair_says_how_many_lines_were_unreadable_and_how_many_records_after(study, capsys):
    """Was: `dropped 65 unreadable lines` for 1 unreadable line and 64 records after it."""
    lines = edit(study, lambda lines: [*lines[:21], b"garbage", *lines[21:]])
    after = len(lines) - 22
    assert main(["repair", "tiny"]) == 0
    out, _ = capsys.readouterr()
    assert f"kept 21 records, dropped 1 unreadable line (line 22: not JSON) and the {after} " in out
    assert f"{after + 1} unreadable" not in out


def creations(lines: list[bytes]) -> list[int]:
    return [i for i, line in enumerate(lines) if json.loads(line)["op_code"] == 4]


@pytest.mark.integration
def test_a_deleted_trial_creation_leaves_no_trial_running_forever(study, capsys):
    """Was: the next trial took the deleted one's id, the records of both missed it, and it
    stayed RUNNING with no pid, so that no run ever failed it."""
    second = creations(study.read_bytes().split(b"\n")[:-1])[1]
    edit(study, lambda lines: [*lines[:second], *lines[second + 1 :]])
    assert main(["best", "tiny"]) == 2
    _, err = capsys.readouterr()
    one_line_error(err)
    assert "no line before it creates" in err and "dnnsearch repair" in err
    assert main(["repair", "tiny"]) == 0
    trials = open_existing_study("tiny", str(study)).get_trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE]  # the first trial, whole
    assert main(["run", "tiny.toml", "--trials", "3", "--quiet"]) == 0
    trials = open_existing_study("tiny", str(study)).get_trials()
    assert not [t.number for t in trials if t.state == TrialState.RUNNING]


@pytest.mark.integration
def test_repair_fails_a_trial_it_leaves_running_without_its_owner(study, capsys):
    """A line destroyed right after a trial's creation: the trial is kept, its pid (and all
    else) is dropped; repair marks it FAIL, or it would stay RUNNING for ever."""
    second = creations(study.read_bytes().split(b"\n")[:-1])[1]
    edit(study, lambda lines: [*lines[: second + 1], b"garbage", *lines[second + 1 :]])
    assert main(["repair", "tiny"]) == 0
    out, _ = capsys.readouterr()
    assert "marked FAIL the trials it left running with no process: 1" in out
    trials = open_existing_study("tiny", str(study)).get_trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.FAIL]
    assert "repair" in trials[1].user_attrs["fail_reason"]


NOT_JOURNALS = {
    "notes.txt": b"my notes, not a journal\nsecond line\n",
    "data.json": b'{"a": 1}\n{"b": 2}\n',
    "blob.log": b"\x00\x01\x02\xff\n",
    "one.log": b"just text",
    "deep.log": NESTED + b"\n",
}


@pytest.mark.parametrize("name", NOT_JOURNALS)
def test_repair_leaves_a_file_that_is_not_a_journal_as_it_is(name, tmp_path, monkeypatch, capsys):
    """Was: `kept 0 records, dropped 2 unreadable lines`: the user's file was emptied (a
    backup beside it), although every command refuses it as no journal."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_bytes(NOT_JOURNALS[name])
    before = snapshot(tmp_path)
    assert main(["repair", "x", "--storage", name]) == 2
    out, err = capsys.readouterr()
    one_line_error(err)
    assert "is not a dnnsearch journal file" in err and "leaves it as it is" in err
    assert snapshot(tmp_path) == before
