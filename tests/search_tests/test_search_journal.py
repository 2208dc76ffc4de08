"""The embedded journal file: concurrent appends stay whole, batched attributes replay alike."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import optuna
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from search._optuna import set_running_user_attrs as set_user_attrs
from search.journal import JournalFile
from search.record import TrialRecord
from search.storage import open_storage

optuna.logging.set_verbosity(optuna.logging.WARNING)

BATCHES = 60
# Sizes around the page size, the pipe-buffer size and Python's 8 KiB write buffer.
PAYLOADS = (10, 4_000, 9_000, 70_000)


def _append_batches(path: str, writer: int) -> None:
    journal = JournalFile(path)
    for batch in range(BATCHES):
        payload = "x" * PAYLOADS[batch % len(PAYLOADS)]
        journal.append_logs(
            [{"writer": writer, "batch": batch, "item": i, "payload": payload} for i in range(3)]
        )


def test_concurrent_appends_lose_nothing_and_keep_batches_whole(tmp_path):
    path = str(tmp_path / "journal.log")
    JournalFile(path)
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_append_batches, args=(path, w)) for w in range(4)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(60)
        assert process.exitcode == 0
    logs = list(JournalFileBackend(path).read_logs(0))
    assert len(logs) == 4 * BATCHES * 3
    # A batch is written at once: its three records are adjacent and in order.
    for start in range(0, len(logs), 3):
        batch = logs[start : start + 3]
        assert [log["item"] for log in batch] == [0, 1, 2]
        assert len({(log["writer"], log["batch"]) for log in batch}) == 1
        assert len(batch[0]["payload"]) == PAYLOADS[batch[0]["batch"] % len(PAYLOADS)]
    seen = {(log["writer"], log["batch"]) for log in logs}
    assert seen == {(w, b) for w in range(4) for b in range(BATCHES)}


@pytest.fixture
def journal_path(tmp_path: Path) -> str:
    return str(tmp_path / "journal.log")


def test_batched_user_attributes_replay_like_single_ones(journal_path):
    storage = open_storage(journal_path)
    study = optuna.create_study(study_name="s", storage=storage)
    trial = study.ask()
    attrs = {"a": 1, "curve": {"iteration": [0, 10], "cost": [0.7, 0.3]}, "host": "h"}
    set_user_attrs(trial, attrs)
    set_user_attrs(trial, {"a": 2})  # a later write wins, as with set_user_attr
    assert trial.user_attrs == {**attrs, "a": 2}  # the running trial sees its own writes
    study.tell(trial, 0.5)
    # A fresh reader, with Optuna's own storage and backend, replays the same attributes.
    fresh = optuna.load_study(
        study_name="s", storage=JournalStorage(JournalFileBackend(journal_path))
    )
    assert fresh.trials[0].user_attrs == {**attrs, "a": 2}
    assert fresh.trials[0].value == 0.5


def test_user_attributes_on_other_storages_are_set_one_by_one():
    study = optuna.create_study()  # in memory: no batched write
    trial = study.ask()
    TrialRecord(layer_dims=[1, 2], host="z").write(trial)
    study.tell(trial, 1.0)
    assert study.trials[0].user_attrs == {"layer_dims": [1, 2], "host": "z"}


def test_a_torn_last_record_is_cut_before_the_next_append(journal_path):
    journal = JournalFile(journal_path)
    journal.append_logs([{"n": 1}, {"n": 2}])
    with open(journal_path, "ab") as file:
        file.write(b'{"n": 3, "payload": "a writer killed mid-wri')  # no newline
    journal.append_logs([{"n": 4}])
    journal.append_logs([{"n": 5}])
    assert [log["n"] for log in JournalFileBackend(journal_path).read_logs(0)] == [1, 2, 4, 5]


def test_attributes_of_a_finished_trial_are_refused_without_writing(journal_path):
    study = optuna.create_study(study_name="s", storage=open_storage(journal_path))
    trial = study.ask()
    study.tell(trial, 1.0)
    size = Path(journal_path).stat().st_size
    with pytest.raises(optuna.exceptions.UpdateFinishedTrialError):
        set_user_attrs(trial, {"late": 1, "later": 2})
    assert Path(journal_path).stat().st_size == size
    assert study.get_trials()[0].user_attrs == {}  # the storage still reads


def test_the_record_names_every_field_of_a_trial_record_once():
    """`Attr` (the stored names) and `TrialRecord` (the typed record) list the same keys."""
    import dataclasses

    from search.record import Attr

    assert [f.name for f in dataclasses.fields(TrialRecord)] == [a.value for a in Attr]
