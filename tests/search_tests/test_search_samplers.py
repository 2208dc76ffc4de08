"""Samplers: TPE with scipy's log_ndtr (the same samples as Optuna's own), grid values."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from search import StudySpec, _optuna
from search._optuna import _vectorized_log_ndtr

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture
def optuna_log_ndtr():
    """Optuna's own element-by-element log_ndtr in TPE; whatever TPE had is restored after."""
    before = _optuna.tpe_log_ndtr()
    _optuna.uninstall_fast_tpe()
    own = _optuna.tpe_log_ndtr()
    assert own is not _vectorized_log_ndtr
    yield lambda a: np.asarray(own(a), dtype=float)
    if before is _vectorized_log_ndtr:
        _optuna.install_fast_tpe()
    else:
        _optuna.uninstall_fast_tpe()


def test_vectorized_log_ndtr_matches_optunas_across_both_tails(optuna_log_ndtr):
    x = np.concatenate([np.linspace(-40, 40, 4001), [-1e3, -25.5, -20.0, 6.0, 8.5, 37.0]])
    # Near 0 (x of 4 to 6) Optuna's log(1 - tiny) keeps ~1e-16 absolute, not relative, accuracy.
    np.testing.assert_allclose(_vectorized_log_ndtr(x), optuna_log_ndtr(x), rtol=1e-12, atol=1e-15)
    assert _vectorized_log_ndtr(np.array(3.0)).shape == ()


def _tpe_params(n_trials):
    def objective(trial):
        n = trial.suggest_int("n_hidden", 1, 3)
        units = [trial.suggest_int(f"n_{layer}", 4, 256, log=True) for layer in range(1, n + 1)]
        lr = trial.suggest_float("learning_rate", 1e-4, 1.0, log=True)
        it = trial.suggest_int("num_iterations", 20, 200, step=20)
        act = trial.suggest_categorical("activation", ["relu", "tanh"])
        return -abs(np.log10(lr) + 2) - abs(sum(units) - 100) / 100 - it / 1e3 - (act == "tanh")

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=1))
    study.optimize(objective, n_trials=n_trials)
    return [t.params for t in study.trials]


def test_tpe_samples_the_same_trials_with_either_function(optuna_log_ndtr):
    own = _tpe_params(40)
    assert _optuna.install_fast_tpe()
    assert _optuna.tpe_log_ndtr() is _vectorized_log_ndtr
    fast = _tpe_params(40)
    assert len(own) == len(fast)
    for a, b in zip(own, fast, strict=True):
        assert a.keys() == b.keys()
        for key, value in a.items():
            if isinstance(value, str):  # a categorical choice
                assert value == b[key], key
            else:
                assert value == pytest.approx(b[key], rel=1e-9), key


def test_grid_values_stay_inside_their_range():
    """np.arange(0.3, 1.05, 0.1) ends at 1.0000000000000002, a keep_prob the network refuses
    (the whole run stopped on it); 0.5..1.0 ended at 0.9999999999999999, still dropping."""
    spec = StudySpec.from_dict(
        {
            "name": "g",
            "dataset": "moons",
            "sampler": "grid",
            "space": {
                "learning_rate": [0.1],
                "n_hidden": 1,
                "n_units": [8, 16],
                "activation": "relu",
                "optimizer": "adam",
                "keep_prob": {"low": 0.3, "high": 1.0, "step": 0.1},
                "input_keep_prob": {"low": 0.5, "high": 1.0, "step": 0.1},
                "num_iterations": {"low": 20, "high": 100, "step": 40},
            },
        }
    )
    grid = spec.space.grid()
    assert grid["keep_prob"] == pytest.approx([0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    assert max(grid["keep_prob"]) == 1.0 and max(grid["input_keep_prob"]) == 1.0
    assert grid["num_iterations"] == [20, 60, 100]


def test_making_a_sampler_leaves_optunas_tpe_alone(optuna_log_ndtr):
    """The faster log Phi is installed by an explicit call only, not as a side effect."""
    from search.samplers import make_sampler

    before = _optuna.tpe_log_ndtr()
    make_sampler(StudySpec.from_dict({"name": "t", "dataset": "moons", "sampler": "tpe"}))
    assert _optuna.tpe_log_ndtr() is before


def test_optunas_private_names_are_all_still_there():
    missing = _optuna.missing_private_names()
    assert not missing, (
        f"this Optuna ({optuna.__version__}) moved private names that search/_optuna.py uses: "
        f"{', '.join(missing)}; update search/_optuna.py (the only file that uses them)"
    )
