"""The fast training loop `dnn.train` against the functional core and the course's optimizers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from dnn import (
    TrainingDiverged,
    TrainResult,
    backward,
    compute_cost,
    dropout_masks,
    forward,
    initialize_adam,
    initialize_parameters,
    initialize_velocity,
    train,
    update_lr,
    update_parameters,
    update_parameters_with_adam,
    update_parameters_with_momentum,
)
from dnn.activations import HIDDEN_ACTIVATIONS

LAYER_DIMS = [4, 5, 3]
Arrays = dict[str, np.ndarray]  # parameters, grads, v, s


def toy_problem(
    output: str = "sigmoid", m: int = 12, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, Arrays]:
    """A separable toy set X (4, m), Y (n[L], m) and parameters of [4, 5, 3, n[L]]."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((4, m))
    if output == "sigmoid":
        Y = (X[0] + 0.5 * X[1] > 0).astype(float)[np.newaxis, :]
    else:
        Y = np.eye(3)[:, np.argmax(rng.standard_normal((3, 4)) @ X, axis=0)]
    parameters = initialize_parameters([*LAYER_DIMS, Y.shape[0]], init="xavier", seed=seed + 1)
    return X, Y, parameters


def copy_of(parameters: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {key: value.copy() for key, value in parameters.items()}


def course_update(
    optimizer: str,
    params: Arrays,
    grads: Arrays,
    v: Arrays,
    s: Arrays,
    t: int,
    learning_rate: float,
    beta1: float,
    beta2: float,
    epsilon: float,
) -> tuple[Arrays, Arrays, Arrays]:
    """One update by the course's own function for `optimizer`; returns (params, v, s)."""
    if optimizer == "gd":
        return update_parameters(params, grads, learning_rate), v, s
    if optimizer == "momentum":
        params, v = update_parameters_with_momentum(params, grads, v, beta1, learning_rate)
        return params, v, s
    params, v, s, _, _ = update_parameters_with_adam(
        params, grads, v, s, t, learning_rate, beta1, beta2, epsilon
    )
    return params, v, s


def reference_train(
    batches: list[tuple[np.ndarray, np.ndarray]],
    parameters: Arrays,
    activations: list[str],
    *,
    learning_rate: float,
    num_iterations: int,
    optimizer: str = "gd",
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    lambd: float = 0.0,
    decay_rate: float = 0.0,
    keep_prob: float = 1.0,
    input_keep_prob: float = 1.0,
    rng: np.random.Generator | None = None,
    shuffled: bool = False,
) -> Arrays:
    """`num_iterations` epochs of the core's `forward` and `backward` and the course's update
    functions (`update_parameters`, `update_parameters_with_momentum` with β = beta1,
    `update_parameters_with_adam`); `batches` is the list of (X, Y) steps of one epoch, and
    each epoch's α is `update_lr(learning_rate, epoch, decay_rate)`.

    With dropout, each step draws its masks from `rng` with `dropout_masks`, after the
    epoch's permutation when `shuffled` (which the loop draws from the same generator).
    """
    params = copy_of(parameters)
    v, s = initialize_velocity(params), initialize_adam(params)[1]
    t = 0
    for epoch in range(num_iterations):
        alpha = update_lr(learning_rate, epoch, decay_rate)
        if shuffled:
            rng.permutation(sum(X.shape[1] for X, _ in batches))
        for X, Y in batches:
            masks = None
            if keep_prob < 1 or input_keep_prob < 1:
                dims = [X.shape[0]] + [params[f"W{l}"].shape[0] for l in range(1, len(activations))]
                masks = dropout_masks(
                    [*dims, Y.shape[0]], X.shape[1], keep_prob, input_keep_prob, rng
                )
            AL, caches = forward(X, params, activations, masks)
            grads = backward(AL, Y, caches, lambd, masks)
            t += 1
            params, v, s = course_update(
                optimizer, params, grads, v, s, t, alpha, beta1, beta2, epsilon
            )
    return params


def assert_parameters_close(actual: Arrays, expected: Arrays, rtol: float, atol: float) -> None:
    assert sorted(actual) == sorted(expected)
    for key in expected:
        np.testing.assert_allclose(actual[key], expected[key], rtol=rtol, atol=atol, err_msg=key)


# -- the fast loop computes what the functional core computes ----------------------------------


@pytest.mark.parametrize("lambd", [0.0, 0.8])
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_one_gd_iteration_equals_forward_backward_update(
    hidden: str, output: str, lambd: float
) -> None:
    X, Y, parameters = toy_problem(output)
    activations = [hidden, hidden, output]
    AL, caches = forward(X, parameters, activations)
    expected = update_parameters(parameters, backward(AL, Y, caches, lambd), learning_rate=0.3)
    result = train(X, Y, parameters, activations, learning_rate=0.3, num_iterations=1, lambd=lambd)
    assert_parameters_close(result.parameters, expected, rtol=1e-12, atol=1e-15)
    # the recorded cost is that of the parameters before the update
    assert result.costs == [(0, pytest.approx(compute_cost(AL, Y, parameters, lambd), rel=1e-12))]


@pytest.mark.parametrize("lambd", [0.0, 0.8])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_optimizers_equal_the_reference_over_several_iterations(
    optimizer: str, lambd: float
) -> None:
    X, Y, parameters = toy_problem("softmax")
    activations = ["leaky_relu", "tanh", "softmax"]
    kwargs = {"learning_rate": 0.05, "num_iterations": 6, "optimizer": optimizer, "lambd": lambd}
    kwargs.update(beta1=0.8, beta2=0.95, epsilon=1e-6)
    expected = reference_train([(X, Y)], parameters, activations, **kwargs)
    result = train(X, Y, parameters, activations, cost_every=1, **kwargs)
    assert_parameters_close(result.parameters, expected, rtol=1e-10, atol=1e-13)
    assert [i for i, _ in result.costs] == list(range(6))
    # every recorded cost is the cost before that iteration's update
    before_last = reference_train(
        [(X, Y)], parameters, activations, **{**kwargs, "num_iterations": 5}
    )
    AL, _ = forward(X, before_last, activations)
    assert result.costs[-1][1] == pytest.approx(compute_cost(AL, Y, before_last, lambd), rel=1e-10)


@pytest.mark.parametrize("mini_batch_size", [None, 5])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_decay_rate_zero_is_bit_identical_to_no_decay(
    optimizer: str, mini_batch_size: int | None
) -> None:
    X, Y, parameters = toy_problem("softmax", m=16)
    activations = ["relu", "tanh", "softmax"]
    kwargs = {"learning_rate": 0.05, "num_iterations": 6, "optimizer": optimizer, "lambd": 0.4}
    kwargs.update(mini_batch_size=mini_batch_size, keep_prob=0.8, rng=2, cost_every=1)
    plain = train(X, Y, parameters, activations, **kwargs)
    decayed = train(X, Y, parameters, activations, decay_rate=0.0, **kwargs)
    for key in plain.parameters:
        np.testing.assert_array_equal(decayed.parameters[key], plain.parameters[key])
    assert decayed.costs == plain.costs


@pytest.mark.parametrize("lambd", [0.0, 0.8])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_decay_equals_the_course_functions_with_update_lr_each_epoch(
    optimizer: str, lambd: float
) -> None:
    X, Y, parameters = toy_problem("softmax")
    activations = ["leaky_relu", "tanh", "softmax"]
    kwargs = {"learning_rate": 0.3, "num_iterations": 6, "optimizer": optimizer, "lambd": lambd}
    kwargs.update(decay_rate=0.7)
    expected = reference_train([(X, Y)], parameters, activations, **kwargs)
    result = train(X, Y, parameters, activations, **kwargs)
    assert_parameters_close(result.parameters, expected, rtol=1e-10, atol=1e-13)
    constant = train(X, Y, parameters, activations, **{**kwargs, "decay_rate": 0.0})
    assert not np.allclose(result.parameters["W1"], constant.parameters["W1"], rtol=1e-6, atol=0)


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_with_mini_batches_the_rate_decays_once_per_epoch(optimizer: str) -> None:
    """m = 5 copies of one example in batches of 2, 2, 1: every step of epoch i uses
    α / (1 + decay_rate i), not a rate that decays with each mini-batch."""
    X1, Y1, parameters = toy_problem(m=1)
    X, Y = np.repeat(X1, 5, axis=1), np.repeat(Y1, 5, axis=1)
    activations = ["relu", "sigmoid", "sigmoid"]
    kwargs = {"learning_rate": 0.1, "num_iterations": 3, "optimizer": optimizer, "decay_rate": 2.0}
    steps = [(X[:, :2], Y[:, :2]), (X[:, :2], Y[:, :2]), (X[:, :1], Y[:, :1])]
    expected = reference_train(steps, parameters, activations, **kwargs)
    result = train(X, Y, parameters, activations, mini_batch_size=2, rng=0, **kwargs)
    assert_parameters_close(result.parameters, expected, rtol=1e-10, atol=1e-13)
    per_step = reference_train(
        steps[:1], parameters, activations, **{**kwargs, "num_iterations": 9}
    )
    assert not np.allclose(result.parameters["W1"], per_step["W1"], rtol=1e-6, atol=0)


def test_momentum_and_adam_really_differ_from_gd() -> None:
    """Guards the reference test above against optimizers that all fall back to plain gd."""
    X, Y, parameters = toy_problem()
    activations = ["tanh", "tanh", "sigmoid"]
    results = {
        name: train(
            X, Y, parameters, activations, learning_rate=0.05, num_iterations=3, optimizer=name
        ).parameters["W1"]
        for name in ("gd", "momentum", "adam")
    }
    assert not np.allclose(results["gd"], results["momentum"], rtol=1e-6, atol=0)
    assert not np.allclose(results["gd"], results["adam"], rtol=1e-6, atol=0)


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_mini_batch_steps_equal_the_reference_including_the_last_short_batch(
    optimizer: str,
) -> None:
    """m = 5 copies of one example in batches of 2, 2, 1: whatever the shuffle, an epoch is
    three steps, on 2, 2 and 1 copies, each averaged over its own batch size."""
    X1, Y1, parameters = toy_problem(m=1)
    X, Y = np.repeat(X1, 5, axis=1), np.repeat(Y1, 5, axis=1)
    activations = ["relu", "sigmoid", "sigmoid"]
    kwargs = {"learning_rate": 0.1, "num_iterations": 2, "optimizer": optimizer}
    steps = [(X[:, :2], Y[:, :2]), (X[:, :2], Y[:, :2]), (X[:, :1], Y[:, :1])]
    expected = reference_train(steps, parameters, activations, **kwargs)
    result = train(X, Y, parameters, activations, mini_batch_size=2, rng=0, **kwargs)
    assert_parameters_close(result.parameters, expected, rtol=1e-10, atol=1e-13)
    one_step_per_epoch = reference_train([(X, Y)], parameters, activations, **kwargs)
    assert not np.allclose(result.parameters["W1"], one_step_per_epoch["W1"], rtol=1e-6, atol=0)


@pytest.mark.parametrize(("keep_prob", "input_keep_prob"), [(0.6, 1.0), (1.0, 0.7), (0.5, 0.8)])
@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_dropout_steps_equal_the_reference_with_the_same_masks(
    optimizer: str, keep_prob: float, input_keep_prob: float
) -> None:
    X, Y, parameters = toy_problem("softmax", m=16)
    activations = ["relu", "tanh", "softmax"]
    kwargs = {"learning_rate": 0.05, "num_iterations": 5, "optimizer": optimizer, "lambd": 0.3}
    kwargs.update(keep_prob=keep_prob, input_keep_prob=input_keep_prob)
    expected = reference_train(
        [(X, Y)], parameters, activations, rng=np.random.default_rng(7), **kwargs
    )
    result = train(X, Y, parameters, activations, rng=7, **kwargs)
    assert_parameters_close(result.parameters, expected, rtol=1e-10, atol=1e-13)
    without = train(X, Y, parameters, activations, rng=7, **{**kwargs, "keep_prob": 1.0})
    if input_keep_prob == 1.0:  # guards against a mask that drops nothing
        assert not np.allclose(result.parameters["W2"], without.parameters["W2"], rtol=1e-6)


def test_dropout_with_mini_batches_draws_after_each_epochs_shuffle() -> None:
    """m = 5 copies of one example in batches of 2, 2, 1, so the batches are the same whatever
    the shuffle; the masks come from the same generator, after each epoch's permutation."""
    X1, Y1, parameters = toy_problem(m=1)
    X, Y = np.repeat(X1, 5, axis=1), np.repeat(Y1, 5, axis=1)
    activations = ["relu", "leaky_relu", "sigmoid"]
    kwargs = {"learning_rate": 0.1, "num_iterations": 3, "optimizer": "adam", "keep_prob": 0.5}
    steps = [(X[:, :2], Y[:, :2]), (X[:, :2], Y[:, :2]), (X[:, :1], Y[:, :1])]
    expected = reference_train(
        steps, parameters, activations, rng=np.random.default_rng(3), shuffled=True, **kwargs
    )
    result = train(X, Y, parameters, activations, mini_batch_size=2, rng=3, **kwargs)
    assert_parameters_close(result.parameters, expected, rtol=1e-10, atol=1e-13)


def test_no_dropout_draws_nothing_from_the_generator() -> None:
    """keep_prob = 1 leaves training exactly as it was: the generator is not touched."""
    X, Y, parameters = toy_problem()
    generator = np.random.default_rng(5)
    train(
        X,
        Y,
        parameters,
        ["relu", "relu", "sigmoid"],
        learning_rate=0.1,
        num_iterations=3,
        keep_prob=1.0,
        input_keep_prob=1.0,
        rng=generator,
    )
    assert generator.random() == np.random.default_rng(5).random()


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_l2_with_mini_batches_descends_the_full_set_cost(optimizer: str) -> None:
    """J = cross-entropy + (λ / 2m) sum ||W||^2 with m the training set's size: a batch of mb
    examples steps along its cross-entropy gradient plus (λ / m) W, which is the core's
    `backward` with its own batch m and λ scaled by mb / m."""
    X1, Y1, parameters = toy_problem(m=1)
    X, Y = np.repeat(X1, 6, axis=1), np.repeat(Y1, 6, axis=1)
    activations = ["tanh", "relu", "sigmoid"]
    kwargs = {"learning_rate": 0.1, "num_iterations": 2, "optimizer": optimizer}
    lambd, m, mb = 0.9, 6, 2
    steps = [(X[:, :mb], Y[:, :mb])] * (m // mb)
    expected = reference_train(steps, parameters, activations, lambd=lambd * mb / m, **kwargs)
    result = train(X, Y, parameters, activations, mini_batch_size=mb, lambd=lambd, rng=0, **kwargs)
    assert_parameters_close(result.parameters, expected, rtol=1e-10, atol=1e-13)
    full = train(X, Y, parameters, activations, lambd=lambd, cost_every=1, **kwargs)
    batched = train(
        X, Y, parameters, activations, lambd=lambd, cost_every=1, mini_batch_size=m, **kwargs
    )
    assert full.costs == batched.costs


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_mini_batch_size_at_least_m_is_full_batch(optimizer: str) -> None:
    X, Y, parameters = toy_problem(m=12)
    activations = ["relu", "tanh", "sigmoid"]
    kwargs = {"learning_rate": 0.1, "num_iterations": 7, "optimizer": optimizer, "cost_every": 2}
    full = train(X, Y, parameters, activations, **kwargs)
    for size in (12, 13, 1000):
        batched = train(X, Y, parameters, activations, mini_batch_size=size, rng=size, **kwargs)
        for key in full.parameters:
            np.testing.assert_array_equal(batched.parameters[key], full.parameters[key])
        assert batched.costs == full.costs


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_cost_falls_with_mini_batches(optimizer: str) -> None:
    X, Y, parameters = toy_problem(m=200, seed=4)
    lr = 0.01 if optimizer == "adam" else 0.1
    result = train(
        X,
        Y,
        parameters,
        ["relu", "relu", "sigmoid"],
        learning_rate=lr,
        num_iterations=30,
        optimizer=optimizer,
        mini_batch_size=32,
        rng=0,
        cost_every=1,
    )
    costs = [cost for _, cost in result.costs]
    assert len(costs) == 30
    assert costs[-1] < 0.5 * costs[0]
    assert costs[-1] == min(costs) or costs[-1] < 1.05 * min(costs)


def test_xor_is_learned_by_a_two_layer_tanh_network() -> None:
    X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    parameters = initialize_parameters([2, 4, 1], init="xavier", seed=0)
    activations = ["tanh", "sigmoid"]
    AL0, _ = forward(X, parameters, activations)
    assert ((AL0 > 0.5) != Y).any()  # not solved by the initialization
    result = train(X, Y, parameters, activations, learning_rate=1.0, num_iterations=2000)
    AL, _ = forward(X, result.parameters, activations)
    np.testing.assert_array_equal(AL > 0.5, Y == 1)
    assert result.costs[-1][1] < 0.01


# -- reproducibility, dtypes, inputs left alone ------------------------------------------------


def test_same_seed_is_bit_identical_and_another_seed_differs() -> None:
    X, Y, _ = toy_problem(m=40)

    def run(init_seed: int, shuffle_seed: int) -> TrainResult:
        parameters = initialize_parameters([4, 5, 3, 1], seed=init_seed)
        return train(
            X,
            Y,
            parameters,
            ["relu", "tanh", "sigmoid"],
            learning_rate=0.01,
            num_iterations=5,
            optimizer="adam",
            mini_batch_size=8,
            rng=np.random.default_rng(shuffle_seed),
            cost_every=1,
        )

    first, again = run(0, 0), run(0, 0)
    for key in first.parameters:
        np.testing.assert_array_equal(first.parameters[key], again.parameters[key])
    assert first.costs == again.costs
    for other in (run(1, 0), run(0, 1)):  # another initialization, another shuffle
        assert not np.array_equal(first.parameters["W1"], other.parameters["W1"])
        assert first.costs != other.costs


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_float32_stays_float32_and_agrees_with_float64(optimizer: str) -> None:
    X, Y, _ = toy_problem("softmax", m=30)
    activations = ["relu", "sigmoid", "softmax"]
    runs = {}
    for dtype in ("float32", "float64"):
        parameters = initialize_parameters([4, 5, 3, 3], seed=2, dtype=dtype)
        runs[dtype] = train(
            X.astype(dtype),
            Y.astype(dtype),
            parameters,
            activations,
            learning_rate=0.05,
            num_iterations=5,
            optimizer=optimizer,
            mini_batch_size=10,
            rng=3,
            lambd=0.1,
            cost_every=1,
        )
    for key, value in runs["float32"].parameters.items():
        assert value.dtype == np.float32, key
        np.testing.assert_allclose(value, runs["float64"].parameters[key], rtol=1e-3, atol=1e-4)
    costs32 = [cost for _, cost in runs["float32"].costs]
    costs64 = [cost for _, cost in runs["float64"].costs]
    np.testing.assert_allclose(costs32, costs64, rtol=1e-5)


def test_train_leaves_its_arguments_alone() -> None:
    X, Y, parameters = toy_problem()
    X0, Y0, before = X.copy(), Y.copy(), copy_of(parameters)
    result = train(
        X,
        Y,
        parameters,
        ["tanh", "tanh", "sigmoid"],
        learning_rate=0.5,
        num_iterations=3,
        optimizer="adam",
        mini_batch_size=5,
        rng=0,
    )
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    for key in before:
        np.testing.assert_array_equal(parameters[key], before[key])
        assert result.parameters[key] is not parameters[key]
    assert not np.array_equal(result.parameters["W1"], before["W1"])


def test_zero_iterations_return_the_starting_parameters() -> None:
    X, Y, parameters = toy_problem()
    result = train(
        X, Y, parameters, ["relu", "relu", "sigmoid"], learning_rate=0.1, num_iterations=0
    )
    assert result.costs == [] and result.iterations == 0 and not result.stopped_early
    for key in parameters:
        np.testing.assert_array_equal(result.parameters[key], parameters[key])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"optimizer": "nesterov"}, "nesterov"),
        ({"num_iterations": -1}, "num_iterations"),
        ({"cost_every": 0}, "cost_every"),
        ({"keep_prob": 0.0}, "keep_prob"),
        ({"input_keep_prob": 1.5}, "input_keep_prob"),
        ({"learning_rate": -0.1}, "learning_rate"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"num_iterations": 2.5}, "num_iterations"),
        ({"mini_batch_size": 0}, "mini_batch_size"),
        ({"lambd": -1.0}, "lambd"),
        ({"beta1": 1.0}, "beta1"),
        ({"beta2": -0.1}, "beta2"),
        ({"epsilon": 0.0}, "epsilon"),
        ({"decay_rate": -0.5}, "decay_rate"),
        ({"decay_rate": float("nan")}, "decay_rate"),
    ],
)
def test_train_rejects_bad_arguments(kwargs: dict, match: str) -> None:
    X, Y, parameters = toy_problem()
    arguments = {"learning_rate": 0.1, "num_iterations": 2, **kwargs}
    with pytest.raises(ValueError, match=match) as caught:
        train(X, Y, parameters, ["relu", "relu", "sigmoid"], **arguments)
    assert "\n" not in str(caught.value)


