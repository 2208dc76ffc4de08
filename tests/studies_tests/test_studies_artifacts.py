"""`--artifacts` on the command line: a shared folder or an S3 bucket, given once, refused when bad.

The S3 tests run against moto's S3 server, started here on a free local port (no network);
they are skipped where moto or boto3 is missing.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_moons

import dnn
from search import StudyRecord, best_config, open_existing_study
from search.artifacts import ArtifactsError
from search.record import TrialRecord
from studies.cli import main

TINY = """
name = "{name}"
dataset = "moons"
n_trials = 3
n_jobs = 1
seed = 0
report_every = 10
cv_folds = 0

[space]
learning_rate = {{ low = 0.05, high = 0.5, log = true }}
num_iterations = {{ low = 20, high = 40, step = 20 }}
n_hidden = 1
n_units = {{ low = 2, high = 6 }}
optimizer = ["adam"]
"""
SECRET = "Sekr3tKey"


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.toml").write_text(TINY.format(name="tiny"))
    return tmp_path


def one_error_line(capsys) -> str:
    out, err = capsys.readouterr()
    assert err.startswith("dnnsearch: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in out + err and SECRET not in out + err
    return err


def stored_artifacts(name: str) -> tuple[str | None, int]:
    study = open_existing_study(name)
    return StudyRecord.of(study).artifact_store, len(study.trials)


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write in: its mode for a user, a kernel folder for root."""
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        return folder
    for candidate in ("/sys", "/proc"):
        try:
            handle, probe = tempfile.mkstemp(dir=candidate)
        except OSError:
            return Path(candidate)
        os.close(handle)
        os.unlink(probe)
    pytest.skip("no folder that root cannot write in")


# -- given once, used by every later command ------------------------------------------------


def test_the_store_is_given_once_and_used_by_every_later_command(here, capsys):
    assert main(["run", "tiny.toml", "--artifacts", "shared", "--quiet"]) == 0
    assert stored_artifacts("tiny") == (str(here / "shared"), 3)
    assert not (here / "runs" / "tiny" / "trials").exists()
    # a later run and a worker, neither naming it, keep their networks there
    assert main(["run", "tiny.toml", "--trials", "1", "--quiet"]) == 0
    journal = "runs/tiny/journal.log"
    assert main(["worker", "tiny", "--storage", journal, "--trials", "1", "--quiet"]) == 0
    study = open_existing_study("tiny")
    kept = [TrialRecord.from_trial(t) for t in study.trials if "params_sha256" in t.user_attrs]
    assert len(kept) >= 4 and all(r.params_artifact and r.params_path is None for r in kept)
    capsys.readouterr()
    assert main(["best", "tiny"]) == 0
    best = json.loads(capsys.readouterr().out)
    assert best["artifact_store"] == str(here / "shared") and best["params_artifact"]
    assert (here / "shared" / best["params_artifact"]).is_file()


def test_another_store_on_a_resume_is_refused_naming_both(here, capsys):
    assert main(["run", "tiny.toml", "--artifacts", "shared", "--quiet"]) == 0
    capsys.readouterr()
    for command in (
        ["run", "tiny.toml", "--trials", "1", "--artifacts", "other"],
        ["worker", "tiny", "--storage", "runs/tiny/journal.log", "--artifacts", "other"],
    ):
        assert main(command) == 2
        err = one_error_line(capsys)
        assert str(here / "shared") in err and str(here / "other") in err
        assert stored_artifacts("tiny") == (str(here / "shared"), 3)
    assert not (here / "other").exists()
    # the same folder, written otherwise, is the same store
    assert main(["run", "tiny.toml", "--trials", "1", "--artifacts", "./shared/", "--quiet"]) == 0


# -- bad locations ----------------------------------------------------------------------------

