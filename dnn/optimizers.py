"""Optimization algorithms of the notes: momentum, Adam and learning-rate decay.

Momentum: v = β v + (1 - β) dW;  W = W - α v.
Adam:     v = β1 v + (1 - β1) dW;  s = β2 s + (1 - β2) dW^2;  v_corrected = v / (1 - β1^t);
          s_corrected = s / (1 - β2^t);  W = W - α v_corrected / (sqrt(s_corrected) + ε).
Decay:    α = α0 / (1 + decay_rate * epoch_num).
(Plain gradient descent, W = W - α dW, is `dnn.core.update_parameters`.)

The course's functions keep their names and signatures and are pure: they return new dicts
and never change their arguments. Beside each is its in-place twin, the step the training
loop (`dnn.train`) applies to one W[l] or b[l] as soon as its gradient is out, in buffers
allocated once; a test holds the loop equal to `forward`, `backward` and these functions.
`OPTIMIZERS` maps each name to its in-place step.
"""

from __future__ import annotations

import numpy as np

from dnn.types import Array, Grads, Parameters, num_layers


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    """The notes' learning-rate decay: α = α0 / (1 + decay_rate * epoch_num).

    With decay_rate = 0 this is α0 itself, exactly (a division by 1.0).
    """
    return learning_rate0 / (1 + decay_rate * epoch_num)


class InPlaceOptimizer:
    """An optimizer's step in the training loop: updates W[l] or b[l] in place from its gradient.

    `step` may overwrite the gradient; `t` is the number of steps taken, which the loop
    advances once per mini-batch before the updates of that step.
    """

    copies = 1  # parameter-sized arrays it keeps (tmp), for memory estimates

    def __init__(self, parameters: Parameters, beta1: float, beta2: float, epsilon: float) -> None:
        """Allocate the optimizer's state for these parameters.

        Args:
            parameters: W1..WL, b1..bL (their shapes and dtype).
            beta1: momentum's β, Adam's β1.
            beta2: Adam's β2.
            epsilon: Adam's ε.
        """
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.t = 0
        self.tmp = {key: np.empty_like(value) for key, value in parameters.items()}

    def gradient_scale(self, learning_rate: float) -> float:
        """The factor the loop applies to dZ[L] (and so to every gradient) besides the 1/m."""
        return 1.0

    def step(
        self, param: Array, grad: Array, key: str, learning_rate: float, decay: float = 0.0
    ) -> None:
        """Update `param` in place by the step for `grad + decay * param`.

        Args:
            param: W[l] or b[l], updated in place.
            grad: its gradient (may be overwritten).
            key: the parameter's name (`W1`, `b1`, ...), which keys the optimizer's state.
            learning_rate: α of this step.
            decay: the L2 term's λ / m (0: none).
        """
        raise NotImplementedError

    def _add_l2(self, param: Array, grad: Array, key: str, decay: float) -> None:
        """Add the L2 term of dW[l] to the gradient: grad += (λ / m) param."""
        if decay:
            np.multiply(param, decay, out=self.tmp[key])
            grad += self.tmp[key]


class InPlaceGD(InPlaceOptimizer):
    """Gradient descent, W -= α dW, in place (`dnn.core.update_parameters` is the pure one).

    The loop folds α into dZ[L] (`gradient_scale`), so dW arrives as α dW and the update is
    one subtraction; the L2 term is applied to W directly.
    """

    def __init__(self, parameters: Parameters, beta1: float, beta2: float, epsilon: float) -> None:
        """Keep no state but the step count (the constants are not used)."""
        self.t = 0

    def gradient_scale(self, learning_rate: float) -> float:
        """α: the loop folds the learning rate into dZ[L]."""
        return float(learning_rate)

    def step(
        self, param: Array, grad: Array, key: str, learning_rate: float, decay: float = 0.0
    ) -> None:
        """W -= α dW (the gradient arrives as α dW), with the L2 term applied to W."""
        if decay:
            param *= 1 - learning_rate * decay  # - α (λ / m) W
        param -= grad  # - α dW


def initialize_velocity(parameters: Parameters) -> Grads:
    """Zeros of the shapes of the gradients, the notes' v.

    Returns:
        `{"dW1": (n1, n_x), "db1": (n1, 1), ..., "dWL", "dbL"}`, all zeros.
    """
    L = num_layers(parameters)
    v: Grads = {}
    for l in range(1, L + 1):
        v[f"dW{l}"] = np.zeros_like(parameters[f"W{l}"])
        v[f"db{l}"] = np.zeros_like(parameters[f"b{l}"])
    return v


