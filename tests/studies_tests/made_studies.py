"""Small stored studies whose final models `predict` and `export` use (`made` builds them).

Each is a seeded study of a few trials on a generated CSV table (or an `.npz` of arrays),
stored in its own journal under a session folder: `made.storage(name)` is its `--storage`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from search import StudySpec, best_config, run_study
from studies.datasets import load_dataset

# study name -> the keys that differ from the others'
STUDIES = {
    "cls_ens": {"target": "label", "drop": ["value"], "n_trials": 8},  # 6: no ensemble better
    "cls_one": {"target": "label", "drop": ["value"], "ensemble": 0},
    "reg_ens": {"target": "value", "task": "regression", "drop": ["label"]},
    "reg_one": {"target": "value", "task": "regression", "drop": ["label"], "ensemble": 0},
    "arrays": {"dataset": "arrays.npz", "ensemble": 0},
    "reg_arrays": {"dataset": "reg_arrays.npz", "task": "regression", "ensemble": 0},
    "hostile": {"dataset": "hostile.csv", "target": 'the "label",\nreally', "ensemble": 0},
}
HOSTILE_TARGET = STUDIES["hostile"]["target"]
HOSTILE = {"x": 'a,b "c"', "z": "=cmd()|x", "colour": "new\nline"}  # column renames


def table(m: int = 240, seed: int = 0) -> pd.DataFrame:
    """Numbers with empty cells, a category, a class label and a value to predict."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=m),
            "z": rng.normal(size=m),
            "colour": rng.choice(["red", "green", "blue"], m),
        }
    )
    frame.loc[rng.random(m) < 0.1, "z"] = np.nan  # empty cells
    red = (frame["colour"] == "red").to_numpy()
    noise = rng.normal(size=(2, m))
    frame["label"] = np.where(frame["x"] + red + 0.5 * noise[0] > 0.5, "a", "b")
    frame["value"] = 3 * frame["x"] - frame["z"].fillna(0) + red + noise[1]
    return frame


def new_rows(m: int = 60, seed: int = 5) -> pd.DataFrame:
    """Rows the studies never saw: columns shuffled, empty cells, an extra column."""
    frame = table(m, seed)
    frame.loc[[1, 4], "x"] = np.nan
    frame.loc[[2, m - 1], "colour"] = np.nan
    frame.loc[3, "z"] = np.nan
    return frame[["value", "colour", "label", "z", "x"]].assign(extra="?")


@dataclass(frozen=True)
class Made:
    """The session's folder of studies and data files."""

    folder: Path

    def storage(self, name: str) -> str:
        """The `--storage` of a study."""
        return str(self.folder / name / "journal.log")

    def network(self, name: str):
        """A study's final model, as `best_config(...).load_network()` gives it."""
        return best_config(name, self.storage(name)).load_network()


def _spec(folder: Path, name: str) -> StudySpec:
    keys = {
        "name": name,
        "dataset": str(folder / "table.csv"),
        "storage": str(folder / name / "journal.log"),
        "n_trials": 6,
        "n_jobs": 1,
        "seed": 0,
        "report_every": 10,
        "cv_folds": 0,
        "space": {
            "num_iterations": {"low": 20, "high": 60, "step": 20},
            "n_units": {"low": 2, "high": 8},
        },
        **STUDIES[name],
    }
    if not str(keys["dataset"]).startswith("/"):
        keys["dataset"] = str(folder / keys["dataset"])
    return StudySpec.from_dict(keys)


def make_studies(folder: Path) -> Made:
    """Every study of `STUDIES`, run once (about a second in all)."""
    frame = table()
    frame.to_csv(folder / "table.csv", index=False)
    hostile = frame.drop(columns="value").rename(
        columns={**HOSTILE, "label": 'the "label",\nreally'}
    )
    hostile.to_csv(folder / "hostile.csv", index=False)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 4))
    np.savez(folder / "arrays.npz", X=x, y=(x[:, 0] + x[:, 1] > 0).astype(int) + (x[:, 2] > 1))
    np.savez(folder / "reg_arrays.npz", X=x, y=x[:, 0] - 2 * x[:, 1] + rng.normal(size=300))
    for name in STUDIES:
        result = run_study(_spec(folder, name), load_dataset, progress=None)
        assert bool(result.ensemble) == name.endswith("_ens"), name  # both kinds are tested
    return Made(folder)
