"""A network's maths as ONNX nodes: the input scaling, the layers and the output (opset 21).

Rows are examples in ONNX, as in `predict` (X is (m, n_x)), so the course's
`Z[l] = W[l] A[l-1] + b[l]` on columns is the `Gemm` `Z[l].T = A[l-1].T W[l].T + b[l].T`
(`transB=1`, W[l] stored as trained, (n[l], n[l-1])), followed by g[l] (`Relu`,
`Max(z, 0.01 z)` for leaky_relu (onnxruntime's `LeakyRelu` takes no float64), `Tanh`,
`Sigmoid`, nothing for `linear`, `Softmax(axis=1)`).

The input scaling is computed in float64 on float64 rows, as `predict` computes it, and cast to
the network's dtype before the first layer:

- `standard`: `(x - mean) / std` (`Sub`, `Div`); `robust`: the same with the median and IQR,
  then `Clip` to ±5.
- `quantile`: F(x) is a sum over each feature's breakpoints (its distinct training
  quantiles v_i): ramps R_i clip((x - v_i) / (v_{i+1} - v_i), 0, 1) between them and jumps
  J_i (sign(x - v_i) + 1) / 2 at a value repeated in the quantiles, which is the same
  piecewise-linear function as `np.interp`'s (without a search, which ONNX lacks), padded to
  the largest number of breakpoints (`Unsqueeze`, `Sub`, `Mul`, `Clip`, `Sign`,
  `ReduceSum` over an (m, n_x, K) tensor). Then Φ⁻¹ by AS241's two rational functions, both
  evaluated and chosen by `Where` (the clip keeps p in [1e-7, 1 - 1e-7], so its third, far-
  tail, function is never needed). No approximation beyond float64 rounding: it matches
  `dnn.scaling` to about 1e-12.

This module and `dnn.onnx_export` are the only ones that import `onnx`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from onnx import NodeProto, TensorProto, helper, numpy_helper

from dnn.activations import LEAKY_SLOPE
from dnn.network import Network
from dnn.scaling import (
    AS241_CENTRAL,
    AS241_CENTRE,
    AS241_SHIFT,
    AS241_SPLIT,
    AS241_TAIL,
    QUANTILE_BOUND,
    ROBUST_CLIP,
    InputScaling,
)
from dnn.types import num_layers

OPSET = 21  # ONNX 1.16's (2024); onnxruntime 1.18 and later run it
ELEMENT_TYPES = {"float32": TensorProto.FLOAT, "float64": TensorProto.DOUBLE}
ACTIVATION_OPS = {"relu": "Relu", "tanh": "Tanh", "sigmoid": "Sigmoid"}


class Graph:
    """The nodes and constants of a graph being built; each value is named once."""

    def __init__(self) -> None:
        """Start empty."""
        self.nodes: list[NodeProto] = []
        self.initializers: list[TensorProto] = []
        self._count = 0

    def _name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, hint: str, value: Any, dtype: str = "float64") -> str:
        """A constant tensor (an initializer) holding `value` in `dtype`; its name."""
        name = self._name(hint)
        array = np.asarray(value, dtype=dtype)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, *inputs: str, **attributes: Any) -> str:
        """A node `op_type(inputs)` with one output; the output's name."""
        output = self._name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [output], **attributes))
        return output

    def cast(self, x: str, dtype: str) -> str:
        """The value x cast to `dtype` (`float32`, `float64`)."""
        return self.op("Cast", x, to=ELEMENT_TYPES[dtype])


def network_output(g: Graph, net: Network, x: str, dtype: str) -> str:
    """The network's output A[L].T (m, n[L]) in `dtype`, for rows x (m, n[0]) in float64.

    Args:
        g: the graph being built.
        net: a fitted network.
        x: the name of the rows, (m, n[0]) float64.
        dtype: the dtype of the layers (`float32` or `float64`).

    Returns:
        The name of A[L].T, after the output's sigmoid, softmax or nothing (linear).
    """
    scaling = getattr(net, "input_scaling_", None)
    A = x if scaling is None else scaled(g, scaling, x)
    if dtype != "float64":
        A = g.cast(A, dtype)
    for l in range(1, num_layers(net.parameters_) + 1):
        W, b = net.parameters_[f"W{l}"], net.parameters_[f"b{l}"]
        Z = g.op("Gemm", A, g.const(f"W{l}", W, dtype), g.const(f"b{l}", b[:, 0], dtype), transB=1)
        A = activation(g, net.activations_[l - 1], Z, dtype)
    return A


def activation(g: Graph, name: str, Z: str, dtype: str) -> str:
    """g[l](Z) for the activation `name` of `dnn.activations`, Z in `dtype`."""
    if name == "linear":
        return Z
    if name == "leaky_relu":  # max(z, 0.01 z), as numpy: onnxruntime has no double LeakyRelu
        return g.op("Max", Z, g.op("Mul", Z, g.const("slope", LEAKY_SLOPE, dtype)))
    if name == "softmax":
        return g.op("Softmax", Z, axis=1)  # over the classes: a row is an example
    return g.op(ACTIVATION_OPS[name], Z)


