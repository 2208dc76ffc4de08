"""A regression target learned on a log scale (`target_scale="log"`, `dnn.target_scale`):
predicted and scored in its own units, saved and read back, a negative target refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import r2_score

from dnn import DeepNetwork, DeepNetworkRegressor, NetworkClassifier, NetworkRegressor, load
from dnn.target_scale import LOG_MAX, from_log, log_shift


def skewed(m: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Prices: y = exp(2 x0 + x1), spread over four orders of magnitude, all positive."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (m, 2))
    return X, np.exp(2 * X[:, 0] + X[:, 1])


def linear(**kwargs: Any) -> NetworkRegressor:
    """The course's week-2 model (no hidden layer), which a log target makes exact here."""
    settings = dict(num_iterations=600, learning_rate=0.05, optimizer="adam", seed=0)
    return NetworkRegressor((), normalize=True, **{**settings, **kwargs})


def test_a_skewed_positive_target_is_predicted_in_its_units() -> None:
    """log y is linear in x: on the log scale a linear network fits y in its own units
    (R^2 above 0.999); on the standard scale it cannot (the few large prices dominate)."""
    X, y = skewed()
    X_new, y_new = skewed(seed=1)
    log = linear(target_scale="log").fit(X, y)
    standard = linear().fit(X, y)
    predicted = log.predict(X_new)
    assert predicted.shape == y_new.shape and (predicted > 0).all()
    assert r2_score(y_new, predicted) > 0.999
    assert r2_score(y_new, standard.predict(X_new)) < 0.8
    np.testing.assert_allclose(predicted, y_new, rtol=0.05)
    assert log.y_shift_ == 0.0 and standard.y_shift_ is None


