"""The training loop: forward, cost, backward, update, repeated `num_iterations` times.

It computes exactly what `forward`, `backward` and `update_parameters` of `dnn.core` compute
(a test holds it to that), but in buffers allocated once before the first iteration and
updated in place, because allocating and freeing the temporaries of every step costs more
than the arithmetic on small and medium shapes (page faults; see PERFORMANCE.md). Other
savings: the 1/m is applied once to dZ[L] (every gradient below it is linear in it), g' is
computed from A so Z is never kept, and dA[0] (which nothing uses) is skipped.

Optimizers: `gd`, `momentum` (beta1) and `adam` (beta1, beta2, epsilon); L2 strength `lambd`;
mini-batches of `mini_batch_size` examples, reshuffled every epoch (with mini-batches one
iteration is one epoch, i.e. one pass over the training set).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from dnn.activations import ACTIVATION_BACKWARD, ACTIVATIONS
from dnn.core import check_activations, compute_cost, l2_cost, make_rng
from dnn.types import Array, Parameters, num_layers

OPTIMIZERS = ("gd", "momentum", "adam")

Callback = Callable[[int, float], object]


class TrainingDiverged(FloatingPointError):
    """The cost or a gradient became NaN or infinite."""

    def __init__(self, iteration: int, cost: float) -> None:
        super().__init__(f"training diverged at iteration {iteration}: cost is {cost}")
        self.iteration = iteration
        self.cost = cost


class TrainResult(NamedTuple):
    """What `train` returns."""

    parameters: Parameters
    costs: list[tuple[int, float]]  # (iteration, cost) every `cost_every` iterations and last
    iterations: int  # how many iterations ran
    stopped_early: bool  # the callback asked to stop


class _Buffers:
    """Everything one step writes, sized for batches of `m` examples and allocated once."""

    def __init__(self, layer_dims: Sequence[int], m: int, dtype: np.dtype) -> None:
        self.layer_dims = list(layer_dims)
        self.m = m
        size = max(self.layer_dims[1:]) * m
        self._A = [None] + [np.empty(n * m, dtype) for n in self.layer_dims[1:]]
        self._D = [None] + [np.empty(n * m, dtype) for n in self.layer_dims[1:]]
        self._work = np.empty(size, dtype)
        self.dW = [None] + [
            np.empty((n, n_prev), dtype) for n_prev, n in zip(self.layer_dims, self.layer_dims[1:])
        ]
        self.db = [None] + [np.empty((n, 1), dtype) for n in self.layer_dims[1:]]

    def A(self, l: int, m: int) -> Array:
        """A[l] for a batch of m <= self.m examples, (n[l], m), contiguous."""
        return self._A[l][: self.layer_dims[l] * m].reshape(self.layer_dims[l], m)

    def D(self, l: int, m: int) -> Array:
        """dA[l], turned in place into dZ[l], (n[l], m)."""
        return self._D[l][: self.layer_dims[l] * m].reshape(self.layer_dims[l], m)

    def work(self, l: int, m: int) -> Array:
        """Scratch shared by all layers, (n[l], m)."""
        return self._work[: self.layer_dims[l] * m].reshape(self.layer_dims[l], m)


class _Optimizer:
    """Updates W[l], b[l] in place from dW[l], db[l] (which it may overwrite)."""

    def __init__(
        self,
        name: str,
        parameters: Parameters,
        learning_rate: float,
        beta1: float,
        beta2: float,
        epsilon: float,
    ) -> None:
        if name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
        self.name = name
        self.learning_rate, self.beta1, self.beta2, self.epsilon = (
            learning_rate, beta1, beta2, epsilon,
        )
        self.t = 0
        zeros = {key: np.zeros_like(value) for key, value in parameters.items()}
        self.v = zeros if name != "gd" else {}
        self.s = {key: np.zeros_like(value) for key, value in parameters.items()} if name == "adam" else {}
        self.tmp = {key: np.empty_like(value) for key, value in parameters.items()} if name == "adam" else {}

    def step(self, param: Array, grad: Array, key: str) -> None:
        """param -= the optimizer's step for grad (grad is overwritten)."""
        if self.name == "gd":
            grad *= self.learning_rate
            param -= grad
        elif self.name == "momentum":
            v = self.v[key]
            v *= self.beta1
            grad *= 1 - self.beta1
            v += grad
            np.multiply(v, self.learning_rate, out=grad)
            param -= grad
        else:
            self._adam_step(param, grad, key)

    def _adam_step(self, param: Array, grad: Array, key: str) -> None:
        v, s, tmp = self.v[key], self.s[key], self.tmp[key]
        np.subtract(grad, v, out=tmp)
        tmp *= 1 - self.beta1
        v += tmp  # v = beta1 v + (1 - beta1) g
        np.multiply(grad, grad, out=tmp)
        tmp -= s
        tmp *= 1 - self.beta2
        s += tmp  # s = beta2 s + (1 - beta2) g^2
        np.sqrt(s, out=tmp)
        tmp *= 1 / np.sqrt(1 - self.beta2**self.t)
        tmp += self.epsilon
        np.divide(v, tmp, out=tmp)
        tmp *= self.learning_rate / (1 - self.beta1**self.t)
        param -= tmp


