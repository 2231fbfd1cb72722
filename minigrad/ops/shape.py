"""Operations that move values around without changing them: reshape, transpose, expand,
indexing, cat and stack. Their backward moves the gradient back to where each value came
from, with the inverse movement.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Function, reduce_to_shape
from minigrad.ops.elementwise import promote_dtypes


class View(Function):
    """z = a with a new shape.   Backward: the gradient gets a's shape back."""

    node_name = "ViewBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        try:
            return a.array.reshape(shape)
        except ValueError:
            raise RuntimeError(
                f"shape '{list(shape)}' is invalid for input of size {a.array.size}"
            ) from None

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


class Transpose(Function):
    """z = a with two dimensions swapped.   Backward: swap them back."""

    node_name = "TransposeBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, a, dim0, dim1):
        ctx.dims = (dim0, dim1)
        return np.swapaxes(a.array, dim0, dim1) if a.array.ndim else a.array

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(*ctx.dims), None, None


class T(Transpose):
    """z = the transpose of a matrix, as `x.t()` (PyTorch names this node TBackward0)."""

    node_name = "TBackward0"


class Permute(Function):
    """z = a with its dimensions reordered.   Backward: the inverse reordering."""

    node_name = "PermuteBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, a, dims):
        ctx.inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))  # argsort
        return a.array.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return Permute.apply(grad, ctx.inverse), None


class Unsqueeze(Function):
    """z = a with a new dimension of size 1.   Backward: drop it again."""

    node_name = "UnsqueezeBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, a, dim):
        ctx.shape = a.shape
        return np.expand_dims(a.array, dim)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


class Squeeze(Function):
    """z = a without dimensions of size 1 (or just `dim`, if it has size 1)."""

    node_name = "SqueezeBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, a, dim):
        ctx.shape = a.shape
        if dim is None or a.array.ndim == 0:
            return np.squeeze(a.array)
        return np.squeeze(a.array, dim) if a.shape[dim] == 1 else a.array

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


class SqueezeDim(Squeeze):
    """Squeeze one given dimension (PyTorch's second overload)."""

    node_name = "SqueezeBackward1"


class Expand(Function):
    """z = a repeated along dimensions of size 1 (no copy).   Backward: sum the repeats."""

    node_name = "ExpandBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, a, sizes):
        ctx.shape = a.shape
        lead = len(sizes) - a.ndim
        if lead < 0:
            raise RuntimeError(
                f"expand: the number of sizes provided ({len(sizes)}) must be greater or "
                f"equal to the number of dimensions in the tensor ({a.ndim})"
            )
        target = tuple(
            a.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes)
        )
        try:
            return np.broadcast_to(a.array, target)
        except ValueError:
            raise RuntimeError(
                f"The expanded size of the tensor must match the existing size at "
                f"non-singleton dimensions: cannot expand {list(a.shape)} to {list(target)}"
            ) from None

    @staticmethod
    def backward(ctx, grad):
        return reduce_to_shape(grad, ctx.shape), None


class Index(Function):
    """z = a[key] with integer arrays in the key (gather).   Backward: scatter-add back."""

    node_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, a, key):
        ctx.shape, ctx.key = a.shape, key
        return a.array[key]

    @staticmethod
    def backward(ctx, grad):
        return IndexAddInto.apply(grad, ctx.key, ctx.shape), None


class Select(Index):
    """z = a[i] for an integer i (a view: it shares a's memory)."""

    node_name = "SelectBackward0"
    is_view = True
    view_key = True

    @staticmethod
    def forward(ctx, a, key):
        ctx.shape, ctx.key = a.shape, key
        parts = key if isinstance(key, tuple) else (key,)
        if Ellipsis in parts:
            return a.array[key]
        # numpy's vector[i] is a number, copied out; vector[i, ...] is a 0-d view, as in
        # PyTorch, so that changing it in place changes the vector too.
        return a.array[(*parts, Ellipsis)]


class Slice(Index):
    """z = a[start:stop:step] (a view)."""

    node_name = "SliceBackward0"
    is_view = True
    view_key = True


class IndexAddInto(Function):
    """z = zeros(shape), then z[key] += g.   Indices that repeat add up (np.add.at).

    This is the backward of indexing: an element picked twice gets both gradients. Its
    own backward is indexing again.
    """

    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, grad, key, shape):
        ctx.key = key
        out = np.zeros(shape, dtype=grad.dtype)
        if _is_basic(key):
            out[key] = grad.array  # a basic index never repeats an element
        else:
            np.add.at(out, key, grad.array)
        return out

    @staticmethod
    def backward(ctx, grad):
        return index(grad, ctx.key), None, None


