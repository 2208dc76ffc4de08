"""Where a study keeps its networks: its own folder, a shared folder, or an S3 bucket.

A trial's network (with, for the final ensemble's selection, its validation predictions and its
other folds' networks) and the final model are files. By default they are saved in the study's
own folder on the machine that made them (`search.storage.artifacts_dir`: `runs/NAME/` beside
the journal), and their records hold their paths, as in every earlier version. A study given an
artifact store (`--artifacts PATH`, Optuna's `FileSystemArtifactStore`, or `--artifacts
s3://bucket/prefix`, its `Boto3ArtifactStore`) uploads them there with
`optuna.artifacts.upload_artifact` (optuna-dashboard lists them), and their records hold artifact
ids: a network saved on any machine then loads on every other, with no retraining.

The store is given once. Its location is stored with the study (`StudyAttr.ARTIFACT_STORE`) by
the first run or worker that names one, and later workers and commands read it there. Another
location later is refused: the records' artifact ids name files in the first one. A study that
kept its files in its own folder may be given a store later; what it saved before stays where
its records say.

Every file is checked against the SHA-256 recorded when it was saved: an artifact is downloaded
to a temporary file, checked, read and deleted. A location never holds credentials: S3's come
from the environment or boto3's configuration (`AWS_ACCESS_KEY_ID`, `~/.aws`, and
`AWS_ENDPOINT_URL` for an S3-compatible server); a URL with a user or password is refused
without being shown. boto3 (the `s3` extra) and `optuna.artifacts` (which imports boto3 where it
is installed) are imported only where a store is used.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import optuna

from search.dburl import redact
from search.record import StudyRecord, TestRecord, TrialRecord, set_artifact_store
from search.storage import StorageError, artifacts_dir, file_sha256, write_safely

if TYPE_CHECKING:
    from search.spec import StudySpec

S3_EXTRA = 'pip install "dnnsearch[s3]"'
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")  # S3's rule for bucket names
_KINDS = "give a folder path or s3://bucket/prefix"


class ArtifactsError(StorageError):
    """A store that cannot hold a study's files, or a file that is not the one recorded."""


class Saved(NamedTuple):
    """One saved file: its path, or its artifact id in the study's store; and its SHA-256."""

    path: str | None
    artifact: str | None
    sha256: str | None


NOTHING = Saved(None, None, None)  # no file


def params_of(record: TrialRecord | TestRecord) -> Saved:
    """A trial's network, or the final model, as its record names it."""
    return Saved(record.params_path, record.params_artifact, record.params_sha256)


def predictions_of(record: TrialRecord | TestRecord) -> Saved:
    """A trial's validation predictions, or the final model's test predictions."""
    return Saved(record.predictions_path, record.predictions_artifact, record.predictions_sha256)


def folds_of(record: TrialRecord) -> list[Saved]:
    """A trial's networks of folds 1..k-1, as its record names them.

    Raises:
        ValueError: the record holds more or fewer digests than files.
    """
    n = len(record.fold_paths or record.fold_artifacts or [])
    none: list[str | None] = [None] * n
    paths, ids = record.fold_paths or none, record.fold_artifacts or none
    return [Saved(*f) for f in zip(paths, ids, record.fold_sha256s or none, strict=True)]


def set_folds(record: TrialRecord, folds: list[Saved]) -> None:
    """Write the fold networks' paths or artifact ids, and their digests, into a trial's record."""
    record.fold_paths = [str(s.path) for s in folds] if folds and folds[0].path else None
    record.fold_artifacts = (
        [str(s.artifact) for s in folds] if folds and folds[0].artifact else None
    )
    record.fold_sha256s = [str(s.sha256) for s in folds]


# -- locations --------------------------------------------------------------------------------


