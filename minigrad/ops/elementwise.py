"""Elementwise operations. Each is a Function: forward on numpy arrays, backward on tensors.

The backward methods are written with tensor operations, so they are recorded when
`create_graph=True`; that is all it takes to get second derivatives. They return
gradients of the output's (broadcast) shape; the engine sums them down to each input's
shape (`reduce_to_shape`), so no op here needs to think about broadcasting.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd import function  # function.Tensor: the Tensor class, set by tensor.py
from minigrad.autograd.function import Function


def result_dtype(a, b) -> np.dtype:
    """The dtype PyTorch gives the result of a binary op on tensors a and b.

    Numpy and PyTorch disagree on mixed dtypes: numpy makes int64 + float32 a float64,
    PyTorch keeps the float32. PyTorch's rule: a float beats an integer, which beats a bool,
    and the result takes the winner's dtype; a 0-d tensor (a Python number becomes one)
    only counts when it is of a higher kind than every tensor with dimensions.
    """
    x, y = a.array, b.array
    if x.dtype == y.dtype:
        return x.dtype
    if (x.ndim == 0) != (y.ndim == 0):  # one operand is 0-d: it counts only if of a higher kind
        tensor_, scalar = (x, y) if y.ndim == 0 else (y, x)
        if _KIND_RANK[scalar.dtype.kind] <= _KIND_RANK[tensor_.dtype.kind]:
            return tensor_.dtype
    return promote_dtypes([x.dtype, y.dtype])


_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}  # bool < integer < float < complex


def promote_dtypes(dtypes) -> np.dtype:
    """PyTorch's common dtype of tensors: the highest kind wins (a float over an integer over
    a bool) and takes its own dtype; within that kind, numpy's promotion (float32, float64:
    float64). Used for binary ops and for tensors joined by cat and stack."""
    top = max(_KIND_RANK[d.kind] for d in dtypes)
    return np.result_type(*[d for d in dtypes if _KIND_RANK[d.kind] == top])


def _operands(a, b) -> tuple:
    """a's and b's arrays, converted to their result dtype where they differ."""
    x, y = a.array, b.array
    if x.dtype != y.dtype:
        dtype = result_dtype(a, b)
        x, y = x.astype(dtype, copy=False), y.astype(dtype, copy=False)
    return x, y


class Add(Function):
    """z = a + b.   dz/da = 1, dz/db = 1: the gradient passes through unchanged."""

    node_name = "AddBackward0"

    @staticmethod
    def forward(ctx, a, b):
        x, y = _operands(a, b)
        return x + y

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


def refuse_bool(what: str, *tensors) -> None:
    """PyTorch refuses - on bool tensors: `1 - mask` is numpy's idiom; `~mask` is meant."""
    if any(t.array.dtype == np.bool_ for t in tensors):
        if len(tensors) == 2 and all(t.array.dtype == np.bool_ for t in tensors):
            raise RuntimeError(
                "Subtraction, the `-` operator, with two bool tensors is not supported. For "
                "their exclusive or (PyTorch's logical_xor), write a != b."
            )
        raise RuntimeError(
            f"{what} a bool tensor is not supported. If you are trying to invert a mask, use "
            "the `~` or `logical_not()` operator instead."
        )


