"""The training loop: forward, cost, backward, update, repeated `num_iterations` times.

It computes what `forward`, `backward` and the updates of `dnn.core` and `dnn.optimizers`
compute (a test holds it to that), but in buffers allocated once before the first iteration
and updated in place, because allocating and freeing the temporaries of every step costs
more than the arithmetic on small and medium shapes (the freed memory goes back to the
operating system and is faulted in again at the next step). Other savings, each a pass over
an (n[l], m) or (n[l], n[l-1]) array:

- the 1/m is applied once to dZ[L] (every gradient below it is linear in it), and with `gd`
  so is α: the buffers then hold α dW[l] and α db[l], and the update is one subtraction;
- db[l] = dZ[l] @ ones (a BLAS matrix-vector product) rather than a row sum;
- g' is computed from A, so Z is never kept, and dA[0] (which nothing uses) is skipped;
- dA[l] and dZ[l] live in two buffers used in turn: dZ[l] is dead once dW[l], db[l] and
  dA[l-1] are out, and its buffer is then the activation's scratch.

Costs: cross-entropy for a sigmoid or softmax output, the squared error (1/2m) sum (AL - Y)^2
for a linear output (`loss="mse"`, regression, one or several targets); both start the backward
pass from dZ[L] = AL - Y, so only the recorded cost tells them apart.

Optimizers: `gd`, `momentum` (beta1) and `adam` (beta1, beta2, epsilon), with the step size
α / (1 + decay_rate i) in iteration i (learning-rate decay; gd's folded α follows it); L2 `lambd`;
inverted dropout (`keep_prob` for the hidden layers, `input_keep_prob` for the features, a
fresh mask per step, drawn as `dnn.dropout.dropout_masks` draws it); mini-batches of
`mini_batch_size` examples, reshuffled every epoch (with mini-batches one iteration is one
epoch, i.e. one pass over the training set).

The training set is X (n_x, m), or `Rows`: the examples as the caller holds them, rows
(m, n_x) (a memory-mapped file, say), with the standardization to apply. Mini-batches are then
gathered, standardized and transposed one batch at a time into a buffer, and the whole set is
never copied; with a single batch it is transposed once (in chunks of rows), because the
matrix products of every iteration want the (n_x, m) layout.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from dnn.activations import ACTIVATION_BACKWARD, ACTIVATIONS, check_loss
from dnn.buffers import Buffers, Views
from dnn.core import check_activations, compute_cost, l2_cost, make_rng
from dnn.dropout import draw_mask, layer_keep_probs
from dnn.hyperparameters import HYPERPARAMETERS, check_hyperparameter
from dnn.optimizers import OPTIMIZERS, InPlaceOptimizer, update_lr
from dnn.rows import Rows
from dnn.types import Array, Parameters, layer_dims_of, num_layers

Callback = Callable[[int, float], object]


class TrainingDiverged(FloatingPointError):  # noqa: N818 (public, callers catch it)
    """The cost or a gradient became NaN or infinite."""

    def __init__(self, iteration: int, cost: float, what: str | None = None) -> None:
        """Say where training diverged.

        Args:
            iteration: the iteration (epoch) that diverged.
            cost: the cost then (NaN or infinite, or NaN when a gradient was).
            what: what diverged, when not the cost.
        """
        super().__init__(f"training diverged at iteration {iteration}: {what or f'cost is {cost}'}")
        self.iteration = iteration
        self.cost = cost


class TrainResult(NamedTuple):
    """What `train` returns."""

    parameters: Parameters
    costs: list[tuple[int, float]]  # (iteration, cost) every `cost_every` iterations and last
    iterations: int  # how many iterations ran
    stopped_early: bool  # the callback asked to stop


def _forward_step(
    X: Array,
    parameters: Parameters,
    activations: Sequence[str],
    views: Views,
    keeps: Sequence[float],
    rng: np.random.Generator,
) -> Array:
    """A[l] = g[l](W[l] A[l-1] + b[l]) for l = 1..L, in the buffers; returns AL (n[L], m).

    With dropout, layer l sees A[l-1] * mask[l-1], a mask drawn anew for this step.
    """
    L = len(activations)
    A_prev = X
    for l in range(1, L + 1):
        mask = views.mask[l - 1]
        if mask is not None:
            draw_mask(rng, keeps[l - 1], mask)
            A_prev = np.multiply(A_prev, mask, out=views.dropped[l - 1])
        Z = views.A[l]
        np.matmul(parameters[f"W{l}"], A_prev, out=Z)  # (n_l, m)
        Z += parameters[f"b{l}"]
        ACTIVATIONS[activations[l - 1]](Z, out=Z, work=views.work[l])
        A_prev = Z
    return A_prev


def _backward_update_step(
    X: Array,
    Y: Array,
    parameters: Parameters,
    activations: Sequence[str],
    buf: Buffers,
    views: Views,
    optimizer: InPlaceOptimizer,
    learning_rate: float,
    l2: float,
) -> bool:
    """Backward pass from dZ[L] = (AL - Y) / m, updating each layer once its dA[l-1] is out.

    With `gd`, dZ[L] and so every gradient below it also carry the factor α. `l2` is λ / m
    for the m examples of the whole training set (not of the batch), so that every batch
    descends the same cost J = loss + (λ / 2m) sum ||W[l]||^2 (cross-entropy or squared error,
    whose dZ[L] are both AL - Y).

    Returns:
        True when the gradients are finite (checked on db[L] and db[1], which every NaN reaches).
    """
    L = len(activations)
    m = views.ones.shape[0]
    dZ = views.D[L]
    np.subtract(views.A[L], Y, out=dZ)
    dZ *= (
        optimizer.gradient_scale(learning_rate) / m
    )  # (n_L, m); the 1/m (and gd's α) of everything below
    optimizer.t += 1
    finite = True
    for l in range(L, 0, -1):
        A_prev = _layer_input(X, views, l)
        W, b, dW, db = parameters[f"W{l}"], parameters[f"b{l}"], buf.dW[l], buf.db[l]
        np.matmul(dZ, A_prev.T, out=dW)  # (n_l, n_{l-1}); A_prev.T goes to BLAS transposed
        np.matmul(dZ, views.ones, out=buf.db_column[l])  # (n_l,), the row sums of dZ
        if l in (1, L):
            finite = finite and bool(np.isfinite(db).all())
        if l > 1:
            dZ = _dZ_prev(W, dZ, activations[l - 2], views, l - 1)
        optimizer.step(W, dW, f"W{l}", learning_rate, l2)
        optimizer.step(b, db, f"b{l}", learning_rate)
    return finite


def _layer_input(X: Array, views: Views, l: int) -> Array:
    """What layer l multiplied by W[l]: A[l-1], masked when A[l-1] has dropout."""
    dropped = views.dropped[l - 1]
    if dropped is not None:
        return dropped
    return X if l == 1 else views.A[l - 1]


def _dZ_prev(W: Array, dZ: Array, activation: str, views: Views, l: int) -> Array:
    """dZ[l] = (W[l+1].T dZ[l+1]) * mask[l] * g'[l], in D[l]; W[l+1] must not be updated yet."""
    dA = views.D[l]
    np.matmul(W.T, dZ, out=dA)  # (n_l, m)
    mask = views.mask[l]
    if mask is not None:
        dA *= mask
    # dZ[l+1] is dead now: its buffer is the scratch
    return ACTIVATION_BACKWARD[activation](dA, views.A[l], out=dA, work=views.work[l])