def test_numpy_scalar_hyperparameters_train_as_python_ones() -> None:
    """Each is made a plain Python value by its rule, so a float32 network computes in float32
    whether α came as 0.05 or as np.float64(0.05)."""
    X, Y, _ = toy_problem("softmax", m=20)
    parameters = initialize_parameters([4, 5, 3, 3], seed=2, dtype="float32")
    activations = ["relu", "tanh", "softmax"]
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    kwargs = {"optimizer": "adam", "mini_batch_size": 8, "rng": 1}
    plain = train(X32, Y32, parameters, activations, learning_rate=0.05, num_iterations=4, **kwargs)
    numpy = train(
        X32,
        Y32,
        parameters,
        activations,
        learning_rate=np.float64(0.05),
        num_iterations=np.int64(4),
        **{**kwargs, "mini_batch_size": np.int32(8)},
    )
    for key in plain.parameters:
        np.testing.assert_array_equal(numpy.parameters[key], plain.parameters[key])
    assert numpy.costs == plain.costs


# -- callback and divergence -------------------------------------------------------------------


def test_costs_are_recorded_every_cost_every_and_at_the_last_iteration() -> None:
    X, Y, parameters = toy_problem()
    seen = []
    result = train(
        X,
        Y,
        parameters,
        ["relu", "relu", "sigmoid"],
        learning_rate=0.1,
        num_iterations=23,
        cost_every=5,
        callback=lambda i, cost: seen.append((i, cost)),
    )
    assert [i for i, _ in result.costs] == [0, 5, 10, 15, 20, 22]
    assert seen == result.costs
    assert result.iterations == 23 and not result.stopped_early


