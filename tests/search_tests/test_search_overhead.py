"""A worker's bookkeeping reads only the trials that changed (`search.accounting.Ledger`)."""

from __future__ import annotations

from typing import Literal

import optuna
import pytest
from optuna.trial import TrialState

from search import _optuna
from search.accounting import Ledger, tally
from search.best import best_trial
from search.record import Failure, TrialRecord
from search.storage import open_storage

Direction = Literal["maximize", "minimize"]


def journal_study(tmp_path, direction: Direction = "maximize") -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    storage = open_storage(str(tmp_path / "journal.log"))
    return optuna.create_study(storage=storage, study_name="s", direction=direction)


def finish(study: optuna.Study, trial: optuna.Trial, how: str, value: float = 0.0) -> None:
    if how == "complete":
        study.tell(trial, value)
    elif how == "pruned":
        study.tell(trial, state=TrialState.PRUNED)
    else:  # a diverged trial counts toward the total; any other failure does not
        kind = Failure.DIVERGED if how == "diverged" else Failure.INTERRUPTED
        TrialRecord(fail_reason=kind.reason()).write(trial)
        study.tell(trial, state=TrialState.FAIL)


def assert_agrees(ledger: Ledger, study: optuna.Study) -> None:
    trials = study.get_trials(deepcopy=False)
    assert ledger.tally() == tally(trials)
    best = best_trial(study)
    assert (ledger.best and ledger.best.number) == (best and best.number)


@pytest.mark.parametrize("direction", ["maximize", "minimize"])
def test_ledger_agrees_with_a_full_listing_as_trials_start_and_end(tmp_path, direction):
    study = journal_study(tmp_path, direction)
    ledger = Ledger(study)
    assert_agrees(ledger, study)
    plan = ["complete", "pruned", "diverged", "failed", "complete", "complete", "pruned"]
    values = [0.5, 0.0, 0.0, 0.0, 0.9, 0.1, 0.0]
    running = []
    for i, (how, value) in enumerate(zip(plan, values, strict=True)):
        running.append((study.ask(), how, value))
        if i % 3 == 2:
            study.enqueue_trial({})  # waiting until a later ask takes it
        assert_agrees(ledger, study)
        if i % 2:  # end the oldest running trial: the ledger must read it again
            trial, kind, v = running.pop(0)
            finish(study, trial, kind, v)
            assert_agrees(ledger, study)
    for trial, kind, v in running:
        finish(study, trial, kind, v)
        assert_agrees(ledger, study)
    firsts = [t.values[0] for t in study.get_trials(states=(TrialState.COMPLETE,))]
    top = max(firsts) if direction == "maximize" else min(firsts)
    assert ledger.top == top
    assert ledger.best_so_far(top) and not ledger.best_so_far(0.5 if top != 0.5 else 0.3)


def test_a_prefix_tally_is_the_tally_of_the_trials_numbered_before(tmp_path):
    study = journal_study(tmp_path)
    for how in ["complete", "pruned", "failed", "diverged", "complete"]:
        finish(study, study.ask(), how, 0.3)
    running = study.ask()
    trials = study.get_trials(deepcopy=False)
    ledger = Ledger(study)
    for stop in (2, 4, 6):  # a worker's trial numbers grow
        assert ledger.tally(stop=stop) == tally(trials[:stop])
    assert ledger.tally(stop=3) == tally(trials[:3])  # looked past it: counted afresh
    finish(study, running, "complete", 0.1)
    assert ledger.tally() == tally(study.get_trials(deepcopy=False))


def test_each_look_reads_only_new_and_unfinished_trials(tmp_path, monkeypatch):
    study = journal_study(tmp_path)
    long_one = study.ask()  # stays running while the others come and go
    ledger = Ledger(study)
    for _ in range(40):
        finish(study, study.ask(), "complete", 0.2)
        ledger.tally()
    read = []
    real = _optuna.trials_numbered

    def counting(*args, **kwargs):
        trials = real(*args, **kwargs)
        read.append(len(trials))
        return trials

    monkeypatch.setattr(_optuna, "trials_numbered", counting)
    finish(study, study.ask(), "complete", 0.8)
    assert ledger.tally().counted == 41
    assert read == [2]  # the long trial, still running, and the new one; not all 42
    finish(study, long_one, "pruned")
    assert ledger.tally() == tally(study.get_trials(deepcopy=False))
    assert ledger.best is not None and ledger.best.values == [0.8]


def test_trials_numbered_picks_the_same_trials_on_every_storage(tmp_path):
    journal, memory = journal_study(tmp_path), optuna.create_study()
    for study in (journal, memory):
        for _ in range(5):
            study.ask()
    for study in (journal, memory):
        picked = _optuna.trials_numbered(study, [3, 0], 2, 4)
        assert [t.number for t in picked] == [3, 0, 2, 3]
        assert [t.number for t in _optuna.trials_numbered(study, [], 4)] == [4]
