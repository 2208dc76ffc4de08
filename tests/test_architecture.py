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
SKLEARN_ALLOWED = {ROOT / "dnn" / "estimator.py", ROOT / "studies" / "estimator.py"}
# A study of a raw table hands search a DataFrame; search/data.py stacks its parts with pandas,
# imported there when the data are a DataFrame (a study of arrays never loads pandas: tested
# below).
PANDAS_ALLOWED = {ROOT / "search" / "data.py"}


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
    if path in PANDAS_ALLOWED:
        forbidden -= {"pandas"}
    assert not forbidden, f"{path.name} imports {forbidden}"


def test_the_walk_finds_every_package():
    assert {package for package, _ in modules()} == set(PROJECT)


def string_literals(path: Path) -> set[str]:
    """Every string constant of a module except docstrings."""
    tree = ast.parse(path.read_text(), filename=str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    }


# Trial-record keys that also name something else: `hyperparameters` is a report table (and
# its CSV file), `activations` a field of a saved network's metadata, `data` the report's
# table of the data's columns; `seed` is a StudySpec
# field and a DeepNetwork argument in many places, and is left out of the check.
OTHER_MEANINGS = {
    "hyperparameters": {"reports/build.py"},
    "activations": {"dnn/metadata.py"},  # a field of a saved network's metadata
    "data": {"reports/build.py"},  # the report's data table (data.csv)
    "host": {"search/dburl.py"},  # libpq's connection keyword, read from a database URL
    # the network's own setting of how often it records its cost, which a trial records
    "cost_every": {"dnn/config.py", "dnn/hyperparameters.py"},
}


def test_each_trial_record_key_is_written_in_one_place():
    """What a trial stores is search.record's: its keys are literals there (and, for a key that
    also means something else, in that other owner), never spread over the packages."""
    from search.record import Attr, StudyAttr

    literals = {path: string_literals(path) for _, path in modules()}
    for key in [*Attr, *StudyAttr]:
        if key == Attr.SEED:
            continue
        files = {str(p.relative_to(ROOT)) for p, found in literals.items() if key in found}
        allowed = {"search/record.py", *OTHER_MEANINGS.get(key.value, set())}
        assert "search/record.py" in files and files <= allowed, f"{key.value}: {sorted(files)}"


def test_optunas_private_api_is_used_in_one_module():
    private = {"_storage", "_study_id", "_trial_id", "_cached_frozen_trial", "_truncnorm"}
    private |= {"_thread_lock", "_sync_with_backend", "_replay_result", "_log_number_offset"}
    users = set()
    for _, path in modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            named = node.attr if isinstance(node, ast.Attribute) else None
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("optuna")
            ):
                if any(part.startswith("_") for part in node.module.split(".")) or any(
                    alias.name in private for alias in node.names
                ):
                    users.add(path.name)
            if named in private:
                users.add(path.name)
    assert users == {"_optuna.py"}


@pytest.mark.parametrize(
    "statement",
    [
        "import dnn",
        "import search",
        "from search import best_config, StudySpec, StorageError",
        "import studies.cli",
        "from studies.cli import main; main(['studies'])",
    ],
)
def test_importing_loads_no_scikit_learn(statement):
    """scikit-learn takes about a second to import; the CLI's start-up, `best`, `studies`
    and the spec must not pay for it (DESIGN.md: loaded lazily, by the estimator)."""
    import subprocess
    import sys

    code = (
        f"{statement}; import sys; print(sorted(m for m in sys.modules if m.startswith('sklearn')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


@pytest.mark.parametrize(
    "statement",
    [
        "import dnn",
        "import search",
        "from search.objective import Objective; from search.workers import run_trials",
        "from dnn import NetworkClassifier, NetworkRegressor",
    ],
)
def test_the_trial_path_loads_no_pandas_scipy_stats_sqlalchemy_or_scikit_learn(statement):
    """A worker process runs trials of arrays with these modules: each second of imports is
    paid by every worker before its first trial."""
    import subprocess
    import sys

    heavy = ("sklearn", "pandas", "scipy.stats", "sqlalchemy")  # SQLAlchemy: for database URLs
    code = (
        f"{statement}; import sys; print(sorted(m for m in sys.modules if m.startswith({heavy!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


# -- the size of things (issue 20: modules one can read whole, short functions) ---------------

MAX_MODULE_LINES = 450
MAX_LONG_FUNCTIONS = 8  # functions whose body runs over LONG_BODY lines
LONG_BODY = 25
MAX_POSITIONAL = 6
# Signatures the course fixes (DESIGN.md's public contract: the Adam update, the gradient
# check) and the steps of the training loop, which keep the course's arguments in order.
POSITIONAL_ALLOWED = {
    ("dnn/optimizers.py", "update_parameters_with_adam"),
    ("dnn/gradcheck.py", "gradient_check"),
    ("dnn/gradcheck.py", "_numeric_gradient"),
    ("dnn/train.py", "_backward_update_step"),
    ("dnn/train.py", "__init__"),
}


def functions():
    for _, path in modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield str(path.relative_to(ROOT)), node


def body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function's body, its docstring left out."""
    body = node.body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and len(body) > 1:
        body = body[1:]
    return (node.end_lineno or node.lineno) - body[0].lineno + 1


def test_no_module_is_longer_than_one_can_read_whole():
    long = {
        str(path.relative_to(ROOT)): n
        for _, path in modules()
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, long


def test_few_functions_are_long():
    long = sorted((body_lines(node), path, node.name) for path, node in functions())
    long = [entry for entry in long if entry[0] > LONG_BODY]
    assert len(long) <= MAX_LONG_FUNCTIONS, long


def test_no_function_takes_more_than_six_positional_parameters():
    many = []
    for path, node in functions():
        names = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
        positional = len(names) - (1 if names[:1] in (["self"], ["cls"]) else 0)
        if positional > MAX_POSITIONAL and (path, node.name) not in POSITIONAL_ALLOWED:
            many.append((path, node.name, positional))
    assert not many, many


TASK_NAMES = ("regression", "classification")
TASK_CONSTANTS = ("REGRESSION", "CLASSIFICATION")


def _compares_a_task_name(node: ast.AST) -> bool:
    if not isinstance(node, ast.Compare):
        return False
    sides = [node.left, *node.comparators]
    return any(
        (isinstance(side, ast.Constant) and side.value in TASK_NAMES)
        or (isinstance(side, ast.Name) and side.id in TASK_CONSTANTS)
        for side in sides
    )


def test_no_module_above_dnn_compares_a_task_by_name():
    """A task's behaviour is its object's (`search.tasks`): the layers above `dnn` ask it.

    `dnn` keeps its own `task` (what a network file holds: classes or numbers), below the
    study's tasks.
    """
    comparing = {
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for package, path in modules()
        if package != "dnn"
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if _compares_a_task_name(node)
    }
    assert not comparing, sorted(comparing)
