"""Each hyperparameter's rule, declared once: its type, bounds, choices and default.

The notes call hyperparameters what is chosen outside training (α, #iterations, L, n[l], g[l],
and later mini-batch size, momentum/Adam, regularization, initialization). Like scikit-learn's
`_parameter_constraints`, this table is the one place that says what values each may take:
the estimator, the functional core, the training loop and the study spec (in `search`) all
validate through `check_hyperparameter`, so a rule, or a new hyperparameter, is one entry here.

`tunable` marks what a study may search over (a key of a study file's `[space]`); `symbol` is
the course's notation, for reports. The choices of `activation`, `optimizer` and `init` are the
keys of their tables (`ACTIVATIONS`' hidden ones, `OPTIMIZERS`, `INITIALIZATIONS`), and those
of `scaling` and `target_scale` the names their modules list (`SCALINGS`, `TARGET_SCALES`), so a
new one is one entry there; those modules never import this one. `task` marks a
hyperparameter of one task's networks (`target_scale`, a regressor's): the other task's
networks take it too, for one constructor for both, but only at its default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dnn.activations import HIDDEN_ACTIVATIONS
from dnn.initialization import INITIALIZATIONS
from dnn.optimizers import OPTIMIZERS
from dnn.scaling import SCALINGS
from dnn.target_scale import TARGET_SCALES

DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class Rule:
    """What one hyperparameter may be.

    Args:
        kind: `int`, `float` or `choice`.
        default: the estimator's default.
        low, high: bounds of a number (None: unbounded); `low_open` / `high_open` exclude them.
        choices: the allowed values of a `choice`.
        none_ok: None is allowed too (mini_batch_size: the whole training set).
        tunable: a study's search space may hold it.
        symbol: the course's notation, for reports.
        task: the one task whose networks use it (`regression`), or None for both.
    """

    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[Any, ...] = ()
    none_ok: bool = False
    tunable: bool = True
    symbol: str = ""
    task: str | None = None

    def expected(self) -> str:
        """What a valid value is, in words: `a number in (0, 1]`, `one of gd, momentum, adam`."""
        if self.kind == "choice":
            return f"one of {', '.join(map(str, self.choices))}"
        what = "an integer" if self.kind == "int" else "a number"
        if self.low is not None and self.high is not None:
            left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
            return f"{what} in {left}{self.low:g}, {self.high:g}{right}"
        if self.low is not None:
            return f"{what} {'>' if self.low_open else '>='} {self.low:g}"
        if self.high is not None:
            return f"{what} {'<' if self.high_open else '<='} {self.high:g}"
        return what

    def problem(self, value: Any) -> str | None:
        """None when `value` is allowed, else `must be <expected>, got <value>`."""
        if value is None and self.none_ok:
            return None
        if not self._allows(value):
            return f"must be {self.expected()}{', or None' if self.none_ok else ''}, got {value!r}"
        return None

    def _allows(self, value: Any) -> bool:
        if self.kind == "choice":
            return isinstance(value, str | int | float) and value in self.choices
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if not math.isfinite(value) or (self.kind == "int" and int(value) != value):
            return False
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        return self.high is None or (
            value < self.high or (not self.high_open and value == self.high)
        )

    def normalize(self, value: Any) -> Any:
        """The value as a plain Python int, float or str (numpy scalars included)."""
        if value is None or self.kind == "choice":
            return value.item() if hasattr(value, "item") else value
        return int(value) if self.kind == "int" else float(value)


# Upper bounds of the counts: far above any network this library trains, low enough that a
# typo (1e300 iterations, a million layers) is refused by name instead of running forever.
MAX_COUNT = 10**12
MAX_LAYERS = 1_000
MAX_UNITS = 1_000_000
MAX_BINS = 256  # `numeric_bins`: far more than a network needs (`dnn.columns.Numeric`)

HYPERPARAMETERS: dict[str, Rule] = {
    "learning_rate": Rule("float", 0.0075, low=0, symbol="α"),
    "num_iterations": Rule("int", 2500, low=0, high=MAX_COUNT, symbol="#iterations"),
    "n_hidden": Rule("int", 3, low=0, high=MAX_LAYERS, symbol="L - 1 (hidden layers)"),
    "n_units": Rule("int", 20, low=1, high=MAX_UNITS, symbol="n[l] (units of a hidden layer)"),
    "activation": Rule("choice", "relu", choices=HIDDEN_ACTIVATIONS, symbol="g[l] (hidden layers)"),
    "optimizer": Rule(
        "choice", "gd", choices=tuple(OPTIMIZERS), symbol="optimizer (gd, momentum β, Adam)"
    ),
    "mini_batch_size": Rule(
        "int", None, low=1, high=MAX_COUNT, none_ok=True, symbol="mini-batch size"
    ),
    "lambd": Rule("float", 0.0, low=0, symbol="λ (L2)"),
    "decay_rate": Rule(
        "float", 0.0, low=0, symbol="decay_rate (α = α0 / (1 + decay_rate · epoch))"
    ),
    "keep_prob": Rule(
        "float", 1.0, low=0, high=1, low_open=True, symbol="keep_prob (dropout, hidden layers)"
    ),
    "input_keep_prob": Rule(
        "float", 1.0, low=0, high=1, low_open=True, symbol="keep_prob of A[0] (input dropout)"
    ),
    "init": Rule("choice", "he", choices=tuple(INITIALIZATIONS), symbol="initialization of W[l]"),
    "scaling": Rule(
        "choice", "standard", choices=SCALINGS, symbol="input scaling (standard, robust, quantile)"
    ),
    "numeric_bins": Rule(
        "int", 0, low=0, high=MAX_BINS, symbol="numeric bins (piecewise-linear, of a table)"
    ),
    "target_scale": Rule(
        "choice", "standard", choices=TARGET_SCALES, task="regression", symbol="target scale"
    ),
    "beta1": Rule("float", 0.9, low=0, high=1, high_open=True, tunable=False, symbol="β1"),
    "beta2": Rule("float", 0.999, low=0, high=1, high_open=True, tunable=False, symbol="β2"),
    "epsilon": Rule("float", 1e-8, low=0, low_open=True, tunable=False, symbol="ε (Adam)"),
    "dtype": Rule("choice", "float64", choices=DTYPES, tunable=False),
    "cost_every": Rule("int", 100, low=1, high=MAX_COUNT, tunable=False),
}

TUNABLE = tuple(name for name, rule in HYPERPARAMETERS.items() if rule.tunable)


def check_hyperparameter(name: str, value: Any) -> Any:
    """Return `value` as a plain Python value if `name` allows it, else raise ValueError.

    Raises:
        ValueError: `<name> must be <what is allowed>, got <value>` (one line), or for an
            unknown name.
    """
    rule = HYPERPARAMETERS.get(name)
    if rule is None:
        raise ValueError(f"unknown hyperparameter {name!r}")
    value = _plain(value)
    problem = rule.problem(value)
    if problem is not None:
        raise ValueError(f"{name} {problem}")
    return rule.normalize(value)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python one (np.int64(3) is not an `int`), so the rules see it."""
    if (
        type(value).__module__ == "numpy"
        and hasattr(value, "item")
        and getattr(value, "ndim", 1) == 0
    ):
        return value.item()
    return value
