"""A table's numbers as piecewise-linear bins (`numeric_bins`, `dnn.columns.Numeric`)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

import dnn
from dnn.tables import TableEncoder, TableError
from tests.dnn_tests.test_dnn_tables import assert_one_line_error


def table(m: int = 400) -> pd.DataFrame:
    """A skewed number with gaps, a 0/1 number, a category, a number of few values."""
    rng = np.random.default_rng(7)
    income = rng.lognormal(3.0, 1.0, m)
    income[::17] = np.nan
    return pd.DataFrame(
        {
            "income": income,
            "member": rng.integers(0, 2, m),
            "city": rng.choice(["Lima", "Oslo", "Pune"], m),
            "rooms": rng.choice([1.0, 2.0, 3.0], m),
        }
    )


def test_the_bins_add_up_to_the_value_clipped_to_the_fit_range():
    frame = table()
    enc = TableEncoder(bins=8).fit(frame)
    edges = np.array(next(c for c in enc.to_state()["columns"] if c["name"] == "income")["edges"])
    assert len(edges) == 9 and np.all(np.diff(edges) > 0)
    x = np.concatenate([np.linspace(-50.0, 2.0 * edges[-1], 997), edges])
    X = enc.transform(frame.iloc[:1].reindex(range(len(x)), method="ffill").assign(income=x))
    t = X[:, [enc.feature_names_.index(f"income[{k}/8]") for k in range(1, 9)]]
    assert t.min() >= 0.0 and t.max() <= 1.0
    assert np.all(np.diff(t, axis=1) <= 0)  # a bin is full before the next one fills
    rebuilt = edges[0] + t @ np.diff(edges)
    np.testing.assert_allclose(rebuilt, np.clip(x, edges[0], edges[-1]), rtol=1e-12, atol=1e-9)


def test_the_edges_are_the_fit_rows_quantiles_and_a_few_values_make_fewer_bins():
    frame = table()
    enc = TableEncoder(bins=8).fit(frame)
    columns = {c["name"]: c for c in enc.to_state()["columns"]}
    present = frame["income"].dropna().to_numpy()
    np.testing.assert_array_equal(
        columns["income"]["edges"], np.quantile(present, np.linspace(0, 1, 9))
    )
    assert columns["rooms"]["edges"] == [1.0, 2.0, 3.0]  # 3 values: 2 bins
    assert "edges" not in columns["member"]  # a 0/1 column stays one value
    assert enc.feature_names_ == [
        *(f"income[{k}/8]" for k in range(1, 9)),
        "income_missing",
        "member",
        "city=Lima",
        "city=Oslo",
        "city=Pune",
        "rooms[1/2]",
        "rooms[2/2]",
    ]


def test_a_missing_cell_takes_the_bins_of_the_median_and_its_indicator():
    frame = table()
    enc = TableEncoder(bins=8).fit(frame)
    X = enc.transform(frame)
    gap = np.flatnonzero(frame["income"].isna())[0]
    median = float(frame["income"].median())
    expected = enc.transform(frame.iloc[[gap]].assign(income=median))[0]
    names = enc.feature_names_
    income = [names.index(f"income[{k}/8]") for k in range(1, 9)]
    np.testing.assert_array_equal(X[gap, income], expected[income])
    assert X[gap, names.index("income_missing")] == 1.0


def test_binned_state_round_trips_and_without_bins_is_version_1_as_before():
    frame = table()
    enc = TableEncoder(bins=8).fit(frame)
    state = json.loads(json.dumps(enc.to_state(), allow_nan=False))
    assert (state["version"], state["bins"]) == (2, 8)
    back = TableEncoder.from_state(state)
    assert back.transform(frame).tobytes() == enc.transform(frame).tobytes()
    assert back.to_state() == state and repr(back) == repr(enc)
    plain = TableEncoder().fit(frame).to_state()
    assert plain["version"] == 1 and "bins" not in plain
    assert all("edges" not in column for column in plain["columns"])


INCOME = 0  # the position of `income` in table()'s columns
BAD_BINNED_STATES = {
    "unsorted": ([3.0, 2.0, 5.0], "edges must be 3 to 9 increasing"),
    "repeated": ([1.0, 1.0, 5.0], "edges must be 3 to 9 increasing"),
    "nan": ([1.0, float("nan"), 5.0], "edges must be"),
    "inf": ([1.0, 2.0, float("inf")], "edges must be"),
    "huge": ([1.0, 2.0, 1e300], "edges must be"),
    "too many": (list(np.arange(12.0)), "edges must be 3 to 9"),
    "too few": ([1.0, 2.0], "edges must be 3 to 9"),
    "text": (["1", "2", "3"], "edges must be"),
    "booleans": ([False, True, 2], "edges must be"),
    "not a list": ({"a": 1}, "edges must be"),
}


@pytest.mark.parametrize("case", list(BAD_BINNED_STATES), ids=list(BAD_BINNED_STATES))
def test_a_bad_binned_state_is_refused_in_one_line(case):
    edges, fragment = BAD_BINNED_STATES[case]
    state = copy.deepcopy(TableEncoder(bins=8).fit(table()).to_state())
    state["columns"][INCOME]["edges"] = edges
    message = assert_one_line_error(lambda: TableEncoder.from_state(state), fragment)
    assert message.startswith("table state: column 'income': ")


@pytest.mark.parametrize("bins", [-1, 257, 2.5, True, "8", None])
def test_bins_out_of_range_are_refused_by_name(bins):
    assert_one_line_error(lambda: TableEncoder(bins=bins), "bins must be an integer from 0 to 256")
    state = copy.deepcopy(TableEncoder(bins=8).fit(table()).to_state())
    state["bins"] = bins
    assert_one_line_error(lambda: TableEncoder.from_state(state), "bins must be")


def steps(m: int = 600, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """y jumps where x passes 3 and 6 (a salary after arbitration years, say)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 10.0, m)
    y = 1.0 + 2.0 * (x > 3) + 3.0 * (x > 6) + rng.normal(0.0, 0.1, m)
    return pd.DataFrame({"years": x, "team": rng.choice(["a", "b"], m)}), y