def _batches(m: int, size: int | None) -> list[tuple[int, int]]:
    size = m if size is None or size >= m else size
    return [(start, min(start + size, m)) for start in range(0, m, size)]


class _Settings(NamedTuple):
    """`train`'s hyperparameters, each checked (and made a plain value) by its rule."""

    learning_rate: float
    num_iterations: int
    optimizer: str
    beta1: float
    beta2: float
    epsilon: float
    mini_batch_size: int | None
    lambd: float
    decay_rate: float
    cost_every: int

    @classmethod
    def checked(cls, **values: Any) -> _Settings:
        """Raises ValueError `<name> must be ..., got ...` for the first value a rule refuses."""
        return cls(**{name: check_hyperparameter(name, value) for name, value in values.items()})


def train(
    X: Array | Rows,
    Y: Array,
    parameters: Parameters,
    activations: Sequence[str],
    *,
    learning_rate: float,
    num_iterations: int,
    loss: str | None = None,
    optimizer: str = "gd",
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    mini_batch_size: int | None = None,
    lambd: float = 0.0,
    decay_rate: float = 0.0,
    keep_prob: float = 1.0,
    input_keep_prob: float = 1.0,
    rng: np.random.Generator | int | None = None,
    callback: Callback | None = None,
    cost_every: int = 100,
    inplace: bool = False,
) -> TrainResult:
    """Learn W[l], b[l] by `num_iterations` passes of forward, backward and update.

    Args:
        X: (n_x, m), in the parameters' dtype, or `Rows` (m, n_x) in that dtype, which are
            standardized and transposed a batch at a time.
        Y: (n[L], m), 0/1 (one-hot when n[L] > 1), or real targets for regression.
        parameters: the starting W1..WL, b1..bL; left unchanged (a copy is trained) unless
            `inplace`.
        activations: one name per layer 1..L; the last is sigmoid or softmax (classification)
            or linear (regression).
        learning_rate: α >= 0 (0 changes nothing).
        num_iterations: passes over the training set.
        loss: `cross_entropy` (None, the default) for a sigmoid or softmax output, `mse` (the
            squared error) for a linear output; any other pairing is refused.
        optimizer: `gd`, `momentum` or `adam`.
        beta1: momentum's β, Adam's β1.
        beta2: Adam's β2.
        epsilon: Adam's ε.
        mini_batch_size: examples per step; None (or >= m) for full batch.
        lambd: L2 regularization strength λ >= 0.
        decay_rate: learning-rate decay: iteration (epoch) i steps with
            α / (1 + decay_rate i), the notes' `update_lr`; 0 keeps α constant.
        keep_prob: inverted dropout: the probability, in (0, 1], that a hidden unit is kept
            in a step (1: no dropout).
        input_keep_prob: the same for an input feature.
        rng: shuffles the mini-batches and draws the dropout masks (a Generator or a seed).
        callback: called as `callback(iteration, cost)` at every recorded cost; returning
            True stops training after that iteration; an exception it raises propagates.
        cost_every: record the cost every `cost_every` iterations (and at the last one).
        inplace: train the arrays of `parameters` themselves instead of a copy, so that a
            callback holding that dict sees the current W and b (the estimator uses this).

    Returns:
        A `TrainResult` with the trained parameters and the recorded costs.

    Raises:
        ValueError: for a hyperparameter its rule in `dnn.hyperparameters` refuses (naming
            it), bad activations, a loss that does not fit the output activation, or X and Y
            without the same m > 0 examples or Y without n[L] rows.
        TrainingDiverged: as soon as the cost or the gradients are NaN or infinite.
    """
    settings = _Settings.checked(
        learning_rate=learning_rate,
        num_iterations=num_iterations,
        optimizer=optimizer,
        beta1=beta1,
        beta2=beta2,
        epsilon=epsilon,
        mini_batch_size=mini_batch_size,
        lambd=lambd,
        decay_rate=decay_rate,
        cost_every=cost_every,
    )
    L = num_layers(parameters)
    activations = check_activations(activations, L)
    loss = check_loss(loss, activations[-1])
    keeps = layer_keep_probs(L, keep_prob, input_keep_prob)
    if X.shape[1] == 0 or Y.shape[1] != X.shape[1]:
        raise ValueError(f"X has {X.shape[1]} examples and Y {Y.shape[1]}: need the same m > 0")
    n_L = parameters[f"W{L}"].shape[0]
    if Y.shape[0] != n_L:
        raise ValueError(f"Y must have n[L] = {n_L} rows (one per output unit), got {Y.shape[0]}")
    params = parameters if inplace else {key: value.copy() for key, value in parameters.items()}
    return _Loop(X, Y, params, activations, keeps, settings, loss).run(make_rng(rng), callback)


