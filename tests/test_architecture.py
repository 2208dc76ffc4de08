"""Dependencies flow one way: dnn <- search <- reports <- studies (STYLE.md, section 1)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("dnn", "search", "reports", "studies")
ALLOWED_PROJECT = {
    "dnn": set(),
    "search": {"dnn"},
    "reports": {"dnn", "search"},
    "studies": {"dnn", "search", "reports"},
}
FORBIDDEN_THIRD_PARTY = {
    "dnn": {"optuna", "pandas", "matplotlib", "joblib", "threadpoolctl", "sklearn"},
    "search": {"pandas", "matplotlib", "sklearn"},
    "reports": {"sklearn", "joblib"},
    "studies": set(),
}
SKLEARN_ALLOWED = {ROOT / "dnn" / "estimator.py"}


def imported_top_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def modules():
    for package in PROJECT:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield package, path


@pytest.mark.parametrize(
    ("package", "path"), list(modules()), ids=lambda v: str(v).split("main/")[-1]
)
def test_imports_point_one_way(package, path):
    imported = imported_top_modules(path)
    project_edges = (imported & set(PROJECT)) - {package}
    assert project_edges <= ALLOWED_PROJECT[package], f"{path.name} imports {project_edges}"
    forbidden = imported & FORBIDDEN_THIRD_PARTY[package]
    if path in SKLEARN_ALLOWED:
        forbidden -= {"sklearn"}
    assert not forbidden, f"{path.name} imports {forbidden}"


def test_the_walk_finds_every_package():
    assert {package for package, _ in modules()} == set(PROJECT)
