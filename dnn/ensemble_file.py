"""An ensemble's file: one `.npz` holding every member's arrays, checked as a network's.

`NetworkEnsemble.save` writes, with no pickle:

- `ensemble`: a JSON string, `{"format_version": 1, "task": ..., "n_members": k, "members":
  [{"sha256": ...}, ...]}`; its presence (and the absence of `meta`) tells an ensemble's file
  from a network's.
- `weights`: (k,) float64, >= 0, summing to 1.
- `m<i>/<name>` for member i = 0..k-1: every array of that member's own file
  (`m0/meta`, `m0/W1`, `m0/classes`, `m0/encoder`, ...: `dnn.persistence`).

`read_ensemble` trusts none of it: each member's arrays are checked as a network file's
(`dnn.persistence.network_from_arrays`, naming the member), the members against each other
as `NetworkEnsemble` checks them (classes, targets, inputs, dtype), the weights, and each
member's SHA-256 (of its arrays' names, dtypes, shapes and bytes, in name order) against the
one recorded when it was saved, so that a member changed or swapped since is refused by name.
Each problem is a ValueError of one line naming the file.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from dnn.metadata import TASKS, json_object
from dnn.npz import read_npz
from dnn.persistence import network_from_arrays, npz_path, one_line

if TYPE_CHECKING:
    from dnn.ensemble import NetworkEnsemble

E = TypeVar("E", bound="NetworkEnsemble")

ENSEMBLE_KEY = "ensemble"
ENSEMBLE_VERSION = 1  # the newest ensemble format this code reads and the one `save` writes
MEMBER_KEY = re.compile(r"m(0|[1-9][0-9]*)/(.+)")  # m<i>/<the member's array>
ENSEMBLE_FIELDS = ("format_version", "task", "n_members", "members")
SHA256 = re.compile(r"[0-9a-f]{64}")


def is_ensemble(arrays: dict[str, NDArray[Any]]) -> bool:
    """True for the arrays of an ensemble's file (an `ensemble` and no `meta`)."""
    return ENSEMBLE_KEY in arrays and "meta" not in arrays


