"""Workers share one copy of the data: the splits' arrays are written once to `.npy` files in a
private temporary folder, which every worker maps read-only, and the folder is removed when
the run ends, however it ends."""

from __future__ import annotations

import mmap
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import make_moons

import search.progress
import search.runner
from dnn.network import Network
from search import StudySpec, open_existing_study, run_study
from search.data import Splits, stratified_split
from search.record import set_target_trials
from search.sharing import open_splits, write_splits
from search.study import create_study
from search.workers import run_trials, worker_process


def load_moons(spec: StudySpec) -> tuple[np.ndarray, np.ndarray]:
    return make_moons(n_samples=300, noise=0.2, random_state=0)


def moons_splits() -> Splits:
    return stratified_split(*load_moons(None), 0.2, 0.2, seed=0)  # type: ignore[arg-type]


def spec_of(tmp_path: Path, name: str, **overrides: Any) -> StudySpec:
    raw = {
        "name": name,
        "dataset": "moons",
        "n_trials": 3,
        "report_every": 10,
        "cv_folds": 0,
        "storage": str(tmp_path / name / "journal.log"),
        "space": {
            "learning_rate": {"low": 0.01, "high": 0.5, "log": True},
            "num_iterations": {"low": 20, "high": 40, "step": 20},
            "n_units": {"low": 2, "high": 8},
            "mini_batch_size": [32, 64],
        },
    }
    return StudySpec.from_dict({**raw, **overrides})


def started(spec: StudySpec) -> None:
    """The study created with its total, as `run_study` leaves it for its workers."""
    set_target_trials(create_study(spec), spec.n_trials)


def is_mapped(x: Any) -> bool:
    """An np.memmap, or a view whose memory is a file's map."""
    while x is not None:
        if isinstance(x, np.memmap | mmap.mmap):
            return True
        x = getattr(x, "base", None)
    return False


def test_splits_written_to_files_map_back_read_only(tmp_path: Path) -> None:
    splits = moons_splits()._replace(y_train=moons_splits().y_train.astype(str))
    shared = write_splits(splits, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "X_test.npy",
        "X_train.npy",
        "X_val.npy",
        "y_test.npy",
        "y_val.npy",
    ]  # text labels travel as they are
    mapped = open_splits(shared)
    for before, after in zip(splits, mapped, strict=True):
        np.testing.assert_array_equal(after, before)
    assert is_mapped(mapped.X_train) and not mapped.X_train.flags.writeable
    assert not is_mapped(mapped.y_train)
    assert open_splits(splits) is splits


def test_a_worker_trains_on_the_memory_mapped_arrays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a loky worker runs (`worker_process`, given the files): every network it fits
    reads X from the map, not from a copy."""
    spec = spec_of(tmp_path, "mapped", n_trials=2)
    started(spec)
    seen: list[bool] = []
    fit = Network.fit

    def watching_fit(self: Network, x: Any, y: Any) -> Network:
        seen.append(is_mapped(x))
        return fit(self, x, y)

    monkeypatch.setattr(Network, "fit", watching_fit)
    (tmp_path / "files").mkdir()
    shared = write_splits(moons_splits(), tmp_path / "files")
    assert worker_process(spec, 0, 1, deadline=None, progress=None, splits=shared) == 2
    assert seen == [True, True]


def test_a_memory_mapped_study_runs_the_same_trials(tmp_path: Path) -> None:
    splits = moons_splits()
    in_memory, mapped = spec_of(tmp_path, "in_memory"), spec_of(tmp_path, "mapped")
    started(in_memory)
    started(mapped)
    run_trials(in_memory, splits)
    run_trials(mapped, write_splits(splits, tmp_path))
    first = open_existing_study(in_memory.name, in_memory.storage).get_trials()
    second = open_existing_study(mapped.name, mapped.storage).get_trials()
    assert len(first) == 3
    assert [t.params for t in first] == [t.params for t in second]
    assert [t.values for t in first] == [t.values for t in second]
    assert [t.intermediate_values for t in first] == [t.intermediate_values for t in second]


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tempfile's folder for this test: what a run leaves there can be seen."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_the_data_folder_is_removed_after_a_run_of_two_jobs(
    tmp_path: Path, private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[Path] = []
    mkdtemp = tempfile.mkdtemp

    def recording(*args: Any, **kwargs: Any) -> str:
        made.append(Path(mkdtemp(*args, **kwargs)))
        return str(made[-1])

    monkeypatch.setattr(tempfile, "mkdtemp", recording)
    spec = spec_of(tmp_path, "two_jobs", n_jobs=2, n_trials=4)
    result = run_study(spec, load_moons, progress=None)
    assert result.n_counted == 4
    assert result.test_accuracy is not None  # scored from the maps, after the folder went
    assert len(made) == 1 and made[0].parent == private_tmp
    assert not made[0].exists()


@pytest.mark.parametrize("error", [RuntimeError("a worker failed"), KeyboardInterrupt()])
def test_the_data_folder_is_removed_when_the_run_fails(
    tmp_path: Path, private_tmp: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    def failing(*args: Any, **kwargs: Any) -> None:
        assert list(private_tmp.glob("dnnsearch-*/X_train.npy"))  # written before the workers
        raise error

    monkeypatch.setattr(search.runner, "run_workers", failing)
    with pytest.raises(type(error)):
        run_study(spec_of(tmp_path, "failing", n_jobs=2), load_moons, progress=None)
    assert list(private_tmp.iterdir()) == []


def test_one_job_keeps_the_data_in_memory(
    tmp_path: Path, private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kinds: list[bool] = []
    run_workers = search.runner.run_workers

    def watching(*args: Any, **kwargs: Any) -> None:
        kinds.append(is_mapped(args[0].splits.X_train))
        run_workers(*args, **kwargs)

    monkeypatch.setattr(search.runner, "run_workers", watching)
    run_study(spec_of(tmp_path, "one_job", n_trials=1), load_moons, progress=None)
    assert kinds == [False]
    assert list(private_tmp.iterdir()) == []


def test_a_long_trial_gets_a_line_per_new_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's progress shows how a trial of minutes goes; a short trial says nothing."""
    import io
    import os
    import time

    import optuna

    from search.progress import Progress
    from search.record import TrialRecord

    spec = spec_of(tmp_path, "long")
    progress = Progress(spec, 0, time.time(), io.StringIO())
    study = optuna.create_study(direction="maximize")
    trial = study.ask()
    hp = {"num_iterations": 10, "mini_batch_size": 256}
    TrialRecord(pid=os.getpid(), hyperparameters=hp).write(trial)
    trial.report(0.91, 4)
    said: dict[int, int] = {}
    assert progress.trial_line(study.get_trials()[0], said) is None  # started just now
    monkeypatch.setattr(search.progress, "LONG_TRIAL", 0.0)
    line = progress.trial_line(study.get_trials()[0], said)
    assert line is not None and line.startswith("trial 0: epoch 4/10, val 0.9100, 0:0")
    assert progress.trial_line(study.get_trials()[0], said) is None  # nothing new
    trial.report(0.93, 5)
    assert "epoch 5/10, val 0.9300" in str(progress.trial_line(study.get_trials()[0], said))
    TrialRecord(pid=os.getpid() + 1).write(trial)  # another process's trial: its own lines
    trial.report(0.95, 6)
    assert progress.trial_line(study.get_trials()[0], said) is None