def test_callback_returning_true_stops_early() -> None:
    X, Y, parameters = toy_problem()
    result = train(
        X,
        Y,
        parameters,
        ["relu", "relu", "sigmoid"],
        learning_rate=0.1,
        num_iterations=100,
        cost_every=5,
        callback=lambda i, cost: i >= 10,
    )
    assert result.stopped_early
    assert result.iterations == 11
    assert [i for i, _ in result.costs] == [0, 5, 10]
    resumed_from_scratch = train(
        X, Y, parameters, ["relu", "relu", "sigmoid"], learning_rate=0.1, num_iterations=11
    )
    for key in parameters:
        np.testing.assert_array_equal(result.parameters[key], resumed_from_scratch.parameters[key])


def test_a_numpy_true_from_the_callback_stops_too() -> None:
    X, Y, parameters = toy_problem()
    result = train(
        X,
        Y,
        parameters,
        ["relu", "relu", "sigmoid"],
        learning_rate=0.1,
        num_iterations=50,
        cost_every=5,
        callback=lambda i, cost: np.float64(i) >= 10,
    )
    assert result.stopped_early and result.iterations == 11


def test_an_exception_in_the_callback_propagates() -> None:
    class PrunedError(Exception):
        pass

    def callback(iteration: int, cost: float) -> None:
        if iteration == 4:
            raise PrunedError(iteration)

    X, Y, parameters = toy_problem()
    with pytest.raises(PrunedError):
        train(
            X,
            Y,
            parameters,
            ["relu", "relu", "sigmoid"],
            learning_rate=0.1,
            num_iterations=50,
            cost_every=2,
            callback=callback,
        )


