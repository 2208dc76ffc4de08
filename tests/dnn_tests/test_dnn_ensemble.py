"""`NetworkEnsemble`: fitted networks that predict like one network by their weighted mean,
saved as one `.npz` and read back checked as strictly as a network's file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import raw_rows
from sklearn.base import is_classifier, is_regressor
from sklearn.metrics import accuracy_score, r2_score

import dnn
from dnn import (
    DeepNetwork,
    DeepNetworkEnsemble,
    NetworkClassifier,
    NetworkEnsemble,
    NetworkRegressor,
    load_network,
)
from dnn.ensemble_file import member_digest


def blobs(m: int = 150, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.choice(["a", "b", "c"], m)
    centers = {"a": (0.0, 0.0, 1.0), "b": (2.0, 0.0, 0.0), "c": (0.0, 2.0, 0.0)}
    X = np.array([centers[label] for label in y]) + rng.normal(0, 0.8, (m, 3))
    return X, y


def members(X: Any, y: Any, k: int = 3, cls: type = NetworkClassifier, **kwargs: Any) -> list:
    """k networks of different seeds and scalings, each fitted on its own fold of the rows."""
    scalings = ["standard", "robust", "quantile"]
    nets = []
    for i in range(k):
        keep = np.arange(len(y)) % k != i
        net = cls((6,), num_iterations=40, seed=i, normalize=True, scaling=scalings[i % 3])
        rows = X[keep] if isinstance(X, np.ndarray) else X.iloc[keep]
        nets.append(net.set_params(**kwargs).fit(rows, np.asarray(y)[keep]))
    return nets


# -- prediction ------------------------------------------------------------------------------


def test_a_classifier_ensemble_predicts_the_weighted_mean_of_its_members() -> None:
    X, y = blobs()
    nets = members(X, y)
    ensemble = NetworkEnsemble(nets, [0.5, 0.2, 0.3])
    mean = sum(w * net.predict_proba(X) for w, net in zip([0.5, 0.2, 0.3], nets, strict=True))
    np.testing.assert_allclose(ensemble.predict_proba(X), mean, rtol=1e-15)
    labels = ensemble.classes_[np.argmax(mean, axis=1)]
    np.testing.assert_array_equal(ensemble.predict(X), labels)
    assert ensemble.score(X, y) == accuracy_score(y, labels)
    assert ensemble.task == "classification" and ensemble.n_features_in_ == 3


def test_two_classes_follow_the_one_prediction_rule() -> None:
    X, y = blobs()
    y = np.where(y == "a", "a", "other")
    ensemble = NetworkEnsemble(members(X, y, k=2))  # equal weights
    proba = ensemble.predict_proba(X)
    assert proba.shape == (150, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    expected = np.where(proba[:, 1] > 0.5, "other", "a")
    np.testing.assert_array_equal(ensemble.predict(X), expected)


def test_a_regressor_ensemble_averages_predictions_in_the_targets_units() -> None:
    """A member on a log scale and one on the standard scale: each predicts in y's units and
    the ensemble averages those (not their scaled outputs)."""
    X, _ = blobs()
    y = np.exp(X[:, 0])
    log, standard = (
        NetworkRegressor((6,), num_iterations=60, seed=0, normalize=True, target_scale=scale)
        .set_params(optimizer="adam", learning_rate=0.02)
        .fit(X, y)
        for scale in ("log", "standard")
    )
    ensemble = NetworkEnsemble([log, standard], [0.25, 0.75])
    expected = 0.25 * log.predict(X) + 0.75 * standard.predict(X)
    np.testing.assert_allclose(ensemble.predict(X), expected, rtol=1e-15)
    assert ensemble.score(X, y) == pytest.approx(r2_score(y, expected), abs=1e-12)
    with pytest.raises(AttributeError, match="no predict_proba"):
        ensemble.predict_proba(X)


def test_a_member_of_weight_0_is_not_asked() -> None:
    X, y = blobs()
    nets = members(X, y, k=2)
    ensemble = NetworkEnsemble(nets, [1.0, 0.0])
    np.testing.assert_array_equal(ensemble.predict_proba(X), nets[0].predict_proba(X))


def test_the_scikit_learn_face_says_its_task() -> None:
    X, y = blobs()
    classifier = DeepNetworkEnsemble(members(X, y, k=2))
    regressor = DeepNetworkEnsemble(members(X, X[:, 0], k=2, cls=NetworkRegressor))
    assert is_classifier(classifier) and not is_regressor(classifier)
    assert is_regressor(regressor) and not is_classifier(regressor)
    assert set(classifier.get_params()) == {"members", "weights"}


# -- what may be averaged ----------------------------------------------------------------------


def _refused(nets: list, weights: Any, expected: str) -> None:
    with pytest.raises(ValueError) as error:
        NetworkEnsemble(nets, weights)
    assert str(error.value) == expected


def test_members_that_cannot_be_averaged_are_refused_by_name() -> None:
    X, y = blobs()
    nets = members(X, y, k=2)
    other = NetworkClassifier((3,), num_iterations=2, seed=0).fit(X, np.where(y == "a", "a", "z"))
    _refused(
        [nets[0], other], None, "member 1 has classes ['a', 'z'] but member 0 has ['a', 'b', 'c']"
    )
    regressor = NetworkRegressor((3,), num_iterations=2).fit(X, X[:, 0])
    _refused(
        [nets[0], regressor],
        None,
        "member 1 is a regression network but member 0 a classification network",
    )
    wide = NetworkClassifier((3,), num_iterations=2).fit(np.hstack([X, X]), y)
    _refused([nets[0], wide], None, "member 1 takes 6 features but member 0 3")
    single = NetworkClassifier((3,), num_iterations=2, dtype="float32").fit(X, y)
    _refused([nets[0], single], None, "member 1 is float32 but member 0 is float64")
    _refused(
        [nets[0], NetworkClassifier()],
        None,
        "member 1 is not a fitted network, got NetworkClassifier",
    )
    targets = NetworkRegressor((3,), num_iterations=2).fit(X, X[:, :2])
    _refused(
        [regressor, targets],
        None,
        "member 1 predicts targets of shape (2,) but member 0 of shape ()",
    )


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ([0.5, 0.6], "weights must sum to 1, got 1.1"),
        ([1.5, -0.5], "weights must be finite and >= 0, got [1.5, -0.5]"),
        ([1.0], "weights must be 2 numbers (one per member), got shape (1,)"),
        ([np.nan, 1.0], "weights must be finite and >= 0, got [nan, 1.0]"),
    ],
)
def test_weights_that_are_not_a_mean_are_refused(weights: list, expected: str) -> None:
    X, y = blobs()
    _refused(members(X, y, k=2), weights, expected)


# -- files -------------------------------------------------------------------------------------


def raw_table(m: int = 160, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """`raw_rows.raw_table`, its rows labelled by their line in a file (from 2)."""
    frame, label = raw_rows.raw_table(m, seed)
    frame.index = pd.Index(np.arange(2, m + 2), name="line")
    return frame, label


def test_a_round_trip_on_raw_rows_gives_identical_predictions(tmp_path: Path) -> None:
    """Members fitted on different folds of a table (their encoders differ) saved as one
    file; read back by each loader, the same raw rows (columns shuffled, an extra one)
    give the same probabilities, bit for bit."""
    frame, label = raw_table()
    ensemble = NetworkEnsemble(members(frame, label), [0.2, 0.3, 0.5])
    path = ensemble.save(tmp_path / "ensemble")
    assert path.name == "ensemble.npz"
    new, _ = raw_table(40, seed=1)
    new = new[["flag", "colour", "size"]].assign(extra="ignored")
    expected = ensemble.predict_proba(new)
    loaders = [
        (NetworkEnsemble.load, NetworkEnsemble, NetworkClassifier),
        (load_network, NetworkEnsemble, NetworkClassifier),
        (dnn.load, DeepNetworkEnsemble, DeepNetwork),
    ]
    for loader, ensemble_class, member_class in loaders:
        loaded = loader(path)
        assert type(loaded) is ensemble_class and type(loaded.members[0]) is member_class
        np.testing.assert_array_equal(loaded.predict_proba(new), expected)
        np.testing.assert_array_equal(loaded.predict(new), ensemble.predict(new))
        np.testing.assert_array_equal(loaded.weights, ensemble.weights)


def test_a_regression_ensemble_round_trips(tmp_path: Path) -> None:
    X, _ = blobs()
    ensemble = NetworkEnsemble(
        members(X, np.exp(X[:, :2]), k=2, cls=NetworkRegressor, target_scale="log")
    )
    loaded = load_network(ensemble.save(tmp_path / "e.npz"))
    np.testing.assert_array_equal(loaded.predict(X), ensemble.predict(X))


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    X, y = blobs()
    path = tmp_path_factory.mktemp("ensemble") / "good.npz"
    return NetworkEnsemble(members(X, y), [0.2, 0.3, 0.5]).save(path)


def read(path: Path) -> dict[str, Any]:
    with np.load(path) as data:
        arrays: dict[str, Any] = {key: data[key] for key in data.files}
    arrays["ensemble"] = json.loads(str(arrays["ensemble"]))
    return arrays


def write(path: Path, arrays: dict[str, Any], redigest: bool = False) -> Path:
    """Write arrays back; `redigest`: as a writer that records the members' digests anew."""
    head = arrays["ensemble"]
    if redigest:
        for i, entry in enumerate(head["members"]):
            own = {k[len(f"m{i}/") :]: v for k, v in arrays.items() if k.startswith(f"m{i}/")}
            entry["sha256"] = member_digest(own)
    np.savez(path, **{**arrays, "ensemble": np.array(json.dumps(head))})
    return path


