"""A study's networks in an artifact store (`search.artifacts`): saved, found, checked, refused."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState
from sklearn.datasets import make_moons, make_regression

import dnn
from search import StudyRecord, StudySpec, best_config, join_study, run_study, test_predictions
from search.artifacts import (
    ArtifactsError,
    Saved,
    Store,
    check_location,
    keep_location,
    parse_location,
    store_of,
)
from search.best import load_trained, open_existing_study
from search.record import TrialRecord
from search.spec import SpecError


def load_moons(spec):
    return make_moons(n_samples=240, noise=0.2, random_state=0)


def load_regression(spec):
    return make_regression(n_samples=200, n_features=3, noise=5.0, random_state=0)


def spec_of(tmp_path: Path, name: str = "art", **overrides) -> StudySpec:
    """A seeded study of 4 short trials, with 3 folds and an ensemble: every kind of file."""
    raw = {
        "name": name,
        "dataset": "moons",
        "n_trials": 4,
        "report_every": 10,
        "cv_folds": 3,
        "seed": 0,
        "pruner": "none",
        "storage": str(tmp_path / name / "journal.log"),
        "space": {
            "learning_rate": {"low": 0.05, "high": 0.5, "log": True},
            "num_iterations": {"low": 20, "high": 40, "step": 20},
            "n_hidden": 1,
            "n_units": {"low": 3, "high": 6},
            "optimizer": ["adam"],
        },
    }
    return StudySpec.from_dict({**raw, **overrides})


def complete(spec: StudySpec) -> list[optuna.trial.FrozenTrial]:
    study = open_existing_study(spec.name, spec.storage)
    return [t for t in study.get_trials() if t.state == TrialState.COMPLETE]


def same_parameters(a, b) -> bool:
    return sorted(a.parameters_) == sorted(b.parameters_) and all(
        np.array_equal(a.parameters_[key], b.parameters_[key]) for key in a.parameters_
    )


# -- locations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s3://bucket", "s3://bucket"),
        ("s3://my.bucket-1/a/b/", "s3://my.bucket-1/a/b"),
        ("S3://bucket//x", "s3://bucket/x"),
        ("/shared/nets", "/shared/nets"),
        ("/shared/../shared/nets/", "/shared/nets"),
    ],
)
def test_a_location_is_read_in_one_canonical_form(text, expected):
    assert parse_location(text) == expected


def test_a_relative_folder_is_made_absolute_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert parse_location("nets") == str(tmp_path / "nets")
    assert parse_location("./nets/") == str(tmp_path / "nets")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "no location"),
        (" /x", "no location"),
        ("a\nb", "no location"),
        ("ftp://x", "unknown scheme 'ftp'"),
        ("file:///x", "unknown scheme 'file'"),
        ("s3://", "names no bucket"),
        ("s3:///prefix", "names no bucket"),
        ("s3://Upper/x", "not an S3 bucket name"),
        ("s3://a/x", "not an S3 bucket name"),
        ("s3://bucket/x?secret=Sekr3t", "no query"),
        ("s3://AKIAKEY:Sekr3t@bucket/x", "no user or password"),
    ],
)
def test_a_bad_location_is_refused_in_one_line_without_its_secrets(text, words):
    with pytest.raises(ArtifactsError) as caught:
        parse_location(text)
    message = str(caught.value)
    assert words in message and "\n" not in message and "Sekr3t" not in message
    with pytest.raises(SpecError, match="artifacts"):  # the spec's key, checked the same way
        StudySpec.from_dict({"name": "x", "dataset": "moons", "artifacts": text})


def test_a_folder_that_cannot_take_files_is_refused(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(ArtifactsError, match="is not a folder"):
        check_location(str(tmp_path / "file"))
    with pytest.raises(ArtifactsError, match="does not exist"):
        check_location(str(tmp_path / "missing" / "nets"))
    assert not (tmp_path / "missing").exists()
    check_location(str(tmp_path / "new"))  # a missing folder in one that exists is made
    assert (tmp_path / "new").is_dir() and not list((tmp_path / "new").iterdir())


def test_an_s3_store_without_boto3_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)  # `import boto3` raises ImportError
    with pytest.raises(ArtifactsError, match=r'pip install "dnnsearch\[s3\]"'):
        check_location("s3://bucket/prefix")


# -- the store ----------------------------------------------------------------------------------


def trained_network():
    x, y = make_moons(n_samples=60, noise=0.2, random_state=1)
    return dnn.DeepNetwork((4,), num_iterations=30, seed=0).fit(x, y)


def test_a_saved_artifact_comes_back_as_it_was_saved(tmp_path):
    store, study = Store(str(tmp_path)), optuna.create_study()
    net = trained_network()
    saved = store.save_network(net, "trials/0.npz", study)
    assert saved.path is None and saved.artifact is not None and store.has(saved)
    assert (tmp_path / saved.artifact).is_file()  # Optuna's layout: one file per artifact id
    with store.fetch(saved, "the network") as path:
        assert same_parameters(dnn.load(path), net)
    assert not Path(path).exists()  # the download is gone after use
    # listed with the study by Optuna (optuna-dashboard shows it under its file name)
    meta = optuna.artifacts.get_all_artifact_meta(study)
    assert [(m.artifact_id, m.filename) for m in meta] == [(saved.artifact, "0.npz")]


def test_a_changed_artifact_is_refused_by_name_with_both_digests(tmp_path):
    store = Store(str(tmp_path))
    saved = store.save_network(trained_network(), "trials/0.npz", optuna.create_study())
    file = tmp_path / str(saved.artifact)
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    file.write_bytes(bytes(data))
    found = file_digest(file)
    with pytest.raises(ArtifactsError) as caught, store.fetch(saved, "trial 0 of study 'x'"):
        pass
    message = str(caught.value)
    assert message.startswith("trial 0 of study 'x': artifact ") and "\n" not in message
    assert str(saved.artifact) in message and str(saved.sha256)[:12] in message
    assert found[:12] in message and "refusing" in message
    file.unlink()
    assert not store.has(saved)
    with pytest.raises(ArtifactsError, match="is gone"), store.fetch(saved, "trial 0"):
        pass


def file_digest(path: Path) -> str:
    from search.storage import file_sha256

    return file_sha256(path)


def test_a_hostile_artifact_id_is_not_read_outside_the_store(tmp_path):
    store = Store(str(tmp_path / "store"))
    (tmp_path / "store").mkdir()
    (tmp_path / "secret.npz").write_bytes(b"outside")
    hostile = Saved(None, "../secret.npz", None)
    assert not store.has(hostile)
    with pytest.raises(ArtifactsError, match="cannot be read"), store.fetch(hostile, "trial 1"):
        pass


def test_the_first_location_given_is_kept_and_another_is_refused(tmp_path):
    study = optuna.create_study()
    keep_location(study, str(tmp_path / "a"))
    keep_location(study, None)  # none given: nothing changes
    keep_location(study, str(tmp_path / "a"))
    with pytest.raises(ArtifactsError) as caught:
        keep_location(study, str(tmp_path / "b"))
    assert str(tmp_path / "a") in str(caught.value) and str(tmp_path / "b") in str(caught.value)
    assert StudyRecord.of(study).artifact_store == str(tmp_path / "a")


# -- a study with a store -----------------------------------------------------------------------


def test_a_study_saves_every_file_in_its_store_and_none_beside_its_journal(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    spec = spec_of(tmp_path, artifacts=str(shared))
    result = run_study(spec, load_moons, progress=None)
    # nothing but the journal beside it: every network went to the store
    assert sorted(p.name for p in (tmp_path / "art").iterdir()) == [
        "journal.log",
        "journal.log.lock",
    ]
    study = open_existing_study("art", spec.storage)
    assert StudyRecord.of(study).artifact_store == str(shared)
    assert "artifacts" not in StudyRecord.of(study).spec  # its home is the study's attribute
    trials = complete(spec)
    assert len(trials) == 4
    for trial in trials:
        record = TrialRecord.from_trial(trial)
        assert record.params_path is None and record.predictions_path is None
        assert record.params_artifact and record.predictions_artifact
        assert len(record.fold_artifacts or []) == 2 and record.fold_paths is None
        assert (shared / record.params_artifact).is_file()
    test = StudyRecord.of(study).best_test
    assert test is not None and test.params_path is None and test.params_artifact
    assert result.test_scores
    # from anywhere: another working directory, no file of the study on this side
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = best_config("art", spec.storage)
    assert config.artifact_store == str(shared)
    assert config.load_network().predict(load_moons(spec)[0][:5]).shape == (5,)
    for trial in trials:
        net = load_trained(trial, store_of(study))
        record = TrialRecord.from_trial(trial)
        assert same_parameters(net, dnn.load(shared / str(record.params_artifact)))


def test_the_store_is_given_once_and_another_one_is_refused(tmp_path):
    shared = tmp_path / "shared"
    spec = spec_of(tmp_path, n_trials=2, artifacts=str(shared))
    run_study(spec, load_moons, progress=None)
    # a later run that does not name it uses it
    run_study(spec.replace(artifacts=None, n_trials=1), load_moons, progress=None)
    newest = max(complete(spec), key=lambda t: t.number)
    assert TrialRecord.from_trial(newest).params_artifact
    # and one that names another is refused before anything is stored
    before = len(open_existing_study("art", spec.storage).trials)
    with pytest.raises(ArtifactsError) as caught:
        run_study(spec.replace(artifacts=str(tmp_path / "other")), load_moons, progress=None)
    assert str(shared) in str(caught.value) and str(tmp_path / "other") in str(caught.value)
    study = open_existing_study("art", spec.storage)
    assert len(study.trials) == before and StudyRecord.of(study).artifact_store == str(shared)
    assert not (tmp_path / "other").exists()
    # a worker that names another is refused too, one that names none joins
    with pytest.raises(ArtifactsError):
        join_study("art", spec.storage, load_moons, artifacts=str(tmp_path / "other"))
    assert join_study("art", spec.storage, load_moons, max_trials=1, progress=None) >= 0


def test_a_study_of_its_own_folder_can_be_given_a_store_later(tmp_path):
    spec = spec_of(tmp_path, n_trials=2, cv_folds=0)  # each of the best 20 keeps its files
    run_study(spec, load_moons, progress=None)
    first = complete(spec)
    assert all(TrialRecord.from_trial(t).params_path for t in first)
    shared = tmp_path / "shared"
    run_study(spec.replace(n_trials=2, artifacts=str(shared)), load_moons, progress=None)
    later = [t for t in complete(spec) if t.number not in {t.number for t in first}]
    assert later and all(TrialRecord.from_trial(t).params_artifact for t in later)
    study = open_existing_study("art", spec.storage)
    for trial in complete(spec):  # each from where its record says
        assert load_trained(trial, store_of(study)).parameters_


def test_a_changed_network_in_the_store_is_refused_by_load_network(tmp_path):
    shared = tmp_path / "shared"
    spec = spec_of(tmp_path, n_trials=2, cv_folds=0, ensemble=0, artifacts=str(shared))
    run_study(spec, load_moons, progress=None)
    config = best_config("art", spec.storage)
    file = shared / str(config.params_artifact)
    file.write_bytes(file.read_bytes()[:-8] + b"\x00" * 8)
    with pytest.raises(ArtifactsError) as caught:
        config.load_network(final=False)
    message = str(caught.value)
    assert f"trial {config.trial_number} of study 'art'" in message
    assert str(config.params_artifact) in message and str(config.params_sha256)[:12] in message


def test_a_regression_keeps_its_test_predictions_in_the_store(tmp_path):
    shared = tmp_path / "shared"
    spec = spec_of(
        tmp_path, name="reg", task="regression", metric="rmse", n_trials=2, artifacts=str(shared)
    )
    run_study(spec, load_regression, progress=None)
    study = open_existing_study("reg", spec.storage)
    test = StudyRecord.of(study).best_test
    assert test is not None and test.predictions_artifact and test.predictions_path is None
    y_true, y_pred = test_predictions(study)
    assert y_true.shape == y_pred.shape == (40,)
    (shared / str(test.predictions_artifact)).write_bytes(b"changed")
    assert test_predictions(study) is None  # the report leaves out a figure it cannot trust