def test_a_linear_model_on_bins_fits_steps_a_linear_model_on_values_cannot():
    X, y = steps()
    kwargs = {"learning_rate": 0.05, "num_iterations": 1500, "optimizer": "adam", "seed": 0}
    on_values = dnn.DeepNetworkRegressor((), normalize=True, **kwargs).fit(X, y)
    on_bins = dnn.DeepNetworkRegressor((), normalize=True, numeric_bins=16, **kwargs).fit(X, y)
    X_new, y_new = steps(seed=1)
    assert on_values.score(X_new, y_new) < 0.92  # a line through two steps
    assert on_bins.score(X_new, y_new) > 0.96  # ramps 0.6 wide: a step is nearly one
    assert on_bins.n_features_in_ == 2 and on_bins.encoder_.bins == 16


def test_a_binned_network_saves_and_loads_to_the_same_predictions(tmp_path):
    X, y = steps(200)
    net = dnn.DeepNetworkRegressor((8,), numeric_bins=8, num_iterations=50, seed=1).fit(X, y)
    path = tmp_path / "net.npz"
    net.save(path)
    back = dnn.load(path)
    X_new, _ = steps(50, seed=2)
    assert back.predict(X_new).tobytes() == net.predict(X_new).tobytes()
    assert back.get_params()["numeric_bins"] == 8


def test_bins_of_an_array_are_refused_by_name():
    X, y = steps(50)
    net = dnn.DeepNetworkRegressor((4,), numeric_bins=8, num_iterations=5)
    with pytest.raises(ValueError, match=r"^numeric_bins encodes the numeric columns of a table"):
        net.fit(X[["years"]].to_numpy(), y)


@pytest.mark.parametrize("bins", [-1, 257, 2.5])
def test_a_bad_numeric_bins_argument_is_refused_by_name(bins):
    X, y = steps(50)
    net = dnn.DeepNetworkRegressor((4,), numeric_bins=bins, num_iterations=5)
    with pytest.raises(ValueError, match=r"^numeric_bins must be an integer in \[0, 256\], got"):
        net.fit(X, y)


def test_a_version_2_state_without_its_keys_is_refused():
    with pytest.raises(TableError):
        TableEncoder.from_state({"version": 2})