# The keyword arguments of `train` that are hyperparameters (have a rule): the estimator passes
# these from its own checked hyperparameters, so a new one needs no new line there.
TRAIN_HYPERPARAMETERS = tuple(
    name for name in inspect.signature(train).parameters if name in HYPERPARAMETERS
)


class _Loop:
    """One training run: the data, the buffers and the optimizer's state, allocated once."""

    def __init__(
        self,
        X: Array | Rows,
        Y: Array,
        params: Parameters,
        activations: list[str],
        keeps: list[float],
        settings: _Settings,
        loss: str,
    ) -> None:
        self.m = X.shape[1]
        self.batches = _batches(self.m, settings.mini_batch_size)
        if isinstance(X, Rows) and len(self.batches) == 1:
            X = X.columns()  # full batch: every product wants (n_x, m), so it is made once
        self.X, self.Y, self.params, self.activations = X, Y, params, activations
        self.keeps, self.settings, self.loss = keeps, settings, loss
        layer_dims = layer_dims_of(params)  # [n_x, n1, ..., nL]
        first = self.batches[0][1] - self.batches[0][0]
        dtype = params["W1"].dtype
        self.buf = Buffers(layer_dims, first, dtype, keeps)
        self.views = {stop - start: self.buf.views(stop - start) for start, stop in self.batches}
        optimizer = OPTIMIZERS[settings.optimizer]
        self.optimizer = optimizer(params, settings.beta1, settings.beta2, settings.epsilon)
        self.shuffled = (X, Y)
        self.batch_X: dict[int, Array] = {}  # a batch of k rows, transposed: (n_x, k), by k
        if len(self.batches) > 1:
            if isinstance(X, Rows):
                space = np.empty(layer_dims[0] * first, dtype)
                for k in self.views:
                    self.batch_X[k] = space[: layer_dims[0] * k].reshape(layer_dims[0], k)
                self.shuffled = (X, np.empty_like(Y))
            else:
                self.shuffled = (np.empty_like(X), np.empty_like(Y))

    def run(self, rng: np.random.Generator, callback: Callback | None) -> TrainResult:
        """The epochs i = 0..num_iterations-1, recording the cost every `cost_every`."""
        num_iterations, cost_every = self.settings.num_iterations, self.settings.cost_every
        costs: list[tuple[int, float]] = []
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for i in range(num_iterations):
                record = i % cost_every == 0 or i == num_iterations - 1
                cost = self.epoch(i, rng, record)
                if record:
                    if not np.isfinite(cost):
                        raise TrainingDiverged(i, cost)
                    costs.append((i, cost))
                    if callback is not None and _asks_to_stop(callback(i, cost)):
                        return TrainResult(self.params, costs, i + 1, True)
        return TrainResult(self.params, costs, num_iterations, False)

    def epoch(self, i: int, rng: np.random.Generator, record: bool) -> float:
        """One pass over the training set; returns J when `record`, else 0.

        J is summed from each batch's share of it, at the parameters that batch saw.
        """
        m, lambd = self.m, self.settings.lambd
        learning_rate = update_lr(self.settings.learning_rate, i, self.settings.decay_rate)
        Xs, Ys, order = _epoch_data(self.X, self.Y, self.shuffled, rng, len(self.batches) > 1)
        cost = 0.0
        for start, stop in self.batches:
            Yb, mb = Ys[:, start:stop], stop - start
            if isinstance(Xs, Rows):
                assert order is not None  # rows are read in a shuffled order
                Xb = Xs.gather(order[start:stop], self.batch_X[mb])
            else:
                Xb = Xs[:, start:stop]
            views = self.views[mb]
            AL = _forward_step(Xb, self.params, self.activations, views, self.keeps, rng)
            if record:
                J = compute_cost(AL, Yb, loss=self.loss)
                cost += (J + l2_cost(self.params, lambd, m)) * mb / m
            step = (self.params, self.activations, self.buf, views, self.optimizer)
            if not _backward_update_step(Xb, Yb, *step, learning_rate, lambd / m):
                raise TrainingDiverged(i, float("nan"), "the gradients are not finite")
        return cost


def _asks_to_stop(answer: object) -> bool:
    """A callback stops training by returning True (Python's or numpy's), nothing else."""
    return isinstance(answer, bool | np.bool_) and bool(answer)


def _epoch_data(
    X: Array | Rows,
    Y: Array,
    shuffled: tuple[Array | Rows, Array],
    rng: np.random.Generator,
    shuffle: bool,
) -> tuple[Array | Rows, Array, NDArray[np.intp] | None]:
    """The training set in this epoch's order, and the order.

    Shuffled into reused buffers for mini-batches (`Rows` stay where they are; each batch
    gathers its own).
    """
    if not shuffle:
        return X, Y, None
    permutation = rng.permutation(X.shape[1])
    if not isinstance(X, Rows):
        assert not isinstance(shuffled[0], Rows)
        np.take(X, permutation, axis=1, out=shuffled[0])
    np.take(Y, permutation, axis=1, out=shuffled[1])
    return shuffled[0], shuffled[1], permutation
