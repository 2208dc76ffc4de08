"""The input scalings (`dnn.scaling`): standard, robust and quantile, learned on the training
rows, against scikit-learn's scalers, applied by chunks in prediction, saved and read back."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.special import ndtri
from sklearn.preprocessing import QuantileTransformer, RobustScaler

import dnn
import dnn.network
from dnn import DeepNetwork, NetworkClassifier, NetworkRegressor
from dnn.buffers import training_memory
from dnn.scaling import (
    MIN_NORMAL_P,
    QUANTILE_BOUND,
    ROBUST_CLIP,
    SCALINGS,
    fit_scaling,
    normal_quantile,
)

rows_module = importlib.import_module("dnn.rows")
KINDS = list(SCALINGS)


def heavy_tailed(m: int = 400, seed: int = 0) -> np.ndarray:
    """Columns a tabular user meets: normal, heavy-tailed with outliers, skewed, mostly 0."""
    rng = np.random.default_rng(seed)
    return np.column_stack(
        [
            rng.normal(3.0, 2.0, m),
            rng.standard_t(1.5, m) * 10,
            rng.lognormal(0.0, 1.5, m),
            np.where(rng.random(m) < 0.85, 0.0, rng.exponential(50.0, m)),  # IQR 0
        ]
    )


# -- against scikit-learn ------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_robust_is_scikit_learns_robust_scaler_then_clipped(dtype: type) -> None:
    """Median and IQR as RobustScaler's (a 0 IQR only centres), clipped to ±5; to 1e-12
    relative in float64 (float32: 1e-6; scikit-learn rounds its percentiles to float32, numpy
    gives them in float64)."""
    X = heavy_tailed().astype(dtype)
    new = heavy_tailed(seed=1).astype(dtype) * 1.5
    scaling = fit_scaling("robust", X[:300])
    reference = RobustScaler().fit(X[:300])
    tolerance = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(scaling.center, reference.center_, rtol=tolerance)
    np.testing.assert_allclose(scaling.scale, reference.scale_, rtol=tolerance)
    assert scaling.scale[3] == 1.0  # 85% zeros: q25 = q75 = 0
    expected = np.clip(reference.transform(new), -ROBUST_CLIP, ROBUST_CLIP)
    np.testing.assert_allclose(scaling.transform(new), expected, rtol=tolerance, atol=tolerance)
    assert np.abs(scaling.transform(new)).max() == ROBUST_CLIP  # the outliers are held at 5


@pytest.mark.parametrize("m", [50, 1000])
def test_quantile_is_scikit_learns_quantile_transformer_to_a_normal(m: int) -> None:
    """On continuous columns (no value repeated), the same map as
    QuantileTransformer(n_quantiles=100, output_distribution="normal") to 1e-9, at the
    training rows (the minimum and maximum included) and at new rows inside and outside the
    training range. m = 50 < 100 takes 50 quantiles, as scikit-learn does."""
    rng = np.random.default_rng(m)
    X = np.column_stack([rng.normal(size=m), rng.lognormal(0, 2, m), rng.standard_t(2, m)])
    new = np.vstack([X, X * 1.3 + 0.1, rng.normal(0, 5, (200, 3))])
    scaling = fit_scaling("quantile", X)
    assert scaling.quantiles is not None and scaling.quantiles.shape == (min(m, 100), 3)
    reference = QuantileTransformer(
        n_quantiles=min(m, 100), output_distribution="normal", subsample=None
    ).fit(X)
    np.testing.assert_array_equal(scaling.quantiles, reference.quantiles_)
    np.testing.assert_allclose(scaling.transform(new), reference.transform(new), rtol=0, atol=1e-9)
    bound = normal_quantile(np.array([1 - QUANTILE_BOUND]))[0]
    assert np.abs(scaling.transform(new)).max() == pytest.approx(bound)  # |z| <= 5.1993
    assert bound == pytest.approx(5.199337582, abs=1e-9)


def test_a_value_repeated_in_the_quantiles_takes_the_middle_of_its_ranks() -> None:
    """Worked by hand: nine rows, five 0s and four 1s; 9 quantiles at k/8 (exact in binary)
    are the sorted rows, so 0 holds the ranks 0..4/8 and 1 the ranks 5/8..1: u(0) = 1/4,
    u(1) = 13/16, and 0.5 lies halfway between 4/8 and 5/8, 9/16. scikit-learn sends the
    training minimum and maximum to its bounds (±5.2) instead: the one place where the two
    differ (see `dnn.scaling`)."""
    X = np.array([[0.0]] * 5 + [[1.0]] * 4)
    z = fit_scaling("quantile", X).transform(np.array([[0.0], [0.5], [1.0]]))[:, 0]
    np.testing.assert_allclose(z, ndtri([1 / 4, 9 / 16, 13 / 16]), rtol=0, atol=1e-15)
    sklearn = QuantileTransformer(n_quantiles=9, output_distribution="normal").fit(X)
    assert np.abs(sklearn.transform([[0.0], [1.0]])).min() > 5


def test_the_normal_quantile_is_scipys_within_1e_14() -> None:
    p = np.concatenate(
        [
            np.linspace(MIN_NORMAL_P, 1 - MIN_NORMAL_P, 20001),
            np.logspace(-10.8, -1, 500),
            1 - np.logspace(-10, -1, 500),
            [0.5, 0.075, 0.925, 0.0749999999, QUANTILE_BOUND],
        ]
    )
    np.testing.assert_allclose(normal_quantile(p), ndtri(p), rtol=0, atol=1e-14)
    with pytest.raises(ValueError, match="normal_quantile takes p in"):
        normal_quantile(np.array([0.0]))


# -- in a network ----------------------------------------------------------------------------


def labels(X: np.ndarray) -> np.ndarray:
    return np.where(X[:, 0] + np.log1p(X[:, 2]) > 3.5, "yes", "no")


@pytest.mark.parametrize("kind", KINDS)
def test_the_scaling_is_learned_from_the_training_rows_only(kind: str) -> None:
    X = heavy_tailed()
    net = NetworkClassifier((5,), num_iterations=5, seed=0, normalize=True, scaling=kind)
    net.fit(X[:300], labels(X[:300]))
    expected = fit_scaling(kind, X[:300])
    for name in ("center", "scale", "quantiles"):
        found, wanted = getattr(net.input_scaling_, name), getattr(expected, name)
        assert (found is None) == (wanted is None)
        if wanted is not None:
            np.testing.assert_array_equal(found, wanted)
    assert (net.x_mean_ is not None) == (kind == "standard")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_prediction_scales_by_chunks_what_the_whole_set_would_be(
    monkeypatch: pytest.MonkeyPatch, kind: str, dtype: str
) -> None:
    """Scaled 40 values at a time, the rows are the whole set's scaling, bit for bit, in the
    network's dtype; predicting 7 rows at a time gives the whole set's predictions (to the
    matrix products' rounding), float32 for a float32 network."""
    X = heavy_tailed()
    net = NetworkClassifier((6,), num_iterations=20, seed=1, normalize=True, scaling=kind)
    net.set_params(dtype=dtype).fit(X, labels(X))
    whole = net.predict_proba(X)
    monkeypatch.setattr(dnn.network, "PREDICTION_ELEMENTS", 28)
    monkeypatch.setattr(rows_module, "CHUNK_ELEMENTS", 40)
    expected = np.ascontiguousarray(net.input_scaling_.transform(X).T, dtype=dtype)
    np.testing.assert_array_equal(net._rows(X).columns(), expected)
    proba = net.predict_proba(X)
    assert proba.dtype == np.dtype(dtype)
    np.testing.assert_allclose(proba, whole, rtol=1e-12 if dtype == "float64" else 1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_mini_batches_train_on_the_scaled_set(kind: str) -> None:
    """A fit with mini-batches learns, bit for bit, what a fit on the rows scaled beforehand
    learns (the quantile scaling makes the scaled set once; the others scale each batch)."""
    X = heavy_tailed()
    y = labels(X)
    common: dict[str, Any] = dict(num_iterations=6, seed=2, mini_batch_size=32, optimizer="adam")
    scaled = NetworkClassifier((5,), normalize=True, scaling=kind, **common).fit(X, y)
    plain = NetworkClassifier((5,), **common).fit(fit_scaling(kind, X).transform(X), y)
    for key, value in plain.parameters_.items():
        np.testing.assert_array_equal(scaled.parameters_[key], value)


def test_without_normalize_the_scaling_does_nothing() -> None:
    X = heavy_tailed()
    plain = NetworkClassifier((4,), num_iterations=10, seed=0).fit(X, labels(X))
    quantile = NetworkClassifier((4,), num_iterations=10, seed=0, scaling="quantile")
    quantile.fit(X, labels(X))
    assert quantile.input_scaling_ is None
    np.testing.assert_array_equal(quantile.predict_proba(X), plain.predict_proba(X))


def test_a_scaling_that_is_not_a_choice_is_refused_by_name() -> None:
    with pytest.raises(ValueError) as error:
        NetworkClassifier(scaling="minmax", normalize=True).fit(
            heavy_tailed(), labels(heavy_tailed())
        )
    assert str(error.value) == "scaling must be one of standard, robust, quantile, got 'minmax'"


def test_a_robust_scaling_holds_an_outlier_at_the_clip() -> None:
    X = heavy_tailed()
    net = NetworkRegressor((4,), num_iterations=30, seed=0, normalize=True, scaling="robust")
    net.fit(X, X[:, 0])
    far = X[[0, 0, 0]].copy()
    far[:, 1] = [1e6, 1e12, -1e12]  # past the clip: the first two are one input to the network
    prediction = net.predict(far)
    assert prediction[0] == prediction[1] != prediction[2]


def test_the_memory_estimate_counts_the_scaled_set_of_a_quantile_mini_batch_fit() -> None:
    common: dict[str, Any] = dict(mini_batch_size=64, dtype="float32")
    standard = training_memory([100, 10, 1], 10_000, **common)
    quantile = training_memory([100, 10, 1], 10_000, scaling="quantile", **common)
    assert quantile - standard >= 100 * 10_000 * 4


# -- files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_each_scaling_is_saved_and_read_back(tmp_path: Path, kind: str) -> None:
    X = heavy_tailed()
    net = DeepNetwork((5,), num_iterations=20, seed=0, normalize=True, scaling=kind)
    path = net.fit(X, labels(X)).save(tmp_path / "net")
    with np.load(path) as data:
        names = {"standard": {"x_mean", "x_scale"}, "robust": {"x_median", "x_iqr"}}
        assert {"x_mean", "x_scale", "x_median", "x_iqr", "x_quantiles"} & set(data.files) == (
            names.get(kind, {"x_quantiles"})
        )
    loaded = DeepNetwork.load(path)
    assert loaded.scaling == kind and loaded.input_scaling_.kind == kind
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))