class Sub(Function):
    """z = a - b.   dz/da = 1, dz/db = -1."""

    node_name = "SubBackward0"

    @staticmethod
    def forward(ctx, a, b):
        refuse_bool("Subtraction, the `-` operator, with", a, b)
        x, y = _operands(a, b)
        return x - y

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Rsub(Function):
    """z = b - a for a number b (`2 - x`).   dz/da = -1."""

    node_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, b):
        refuse_bool("Subtraction, the `-` operator, with", a, b)
        x, y = _operands(a, b)
        return y - x

    @staticmethod
    def backward(ctx, grad):
        return -grad, (grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """z = a * b.   dz/da = b, dz/db = a: each input's gradient is scaled by the other."""

    node_name = "MulBackward0"

    @staticmethod
    def forward(ctx, a, b):
        # Save only what backward will read: b for a's gradient, a for b's.
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(b if need_a else None, a if need_b else None)
        x, y = _operands(a, b)
        return x * y

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved_tensors
        return (grad * b if b is not None else None), (grad * a if a is not None else None)


class Div(Function):
    """z = a / b.   dz/da = 1/b, dz/db = -a/b²."""

    node_name = "DivBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        x, y = _operands(a, b)
        if x.dtype.kind not in "fc":  # true division of integers gives the default float
            x, y = x.astype(np.float32), y.astype(np.float32)
        with np.errstate(divide="ignore", invalid="ignore"):  # inf and nan, as in PyTorch
            return x / y

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad / b if ctx.needs_input_grad[0] else None
        grad_b = -grad * a / (b * b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Neg(Function):
    """z = -a.   dz/da = -1."""

    node_name = "NegBackward0"

    @staticmethod
    def forward(ctx, a):
        refuse_bool("Negation, the `-` operator, on", a)
        return -a.array

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Function):
    """z = a ** n for a number n.   dz/da = n · a^(n-1)."""

    node_name = "PowBackward0"

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        x = a.array
        if x.dtype.kind in "biu" and isinstance(exponent, (float, np.floating)):
            x = x.astype(np.float32)  # an integer tensor to a float power is a float32 tensor
        # The exponent takes x's dtype (an int32 tensor squared stays int32), unless it is a
        # float and x is not: then x became float32 above.
        exponent = np.asarray(exponent, dtype=x.dtype if x.dtype.kind in "fiu" else None)
        if x.dtype.kind in "iu" and exponent < 0:  # 2 ** -1 is no integer
            raise RuntimeError("Integers to negative integer powers are not allowed. Convert "
                               "the tensor first: x.float() ** -1.")
        with np.errstate(divide="ignore", invalid="ignore"):  # (-1) ** 0.5 is nan, silently
            return x**exponent

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        n = ctx.exponent
        if n == 0:  # a ** 0 = 1 is flat, even at a = 0 where the formula gives 0 · 0^-1 = nan
            return grad * 0.0, None
        return grad * n * a ** (n - 1), None


class PowTensor(Function):
    """z = a ** b for tensors.   dz/da = b · a^(b-1),  dz/db = z · ln a."""

    node_name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b):
        x, y = _operands(a, b)
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return x**y

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            # Where b = 0, a ** 0 = 1 is flat, even at a = 0 where b · a^(b-1) is 0 · inf.
            # There the formula is swapped for the constant 0 · a^1, which is 0 at every a
            # and, with create_graph=True, has derivative 0 for a and b alike.
            nonzero = b.array != 0
            grad_a = grad * where(nonzero, b, 0.0) * a ** where(nonzero, b - 1, 1.0)
        if ctx.needs_input_grad[1]:
            # At a = 0 (b ≥ 0) ln a is -inf, but PyTorch defines the gradient there as 0.
            # For a < 0, ln a is nan, and so is the gradient (in PyTorch too).
            log_a = where((a.array == 0) & (b.array >= 0), 0.0, a.log())
            grad_b = grad * a**b * log_a
        return grad_a, grad_b


class PowScalarBase(PowTensor):
    """z = c ** b for a number c (`2 ** x`): the same rule, PyTorch's third overload."""

    node_name = "PowBackward2"


class Exp(Function):
    """z = exp(a).   dz/da = exp(a) = z, so backward reuses the output."""

    node_name = "ExpBackward0"

    @staticmethod
    def forward(ctx, a):
        out = _wrap(np.exp(a.array))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Function):
    """z = ln(a).   dz/da = 1/a."""

    node_name = "LogBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a.array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


class Sqrt(Function):
    """z = √a.   dz/da = 1 / (2√a) = 1 / (2z)."""

    node_name = "SqrtBackward0"

    @staticmethod
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):
            out = _wrap(np.sqrt(a.array))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


class Abs(Function):
    """z = |a|.   dz/da = sign(a), taken as 0 at a = 0 (a kink: no true derivative there)."""

    node_name = "AbsBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a.array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a.sign()


class Sign(Function):
    """z = sign(a) ∈ {-1, 0, 1}.   Flat everywhere it is defined: the gradient is 0."""

    node_name = "SignBackward0"

    @staticmethod
    def forward(ctx, a):
        return np.sign(a.array)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0.0


class Relu(Function):
    """z = max(a, 0).   dz/da = 1 where a > 0, else 0 (also at the kink a = 0)."""

    node_name = "ReluBackward0"

    @staticmethod
    def forward(ctx, a):
        out = _wrap(np.maximum(a.array, 0))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # out.sign() is the mask out > 0 as zeros and ones (out is never negative). Unlike
        # the comparison it is an op, with derivative 0: with create_graph=True the gradient
        # then depends on a, and its derivative is 0 rather than missing, as in PyTorch.
        return grad * out.sign()


class Tanh(Function):
    """z = tanh(a).   dz/da = 1 - z²."""

    node_name = "TanhBackward0"

    @staticmethod
    def forward(ctx, a):
        out = _wrap(np.tanh(a.array))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