def parse_location(text: str) -> str:
    """The canonical form of an artifact store's location, read without touching it.

    Args:
        text: a folder's path (relative to the working directory, `~` allowed) or
            `s3://bucket/prefix`.

    Returns:
        The folder's absolute path (links not followed: a shared mount keeps its name), or
        `s3://bucket/prefix` without slashes at the prefix's ends (`s3://bucket` without one).

    Raises:
        ArtifactsError: an empty or unprintable text, another scheme than s3://, an S3 URL
            without a valid bucket, or with a user, password, query or fragment (one line that
            never shows a user's part or a query).
    """
    if not text or not text.isprintable() or text.strip() != text:
        raise ArtifactsError(f"artifacts: {text!r} is no location; {_KINDS}")
    scheme, separator, rest = text.partition("://")
    if not separator:
        return os.path.abspath(os.path.expanduser(text))
    if scheme.lower() != "s3":
        raise ArtifactsError(f"artifacts: unknown scheme {scheme!r} in {redact(text)}; {_KINDS}")
    bucket, _, prefix = rest.partition("/")
    if "@" in bucket:
        raise ArtifactsError(
            "artifacts: an s3:// location holds no user or password (boto3 reads credentials "
            "from the environment or ~/.aws); the location is not shown"
        )
    if "?" in rest or "#" in rest:
        raise ArtifactsError("artifacts: an s3:// location takes no query or fragment ('?', '#')")
    if not bucket:
        raise ArtifactsError(f"artifacts: {text!r} names no bucket; write s3://bucket/prefix")
    if not _BUCKET.match(bucket) or ".." in bucket:
        raise ArtifactsError(
            f"artifacts: {bucket!r} is not an S3 bucket name (3 to 63 lower-case letters, "
            "digits, dots and hyphens)"
        )
    prefix = prefix.strip("/")
    return f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"


def is_s3(location: str) -> bool:
    """Whether a canonical location is an S3 bucket's (else it is a folder)."""
    return location.startswith("s3://")


def check_location(location: str) -> None:
    """Refuse a store that cannot take files, before a run or worker stores anything.

    A folder must be one, or be missing in a folder that exists (it is made then), and take a
    new file; a bucket must exist and answer with the credentials of the environment.

    Raises:
        ArtifactsError: one line naming the location and what is wrong with it.
    """
    if is_s3(location):
        _check_bucket(location)
        return
    folder = Path(location)
    if folder.exists() and not folder.is_dir():
        raise ArtifactsError(f"artifacts: {folder} is not a folder")
    if not folder.is_dir() and not folder.parent.is_dir():
        raise ArtifactsError(f"artifacts: {folder.parent} does not exist (nor {folder} in it)")
    try:
        folder.mkdir(exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".dnnsearch-probe-")
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise ArtifactsError(
            f"artifacts: cannot write in {folder}: {error.strerror or error}"
        ) from None


def _check_bucket(location: str) -> None:
    bucket, _ = _bucket_and_prefix(location)
    try:
        _s3_client().head_bucket(Bucket=bucket)
    except ArtifactsError:
        raise
    except Exception as error:  # botocore's errors: one line, without a secret
        raise ArtifactsError(f"artifacts: {location}: {_problem(error)}") from None


def _problem(error: Exception) -> str:
    """What went wrong with an S3 request, in a few words."""
    response = getattr(error, "response", None)
    code = str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""
    if code in ("404", "NoSuchBucket"):
        return "no such bucket"
    if code in ("403", "AccessDenied"):
        return "access denied (check the credentials in the environment or ~/.aws)"
    if type(error).__name__ == "NoCredentialsError":
        return "no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or ~/.aws)"
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return redact(text)


def _bucket_and_prefix(location: str) -> tuple[str, str]:
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    return bucket, prefix


def _s3_client() -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise ArtifactsError(f"artifacts: an s3:// store needs boto3: {S3_EXTRA}") from None
    return boto3.client("s3", config=Config(connect_timeout=10, retries={"max_attempts": 3}))


