"""The study spec: what a study tunes, on which data, with which budget, sampler and pruner.

A spec is read once (from a TOML table, by `studies`, or built in code), validated once in
`StudySpec.from_dict`, and then passed explicitly. Every bad value is rejected with a
one-line `SpecError` that names the key (and suggests the closest valid key for a typo).

Each study-file key has one rule in `KEYS`: how its value is checked, whether a resumed study
must keep it (`compared`), and, for a key added after studies were first stored, what those
studies did without it (`since`, which `upgrade` fills in). The search space's own grammar is
`search.space`'s; the rules that tie keys together (a metric of the task, columns named once,
a grid the sampler can list, enqueued configurations the space allows) are `_check_together`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from search.artifacts import ArtifactsError, parse_location
from search.errors import SpecError, suggest_key
from search.folds import default_folds, default_metric, scored_on
from search.machine import default_jobs
from search.metrics import METRICS, Direction
from search.samplers import PRUNERS, SAMPLERS
from search.space import SearchSpace
from search.storage import default_storage
from search.tasks import TASKS, Task, task_named

DTYPES = ("float64", "float32")
DEFAULT_TRIALS = 30  # trials a run adds when its study sets neither n_trials nor timeout
MAX_SEED = 2**31 - 1  # the samplers' seeds are this plus a worker's index, below 2**32
MAX_ENSEMBLE = 100  # trials an ensemble may be selected from
MAX_JOBS = 1024  # processes of one run, far above any machine's cores (more: `dnnsearch worker`)
# seconds: a longer timeout overflows the clocks a run waits on (a lock waits at most 9.2e9 s)
MAX_SECONDS = 1e9
MAX_COLUMN_NAME = 500  # characters of a column name in drop / categorical
NOT_SINCE = object()  # a key that studies have always stored


# -- the checks of one value ---------------------------------------------------------------


def _type(kind: type, empty: bool = True) -> Callable[[str, Any], None]:
    def check(key: str, value: Any) -> None:
        if not isinstance(value, kind):
            raise SpecError(f"{key}: expected {kind.__name__}, got {value!r}")
        if not empty and not str(value).strip():  # a path or column: not a silent default
            raise SpecError(f"{key}: must not be empty, got {value!r}")

    return check


def _optional(check: Callable[[str, Any], None]) -> Callable[[str, Any], None]:
    return lambda key, value: None if value is None else check(key, value)


def _choice(choices: Any) -> Callable[[str, Any], None]:
    names = tuple(choices)

    def check(key: str, value: Any) -> None:
        _type(str)(key, value)
        if value not in names:
            raise SpecError(
                f"{key}: unknown value {value!r}{suggest_key(str(value), names)}; "
                f"choose from {', '.join(names)}"
            )

    return check


def _integer(lowest: int, highest: int | None = None) -> Callable[[str, Any], None]:
    def check(key: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
            raise SpecError(f"{key}: must be an integer >= {lowest}, got {value!r}")
        if highest is not None and value > highest:
            raise SpecError(f"{key}: must be at most {highest}, got {value}")

    return check


def _folds(key: str, value: Any) -> None:
    _optional(_integer(0))(key, value)
    if value == 1:
        raise SpecError(f"{key}: must be 0 (one validation split) or at least 2 folds, got 1")


def _seconds(key: str, value: Any) -> None:
    if value is not None and (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise SpecError(f"{key}: must be a positive number of seconds, got {value!r}")
    if value is not None and value > MAX_SECONDS:
        raise SpecError(f"{key}: must be at most {MAX_SECONDS:g} seconds (31 years), got {value!r}")


def _fraction(key: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 0.5:
        raise SpecError(f"{key}: must be between 0 and 0.5, got {value!r}")


def _column_names(key: str, value: Any) -> None:
    if not isinstance(value, tuple | list):
        raise SpecError(f"{key}: expected a list of column names, got {value!r}")
    for name in value:
        if not isinstance(name, str) or not name or len(name) > MAX_COLUMN_NAME:
            raise SpecError(f"{key}: {name!r} is not a column name")


def _artifacts(key: str, value: Any) -> None:
    _type(str)(key, value)
    try:
        parse_location(value)
    except ArtifactsError as error:
        raise SpecError(str(error)) from None


def check_study_name(name: str) -> str:
    """A study name that is also a safe folder name under `runs/`, else SpecError."""
    if (
        not name
        or name in (".", "..")
        or any(c in name for c in "/\\")
        or not name.isprintable()
        or name.strip() != name
        or len(name) > 200
    ):
        raise SpecError(
            f"name: {name!r} is not a valid study name (printable, no slashes, no spaces at "
            "the ends, not . or .., at most 200 characters)"
        )
    return name


def _name(value: Any) -> None:
    _type(str)("name", value)
    check_study_name(value)


# -- the keys ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """The rule of one study-file key (see the module docstring)."""

    check: Callable[[str, Any], None] = lambda key, value: None
    compared: bool = False  # a resumed study must have the value it was stored with
    since: Any = NOT_SINCE  # added after studies were first stored: what those did


KEYS: dict[str, Key] = {
    "name": Key(lambda key, value: _name(value)),
    "dataset": Key(_type(str, empty=False), compared=True),
    "space": Key(compared=True),  # parsed by SearchSpace.from_dict
    "target": Key(_type(str, empty=False), compared=True),
    "test_dataset": Key(_optional(_type(str, empty=False)), compared=True),
    "task": Key(_choice(TASKS), compared=True, since="classification"),
    "drop": Key(_column_names, compared=True, since=[]),
    "categorical": Key(_column_names, compared=True, since=[]),
    "dtype": Key(_choice(DTYPES), compared=True, since="float64"),
    "per_layer_activation": Key(_type(bool), compared=True),
    "metric": Key(_type(str), compared=True),  # one of the task's: _check_together
    "pareto": Key(_type(bool), compared=True),
    "validation_fraction": Key(_fraction, compared=True),
    "test_fraction": Key(_fraction, compared=True),
    "n_trials": Key(_optional(_integer(1))),
    "timeout": Key(_seconds),
    "sampler": Key(_choice(SAMPLERS)),
    "pruner": Key(_choice(PRUNERS)),
    "report_every": Key(_integer(1), compared=True),
    "early_stopping": Key(_type(bool), since=False),  # a resumed study may turn it on
    "ensemble": Key(_integer(0, MAX_ENSEMBLE), since=0),
    "max_parameters": Key(_optional(_integer(1)), compared=True),
    "refit": Key(_type(bool)),
    "cv_folds": Key(_folds, compared=True, since=0),
    "seed": Key(_integer(0, MAX_SEED), compared=True),
    "storage": Key(_optional(_type(str, empty=False))),
    "artifacts": Key(_optional(_artifacts)),
    "n_jobs": Key(_optional(_integer(1, MAX_JOBS))),
    "description": Key(_type(str)),
    "enqueue": Key(compared=True, since=[]),  # checked against the space: _check_together
}
COMPARED = tuple(name for name, key in KEYS.items() if key.compared)


def upgrade(stored: Any) -> dict[str, Any] | None:
    """A spec as an older version stored it, read as this version writes it.

    None when it is no spec (a plain Optuna study's, or a damaged storage's: not a mapping).

    Keys added since hold what the study did without them (`Key.since`: one validation split,
    no columns dropped, float64, ...); a space holds the hyperparameters added since at their
    defaults (a study from before dropout trained with keep_prob 1); a space that no longer
    parses is left as stored (comparing it then names what differs).
    """
    if not isinstance(stored, Mapping):
        return None
    since = {name: key.since for name, key in KEYS.items() if key.since is not NOT_SINCE}
    spec = {**since, **stored}
    try:
        spec["space"] = SearchSpace.from_dict(spec.get("space")).to_dict()
    except (SpecError, TypeError, AttributeError):
        pass
    return spec


def read_stored(stored: Any, study_name: str) -> dict[str, Any] | None:
    """A study's stored spec read through `upgrade`; None when the study stores none.

    Raises:
        SpecError: the stored spec is no table (a damaged storage, or one written by hand).
    """
    if stored is None:
        return None
    spec = upgrade(stored)
    if spec is None:
        raise SpecError(
            f"study {study_name!r}: its stored spec is damaged (a {type(stored).__name__}, not a "
            "table); run its study file under a new --study-name"
        )
    return spec


@dataclass(frozen=True)
class StudySpec:
    """Everything that defines a study; see the README for the TOML form of each field."""

    name: str
    dataset: str
    space: SearchSpace = field(default_factory=SearchSpace.from_dict)
    target: str = "target"
    test_dataset: str | None = None  # the user's own test file: no test split is cut
    task: str = "classification"
    drop: tuple[str, ...] = ()  # columns of a table left out
    categorical: tuple[str, ...] = ()  # columns of a table taken as categories
    dtype: str = "float64"  # every trial trains in this precision
    per_layer_activation: bool = False
    metric: str = ""  # "": by the data's size, or a resumed study's own (`decided`)
    pareto: bool = False
    validation_fraction: float = 0.2
    test_fraction: float = 0.2
    n_trials: int | None = None  # None: until the timeout, or DEFAULT_TRIALS without one
    timeout: float | None = None
    sampler: str = "tpe"
    pruner: str = "median"
    report_every: int = 50
    early_stopping: bool = True  # a trial keeps its best report's network (`search.epochs`)
    # the best trials the final ensemble is selected from (`search.ensemble`); 0: none, the
    # final model is the best trial (or its refit)
    ensemble: int = 20
    max_parameters: int | None = None
    refit: bool = False
    cv_folds: int | None = None  # None: by the data's size (`default_folds`); 0: one split
    seed: int = 0
    storage: str | None = None
    # the artifact store (`search.artifacts`); its home is the study's own record, which a run
    # reads into its spec: None there means the study's own folder
    artifacts: str | None = None
    n_jobs: int | None = None  # None: one per core of the machine (`search.machine`)
    description: str = ""
    # configurations tried first, before the sampler proposes its own (`SearchSpace.enqueued`)
    enqueue: tuple[Mapping[str, Any], ...] = ()
    # not a key: the file names no metric, so `decided` picks it by the data's size
    # (`default_metric`) or, for a resumed study, keeps the study's own
    metric_by_default: bool = field(default=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Adopt the forms TOML and JSON give (lists), and the defaults that depend on others."""
        # per_layer_activation is a study-file key that shapes the space's trial parameters
        if isinstance(self.space, SearchSpace) and isinstance(self.per_layer_activation, bool):
            space = dataclasses.replace(self.space, per_layer_activation=self.per_layer_activation)
            object.__setattr__(self, "space", space)
        for key in ("drop", "categorical", "enqueue"):
            if isinstance(getattr(self, key), list):
                object.__setattr__(self, key, tuple(getattr(self, key)))
        if self.metric == "" and isinstance(self.task, str) and self.task in TASKS:
            object.__setattr__(self, "metric", TASKS[self.task].default_metric)
            object.__setattr__(self, "metric_by_default", True)

    @property
    def problem(self) -> Task:
        """The study's task and what follows from it (`search.tasks.Task`)."""
        return task_named(self.task)

    @property
    def direction(self) -> Direction:
        """Whether the metric is maximized or minimized."""
        return METRICS[self.metric].direction

    @property
    def directions(self) -> list[Direction]:
        """The study's objectives' directions: the metric's, and with `pareto` fewer parameters."""
        return [self.direction, "minimize"] if self.pareto else [self.direction]

    @property
    def refits(self) -> bool:
        """The final model is the best configuration retrained on training + validation.

        With `refit`, and always with `cv_folds` (no single trial's network saw all that data).
        """
        return self.refit or bool(self.cv_folds)

    @property
    def scored_on(self) -> str:
        """What a trial's value is measured on: `validation` or `5-fold CV`."""
        return scored_on(self.cv_folds)

    @property
    def trials(self) -> int | None:
        """The trials a run adds.

        `n_trials`; without it, as many as the timeout allows (None), or `DEFAULT_TRIALS` when the
        study sets no timeout either.
        """
        if self.n_trials is not None:
            return self.n_trials
        return None if self.timeout is not None else DEFAULT_TRIALS

    @property
    def jobs(self) -> int:
        """The run's workers: `n_jobs`, or one per core of this machine (at most 8)."""
        return self.n_jobs if self.n_jobs is not None else default_jobs()

    @property
    def storage_url(self) -> str:
        """The spec's storage, or the embedded journal file `runs/<name>/journal.log`."""
        return self.storage or default_storage(self.name)

    def decided(self, n_examples: int, stored: Mapping[str, Any] | None = None) -> StudySpec:
        """The spec with `cv_folds` and `metric` decided where its file leaves them out.

        A stored study's own (`upgrade`: a study stored before a default changed goes on as it
        began), else `default_folds` of the data's size and timeout, and `default_metric` of its
        size.
        """
        old = (upgrade(stored) or {}) if stored is not None else None
        folds = self.cv_folds
        if folds is None:
            folds = default_folds(n_examples, self.timeout) if old is None else old.get("cv_folds")
        metric = self.metric
        if self.metric_by_default and old is None:
            metric = default_metric(self.problem, n_examples)
        elif self.metric_by_default and old and old.get("metric") in self.problem.metrics():
            metric = old["metric"]  # not another task's: check_resumable names the task instead
        return self.replace(cv_folds=folds if isinstance(folds, int) else 0, metric=metric)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> StudySpec:
        """Build and validate a spec from a TOML document (a dict)."""
        for key in raw:
            if key not in KEYS:
                raise SpecError(f"{key}: unknown key{suggest_key(key, KEYS)}")
        for key in ("name", "dataset"):
            if key not in raw:
                raise SpecError(f"{key}: missing (every study needs a name and a dataset)")
        space = raw.get("space", {})
        if not isinstance(space, Mapping):
            raise SpecError(f"space: expected a table, got {space!r}")
        values = {**raw, "space": SearchSpace.from_dict(space)}
        return cls(**values).validated()

    @classmethod
    def from_stored(cls, stored: Any, study_name: str = "") -> StudySpec:
        """The spec stored with a study, read through `upgrade`.

        Raises:
            SpecError: one line saying that the stored spec is missing or no longer valid, and
                how to go on (start a new study, or run it again from its study file).
        """
        where = f"study {study_name!r}" if study_name else "the study"
        spec = read_stored(stored, study_name)
        if spec is None:
            raise SpecError(
                f"{where} has no stored spec (not made by dnnsearch run?); "
                "start it with `dnnsearch run STUDY --study-name NAME`"
            )
        try:
            return cls.from_dict(spec)
        except (SpecError, TypeError) as error:
            raise SpecError(
                f"{where}: its stored spec is not valid in this version ({error}); "
                "run its study file under a new --study-name"
            ) from None

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (TOML- and JSON-ready; None fields left out)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name in KEYS}
        data["space"] = self.space.to_dict()
        data["drop"], data["categorical"] = list(self.drop), list(self.categorical)
        # left out when empty: the stored spec of a study without it is as it was before the key
        data["enqueue"] = [dict(config) for config in self.enqueue] or None
        return {key: value for key, value in data.items() if value is not None}

    def replace(self, **changes: Any) -> StudySpec:
        """A copy with run-time fields changed (trials, jobs, timeout, storage, artifacts, ...).

        A metric named here is the caller's, which a resumed study must have (not a default).
        """
        if "metric" in changes:
            changes = {"metric_by_default": False, **changes}
        return dataclasses.replace(self, **changes).validated()

    def validated(self) -> StudySpec:
        """Return self if every field is valid, else raise SpecError naming the field."""
        for name, key in KEYS.items():
            key.check(name, getattr(self, name))
        _check_together(self)
        return self

    def enqueued_params(self) -> list[dict[str, Any]]:
        """The `enqueue` configurations as the trial parameters Optuna enqueues, checked."""
        return self.space.enqueued(self.enqueue)


def _check_together(spec: StudySpec) -> None:
    """The rules that tie keys together; SpecError names the key."""
    metrics = spec.problem.metrics()
    if spec.metric in METRICS and spec.metric not in metrics:
        raise SpecError(
            f"metric: {spec.metric!r} is a {METRICS[spec.metric].task} metric; a {spec.task} "
            f"study uses {', '.join(metrics)}"
        )
    _choice(metrics)("metric", spec.metric)
    seen: dict[str, str] = {}
    for key in ("drop", "categorical"):
        for name in getattr(spec, key):
            if name == spec.target:
                raise SpecError(f"{key}: {name!r} is the target column")
            if name in seen:
                where = "twice" if seen[name] == key else "in both drop and categorical"
                raise SpecError(f"{key}: column {name!r} is listed {where}")
            seen[name] = key
    spec.space.check_task(spec.task)
    if spec.sampler == "grid":
        spec.space.check_grid()
    spec.enqueued_params()
