"""The adversarial corpus: what a careless user or a careful attacker feeds the CLI.

Every row is a command line run in a folder that holds a finished study (`tiny`, in
`runs/tiny/`), a second one (`other`) and the files the rows point at. For each row:

- the exit code and the words of the one line on stderr are those expected, with no traceback;
- nothing stored changed: every file under the folder is byte-identical afterwards, and no file
  or folder was added (rows that are expected to write say so);
- no password of any URL in the row appears in stdout, stderr, a file's contents or a path.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from studies.cli import main

PASSWORD = "S3cretPW9"
TINY_STUDY = """
name = "tiny"
dataset = "planar"
n_trials = 3
report_every = 10
seed = 0
[space]
num_iterations = { low = 10, high = 30, step = 10 }
n_hidden = { low = 1, high = 2 }
n_units = { low = 2, high = 6 }
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PORT = closed_port()


@dataclass(frozen=True)
class Case:
    """One row: the arguments, the exit code and words expected, and what may change."""

    id: str
    argv: tuple[str, ...]
    code: int = 2
    words: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()  # strings that must appear nowhere
    writes: bool = False  # the command is expected to write (a successful run, a repair)
    files: dict[str, bytes] = field(default_factory=dict)  # written before the command


# -- secrets: every URL form, every command that takes a storage ---------------------------

URLS = {
    "userinfo": f"postgresql://u:{PASSWORD}@127.0.0.1:{PORT}/db",
    "driver": f"postgresql+psycopg2://u:{PASSWORD}@127.0.0.1:{PORT}/db",
    "alias": f"postgres://u:{PASSWORD}@127.0.0.1:{PORT}/db",
    "query": f"postgresql://u@127.0.0.1:{PORT}/db?password={PASSWORD}",
    "encoded_at_slash": f"postgresql://u:{PASSWORD}%40x%2Fy@127.0.0.1:{PORT}/db",
    "raw_at": f"postgresql://u:{PASSWORD}@x@127.0.0.1:{PORT}/db",
    "raw_hash": f"postgresql://u:{PASSWORD}#x@127.0.0.1:{PORT}/db",
    "raw_question": f"postgresql://u:{PASSWORD}?x@127.0.0.1:{PORT}/db",
    "mysql": f"mysql://u:{PASSWORD}@127.0.0.1:{PORT}/db",
    "unknown_scheme": f"mongodb://u:{PASSWORD}@127.0.0.1:{PORT}/db",
    "http": f"http://u:{PASSWORD}@127.0.0.1:{PORT}/db",
}
STORAGE_COMMANDS = {
    "run": ("run", "planar", "--trials", "1", "--storage"),
    "best": ("best", "tiny", "--storage"),
    "report": ("report", "tiny", "--storage"),
    "compare": ("compare", "tiny", "other", "--storage"),
    "worker": ("worker", "tiny", "--storage"),
}
SECRET_CASES = [
    Case(f"secret-{command}-{form}", (*argv, url), secrets=(PASSWORD,))
    for form, url in URLS.items()
    for command, argv in STORAGE_COMMANDS.items()
]

# -- storage you do not own -----------------------------------------------------------------

NOT_JOURNALS = {
    "notes": ("notes.txt", b"my notes, not a journal\n", "not a dnnsearch journal"),
    "json": ("data.json", b'{"a": 1}\n', "not a dnnsearch journal"),
    "markdown": ("README.md", b"# Title\n\ntext\n", "not a dnnsearch journal"),
    "binary": ("blob.log", b"\x00\x01\x02\xff\n", "not a dnnsearch journal"),
    "no_newline": ("one.log", b"just text", "not a dnnsearch journal"),
}
OWNED_CASES = [
    Case(
        f"not-a-journal-{kind}-{command}",
        (*argv, name),
        words=(words,),
        files={name: content},
    )
    for kind, (name, content, words) in NOT_JOURNALS.items()
    for command, argv in (
        ("run", ("run", "planar", "--trials", "1", "--storage")),
        ("best", ("best", "tiny", "--storage")),
        ("report", ("report", "tiny", "--storage")),
    )
] + [
    Case(
        "dev-null-run",
        ("run", "planar", "--trials", "1", "--storage", "/dev/null"),
        words=("not a journal file",),
    ),
    Case(
        "dev-null-best", ("best", "tiny", "--storage", "/dev/null"), words=("not a journal file",)
    ),
    Case(
        "folder-run",
        ("run", "planar", "--trials", "1", "--storage", "runs"),
        words=("not a journal file",),
    ),
    Case(
        "folder-report", ("report", "tiny", "--storage", "runs/tiny"), words=("not a journal file",)
    ),
    Case(
        "memory-sqlite",
        ("run", "planar", "--trials", "1", "--storage", "sqlite://"),
        words=("in-memory",),
    ),
    Case(
        "memory-sqlite-2",
        ("run", "planar", "--storage", "sqlite:///:memory:"),
        words=("in-memory",),
    ),
    Case(
        "best-creates-no-sqlite",
        ("best", "tiny", "--storage", "sqlite:///new.db"),
        words=("no study storage",),
    ),
    Case(
        "report-creates-no-sqlite",
        ("report", "tiny", "--storage", "sqlite:///new.db"),
        words=("no study storage",),
    ),
    Case(
        "compare-creates-no-journal",
        ("compare", "tiny", "--storage", "new/journal.log"),
        words=("no study storage",),
    ),
    Case("best-creates-no-journal", ("best", "ghost"), words=("no study storage",)),
    Case(
        "worker-empty-sqlite",
        ("worker", "tiny", "--storage", "sqlite:///empty.db"),
        words=("no dnnsearch studies",),
        files={"empty.db": b""},
    ),
    Case(
        "missing-study-in-journal",
        ("best", "ghost", "--storage", "runs/tiny/journal.log"),
        words=("no study named 'ghost'", "'tiny'"),
    ),
]

