"""A seeded one-job study, written down as plain data: what a refactoring must not change.

`study_fingerprint` runs two small seeded studies (one with a single validation split and
max_parameters pruning, one with 3-fold cross-validation and dropout) in a temporary folder
and returns every trial's state, parameters, value, reported values, recorded scores and
learning curve, the study's test record, the files it wrote and a summary of each saved
network. `tests/search_tests/golden_study.json` holds what the code gave when this test was
added; `python tests/search_tests/search_golden.py` prints it anew (only to be used deliberately,
when a change of results is intended and explained in its commit).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import make_moons

SPACE = {
    "learning_rate": {"low": 0.01, "high": 0.5, "log": True},
    "num_iterations": {"low": 20, "high": 60, "step": 20},
    "n_hidden": {"low": 0, "high": 2},
    "n_units": {"low": 2, "high": 12},
    "optimizer": ["gd", "momentum", "adam"],
    "mini_batch_size": [32, "full"],
    "activation": ["relu", "tanh"],
    "lambd": 0.0,  # the defaults of the space when the snapshot was taken (issue 22 added L2)
}
# Without early stopping and ensembles, as the snapshot was taken: a trial's best epoch and the
# final ensemble have tests of their own; this one holds the rest of the machinery unchanged.
STUDIES = {
    "plain": {
        "n_trials": 10,
        "max_parameters": 120,
        "cv_folds": 0,
        "early_stopping": False,
        "ensemble": 0,
        "space": SPACE,
    },
    "cv": {
        "n_trials": 6,
        "early_stopping": False,
        "ensemble": 0,
        "cv_folds": 3,
        "per_layer_activation": True,
        "space": {**SPACE, "keep_prob": {"low": 0.6, "high": 1.0}, "lambd": [0.0, 0.1]},
    },
}
# The trial user attributes that existed when the snapshot was taken.
ATTRS = (
    "layer_dims",
    "n_parameters",
    "seed",
    "activations",
    "train_accuracy",
    "val_accuracy",
    "train_cost",
    "val_cost",
    "fold_val_accuracy",
    "pruned_at",
    "pruned_reason",
    "fail_reason",
    "learning_curve",
)
HYPERPARAMETERS = (
    "hidden_layers",
    "activation",
    "learning_rate",
    "num_iterations",
    "optimizer",
    "mini_batch_size",
    "lambd",
    "keep_prob",
    "input_keep_prob",
    "init",
    "seed",
    "normalize",
)


def load_moons(spec):  # the loader signature
    return make_moons(n_samples=240, noise=0.25, random_state=3)


def _network_summary(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as data:
        return {
            key: [list(data[key].shape), float(data[key].sum()), float(np.square(data[key]).sum())]
            for key in sorted(data.files)
            if key[0] in "Wb" and key[1:].isdigit()
        }


def study_fingerprint(folder: Path) -> dict:
    """Run the studies in `folder` and describe everything they stored."""
    import optuna

    from search import StudySpec, run_study

    result = {}
    for name, raw in STUDIES.items():
        storage = folder / name / "journal.log"
        spec = StudySpec.from_dict(
            # metric: the snapshot's (taken when accuracy was the default), pinned
            {"name": name, "dataset": "moons", "report_every": 10, "storage": str(storage)}
            | {"metric": "accuracy", **raw}
        )
        run_study(spec, load_moons, progress=None)
        study = optuna.load_study(study_name=name, storage=_storage(storage))
        trials = []
        for t in study.get_trials():
            attrs = {key: t.user_attrs[key] for key in ATTRS if key in t.user_attrs}
            hp = t.user_attrs.get("hyperparameters", {})
            attrs["hyperparameters"] = {key: hp[key] for key in HYPERPARAMETERS if key in hp}
            trials.append(
                {
                    "number": t.number,
                    "state": t.state.name,
                    "params": t.params,
                    "values": t.values,
                    "intermediate": {str(k): v for k, v in sorted(t.intermediate_values.items())},
                    "attrs": attrs,
                    "saved": "params_path" in t.user_attrs,
                }
            )
        best_test = dict(study.user_attrs.get("best_test", {}))
        best_test.pop("params_path", None)
        best_test.pop("params_sha256", None)  # added since the snapshot; the arrays are compared
        best_test.pop("test_scores", None)  # added since; test_search_study_metrics checks them
        files = sorted(
            str(p.relative_to(folder / name))
            for p in (folder / name).rglob("*")
            if p.is_file() and p.name not in ("journal.log", "journal.log.lock")  # storage
        )
        networks = {f: _network_summary(folder / name / f) for f in files if f.endswith(".npz")}
        result[name] = {
            "trials": trials,
            "best_test": best_test,
            "files": files,
            "networks": networks,
        }
    return result


def _storage(path: Path):
    from search import open_storage

    return open_storage(str(path), create=False)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        json.dump(study_fingerprint(Path(tmp)), sys.stdout, indent=1, sort_keys=True)
        print()