def rewritten(path: Path, change: Any) -> Path:
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    meta = json.loads(str(arrays["meta"]))
    change(arrays, meta)
    arrays["meta"] = np.array(json.dumps(meta))
    out = path.with_name("changed.npz")
    np.savez(out, **arrays)
    return out


def _decreasing(arrays: dict, meta: dict) -> None:
    arrays["x_quantiles"] = arrays["x_quantiles"][::-1].copy()


def _swap_kind(arrays: dict, meta: dict) -> None:
    meta["config"]["scaling"] = "standard"


def _drop_quantiles(arrays: dict, meta: dict) -> None:
    del arrays["x_quantiles"]


def _flat_quantiles(arrays: dict, meta: dict) -> None:
    arrays["x_quantiles"] = arrays["x_quantiles"][:, :2].copy()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_decreasing, "x_quantiles must not decrease down a column"),
        (_swap_kind, "array 'x_quantiles' does not belong to scaling 'standard'"),
        (_drop_quantiles, "normalize is true but the file has no array 'x_quantiles'"),
        (_flat_quantiles, "x_quantiles must be a float array of shape (n_q, 4)"),
    ],
)
def test_a_bad_scaling_in_a_file_is_refused_by_name(
    tmp_path: Path, change: Any, expected: str
) -> None:
    X = heavy_tailed()
    net = DeepNetwork((5,), num_iterations=5, seed=0, normalize=True, scaling="quantile")
    path = rewritten(net.fit(X, labels(X)).save(tmp_path / "net"), change)
    with pytest.raises(ValueError) as error:
        DeepNetwork.load(path)
    message = str(error.value)
    assert message.startswith(f"{path}: {expected}") and "\n" not in message
