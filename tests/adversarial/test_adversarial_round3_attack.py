"""Attacks beyond issue 21's list, tried on the CLI as a hostile or careless user would.

Each test is a promise the attack broke: a refused command stores nothing and says one line,
exit 2; a row is named as its file names it, with the file; a huge file is refused before it is
read. The bug each one held is in its docstring (`Was: ...`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from processes import alive, descendants

from studies.cli import main

STUDY = """
name = "{name}"
dataset = "{dataset}"
n_trials = 2
cv_folds = 0
{extra}
[space]
num_iterations = 20
n_hidden = 1
n_units = 4
{space}
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(folder: Path, dataset: str, *, name: str = "s", extra: str = "", space: str = "") -> int:
    """`dnnsearch run` of a small study of `dataset`, with `extra` keys and `space` entries."""
    study = folder / f"{name}.toml"
    study.write_text(STUDY.format(name=name, dataset=dataset, extra=extra, space=space))
    return main(["run", str(study), "--quiet"])


def refused(capsys: pytest.CaptureFixture[str], folder: Path) -> str:
    """The one line of a refusal; asserts that nothing was stored."""
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dnnsearch: error: "), err
    assert not (folder / "runs").exists(), sorted(map(str, (folder / "runs").rglob("*")))
    return err


def arrays(rows: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, 3)), np.arange(rows) % 2


# -- huge numbers ------------------------------------------------------------------------------


def test_a_huge_feature_in_an_npz_is_refused_before_anything_is_stored(here, capsys):
    """Was: trials stored, then `runs/s/trials/1.npz: x_scale holds NaN or infinite values`
    (the 1e150 guard held for a CSV's columns, not for an array)."""
    x, y = arrays()
    x[35, 1] = 1e200
    np.savez(here / "h.npz", X=x, y=y)
    assert run(here, "h.npz") == 2
    err = refused(capsys, here)
    assert "h.npz: X row 35, column 1 is 1e+200: too large to learn from" in err


# -- predict and export (attacked after they were merged) --------------------------------------


def table(folder: Path, name: str = "t.csv", rows: int = 60, cell: str | None = None) -> Path:
    """A CSV table (`a`, `b` numbers, `color` text, `y` a class); `cell` replaces line 5's a."""
    rng = np.random.default_rng(1)
    lines = ["a,b,color,y"]
    for i in range(rows):
        a, b = rng.normal(size=2)
        lines.append(f"{a:.4f},{b:.4f},{['red', 'blue'][i % 2]},{'yes' if a + b > 0 else 'no'}")
    if cell is not None:
        lines[4] = f"{cell},0.1,red,yes"
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def table_study(here: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """Study `s` of the table `t.csv`, two trials stored."""
    table(here)
    assert run(here, "t.csv", extra='target = "y"') == 0
    capsys.readouterr()
    return here


def stored(folder: Path) -> dict[str, bytes]:
    """Every file of the study's folder, and the study's data, by path: their bytes."""
    files = [path for path in (folder / "runs").rglob("*") if path.is_file()]
    return {str(path): path.read_bytes() for path in [*files, *folder.glob("t.*")]}


@pytest.mark.parametrize(("cell", "said"), [("1e200", "is 1e+200: too large"), ("abc", "is 'abc'")])
def test_predict_refuses_a_bad_cell_naming_its_file_line_and_column(
    table_study, capsys, cell, said
):
    """Was: 1e200 scored silently (probability 1.0, though training refuses it), and a text
    cell refused as `column 'a' line 5 is 'abc', ...` without the file's name."""
    table(table_study, "new.csv", rows=8, cell=cell)
    assert main(["predict", "s", "new.csv", "--out", "p.csv", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"dnnsearch: error: new.csv: column 'a' line 5 {said}"), err
    assert err.count("\n") == 1 and not (table_study / "p.csv").exists()


def test_predict_and_export_never_write_over_a_file_of_the_study(table_study, capsys):
    """Was: `predict --out runs/s/trials/1.npz` (or `export --out`) replaced a trial's network
    or predictions (the next `run` then refused the study), and `export --out t.csv` the study's
    own data file: only the journal and the final model's network were protected."""
    pytest.importorskip("onnx")
    table(table_study, "new.csv", rows=8)
    before = stored(table_study)
    for path in [p for p in before if not p.endswith("new.csv")]:
        for command in (["predict", "s", "new.csv"], ["export", "s", "--format", "onnx"]):
            assert main([*command, "--out", path]) == 2, (command, path)
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and "--out:" in err, err
    assert stored(table_study) == before


def test_a_space_key_of_the_other_task_is_refused_before_anything_is_stored(here, capsys):
    """Was: `target_scale = "log"` in a classification study's space stored the study, then
    said `target_scale applies to a regression network; ...` with no file and no `space.`."""
    assert run(here, "moons", space='target_scale = "log"') == 2
    err = refused(capsys, here)
    assert "s.toml: space.target_scale: " in err and "regression" in err


@pytest.mark.parametrize(
    ("where", "value", "said"),
    [
        ("X", np.nan, "t.npz: X row 3, column 1 is nan, not a finite number"),
        ("X", 1e200, "t.npz: X row 3, column 1 is 1e+200: too large to learn from"),
        ("y", 1e200, "t.npz: y row 3 is 1e+200: too large to learn from"),
    ],
)
def test_an_npz_test_file_is_refused_by_its_name(here, capsys, where, value, said):
    """Was: `the test set row 3, column 1 is nan, ...` and `the test target row 3 is ...`: the
    search's own words, without the file (its training file was named)."""
    x, y = arrays()
    np.savez(here / "h.npz", X=x, y=y.astype(float))
    x, y = arrays(8, seed=1)
    y = y.astype(float)
    (x[3, 1:2] if where == "X" else y[3:4])[...] = value
    np.savez(here / "t.npz", X=x, y=y)
    assert run(here, "h.npz", extra='task = "regression"\ntest_dataset = "t.npz"') == 2
    assert said in refused(capsys, here)


def test_predict_names_an_npz_targets_y_as_training_does(here, capsys):
    """Was: `p.npz: target column 'target' row 4 is 1e+200: ...` (training says `y row 4`)."""
    x, y = arrays()
    np.savez(here / "h.npz", X=x, y=y.astype(float))
    assert run(here, "h.npz", extra='task = "regression"') == 0
    np.savez(here / "p.npz", X=x[:5], y=np.array([1.0, 2, 3, 4, 1e200]))
    capsys.readouterr()
    assert main(["predict", "s", "p.npz", "--out", "p.csv", "--quiet"]) == 2
    assert capsys.readouterr().err == (
        "dnnsearch: error: p.npz: y row 4 is 1e+200: too large to learn from (more than 1e+150 "
        "in size)\n"
    )


KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from studies.writing import atomic_file, atomic_folder
out = Path(sys.argv[1])
if sys.argv[2] == "file":
    with atomic_file(out / "p.csv", "--out") as file:
        file.write("line,prediction\\n" * 1000)
        file.flush()
        os.kill(os.getpid(), signal.SIGKILL)
with atomic_folder(out, "--out", last="m.onnx") as folder:
    (folder / "m.onnx").write_bytes(b"0" * 1000)
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_what_a_killed_predict_or_export_left_is_removed_by_the_next(table_study, kind):
    """Was: `predict --out p.csv` killed (SIGKILL, out of memory) left its hidden partial
    output, `.dnnsearch-zsxoxfwy.part` (6.8 MB after 2 s), and no later command removed it."""
    import subprocess
    import sys

    out = table_study / "out"
    out.mkdir()
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(out), kind], check=False)
    assert killed.returncode == -9 and len(list(out.iterdir())) == 1
    table(table_study, "new.csv", rows=8)
    assert main(["predict", "s", "new.csv", "--out", str(out / "p.csv"), "--quiet"]) == 0
    assert sorted(path.name for path in out.iterdir()) == ["p.csv"]