class IndexPut(Function):
    """z = a with z[key] = v: the written positions take v's gradient, the rest a's."""

    node_name = "CopySlices"

    @staticmethod
    def forward(ctx, a, v, key):
        out = a.array.copy()
        out[key] = v.array
        written = np.zeros(a.shape, dtype=bool)
        written[key] = True
        ctx.key, ctx.kept = key, ~written
        return out

    @staticmethod
    def backward(ctx, grad):
        from minigrad.tensor import Tensor

        grad_a = grad * Tensor._wrap(ctx.kept) if ctx.needs_input_grad[0] else None
        grad_v = index(grad, ctx.key) if ctx.needs_input_grad[1] else None
        return grad_a, grad_v, None


class Cat(Function):
    """z = the tensors joined along `dim`.   Backward: cut the gradient into the same pieces."""

    node_name = "CatBackward0"

    @staticmethod
    def forward(ctx, dim, *tensors):
        ctx.dim = dim
        ctx.sizes = [t.shape[dim] for t in tensors]
        return np.concatenate([t.array for t in tensors], axis=dim, dtype=_joined_dtype(tensors))

    @staticmethod
    def backward(ctx, grad):
        pieces, start = [], 0
        for size in ctx.sizes:
            key = (slice(None),) * ctx.dim + (slice(start, start + size),)
            pieces.append(grad[key])
            start += size
        return (None, *pieces)


class Stack(Function):
    """z = the tensors stacked along a new dimension.   Backward: take each slice back."""

    node_name = "StackBackward0"

    @staticmethod
    def forward(ctx, dim, *tensors):
        ctx.dim, ctx.count = dim, len(tensors)
        return np.stack([t.array for t in tensors], axis=dim, dtype=_joined_dtype(tensors))

    @staticmethod
    def backward(ctx, grad):
        prefix = (slice(None),) * ctx.dim
        return (None, *(grad[prefix + (i,)] for i in range(ctx.count)))


def _joined_dtype(tensors) -> np.dtype:
    """PyTorch's dtype for tensors joined into one (float32 with int64 stays float32)."""
    return promote_dtypes([t.array.dtype for t in tensors])


def _is_basic(key) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return all(isinstance(k, (int, slice, type(None), type(Ellipsis))) for k in parts)


def index_key(key):
    """Turn tensors and lists inside an index into numpy arrays numpy can index with."""
    from minigrad.tensor import Tensor

    def convert(k):
        if isinstance(k, Tensor):
            return k.array
        if isinstance(k, list):
            return np.asarray(k)
        if isinstance(k, np.integer):
            return int(k)
        if isinstance(k, slice) and k.step == 0:
            raise ValueError("slice step cannot be zero")
        if isinstance(k, slice) and k.step is not None and k.step < 0:
            raise ValueError(
                "step must be greater than zero (PyTorch's slices cannot run backwards: to "
                "reverse a tensor, index it with minigrad.arange(n - 1, -1, -1))"
            )
        return k

    return tuple(convert(k) for k in key) if isinstance(key, tuple) else convert(key)


def index(a, key):
    """a[key]: choose the Function (and node name) PyTorch would show for this key."""
    if key is None:  # x[None] adds a leading dimension: PyTorch records an unsqueeze
        return Unsqueeze.apply(a, 0)
    key = index_key(key)
    parts = key if isinstance(key, tuple) else (key,)
    if not _is_basic(key):
        function = Index
    elif any(isinstance(k, int) for k in parts):
        function = Select
    else:
        function = Slice
    try:
        return function.apply(a, key)
    except IndexError as error:
        raise IndexError(f"{error} (indexing a tensor of shape {list(a.shape)})") from None


def cat(tensors, dim: int = 0):
    """Join tensors along an existing dimension (torch.cat)."""
    from minigrad.tensor import _dim

    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(
                f"zero-dimensional tensor (at position {i}) cannot be concatenated: use "
                "stack() to join numbers into a vector"
            )
    dim = _dim(dim, tensors[0].ndim)
    for i, t in enumerate(tensors):
        expected = tensors[0].shape[:dim] + tensors[0].shape[dim + 1:]
        if t.ndim != tensors[0].ndim or t.shape[:dim] + t.shape[dim + 1:] != expected:
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {dim}. Expected "
                f"{list(tensors[0].shape)} but got {list(t.shape)} for tensor number {i} in "
                "the list."
            )
    return Cat.apply(dim, *tensors)


def stack(tensors, dim: int = 0):
    """Join same-shaped tensors along a new dimension (torch.stack)."""
    from minigrad.tensor import _dim

    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} "
                f"at entry 0 and {list(t.shape)} at entry {i}"
            )
    return Stack.apply(_dim(dim, tensors[0].ndim + 1), *tensors)
