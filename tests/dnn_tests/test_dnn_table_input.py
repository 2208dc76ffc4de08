"""Raw tables (issue 13): a pandas DataFrame in `fit` and `predict`, encoded by the
`TableEncoder` the network learns from its training rows and saves with it."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dnn
from dnn import DeepNetwork, DeepNetworkRegressor, NetworkClassifier, NetworkRegressor

pd = pytest.importorskip("pandas")

CONFIG: dict[str, Any] = {
    "hidden_layers": (8,),
    "activation": "tanh",
    "optimizer": "adam",
    "learning_rate": 0.05,
    "num_iterations": 150,
    "seed": 0,
}


def table(m: int = 60, seed: int = 0) -> tuple[Any, np.ndarray, np.ndarray]:
    """A raw table: a text category, a number with empty cells, a boolean, a row id; labels
    that depend on the colour and the size, and a numeric target."""
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue"], size=m)
    size = rng.normal(10, 3, size=m)
    frame = pd.DataFrame(
        {
            "id": [f"R{k}" for k in range(100, 100 + m)],  # a text id: dropped
            "colour": colour,
            "size": np.where(rng.random(m) < 0.1, np.nan, size),
            "member": rng.random(m) < 0.5,
        }
    )
    labels = np.where((colour == "red") | (size > 12), "yes", "no")
    target = 3.0 * (colour == "blue") + 0.5 * size
    return frame, labels, target


def test_a_table_is_encoded_by_what_the_network_learns_from_it() -> None:
    frame, labels, _ = table()
    net = DeepNetwork(**CONFIG).fit(frame, labels)
    # scikit-learn's convention: the raw columns; the network's inputs: the encoded ones
    assert net.n_features_in_ == 4
    np.testing.assert_array_equal(net.feature_names_in_, ["id", "colour", "size", "member"])
    assert net.feature_names_in_.dtype == object
    features = net.encoder_.feature_names_
    assert features == [
        "colour=blue",
        "colour=green",
        "colour=red",
        "size",
        "size_missing",
        "member=False",
        "member=True",
    ]  # id is an identifier: dropped
    assert net.layer_dims_ == [7, 8, 1]
    assert net.score(frame, labels) > 0.9
    np.testing.assert_array_equal(
        net.predict_proba(frame), net.predict_proba(net.encoder_.transform(frame), False)
    )


@pytest.mark.parametrize("cls", [DeepNetwork, NetworkClassifier])
def test_train_save_load_predict_on_raw_rows(tmp_path: Path, cls: type) -> None:
    frame, labels, _ = table()
    net = cls(**CONFIG, normalize=True).fit(frame, labels)
    path = net.save(tmp_path / "net.npz")
    with np.load(path, allow_pickle=False) as saved:
        assert saved["encoder"].shape == () and saved["encoder"].dtype.kind == "U"
        assert json.loads(str(saved["encoder"])) == net.encoder_.to_state()
    raw = pd.DataFrame(  # new rows as they come: text, empty cells, no id needed
        {"colour": ["red", " blue ", "green"], "size": ["14.5", "", None], "member": [1, 0, 1]}
    )
    raw["member"] = raw["member"].astype(bool)
    for loaded in (DeepNetwork.load(path), NetworkClassifier.load(path), dnn.load(path)):
        np.testing.assert_array_equal(loaded.predict_proba(raw), net.predict_proba(raw))
        np.testing.assert_array_equal(loaded.predict(frame), net.predict(frame))
        assert loaded.encoder_.to_state() == net.encoder_.to_state()
        np.testing.assert_array_equal(loaded.feature_names_in_, net.feature_names_in_)
        assert loaded.n_features_in_ == 4 and loaded.layer_dims_[0] == 7


def test_normalization_applies_after_encoding() -> None:
    frame, labels, _ = table()
    net = DeepNetwork(**CONFIG, normalize=True).fit(frame, labels)
    encoded = net.encoder_.transform(frame)
    np.testing.assert_allclose(net.x_mean_, encoded.mean(axis=0), rtol=1e-12)
    assert net.x_mean_.shape == (7,)


def test_unseen_categories_and_missing_cells_at_predict() -> None:
    frame, labels, _ = table()
    frame.loc[0:5, "colour"] = None  # the fit rows have missing colours: a <missing> column
    net = DeepNetwork(**CONFIG).fit(frame, labels)
    assert "colour=<missing>" in net.encoder_.feature_names_
    rows = pd.DataFrame(
        {"colour": ["purple", None, "red"], "size": [np.nan, 9.0, None], "member": [True] * 3}
    )
    proba = net.predict_proba(rows)
    assert np.isfinite(proba).all() and proba.shape == (3, 2)
    encoded = net.encoder_.transform(rows)
    names = net.encoder_.feature_names_
    assert encoded[0, [names.index(f"colour={c}") for c in ("blue", "green", "red")]].sum() == 0
    assert encoded[1, names.index("colour=<missing>")] == 1
    np.testing.assert_array_equal(proba, net.predict_proba(encoded, check_input=False))


def test_columns_in_another_order_and_extra_columns_give_the_same_predictions() -> None:
    frame, labels, _ = table()
    net = DeepNetwork(**CONFIG).fit(frame, labels)
    shuffled = frame[["member", "size", "colour"]].assign(notes="ignored")  # id was dropped
    np.testing.assert_array_equal(net.predict_proba(shuffled), net.predict_proba(frame))
    with pytest.raises(ValueError, match="no column 'colour', which the training data has"):
        net.predict(frame.drop(columns="colour"))


def test_a_regressor_on_a_table(tmp_path: Path) -> None:
    frame, _, target = table()
    net = DeepNetworkRegressor(**{**CONFIG, "num_iterations": 300}).fit(frame, target)
    assert net.layer_dims_ == [7, 8, 1] and net.n_features_in_ == 4
    assert net.score(frame, target) > 0.8
    loaded = dnn.load(net.save(tmp_path / "regressor.npz"))
    assert type(loaded) is DeepNetworkRegressor
    np.testing.assert_array_equal(loaded.predict(frame.iloc[::-1]), net.predict(frame)[::-1])
    light = NetworkRegressor.load(tmp_path / "regressor.npz")
    np.testing.assert_array_equal(light.predict(frame), net.predict(frame))


def test_categorical_and_drop_are_saved_with_the_network(tmp_path: Path) -> None:
    frame, labels, _ = table()
    frame["zone"] = np.arange(60) % 3  # integers: numeric unless listed
    net = DeepNetwork(**CONFIG, categorical=("zone",), drop=("member",)).fit(frame, labels)
    features = net.encoder_.feature_names_
    assert {"zone=0", "zone=1", "zone=2"} <= set(features)
    assert not any(name.startswith("member") for name in features)
    loaded = DeepNetwork.load(net.save(tmp_path / "net.npz"))
    assert loaded.get_params() == {**net.get_params(), "callback": None}
    assert (loaded.categorical, loaded.drop) == (("zone",), ("member",))
    np.testing.assert_array_equal(loaded.predict(frame.drop(columns="member")), net.predict(frame))


def test_an_array_given_to_a_network_fitted_on_a_table_is_refused_in_one_line() -> None:
    frame, labels, _ = table()
    net = NetworkClassifier(**CONFIG).fit(frame, labels)
    with pytest.raises(ValueError) as error:
        net.predict(net.encoder_.transform(frame))
    assert str(error.value) == (
        "this NetworkClassifier was fitted on a table: give it a DataFrame with the columns "
        "'id', 'colour', 'size', 'member', not a ndarray"
    )


@pytest.mark.parametrize("cls", [DeepNetwork, NetworkClassifier])
def test_a_network_fitted_on_an_array_converts_a_numeric_table(cls: type) -> None:
    frame, labels, _ = table()
    X = frame[["size"]].assign(n=np.arange(len(frame))).fillna(10).to_numpy(float)
    net = cls(**CONFIG).fit(X, labels)
    numbers = pd.DataFrame(X, columns=["a", "b"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        np.testing.assert_array_equal(net.predict_proba(numbers), net.predict_proba(X))
    # scikit-learn's face says the names are not checked, as it does for any estimator
    expected = ["X has feature names, but DeepNetwork was fitted without feature names"]
    assert [str(w.message) for w in caught] == (expected if cls is DeepNetwork else [])
    assert not hasattr(net, "encoder_")


def test_a_fit_on_an_array_forgets_an_earlier_table() -> None:
    frame, labels, _ = table()
    net = DeepNetwork(**CONFIG).fit(frame, labels)
    net.fit(net.encoder_.transform(frame), labels)
    assert not hasattr(net, "encoder_") and not hasattr(net, "feature_names_in_")
    assert net.n_features_in_ == 7


@pytest.mark.parametrize(
    ("kwargs", "X_is_table", "match"),
    [
        ({"categorical": ("colour",)}, False, "categorical and drop name columns of a table"),
        ({"drop": ("colur",)}, True, "drop names 'colur', which is not a column"),
        ({"categorical": ("size",), "drop": ("size",)}, True, "listed in both categorical and"),
        ({"categorical": "colour"}, True, "categorical must be a list of column names"),
    ],
    ids=["array", "unknown-column", "both", "a-string"],
)
def test_bad_categorical_or_drop_is_one_line(kwargs: dict, X_is_table: bool, match: str) -> None:
    frame, labels, _ = table()
    X = frame if X_is_table else np.ones((60, 2))
    with pytest.raises(ValueError, match=match) as error:
        DeepNetwork(**CONFIG, **kwargs).fit(X, labels)
    assert "\n" not in str(error.value)


# -- the saved encoder is checked ---------------------------------------------------------------


def rewrite(path: Path, change: Any) -> Path:
    with np.load(path, allow_pickle=False) as saved:
        arrays = {key: saved[key] for key in saved.files}
    change(arrays)
    np.savez(path, **arrays)
    return path


def edit_json(key: str, change: Any) -> Any:
    def edit(arrays: dict) -> None:
        value = json.loads(str(arrays[key]))
        change(value)
        arrays[key] = np.array(json.dumps(value))

    return edit


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (edit_json("encoder", lambda s: s.pop("columns")), "table state: missing key 'columns'"),
        (
            lambda a: a.update(encoder=np.array("[1, 2]")),
            "'encoder' must be a JSON object, got list",
        ),
        (
            edit_json("meta", lambda m: m["feature_names_in"].reverse()),
            "the encoder's columns are not the meta's feature_names_in",
        ),
        (
            edit_json("encoder", lambda s: s["columns"].pop(1)),
            "table state: feature_names (7) are not those the columns make (4)",
        ),
        (
            edit_json("meta", lambda m: m["config"].__setitem__("drop", "id")),
            "config: drop must be a list of column names, got 'id'",
        ),
    ],
    ids=["state-key", "not-an-object", "columns", "feature-names", "drop-a-string"],
)
def test_a_bad_saved_encoder_is_refused_in_one_line(
    tmp_path: Path, change: Any, expected: str
) -> None:
    frame, labels, _ = table()
    path = rewrite(NetworkClassifier(**CONFIG).fit(frame, labels).save(tmp_path / "n.npz"), change)
    with pytest.raises(ValueError) as error:
        DeepNetwork.load(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and expected in message and "\n" not in message