def noisy(m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """y = exp(x0 + e), e ~ N(0, 0.8): the mean of y given x is exp(x0 + 0.32), not exp(x0)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 2))
    return X, np.exp(X[:, 0] + rng.normal(scale=0.8, size=m))


def test_a_log_scale_prediction_is_smeared_to_the_mean_of_y() -> None:
    """Duan's smearing: exp of the mean log is the geometric mean, 27% below the mean here.

    On the training rows the mean of (y + shift) / (prediction + shift) is 1 (the estimate's
    defining property); on new rows the predictions' mean is that of y within sampling error,
    where the bare exp(t_hat) is about exp(-0.32) of it; the R^2 in y's units is higher.
    """
    X, y = noisy(2000, 0)
    X_new, y_new = noisy(20000, 1)
    net = linear(target_scale="log").fit(X, y)
    ratio = (y + net.y_shift_) / (net.predict(X) + net.y_shift_)
    assert np.mean(ratio) == pytest.approx(1.0, abs=1e-12)
    bare = np.exp(np.log(net.predict(X_new) + net.y_shift_) - (net.y_mean_ - np.log(y).mean()))
    assert np.mean(net.predict(X_new)) == pytest.approx(np.mean(y_new), rel=0.05)
    assert np.mean(bare) < 0.8 * np.mean(y_new)
    assert r2_score(y_new, net.predict(X_new)) > r2_score(y_new, bare) + 0.02


def test_calibrating_again_is_what_training_to_those_parameters_gave() -> None:
    """Early stopping sets parameters_ back by hand and calibrates: the network must be the one
    fit would have made with those parameters, bit for bit (a trial retrains from its record)."""
    X, y = noisy(300, 0)
    short = linear(target_scale="log", num_iterations=40).fit(X, y)
    long = linear(target_scale="log", num_iterations=400).fit(X, y)
    offset = short.y_mean_.copy()
    assert short.calibrate(X, y).y_mean_ == offset  # idempotent
    long.parameters_ = {key: value.copy() for key, value in short.parameters_.items()}
    assert long.y_mean_ != offset
    np.testing.assert_array_equal(long.calibrate(X, y).y_mean_, offset)
    np.testing.assert_array_equal(long.predict(X), short.predict(X))
    with pytest.raises(ValueError, match="^X has 300 rows but y has 299$"):
        short.calibrate(X, y[1:])
    with pytest.raises(ValueError, match="^target_scale 'log' needs targets >= 0: y row 3 is -"):
        short.calibrate(X, np.where(np.arange(300) == 3, -y, y))  # was: a NaN offset, silently
    assert short.y_mean_ == offset
    standard = linear(num_iterations=40).fit(X, y)
    assert standard.calibrate(X, y).y_mean_ == np.mean(y)  # nothing to learn on its scale


def test_an_output_far_from_every_target_is_smeared_without_overflow() -> None:
    """exp(t - t_hat) of 1e4 overflows; the log of its mean does not need it: a network whose
    output is one constant far below every log target predicts the mean of y."""
    X, y = noisy(50, 0)
    net = linear(target_scale="log", num_iterations=5).fit(X, y)
    net.parameters_ = {key: np.zeros_like(value) for key, value in net.parameters_.items()}
    net.parameters_["b1"][:] = -1e4
    net.calibrate(X, y)
    np.testing.assert_allclose(net.predict(X), np.mean(y), rtol=1e-9)


def test_the_score_is_in_the_targets_units() -> None:
    X, y = skewed()
    net = DeepNetworkRegressor((), num_iterations=200, learning_rate=0.05, optimizer="adam")
    net.set_params(normalize=True, target_scale="log", seed=0).fit(X, y)
    assert net.score(X, y) == pytest.approx(r2_score(y, net.predict(X)), abs=1e-15)


@pytest.mark.parametrize(
    ("y", "shift"),
    [
        ([0.5, 2.0, 7.0], 0.0),  # positive: a plain log
        ([0.0, 1.0, 3.0, 0.0], 1.0),  # counts: log1p
        ([0.0, 0.25, 4.0], 0.25),  # zeros, in other units: log(y + smallest positive)
        ([[0.0, 2.0], [0.0, 3.0], [0.0, 5.0]], [1.0, 0.0]),  # a column of zeros: log1p
    ],
)
def test_the_shift_handles_zeros_as_log1p_does_for_counts(y: list, shift: Any) -> None:
    found = log_shift(np.asarray(y, dtype=np.float64))
    np.testing.assert_array_equal(found, shift)
    assert found.shape == np.asarray(shift).shape


def test_a_target_with_zeros_is_learned_and_predicted_at_least_0() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 3))
    counts = rng.poisson(np.exp(X[:, 0]))
    net = linear(target_scale="log").fit(X, counts)
    assert net.y_shift_ == 1.0
    predicted = net.predict(np.vstack([X, [[-50.0, 0.0, 0.0]]]))
    assert (predicted >= 0).all() and predicted[-1] == 0.0  # exp(t) - 1 < 0 held at 0


def test_a_wild_output_gives_the_largest_float_not_inf() -> None:
    assert np.isfinite(from_log(np.array([LOG_MAX, 1e6]), np.array(0.0))).all()


@pytest.mark.parametrize("cls", [NetworkRegressor, DeepNetworkRegressor])
def test_a_negative_target_with_log_is_refused_in_one_line(cls: type) -> None:
    X, y = skewed(20)
    y[3] = -2.0
    with pytest.raises(ValueError) as error:
        cls((3,), target_scale="log").fit(X, y)
    assert str(error.value) == (
        "target_scale 'log' needs targets >= 0: y row 3 is -2 (use target_scale 'standard')"
    )


def test_a_tables_negative_target_is_named_by_its_row_label() -> None:
    X, y = skewed(20)
    frame = pd.DataFrame(X, columns=["a", "b"], index=pd.RangeIndex(2, 22, name="line"))
    y[5] = -1.5
    with pytest.raises(ValueError, match=r"^target_scale 'log' needs targets >= 0: y line 7 is"):
        NetworkRegressor((3,), target_scale="log").fit(frame, y)


@pytest.mark.parametrize("cls", [NetworkClassifier, DeepNetwork])
def test_a_classifier_takes_only_the_standard_target_scale(cls: type) -> None:
    X, y = skewed(20)
    with pytest.raises(ValueError) as error:
        cls((3,), target_scale="log").fit(X, y > 1)
    assert str(error.value) == (
        "target_scale applies to a regression network; a classification network takes only "
        "'standard', got 'log'"
    )
    cls((3,), num_iterations=2, target_scale="standard").fit(X, y > 1)


def test_a_log_target_is_saved_and_read_back(tmp_path: Path) -> None:
    X, y = skewed()
    Y = np.column_stack([y, np.where(X[:, 1] > 0, 0.0, y)])  # two targets, one with zeros
    net = linear(target_scale="log", num_iterations=50).fit(X, Y)
    path = net.save(tmp_path / "net.npz")
    loaded = load(path)
    assert loaded.target_scale == "log"
    np.testing.assert_array_equal(loaded.y_shift_, net.y_shift_)
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))


def _rewrite(path: Path, change: Any) -> Path:
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    meta = json.loads(str(arrays["meta"]))
    change(arrays, meta["config"])
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda a, c: a.pop("y_shift"),
            "target_scale is 'log' but the file has no array 'y_shift'",
        ),
        (lambda a, c: c.update(target_scale="standard"), "array 'y_shift' belongs to"),
        (lambda a, c: a.update(y_shift=np.array(-1.0)), "y_shift must be >= 0"),
        (lambda a, c: a.update(y_shift=np.zeros(2)), "y_shift has shape (2,) but y_mean ()"),
    ],
)
def test_a_bad_log_scale_in_a_file_is_refused_by_name(
    tmp_path: Path, change: Any, expected: str
) -> None:
    X, y = skewed()
    path = _rewrite(
        linear(target_scale="log", num_iterations=5).fit(X, y).save(tmp_path / "n"), change
    )
    with pytest.raises(ValueError) as error:
        NetworkRegressor.load(path)
    assert str(error.value).startswith(f"{path}: {expected}")