def resolve_location(given: str | None, stored: str | None, study_name: str) -> str | None:
    """The store a run or worker of a study uses: its stored one, else the one given (checked).

    Args:
        given: the location this command names (None: none).
        stored: the one stored with the study (None: its own folder so far).
        study_name: the study, for the message.

    Returns:
        The canonical location, or None for the study's own folder.

    Raises:
        ArtifactsError: a location other than the stored one, or one that cannot take files.
    """
    location = parse_location(given) if given is not None else None
    if stored is not None and location is not None and location != stored:
        raise ArtifactsError(_other_store(study_name, stored, location))
    chosen = stored if stored is not None else location
    if chosen is not None:
        check_location(chosen)
    return chosen


def keep_location(study: optuna.Study, location: str | None) -> None:
    """Store the location with the study, the first time one is given.

    Raises:
        ArtifactsError: another process stored another one meanwhile (read back after writing:
            of two first workers started at once, one wins and the other stops here).
    """
    if location is None:
        return
    if StudyRecord.of(study).artifact_store is None:
        set_artifact_store(study, location)
    stored = StudyRecord.of(study).artifact_store
    if stored != location:
        raise ArtifactsError(_other_store(study.study_name, str(stored), location))


def _other_store(study_name: str, stored: str, given: str) -> str:
    return (
        f"artifacts: study {study_name!r} keeps its networks in {redact(stored)}, not "
        f"{redact(given)}; leave --artifacts out to use its store, or start a new study "
        "(--study-name)"
    )


# -- the store --------------------------------------------------------------------------------


class _Prefixed:
    """An artifact store whose ids are keys under a prefix of another's (a bucket's folder)."""

    def __init__(self, store: Any, prefix: str) -> None:
        """Wrap `store`; ids become `prefix/id` there."""
        self.store, self.prefix = store, prefix.rstrip("/") + "/"

    def open_reader(self, artifact_id: str) -> Any:
        """The artifact's bytes, to read (ArtifactNotFound when there is none)."""
        return self.store.open_reader(self.prefix + artifact_id)

    def write(self, artifact_id: str, content_body: Any) -> None:
        """Save the bytes of `content_body` as the artifact."""
        self.store.write(self.prefix + artifact_id, content_body)

    def remove(self, artifact_id: str) -> None:
        """Delete the artifact."""
        self.store.remove(self.prefix + artifact_id)


def open_backend(location: str) -> Any:
    """Optuna's artifact store of a canonical location (a prefix wrapped around its bucket's)."""
    from optuna.artifacts import Boto3ArtifactStore, FileSystemArtifactStore

    if not is_s3(location):
        return FileSystemArtifactStore(location)
    bucket, prefix = _bucket_and_prefix(location)
    store = Boto3ArtifactStore(bucket, client=_s3_client())
    return _Prefixed(store, prefix) if prefix else store