def _classes_of_member_0(arrays: dict) -> None:
    arrays["m1/classes"] = np.array(["a", "b", "x"])


def _drop_member_array(arrays: dict) -> None:
    del arrays["m1/W2"]


def _drop_member(arrays: dict) -> None:
    for key in [key for key in arrays if key.startswith("m2/")]:
        del arrays[key]


def _weights(arrays: dict) -> None:
    arrays["weights"] = np.array([0.2, 0.3, 0.4])


def _extra(arrays: dict) -> None:
    arrays["notes"] = np.array(1.0)


def _member_5(arrays: dict) -> None:
    arrays["m5/W1"] = arrays["m0/W1"]


def _version(arrays: dict) -> None:
    arrays["ensemble"]["format_version"] = 2


def _task(arrays: dict) -> None:
    arrays["ensemble"]["task"] = "regression"


def _digest(arrays: dict) -> None:
    arrays["ensemble"]["members"][0] = {"sha256": "not hex"}


@pytest.mark.parametrize(
    ("change", "redigest", "expected"),
    [
        (_drop_member_array, True, "member 1: missing array 'W2' (the file has layers up to 2)"),
        (_drop_member, True, "missing member 2 (no array 'm2/meta')"),
        (_classes_of_member_0, True, "member 1 has classes ['a', 'b', 'x'] but member 0 has"),
        (_weights, True, "weights must sum to 1, got 0.9"),
        (_extra, True, "unexpected array 'notes' in an ensemble"),
        (_member_5, True, "array 'm5/W1' of member 5, but the ensemble has 3 members"),
        (_version, True, "ensemble format_version 2 is newer than this code reads (1)"),
        (_task, True, "member 0: a classification network in a regression ensemble"),
        (_digest, False, 'ensemble members[0] must be {"sha256": <64 hex digits>}'),
    ],
)
def test_a_bad_ensemble_file_is_refused_by_name(
    saved: Path, tmp_path: Path, change: Any, redigest: bool, expected: str
) -> None:
    arrays = read(saved)
    change(arrays)
    path = write(tmp_path / "bad.npz", arrays, redigest)
    with pytest.raises(ValueError) as error:
        load_network(path)
    message = str(error.value)
    assert message.startswith(f"{path}: {expected}"), message
    assert "\n" not in message


def test_a_tampered_member_is_refused_by_name(saved: Path, tmp_path: Path) -> None:
    """W1 of member 1 changed, still a valid network: the digest saved with it says so."""
    arrays = read(saved)
    arrays["m1/W1"] = arrays["m1/W1"] * 1.01
    path = write(tmp_path / "tampered.npz", arrays)
    for loader in (load_network, dnn.load, NetworkEnsemble.load):
        with pytest.raises(ValueError) as error:
            loader(path)
        assert str(error.value) == (
            f"{path}: member 1 was changed after it was saved (its arrays do not match the "
            "SHA-256 recorded for it)"
        )


def test_each_loader_tells_a_network_from_an_ensemble(saved: Path, tmp_path: Path) -> None:
    X, y = blobs()
    network = NetworkClassifier((3,), num_iterations=2).fit(X, y).save(tmp_path / "net.npz")
    with pytest.raises(ValueError, match="holds one network, not an ensemble: load it with"):
        NetworkEnsemble.load(network)
    with pytest.raises(ValueError, match="holds an ensemble of networks: load it with"):
        DeepNetwork.load(saved)
    assert isinstance(load_network(network), NetworkClassifier)
