"""A study in its storage: created by a run, resumed by the next, joined by workers.

A run creates its study or, when one of that name exists, resumes it, but only if it was made
by dnnsearch with the same definition (`COMPARED` keys of the spec, read through `upgrade` for
studies stored by older versions) and on the same data (a fingerprint of the examples as the
study splits them). Every refusal comes before anything is written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import warnings
from typing import Any, NamedTuple

import numpy as np
import optuna

from search.artifacts import keep_location
from search.data import Splits
from search.errors import StudyMismatchError
from search.record import StudyRecord, set_data, set_data_summary, set_heartbeat, set_spec
from search.samplers import make_pruner, make_sampler
from search.spec import COMPARED, StudySpec, read_stored, upgrade
from search.storage import (
    DEFAULT_HEARTBEAT,
    Heartbeat,
    StorageError,
    open_storage,
    redact,
    study_has_heartbeat,
)
from search.summary import DataSummary

NEW_NAME = "use another study name (--study-name) to start a new study"


def quiet_optuna() -> None:
    """Our progress lines replace Optuna's per-trial log lines.

    Optuna logs a failed trial as a warning with its traceback: for a diverged trial (our
    progress line and the trial's `fail_reason` say it) and on Ctrl-C, in every worker.
    """
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


class Existing(NamedTuple):
    """A study found in the storage before a run writes anything.

    Its record, its number of trials and the directions Optuna keeps it in ("minimize"...).
    """

    record: StudyRecord
    trials: int
    directions: tuple[str, ...]


def find_existing(spec: StudySpec) -> Existing | None:
    """The spec's study as stored, read without creating anything.

    None when the storage or the study does not exist yet.
    """
    try:
        storage = open_storage(spec.storage_url, create=False)
    except StorageError:
        return None
    if spec.name not in optuna.study.get_all_study_names(storage):
        return None
    study = optuna.load_study(study_name=spec.name, storage=storage)
    directions = tuple(direction.name.lower() for direction in study.directions)
    return Existing(StudyRecord.of(study), len(study.get_trials(deepcopy=False)), directions)


def check_resumable(spec: StudySpec, existing: Existing | None, splits: Splits) -> None:
    """Refuse, before anything is written, to resume a study made otherwise.

    By something else than dnnsearch (no spec, but trials or a data fingerprint), with another
    definition, or on other data.

    Raises:
        StudyMismatchError: one line naming what differs.
    """
    if existing is None:
        return
    record = existing.record
    read_stored(record.spec, spec.name)  # a damaged one is refused
    if record.spec is None and (existing.trials or record.data is not None):
        raise StudyMismatchError(
            f"study {spec.name!r} in {redact(spec.storage_url)} was not made by dnnsearch "
            f"(it has trials but no stored spec); {NEW_NAME}"
        )
    _check_same_definition(spec, record.spec)
    if list(existing.directions) != spec.directions:
        # an empty study made by other code: Optuna would load it and rank the metric backwards
        raise StudyMismatchError(
            f"study {spec.name!r} in {redact(spec.storage_url)} goes "
            f"{'/'.join(existing.directions)}, not {'/'.join(spec.directions)} as metric "
            f"{spec.metric!r} does; {NEW_NAME}"
        )
    _check_same_data(spec, record.data, data_fingerprint(splits))


def create_study(spec: StudySpec, heartbeat: Heartbeat | None = None) -> optuna.Study:
    """Create the spec's study (or load it) and store its spec when it has none.

    On a storage with heartbeats the study also stores its `heartbeat` (10 s / 30 s, or the one
    given), which every worker then uses, so that all agree on when a trial is dead.
    """
    quiet_optuna()
    study = optuna.create_study(
        storage=open_storage(spec.storage_url),
        study_name=spec.name,
        directions=spec.directions,
        sampler=make_sampler(spec, 0),
        pruner=make_pruner(spec),
        load_if_exists=True,
    )
    record = StudyRecord.of(study)
    if record.spec is None:
        set_spec(study, stored_spec(spec))
    if study_has_heartbeat(study) and (heartbeat is not None or record.heartbeat is None):
        set_heartbeat(study, dataclasses.asdict(heartbeat or DEFAULT_HEARTBEAT))
    return study


def open_for_run(spec: StudySpec, splits: Splits, summary: DataSummary) -> optuna.Study:
    """The run's study (`create_study`), with its data's fingerprint, summary and store stored."""
    study = create_study(spec)
    keep_location(study, spec.artifacts)
    if StudyRecord.of(study).data is None:
        set_data(study, data_fingerprint(splits))
    set_data_summary(study, summary.to_attr())
    return study


def stored_spec(spec: StudySpec) -> dict[str, Any]:
    """The spec as stored with the study: its storage URL without the password.

    Without its artifact store, whose home is the study's own attribute (`search.artifacts`).
    """
    data = spec.to_dict()
    data.pop("artifacts", None)
    if "storage" in data:
        data["storage"] = redact(data["storage"])
    return data


def _check_same_definition(spec: StudySpec, stored: Any) -> None:
    before = upgrade(stored)
    if before is None:
        return
    current = {**(upgrade({}) or {}), **spec.to_dict()}  # to_dict leaves out an empty enqueue
    for key in COMPARED:
        if before.get(key) == current.get(key):
            continue
        if key == "space" and isinstance(before["space"], dict):
            old, now = before["space"], current["space"]
            keys = sorted(k for k in {*old, *now} if old.get(k) != now.get(k))
            detail = ", ".join(f"{k} = {old.get(k)!r}" for k in keys)
            raise StudyMismatchError(
                f"space: study {spec.name!r} already exists with {detail}; {NEW_NAME}"
            )
        raise StudyMismatchError(
            f"{key}: study {spec.name!r} already exists with {key} = {before.get(key)!r}; "
            f"{NEW_NAME}"
        )


def load_study(spec: StudySpec, worker: int = 0) -> optuna.Study:
    """Open an existing study by name, with this worker's seeded sampler and the stored heartbeat.

    The heartbeat is the study's own: every worker of a study agrees on it.
    """
    quiet_optuna()
    study = _load(spec, worker, DEFAULT_HEARTBEAT)
    heartbeat = Heartbeat(**(StudyRecord.of(study).heartbeat or {}))
    if study_has_heartbeat(study) and heartbeat != DEFAULT_HEARTBEAT:
        study = _load(spec, worker, heartbeat)
    return study


def _load(spec: StudySpec, worker: int, heartbeat: Heartbeat) -> optuna.Study:
    return optuna.load_study(
        study_name=spec.name,
        storage=open_storage(spec.storage_url, create=False, heartbeat=heartbeat),
        sampler=make_sampler(spec, worker),
        pruner=make_pruner(spec),
    )


def data_fingerprint(splits: Splits) -> dict[str, Any]:
    """What identifies a study's data.

    Its size and a digest of its examples, split as the study splits them (the split is a function
    of the data and the seed).
    """
    digest = hashlib.sha256()
    for part in splits:
        array = np.asarray(part)
        digest.update(str(array.shape).encode())
        if array.dtype.kind not in "biuf":
            digest.update(np.ascontiguousarray(array.astype(str)).tobytes())
            continue
        step = max(1, 2**20 // max(array[:1].size, 1))  # rows of about 8 MB at a time
        for start in range(0, len(array), step):
            rows = array[start : start + step].astype(np.float64)
            digest.update(np.ascontiguousarray(rows).data)
    examples = sum(len(part) for part in splits[1::2])
    return {
        "examples": examples,
        "features": int(splits.X_train.shape[1]),
        "sha256": digest.hexdigest(),
    }


def _check_same_data(spec: StudySpec, stored: Any, found: dict[str, Any]) -> None:
    """Refuse to go on with other data than the study's.

    Raises:
        StudyMismatchError: naming what differs: the size, or the same size with other values.
    """
    if stored is None or stored == found:
        return
    if not isinstance(stored, dict):
        stored = {}
    size = f"{stored.get('examples')} examples x {stored.get('features')} features"
    now = f"{found['examples']} x {found['features']}"
    same_size = (stored.get("examples"), stored.get("features")) == (
        found["examples"],
        found["features"],
    )
    what = "now the same size with other values" if same_size else f"now {now}"
    raise StudyMismatchError(
        f"data: study {spec.name!r} was run on {spec.dataset} with {size}, {what}; "
        "use another study name (--study-name) for other data"
    )


def check_same_data(spec: StudySpec, study: optuna.Study, splits: Splits) -> None:
    """Refuse a worker that joins a study with other data than the study's."""
    _check_same_data(spec, StudyRecord.of(study).data, data_fingerprint(splits))
