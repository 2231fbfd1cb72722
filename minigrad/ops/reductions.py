"""Reductions: sum, mean, max/min, norm, softmax and log-softmax.

A reduction maps many inputs to one output, so its backward does the reverse: it
*spreads* the output's gradient back over every input that was reduced. `_spread` puts
the reduced dimensions back (as size 1) and expands the gradient over them.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd import function  # function.Tensor: the Tensor class, set by tensor.py
from minigrad.autograd.function import Function


def _kept_shape(shape: tuple, dims) -> tuple:
    """The output's shape with reduced dimensions kept as size 1 (dims None: all of them)."""
    if dims is None:
        return (1,) * len(shape)
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _axes(a, dims):
    """numpy's axis argument: a 0-d tensor accepts dim 0 or -1 (as in PyTorch), numpy does not."""
    return dims if a.array.ndim else None


def _spread(grad, shape: tuple, dims, keepdim: bool):
    """Send the gradient of a reduction back to every element that was reduced.

    Each input element contributed to one output element, so it gets that element's
    gradient: put the reduced dimensions back as size 1, then repeat along them.
    """
    if not keepdim and grad.ndim:  # (a 0-d gradient, of a sum of everything, expands as is)
        grad = grad.reshape(_kept_shape(shape, dims))
    return grad.expand(shape)


