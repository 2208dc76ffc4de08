"""Saving and reading back a trained network as `.npz`, with every array and field checked.

`Network.save` (`dnn.network`, and so `DeepNetwork.save`) writes one `.npz` (a zip of `.npy`
arrays, never pickle): `meta` (a JSON string, `dnn.metadata`: this format's version and the
network's task, then the estimator's arguments, activations and fitted sizes), `costs`,
`cost_iterations`, the learned `W1..WL`, `b1..bL`, with `normalize` the input scaling's arrays
(`x_mean`, `x_scale` for the `standard` scaling, `x_median`, `x_iqr` for `robust`,
`x_quantiles` for `quantile`: `dnn.scaling.SCALING_ARRAYS`), and the task's arrays: `classes`
for a classifier, `y_mean` and `y_scale` (the targets' scaling) for a regressor, and `y_shift`
with `target_scale="log"`; and `encoder` (a JSON string: `TableEncoder.to_state()`) for a
network fitted on a table. Files written before `scaling` and `target_scale` existed hold
neither key nor array and read as `standard`, as they were. This module owns the archive's
arrays, `dnn.metadata` the fields of `meta`, and `dnn.npz` the safe reading of the zip. A
file may come from anywhere (a study folder, a colleague), so `read_network` trusts none of
it: each problem is a ValueError of one line naming the file and what is wrong, and strings
in the file (labels, feature names) stay plain data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from dnn.activations import OUTPUT_ACTIVATIONS
from dnn.core import check_activations
from dnn.hyperparameters import DTYPES
from dnn.metadata import CLASSIFICATION, REGRESSION, SavedMeta, json_object, read_meta
from dnn.npz import read_npz
from dnn.scaling import SCALING_ARRAYS, InputScaling
from dnn.types import Parameters

if TYPE_CHECKING:
    from dnn.tables import TableEncoder  # imported by `_encoder`: `import dnn` leaves it out

LAYER_KEY = re.compile(r"[Wb][1-9][0-9]*")  # W1..WL, b1..bL (no W0, no W01)
REQUIRED_ARRAYS = ("meta", "costs", "cost_iterations")
TASK_ARRAYS = {CLASSIFICATION: ("classes",), REGRESSION: ("y_mean", "y_scale")}
SCALING_NAMES = tuple(name for names in SCALING_ARRAYS.values() for name in names)
OPTIONAL_ARRAYS = (*SCALING_NAMES, "y_shift", "encoder")


class SavedNetwork(NamedTuple):
    """What a saved file holds, checked: enough to predict (and to fit again)."""

    task: str  # one of TASKS
    meta: SavedMeta
    parameters: Parameters  # W1..WL (n[l], n[l-1]), b1..bL (n[l], 1), finite floats
    classes: NDArray[Any] | None  # classification: (C,), distinct, C >= 2
    y_mean: NDArray[Any] | None  # regression: () for a 1-d target, (k,) for k targets
    y_scale: NDArray[Any] | None  # regression: the same shape, positive
    y_shift: NDArray[Any] | None  # regression with target_scale "log": the same shape, >= 0
    costs: NDArray[Any]  # (k,)
    cost_iterations: NDArray[Any]  # (k,)
    scaling: InputScaling | None  # the input scaling of n[0] features, None without normalize
    encoder: TableEncoder | None  # fitted on a table: its n_features_in columns -> n[0]


def npz_path(path: str | Path) -> Path:
    """The path `save` writes: `path`, with `.npz` appended when it has another suffix."""
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def read_network(path: str | Path, check_task: Callable[[str], None] | None = None) -> SavedNetwork:
    """Read and check a file written by `Network.save`.

    Args:
        path: the `.npz` file.
        check_task: given the file's task, raises ValueError if the caller does not load
            that task (`Network.load` names the class that does); None loads either.

    Returns:
        What the file holds, checked.

    Raises:
        ValueError: `<path>: <what is wrong>`, one line. A missing file is FileNotFoundError.
    """
    try:
        return network_from_arrays(read_npz(path), check_task)
    except ValueError as error:
        raise ValueError(f"{path}: {one_line(error)}") from None


def network_from_arrays(
    arrays: dict[str, NDArray[Any]], check_task: Callable[[str], None] | None = None
) -> SavedNetwork:
    """What the arrays of a network's file hold, each checked (`read_network` without a path).

    Raises:
        ValueError: what is wrong, one line (without the file's name).
    """
    if "ensemble" in arrays and "meta" not in arrays:
        raise ValueError(
            "this file holds an ensemble of networks: load it with NetworkEnsemble.load "
            "(or load_network, or dnn.load)"
        )
    task, meta = read_meta(arrays, check_task)
    _check_names(arrays, task)
    parameters = _layers(arrays)
    _check_inputs(meta, parameters, arrays)
    n_L = parameters[f"W{len(parameters) // 2}"].shape[0]
    classes, output = None, OUTPUT_ACTIVATIONS[2]
    targets: tuple[NDArray[Any] | None, NDArray[Any] | None, NDArray[Any] | None]
    targets = (None, None, None)
    if task == CLASSIFICATION:
        classes, output = _check_classes(arrays["classes"], n_L)
    else:
        targets = _target_scaling(arrays, n_L, meta.config)
    _check_activations(meta.activations, parameters, output, task)
    scaling = _input_scaling(arrays, parameters["W1"].shape[1], meta.config)
    costs, cost_iterations = _costs(arrays)
    encoder = _encoder(arrays, meta, parameters["W1"].shape[1])
    y_mean, y_scale, y_shift = targets
    return SavedNetwork(
        task,
        meta,
        parameters,
        classes,
        y_mean,
        y_scale,
        y_shift,
        costs,
        cost_iterations,
        scaling,
        encoder,
    )


def one_line(error: BaseException) -> str:
    """The first line of an error's message (its type's name when it has none)."""
    lines = str(error).splitlines()
    return lines[0] if lines else type(error).__name__


def _check_names(arrays: dict[str, NDArray[Any]], task: str) -> None:
    """The arrays `save` writes for the task are there, and no other (but W1.., b1..)."""
    required = (*REQUIRED_ARRAYS, *TASK_ARRAYS[task])
    for name in required:
        if name not in arrays:
            raise ValueError(f"missing array {name!r}")
    for name in arrays:
        if name not in (*required, *OPTIONAL_ARRAYS) and not LAYER_KEY.fullmatch(name):
            raise ValueError(f"unexpected array {name!r} in a {task} network")


def _describe(array: NDArray[Any]) -> str:
    return f"dtype {array.dtype} shape {array.shape}"


# -- the layers ----------------------------------------------------------------------------


def _layers(arrays: dict[str, NDArray[Any]]) -> Parameters:
    """W1..WL and b1..bL, each present once, float32 or float64, finite, shapes chained."""
    L = max((int(key[1:]) for key in arrays if LAYER_KEY.fullmatch(key)), default=0)
    if L == 0:
        raise ValueError("no weights: needs arrays W1..WL and b1..bL")
    keys = [f"{name}{l}" for l in range(1, L + 1) for name in "Wb"]  # W1, b1, W2, ...
    missing = [key for key in keys if key not in arrays]
    if missing:
        raise ValueError(f"missing array {missing[0]!r} (the file has layers up to {L})")
    parameters = {key: arrays[key] for key in keys}
    for key, value in parameters.items():
        if value.dtype.name not in DTYPES:
            raise ValueError(f"{key} must be one of {', '.join(DTYPES)}, got {value.dtype}")
        if not np.isfinite(value).all():
            raise ValueError(f"{key} holds NaN or infinite values")
    _check_shapes(parameters, L)
    return parameters


def _check_shapes(parameters: Parameters, L: int) -> None:
    """W[l] is (n[l], n[l-1]) with n[l] >= 1, and b[l] is (n[l], 1)."""
    n_prev = None
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        if W.ndim != 2 or 0 in W.shape:
            raise ValueError(f"W{l} must be a non-empty 2-d array, got shape {W.shape}")
        if n_prev is not None and W.shape[1] != n_prev:
            raise ValueError(
                f"W{l} has shape {W.shape} but W{l - 1} gives n[{l - 1}] = {n_prev} units"
            )
        if b.shape != (W.shape[0], 1):
            raise ValueError(f"b{l} must have shape {(W.shape[0], 1)} to match W{l}, got {b.shape}")
        n_prev = W.shape[0]


def _check_inputs(meta: SavedMeta, parameters: Parameters, arrays: dict[str, NDArray[Any]]) -> None:
    """Without an encoder, n_features_in is n[0], the columns of W1 (`_encoder` checks it)."""
    n_x = parameters["W1"].shape[1]
    if "encoder" not in arrays and meta.n_features_in != n_x:
        raise ValueError(f"n_features_in is {meta.n_features_in} but W1 has {n_x} columns (n[0])")


def _check_classes(classes: NDArray[Any], n_L: int) -> tuple[NDArray[Any], str]:
    """The classes fix the units n[L] of the output and its activation.

    Returns:
        The classes (C,) and the output activation: 1 sigmoid unit for C = 2, C softmax
        units for C > 2.
    """
    classes = _classes(classes)
    needed = 1 if len(classes) == 2 else len(classes)
    if n_L != needed:
        raise ValueError(
            f"the output layer has n[L] = {n_L} units but {len(classes)} classes need {needed}"
        )
    return classes, OUTPUT_ACTIVATIONS[0] if len(classes) == 2 else OUTPUT_ACTIVATIONS[1]


def _classes(classes: NDArray[Any]) -> NDArray[Any]:
    """The labels as `fit` keeps them: 1-d, at least 2, distinct; numbers or strings."""
    if classes.ndim != 1 or classes.dtype.kind not in "biufUS":
        raise ValueError(f"classes must be a 1-d array of labels, got {_describe(classes)}")
    if classes.dtype.kind == "f" and not np.isfinite(classes).all():
        raise ValueError("classes holds NaN or infinite labels")
    if len(classes) < 2:
        raise ValueError(f"classes must hold at least 2 labels, got {len(classes)}")
    if len(np.unique(classes)) != len(classes):
        raise ValueError("classes holds a label twice")
    return classes


def _check_activations(names: list[str], parameters: Parameters, output: str, task: str) -> None:
    """One name per layer, hidden ones by their rule; the output's fixed by the task.

    For a classifier, the output's also fits the number of classes.
    """
    try:
        checked = check_activations(names, len(parameters) // 2)
    except ValueError as error:
        raise ValueError(f"meta activations: {one_line(error)}") from None
    if checked[-1] != output:
        n_L = parameters[f"W{len(parameters) // 2}"].shape[0]
        needs = (
            f"{max(n_L, 2)} classes need" if task == CLASSIFICATION else f"a {task} network needs"
        )
        raise ValueError(f"the output activation is {checked[-1]!r} but {needs} {output!r}")


def _target_scaling(
    arrays: dict[str, NDArray[Any]], n_L: int, config: dict[str, Any]
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any] | None]:
    """The targets' scaling, y_mean, y_scale and (with target_scale "log") y_shift, checked.

    Floats of one shape, () for one target or (k,) for k = n[L] targets, finite, y_scale
    positive, y_shift >= 0.
    """
    log = config.get("target_scale", "standard") == "log"
    if log != ("y_shift" in arrays):
        raise ValueError(
            "target_scale is 'log' but the file has no array 'y_shift'"
            if log
            else "array 'y_shift' belongs to target_scale 'log' only"
        )
    names = ("y_mean", "y_scale", "y_shift") if log else ("y_mean", "y_scale")
    for key in names:
        value = arrays[key]
        if value.ndim > 1 or value.dtype.kind != "f":
            raise ValueError(f"{key} must be a float scalar or 1-d array, got {_describe(value)}")
        if not np.isfinite(value).all():
            raise ValueError(f"{key} holds NaN or infinite values")
        if value.shape != arrays["y_mean"].shape:
            raise ValueError(f"{key} has shape {value.shape} but y_mean {arrays['y_mean'].shape}")
    y_mean, y_scale = arrays["y_mean"], arrays["y_scale"]
    k = 1 if y_mean.ndim == 0 else len(y_mean)
    if n_L != k:
        raise ValueError(f"the output layer has n[L] = {n_L} units but y_mean has {k} targets")
    if not (y_scale > 0).all():
        raise ValueError("y_scale must be positive")
    if log and not (arrays["y_shift"] >= 0).all():
        raise ValueError("y_shift must be >= 0")
    return y_mean, y_scale, arrays["y_shift"] if log else None


# -- the rest ------------------------------------------------------------------------------


def _input_scaling(
    arrays: dict[str, NDArray[Any]], n_x: int, config: dict[str, Any]
) -> InputScaling | None:
    """The input scaling: exactly the arrays of the file's `scaling`, checked, or none.

    The arrays decide whether the inputs are scaled (files from before `normalize` was saved
    have them and no key, and a network loaded from one saves them with `normalize` false);
    `normalize` true without them is refused.
    """
    present = [name for name in SCALING_NAMES if name in arrays]
    kind = config.get("scaling", "standard")
    needed = SCALING_ARRAYS[kind]
    if not present:
        if config.get("normalize", False):
            raise ValueError(f"normalize is true but the file has no array {needed[0]!r}")
        return None
    for name in present:
        if name not in needed:
            raise ValueError(f"array {name!r} does not belong to scaling {kind!r}")
    missing = [name for name in needed if name not in arrays]
    if missing:
        raise ValueError(f"array {present[0]!r} without {missing[0]!r}")
    return InputScaling.from_arrays(kind, arrays, n_x)


def _costs(arrays: dict[str, NDArray[Any]]) -> tuple[NDArray[Any], NDArray[Any]]:
    """The recorded costs (k,) floats and their iterations (k,) integers."""
    costs, iterations = arrays["costs"], arrays["cost_iterations"]
    if costs.ndim != 1 or costs.dtype.kind != "f":
        raise ValueError(f"costs must be a 1-d float array, got {_describe(costs)}")
    if iterations.shape != costs.shape or iterations.dtype.kind not in "iu":
        raise ValueError(
            f"cost_iterations must be integers of shape {costs.shape} like costs, "
            f"got {_describe(iterations)}"
        )
    return costs, iterations


def _encoder(arrays: dict[str, NDArray[Any]], meta: SavedMeta, n_x: int) -> TableEncoder | None:
    """The table encoder of a network fitted on a table, read by `TableEncoder.from_state`.

    Its columns are the network's `feature_names_in` and it makes the n[0] inputs of W1.
    """
    if "encoder" not in arrays:
        return None
    from dnn.tables import TableEncoder

    encoder = TableEncoder.from_state(json_object(arrays, "encoder"))
    if meta.feature_names_in != encoder.columns_:
        raise ValueError("the encoder's columns are not the meta's feature_names_in")
    if len(encoder.feature_names_) != n_x:
        raise ValueError(
            f"the encoder makes {len(encoder.feature_names_)} columns but W1 has {n_x} (n[0])"
        )
    return encoder