@pytest.mark.parametrize("cost_every", [1, 1000])
def test_training_diverged_on_a_huge_learning_rate(cost_every: int) -> None:
    """Raised by the cost check (cost_every = 1) and by the gradient check alone (1000)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 20))
    Y = (X[:1] > 0).astype(float)
    parameters = initialize_parameters([3, 5, 5, 1], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # divergence is reported, not warned about
        with pytest.raises(TrainingDiverged) as caught:
            train(
                X,
                Y,
                parameters,
                ["linear", "linear", "sigmoid"],
                learning_rate=1e6,
                num_iterations=200,
                cost_every=cost_every,
            )
    assert isinstance(caught.value, FloatingPointError)
    # it blows up within a few iterations (5 with this seed) and is reported right then, not
    # at the next recorded cost (iteration 199 when cost_every = 1000)
    assert 0 < caught.value.iteration < 20
    assert "diverged" in str(caught.value)
    sane = train(
        X,
        Y,
        parameters,
        ["linear", "linear", "sigmoid"],
        learning_rate=0.01,
        num_iterations=200,
        cost_every=cost_every,
    )
    assert np.isfinite(sane.costs[-1][1])


@pytest.mark.parametrize(
    ("m", "n_x", "hidden", "optimizer", "batch", "keep"),
    [
        (2000, 64, (256,), "adam", None, 1.0),
        (2000, 64, (256, 128), "gd", 64, 1.0),
        (5000, 20, (512,), "momentum", 128, 0.8),
        (600, 300, (512, 512), "adam", None, 0.5),
    ],
)
def test_the_memory_estimate_is_what_a_fit_allocates(
    m: int, n_x: int, hidden: tuple[int, ...], optimizer: str, batch: int | None, keep: float
) -> None:
    """`training_memory` is what a study compares with the free memory before training:
    numpy's allocations during `fit` (traced) peak within 5% below to 50% above it."""
    import tracemalloc

    from dnn import DeepNetwork
    from dnn.buffers import training_memory

    rng = np.random.default_rng(0)
    X, y = rng.random((m, n_x)), rng.integers(0, 3, m)
    net = DeepNetwork(
        hidden_layers=hidden,
        optimizer=optimizer,
        mini_batch_size=batch,
        keep_prob=keep,
        num_iterations=2,
        normalize=True,
        seed=0,
    )
    tracemalloc.start()
    try:
        net.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    layer_dims = [n_x, *hidden, 3]
    estimate = training_memory(
        layer_dims, m, mini_batch_size=batch, optimizer=optimizer, dropout=keep < 1
    )
    assert 0.95 * peak <= estimate <= 1.5 * peak
