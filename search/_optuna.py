"""The one door to Optuna's private API: every use of a private Optuna name is here, with why.

Optuna 5 offers no public way to do these few things, each of which matters to a study's cost
or correctness. When an Optuna upgrade moves one of these names, `missing_private_names()`
says which (a test calls it), and only this file needs changing.

- `Study._storage`, `Study._study_id`: read one study attribute without `Study.user_attrs`'
  deep copy of them all (the stored spec among them) before every trial; fail a trial of
  another, dead process.
- `Trial._trial_id`, `FrozenTrial._trial_id`: write or fail a trial through the storage.
- `JournalStorage._replay_result._study_id_to_trial_ids`, `._trials`: read a few trials by
  number (the new ones, and those still running) without listing every trial: a worker looks
  before every trial, and a listing costs O(all trials) each time.
- `Trial._cached_frozen_trial`: keep a running trial's cached attributes in step after a
  batched write, as `Trial.set_user_attr` does.
- `JournalStorage._thread_lock`, `._sync_with_backend`, `._replay_result`, `._backend`, and
  `optuna.storages.journal._storage.JournalOperation`: append several user attributes of a
  trial as one journal batch (one lock, one write) in Optuna's record format.
- `JournalFileBackend._log_number_offset`: skip reopening a journal file that has not grown.
- `optuna.samplers._tpe._truncnorm._log_ndtr`: TPE's log Phi, computed one element at a time
  in Python; scipy's vectorized one gives the same samples far faster (Optuna issue #5478).
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import FrozenTrial, TrialState

try:
    from optuna.storages.journal._storage import JournalOperation

    SET_TRIAL_USER_ATTR: Any = JournalOperation.SET_TRIAL_USER_ATTR
except ImportError:  # pragma: no cover - reported by missing_private_names
    SET_TRIAL_USER_ATTR = None

try:
    from optuna.samplers._tpe import _truncnorm
except ImportError:  # pragma: no cover - reported by missing_private_names
    _truncnorm = None  # type: ignore[assignment]
_OPTUNA_LOG_NDTR = getattr(_truncnorm, "_log_ndtr", None)  # Optuna's own, kept for tests


# -- studies and trials ---------------------------------------------------------------------


def storage_of(study: optuna.Study) -> optuna.storages.BaseStorage:
    """The storage a study was opened on."""
    return study._storage


def study_user_attr(study: optuna.Study, key: str, default: Any = None) -> Any:
    """One user attribute of a study, without `Study.user_attrs`' deep copy of every one."""
    return study._storage.get_study_user_attrs(study._study_id).get(key, default)


def trials_numbered(
    study: optuna.Study, numbers: Sequence[int], start: int, stop: int | None = None
) -> list[FrozenTrial]:
    """The trials numbered `numbers`, then those from `start` up to `stop` (to the last when None).

    They are as stored now; not copies, so not to be changed.

    On a journal storage this reads only those trials, after one read of the new records;
    on others it lists every trial and picks them.
    """
    storage = study._storage
    if isinstance(storage, JournalStorage):
        with storage._thread_lock:
            storage._sync_with_backend()
            replay = storage._replay_result
            ids = replay._study_id_to_trial_ids[study._study_id]
            return [replay._trials[ids[n]] for n in numbers] + [
                replay._trials[i] for i in ids[start:stop]
            ]
    trials = study.get_trials(deepcopy=False)  # in the order of their numbers
    return [trials[n] for n in numbers] + trials[start:stop]


def set_running_user_attrs(trial: optuna.Trial, attrs: dict[str, Any]) -> bool:
    """Write several user attributes of a running trial in one journal batch.

    Returns:
        False when the storage has no batched write (the caller then sets them one by one).
    """
    write = getattr(trial.storage, "set_trial_user_attrs", None)
    if write is None:
        return False
    write(trial._trial_id, attrs)
    trial._cached_frozen_trial.user_attrs.update(attrs)  # as Trial.set_user_attr does
    return True


def fail_trial(study: optuna.Study, trial: FrozenTrial, attrs: dict[str, Any]) -> None:
    """Set `attrs` on a RUNNING trial of any process, then mark it FAIL.

    Raises:
        optuna.exceptions.UpdateFinishedTrialError: the trial had already finished.
    """
    storage, trial_id = study._storage, trial._trial_id
    for key, value in attrs.items():
        storage.set_trial_user_attr(trial_id, key, value)
    storage.set_trial_state_values(trial_id, state=TrialState.FAIL)