def update_parameters_with_momentum(
    parameters: Parameters, grads: Grads, v: Grads, beta: float, learning_rate: float
) -> tuple[Parameters, Grads]:
    """One step of gradient descent with momentum: v = β v + (1 - β) dW, W = W - α v.

    Returns:
        The new parameters and the new v (new dicts; the arguments are left unchanged).
    """
    L = num_layers(parameters)
    new_parameters: Parameters = {}
    new_v: Grads = {}
    for l in range(1, L + 1):
        for name in (f"W{l}", f"b{l}"):
            new_v[f"d{name}"] = beta * v[f"d{name}"] + (1 - beta) * grads[f"d{name}"]
            new_parameters[name] = parameters[name] - learning_rate * new_v[f"d{name}"]
    return new_parameters, new_v


class InPlaceMomentum(InPlaceOptimizer):
    """`update_parameters_with_momentum` in place, for one W[l] or b[l]; β is beta1."""

    copies = 2  # tmp, v

    def __init__(self, parameters: Parameters, beta1: float, beta2: float, epsilon: float) -> None:
        """Allocate v (zeros) and the scratch buffers."""
        super().__init__(parameters, beta1, beta2, epsilon)
        self.v = initialize_velocity(parameters)

    def step(
        self, param: Array, grad: Array, key: str, learning_rate: float, decay: float = 0.0
    ) -> None:
        """Momentum's step, in place: v = β v + (1 - β) dW, W -= α v."""
        self._add_l2(param, grad, key, decay)
        v = self.v[f"d{key}"]
        v *= self.beta1
        grad *= 1 - self.beta1
        v += grad  # v = β v + (1 - β) dW
        np.multiply(v, learning_rate, out=grad)
        param -= grad  # W = W - α v


def initialize_adam(parameters: Parameters) -> tuple[Grads, Grads]:
    """Adam's v and s: zeros of the shapes of the gradients, keyed `dW1, db1, ..., dbL`."""
    return initialize_velocity(parameters), initialize_velocity(parameters)


def update_parameters_with_adam(
    parameters: Parameters,
    grads: Grads,
    v: Grads,
    s: Grads,
    t: int,
    learning_rate: float = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
) -> tuple[Parameters, Grads, Grads, Grads, Grads]:
    """One step of Adam, t counting the steps taken from 1.

    Returns:
        The new parameters, v, s, and the bias-corrected v and s (new dicts).
    """
    L = num_layers(parameters)
    new_parameters: Parameters = {}
    new_v: Grads = {}
    new_s: Grads = {}
    v_corrected: Grads = {}
    s_corrected: Grads = {}
    for l in range(1, L + 1):
        for name in (f"W{l}", f"b{l}"):
            d = f"d{name}"
            new_v[d] = beta1 * v[d] + (1 - beta1) * grads[d]
            v_corrected[d] = new_v[d] / (1 - beta1**t)
            new_s[d] = beta2 * s[d] + (1 - beta2) * np.square(grads[d])
            s_corrected[d] = new_s[d] / (1 - beta2**t)
            step = learning_rate * v_corrected[d] / (np.sqrt(s_corrected[d]) + epsilon)
            new_parameters[name] = parameters[name] - step
    return new_parameters, new_v, new_s, v_corrected, s_corrected


class InPlaceAdam(InPlaceOptimizer):
    """`update_parameters_with_adam` in place, for one W[l] or b[l].

    It keeps three parameter-sized arrays (`copies`): tmp, v and s.

    The bias corrections are folded into scalars: α v_corrected / (sqrt(s_corrected) + ε)
    = (α / (1 - β1^t)) v / (sqrt(s) / sqrt(1 - β2^t) + ε).
    """

    copies = 3

    def __init__(self, parameters: Parameters, beta1: float, beta2: float, epsilon: float) -> None:
        """Allocate v and s (zeros) and the scratch buffers."""
        super().__init__(parameters, beta1, beta2, epsilon)
        self.v, self.s = initialize_adam(parameters)

    def step(
        self, param: Array, grad: Array, key: str, learning_rate: float, decay: float = 0.0
    ) -> None:
        """Adam's step for one W[l] or b[l], in place, bias corrections folded in scalars."""
        self._add_l2(param, grad, key, decay)
        v, s, tmp = self.v[f"d{key}"], self.s[f"d{key}"], self.tmp[key]
        np.subtract(grad, v, out=tmp)
        tmp *= 1 - self.beta1
        v += tmp  # v = β1 v + (1 - β1) dW
        np.multiply(grad, grad, out=tmp)
        tmp -= s
        tmp *= 1 - self.beta2
        s += tmp  # s = β2 s + (1 - β2) dW^2
        np.sqrt(s, out=tmp)
        tmp *= 1 / np.sqrt(1 - self.beta2**self.t)
        tmp += self.epsilon
        np.divide(v, tmp, out=tmp)
        tmp *= learning_rate / (1 - self.beta1**self.t)
        param -= tmp


OPTIMIZERS: dict[str, type[InPlaceOptimizer]] = {
    "gd": InPlaceGD,
    "momentum": InPlaceMomentum,
    "adam": InPlaceAdam,
}