BAD = {
    "no-parent": ("missing/nets", "does not exist"),
    "a-file": ("tiny.toml", "is not a folder"),
    "s3-no-bucket": ("s3://", "names no bucket"),
    "s3-bad-bucket": ("s3://No_Such", "not an S3 bucket name"),
    "s3-credentials": (f"s3://AKIA:{SECRET}@bucket/x", "no user or password"),
    "ftp": ("ftp://x", "unknown scheme 'ftp'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_location_is_one_line_exit_2_and_nothing_is_stored(here, capsys, case):
    location, words = BAD[case]
    assert main(["run", "tiny.toml", "--artifacts", location]) == 2
    assert words in one_error_line(capsys)
    assert not (here / "runs").exists()  # no study, no journal
    # nor does a worker store anything in an existing study
    assert main(["run", "tiny.toml", "--trials", "1", "--quiet"]) == 0
    capsys.readouterr()
    journal = "runs/tiny/journal.log"
    assert main(["worker", "tiny", "--storage", journal, "--artifacts", location]) == 2
    assert words in one_error_line(capsys)
    assert stored_artifacts("tiny") == (None, 1)
    assert not (here / "missing").exists()


def test_an_unwritable_folder_is_refused_and_nothing_is_stored(here, capsys):
    folder = unwritable_folder(here)
    assert main(["run", "tiny.toml", "--artifacts", str(folder)]) == 2
    assert f"cannot write in {folder}" in one_error_line(capsys)
    assert not (here / "runs").exists()


# -- S3 -----------------------------------------------------------------------------------------


@pytest.fixture
def s3(monkeypatch, tmp_path):
    """A local S3 server (moto's) with one bucket, `studies`, and the environment to reach it."""
    pytest.importorskip("boto3")
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }.items():
        monkeypatch.setenv(key, value)
    import boto3

    client = boto3.client("s3")
    client.create_bucket(Bucket="studies")
    yield client
    server.stop()


def test_a_study_keeps_its_networks_in_an_s3_bucket(here, capsys, s3):
    assert main(["run", "tiny.toml", "--artifacts", "s3://studies/team/", "--quiet"]) == 0
    assert not (here / "runs" / "tiny" / "trials").exists()
    capsys.readouterr()
    assert main(["best", "tiny"]) == 0
    out, err = capsys.readouterr()
    best = json.loads(out)
    assert best["artifact_store"] == "s3://studies/team" and SECRET not in out + err
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket="studies")["Contents"]}
    assert f"team/{best['params_artifact']}" in keys
    assert all(key.startswith("team/") for key in keys)
    config = best_config("tiny")
    net = config.load_network(final=False)
    body = s3.get_object(Bucket="studies", Key=f"team/{best['params_artifact']}")["Body"].read()
    (here / "saved.npz").write_bytes(body)
    assert all(
        (net.parameters_[key] == value).all()
        for key, value in dnn.load(here / "saved.npz").parameters_.items()
    )
    # a changed object is refused
    s3.put_object(Bucket="studies", Key=f"team/{best['params_artifact']}", Body=body[:-1] + b"!")
    with pytest.raises(ArtifactsError, match=f"artifact {best['params_artifact']}"):
        config.load_network(final=False)


def test_a_missing_bucket_is_refused_before_anything_is_stored(here, capsys, s3):
    assert main(["run", "tiny.toml", "--artifacts", "s3://no-such-bucket/x"]) == 2
    assert "no such bucket" in one_error_line(capsys)
    assert not (here / "runs").exists()


def test_predict_and_export_use_the_final_model_kept_in_the_store(here, capsys):
    """The refit final model lives in the store only: predict and export load and name it."""
    study = TINY.format(name="refit").replace("cv_folds = 0", "cv_folds = 0\nrefit = true")
    (here / "refit.toml").write_text(study)
    assert main(["run", "refit.toml", "--artifacts", "shared", "--quiet"]) == 0
    assert not (here / "runs" / "refit" / "trials").exists()
    capsys.readouterr()
    features, labels = make_moons(40, noise=0.2, random_state=1)
    np.savez(here / "m.npz", X=features, y=labels)
    assert main(["predict", "refit", "m.npz", "--out", "p.csv"]) == 0
    said = capsys.readouterr().out
    assert "retrained on train + validation" in said and "p.csv" in said
    assert len((here / "p.csv").read_text().splitlines()) == 41
    pytest.importorskip("onnxruntime")
    assert main(["export", "refit", "--format", "onnx", "--out", "r.onnx"]) == 0
    assert "retrained on train + validation" in capsys.readouterr().out
    assert (here / "r.onnx").stat().st_size > 0
