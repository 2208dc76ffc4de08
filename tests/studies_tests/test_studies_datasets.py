"""Data files a study names: each bad one is a one-line DataError naming the file and the
column, row or value; good files still load."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from search import StudySpec
from studies.datasets import DataError, load_csv, load_dataset, load_npz


def load(path: Path, target: str = "target", **keys: Any) -> tuple[Any, np.ndarray]:
    data = load_dataset(StudySpec(name="data", dataset=str(path), target=target, **keys))
    assert data.X_test is None  # no test file of its own
    return data.X, data.y


def assert_refused(path: Path, expected: str, target: str = "target") -> None:
    with pytest.raises(DataError) as error:
        load(path, target)
    message = str(error.value)
    assert str(path) in message, message
    assert "\n" not in message
    assert expected in message, message


def csv(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows(labels: list, features: str | None = None) -> str:
    """A CSV with columns a, b, target: one row per label (a = i + 0.5, b = i mod 2 in row i:
    columns a network can learn from, not constant)."""
    return "a,b,target\n" + "".join(
        f"{features or f'{i + 0.5},{i % 2}'},{label}\n" for i, label in enumerate(labels)
    )


def npz(tmp_path: Path, name: str = "data.npz", **arrays: np.ndarray) -> Path:
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


GOOD_X = np.arange(16.0).reshape(8, 2)
GOOD_Y = np.array([0, 1] * 4)


# -- what still loads ------------------------------------------------------------------------


def test_good_files_load(tmp_path: Path) -> None:
    x, y = load(csv(tmp_path, rows(["cat", "dog"] * 3)))
    assert isinstance(x, pd.DataFrame) and list(x.columns) == ["a", "b"]
    assert x.shape == (6, 2) and list(x["a"]) == [i + 0.5 for i in range(6)]
    assert list(y[:2]) == ["cat", "dog"]
    x, y = load(npz(tmp_path, X=GOOD_X, y=GOOD_Y))
    np.testing.assert_array_equal(x, GOOD_X)
    x, y = load(npz(tmp_path, "floats.npz", X=GOOD_X, y=GOOD_Y.astype(float)))  # 0.0 / 1.0
    assert set(y) == {0.0, 1.0}
    x, y = load(csv(tmp_path, "\ufeffa,target\n1,x\n2,y\n3,x\n", "bom.csv"))  # UTF-8 with BOM
    assert list(y) == ["x", "y", "x"]


def test_the_loaders_keep_their_signatures(tmp_path: Path) -> None:
    x, y = load_csv(csv(tmp_path, rows([0, 1, 0])), "target")
    assert x.shape == (3, 2) and list(y) == [0, 1, 0]
    x, y = load_npz(npz(tmp_path, X=GOOD_X, y=GOOD_Y))
    assert x.shape == (8, 2)


# -- complex numbers -------------------------------------------------------------------------


def test_a_csv_with_a_complex_feature(tmp_path: Path) -> None:
    path = csv(tmp_path, "a,b,target\n1,2,0\n3,1+2j,1\n")
    assert_refused(path, "column 'b' line 3 is a complex number (features must be real): '1+2j'")


def test_an_npz_with_complex_x(tmp_path: Path) -> None:
    path = npz(tmp_path, X=GOOD_X + 1j, y=GOOD_Y)
    assert_refused(path, "X must hold real numbers, got complex128")


def test_an_npz_with_complex_y(tmp_path: Path) -> None:
    path = npz(tmp_path, X=GOOD_X, y=GOOD_Y + 0j)
    assert_refused(path, "y must hold class labels, got complex numbers (complex128)")


def test_infinite_features_are_named(tmp_path: Path) -> None:
    assert_refused(
        csv(tmp_path, "a,target\n1,0\ninf,1\n"), "column 'a' line 3 is inf, not a finite number"
    )
    x = GOOD_X.copy()
    x[5, 1] = np.nan
    assert_refused(npz(tmp_path, X=x, y=GOOD_Y), "X row 5, column 1 is nan, not a finite number")


# -- empty labels ----------------------------------------------------------------------------


def test_an_empty_label_in_a_csv(tmp_path: Path) -> None:
    assert_refused(
        csv(tmp_path, rows([0, 1, "", 1])), "target column 'target' line 4 is an empty label"
    )


def test_a_blank_text_label_in_a_csv(tmp_path: Path) -> None:
    path = csv(tmp_path, rows(["a", "b", "  ", "a"]))
    assert_refused(path, "target column 'target' line 4 is an empty label")


def test_nan_and_blank_labels_in_an_npz(tmp_path: Path) -> None:
    y = GOOD_Y.astype(float)
    y[3] = np.nan
    assert_refused(npz(tmp_path, X=GOOD_X, y=y), "y row 3 is an empty label")
    text = np.array(["a", "b"] * 3 + ["", "a"])
    assert_refused(npz(tmp_path, "text.npz", X=GOOD_X, y=text), "y row 6 is an empty label")


# -- targets that are not classes ------------------------------------------------------------


def test_a_non_integer_float_target(tmp_path: Path) -> None:
    path = csv(tmp_path, rows([0, 1, 0.37, 1]))
    assert_refused(path, "target column 'target' line 4 is 0.37, not a class")
    y = GOOD_Y.astype(float)
    y[2] = 1.5
    assert_refused(npz(tmp_path, X=GOOD_X, y=y), "y row 2 is 1.5, not a class")


def test_more_distinct_float_labels_than_half_the_rows(tmp_path: Path) -> None:
    labels = [float(v) for v in (1, 2, 3, 4, 5, 5, 5, 5, 1)]  # 5 distinct in 9 rows
    assert_refused(
        csv(tmp_path, rows(labels)),
        "target column 'target' has 5 distinct values in 9 rows: looks continuous",
    )


def test_a_target_with_one_class_per_row(tmp_path: Path) -> None:
    path = csv(tmp_path, rows([f"id-{i}" for i in range(6)]))
    assert_refused(path, "target column 'target' has a different value in each of its 6 rows")
    path = npz(tmp_path, X=GOOD_X, y=np.arange(8))
    assert_refused(path, "y has a different value in each of its 8 rows")


# -- npz files -------------------------------------------------------------------------------


def test_a_npy_named_npz(tmp_path: Path) -> None:
    np.save(tmp_path / "X.npy", GOOD_X)
    path = (tmp_path / "X.npy").rename(tmp_path / "data.npz")
    assert_refused(path, "a single .npy array, not an .npz archive")


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", "not an .npz archive (empty file)"), (b"a,b\n1,2\n", "not an .npz archive (not a zip)")],
)
def test_an_npz_that_is_no_zip(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "data.npz"
    path.write_bytes(content)
    assert_refused(path, expected)


def test_a_truncated_npz(tmp_path: Path) -> None:
    path = npz(tmp_path, X=GOOD_X, y=GOOD_Y)
    path.write_bytes(path.read_bytes()[:200])
    assert_refused(path, "damaged .npz archive (BadZipFile")


@pytest.mark.parametrize("missing", ["X", "y"])
def test_an_npz_without_x_or_y(tmp_path: Path, missing: str) -> None:
    arrays = {"X": GOOD_X, "y": GOOD_Y, "labels": GOOD_Y}
    del arrays[missing]
    found = ", ".join(repr(key) for key in arrays)
    path = npz(tmp_path, **arrays)
    assert_refused(path, f"missing array {missing!r} (needs X and y; arrays found: {found})")


def test_an_npz_with_an_object_array_is_not_unpickled(tmp_path: Path) -> None:
    path = tmp_path / "data.npz"
    np.savez(path, X=GOOD_X, y=np.array(["a", None] * 4, dtype=object), allow_pickle=True)
    assert_refused(path, "array 'y' holds Python objects (dtype object), which would need pickle")


def test_an_npz_member_that_is_no_array(tmp_path: Path) -> None:
    path = tmp_path / "data.npz"
    buffer = io.BytesIO()
    np.save(buffer, GOOD_X)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("X.npy", buffer.getvalue())
        archive.writestr("y", b"0,1,0,1")
    assert_refused(path, "member 'y' is not a .npy array")


# -- text and CSV files ----------------------------------------------------------------------


def test_a_csv_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes("a,target\n1,café\n2,thé\n".encode("latin-1"))
    assert_refused(path, "not UTF-8 text: byte 0xe9 on line 2 (save the file as UTF-8)")


def test_a_binary_file_named_csv(tmp_path: Path) -> None:
    path = npz(tmp_path, "data.npz", X=GOOD_X, y=GOOD_Y).rename(tmp_path / "data.csv")
    assert_refused(path, "a binary .npz/.npy file, not CSV text")


@pytest.mark.parametrize("text", ["", "\n\n"])
def test_an_empty_csv(tmp_path: Path, text: str) -> None:
    assert_refused(csv(tmp_path, text), "the CSV file is empty (no header row)")


def test_a_csv_with_a_header_only(tmp_path: Path) -> None:
    assert_refused(csv(tmp_path, "a,target\n"), "needs at least one feature column and one row")


def test_a_missing_target_column_names_the_columns_found(tmp_path: Path) -> None:
    path = csv(tmp_path, "height,width,class\n1,2,a\n3,4,b\n")
    assert_refused(
        path, "no target column 'target' (columns: 'height', 'width', 'class')", target="target"
    )


def test_many_or_hostile_column_names_stay_on_one_line(tmp_path: Path) -> None:
    names = ['"x\ny"', "=cmd|' /C calc'!A0"] + [f"c{i}" for i in range(30)]
    path = csv(tmp_path, ",".join(names) + "\n" + ",".join("1" * len(names)) + "\n")
    assert_refused(path, "columns: 'x\\ny', \"=cmd|' /C calc'!A0\", 'c0'")
    assert_refused(path, "'c17' and 12 more)")


# -- raw tables: text and empty cells are the encoder's ------------------------------------


def test_text_and_empty_cells_are_kept_as_read(tmp_path: Path) -> None:
    x, y = load(csv(tmp_path, "a,colour,b,target\n1,red,,0\nx,,2.5,1\n3, blue ,NA,0\n"))
    assert list(x.columns) == ["a", "colour", "b"] and list(y) == [0, 1, 0]
    assert list(x["a"]) == ["1", "x", "3"]  # not coerced: a column of categories
    colour = x["colour"].tolist()
    assert colour[0] == "red" and pd.isna(colour[1]) and colour[2] == " blue "
    assert list(x.index) == [2, 3, 4] and x.index.name == "line"  # rows named as the file does
    assert x["b"].isna().tolist() == [True, False, True]


def test_a_column_empty_in_every_row_is_refused_by_name(tmp_path: Path) -> None:
    text = "a,notes,target\n1,,0\n2,  ,1\n3,NA,0\n"
    assert_refused(csv(tmp_path, text), "column 'notes' has every cell missing")
    spec = StudySpec(name="d", dataset=str(tmp_path / "data.csv"), drop=["notes"])
    assert list(load_dataset(spec).X.columns) == ["a", "notes"]  # dropped: the encoder's to leave


def test_a_complex_number_among_text_is_a_category(tmp_path: Path) -> None:
    x, _ = load(csv(tmp_path, "a,b,target\n1,dog,0\n3,1+2j,1\n2,dog,1\n"))
    assert list(x["b"]) == ["dog", "1+2j", "dog"]
    x, _ = load(csv(tmp_path, "a,b,target\n1,2,0\n3,1+2j,1\n2,2,1\n"), categorical=["b"])
    assert list(x["b"]) == ["2", "1+2j", "2"]  # listed as categorical: its cells are labels


# -- regression targets ----------------------------------------------------------------------


def regress(path: Path, target: str = "target") -> tuple[pd.DataFrame, np.ndarray]:
    data = load_dataset(StudySpec(name="r", dataset=str(path), target=target, task="regression"))
    return data.X, data.y


def assert_regression_refused(path: Path, expected: str, target: str = "target") -> None:
    with pytest.raises(DataError) as error:
        regress(path, target)
    message = str(error.value)
    assert str(path) in message and "\n" not in message and expected in message, message


def test_a_regression_target_is_any_real_number(tmp_path: Path) -> None:
    _, y = regress(csv(tmp_path, rows([0.37, 1.5, -2, 1e3])))  # refused as classes
    assert y.dtype == np.float64 and list(y) == [0.37, 1.5, -2.0, 1000.0]
    x, y = regress(npz(tmp_path, X=GOOD_X, y=np.c_[GOOD_Y, GOOD_Y * 2.5]))  # two targets
    assert y.shape == (8, 2)


def test_a_text_regression_target_is_named_by_row_and_value(tmp_path: Path) -> None:
    path = csv(tmp_path, "size,price\n1,10\n2,12.5\n3,cheap\n4,9\n")
    expected = "target column 'price' line 4 is 'cheap', not a number"
    assert_regression_refused(path, expected, target="price")
    text = np.array(["1.5", "2", "x", "3"] * 2)
    assert_regression_refused(npz(tmp_path, X=GOOD_X, y=text), "y row 2 is 'x', not a number")


def test_an_empty_regression_target_is_quoted_as_the_file_writes_it(tmp_path: Path) -> None:
    path = csv(tmp_path, "size,price\n1,10\n2,n/a\n3,9\n", "na.csv")
    assert_regression_refused(path, "target column 'price' line 3 is 'n/a', not a number", "price")
    path = csv(tmp_path, "size,price\n1,10\n2,11\n3,\n", "blank.csv")
    expected = "target column 'price' line 4 is empty (a regression needs a number in every row)"
    assert_regression_refused(path, expected, "price")
    path = csv(tmp_path, "size,price\n1,10\n2,-inf\n3,9\n", "inf.csv")
    assert_regression_refused(
        path, "target column 'price' line 3 is -inf, not a finite number", "price"
    )
    y = GOOD_Y.astype(float)
    y[5] = np.nan
    assert_regression_refused(npz(tmp_path, X=GOOD_X, y=y), "y row 5 is nan, not a finite number")


def test_a_constant_regression_target_is_refused(tmp_path: Path) -> None:
    path = csv(tmp_path, rows([4.5] * 5))
    assert_regression_refused(path, "target column 'target' is constant (4.5 in every row)")


def test_the_built_in_digits_are_scikit_learns_read_without_importing_it_or_pandas():
    """`dnnsearch run digits` reads scikit-learn's shipped file itself: the same arrays as
    `load_digits`, bit for bit (a stored study's data fingerprint), and imports neither
    scikit-learn nor pandas (a second and more at the start of every run)."""
    import subprocess
    import sys

    from sklearn.datasets import load_digits

    from studies.datasets import digits

    code = (
        "from studies.datasets import load_dataset; from studies.loader import load_study_spec; "
        "import sys; load_dataset(load_study_spec('digits')); "
        "print(sorted(m for m in sys.modules if m.startswith(('sklearn', 'pandas'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    x, y = digits()
    expected_x, expected_y = load_digits(return_X_y=True)
    assert x.dtype == np.float64 and x.flags.c_contiguous
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(y, expected_y)
    assert y.dtype == expected_y.dtype