def _forward_step(
    X: Array, parameters: Parameters, activations: Sequence[str], buf: _Buffers, m: int
) -> Array:
    """A[l] = g[l](W[l] A[l-1] + b[l]) for l = 1..L, in buf; returns AL (n[L], m)."""
    A_prev = X
    for l in range(1, len(activations) + 1):
        Z = buf.A(l, m)
        np.matmul(parameters[f"W{l}"], A_prev, out=Z)  # (n_l, m)
        Z += parameters[f"b{l}"]
        ACTIVATIONS[activations[l - 1]](Z, out=Z, work=buf.work(l, m))
        A_prev = Z
    return A_prev


def _backward_update_step(
    X: Array,
    Y: Array,
    parameters: Parameters,
    activations: Sequence[str],
    buf: _Buffers,
    m: int,
    optimizer: _Optimizer,
    lambd: float,
) -> bool:
    """Backward pass from dZ[L] = (AL - Y) / m, updating each layer once its dA[l-1] is out.

    Returns:
        True when the gradients are finite (checked on db[L] and db[1], which every NaN reaches).
    """
    L = len(activations)
    dZ = buf.D(L, m)
    np.subtract(buf.A(L, m), Y, out=dZ)
    dZ *= 1 / m  # (n_L, m); the 1/m of every dW and db below
    optimizer.t += 1
    finite = True
    for l in range(L, 0, -1):
        A_prev = X if l == 1 else buf.A(l - 1, m)
        W, b, dW, db = parameters[f"W{l}"], parameters[f"b{l}"], buf.dW[l], buf.db[l]
        np.matmul(dZ, A_prev.T, out=dW)
        np.sum(dZ, axis=1, keepdims=True, out=db)
        if l in (1, L):
            finite = finite and bool(np.isfinite(db).all())
        if lambd:
            dW += (lambd / m) * W
        if l > 1:
            dA_prev = buf.D(l - 1, m)
            np.matmul(W.T, dZ, out=dA_prev)  # (n_{l-1}, m), before W[l] changes
            ACTIVATION_BACKWARD[activations[l - 2]](
                dA_prev, buf.A(l - 1, m), out=dA_prev, work=buf.work(l - 1, m)
            )
            dZ = dA_prev
        optimizer.step(W, dW, f"W{l}")
        optimizer.step(b, db, f"b{l}")
    return finite


def _batches(m: int, size: int | None) -> list[tuple[int, int]]:
    size = m if size is None or size >= m else size
    return [(start, min(start + size, m)) for start in range(0, m, size)]


