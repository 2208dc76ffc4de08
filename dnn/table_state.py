"""Reading a `TableEncoder`'s saved state back: every field checked, one line per problem.

`TableEncoder.to_state` writes what an encoder learned as plain JSON (no pickle) beside a
network; a file may come from anywhere, so `read_state` trusts none of it. States written by
earlier versions stay readable: version 1 (`STATE_VERSION`, still written by an encoder without
bins) and version 2 (`BINS_VERSION`: the key `bins`, and `edges` in a binned numeric column).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dnn.cells import TableError, cell_label
from dnn.checks import MAX_MAGNITUDE
from dnn.columns import (
    DROP_REASONS,
    DROPPED,
    LISTED,
    NUMERIC,
    STATE_FIELDS,
    Categorical,
    Dropped,
    Numeric,
    Spec,
    check_listed,
)

if TYPE_CHECKING:
    from dnn.tables import TableEncoder

STATE_VERSION = 1
BINS_VERSION = 2
STATE_KEYS = (
    "version",
    "categorical",
    "drop",
    "min_frequency",
    "max_levels",
    "columns",
    "feature_names",
    "warnings",
)


def read_state(cls: type[TableEncoder], state: object) -> TableEncoder:
    """The encoder a state describes, every field checked.

    Args:
        cls: the encoder class (`TableEncoder`).
        state: what `TableEncoder.to_state` wrote, as read from JSON.

    Returns:
        The fitted encoder.

    Raises:
        TableError: one line naming the field and what is wrong.
    """
    if not isinstance(state, dict):
        raise TableError(f"must be a JSON object, got {_type(state)}")
    version = state.get("version")
    if version not in (STATE_VERSION, BINS_VERSION) or isinstance(version, bool):
        raise TableError(f"version must be {STATE_VERSION} or {BINS_VERSION}, got {version!r}")
    binned = version == BINS_VERSION
    fields = _fields(state, (*STATE_KEYS, "bins") if binned else STATE_KEYS, "")
    encoder = cls(
        _str_list(fields["categorical"], "categorical"),
        _str_list(fields["drop"], "drop"),
        fields["min_frequency"],
        fields["max_levels"],
        fields["bins"] if binned else 0,
    )
    columns = fields["columns"]
    if not isinstance(columns, list) or not columns:
        raise TableError(f"columns must be a non-empty list, got {_type(columns)}")
    specs = [_read_column(encoder, column, i) for i, column in enumerate(columns)]
    names = [spec.name for spec in specs]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise TableError(f"duplicate column name {name!r}")
    check_listed(encoder.categorical, names, "categorical")
    check_listed(encoder.drop, names, "drop")
    encoder._set(specs, _str_list(fields["warnings"], "warnings", one_line=True))
    features = _str_list(fields["feature_names"], "feature_names")
    if features != encoder.feature_names_:
        raise TableError(
            f"feature_names ({len(features)}) are not those the columns make "
            f"({len(encoder.feature_names_)})"
        )
    return encoder


def _read_column(encoder: TableEncoder, column: object, i: int) -> Spec:
    """One column's encoding, its fields checked against the encoder's arguments."""
    where = f"columns[{i}]"
    if not isinstance(column, dict):
        raise TableError(f"{where} must be an object, got {_type(column)}")
    kind = column.get("kind")
    if kind not in STATE_FIELDS:
        raise TableError(f"{where}: kind must be one of {', '.join(STATE_FIELDS)}, got {kind!r}")
    keys = STATE_FIELDS[kind]
    if kind == NUMERIC and "edges" in column and encoder.bins:
        keys = (*keys, "edges")
    fields = _fields(column, keys, where)
    name, missing = fields["name"], fields["missing"]
    if not isinstance(name, str):
        raise TableError(f"{where}: name must be a string, got {_type(name)}")
    where = f"column {name!r}"
    if isinstance(missing, bool) or not isinstance(missing, int) or missing < 0:
        raise TableError(f"{where}: missing must be an integer >= 0, got {missing!r}")
    if kind == DROPPED and fields["reason"] not in DROP_REASONS:
        raise TableError(f"{where}: reason must be one of {', '.join(DROP_REASONS)}")
    listed = kind == DROPPED and fields["reason"] == LISTED
    if listed != (name in encoder.drop):
        raise TableError(
            f"{where} is listed in drop but kept"
            if name in encoder.drop
            else f"{where} is dropped as {LISTED!r} but drop does not list it"
        )
    if kind == NUMERIC:
        median = _median(fields["median"], where, name, encoder)
        return Numeric(name, missing, median, _edges(fields.get("edges"), where, encoder.bins))
    if kind == DROPPED:
        return Dropped(name, missing, fields["reason"])
    return _read_levels(name, missing, fields, encoder, where)


def _median(value: object, where: str, name: str, encoder: TableEncoder) -> float:
    """A numeric column's median: a finite number, in a column not listed as categorical."""
    if name in encoder.categorical:
        raise TableError(f"{where} is listed in categorical but numeric")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TableError(f"{where}: median must be a finite number, got {value!r}")
    return float(value)


def _edges(value: object, where: str, bins: int) -> tuple[float, ...]:
    """A binned numeric column's edges: 3 to bins + 1 finite numbers, increasing; () if none."""
    if value is None:
        return ()
    problem = TableError(
        f"{where}: edges must be 3 to {bins + 1} increasing finite numbers (bins {bins})"
    )
    if not isinstance(value, list) or not 3 <= len(value) <= bins + 1:
        raise problem
    for e in value:
        if isinstance(e, bool) or not isinstance(e, int | float) or not abs(e) <= MAX_MAGNITUDE:
            raise problem
    edges = tuple(float(e) for e in value)
    if any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise problem
    return edges


def _read_levels(
    name: str, missing: int, fields: dict[str, Any], encoder: TableEncoder, where: str
) -> Categorical:
    """A categorical column's levels: labels, sorted, none both kept and pooled."""
    kept = _str_list(fields["categories"], f"{where}: categories", levels=True)
    pooled = _str_list(fields["pooled_levels"], f"{where}: pooled_levels", levels=True)
    if not kept and not pooled:
        raise TableError(f"{where}: a categorical column needs categories or pooled_levels")
    if set(kept) & set(pooled):
        raise TableError(f"{where}: {sorted(set(kept) & set(pooled))[0]!r} is kept and pooled")
    if len(kept) > encoder.max_levels:
        raise TableError(f"{where}: more categories than max_levels ({encoder.max_levels})")
    return Categorical(name, missing, tuple(kept), tuple(pooled))


def _fields(value: object, keys: Sequence[str], where: str) -> dict[str, Any]:
    """A JSON object with exactly these keys (`where`: which object, "" for the state)."""
    at = f"{where}: " if where else ""
    if not isinstance(value, dict):
        raise TableError(f"{at}must be a JSON object, got {_type(value)}")
    for key in value:
        if key not in keys:
            raise TableError(f"{at}unknown key {key!r}")
    for key in keys:
        if key not in value:
            raise TableError(f"{at}missing key {key!r}")
    return value


def _str_list(value: object, what: str, levels: bool = False, one_line: bool = False) -> list[str]:
    """A list of strings; `levels`: distinct labels, sorted, as `cell_label` makes them."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TableError(f"{what} must be a list of strings")
    if one_line and any("\n" in item or "\r" in item for item in value):
        raise TableError(f"{what} must be lines of text")
    if levels and (value != sorted(set(value)) or any(cell_label(item) != item for item in value)):
        raise TableError(f"{what} must be distinct stripped non-empty labels, sorted")
    return value


def _type(value: object) -> str:
    return type(value).__name__
