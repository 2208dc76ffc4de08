"""The `meta` of a saved network: its JSON fields, written and read back checked.

`meta` is one JSON string in the file (`dnn.persistence` owns the archive and its arrays):
the format's version and the network's task, then the fields of `SavedMeta`: the estimator's
arguments (`config`: every argument of `NetworkConfig` but `callback`), the activations of
its layers, the iterations run, and the fitted input's size and column names. A file may
come from anywhere, so `read_meta` checks each field's JSON type and the arguments by their
rules, as `fit` checks them; each problem is a ValueError of one line.

Versions: 1 (before regression) has no task and is a classifier's; 2 names its task.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from dnn.config import ARGUMENTS, NetworkConfig

FORMAT_VERSION = 2  # the newest format this code reads and the one `save` writes
CLASSIFICATION, REGRESSION = "classification", "regression"
TASKS = (CLASSIFICATION, REGRESSION)
TABLE_ARGUMENTS = ("categorical", "drop")  # the arguments of the TableEncoder a table makes
SAVED_ARGUMENTS = tuple(sorted(name for name in ARGUMENTS if name != "callback"))


class SavedMeta(NamedTuple):
    """The fields of `meta` besides its version and task (their names are the JSON keys)."""

    config: dict[str, Any]  # the estimator's arguments, checked by their rules
    activations: list[str]  # g[1..L] as saved; `dnn.persistence` checks them with the layers
    n_iter: int
    n_features_in: int  # n[0], or a table's columns; checked against W1 or the encoder
    feature_names_in: list[str] | None  # absent (None) unless fitted on named columns


JsonTypes = dict[str, tuple[Callable[[Any], bool], str]]  # name -> (the check, in words)


def _is_count(value: object, low: int) -> bool:
    return type(value) is int and value >= low


def _are_names(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(name, str) for name in value)


# The JSON type of each field of `SavedMeta`, in its order.
META_FIELDS: JsonTypes = dict(
    zip(
        SavedMeta._fields,
        (
            (lambda value: isinstance(value, dict), "a JSON object"),
            (_are_names, "a list of names"),
            (lambda value: _is_count(value, 0), "an integer >= 0"),
            (lambda value: _is_count(value, 1), "an integer >= 1"),
            (_are_names, "a list of names"),
        ),
        strict=True,
    )
)
OPTIONAL_FIELDS = SavedMeta._fields[-1:]  # feature_names_in

# The saved arguments without a rule in `dnn.hyperparameters`, and the JSON type `save` writes
# for each (the rules check the other values, and every unit and activation name in these).
CONFIG_TYPES: JsonTypes = {
    "hidden_layers": (lambda value: isinstance(value, list), "a list of units"),
    "activation": (lambda value: isinstance(value, str | list), "a name or a list of names"),
    "seed": (lambda value: value is None or _is_count(value, 0), "null or an integer >= 0"),
    "verbose": (lambda value: isinstance(value, bool), "true or false"),
    "normalize": (lambda value: isinstance(value, bool), "true or false"),
    "categorical": (_are_names, "a list of column names"),
    "drop": (_are_names, "a list of column names"),
}


# -- writing -------------------------------------------------------------------------------


def meta_json(task: str, meta: SavedMeta) -> str:
    """The `meta` string of a network: this format's version, the task, then the fields.

    Args:
        task: one of `TASKS`.
        meta: the fields, the config as `saved_config` makes it (feature_names_in None: left
            out).

    Returns:
        One line of JSON.
    """
    fields = {key: value for key, value in meta._asdict().items() if value is not None}
    return json.dumps(
        {"format_version": FORMAT_VERSION, "task": task, **fields}, default=_json_scalar
    )


def saved_config(config: NetworkConfig) -> dict[str, Any]:
    """The arguments as `meta` keeps them: all but `callback`, by name, as JSON values."""
    saved = {name: getattr(config, name) for name in SAVED_ARGUMENTS}
    saved["hidden_layers"] = [int(n) for n in config.hidden_layers]
    if not isinstance(config.activation, str):
        saved["activation"] = list(config.activation)
    for name in TABLE_ARGUMENTS:
        saved[name] = [str(column) for column in saved[name]]
    return saved


def _json_scalar(value: object) -> object:
    """JSON for numpy scalars among the arguments (a seed drawn as np.int64, say)."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"hyperparameter value {value!r} cannot be saved as JSON")


# -- reading -------------------------------------------------------------------------------


