"""The embedded journal file: concurrent appends stay whole, batched attributes replay alike."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import optuna
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from search._optuna import set_running_user_attrs as set_user_attrs
from search.journal import JournalFile, open_journal
from search.journal_check import MAX_DEPTH, JournalDamagedError, check_journal, repair_journal
from search.record import TrialRecord
from search.storage import StorageError, open_storage

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


# -- damaged records: the check, Optuna's replay through ours, and repair -------------------


def write_records(path: str, *lines: bytes | dict) -> None:
    with open(path, "wb") as file:
        for line in lines:
            file.write((line if isinstance(line, bytes) else json.dumps(line).encode()) + b"\n")


def study_record(name: str = "s") -> dict:
    return {"op_code": 0, "worker_id": "w", "study_name": name, "directions": [1]}


def trial_record(study_id: int = 0) -> dict:
    return {
        "op_code": 4,
        "worker_id": "w",
        "study_id": study_id,
        "datetime_start": "2026-01-01T00:00:00.000000+00:00",
    }


def attr_record(trial_id: int, key: str = "a", value: object = 1) -> dict:
    return {"op_code": 8, "worker_id": "w", "trial_id": trial_id, "user_attr": {key: value}}


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    "line, words",
    [
        (nested(100_000), f"nested more than {MAX_DEPTH} deep"),
        (json.dumps(attr_record(0, "a", json.loads(nested(MAX_DEPTH)))).encode(), "nested"),
        (b'{"op_code": 99, "worker_id": "w"}', "unknown op_code 99"),
        (b'{"op_code": 4, "worker_id": "w"}', "no study_id"),
        (b'{"op_code": 8, "trial_id": 0, "user_attr": {}}', "no worker_id"),
        (b'{"op_code": 8, "worker_id": "w", "trial_id": "0", "user_attr": {}}', "trial_id is not"),
        (
            b'{"op_code": 6, "worker_id": "w", "trial_id": 0, "state": 1, "values": ["x"]}',
            "values are not numbers",
        ),
        (json.dumps(attr_record(1)).encode(), "names trial id 1, which no line before it"),
        (json.dumps(trial_record(study_id=3)).encode(), "names study id 3"),
    ],
)
def test_the_check_names_the_line_and_why(journal_path, line, words):
    write_records(journal_path, study_record(), trial_record(), line, attr_record(0))
    with pytest.raises(JournalDamagedError) as error:
        check_journal(journal_path)
    assert f"{journal_path} line 3: " in str(error.value) and words in str(error.value)
    assert "dnnsearch repair" in str(error.value) and "\n" not in str(error.value)


def test_records_as_optuna_numbers_them_are_not_orphans(journal_path):
    """A second creation of a study's name is ignored; a deleted study's trials are created by
    no record; a deleted study's name may be created again, under a new id."""
    write_records(
        journal_path,
        study_record("a"),
        study_record("a"),  # ignored by Optuna's replay: a study of that name exists
        trial_record(0),  # trial id 0
        {"op_code": 1, "worker_id": "w", "study_id": 0},
        trial_record(0),  # of a deleted study: no trial
        study_record("a"),  # study id 1
        trial_record(1),  # trial id 1
        attr_record(1),
    )
    check_journal(journal_path)
    storage = open_journal(journal_path)
    assert [len(storage.get_all_trials(s._study_id)) for s in storage.get_all_studies()] == [1]


def test_a_record_that_optuna_cannot_replay_is_refused_when_opened(journal_path):
    write_records(journal_path, study_record(), {**trial_record(), "datetime_start": "soon"})
    check_journal(journal_path)  # its fields are there, of their types
    with pytest.raises(JournalDamagedError, match="line 2: Optuna cannot replay it: ValueError"):
        open_journal(journal_path)
    with pytest.raises(StorageError, match="line 2: Optuna cannot replay it"):
        open_storage(journal_path)


def test_a_deep_line_appended_after_the_check_is_damage_when_replayed(journal_path):
    write_records(journal_path, study_record(), trial_record())
    storage = open_journal(journal_path)
    with open(journal_path, "ab") as file:
        file.write(nested(100_000) + b"\n" + json.dumps(attr_record(0)).encode() + b"\n")
    with pytest.raises(JournalDamagedError, match="line 3: not a journal record"):
        storage.get_all_studies()


def test_repair_keeps_the_records_before_the_damage_and_counts_the_rest(journal_path):
    write_records(
        journal_path,
        study_record(),
        trial_record(),
        b"garbage",
        attr_record(0),
        nested(1000),
        attr_record(0, "b"),
    )
    with open(journal_path, "ab") as file:
        file.write(b'{"torn')
    repair = repair_journal(journal_path)
    assert (repair.kept, repair.unreadable, repair.after, repair.first) == (2, 3, 2, 3)
    assert repair.message().startswith(
        "kept 2 records, dropped 3 unreadable lines (the first, line 3: not JSON) "
        "and 2 readable records after it; the old file is "
    )
    assert Path(journal_path).read_bytes().count(b"\n") == 2
    assert Path(repair.backup).read_bytes().endswith(b'{"torn')


def test_repair_of_an_orphan_drops_it_and_the_lines_after(journal_path):
    write_records(journal_path, study_record(), trial_record(), attr_record(1), attr_record(0))
    repair = repair_journal(journal_path)
    assert repair.message().startswith(
        "kept 2 records, dropped the 2 lines from line 3 on (line 3: it names trial id 1, "
        "which no line before it creates; a line is missing)"
    )
    check_journal(journal_path)


def test_repair_of_a_whole_journal_changes_nothing(journal_path):
    write_records(journal_path, study_record(), trial_record())
    before = Path(journal_path).read_bytes()
    repair = repair_journal(journal_path)
    assert repair.dropped == 0 and repair.message().startswith("nothing to repair: kept all 2")
    assert Path(journal_path).read_bytes() == before


def test_repair_refuses_a_file_whose_first_line_is_no_record_and_writes_nothing(journal_path):
    write_records(journal_path, b"notes", study_record())
    with pytest.raises(JournalDamagedError, match="not a dnnsearch journal file"):
        repair_journal(journal_path)
    assert [p.name for p in Path(journal_path).parent.iterdir()] == ["journal.log"]