def test_a_column_named_twice_in_a_header_is_refused(here, capsys):
    """Was: pandas renamed the second `y` to `y.1`, silently, and the study learned the target
    from its own copy (`a,b,y,y`: a feature `y.1`, validation accuracy 1.0); predict took a
    file's second `a` as a column `a.1`."""
    path = table(here)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(f"{line},{line.rsplit(',', 1)[1]}" for line in lines) + "\n")
    assert run(here, "t.csv", extra='target = "y"') == 2
    assert "t.csv: column 'y' is named twice in the header (columns 4 and 5); rename one" in (
        refused(capsys, here)
    )


def test_predict_refuses_a_column_named_twice_in_its_header(table_study, capsys):
    """Was: the file's second `a` read as a column `a.1` (ignored), without a word."""
    lines = table(table_study, "new.csv", rows=8).read_text().splitlines()
    (table_study / "new.csv").write_text("\n".join(f"{x},{x.split(',')[0]}" for x in lines))
    assert main(["predict", "s", "new.csv", "--out", "p.csv", "--quiet"]) == 2
    assert capsys.readouterr().err == (
        "dnnsearch: error: new.csv: column 'a' is named twice in the header (columns 1 and 5); "
        "rename one\n"
    )


def test_export_checks_the_path_of_the_encoding_it_writes_beside_the_model(table_study, capsys):
    """Was: a folder at `m.inputs.json` ended the export with `[Errno 21] Is a directory:
    '.../.dnnsearch-3489-qpqj46pw/m.inputs.json' -> '.../m.inputs.json'` (a temporary's path)."""
    pytest.importorskip("onnx")
    (table_study / "m.inputs.json").mkdir()
    assert main(["export", "s", "--format", "onnx", "--out", "m.onnx"]) == 2
    assert capsys.readouterr().err == (
        f"dnnsearch: error: --out (its encoding, m.inputs.json): "
        f"'{table_study / 'm.inputs.json'}' is a folder; name a file in it\n"
    )
    assert sorted(path.name for path in table_study.iterdir() if path.name.startswith("m.")) == [
        "m.inputs.json"
    ]


