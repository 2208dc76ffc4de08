"""A stored study's final model, as `predict` and `export` use it.

The model is the one `dnnsearch best` describes and `BestConfig.load_network()` loads: the
best configuration retrained on training + validation data, an ensemble of the best trials,
or the best trial's own network (`search.best`). Beside it, the study's spec says what the
data hold (the target column, the task).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search import (
    BestConfig,
    SpecError,
    StudyRecord,
    StudySpec,
    best_config,
    default_storage,
    open_existing_study,
)
from search.artifacts import is_s3
from search.storage import artifacts_dir, storage_file


@dataclass(frozen=True)
class StudyModel:
    """A study's final model, its best configuration and its spec.

    Attributes:
        config: what `dnnsearch best` prints (`search.BestConfig`).
        spec: the study's spec as stored with it (target column, task, metric).
        network: the trained model: a `DeepNetwork`, `DeepNetworkRegressor` or
            `DeepNetworkEnsemble` (`config.load_network()`).
        storage: the study's storage URL or journal file.
    """

    config: BestConfig
    spec: StudySpec
    network: Any
    storage: str  # the study's storage URL or journal file

    @classmethod
    def load(cls, name: str, storage: str | None = None) -> StudyModel:
        """The final model of study `name` (embedded storage under `runs/` by default).

        Raises:
            StorageError: no such study, no complete trial, a network file not the one
                recorded. SpecError: a study without a stored spec. FileNotFoundError: the
                network's file is gone.
        """
        config = best_config(name, storage)  # first: it says "no complete trial yet"
        stored = StudyRecord.of(open_existing_study(name, storage)).spec
        spec = StudySpec.from_stored(stored, name)
        if spec.task != config.task:
            raise SpecError(f"study {name!r}: its spec and its best trial disagree on the task")
        return cls(config, spec, config.load_network(), storage or default_storage(name))

    @property
    def files(self) -> list[Path]:
        """The study's own files, which no output may replace: its journal, its networks, its data.

        An SQLite database's file stands for its journal; a server's database has none. The data
        files are named as the study file names them (relative to where it ran).
        """
        paths = (storage_file(self.storage), self.config.params_path, self.config.final_params_path)
        data = (self.spec.dataset, self.spec.test_dataset)
        return [Path(path) for path in (*paths, *data) if path]

    @property
    def folders(self) -> list[Path]:
        """The folders of the study's files, in which no output may be written.

        Its own folder (`runs/NAME/`: trial networks, their predictions, the final model, the
        report) and its artifact store's, if that is a folder: a file there is read by the next
        run, which refuses the study when it is not the one recorded.
        """
        config, store = self.config, self.config.artifact_store
        folders = [artifacts_dir(self.storage, config.study_name)]
        # and the folder its files were found in from here (`search.best.locate`): the final
        # model's, and the trial network's (`<folder>/trials/N.npz`)
        if config.final_params_path:
            folders.append(Path(config.final_params_path).parent)
        if config.params_path:
            folders.append(Path(config.params_path).parent.parent)
        return folders + ([Path(store)] if store is not None and not is_s3(store) else [])

    @property
    def classes(self) -> Any:
        """The classes of a classifier, in the order of its probabilities; None for a regressor."""
        return self.network.classes_ if self.spec.problem.has_classes else None

    @property
    def columns(self) -> list[str] | None:
        """The table columns the model reads, by name; None for a model of arrays.

        Every member's non-dropped columns (the members of an ensemble share their columns).
        """
        members = getattr(self.network, "members", [self.network])
        names: list[str] = []
        for member in members:
            encoder = getattr(member, "encoder_", None)
            if encoder is None:
                return None
            for column in encoder.describe():
                if column["width"] and column["name"] not in names:
                    names.append(column["name"])
        return names

    @property
    def n_features(self) -> int:
        """Columns of X for a model of arrays (of the table, for a model of tables)."""
        return int(self.network.n_features_in_)

    def describe(self) -> str:
        """Which network the model is, in words: `the final ensemble of trials 3 (0.6), 7 (0.4)`."""
        config = self.config
        if config.ensemble is not None:
            members = zip(config.ensemble["members"], config.ensemble["weights"], strict=True)
            return "the final ensemble of trials " + ", ".join(f"{m} ({w:.2g})" for m, w in members)
        if config.final_params_path or config.final_params_artifact:
            return f"trial {config.trial_number}'s configuration retrained on train + validation"
        return f"trial {config.trial_number}'s network"
