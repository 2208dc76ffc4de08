"""Attacks beyond issue 21's list, tried on the CLI as a hostile or careless user would.

Each test is a promise the attack broke: a refused command stores nothing and says one line,
exit 2; a row is named as its file names it, with the file; a huge file is refused before it is
read. The bug each one held is in its docstring (`Was: ...`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

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
