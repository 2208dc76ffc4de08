"""`dnn.tables.TableEncoder`: a raw table (a pandas DataFrame) into X (m, n_x), learned on the
fit rows only, and its state through JSON. Frames are built by hand, values checked exactly."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dnn.tables import TableEncoder, TableError, is_table

M = 24  # rows of the hand-made frame: above the 20 that an identifier needs


def penguins() -> pd.DataFrame:
    """One column of each kind, as read from a CSV file (24 rows)."""
    i = np.arange(M)
    return pd.DataFrame(
        {
            "bill": np.where(i % 6 == 0, np.nan, 30.0 + i),  # numeric, 4 missing
            "island": np.array(["Biscoe", "Dream", "Torgersen"])[i % 3],  # strings
            "male": i % 2 == 0,  # bool dtype
            "grade": 1 + i % 3,  # integer-coded, stays numeric
            "zone": 1 + i % 4,  # integer-coded, listed categorical
            "comment": [f"note {k}" for k in i % 5],  # listed in drop
            "customer_id": [f"C{k:04d}" for k in i],  # a string identifier
            "row": (i * 7) % M + 100,  # a permutation of 100..123: too few rows for an id
            "species": ["Adelie"] * M,  # constant
            "mass": 3000.0 + np.sqrt(i) * 100,  # unique floats: not an identifier
            "flipper": [str(180 + k % 9) for k in i],  # strings of numbers: numeric
            "tagged": pd.Series([True, False, None] * 8, dtype=object),  # object bools
        }
    )


def encoder(**kwargs: Any) -> TableEncoder:
    return TableEncoder(**{"categorical": ["zone"], "drop": ["comment"], **kwargs})


def assert_one_line_error(call: Callable[[], object], *fragments: str) -> str:
    with pytest.raises(TableError) as error:
        call()
    message = str(error.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


# -- kinds ---------------------------------------------------------------------------------


def test_each_kind_of_column_is_inferred_encoded_or_dropped():
    enc = encoder(min_frequency=1).fit(penguins())
    kinds = {d["name"]: (d["kind"], d["reason"], d["width"]) for d in enc.describe()}
    assert kinds == {
        "bill": ("numeric", None, 2),
        "island": ("categorical", None, 3),
        "male": ("categorical", None, 2),
        "grade": ("numeric", None, 1),
        "zone": ("categorical", None, 4),
        "comment": ("dropped", "listed in drop", 0),
        "customer_id": ("dropped", "identifier", 0),
        "row": ("numeric", None, 1),
        "species": ("dropped", "constant", 0),
        "mass": ("numeric", None, 1),
        "flipper": ("numeric", None, 1),
        "tagged": ("categorical", None, 3),
    }
    assert enc.columns_ == list(penguins().columns)
    assert enc.feature_names_ == [
        "bill", "bill_missing",
        "island=Biscoe", "island=Dream", "island=Torgersen",
        "male=False", "male=True",
        "grade",
        "zone=1", "zone=2", "zone=3", "zone=4",
        "row",
        "mass",
        "flipper",
        "tagged=False", "tagged=True", "tagged=<missing>",
    ]  # fmt: skip
    assert enc.warnings_ == [
        "column 'customer_id' dropped: a different value in every row (an identifier)",
        "column 'species' dropped: the same value 'Adelie' in every row (constant)",
    ]


def test_describe_counts_missing_cells_and_is_json():
    enc = encoder(min_frequency=1).fit(penguins())
    described = {d["name"]: d for d in json.loads(json.dumps(enc.describe()))}
    assert described["bill"]["missing"] == 4
    assert described["tagged"]["missing"] == 8
    assert described["island"]["categories"] == ["Biscoe", "Dream", "Torgersen"]
    assert set(described["bill"]) == {
        "name", "kind", "missing", "categories", "pooled", "width", "reason",
    }  # fmt: skip


def test_identifiers_need_twenty_rows_and_integers():
    frame = penguins().iloc[:19]
    enc = encoder(min_frequency=1).fit(frame)
    kinds = {d["name"]: d["kind"] for d in enc.describe()}
    assert kinds["customer_id"] == "categorical" and kinds["row"] == "numeric"
    shifted = penguins().assign(row=lambda f: f["row"] + 0.5)  # unique floats, a range's size
    assert "row" in encoder().fit(shifted).feature_names_


def test_a_frame_read_from_csv_gets_the_same_kinds():
    text = "flipper,sex,grade\n181,True,1\n,False,2\n190.5,,3\n"
    frame = pd.read_csv(io.StringIO(text))
    enc = TableEncoder(min_frequency=1).fit(frame)
    assert enc.feature_names_ == [
        "flipper", "flipper_missing", "sex=False", "sex=True", "sex=<missing>", "grade",
    ]  # fmt: skip
    assert enc.transform(frame)[:, :2].tolist() == [[181.0, 0.0], [185.75, 1.0], [190.5, 0.0]]


# -- numeric columns -----------------------------------------------------------------------


def test_medians_come_from_the_fit_rows_only():
    part_a = pd.DataFrame({"x": [1.0, 2.0, np.nan, 3.0, 10.0], "y": [5, 6, 7, 8, 9]})
    part_b = pd.DataFrame({"x": [100.0, np.nan, 300.0], "y": [-1, np.nan, 1000]})
    enc = TableEncoder().fit(part_a)
    assert enc.feature_names_ == ["x", "x_missing", "y"]
    X = enc.transform(part_b)
    # x's median over A is (2 + 3) / 2; y had no missing cell in A: imputed with 7, no indicator
    assert X.tolist() == [[100.0, 0.0, -1.0], [2.5, 1.0, 7.0], [300.0, 0.0, 1000.0]]
    assert X.dtype == np.float64 and X.flags.c_contiguous
    assert TableEncoder().fit(part_b).transform(part_b)[1].tolist() == [200.0, 1.0, 499.5, 1.0]


def test_a_numeric_column_read_as_strings_at_transform_still_parses():
    enc = TableEncoder().fit(pd.DataFrame({"x": [1.0, 2.0, 4.0]}))
    later = pd.DataFrame({"x": pd.Series(["8", " 0.5 ", None, ""], dtype=object)})
    assert enc.transform(later)[:, 0].tolist() == [8.0, 0.5, 2.0, 2.0]


# -- categorical columns -------------------------------------------------------------------


def test_rare_levels_are_pooled_and_unseen_levels_encode_as_zeros():
    fit = pd.DataFrame({"c": ["a"] * 6 + ["b"] * 5 + ["c"] * 2 + ["d"]})
    enc = TableEncoder().fit(fit)
    assert enc.feature_names_ == ["c=a", "c=b", "c=<other>"]
    assert enc.describe()[0]["pooled"] == 2
    X = enc.transform(pd.DataFrame({"c": ["b", "d", "c", "new", None, "a"]}))
    assert X.tolist() == [[0, 1, 0], [0, 0, 1], [0, 0, 1], [0, 0, 0], [0, 0, 0], [1, 0, 0]]


def test_no_other_column_when_no_level_is_rare():
    enc = TableEncoder(min_frequency=2).fit(pd.DataFrame({"c": ["a", "b", "a", "b"]}))
    assert enc.feature_names_ == ["c=a", "c=b"]
    assert enc.transform(pd.DataFrame({"c": ["zzz"]})).tolist() == [[0.0, 0.0]]


def test_missing_cells_are_a_level_when_the_fit_rows_had_some():
    enc = TableEncoder(min_frequency=1).fit(pd.DataFrame({"c": ["a", None, "b", "  "]}))
    assert enc.feature_names_ == ["c=a", "c=b", "c=<missing>"]
    assert enc.describe()[0]["missing"] == 2  # None and a blank string
    X = enc.transform(pd.DataFrame({"c": [np.nan, "b", ""]}))
    assert X.tolist() == [[0, 0, 1], [0, 1, 0], [0, 0, 1]]


def test_the_same_category_matches_however_it_was_read():
    enc = TableEncoder(categorical=["zone", "flag"], min_frequency=1)
    enc.fit(pd.DataFrame({"zone": [1, 2, 3, 3], "flag": [True, False, True, True]}))
    later = pd.DataFrame(
        {
            "zone": pd.Series([3.0, "3", " 3 ", "3.0", 2], dtype=object),
            "flag": pd.Series(["True", True, np.True_, "true", "False"], dtype=object),
        }
    )
    X = enc.transform(later)
    assert enc.feature_names_ == ["zone=1", "zone=2", "zone=3", "flag=False", "flag=True"]
    assert X.tolist() == [
        [0, 0, 1, 0, 1],
        [0, 0, 1, 0, 1],
        [0, 0, 1, 0, 1],
        [0, 0, 0, 0, 0],  # "3.0" and "true" are other labels
        [0, 1, 0, 1, 0],
    ]


# -- columns at transform ------------------------------------------------------------------


def test_columns_are_matched_by_name_extra_ones_ignored_dropped_ones_optional():
    frame = penguins()
    enc = encoder(min_frequency=1).fit(frame)
    X = enc.transform(frame)
    shuffled = frame[list(reversed(frame.columns))].assign(extra=1.5)
    assert np.array_equal(enc.transform(shuffled), X)
    without_dropped = frame.drop(columns=["comment", "customer_id", "species"])
    assert np.array_equal(enc.transform(without_dropped), X)
    assert np.array_equal(enc.fit_transform(frame), X)


def test_integer_column_names_are_matched_as_strings():
    enc = TableEncoder().fit(pd.DataFrame({0: [1.0, 2.0], 1: [3.0, 5.0]}))
    assert enc.columns_ == ["0", "1"]
    assert enc.transform(pd.DataFrame({1: [1.0], 0: [7.0]})).tolist() == [[7.0, 1.0]]


# -- errors --------------------------------------------------------------------------------

SMALL = {"age": [30.0, 40.0, 50.0], "island": ["Biscoe", "Dream", "Biscoe"]}

FIT_ERRORS = [
    ({"categorical": ["islnd"]}, SMALL, ("'islnd'", "did you mean 'island'?")),
    ({"drop": ["weight"]}, SMALL, ("'weight'", "not a column")),
    ({}, {**SMALL, "empty": [None, None, None]}, ("'empty'", "every cell missing")),
    ({}, {**SMALL, "gone": [np.nan] * 3}, ("'gone'", "every cell missing")),
    ({"max_levels": 1, "min_frequency": 1}, SMALL, ("'island'", "2 categories (more than 1)")),
    ({}, {**SMALL, "age": [1.0, np.inf, 2.0]}, ("column 'age' row 1 is inf",)),
    ({}, {**SMALL, "age": ["1", "2", "-inf"]}, ("column 'age' row 2 is -inf",)),
    ({"drop": ["age", "island"]}, SMALL, ("no column left",)),
    ({}, {"age": [1.0, None, 2.0], "age_missing": [0.0, 1.0, 2.0]}, ("'age_missing'",)),
]


@pytest.mark.parametrize(("kwargs", "columns", "fragments"), FIT_ERRORS)
def test_fit_errors_are_one_line_naming_the_column(kwargs, columns, fragments):
    assert_one_line_error(lambda: TableEncoder(**kwargs).fit(pd.DataFrame(columns)), *fragments)


def test_fit_refuses_duplicate_names_empty_frames_and_arrays():
    twice = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], columns=["a", "a"])
    assert_one_line_error(lambda: TableEncoder().fit(twice), "duplicate column name 'a'")
    mixed = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], columns=[1, "1"])
    assert_one_line_error(lambda: TableEncoder().fit(mixed), "duplicate column name '1'")
    empty = pd.DataFrame({"age": pd.Series([], dtype=float)})
    assert_one_line_error(lambda: TableEncoder().fit(empty), "no rows")
    assert_one_line_error(lambda: TableEncoder().fit(np.zeros((3, 2))), "ndarray")


def test_constructor_errors_name_the_argument():
    assert_one_line_error(
        lambda: TableEncoder(categorical=["a"], drop=["a"]), "'a'", "both categorical and drop"
    )
    assert_one_line_error(lambda: TableEncoder(categorical="island"), "categorical", "'island'")
    assert_one_line_error(lambda: TableEncoder(min_frequency=0), "min_frequency")
    assert_one_line_error(lambda: TableEncoder(max_levels=True), "max_levels")


def test_transform_errors_name_the_column_and_row():
    enc = TableEncoder().fit(pd.DataFrame(SMALL))
    assert_one_line_error(
        lambda: enc.transform(pd.DataFrame({"age": [1.0]})),
        "no column 'island', which the training data has",
    )
    frame = pd.DataFrame({"island": ["Dream"] * 5, "age": ["1", "2", "3", "abc", "abc"]})
    frame.index = [10, 11, 12, 13, 14]  # rows are named by their index labels (issue 21)
    assert_one_line_error(
        lambda: enc.transform(frame),
        "column 'age' row 13 is 'abc', not a number like in the training data",
    )
    frame.index.name = "line"  # a CSV read by studies: the file's line numbers
    assert_one_line_error(lambda: enc.transform(frame), "column 'age' line 13 is 'abc'")
    bools = pd.DataFrame({"island": ["Dream"], "age": [True]})
    assert_one_line_error(lambda: enc.transform(bools), "column 'age' row 0 is 'True'")
    infinite = pd.DataFrame({"island": ["Dream"] * 2, "age": [1.0, -np.inf]})
    assert_one_line_error(lambda: enc.transform(infinite), "column 'age' row 1 is -inf")
    assert_one_line_error(lambda: TableEncoder().transform(frame), "not fitted")


# -- state ---------------------------------------------------------------------------------


def fitted_state() -> tuple[TableEncoder, dict[str, Any]]:
    enc = encoder(min_frequency=8).fit(penguins())  # island: 8 each; zone: 6 each, pooled
    return enc, json.loads(json.dumps(enc.to_state(), allow_nan=False))


def test_state_round_trips_through_json_bit_for_bit():
    enc, state = fitted_state()
    back = TableEncoder.from_state(state)
    frame = penguins().assign(bill=lambda f: f["bill"] / 3.0, zone=[1, 2, 9, None] * 6)
    assert enc.transform(frame).tobytes() == back.transform(frame).tobytes()
    assert back.describe() == enc.describe()
    assert (back.columns_, back.feature_names_, back.warnings_) == (
        enc.columns_,
        enc.feature_names_,
        enc.warnings_,
    )
    assert repr(back) == repr(enc)
    assert back.to_state() == state


def test_the_state_holds_what_the_encoder_learned():
    _, state = fitted_state()
    columns = {column["name"]: column for column in state["columns"]}
    assert columns["bill"] == {"name": "bill", "kind": "numeric", "missing": 4, "median": 42.0}
    assert columns["zone"]["categories"] == []
    assert columns["zone"]["pooled_levels"] == ["1", "2", "3", "4"]


def edit(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], Any]:
    """A change to a state: set the value at path (a key or index per level); DELETE deletes."""

    def apply(state: dict[str, Any]) -> Any:
        target = state
        for step in path[:-1]:
            target = target[step]
        if value is DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return state

    return apply


DELETE = object()
BILL, ISLAND, COMMENT, SPECIES = 0, 1, 5, 8  # positions in penguins()' columns

BAD_STATES = {
    "not a dict": (lambda s: [s], "must be a JSON object, got list"),
    "unknown key": (edit(("extra",), 1), "unknown key 'extra'"),
    "missing key": (edit(("columns",), DELETE), "missing key 'columns'"),
    "newer version": (edit(("version",), 3), "version must be 1 or 2"),
    "version 2 without bins": (edit(("version",), 2), "missing key 'bins'"),
    "edges without bins": (edit(("columns", BILL, "edges"), [0, 1, 2]), "unknown key 'edges'"),
    "bool min_frequency": (edit(("min_frequency",), True), "min_frequency"),
    "nan median": (edit(("columns", BILL, "median"), float("nan")), "'bill': median"),
    "inf median": (edit(("columns", BILL, "median"), float("inf")), "'bill': median"),
    "string median": (edit(("columns", BILL, "median"), "42"), "'bill': median"),
    "negative missing": (edit(("columns", BILL, "missing"), -1), "'bill': missing"),
    "column key": (edit(("columns", BILL, "levels"), []), "unknown key 'levels'"),
    "unknown kind": (edit(("columns", BILL, "kind"), "text"), "columns[0]: kind"),
    "name not text": (edit(("columns", BILL, "name"), 3), "columns[0]: name"),
    "unsorted levels": (
        edit(("columns", ISLAND, "categories"), ["Dream", "Biscoe", "Torgersen"]),
        "'island': categories",
    ),
    "kept and pooled": (
        edit(("columns", ISLAND, "pooled_levels"), ["Dream"]),
        "'Dream' is kept and pooled",
    ),
    "no levels": (edit(("columns", ISLAND, "categories"), []), "'island': a categorical"),
    "width mismatch": (edit(("feature_names",), ["bill"]), "feature_names (1)"),
    "duplicate column": (edit(("columns", ISLAND, "name"), "bill"), "duplicate column"),
    "duplicate features": (
        edit(
            ("columns", SPECIES),
            {"name": "bill_missing", "kind": "numeric", "missing": 0, "median": 1.0},
        ),
        "'bill_missing'",
    ),
    "listed drop kept": (
        edit(
            ("columns", COMMENT),
            {"name": "comment", "kind": "numeric", "missing": 0, "median": 1.0},
        ),
        "column 'comment' is listed in drop but kept",
    ),
    "bad reason": (edit(("columns", SPECIES, "reason"), "boring"), "'species': reason"),
    "not listed": (edit(("columns", SPECIES, "reason"), "listed in drop"), "'species' is dropped"),
    "listed name absent": (edit(("drop",), ["comment", "nope"]), "'nope'"),
    "multi-line warning": (edit(("warnings",), ["a\nb"]), "warnings"),
}


@pytest.mark.parametrize("case", list(BAD_STATES), ids=list(BAD_STATES))
def test_a_bad_state_is_refused_in_one_line(case):
    change, fragment = BAD_STATES[case]
    _, state = fitted_state()
    bad = change(copy.deepcopy(state))
    message = assert_one_line_error(lambda: TableEncoder.from_state(bad), fragment)
    assert message.startswith("table state: ")


# -- is_table and imports ------------------------------------------------------------------


def test_is_table_knows_a_dataframe_by_its_class():
    class MyFrame(pd.DataFrame):
        pass

    assert is_table(pd.DataFrame({"a": [1]})) and is_table(MyFrame({"a": [1]}))
    for other in (np.zeros((2, 2)), [[1.0]], pd.Series([1.0]), {"a": [1]}, None):
        assert not is_table(other)


def test_neither_import_dnn_nor_is_table_imports_pandas():
    code = (
        "import sys, numpy as np\n"
        "import dnn\n"
        "assert 'dnn.tables' not in sys.modules\n"
        "from dnn.tables import is_table\n"
        "assert not is_table(np.zeros((2, 2))) and not is_table([[1.0]])\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_a_sample_of_row_numbers_is_an_identifier_but_spread_integers_are_not():
    """A training part holds a sample of the row numbers (here 60 of 100): still an id. Distinct
    integers spread far wider than their count (incomes in dollars) are measurements."""
    rng = np.random.default_rng(0)
    ids = np.sort(rng.choice(np.arange(1000, 1300), size=150, replace=False))
    incomes = rng.choice(np.arange(20_000, 200_000), size=150, replace=False)
    encoder = TableEncoder().fit(pd.DataFrame({"id": ids, "income": incomes}))
    kinds = {column["name"]: (column["kind"], column["reason"]) for column in encoder.describe()}
    assert kinds == {"id": ("dropped", "identifier"), "income": ("numeric", None)}
    ages = rng.choice(np.arange(20, 80), size=30, replace=False)  # 30 patients, distinct ages
    assert TableEncoder().fit(pd.DataFrame({"age": ages})).describe()[0]["kind"] == "numeric"


def test_a_number_too_large_to_standardize_is_refused_by_row():
    frame = pd.DataFrame({"x": [1.0, 2.0, -1e308, 4.0]})
    with pytest.raises(TableError, match=r"^column 'x' row 2 is -1e\+308: too large") as error:
        TableEncoder().fit(frame)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("cell", [1e200, "-1e200"], ids=["number", "text"])
def test_new_rows_with_a_number_training_refuses_are_refused_too(cell: Any) -> None:
    """It was encoded: `predict` scored 1e200 with a probability of 1.0, without a word."""
    encoder = TableEncoder().fit(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]}))
    new = pd.DataFrame({"x": pd.Series([1.0, cell], index=[7, 8], dtype=object)})
    with pytest.raises(TableError, match=r"^column 'x' row 8 is -?1e\+200: too large to learn"):
        encoder.transform(new)