def train(
    X: Array,
    Y: Array,
    parameters: Parameters,
    activations: Sequence[str],
    *,
    learning_rate: float,
    num_iterations: int,
    optimizer: str = "gd",
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    mini_batch_size: int | None = None,
    lambd: float = 0.0,
    rng: np.random.Generator | int | None = None,
    callback: Callback | None = None,
    cost_every: int = 100,
) -> TrainResult:
    """Learn W[l], b[l] by `num_iterations` passes of forward, backward and update.

    Args:
        X: (n_x, m), in the parameters' dtype. Y: (n[L], m), 0/1 (one-hot when n[L] > 1).
        parameters: the starting W1..WL, b1..bL; left unchanged (a copy is trained).
        activations: one name per layer 1..L; the last is sigmoid or softmax.
        learning_rate: α > 0 (0 is allowed and changes nothing).
        num_iterations: passes over the training set.
        optimizer, beta1, beta2, epsilon: `gd`, `momentum` or `adam` and their constants.
        mini_batch_size: examples per step; None (or >= m) for full batch.
        lambd: L2 regularization strength λ >= 0.
        rng: shuffles the mini-batches (a Generator or a seed).
        callback: called as `callback(iteration, cost)` at every recorded cost; returning
            True stops training after that iteration; an exception it raises propagates.
        cost_every: record the cost every `cost_every` iterations (and at the last one).

    Returns:
        A `TrainResult` with the trained parameters and the recorded costs.

    Raises:
        TrainingDiverged: as soon as the cost or the gradients are NaN or infinite.
    """
    L = num_layers(parameters)
    activations = check_activations(activations, L)
    if num_iterations < 0 or cost_every < 1:
        raise ValueError("num_iterations must be >= 0 and cost_every >= 1")
    params = {key: value.copy() for key, value in parameters.items()}
    dtype = params["W1"].dtype
    m = X.shape[1]
    layer_dims = [X.shape[0]] + [params[f"W{l}"].shape[0] for l in range(1, L + 1)]
    batches = _batches(m, mini_batch_size)
    buf = _Buffers(layer_dims, batches[0][1] - batches[0][0], dtype)
    opt = _Optimizer(optimizer, params, learning_rate, beta1, beta2, epsilon)
    shuffled = (np.empty_like(X), np.empty_like(Y)) if len(batches) > 1 else (X, Y)
    generator = make_rng(rng)
    costs: list[tuple[int, float]] = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i in range(num_iterations):
            Xs, Ys = _epoch_data(X, Y, shuffled, generator, len(batches) > 1)
            record = i % cost_every == 0 or i == num_iterations - 1
            epoch_cost = 0.0
            for start, stop in batches:
                Xb, Yb, mb = Xs[:, start:stop], Ys[:, start:stop], stop - start
                AL = _forward_step(Xb, params, activations, buf, mb)
                if record:
                    epoch_cost += compute_cost(AL, Yb) * mb / m + l2_cost(params, lambd, mb) * mb / m
                if not _backward_update_step(Xb, Yb, params, activations, buf, mb, opt, lambd):
                    raise TrainingDiverged(i, float("nan"))
            if record:
                if not np.isfinite(epoch_cost):
                    raise TrainingDiverged(i, epoch_cost)
                costs.append((i, epoch_cost))
                if callback is not None and callback(i, epoch_cost) is True:
                    return TrainResult(params, costs, i + 1, True)
    return TrainResult(params, costs, num_iterations, False)


def _epoch_data(
    X: Array, Y: Array, shuffled: tuple[Array, Array], rng: np.random.Generator, shuffle: bool
) -> tuple[Array, Array]:
    """The training set in this epoch's order: shuffled into reused buffers for mini-batches."""
    if not shuffle:
        return X, Y
    permutation = rng.permutation(X.shape[1])
    np.take(X, permutation, axis=1, out=shuffled[0])
    np.take(Y, permutation, axis=1, out=shuffled[1])
    return shuffled
