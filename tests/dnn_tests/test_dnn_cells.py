"""The cell parser (`dnn.cells`) and what issue 21 asked of the table encoder: thousands
separators read as numbers, a column of numbers with a few text cells refused by the row its
index names, and the kinds of a whole table decided once (`dnn.tables.column_kinds`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dnn import NetworkClassifier
from dnn.cells import cell_label, parse_number, read_cells
from dnn.columns import MAX_TEXT_SHARE
from dnn.tables import ColumnKind, TableEncoder, TableError, column_kinds

# -- the parser ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "number"),
    [
        ("2.5", 2.5),
        ("-7", -7.0),
        ("1e3", 1000.0),
        ("1,234", 1234.0),
        ("-12,345.5", -12345.5),
        ("+1,234,567", 1234567.0),
        ("1,234.", 1234.0),
        ("1,2", None),
        ("12,34", None),
        ("1,2345", None),
        ("1234,567", None),
        (",123", None),
        ("1,234,56", None),
        ("abc", None),
        ("True", None),
    ],
)
def test_parse_number_reads_thousands_separators_and_nothing_else(
    label: str, number: float | None
) -> None:
    assert parse_number(label) == number


def test_cell_labels_are_normalized() -> None:
    assert [cell_label(v) for v in (" a ", "", 3, 3.0, 2.5, True, np.nan, "1,234")] == [
        "a", None, "3", "3", "2.5", "True", None, "1,234",
    ]  # fmt: skip


def test_read_cells_labels_each_distinct_value_once() -> None:
    cells = read_cells(pd.Series(["1,234", "x", None, " 5 ", 5, "x"], dtype=object))
    assert cells.labels == ["1,234", "x", "5"]
    assert cells.codes.tolist() == [0, 1, -1, 2, 2, 1]
    assert cells.text.tolist() == [False, True, False] and cells.present == 5
    assert cells.text_rows().tolist() == [1, 5]
    np.testing.assert_array_equal(cells.values(), [1234.0, np.nan, np.nan, 5.0, 5.0, np.nan])


# -- thousands separators in a table ---------------------------------------------------------


def test_a_column_written_excel_style_is_numeric() -> None:
    """It became one constant `<other>` column (issue 21 section 7)."""
    prices = pd.Series(["1,234", "-12,345.5", "980", None, "2,000,000"] * 5, dtype=object)
    encoder = TableEncoder().fit(pd.DataFrame({"price": prices}))
    assert encoder.describe()[0]["kind"] == "numeric"
    assert encoder.feature_names_ == ["price", "price_missing"]
    X = encoder.transform(pd.DataFrame({"price": ["3,000", "7", None]}))
    assert X.tolist() == [[3000.0, 0.0], [7.0, 0.0], [(980.0 + 1234.0) / 2, 1.0]]  # median


def test_decimal_commas_stay_categories() -> None:
    frame = pd.DataFrame({"ratio": ["1,2", "12,34", "3,5"] * 8})
    assert TableEncoder(min_frequency=1).fit(frame).describe()[0]["kind"] == "categorical"


# -- numbers with a few text cells -----------------------------------------------------------


def sizes(m: int = 60) -> pd.DataFrame:
    return pd.DataFrame({"size": [str(10 + k % 7) for k in range(m)], "n": np.arange(m) % 3})


def test_a_typo_in_a_column_of_numbers_is_refused_naming_its_row() -> None:
    frame = sizes()
    frame.loc[6, "size"] = "abc"  # line 7 of a 60-row file (issue 21 section 2)
    with pytest.raises(TableError) as caught:
        TableEncoder().fit(frame)
    assert str(caught.value) == (
        "column 'size' row 6 is 'abc', text in a column of numbers (59 of 60 cells): fix the "
        "cell, list 'size' in categorical to read the column as categories, or drop it"
    )
    frame.index = pd.RangeIndex(2, 62, name="line")  # as studies reads a CSV: its lines
    with pytest.raises(TableError, match=r"^column 'size' line 8 is 'abc', text in a column"):
        TableEncoder().fit(frame)
    shuffled = frame.sample(frac=1.0, random_state=0)  # a split keeps the index labels
    with pytest.raises(TableError, match=r"^column 'size' line 8 is 'abc'"):
        TableEncoder().fit(shuffled)


def test_a_marker_is_refused_too_and_the_remedies_work() -> None:
    frame = sizes()
    frame.loc[[3, 30, 50], "size"] = " unknown "
    with pytest.raises(TableError, match=r"^column 'size' row 3 is 'unknown', text in a col"):
        TableEncoder().fit(frame)
    listed = TableEncoder(categorical=["size"], min_frequency=1).fit(frame)
    assert listed.describe()[0]["kind"] == "categorical"
    assert "size=unknown" in listed.feature_names_
    assert "size" not in TableEncoder(drop=["size"]).fit(frame).feature_names_
    fixed = frame.replace({"size": {" unknown ": None}})
    assert TableEncoder().fit(fixed).describe()[0]["kind"] == "numeric"


def test_the_estimator_refuses_it_in_one_line_by_the_frames_index_label() -> None:
    frame = sizes().set_axis([f"r{k}" for k in range(60)])
    frame.loc["r40", "size"] = "n/a?"
    with pytest.raises(ValueError) as caught:
        NetworkClassifier(hidden_layers=(2,), num_iterations=2).fit(frame, np.arange(60) % 2)
    assert str(caught.value).startswith("column 'size' row 'r40' is 'n/a?', text in a column")
    assert "\n" not in str(caught.value)


def test_categories_that_mix_numbers_and_text_stay_categorical() -> None:
    grades = pd.DataFrame({"grade": ["1", "2", "3", "A", "B"] * 12})
    encoder = TableEncoder().fit(grades)
    assert encoder.describe()[0]["kind"] == "categorical"
    assert encoder.feature_names_ == [f"grade={g}" for g in ("1", "2", "3", "A", "B")]
    # the threshold: text in one cell of ten (or more) is categories, below it a typo
    m = 40
    at_threshold = pd.DataFrame({"x": ["t"] * int(m * MAX_TEXT_SHARE) + ["1", "2"] * 18})
    assert TableEncoder(min_frequency=1).fit(at_threshold).describe()[0]["kind"] == "categorical"
    with pytest.raises(TableError, match="text in a column of numbers"):
        TableEncoder().fit(at_threshold.iloc[1:])


# -- the kinds of a whole table --------------------------------------------------------------


def test_column_kinds_decides_once_for_a_whole_table() -> None:
    frame = pd.DataFrame(
        {
            "zone": ["1", "2", "3"] * 6 + ["north", "south"] * 5,  # categorical, some numbers
            "size": [str(k) for k in range(28)],
            "island": ["Biscoe", "Dream"] * 14,
            "id": np.arange(28),
            "flag": [True, False] * 14,
        }
    )
    kinds = column_kinds(frame, categorical=["island"], drop=["id"])
    assert kinds == [
        ColumnKind("zone", "categorical", ("1", "2", "3")),
        ColumnKind("size", "numeric"),
        ColumnKind("island", "categorical"),
        ColumnKind("id", "dropped"),
        ColumnKind("flag", "categorical"),
    ]
    # a fold that saw only the numeric-looking levels would call `zone` numeric: listing the
    # columns with number levels in `categorical` gives every fold the same kinds
    force = [kind.name for kind in kinds if kind.number_levels]
    fold = frame.iloc[:18]
    assert TableEncoder().fit(fold).describe()[0]["kind"] == "numeric"
    assert TableEncoder(categorical=force).fit(fold).describe()[0]["kind"] == "categorical"


def test_column_kinds_refuses_what_fit_refuses() -> None:
    frame = sizes()
    frame.loc[12, "size"] = "abc"
    with pytest.raises(TableError, match="^column 'size' row 12 is 'abc'"):
        column_kinds(frame)
    with pytest.raises(TableError, match="categorical names 'sise'"):
        column_kinds(sizes(), categorical=["sise"])
    with pytest.raises(TableError, match="every cell missing"):
        column_kinds(pd.DataFrame({"e": [None, " "]}))
