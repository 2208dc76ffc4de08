"""Training from rows (m, n_x) as the caller holds them: mini-batches gathered, standardized and
transposed one at a time (`dnn.rows.Rows`), the normalization's statistics in chunks, large
predictions in chunks. The same numbers as the whole-set copies they replace, without them."""

from __future__ import annotations

import importlib
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dnn.scaling
from dnn import NetworkClassifier
from dnn.core import initialize_parameters
from dnn.rows import Rows
from dnn.scaling import column_stats
from dnn.train import train

rows_module = importlib.import_module("dnn.rows")  # where `Rows` reads CHUNK_ELEMENTS


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_chunked_statistics_are_numpys_bit_for_bit(
    monkeypatch: pytest.MonkeyPatch, dtype: type
) -> None:
    monkeypatch.setattr(dnn.scaling, "CHUNK_ELEMENTS", 700)  # chunks of 18 rows of 37
    rng = np.random.default_rng(0)
    X: np.ndarray = (rng.random((1001, 37)) * rng.integers(1, 1000, 37) + 1e4).astype(dtype)
    mean, std = column_stats(X)
    assert mean.dtype == std.dtype == dtype
    np.testing.assert_array_equal(mean, X.mean(axis=0))
    np.testing.assert_array_equal(std, X.std(axis=0))


def test_layouts_numpy_sums_otherwise_are_left_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A single column or a Fortran-ordered X is summed pairwise by numpy: not chunked."""
    monkeypatch.setattr(dnn.scaling, "CHUNK_ELEMENTS", 64)
    rng = np.random.default_rng(1)
    for X in (rng.random((5000, 1)) * 1e3, np.asfortranarray(rng.random((3000, 5)) * 1e3)):
        mean, std = column_stats(X)
        np.testing.assert_array_equal(mean, X.mean(axis=0))
        np.testing.assert_array_equal(std, X.std(axis=0))


def _old_columns(X: np.ndarray, mean: np.ndarray, scale: np.ndarray, dtype: str) -> np.ndarray:
    """What the estimator trained on before `Rows`: the whole set standardized, transposed."""
    return np.ascontiguousarray(((X - mean) / scale).T, dtype=dtype)


@pytest.mark.parametrize(
    ("dtype", "batch", "keep"), [("float64", 64, 1.0), ("float32", 50, 0.8), ("float64", None, 1)]
)
def test_training_on_rows_is_training_on_the_transposed_set(
    monkeypatch: pytest.MonkeyPatch, dtype: str, batch: int | None, keep: float
) -> None:
    """Mini-batches gathered from the rows (a ragged last one too) or the full batch
    transposed in chunks: the same parameters, bit for bit, as from the whole set's copy."""
    monkeypatch.setattr(rows_module, "CHUNK_ELEMENTS", 500)
    rng = np.random.default_rng(2)
    X = rng.normal(3.0, 2.0, (530, 12))
    Y = (rng.random((1, 530)) < 0.4).astype(dtype)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    parameters = initialize_parameters([12, 9, 1], "he", np.random.default_rng(3), dtype)
    common: dict[str, Any] = dict(
        learning_rate=0.05,
        num_iterations=4,
        optimizer="adam",
        mini_batch_size=batch,
        keep_prob=keep,
        cost_every=1,
    )
    acts = ["relu", "sigmoid"]
    old = train(_old_columns(X, mean, scale, dtype), Y, parameters, acts, rng=7, **common)
    new = train(Rows(X, mean, scale, dtype), Y, parameters, acts, rng=7, **common)
    assert old.costs == new.costs
    for key, value in old.parameters.items():
        np.testing.assert_array_equal(new.parameters[key], value)


def test_rows_write_what_the_whole_copy_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rows_module, "CHUNK_ELEMENTS", 100)
    rng = np.random.default_rng(4)
    X = rng.normal(size=(77, 9)).astype(np.float32)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    rows = Rows(X, mean, scale, "float64")
    whole = _old_columns(X, mean, scale, "float64")
    np.testing.assert_array_equal(rows.columns(), whole)
    np.testing.assert_array_equal(rows.columns(10, 60), whole[:, 10:60])
    index = rng.permutation(77)[:20]
    out = np.empty((9, 20))
    np.testing.assert_array_equal(rows.gather(index, out), whole[:, index])
    np.testing.assert_array_equal(Rows(X).columns(), X.T)


def test_a_mini_batch_fit_reads_a_memory_map_without_copying_it(tmp_path: Path) -> None:
    """A fit on a memory-mapped X (as a study's worker has it) with mini-batches allocates a
    fraction of X (a chunk for the statistics, one batch), and learns what a fit on the same
    X in memory learns."""
    rng = np.random.default_rng(5)
    m, n_x = 60_000, 100
    X = rng.normal(size=(m, n_x)) + np.arange(n_x)
    y = (X[:, 0] - X[:, 1] > -1).astype(int)
    np.save(tmp_path / "X.npy", X)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    settings: dict[str, Any] = dict(
        hidden_layers=(8,),
        mini_batch_size=256,
        num_iterations=1,
        optimizer="adam",
        learning_rate=0.01,
        normalize=True,
        seed=0,
    )
    tracemalloc.start()
    try:
        on_disk = NetworkClassifier(**settings).fit(mapped, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < X.nbytes / 2
    in_memory = NetworkClassifier(**settings).fit(X, y)
    for key, value in in_memory.parameters_.items():
        np.testing.assert_array_equal(on_disk.parameters_[key], value)


def test_a_large_prediction_goes_by_chunks_of_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(300, 10)), rng.integers(0, 3, 300)
    net = NetworkClassifier(hidden_layers=(5,), num_iterations=20, normalize=True, seed=0)
    whole = net.fit(X, y).predict_proba(X)
    monkeypatch.setattr(dnn.network, "PREDICTION_ELEMENTS", 70)  # chunks of 7 rows
    chunked = net.predict_proba(X)
    assert chunked.shape == (300, 3)
    np.testing.assert_allclose(chunked, whole, rtol=1e-12, atol=0)