def read_meta(
    arrays: dict[str, NDArray[Any]], check_task: Callable[[str], None] | None = None
) -> tuple[str, SavedMeta]:
    """The task and the fields of a file's `meta`, each checked.

    The version is checked first (a newer file may differ in all else), then the task (by
    `check_task`, which raises ValueError for a task its caller does not load), then the
    fields.

    Args:
        arrays: the file's arrays.
        check_task: given the file's task, raises ValueError if it is not one to load.

    Returns:
        The task and the fields, the config as arguments of the estimators.

    Raises:
        ValueError: one line naming the field, the key or the value refused.
    """
    if "meta" not in arrays:
        raise ValueError("no 'meta' array (not a file written by DeepNetwork.save)")
    meta = json_object(arrays, "meta")
    task = _task(meta)
    if check_task is not None:
        check_task(task)
    return task, _fields(meta)


def _task(meta: dict[str, Any]) -> str:
    """Pop the format version and the task from `meta`, checked; return the task."""
    version = meta.pop("format_version", None)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"format_version must be an integer >= 1, got {version!r}")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"format_version {version} is newer than this code reads ({FORMAT_VERSION}); "
            "upgrade dnnsearch to load it"
        )
    if version == 1:  # written before regression: a classifier, and no task field
        return CLASSIFICATION
    task = meta.pop("task", None)
    if task not in TASKS:
        raise ValueError(f"meta task must be one of {', '.join(TASKS)}, got {task!r}")
    return str(task)


def _fields(meta: dict[str, Any]) -> SavedMeta:
    """The fields of `SavedMeta`, each of its JSON type, the config checked by its rules."""
    missing = [name for name in META_FIELDS if name not in meta and name not in OPTIONAL_FIELDS]
    unknown = [name for name in meta if name not in META_FIELDS]
    if missing or unknown:
        what, name = ("missing", missing[0]) if missing else ("unknown", unknown[0])
        raise ValueError(f"{what} meta field {name!r}")
    _check_json_types("meta ", meta, META_FIELDS)
    values: dict[str, Any] = {name: meta.get(name) for name in SavedMeta._fields}
    fields = SavedMeta(**values)
    names = fields.feature_names_in
    if names is not None and len(names) != fields.n_features_in:
        raise ValueError(f"meta has {len(names)} feature names for {fields.n_features_in} features")
    try:
        return fields._replace(config=read_config(fields.config))
    except ValueError as error:
        raise ValueError(f"config: {error}") from None


def read_config(config: dict[str, Any]) -> dict[str, Any]:
    """Saved arguments as the estimators take them, checked as `fit` checks them.

    Args:
        config: the saved JSON object (an argument left out, saved before it existed, takes
            its default).

    Returns:
        The arguments, sequences as tuples (as their defaults are).

    Raises:
        ValueError: for a key that is not a saved argument, a value of the wrong JSON type,
            or one its rule refuses (naming it).
    """
    unknown = [name for name in config if name not in SAVED_ARGUMENTS]
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (known: {', '.join(SAVED_ARGUMENTS)})")
    _check_json_types("", config, CONFIG_TYPES)
    sequences = [name for name in ("hidden_layers", *TABLE_ARGUMENTS) if name in config]
    config = {**config, **{name: tuple(config[name]) for name in sequences}}
    checked = NetworkConfig(**config).checked()
    from dnn.tables import TableEncoder  # here: `import dnn` leaves the table code out

    TableEncoder(checked.categorical, checked.drop)  # a bad list is a TableError
    return config


def json_object(arrays: dict[str, NDArray[Any]], key: str) -> dict[str, Any]:
    """The JSON object held by the string array `key` of a file.

    Raises:
        ValueError: the array is not one string, not JSON, or not a JSON object.
    """
    array = arrays[key]
    if array.shape != () or array.dtype.kind != "U":
        raise ValueError(
            f"{key!r} must be one JSON string, got dtype {array.dtype} shape {array.shape}"
        )
    try:
        value = json.loads(array.item())
    except (ValueError, RecursionError) as error:
        lines = str(error).splitlines()
        why = lines[0] if lines else type(error).__name__
        raise ValueError(f"{key!r} is not valid JSON ({why})") from None
    if not isinstance(value, dict):
        raise ValueError(f"{key!r} must be a JSON object, got {type(value).__name__}")
    return value


def _check_json_types(what: str, values: dict[str, Any], types: JsonTypes) -> None:
    """Refuse the first value of the wrong type among those `types` names.

    Raises:
        ValueError: `<what><name> must be <type>, got <value>`.
    """
    for name, (allows, expected) in types.items():
        if name in values and not allows(values[name]):
            raise ValueError(f"{what}{name} must be {expected}, got {values[name]!r}")
