"""studies: what users launch: built-in study files, the data sets they name, the CLI.

Its names load on first use, so that the `dnnsearch` console script (`studies.cli`) starts
without importing pandas, scikit-learn or Optuna before a command needs them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_HOMES = {
    "BUILTIN": "studies.datasets",
    "DeepNetworkSearch": "studies.estimator",
    "DataError": "studies.errors",
    "load_dataset": "studies.datasets",
    "builtin_studies": "studies.loader",
    "load_study_spec": "studies.loader",
}

__all__ = [
    "BUILTIN",
    "DataError",
    "DeepNetworkSearch",
    "builtin_studies",
    "load_dataset",
    "load_study_spec",
]


def __getattr__(name: str) -> Any:
    """The package's names, each imported from its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module 'studies' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
