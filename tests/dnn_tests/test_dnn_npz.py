"""`dnn.npz.read_npz`: the one safe reader of `.npz` files (saved networks, data files)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from dnn.npz import PROBLEMS, NpzError, read_npz


def good(tmp_path: Path) -> Path:
    path = tmp_path / "data.npz"
    np.savez(path, X=np.arange(6.0).reshape(3, 2), y=np.array(["a", "b", "a"]))
    return path


def refused(path: Path, names: list[str] | None = None) -> NpzError:
    with pytest.raises(NpzError) as caught:
        read_npz(path, names)
    error = caught.value
    assert isinstance(error, ValueError) and "\n" not in str(error)
    assert error.problem in PROBLEMS
    return error


def test_every_array_or_the_named_ones_in_order(tmp_path: Path) -> None:
    path = good(tmp_path)
    arrays = read_npz(path)
    assert list(arrays) == ["X", "y"] and arrays["y"].tolist() == ["a", "b", "a"]
    assert list(read_npz(path, ["y", "X"])) == ["y", "X"]
    assert list(read_npz(str(path), ["y"])) == ["y"]


@pytest.mark.parametrize(
    ("content", "problem", "message"),
    [
        (b"", "empty", "not an .npz archive (the file is empty)"),
        (b"x,y\n1,2\n", "not_zip", "not an .npz archive (not a zip file)"),
        (None, "npy", "not an .npz archive (it is a single .npy array)"),
    ],
    ids=["empty", "text", "npy"],
)
def test_what_is_not_an_archive_is_named(
    tmp_path: Path, content: bytes | None, problem: str, message: str
) -> None:
    path = tmp_path / "data.npz"
    if content is None:
        buffer = io.BytesIO()
        np.save(buffer, np.ones(3))
        content = buffer.getvalue()
    path.write_bytes(content)
    error = refused(path)
    assert (error.problem, str(error), error.member) == (problem, message, None)


def test_a_damaged_archive(tmp_path: Path) -> None:
    path = tmp_path / "data.npz"
    path.write_bytes(good(tmp_path).read_bytes()[:40])
    error = refused(path)
    assert error.problem == "damaged" and str(error).startswith("damaged .npz archive (BadZipFile")


def test_an_object_array_is_named_and_never_unpickled(tmp_path: Path) -> None:
    path = good(tmp_path)
    buffer = io.BytesIO()
    np.save(buffer, np.array([1, {"a": 1}], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("objects.npy", buffer.getvalue())
    assert list(read_npz(path, ["X"])) == ["X"]  # the other members are not read
    error = refused(path)
    assert (error.problem, error.member) == ("pickle", "objects")
    assert str(error).startswith("cannot read array 'objects' (ValueError: Object arrays")
    assert error.found == ("X", "y", "objects")


def test_a_damaged_member_and_a_member_that_is_not_an_array(tmp_path: Path) -> None:
    path = good(tmp_path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("broken.npy", b"\x93NUMPY\x01\x00{'descr': garbage")
        archive.writestr("notes.txt", b"trained on a Tuesday")
    error = refused(path, ["broken"])
    assert (error.problem, error.member) == ("unreadable", "broken")
    assert str(error).startswith("cannot read array 'broken' (")
    error = refused(path, ["notes.txt"])
    assert (error.problem, str(error)) == ("not_array", "member 'notes.txt' is not a .npy array")


def test_a_missing_member_lists_what_the_archive_holds(tmp_path: Path) -> None:
    error = refused(good(tmp_path), ["X", "labels"])
    assert (error.problem, error.member, error.found) == ("missing", "labels", ("X", "y"))
    assert str(error) == "missing array 'labels' (the archive holds 'X', 'y')"


def test_a_file_that_cannot_be_opened_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_npz(tmp_path / "nothing.npz")
    with pytest.raises(IsADirectoryError):
        read_npz(tmp_path)