# -- damaged journals -------------------------------------------------------------------------

DAMAGE = {
    "empty-object": b"{}\n",
    "garbage": b"garbage that is not JSON\n",
    "nul-bytes": b"\x00\x00\x00\n",
    "op-code-text": b'{"op_code": "x"}\n',
}
DAMAGED_CASES = [
    Case(
        f"damaged-{kind}-{command}",
        (command, "tiny"),
        words=("runs/tiny/journal.log line", "repair"),
        files={"APPEND runs/tiny/journal.log": damage},
    )
    for kind, damage in DAMAGE.items()
    for command in ("best", "report")
]

# -- names --------------------------------------------------------------------------------------

BAD_NAMES = {
    "dot": ".",
    "dotdot": "..",
    "slash": "a/b",
    "parent": "../x",
    "backslash": "a\\b",
    "nul": "a\x00b",
    "escape": "a\x1b[31mb",
    "newline": "a\nb",
    "spaces": " a ",
    "long": "x" * 300,
}
NAME_CASES = [
    Case(f"name-{kind}-{command}", (*argv[:1], name, *argv[1:]), words=("not a valid study name",))
    for kind, name in BAD_NAMES.items()
    for command, argv in (("best", ("best",)), ("report", ("report",)))
] + [
    Case(
        f"name-{kind}-run",
        ("run", "planar", "--trials", "1", "--study-name", name),
        words=("not a valid study name",),
    )
    for kind, name in BAD_NAMES.items()
    if kind != "nul"  # argv cannot hold a NUL byte in a subprocess; in-process it is the same check
]

# -- study files ------------------------------------------------------------------------------


def study_file(name: str, body: str | bytes) -> dict[str, bytes]:
    return {name: body if isinstance(body, bytes) else body.encode()}


