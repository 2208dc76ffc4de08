"""`--set KEY=VALUE` of the comparison benchmarks: what it accepts reaches the study file intact."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from compare import study_key
from harness import write_study

ACCEPTED = {
    "metric=log_loss": ("metric", "log_loss"),  # a bare word is a string
    "cv_folds=10": ("cv_folds", 10),
    "early_stopping=false": ("early_stopping", False),
    'description="a b"': ("description", "a b"),
    "validation_fraction=0.25": ("validation_fraction", 0.25),
    "drop=['x', \"y\"]": ("drop", ["x", "y"]),
}


@pytest.mark.parametrize("item", sorted(ACCEPTED))
def test_an_accepted_key_is_written_and_read_back_as_given(item: str, tmp_path: Path) -> None:
    key, value = study_key(item)
    assert (key, value) == ACCEPTED[item]
    path = write_study(tmp_path, "t", {"target": "y", key: value})
    assert tomllib.loads(path.read_text())[key] == value


@pytest.mark.parametrize(
    "item",
    ["metric", "=1", "a.b=1", "é=1", "name=x", "target=y", "a=nan", "a=[1, inf]", "a={x=1}"]
    + ["a=1979-05-27", "a=1e999"],
)
def test_a_key_or_value_the_study_file_cannot_hold_is_refused(item: str) -> None:
    with pytest.raises(ValueError):
        study_key(item)