class Sigmoid(Function):
    """z = 1 / (1 + e^-a).   dz/da = z (1 - z)."""

    node_name = "SigmoidBackward0"

    @staticmethod
    def forward(ctx, a):
        x = a.array
        # Two formulas, each safe on its side of 0: e^-x overflows for very negative x.
        e = np.exp(-np.abs(x))
        out = _wrap(np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


class Clamp(Function):
    """z = min(max(a, low), high).   dz/da = 1 inside [low, high] (edges included), else 0."""

    node_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, a, low, high):
        ctx.save_for_backward(a)
        ctx.low, ctx.high = low, high
        x = a.array
        float_bound = any(isinstance(v, (float, np.floating)) for v in (low, high))
        if x.dtype.kind not in "fc" and float_bound:
            x = x.astype(np.float32)  # integers clamped to a float bound: float32, as in PyTorch
        if x.dtype.kind == "f":  # a float32 tensor clamped to np.float64(0.5) stays float32
            low, high = (None if v is None else x.dtype.type(v) for v in (low, high))
        return np.clip(x, low, high)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        inside = np.ones(a.shape, dtype=bool)
        if ctx.low is not None:
            inside &= a.array >= ctx.low
        if ctx.high is not None:
            inside &= a.array <= ctx.high
        return grad * _wrap(inside), None, None


class Where(Function):
    """z = a where cond else b.   The gradient goes to a where cond holds, to b elsewhere."""

    node_name = "WhereBackward0"

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        x, y = _operands(a, b)
        return np.where(cond.array, x, y)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved_tensors
        zero = _wrap(np.zeros((), dtype=grad.dtype))
        grad_a = Where.apply(cond, grad, zero) if ctx.needs_input_grad[1] else None
        grad_b = Where.apply(cond, zero, grad) if ctx.needs_input_grad[2] else None
        return None, grad_a, grad_b


class Clone(Function):
    """z = a copy of a.   dz/da = 1."""

    node_name = "CloneBackward0"

    @staticmethod
    def forward(ctx, a):
        return a.array.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class ToDtype(Function):
    """z = a converted to another dtype; the gradient is converted back."""

    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.input_dtype = a.dtype
        return a.array.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.to(ctx.input_dtype), None


class Fill(Function):
    """z = a tensor of a's shape filled with one value: nothing flows back to a."""

    node_name = "FillBackward0"

    @staticmethod
    def forward(ctx, a, value):
        return np.full(a.shape, value, dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0.0, None


def where(condition, a, b):
    """Elementwise choice: a where condition is true, b elsewhere (torch.where).

    A number for a or b follows the same dtype rules as in `x + 1`; when both are numbers,
    the result has the dtype of tensor(a) + b (where(c, 1, 0) is int64, where(c, 1, 0.5)
    float32), as in PyTorch.
    """
    from minigrad.tensor import Tensor, _scalar_like, tensor

    if not isinstance(condition, Tensor):
        condition = _wrap(np.asarray(condition))
    if condition.array.dtype != np.bool_:
        raise RuntimeError(
            "where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{condition._dtype_name()}. Compare first: where(x > 0, ...)."
        )
    if not isinstance(a, Tensor):
        a = _scalar_like(a, b) if isinstance(b, Tensor) else tensor(a)
    if not isinstance(b, Tensor):
        b = _scalar_like(b, a)
    try:
        return Where.apply(condition, a, b)
    except ValueError:
        shapes = (("condition", condition.shape), ("input", a.shape), ("other", b.shape))
        raise RuntimeError(broadcast_error("where", shapes)) from None


def check_broadcast(op: str, named_shapes: tuple) -> None:
    """PyTorch's RuntimeError, naming op and every shape, for shapes that do not broadcast."""
    try:
        np.broadcast_shapes(*(shape for _, shape in named_shapes))
    except ValueError:
        raise RuntimeError(broadcast_error(op, named_shapes)) from None


def broadcast_error(op: str, named_shapes: tuple) -> str:
    """PyTorch's message for shapes that do not broadcast, naming every shape involved."""
    ndim = max(len(shape) for _, shape in named_shapes)
    for i in range(1, ndim + 1):  # dimension ndim - i, counted from the right
        stretched = [(name, shape[-i]) for name, shape in named_shapes
                     if i <= len(shape) and shape[-i] != 1]
        if not stretched:
            continue
        first_name, first_size = stretched[0]
        for name, size in stretched[1:]:
            if size != first_size:
                listed = ", ".join(f"{name} {list(shape)}" for name, shape in named_shapes)
                return (
                    f"The size of tensor {first_name} ({first_size}) must match the size of "
                    f"tensor {name} ({size}) at non-singleton dimension {ndim - i}. ({op} of "
                    f"{listed}; shapes broadcast when, from the right, each pair of sizes is "
                    "equal or one of them is 1.)"
                )
    return f"{op}: shapes {[list(shape) for _, shape in named_shapes]} do not broadcast"


def _wrap(array):
    """A tensor around an array-like value, without copying."""
    return function.Tensor._wrap(np.asarray(array))