NPY_HEADER = b"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
NPY_FILE = b"\x93NUMPY\x01\x00v\x00" + NPY_HEADER + b" " * 60 + b"\n" + b"\x00" * 16
SPEC_CASES = [
    Case(
        "spec-nan-learning-rate",
        ("run", "s.toml"),
        words=("space.learning_rate",),
        files=study_file(
            "s.toml", 'name = "s"\ndataset = "planar"\n[space]\nlearning_rate = nan\n'
        ),
    ),
    Case(
        "spec-inf-iterations",
        ("run", "s.toml"),
        words=("space.num_iterations",),
        files=study_file(
            "s.toml", 'name = "s"\ndataset = "planar"\n[space]\nnum_iterations = inf\n'
        ),
    ),
    Case(
        "spec-inf-bound",
        ("run", "s.toml"),
        words=("space.lambd",),
        files=study_file(
            "s.toml", 'name = "s"\ndataset = "planar"\n[space]\nlambd = { low = 0.0, high = inf }\n'
        ),
    ),
    Case(
        "spec-nan-timeout",
        ("run", "s.toml"),
        words=("timeout",),
        files=study_file("s.toml", 'name = "s"\ndataset = "planar"\ntimeout = nan\n'),
    ),
    Case(
        "spec-negative-decay",
        ("run", "s.toml"),
        words=("space.decay_rate",),
        files=study_file("s.toml", 'name = "s"\ndataset = "planar"\n[space]\ndecay_rate = -1.0\n'),
    ),
    Case(
        "spec-huge-grid",
        ("run", "s.toml"),
        words=("space.num_iterations",),
        files=study_file(
            "s.toml",
            'name = "s"\ndataset = "planar"\n[space]\nnum_iterations = { low = 1, high = 1e300 }\n',
        ),
    ),
    Case(
        "spec-not-utf8",
        ("run", "s.toml"),
        words=("s.toml",),
        files=study_file("s.toml", b'name = "\xff\xfe"\ndataset = "planar"\n'),
    ),
    Case(
        "spec-not-toml",
        ("run", "s.toml"),
        words=("s.toml", "not valid TOML"),
        files=study_file("s.toml", "name = \n"),
    ),
    Case(
        "spec-deeply-nested",
        ("run", "s.toml"),
        words=("s.toml",),
        files=study_file(
            "s.toml", 'name = "s"\ndataset = "planar"\nx = ' + "[" * 5000 + "]" * 5000 + "\n"
        ),
    ),
    Case(
        "spec-unknown-key",
        ("run", "s.toml"),
        words=("samplr", "did you mean 'sampler'"),
        files=study_file("s.toml", 'name = "s"\ndataset = "planar"\nsamplr = "tpe"\n'),
    ),
    Case(
        "spec-bool-trials",
        ("run", "s.toml"),
        words=("n_trials",),
        files=study_file("s.toml", 'name = "s"\ndataset = "planar"\nn_trials = true\n'),
    ),
    Case(
        "spec-name-dotdot",
        ("run", "s.toml"),
        words=("not a valid study name",),
        files=study_file("s.toml", 'name = ".."\ndataset = "planar"\n'),
    ),
    Case(
        "spec-missing-data-file",
        ("run", "s.toml"),
        words=("nothere.csv",),
        files=study_file("s.toml", 'name = "s"\ndataset = "nothere.csv"\n'),
    ),
    Case(
        "spec-npy-named-npz",
        ("run", "s.toml"),
        words=("fake.npz",),
        files={
            **study_file("s.toml", 'name = "s"\ndataset = "fake.npz"\n'),
            "fake.npz": NPY_FILE,
        },
    ),
    Case(
        "spec-billion-point-grid",
        ("run", "s.toml"),
        words=("grid has more than",),
        files=study_file(
            "s.toml",
            'name = "s"\ndataset = "planar"\nsampler = "grid"\n[space]\n'
            "learning_rate = { low = 0.0, high = 1.0, step = 1e-9 }\n",
        ),
    ),
    Case(
        "secret-no-scheme",
        ("run", "planar", "--trials", "1", "--storage", f"alice:{PASSWORD}@db.example:5432/optuna"),
        words=("without its scheme",),
        secrets=(PASSWORD,),
    ),
    Case("cli-seed-too-large", ("run", "planar", "--seed", str(2**32)), words=("seed",)),
    Case("cli-bad-trials", ("run", "planar", "--trials", "-3"), words=("--trials",)),
    Case("cli-bad-timeout", ("run", "planar", "--timeout", "nan"), words=("--timeout",)),
    Case("cli-unknown-study", ("run", "planarr"), words=("unknown study", "did you mean 'planar'")),
]

# -- tables and targets -------------------------------------------------------------------------

TABLE_STUDY = """
name = "t"
dataset = "t.csv"
n_trials = 2
{extra}
[space]
num_iterations = 10
n_hidden = 1
n_units = 2
"""


def table_case(
    id: str, csv: str, words: tuple[str, ...] = (), extra: str = "", test_csv: str | None = None
) -> Case:
    """`run t.toml` on the table `t.csv` (and its test file `test.csv`); `extra` lines in the
    study file. Without words, the run is expected to succeed."""
    written = {"t.toml": TABLE_STUDY.format(extra=extra), "t.csv": csv}
    if test_csv is not None:
        written["test.csv"] = test_csv
    return Case(
        id,
        ("run", "t.toml", "--trials", "2", "--quiet"),
        code=0 if not words else 2,
        words=words,
        writes=not words,
        files={name: text.encode() for name, text in written.items()},
    )


def csv_rows(header: str, row: str, n: int = 60) -> str:
    """A CSV of n rows made from the format `row` (with {i}, {c} a colour, {t} a 0/1 label)."""
    colours = ("red", "green", "")  # an empty cell every third row
    return (
        header + "\n" + "".join(row.format(i=i, c=colours[i % 3], t=i % 2) + "\n" for i in range(n))
    )