# -- the journal file -------------------------------------------------------------------------


def journal_append_user_attrs(
    storage: JournalStorage, trial_id: int, attrs: dict[str, Any], refuse: Callable
) -> None:
    """Append `set_trial_user_attr` records for every item, in one batch, under one lock.

    `refuse(trial)` is called with the trial as replayed (a FrozenTrial) before anything is
    written; it raises to stop the write (a finished trial's attributes cannot change).
    """
    lock: threading.Lock = storage._thread_lock
    with lock:
        storage._sync_with_backend()
        refuse(storage._replay_result.get_trial(trial_id))
        worker_id = storage._replay_result.worker_id
        records = [
            {
                "op_code": SET_TRIAL_USER_ATTR,
                "worker_id": worker_id,
                "trial_id": trial_id,
                "user_attr": {key: value},
            }
            for key, value in attrs.items()
        ]
        storage._backend.append_logs(records)
        storage._sync_with_backend()


def journal_read_offset(backend: JournalFileBackend, log_number: int) -> int | None:
    """The byte offset where record `log_number` starts, when the backend has read that far."""
    return getattr(backend, "_log_number_offset", {}).get(log_number)


# -- TPE ------------------------------------------------------------------------------------


def install_fast_tpe() -> bool:
    """Give TPE's truncated normal scipy's vectorized `log_ndtr`; True when it could.

    A process-wide change of Optuna's module, made only by an explicit call (`run_study` and
    the workers make it unless told not to); the samples are the same, only faster.
    """
    if not hasattr(_truncnorm, "_log_ndtr"):
        return False
    _truncnorm._log_ndtr = _vectorized_log_ndtr
    return True


def _vectorized_log_ndtr(a: np.ndarray) -> np.ndarray:
    from scipy.special import log_ndtr  # scipy is loaded only by the studies that use TPE

    return log_ndtr(np.asarray(a, dtype=float))


def uninstall_fast_tpe() -> None:
    """Give TPE back Optuna's own log Phi (tests compare the two)."""
    if _OPTUNA_LOG_NDTR is not None:
        _truncnorm._log_ndtr = _OPTUNA_LOG_NDTR


def tpe_log_ndtr() -> Callable:
    """The log Phi that TPE uses now."""
    return _truncnorm._log_ndtr


# -- the check --------------------------------------------------------------------------------


def missing_private_names() -> list[str]:
    """The private Optuna names used above that this Optuna no longer has (empty: all there)."""
    missing = []
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study()
    trial = study.ask()
    for obj, owner, attributes in (
        (study, "Study", ("_storage", "_study_id")),
        (trial, "Trial", ("_trial_id", "_cached_frozen_trial")),
        (study.get_trials(deepcopy=False)[0], "FrozenTrial", ("_trial_id",)),
    ):
        missing += [f"optuna {owner}.{name}" for name in attributes if not hasattr(obj, name)]
    with tempfile.TemporaryDirectory() as folder:
        backend = JournalFileBackend(str(Path(folder) / "journal.log"))
        journal = JournalStorage(backend)
        for name in ("_thread_lock", "_sync_with_backend", "_replay_result", "_backend"):
            if not hasattr(journal, name):
                missing.append(f"optuna JournalStorage.{name}")
        replay = getattr(journal, "_replay_result", None)
        for name in ("worker_id", "_study_id_to_trial_ids", "_trials"):
            if not hasattr(replay, name):
                missing.append(f"optuna JournalStorage._replay_result.{name}")
        list(backend.read_logs(0))
        if not isinstance(getattr(backend, "_log_number_offset", None), dict):
            missing.append("optuna JournalFileBackend._log_number_offset")
    if SET_TRIAL_USER_ATTR is None:
        missing.append("optuna.storages.journal._storage.JournalOperation.SET_TRIAL_USER_ATTR")
    if not hasattr(_truncnorm, "_log_ndtr"):
        missing.append("optuna.samplers._tpe._truncnorm._log_ndtr")
    return missing