def spread(path: Path, how: str) -> None:
    """Two blank lines after the header (`blank`), or a cell of two lines on line 3 (`cell`)."""
    lines = path.read_text().splitlines()
    if how == "blank":
        lines[1:1] = ["", "  "]
    else:
        lines[2] = lines[2].replace(",red,", ',"red\nish",').replace(",blue,", ',"blue\nish",')
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("how", ["blank", "cell"])
def test_a_row_is_named_by_its_files_line_past_blank_lines_and_cells_of_several(here, capsys, how):
    """Was: `t.csv: column 'a' line 5 is 'abc', ...` for a cell on line 7 (two blank lines
    before it, which pandas skips) or line 6 (a quoted cell of two lines before it): rows were
    numbered as pandas counts records, 2, 3, ..., not as the file's lines."""
    spread(table(here, cell="abc"), how)
    line = 7 if how == "blank" else 6
    assert (here / "t.csv").read_text().splitlines()[line - 1].startswith("abc,")
    assert run(here, "t.csv", extra='target = "y"') == 2
    assert f"t.csv: column 'a' line {line} is 'abc'" in refused(capsys, here)


@pytest.mark.parametrize("how", ["blank", "cell"])
def test_predict_names_a_row_by_its_files_line_past_blank_lines(table_study, capsys, how):
    """Was: predict named the row as pandas counts records, 2 lines early (or 1)."""
    spread(table(table_study, "new.csv", rows=8, cell="abc"), how)
    line = 7 if how == "blank" else 6
    assert main(["predict", "s", "new.csv", "--out", "p.csv", "--quiet"]) == 2
    assert f"new.csv: column 'a' line {line} is 'abc'" in capsys.readouterr().err
    assert main(["predict", "s", "t.csv", "--out", "-", "--quiet"]) == 0  # numbered 2, 3, ...
    assert [row.split(",")[0] for row in capsys.readouterr().out.splitlines()[1:4]] == [
        "2",
        "3",
        "4",
    ]


def test_a_timeout_beyond_the_clocks_range_is_refused(here, capsys):
    """Was: `--timeout 1e12` ran a trial, stored it, then `internal error: OverflowError:
    timestamp out of range for platform time_t`, exit 1."""
    study = here / "s.toml"
    study.write_text(STUDY.format(name="s", dataset="moons", extra="n_jobs = 2", space=""))
    assert main(["run", str(study), "--quiet", "--timeout", "1e12"]) == 2
    assert "timeout: must be at most 1e+09 seconds" in refused(capsys, here)


@pytest.mark.parametrize("storage", ["runs", "j.log"])
def test_a_file_where_the_studys_folder_goes_is_refused_before_anything_is_stored(
    here, capsys, storage
):
    """Was: `--storage runs` (a journal named as the folder of studies' files), or a file
    `runs/s` where the study's folder goes, stored the study, then `[Errno 20] Not a
    directory: 'runs/s/storage-66b9522ee6/trials'`."""
    if storage == "j.log":
        (here / "runs").mkdir()
        (here / "runs" / "s").write_text("mine\n")
    study = here / "s.toml"
    study.write_text(STUDY.format(name="s", dataset="moons", extra="", space=""))
    assert main(["run", str(study), "--quiet", "--storage", storage]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "study's networks" in err and "Errno" not in err, err
    assert sorted(path.name for path in here.iterdir()) == sorted(
        ["s.toml", *(["runs"] if storage == "j.log" else [])]
    )


@pytest.mark.integration
def test_a_run_killed_while_its_workers_start_leaves_none_of_them(tmp_path):
    """Was: `run --jobs 12` killed 4 s in (its workers still importing) left all 11 loky workers
    and their resource tracker running under init, for good: a worker watched its parent only
    once it ran a task, and a warm-up task reached only some workers (`--jobs 100000`: 119)."""
    import signal
    import subprocess
    import sys
    import time

    (tmp_path / "s.toml").write_text(STUDY.format(name="s", dataset="moons", extra="", space=""))
    run = subprocess.Popen(
        [sys.executable, "-m", "studies.cli", "run", "s.toml", "--jobs", "5", "--quiet"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline and len(descendants(run.pid)) < 5:  # 4 workers, a tracker
        time.sleep(0.05)
    workers = descendants(run.pid)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)
    deadline = time.time() + 30
    while time.time() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.2)
    left = [pid for pid in workers if alive(pid)]
    for pid in left:  # this test's own processes, whatever it finds
        subprocess.run(["kill", str(pid)], check=False)
    assert len(workers) >= 4 and not left, f"{len(left)} of {len(workers)} live on"


def test_a_hundred_thousand_jobs_are_refused_before_a_process_starts(here, capsys):
    """Was: `run --jobs 100000` started loky workers one after another (85 in 8 s, each
    importing numpy) and never began a trial."""
    study = here / "s.toml"
    study.write_text(STUDY.format(name="s", dataset="moons", extra="", space=""))
    assert main(["run", str(study), "--quiet", "--jobs", "100000"]) == 2
    assert "n_jobs: must be at most 1024, got 100000" in refused(capsys, here)