class Sum(Function):
    """z = Σ aᵢ.   dz/daᵢ = 1 for every i: the gradient is copied to each element."""

    node_name = "SumBackward0"

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        # Sums of bools and unsigned integers are int64 in PyTorch (numpy: uint64 for uint8).
        dtype = np.int64 if a.array.dtype.kind in "bu" else None
        return a.array.sum(axis=_axes(a, dims), keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        return _spread(grad, ctx.shape, ctx.dims, ctx.keepdim), None, None


class SumDim(Sum):
    """Sum along some dimensions (PyTorch's second overload of sum)."""

    node_name = "SumBackward1"


class Mean(Function):
    """z = (1/n) Σ aᵢ.   dz/daᵢ = 1/n."""

    node_name = "MeanBackward0"

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        out = a.array.mean(axis=_axes(a, dims), keepdims=keepdim)
        ctx.count = a.array.size // max(np.size(out), 1)
        return out

    @staticmethod
    def backward(ctx, grad):
        return _spread(grad / ctx.count, ctx.shape, ctx.dims, ctx.keepdim), None, None


class MeanDim(Mean):
    """Mean along some dimensions (PyTorch's second overload of mean)."""

    node_name = "MeanBackward1"


class Max(Function):
    """z = max of all elements.   The gradient goes to the largest element (shared among ties).

    max has no derivative where two elements tie: this choice, PyTorch's, is one of many.
    A NaN is the maximum (and the minimum) of anything it is among, so it gets the gradient.
    """

    node_name = "MaxBackward1"

    @staticmethod
    def forward(ctx, a):
        out = a.array.max()
        ctx.winners = _winners(a.array, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        winners = ctx.winners
        share = _tensor(winners / winners.sum(), grad.dtype)
        return grad * share


class Min(Max):
    """z = min of all elements; the same rule as Max."""

    node_name = "MinBackward1"

    @staticmethod
    def forward(ctx, a):
        out = a.array.min()
        ctx.winners = _winners(a.array, out)
        return out


def _winners(array: np.ndarray, out) -> np.ndarray:
    """Where the maximum (or minimum) `out` is: the elements equal to it, or the NaNs."""
    if array.dtype.kind == "f" and np.isnan(out):
        return np.isnan(array)
    return array == out


class MaxDim(Function):
    """(values, indices) of the maxima along `dim`. The gradient goes to the index returned.

    Unlike max of all elements, a tie does not share: the element whose index is returned
    takes the whole gradient (PyTorch's rule too).
    """

    node_name = "MaxBackward0"

    @staticmethod
    def forward(ctx, a, dim, keepdim):
        return _pick_along(ctx, a, dim, keepdim, np.argmax)

    @staticmethod
    def backward(ctx, grad, _grad_indices):
        spread = _spread(grad, ctx.shape, (ctx.dim,), ctx.keepdim)
        return spread * _tensor(ctx.chosen, grad.dtype), None, None


class MinDim(MaxDim):
    """(values, indices) of the minima along `dim`; the same rule as MaxDim."""

    node_name = "MinBackward0"

    @staticmethod
    def forward(ctx, a, dim, keepdim):
        return _pick_along(ctx, a, dim, keepdim, np.argmin)


def _pick_along(ctx, a, dim, keepdim, arg_function):
    """Forward of MaxDim and MinDim: the elements that arg_function picks along dim."""
    ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
    if a.array.ndim == 0:  # the only element is picked, at index 0
        ctx.chosen = np.ones((), dtype=bool)
        return a.array.copy(), np.zeros((), dtype=np.int64)
    indices = arg_function(a.array, axis=dim, keepdims=True)
    values = np.take_along_axis(a.array, indices, axis=dim)
    # A one-hot mask of the chosen elements: backward routes the gradient through it.
    chosen = np.zeros(a.shape, dtype=bool)
    np.put_along_axis(chosen, indices, True, axis=dim)
    ctx.chosen = chosen
    if not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return values, indices.astype(np.int64)


class Norm(Function):
    """z = ‖a‖_p = (Σ |aᵢ|^p)^(1/p).   dz/daᵢ = sign(aᵢ) |aᵢ|^(p-1) / z^(p-1).

    For p = 2 that is aᵢ / z: the gradient points along a. At a = 0 (a kink) it is 0.
    The limits: p = inf is the largest |aᵢ|, p = -inf the smallest (the gradient goes to
    that element, as for max and min), and p = 0 counts the elements that are not 0 (a
    count does not change when an element moves a little: its gradient is 0).
    """

    node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, a, p, dims, keepdim):
        if p in ("fro", None):
            p = 2
        x = np.abs(a.array)
        if x.dtype == np.float16:  # 300² already overflows float16: sum in float32
            x = x.astype(np.float32)
        dims = _axes(a, dims)
        if p == float("inf"):
            out = np.max(x, axis=dims, keepdims=keepdim)
        elif p == float("-inf"):
            out = np.min(x, axis=dims, keepdims=keepdim)
        elif p == 0:
            out = np.sum(x != 0, axis=dims, keepdims=keepdim)
        elif p == 1:
            out = np.sum(x, axis=dims, keepdims=keepdim)
        else:
            with np.errstate(divide="ignore"):  # p < 0: |0|^p is inf, and the norm 0
                out = np.sum(x**p, axis=dims, keepdims=keepdim) ** (1.0 / p)
        out = out.astype(a.dtype, copy=False)
        out_t = _tensor(out, a.dtype)
        ctx.save_for_backward(a, out_t)
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        return out_t

    @staticmethod
    def backward(ctx, grad):
        a, norm = ctx.saved_tensors
        p, shape = ctx.p, a.shape
        grad = _spread(grad, shape, ctx.dims, ctx.keepdim)
        if p == 0:
            return grad * 0, None, None, None
        if p == 1:
            return grad * a.sign(), None, None, None
        norm = _spread(norm, shape, ctx.dims, ctx.keepdim)
        if p in (float("inf"), float("-inf")):
            winners = _tensor(np.abs(a.array) == norm.array, a.dtype)
            count = _spread(winners.sum(dim=ctx.dims, keepdim=True), shape, ctx.dims, True)
            return grad * a.sign() * winners / count, None, None, None
        safe = _tensor(norm.array != 0, a.dtype)
        denominator = norm ** (p - 1) + (1 - safe)  # 1 where the norm is 0, to avoid 0/0
        zero = _tensor(a.array == 0, a.dtype)  # |0|^(p-1) is infinite for p < 1: use 1 there,
        scale = a.sign() * (a.abs() + zero) ** (p - 1) / denominator  # sign(0) = 0 wins
        return grad * scale * safe, None, None, None


def _largest(array: np.ndarray, axis) -> np.ndarray:
    """The maximum along axis, kept as a size-1 dimension; -inf along an empty one (an empty
    batch), where numpy's max would raise."""
    return array.max(axis=axis, keepdims=True, initial=-np.inf)


class Softmax(Function):
    """zᵢ = e^aᵢ / Σⱼ e^aⱼ along dim.   Backward: z ⊙ (g - Σ g ⊙ z)."""

    node_name = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx, a, dim):
        axis = _axes(a, dim)
        shifted = a.array - _largest(a.array, axis)  # no overflow
        e = np.exp(shifted)
        out = _tensor(e / e.sum(axis=axis, keepdims=True), a.dtype)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return out * (grad - (grad * out).sum(dim=ctx.dim, keepdim=True)), None


class LogSoftmax(Function):
    """zᵢ = aᵢ - log Σⱼ e^aⱼ along dim.   Backward: g - softmax(a) · Σ g."""

    node_name = "LogSoftmaxBackward0"

    @staticmethod
    def forward(ctx, a, dim):
        axis = _axes(a, dim)
        shifted = a.array - _largest(a.array, axis)
        with np.errstate(divide="ignore"):  # log 0 only for an empty axis: there is no output
            out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        out = _tensor(out, a.dtype)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - out.exp() * grad.sum(dim=ctx.dim, keepdim=True), None


def _tensor(array, dtype):
    return function.Tensor._wrap(np.asarray(array, dtype=dtype))