class Store:
    """Where a study's files go and come from: its own folder, or its artifact store."""

    def __init__(self, location: str | None = None, folder: Path | None = None) -> None:
        """A study's store.

        Args:
            location: its artifact store's canonical location; None: its own folder, files
                named by their paths.
            folder: its own folder (`search.storage.artifacts_dir`), where files without a
                store are saved.
        """
        self.location = location
        self.folder = folder
        self._backend: Any = None

    @property
    def backend(self) -> Any:
        """Optuna's artifact store, opened at the first use (a boto3 client for S3)."""
        if self._backend is None:
            if self.location is None:
                raise ArtifactsError("this study names no artifact store")
            self._backend = open_backend(self.location)
        return self._backend

    def save_network(self, network: Any, name: str, owner: optuna.Trial | optuna.Study) -> Saved:
        """Save a network as `name` (in its own folder: `trials/3.npz`); where it went.

        `owner` is the trial or study whose artifact it is (Optuna lists it there).
        """
        return self._save(name, network.save, owner)

    def save_arrays(self, name: str, owner: optuna.Trial | optuna.Study, **arrays: Any) -> Saved:
        """Save arrays as an `.npz` (no pickle), as `save_network` saves a network."""
        return self._save(name, lambda file: np.savez(file, allow_pickle=False, **arrays), owner)

    def _save(self, name: str, write: Callable[[str], object], owner: Any) -> Saved:
        if self.location is None:
            if self.folder is None:
                raise ArtifactsError(f"no folder to save {name} in")
            path = write_safely(self.folder / name, write)
            return Saved(path, None, file_sha256(path))
        from optuna.artifacts import upload_artifact

        with tempfile.TemporaryDirectory(prefix="dnnsearch-") as folder:
            path = str(Path(folder) / Path(name).name)  # the name optuna-dashboard shows
            write(path)
            digest = file_sha256(path)
            try:
                artifact = upload_artifact(
                    artifact_store=self.backend, file_path=path, study_or_trial=owner
                )
            except (optuna.exceptions.OptunaError, ArtifactsError):
                raise  # a trial that another process failed meanwhile, say
            except Exception as error:  # OSError, botocore's: one line, without a secret
                raise ArtifactsError(
                    f"cannot save {name} in {self.location}: {_problem(error)}"
                ) from None
        return Saved(None, artifact, digest)

    def has(self, saved: Saved) -> bool:
        """Whether the file is there: its path on this machine, or its artifact in the store."""
        if saved.artifact is None:
            return saved.path is not None and Path(saved.path).is_file()
        from optuna.artifacts.exceptions import ArtifactNotFound

        try:
            self.backend.open_reader(saved.artifact).close()
        except (ArtifactNotFound, FileNotFoundError, ValueError):  # ValueError: no id of it
            return False
        except Exception as error:  # botocore's: one line, without a secret
            raise ArtifactsError(f"cannot read {self.location}: {_problem(error)}") from None
        return True

    @contextmanager
    def fetch(self, saved: Saved, what: str) -> Iterator[str | None]:
        """The file's local path while the block runs: its own, or its artifact's download.

        A downloaded artifact is checked against its digest (a file by path is the caller's to
        check: its message names the path) and deleted afterwards.

        Args:
            saved: the file, as its record names it.
            what: what it is, for messages (`trial 3 of study 'digits'`).

        Yields:
            The path (None when the record names no file).

        Raises:
            ArtifactsError: the artifact is not in the store, cannot be read, or is not the file
                recorded (naming it, and both digests' first characters).
        """
        if saved.artifact is None:
            yield saved.path
            return
        with tempfile.TemporaryDirectory(prefix="dnnsearch-") as folder:
            path = str(Path(folder) / "artifact.npz")
            self._download(saved.artifact, path, what)
            found = file_sha256(path)
            if saved.sha256 is not None and found != saved.sha256:
                raise ArtifactsError(
                    f"{what}: artifact {saved.artifact} in {self.location} has SHA-256 "
                    f"{found[:12]}..., not the {saved.sha256[:12]}... recorded when it was "
                    "saved (changed since); refusing to load it"
                )
            yield path

    def _download(self, artifact: str, path: str, what: str) -> None:
        from optuna.artifacts import download_artifact
        from optuna.artifacts.exceptions import ArtifactNotFound

        where = f"{what}: artifact {artifact} in {self.location}"
        try:
            download_artifact(artifact_store=self.backend, file_path=path, artifact_id=artifact)
        except (ArtifactNotFound, FileNotFoundError):
            raise ArtifactsError(f"{where} is gone (deleted from the store?)") from None
        except ArtifactsError:
            raise
        except Exception as error:  # OSError, botocore's: one line, without a secret
            raise ArtifactsError(f"{where} cannot be read: {_problem(error)}") from None


def store_for(spec: StudySpec) -> Store:
    """The store of a run's spec: its `artifacts` (resolved by the run), else its own folder."""
    return Store(spec.artifacts, artifacts_dir(spec.storage_url, spec.name))


def store_of(study: optuna.Study) -> Store:
    """The store a stored study's files are read from: pass it to `search.best.load_trained`."""
    return Store(StudyRecord.of(study).artifact_store)