LEVELS = 5_000  # levels of one category column, each in 10 rows: most are kept (seen 5 times)
TABLE_CASES = [
    # once refused ("not numeric", "is empty"): a raw table's text and empty cells are encoded
    table_case("table-text-and-empty-cells-run", csv_rows("colour,size,target", "{c},{i}.5,{t}")),
    table_case(
        "table-empty-column",
        csv_rows("a,notes,target", "{i},,{t}"),
        ("t.csv: column 'notes' has every cell missing",),
    ),
    table_case(
        "table-empty-label",
        "a,target\n1,0\n2,\n3,1\n4,0\n",
        ("t.csv: target column 'target' line 3 is an empty label",),
    ),
    table_case(
        "table-infinite-cell",
        csv_rows("a,target", "{i},{t}").replace("\n7,", "\n-inf,"),
        ("t.csv: column 'a' line 9 is -inf, not a finite number",),
    ),
    table_case(
        "table-5000-levels",
        "level,target\n" + "".join(f"L{i % LEVELS},{i % 2}\n" for i in range(10 * LEVELS)),
        ("column 'level' has", "categories (more than 200)"),
    ),
    table_case(
        "table-unknown-categorical-column",
        csv_rows("colour,size,target", "{c},{i},{t}"),
        ("categorical names 'color', which is not a column", "did you mean 'colour'"),
        extra='categorical = ["color"]',
    ),
    table_case(
        "table-test-file-text-in-numeric-column",
        csv_rows("a,target", "{i},{t}"),
        ("test.csv: column 'a' line 3 is 'tall', not a number",),
        extra='test_dataset = "test.csv"',
        test_csv="a,target\n1,0\ntall,1\n3,0\n",
    ),
    table_case(
        "regression-text-target",
        csv_rows("size,price", "{i},{i}.5").replace("\n1,1.5", "\n1,n/a"),
        ("t.csv: target column 'price' line 3 is 'n/a', not a number",),
        extra='task = "regression"\ntarget = "price"',
    ),
    table_case(
        "regression-constant-target",
        csv_rows("size,price", "{i},3"),
        ("target column 'price' is constant (3 in every row)",),
        extra='task = "regression"\ntarget = "price"',
    ),
    table_case(
        "regression-nan-target",
        csv_rows("size,price", "{i},{i}").replace("\n4,4\n", "\n4,\n"),
        ("t.csv: target column 'price' line 6 is empty",),
        extra='task = "regression"\ntarget = "price"',
    ),
]

CASES = [*SECRET_CASES, *OWNED_CASES, *DAMAGED_CASES, *NAME_CASES, *SPEC_CASES, *TABLE_CASES]


# -- the harness ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with two finished studies, made once: `tiny` and `other`."""
    folder = tmp_path_factory.mktemp("template")
    (folder / "tiny.toml").write_text(TINY_STUDY)
    (folder / "other.toml").write_text(TINY_STUDY.replace('"tiny"', '"other"'))
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        assert main(["run", "tiny.toml", "--quiet"]) == 0
        assert main(["run", "other.toml", "--quiet"]) == 0
    finally:
        os.chdir(cwd)
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under the folder, with a digest of each file's bytes."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        found[key] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return found


def everything_written(folder: Path) -> str:
    """The paths and contents of every file, as text to grep for secrets."""
    parts = []
    for path in folder.rglob("*"):
        parts.append(str(path))
        if path.is_file():
            parts.append(path.read_bytes().decode("latin-1"))
    return "\n".join(parts)


def prepare(folder: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        if name.startswith("APPEND "):
            with open(folder / name.removeprefix("APPEND "), "ab") as file:
                file.write(content)
        else:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(content)


@pytest.mark.integration
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_adversarial_case(case: Case, template: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    folder = tmp_path / "work"
    shutil.copytree(template, folder)
    prepare(folder, case.files)
    monkeypatch.chdir(folder)
    before = snapshot(folder)
    code = main(list(case.argv))
    out, err = capsys.readouterr()
    assert code == case.code, f"exit {code}: {err}"
    if case.code == 2:
        assert err.count("\n") == 1 and err.startswith("dnnsearch") and "error: " in err, err
    assert "Traceback" not in out + err
    for word in case.words:
        assert word in err, f"{word!r} not in {err!r}"
    for secret in case.secrets:
        assert secret not in out + err
        assert secret not in everything_written(folder)
    if not case.writes:
        assert snapshot(folder) == before


def test_the_corpus_covers_every_class() -> None:
    assert len(CASES) >= 80
    prefixes = {case.id.split("-")[0] for case in CASES}
    assert {"secret", "not", "dev", "memory", "damaged", "name", "spec", "cli"} <= prefixes
    assert {"table", "regression"} <= prefixes
    assert len({case.id for case in CASES}) == len(CASES)