def member_digest(arrays: dict[str, NDArray[Any]]) -> str:
    """The SHA-256 of a member's arrays: each one's name, dtype, shape and bytes, by name."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        value = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}\0{value.dtype.str}\0{value.shape}\0".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def write_ensemble(ensemble: NetworkEnsemble, path: str | Path) -> Path:
    """Write `ensemble` to one `.npz` (see the module docstring).

    Returns:
        The path written (`.npz` appended when missing).
    """
    path = npz_path(path)
    arrays: dict[str, NDArray[Any]] = {}
    digests = []
    for i, member in enumerate(ensemble.members):
        own = member._arrays()
        digests.append({"sha256": member_digest(own)})
        arrays.update({f"m{i}/{name}": value for name, value in own.items()})
    head = {
        "format_version": ENSEMBLE_VERSION,
        "task": ensemble.task,
        "n_members": len(ensemble.members),
        "members": digests,
    }
    arrays[ENSEMBLE_KEY] = np.array(json.dumps(head))
    arrays["weights"] = np.asarray(ensemble.weights, dtype=np.float64)
    np.savez(path, **arrays, allow_pickle=False)
    return path


def read_ensemble(path: str | Path, cls: type[E]) -> E:
    """Read and check an ensemble's file into `cls` (its members into `cls`'s member classes).

    Raises:
        ValueError: `<path>: <what is wrong>`, one line. A missing file is FileNotFoundError.
    """
    try:
        return ensemble_from_arrays(read_npz(path), cls)
    except ValueError as error:
        raise ValueError(f"{path}: {one_line(error)}") from None


def ensemble_from_arrays(arrays: dict[str, NDArray[Any]], cls: type[E]) -> E:
    """The ensemble a file's arrays hold, every part checked (without the file's name).

    Raises:
        ValueError: what is wrong, one line, naming the member.
    """
    if not is_ensemble(arrays):
        raise ValueError("this file holds one network, not an ensemble: load it with load_network")
    task, digests = _head(arrays)
    weights = arrays.get("weights")
    if weights is None:
        raise ValueError("missing array 'weights'")
    if weights.dtype.kind != "f":
        raise ValueError(f"weights must be floats, got dtype {weights.dtype}")
    groups = _members(arrays, len(digests))
    members = []
    for i, group in enumerate(groups):
        try:
            saved = network_from_arrays(group, _task_check(task))
        except ValueError as error:
            raise ValueError(f"member {i}: {one_line(error)}") from None
        members.append(cls._member_classes[task]._from_saved(saved))
    ensemble = cls(members, weights)
    for i, (group, digest) in enumerate(zip(groups, digests, strict=True)):
        if member_digest(group) != digest:
            raise ValueError(
                f"member {i} was changed after it was saved (its arrays do not match the "
                "SHA-256 recorded for it)"
            )
    return ensemble


def _head(arrays: dict[str, NDArray[Any]]) -> tuple[str, list[str]]:
    """The task and the members' digests from `ensemble`, each field checked."""
    head = json_object(arrays, ENSEMBLE_KEY)
    for name in head:
        if name not in ENSEMBLE_FIELDS:
            raise ValueError(f"unknown ensemble field {name!r}")
    for name in ENSEMBLE_FIELDS:
        if name not in head:
            raise ValueError(f"missing ensemble field {name!r}")
    version = head["format_version"]
    if type(version) is not int or version < 1:
        raise ValueError(f"ensemble format_version must be an integer >= 1, got {version!r}")
    if version > ENSEMBLE_VERSION:
        raise ValueError(
            f"ensemble format_version {version} is newer than this code reads "
            f"({ENSEMBLE_VERSION}); upgrade dnnsearch to load it"
        )
    if head["task"] not in TASKS:
        raise ValueError(f"ensemble task must be one of {', '.join(TASKS)}, got {head['task']!r}")
    return str(head["task"]), _digests(head["members"], head["n_members"])


def _digests(members: object, n_members: object) -> list[str]:
    """One SHA-256 (64 hex digits) per member, as many as `n_members` says."""
    if type(n_members) is not int or n_members < 1:
        raise ValueError(f"ensemble n_members must be an integer >= 1, got {n_members!r}")
    if not isinstance(members, list) or len(members) != n_members:
        raise ValueError(f"ensemble members must list {n_members} members")
    digests = []
    for i, entry in enumerate(members):
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(digest, str) or not SHA256.fullmatch(digest) or len(entry) != 1:
            raise ValueError(f'ensemble members[{i}] must be {{"sha256": <64 hex digits>}}')
        digests.append(digest)
    return digests


def _members(arrays: dict[str, NDArray[Any]], k: int) -> list[dict[str, NDArray[Any]]]:
    """Each member's arrays, by its own names; every other array refused by name."""
    groups: list[dict[str, NDArray[Any]]] = [{} for _ in range(k)]
    for name, value in arrays.items():
        if name in (ENSEMBLE_KEY, "weights"):
            continue
        match = MEMBER_KEY.fullmatch(name)
        if match is None:
            raise ValueError(f"unexpected array {name!r} in an ensemble")
        i = int(match.group(1))
        if i >= k:
            raise ValueError(f"array {name!r} of member {i}, but the ensemble has {k} members")
        groups[i][match.group(2)] = value
    for i, group in enumerate(groups):
        if "meta" not in group:
            raise ValueError(f"missing member {i} (no array 'm{i}/meta')")
    return groups


def _task_check(task: str) -> Any:
    """A `check_task` that refuses a member of another task than the ensemble's."""

    def check(member_task: str) -> None:
        if member_task != task:
            raise ValueError(f"a {member_task} network in a {task} ensemble")

    return check