def scaled(g: Graph, scaling: InputScaling, x: str) -> str:
    """The rows x (m, n_x) float64 after the scaling, float64 (see the module docstring)."""
    affine = scaling.affine
    if affine is not None:
        x = g.op("Sub", x, g.const("center", affine[0]))
        x = g.op("Div", x, g.const("scale", affine[1]))
    if scaling.kind == "robust":
        return g.op("Clip", x, g.const("low", -ROBUST_CLIP), g.const("high", ROBUST_CLIP))
    if scaling.kind == "quantile":
        assert scaling.quantiles is not None
        u = quantile_map(g, x, scaling.quantiles)
        p = g.op("Clip", u, g.const("low", QUANTILE_BOUND), g.const("high", 1 - QUANTILE_BOUND))
        return normal_quantile(g, p)
    return x


def breakpoints(quantiles: NDArray[Any]) -> tuple[NDArray[np.float64], ...]:
    """Each feature's F as breakpoints: values V, ramps R, 1/widths INV and jumps J, (n_x, K).

    For a feature with distinct quantiles v_0 < ... < v_{D-1} at references from u_lo(v) to
    u_hi(v): J_i = u_hi(v_i) - u_lo(v_i), R_i = u_lo(v_{i+1}) - u_hi(v_i) with INV_i =
    1 / (v_{i+1} - v_i); zeros pad each feature to K = max D.
    """
    q = np.asarray(quantiles, dtype=np.float64)
    references = np.linspace(0, 1, q.shape[0])
    features = [_feature_breakpoints(q[:, j], references) for j in range(q.shape[1])]
    K = max(len(values) for values, *_ in features)
    out = tuple(np.zeros((q.shape[1], K)) for _ in range(4))
    for j, parts in enumerate(features):
        for array, part in zip(out, parts, strict=True):
            array[j, : len(part)] = part
    return out


def _feature_breakpoints(q: NDArray[np.float64], references: NDArray[np.float64]) -> tuple:
    """V, R, INV, J of one feature (see `breakpoints`)."""
    values, first = np.unique(q, return_index=True)
    last = len(q) - 1 - np.unique(q[::-1], return_index=True)[1]
    u_lo, u_hi = references[first], references[last]
    ramps = np.append(u_lo[1:] - u_hi[:-1], 0.0)
    inverse = np.append(1.0 / np.diff(values), 0.0)
    return values, ramps, inverse, u_hi - u_lo


def quantile_map(g: Graph, x: str, quantiles: NDArray[Any]) -> str:
    """The map u = F(x), (m, n_x) float64, as `dnn.scaling.quantile_map`."""
    V, R, INV, J = breakpoints(quantiles)
    x3 = g.op("Unsqueeze", x, g.const("axis2", [2], "int64"))  # (m, n_x, 1)
    d = g.op("Sub", x3, g.const("breakpoints", V))  # (m, n_x, K)
    ramp = g.op("Clip", g.op("Mul", d, g.const("inverse_widths", INV)), *_unit(g))
    axes = g.const("axes", [2], "int64")
    u = g.op("ReduceSum", g.op("Mul", ramp, g.const("ramps", R)), axes, keepdims=0)
    if not J.any():  # no value repeated in the quantiles: no jump to add
        return u
    step = g.op("Add", g.op("Sign", d), g.const("one", 1.0))  # 0, 1 (at v_i) or 2
    jumps = g.op("ReduceSum", g.op("Mul", step, g.const("half_jumps", J / 2)), axes, keepdims=0)
    return g.op("Add", u, jumps)


def _unit(g: Graph) -> tuple[str, str]:
    return g.const("zero", 0.0), g.const("one", 1.0)


def normal_quantile(g: Graph, p: str) -> str:
    """Φ⁻¹(p) for p in [exp(-25), 1 - exp(-25)], float64, as `dnn.scaling.normal_quantile`."""
    q = g.op("Sub", p, g.const("half", 0.5))
    r = g.op("Sub", g.const("centre", AS241_CENTRE), g.op("Mul", q, q))
    central = g.op("Mul", q, rational(g, AS241_CENTRAL, r))
    smaller = g.op("Min", p, g.op("Sub", g.const("one", 1.0), p))
    s = g.op("Sub", g.op("Sqrt", g.op("Neg", g.op("Log", smaller))), g.const("shift", AS241_SHIFT))
    tail = g.op("Mul", g.op("Sign", q), rational(g, AS241_TAIL, s))
    is_central = g.op("LessOrEqual", g.op("Abs", q), g.const("split", AS241_SPLIT))
    return g.op("Where", is_central, central, tail)


def rational(g: Graph, coefficients: tuple[tuple[float, ...], tuple[float, ...]], r: str) -> str:
    """N(r) / D(r) by Horner's rule, as `dnn.scaling._rational`."""
    numerator, denominator = (_horner(g, c, r) for c in coefficients)
    return g.op("Div", numerator, denominator)


def _horner(g: Graph, coefficients: tuple[float, ...], r: str) -> str:
    value = g.op(
        "Add", g.op("Mul", r, g.const("c", coefficients[-1])), g.const("c", coefficients[-2])
    )
    for c in coefficients[-3::-1]:
        value = g.op("Add", g.op("Mul", value, r), g.const("c", c))
    return value
