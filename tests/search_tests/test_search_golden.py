"""A seeded one-job study stores the same trials, values and files as before a change.

The snapshot (`golden_study.json`) was taken before the "one owner for each fact" refactoring;
that change, and every later one that means to keep results, must reproduce it. Floats are
compared to 1e-6 relative: another processor's BLAS may round the last bits differently.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from search_golden import study_fingerprint

SNAPSHOT = Path(__file__).with_name("golden_study.json")


def assert_same(found, expected, where="study"):
    if isinstance(expected, dict):
        assert isinstance(found, dict), where
        assert sorted(found) == sorted(expected), f"{where}: keys {sorted(found)}"
        for key in expected:
            assert_same(found[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(found, list | tuple) and len(found) == len(expected), where
        for i, (a, b) in enumerate(zip(found, expected, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(expected, float) and not isinstance(found, bool):
        if math.isnan(expected):
            assert math.isnan(found), where
        else:
            assert found == pytest.approx(expected, rel=1e-6, abs=1e-12), where
    else:
        assert found == expected, where


def test_a_seeded_one_job_study_is_unchanged(tmp_path):
    expected = json.loads(SNAPSHOT.read_text())
    found = json.loads(json.dumps(study_fingerprint(tmp_path)))
    assert_same(found, expected)
    # the snapshot covers what it claims to: completed, pruned and saved trials, CV folds
    states = {t["state"] for study in expected.values() for t in study["trials"]}
    assert {"COMPLETE", "PRUNED"} <= states
    assert any("fold_val_accuracy" in t["attrs"] for t in expected["cv"]["trials"])
    assert expected["plain"]["networks"] and expected["cv"]["best_test"]["refit"]
