"""Tensor: a numpy array that remembers how it was computed.

A tensor holds its values in `.array` (a numpy array). When it is the result of an
operation on tensors that require grad, it also holds `grad_fn`, the node of the backward
graph that knows how to send gradients back to the operation's inputs. Leaves, tensors
made directly by the user, have no grad_fn; those that require grad collect their gradient
in `.grad` when `backward()` runs.

Every operator below (`+`, `*`, `@`, `.sum()`, ...) calls the `apply` of a Function from
`minigrad.ops`; none of them computes anything itself. Read `minigrad/ops/` for the math.
"""

from __future__ import annotations

import copy
import warnings
import weakref
from collections import namedtuple

import numpy as np

from minigrad import dtypes
from minigrad._formatting import format_tensor
from minigrad.autograd import grad_mode
from minigrad.autograd.function import RemovableHandle, shared

ReturnValues = namedtuple("ReturnValues", ["values", "indices"])


class Size(tuple):
    """A tensor's shape: a tuple that prints as PyTorch's torch.Size does."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"minigrad.Size({list(self)})"

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


class Tensor:
    """An n-dimensional array with autograd. Create tensors with `minigrad.tensor(...)`."""

    # A tensor is created for every operation, so the fields every tensor uses are slots and
    # _wrap sets only those. The rarely used ones default on the class; the few tensors that
    # need them (leaves with a .grad, views, tensors with hooks) get their own in __dict__.
    __slots__ = (
        "array",          # the values, a numpy array
        "_requires_grad",  # behind the requires_grad property, which checks what is set
        "grad_fn",        # the node that made this tensor (None for leaves)
        "_output_nr",     # which output of grad_fn this tensor is
        "_version_box",   # [n]: how many in-place changes; shared with detach()ed aliases
        "__dict__",
        "__weakref__",
    )
    _grad = None          # behind the grad property, which warns on non-leaves
    _view_of = None       # (base, index, Function, args) if this is a view of base
    _history_version = None  # a view: the version of its memory its grad_fn is for
    _made_in_no_grad = False  # a view made under no_grad, which never takes a history
    _made_as_view_by = None  # "Output i of F" if a custom Function F returned a view of an input
    _accumulator = None   # weak reference to the leaf's AccumulateGrad node
    _hooks: tuple | list = ()  # a leaf's gradient hooks (a non-leaf's live on its grad_fn)
    _retains_grad = False  # set by retain_grad()

    def __init__(self, data, requires_grad: bool = False, dtype=None) -> None:
        array = np.array(data, dtype=dtypes.to_dtype(dtype) or dtypes.float32)
        _init(self, array)
        self.requires_grad = requires_grad

    @classmethod
    def _wrap(cls, array: np.ndarray, requires_grad: bool = False) -> Tensor:
        """Wrap an array without copying or checking (used by the ops)."""
        t = object.__new__(cls)
        t.array = array
        t._requires_grad = requires_grad
        t.grad_fn = None
        t._output_nr = 0
        t._version_box = [0]
        return t

    # -- autograd attributes -------------------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded so that gradients can flow to it."""
        self._refresh_history()
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        value = bool(value)
        if self.grad_fn is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if value and self.array.dtype.kind not in "fc":
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients "
                f"(this one is {self._dtype_name()}). Convert it first: x.float()."
            )
        self._requires_grad = value

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set requires_grad in place and return self (leaves only)."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not made by a recorded operation (they have no grad_fn)."""
        self._refresh_history()
        return self.grad_fn is None

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by backward(): a tensor of this shape, or None before."""
        if self.grad_fn is not None and not self._retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                ".retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by "
                "mistake, make sure you access the leaf Tensor instead.",
                UserWarning,
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(
                "assigned grad expected to be a Tensor or None but got grad of type "
                f"{type(value).__name__}. Wrap it first: minigrad.tensor(...)."
            )
        if value is not None and tuple(value.shape) != tuple(self.shape):
            raise RuntimeError(
                f"assigned grad has data of a different size: expected {list(self.shape)}, "
                f"got {list(value.shape)}"
            )
        if value is not None and value.dtype != self.dtype:
            raise RuntimeError(
                f"assigned grad has data of a different type: expected {self._dtype_name()}, "
                f"got {value._dtype_name()}. Convert it first: grad.to({self._dtype_name()})."
            )
        self._grad = value

    @property
    def _version(self) -> int:
        """How many times this tensor's values were changed in place."""
        return self._version_box[0]

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor with respect to the graph's leaves.

        The gradients are *added* to each leaf's `.grad` (zero them between steps).
        `gradient` is required when this tensor has more than one element: backward
        computes the vector-Jacobian product gradientᵀ·J. The graph's saved values are
        freed afterwards unless retain_graph=True.
        """
        from minigrad.autograd.engine import backward

        backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self) -> Tensor:
        """A tensor with the same values (shared memory) and no history: a cut in the graph."""
        t = Tensor._wrap(self.array)
        t._version_box = self._version_box
        return t

    def detach_(self) -> Tensor:
        """Cut this tensor from its history in place: it becomes a leaf without grad."""
        if self._view_of is not None:  # its base would still share its memory and versions
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf whose .grad backward fills (after retain_grad())."""
        return self._retains_grad

    def retain_grad(self) -> None:
        """Ask backward to fill `.grad` of this non-leaf tensor too."""
        self._refresh_history()
        if self.grad_fn is None:
            if not self.requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        self._retains_grad = True
        ref = weakref.ref(self)

        def store(grad):
            tensor = ref()
            if tensor is not None:
                keep = grad if grad_mode._enabled else grad.detach().clone()
                tensor._grad = keep if tensor._grad is None else tensor._grad + keep

        node = self.grad_fn
        node._retain_hooks = {**(node._retain_hooks or {}), self._output_nr: store}

    def register_hook(self, hook) -> RemovableHandle:
        """Call hook(grad) when this tensor's gradient is computed; a tensor it returns
        replaces the gradient."""
        if not self.requires_grad:  # (for a view, this also brings its grad_fn up to date)
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if not isinstance(self._hooks, list):
                self._hooks = []
            hooks = self._hooks
        else:
            hooks = self.grad_fn._output_hooks(self._output_nr)
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    # -- plain attributes ------------------------------------------------------------------

    @property
    def shape(self) -> Size:
        return Size(self.array.shape)

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.array.shape[_dim(dim, self.ndim)]

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    @property
    def ndim(self) -> int:
        return self.array.ndim

    def dim(self) -> int:
        return self.array.ndim

    def numel(self) -> int:
        return self.array.size

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.array.size != 1:
            raise RuntimeError(
                f"a Tensor with {self.array.size} elements cannot be converted to Scalar"
            )
        return self.array.item()

    def tolist(self):
        return self.array.tolist()

    def numpy(self) -> np.ndarray:
        """The values as a numpy array sharing memory (refused while gradients are tracked)."""
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return self.array

    def __array__(self, dtype=None, copy=None):
        """np.asarray(t) shares the values, as t.numpy() does; np.array(t) copies them."""
        array = self.numpy()
        if dtype is not None and array.dtype != dtype:
            return array.astype(dtype)  # a new array anyway
        return array.copy() if copy else array

    @property
    def data(self) -> Tensor:
        """The values as a tensor without history (shares memory; prefer detach())."""
        return Tensor._wrap(self.array)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(
                f"Variable data has to be a tensor, but got {type(value).__name__}: write "
                "t.data = minigrad.tensor(...)"
            )
        array = value.array
        if array.shape != self.array.shape or array.dtype != self.array.dtype:
            self._accumulator = None  # its AccumulateGrad noted the old shape and dtype
        self.array = array

    def to(self, dtype) -> Tensor:
        """A copy converted to `dtype` (gradients flow back converted to this dtype)."""
        dtype = dtypes.to_dtype(dtype)
        if dtype == self.dtype:
            return self
        return ops.ToDtype.apply(self, dtype)

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool_)

    def clone(self) -> Tensor:
        return ops.Clone.apply(self)

    # -- copy and pickle -------------------------------------------------------------------
    # Without these, Python would copy every field, the leaf's AccumulateGrad included: the
    # copy's gradients would then flow into the original's .grad.

    def __reduce_ex__(self, protocol):
        """pickle and copy.copy: the values and requires_grad, as a new leaf (PyTorch's rule).

        copy.copy shares the values' memory; pickle writes them out.
        """
        return (_rebuild_leaf, (type(self), self.array, self._requires_grad),
                self._own_attributes() or None)

    def __deepcopy__(self, memo) -> Tensor:
        """copy.deepcopy: a new leaf with its own copy of the values, and of .grad."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment. To copy a computed tensor's values, deepcopy "
                "tensor.detach()."
            )
        copied = _rebuild_leaf(type(self), self.array.copy(), self._requires_grad)
        memo[id(self)] = copied
        if self._grad is not None:
            copied._grad = self._grad.__deepcopy__(memo)
        vars(copied).update(copy.deepcopy(self._own_attributes(), memo))
        return copied

    def _own_attributes(self) -> dict:
        """Attributes a user set on this tensor (t.name = "w"): copies keep them, as PyTorch's
        do. minigrad's own fields start with an underscore and are not copied."""
        return {key: value for key, value in vars(self).items() if not key.startswith("_")}

    # -- printing --------------------------------------------------------------------------

    def _dtype_name(self) -> str:
        return "minigrad." + dtypes.NAMES.get(self.dtype, str(self.dtype))

    def _type_name(self) -> str:
        names = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                 "int64": "LongTensor", "int32": "IntTensor", "bool": "BoolTensor"}
        return names.get(self.dtype.name, "Tensor")

    def __repr__(self) -> str:
        self._refresh_history()
        suffixes = []
        if self.dtype not in (dtypes.float32, dtypes.int64, dtypes.bool_):
            suffixes.append(f"dtype={self._dtype_name()}")
        if self.grad_fn is not None:
            suffixes.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            suffixes.append("requires_grad=True")
        return format_tensor(self.array, suffixes)

    def __format__(self, spec: str) -> str:
        """f"{loss}" and f"{loss:.4f}" format a 0-d tensor's number, as PyTorch does.

        (So f"{loss}" shows 0.2500000596046448: the float32 value as a Python float.)
        Other tensors print as str() does, and refuse a format spec, as PyTorch's do. (A 0-d
        Parameter prints as one too, "Parameter containing: ...", hence `type(self) is Tensor`.)
        """
        if self.array.ndim == 0 and type(self) is Tensor:
            return format(self.item(), spec)
        if spec:
            raise TypeError(
                f"unsupported format string passed to Tensor.__format__: a {list(self.shape)} "
                "tensor has no single number to format; format t.item() for a 0-d tensor, or "
                "the numbers of t.tolist()"
            )
        return repr(self)

    # -- Python protocol -------------------------------------------------------------------

    # == is elementwise, so a tensor hashes by identity (as in PyTorch): it can be a dict key.
    __hash__ = object.__hash__
    # `numpy_array * tensor` must call Tensor.__rmul__ (and record the op), not let numpy
    # convert the tensor to an array and lose the graph.
    __array_ufunc__ = None

    def __len__(self) -> int:
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    def __bool__(self) -> bool:
        if self.array.size != 1:
            how_many = "no values" if self.array.size == 0 else "more than one value"
            raise RuntimeError(
                f"Boolean value of Tensor with {how_many} is ambiguous "
                f"(this one has shape {list(self.shape)}). Use .any() or .all()."
            )
        return bool(self.array.item())

    def __float__(self) -> float:
        return float(self._only_element())

    def __int__(self) -> int:
        return int(self._only_element())

    def _only_element(self):
        if self.array.size != 1:  # a ValueError here, as in PyTorch (item() raises RuntimeError)
            raise ValueError(
                "only one element tensors can be converted to Python scalars (this one has "
                f"shape {list(self.shape)}; index it first, or use .tolist())"
            )
        return self.array.item()

    def __contains__(self, element) -> bool:
        """`v in t`: whether some element of t equals v (at any depth, as in PyTorch)."""
        if not isinstance(element, (Tensor, bool, int, float, np.number)):
            raise RuntimeError(
                "Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                f"{type(element)}."
            )
        return bool((self == element).any())

    def __index__(self) -> int:
        if self.dtype.kind not in "iu" or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    # -- arithmetic: each operator is one Function -----------------------------------------

    def _lift(self, other) -> Tensor:
        return other if isinstance(other, Tensor) else _scalar_like(other, self)

    def __add__(self, other):
        if type(other) is not Tensor:
            other = self._lift(other)
        return _binary(ops.Add, self, other)

    def __radd__(self, other):  # 2 + x records x + 2, as PyTorch does (self comes first)
        return _binary(ops.Add, self, self._lift(other))

    def __sub__(self, other):
        if type(other) is not Tensor:
            other = self._lift_for_minus(other)
        return _binary(ops.Sub, self, other)

    def __rsub__(self, other):  # 2 - x: PyTorch records it as its own op, rsub
        return _binary(ops.Rsub, self, self._lift_for_minus(other))

    def _lift_for_minus(self, other) -> Tensor:
        """x - True is refused like x - mask: a Python bool stays a bool tensor here."""
        if isinstance(other, (bool, np.bool_)):
            return Tensor._wrap(np.array(other))
        return self._lift(other)

    def __mul__(self, other):
        if type(other) is not Tensor:
            other = self._lift(other)
        return _binary(ops.Mul, self, other)

    def __rmul__(self, other):  # 2 * x records x * 2, as PyTorch does
        return _binary(ops.Mul, self, self._lift(other))

    def __truediv__(self, other):
        if type(other) is not Tensor:
            other = self._lift(other)
        return _binary(ops.Div, self, other)

    def __rtruediv__(self, other):
        return _binary(ops.Div, self._lift(other), self)

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor):
            return _binary(ops.PowTensor, self, exponent)
        return ops.Pow.apply(self, exponent)

    def __rpow__(self, base):  # 2 ** x: a number to a tensor power (PyTorch's third pow)
        return _binary(ops.PowScalarBase, self._lift(base), self)

    def __neg__(self):
        return ops.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(self._lift(other), self)

    def add(self, other):
        return self + other

    def sub(self, other):
        return self - other

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def pow(self, exponent):
        return self**exponent

    def neg(self):
        return -self

    def matmul(self, other):
        return ops.matmul(self, other)

    def mm(self, other):
        """The product of two matrices; unlike matmul, mm accepts nothing else."""
        if self.ndim != 2 or other.ndim != 2:
            raise RuntimeError(f"{'self' if self.ndim != 2 else 'mat2'} must be a matrix")
        return ops.matmul(self, other)

    def dot(self, other):
        if self.ndim != 1 or other.ndim != 1:
            raise RuntimeError(
                f"1D tensors expected, but got {self.ndim}D and {other.ndim}D tensors"
            )
        return ops.matmul(self, other)

    # -- comparisons: bool tensors, never recorded -----------------------------------------

    def _compare(self, other, ufunc) -> Tensor:
        if other is None:
            return ufunc is np.not_equal
        other = other.array if isinstance(other, Tensor) else other
        try:
            return Tensor._wrap(ufunc(self.array, other))
        except ValueError:
            name = _COMPARISON_NAMES.get(ufunc.__name__, ufunc.__name__)
            _raise_if_not_broadcastable(name, self.array.shape, np.shape(other))
            raise

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    def __invert__(self):
        return Tensor._wrap(np.logical_not(self.array) if self.dtype == bool else ~self.array)

    def __and__(self, other):
        return self._bitwise(other, np.bitwise_and, "&")

    def __or__(self, other):
        return self._bitwise(other, np.bitwise_or, "|")

    __rand__, __ror__ = __and__, __or__

    def _bitwise(self, other, ufunc, symbol: str) -> Tensor:
        """& and | : logical on bool tensors, bitwise on integers, as in PyTorch."""
        other = self._lift(other)
        if self.dtype.kind not in "biu" or other.dtype.kind not in "biu":
            raise RuntimeError(
                f"'{symbol}' is a bitwise operation: it needs bool or integer tensors, not "
                f"{self._dtype_name()} and {other._dtype_name()}. For a condition, compare "
                "first: (x > 0) & (x < 1)."
            )
        return Tensor._wrap(ufunc(self.array, other.array))

    def eq(self, other):
        return self == other

    def all(self) -> Tensor:
        return Tensor._wrap(np.array(self.array.all()))

    def any(self) -> Tensor:
        return Tensor._wrap(np.array(self.array.any()))

    def equal(self, other) -> bool:
        """True if both tensors have the same shape and values (as torch.equal)."""
        return self.shape == other.shape and bool(np.array_equal(self.array, other.array))

    def allclose(self, other, rtol=1e-5, atol=1e-8) -> bool:
        other = other.array if isinstance(other, Tensor) else other
        return bool(np.allclose(self.array, other, rtol=rtol, atol=atol))

    # -- elementwise functions ---------------------------------------------------------------

    def exp(self):
        return ops.Exp.apply(self._floating())

    def log(self):
        return ops.Log.apply(self._floating())

    def sqrt(self):
        return ops.Sqrt.apply(self._floating())

    def abs(self):
        return ops.Abs.apply(self)

    def _floating(self) -> Tensor:
        """self, or for an integer or bool tensor its float32 copy: exp, log, sqrt, tanh and
        sigmoid of integers give floats, as in PyTorch."""
        return self if self.array.dtype.kind in "fc" else self.float()

    def sign(self):
        return ops.Sign.apply(self)

    def relu(self):
        return ops.Relu.apply(self)

    def tanh(self):
        return ops.Tanh.apply(self._floating())

    def sigmoid(self):
        return ops.Sigmoid.apply(self._floating())

    def clamp(self, min=None, max=None):  # noqa: A002 (PyTorch's argument names)
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        for bound in (min, max):
            if bound is not None and not isinstance(bound, (int, float, np.number)):
                raise TypeError(
                    f"clamp(): min and max must be numbers here, not {type(bound).__name__} "
                    "(PyTorch also takes tensors; for bounds that differ per element, write "
                    "minigrad.where(x < low, low, x))"
                )
        return ops.Clamp.apply(self, min, max)

    clip = clamp

    # -- reductions ------------------------------------------------------------------------

    def sum(self, dim=None, keepdim: bool = False):
        if dim is None and not keepdim:
            return ops.Sum.apply(self, None, False)
        return ops.SumDim.apply(self, _dims(dim, self.ndim), keepdim)

    def mean(self, dim=None, keepdim: bool = False):
        if self.dtype.kind not in "fc":
            raise RuntimeError(
                f"mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {self._dtype_name()}. Convert it with .float()."
            )
        if dim is None and not keepdim:
            return ops.Mean.apply(self, None, False)
        return ops.MeanDim.apply(self, _dims(dim, self.ndim), keepdim)

    def max(self, dim=None, keepdim: bool = False):
        """The largest element; with `dim`, (values, indices) along that dimension."""
        if dim is None:
            self._refuse_empty("max")
            return ops.Max.apply(self)
        values, indices = ops.MaxDim.apply(self, _dim(dim, self.ndim), keepdim)
        return ReturnValues(values, indices)

    def min(self, dim=None, keepdim: bool = False):
        """The smallest element; with `dim`, (values, indices) along that dimension."""
        if dim is None:
            self._refuse_empty("min")
            return ops.Min.apply(self)
        values, indices = ops.MinDim.apply(self, _dim(dim, self.ndim), keepdim)
        return ReturnValues(values, indices)

    def _refuse_empty(self, name: str) -> None:
        """The largest of no elements does not exist: PyTorch's error, not numpy's."""
        if self.array.size == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )

    def argmax(self, dim=None, keepdim: bool = False):
        """The index of the largest element (of the flattened tensor if dim is None)."""
        return self._arg_of(np.argmax, dim, keepdim)

    def argmin(self, dim=None, keepdim: bool = False):
        return self._arg_of(np.argmin, dim, keepdim)

    def _arg_of(self, find, dim, keepdim: bool) -> Tensor:
        if dim is None:  # keepdim keeps every dimension, with size 1, as in PyTorch
            index = np.array(find(self.array))
            return Tensor._wrap(index.reshape((1,) * self.ndim) if keepdim else index)
        return Tensor._wrap(find(self.array, axis=_dim(dim, self.ndim), keepdims=keepdim))

    def norm(self, p=2, dim=None, keepdim: bool = False):
        """The p-norm (default: Euclidean length) of all elements, or along `dim`."""
        self._require_floating("norm")
        return ops.Norm.apply(self, p, _dims(dim, self.ndim), keepdim)

    def softmax(self, dim: int):
        self._require_floating("softmax")
        return ops.Softmax.apply(self, _dim(dim, self.ndim))

    def log_softmax(self, dim: int):
        self._require_floating("log_softmax")
        return ops.LogSoftmax.apply(self, _dim(dim, self.ndim))

    def _require_floating(self, name: str) -> None:
        if self.array.dtype.kind not in "fc":
            raise RuntimeError(
                f"{name}(): expected a floating point tensor, got {self._dtype_name()}. "
                f"Convert it first: x.float().{name}(...)."
            )

    # -- shape -----------------------------------------------------------------------------

    def reshape(self, *shape):
        shape = _shape_arg(shape)
        if shape == self.array.shape:
            return ops.View.apply(self, shape) if self.requires_grad else self
        return ops.View.apply(self, shape)

    def view(self, *shape):
        return ops.View.apply(self, _shape_arg(shape))

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        if self.ndim == 0:
            return self.reshape(1)
        start, end = _dim(start_dim, self.ndim), _dim(end_dim, self.ndim)
        shape = self.array.shape
        return self.reshape(*shape[:start], -1, *shape[end + 1:])

    def transpose(self, dim0: int, dim1: int):
        return ops.Transpose.apply(self, _dim(dim0, self.ndim), _dim(dim1, self.ndim))

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(
                f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D"
            )
        return self if self.ndim < 2 else ops.T.apply(self, 0, 1)

    @property
    def T(self):
        """The dimensions reversed (for a matrix: its transpose)."""
        return ops.Permute.apply(self, tuple(reversed(range(self.ndim))))

    def permute(self, *dims):
        dims = tuple(_dim(d, self.ndim) for d in _shape_arg(dims))
        if sorted(dims) != list(range(self.ndim)):
            raise RuntimeError(
                f"permute(): dims {list(dims)} must be a reordering of 0..{self.ndim - 1}"
            )
        return ops.Permute.apply(self, dims)

    def unsqueeze(self, dim: int):
        return ops.Unsqueeze.apply(self, _dim(dim, self.ndim + 1))

    def squeeze(self, dim=None):
        if dim is None:
            return ops.Squeeze.apply(self, None)
        return ops.SqueezeDim.apply(self, _dim(dim, self.ndim))

    def expand(self, *sizes):
        sizes = _shape_arg(sizes)
        return ops.Expand.apply(self, sizes)

    def expand_as(self, other):
        return self.expand(*other.shape)

    def __getitem__(self, key):
        return ops.index(self, key)

    # -- in-place operations ------------------------------------------------------------------

    def _become_view_of(self, base: Tensor, function, args: tuple, recording: bool) -> None:
        """Mark self as a view of base (self shares its memory), made by function(*args).

        A view and its base share one version counter: an in-place change to either changes
        both. A view notes the version its history is for: when its memory has changed
        since, _refresh_history takes the view again.
        """
        self._version_box = base._version_box
        self._view_of = (base, args[1] if function.view_key else None, function, args[1:])
        self._history_version = self._version_box[0]
        if not recording:
            self._made_in_no_grad = True
        if base._made_as_view_by is not None:  # a view of a custom Function's view output
            self._made_as_view_by = base._made_as_view_by

    def _refresh_history(self, using: bool = False) -> None:
        """Bring a view's history up to date after an in-place change of the memory it views.

        `v = y[0:2]; y.mul_(3)`: v's values were tripled too, so its gradient must go through
        the multiplication, which y's history now holds. Taking the view again from y
        records exactly that, and v takes that history. PyTorch remakes a view's grad_fn the
        same way, when the view is next used; so does minigrad (gradient_edge, and the
        properties and methods that read grad_fn). A view of a view is remade after its base.
        For any other tensor there is nothing to do.
        A view made under no_grad has no history to remake: using it (`using`) after its
        memory changed is refused if that memory belongs to a tensor that requires grad.
        """
        stale = []
        view = self
        while view._view_of is not None and view._history_version != view._version_box[0]:
            stale.append(view)
            view = view._view_of[0]
        for view in reversed(stale):  # the one nearest the memory's owner first
            base, _, function, args = view._view_of
            if view._made_as_view_by is not None:  # its history is a custom backward's
                if using:
                    raise RuntimeError(
                        f"{view._made_as_view_by} is a view and its base or another view of "
                        "its base has been modified inplace. " + CUSTOM_VIEW_ERROR_END)
                continue
            if view._made_in_no_grad:
                if using and view._memory_owner()._requires_grad:
                    raise RuntimeError(NO_GRAD_VIEW_ERROR.format(
                        "its base or another view of its base has been modified inplace"))
                continue
            view._history_version = view._version_box[0]
            if base._requires_grad and np.may_share_memory(view.array, base.array):
                with grad_mode.enable_grad():
                    _take_history(view, function.apply(base, *args))

    def _memory_owner(self) -> Tensor:
        """The tensor whose memory this view shows (following views of views)."""
        tensor = self
        while tensor._view_of is not None:
            tensor = tensor._view_of[0]
        return tensor

    def _check_inplace(self, other: Tensor | None = None) -> None:
        if not grad_mode._enabled:
            return
        if self._view_of is not None and self._made_as_view_by is None:
            if self._made_in_no_grad and self._memory_owner()._requires_grad:
                raise RuntimeError(NO_GRAD_VIEW_ERROR.format("is being modified inplace"))
            self._refresh_history(using=True)  # the in-place op continues self's history
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation. "
                "Hint: update parameters inside `with minigrad.no_grad():`, or write "
                "`x = x + ...` to make a new tensor."
            )
        recorded = self._requires_grad or (other is not None and other._requires_grad)
        if recorded and self._made_as_view_by is not None:
            raise RuntimeError(f"{self._made_as_view_by} is a view and is being modified "
                               "inplace. " + CUSTOM_VIEW_ERROR_END)
        view = self._view_of
        while recorded and view is not None:
            base, key = view[:2]
            if key is None:
                raise RuntimeError(
                    "an in-place operation on a reshaped or transposed view of another tensor "
                    "is not recorded by minigrad (PyTorch records it on the viewed tensor too). "
                    "Write it out of place (x = x * mask), or clone() the view first."
                )
            if base._requires_grad and base.grad_fn is None:
                raise RuntimeError(
                    "a view of a leaf Variable that requires grad is being used in an in-place "
                    "operation. Hint: change the leaf inside `with minigrad.no_grad():`."
                )
            view = base._view_of

    def _inplace(self, function, other) -> Tensor:
        """Compute `function(self, other)` and write the result into self's memory.

        When the operation is recorded, it reads a copy of self's old values: the node may
        save them for backward (`h *= w` needs the old h for w's gradient), and they are
        about to be overwritten. The copy takes self's place in the graph.
        """
        other = self._lift(other)
        self._check_inplace(other)
        if not (grad_mode._enabled and (self._requires_grad or other._requires_grad)):
            # Nothing to record (the optimizer's `p -= lr * p.grad` under no_grad): let numpy
            # write straight into self's memory, as PyTorch does.
            _binary(_InplaceUfunc(function), self, other)
            self._version_box[0] += 1
            return self
        _check_inplace_shape(self, other)
        source = Tensor._wrap(self.array.copy(), self._requires_grad)
        source.grad_fn, source._output_nr = self.grad_fn, self._output_nr
        _write_into(self, _binary(function, source, other))
        return self

    def add_(self, other):
        return self._inplace(ops.Add, other)

    def sub_(self, other):
        ops.elementwise.refuse_bool("Subtraction, the `-` operator, with", self,
                                    self._lift_for_minus(other))
        return self._inplace(ops.Sub, other)

    def mul_(self, other):
        return self._inplace(ops.Mul, other)

    def div_(self, other):
        return self._inplace(ops.Div, other)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value) -> Tensor:
        self._check_inplace()
        if grad_mode._enabled and self._requires_grad:
            result = ops.Fill.apply(self, value)
            _write_into(self, result)
            return self
        self.array.fill(value)
        self._version_box[0] += 1
        return self

    def __setitem__(self, key, value) -> None:
        value = self._lift(value)
        self._check_inplace(value)
        if grad_mode._enabled and (self._requires_grad or value._requires_grad):
            _write_into(self, ops.IndexPut.apply(self, value, ops.index_key(key)))
            return
        self.array[ops.index_key(key)] = value.array
        self._version_box[0] += 1


#: How PyTorch's errors about outputs of custom Functions that are views of an input end.
CUSTOM_VIEW_ERROR_END = (
    "This view was created inside a custom Function (or because an input was returned as-is) "
    "and the autograd logic to handle view+inplace would override the custom backward "
    "associated with the custom Function, leading to incorrect gradients. This behavior is "
    "forbidden. You can fix this by cloning the output of the custom Function."
)

#: PyTorch's error for a view made under no_grad that meets an in-place change with grad on.
NO_GRAD_VIEW_ERROR = (
    "A view was created in no_grad mode and {} with grad mode enabled. Given that this use "
    "case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving "
    "both the view and the inplace either both inside the no_grad block (if you don't want "
    "the inplace to be tracked) or both outside (if you want the inplace to be tracked)."
)


def _init(t: Tensor, array: np.ndarray) -> None:
    """Set every slot of a tensor object that already exists (Tensor(...), nn.Parameter).

    The same fields as Tensor._wrap sets: _wrap does it inline, one call less on every op.
    """
    t.array = array
    t._requires_grad = False
    t.grad_fn = None
    t._output_nr = 0
    t._version_box = [0]


def _rebuild_leaf(cls, array: np.ndarray, requires_grad: bool) -> Tensor:
    """A new leaf of class cls (Tensor or nn.Parameter) around array: pickle and copy call it."""
    t = cls._wrap(array)
    t.requires_grad = requires_grad
    return t


def _write_into(target: Tensor, result: Tensor) -> None:
    """The second half of an in-place op: copy the result into target and rebase its history."""
    try:
        np.copyto(target.array, result.array, casting="same_kind")
    except TypeError:
        raise RuntimeError(
            f"result type {result._dtype_name()} can't be cast to the desired output type "
            f"{target._dtype_name()}"
        ) from None
    target._version_box[0] += 1
    if result.grad_fn is not None:
        _rebase(target, result)


def _rebase(target: Tensor, result: Tensor) -> None:
    """Give target the history of result (whose values target now holds).

    If target is a slice of another tensor, that tensor's values changed too: its new
    history is "the old one, with this slice replaced", recorded as CopySlices (IndexPut),
    and so on up to the tensor that owns the memory, whose history therefore always holds
    every change. Other views of that memory take their history from it when next used
    (Tensor._refresh_history). Every gradient then stays true.
    """
    while True:  # (a loop, not a recursion: views of views of views may nest deeply)
        _take_history(target, result)
        if target._view_of is None:
            return
        base, key = target._view_of[:2]
        base._refresh_history()  # if base is a view: its history before this change
        old = Tensor._wrap(base.array, base._requires_grad)
        old.grad_fn, old._output_nr = base.grad_fn, base._output_nr
        result = ops.IndexPut.apply(old, target, key)
        target = base


def _take_history(target: Tensor, result: Tensor) -> None:
    """Make target the output of result's grad_fn, in result's place."""
    retained = target._retains_grad  # retain_grad() moves to the new history, as in PyTorch
    if retained:
        _stop_retaining(target)
    target._requires_grad = True
    target.grad_fn = result.grad_fn
    target._output_nr = result._output_nr
    if target._view_of is not None:
        target._history_version = target._version_box[0]  # up to date
    if retained:
        target.retain_grad()
    node = result.grad_fn
    node._output_refs = (weakref.ref(target),)
    # The node's output is target now, with target's dtype (x += a_float64 stays float32).
    node._output_meta = shared(((target.array.shape, target.array.dtype),))


def _stop_retaining(tensor: Tensor) -> None:
    """Undo retain_grad(): its grad_fn no longer fills tensor.grad."""
    node = tensor.grad_fn
    hooks = {nr: h for nr, h in (node._retain_hooks or {}).items() if nr != tensor._output_nr}
    node._retain_hooks = hooks or None
    tensor._retains_grad = False


class _InplaceUfunc:
    """Stands in for a Function in _binary when an in-place op has nothing to record."""

    def __init__(self, function) -> None:
        self.__name__ = function.__name__
        self.ufunc = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply,
                      "Div": np.true_divide}[function.__name__]

    def apply(self, a: Tensor, b: Tensor) -> None:
        _check_inplace_shape(a, b)
        try:
            self.ufunc(a.array, b.array, out=a.array, casting="same_kind")
        except TypeError:  # numpy's casting error (a UFuncTypeError)
            raise RuntimeError(
                f"result type {_result_dtype_name(a, b)} can't be cast to the desired output "
                f"type {a._dtype_name()}"
            ) from None


def _check_inplace_shape(target: Tensor, other: Tensor) -> None:
    """An in-place result must fit in the target: `a += b` cannot make `a` bigger."""
    if other.array.shape == target.array.shape:  # the usual case (p -= lr * p.grad)
        return
    try:
        shape = np.broadcast_shapes(target.array.shape, other.array.shape)
    except ValueError:
        return  # not broadcastable at all: _binary names both shapes
    if shape != target.array.shape:
        raise RuntimeError(
            f"output with shape {list(target.array.shape)} doesn't match the broadcast shape "
            f"{list(shape)}: an in-place operation cannot change the shape of its target."
        )


def _result_dtype_name(a: Tensor, b: Tensor) -> str:
    dtype = np.result_type(a.array, b.array)
    return "minigrad." + dtypes.NAMES.get(dtype, str(dtype))


def _scalar_like(value, like: Tensor) -> Tensor:
    """Turn a Python number into a 0-d tensor for an operation with `like` (PyTorch's rule).

    A number of like's kind or a lower one takes like's dtype, so a float32 x + 1 stays
    float32. A number of a higher kind gets its own kind's default dtype (float32 for a
    float, int64 for an int), so an int64 x + 0.5 is float32.
    """
    dtype = like.array.dtype
    if dtype.kind == "f" and (type(value) is float or type(value) is int):  # x * 0.5, x / 2
        return Tensor._wrap(np.array(value, dtype=dtype))
    if isinstance(value, (bool, int, float, np.number, np.bool_)):
        kind = dtype.kind
        is_float = isinstance(value, (float, np.floating))  # np.float32(0.5) is a float too
        fits = (kind == "f"
                or (kind in "iu" and not is_float)
                or (kind == "b" and isinstance(value, (bool, np.bool_))))
        if fits:
            return Tensor._wrap(np.array(value, dtype=dtype))
        default = np.float32 if is_float else np.int64
        return Tensor._wrap(np.array(value, dtype=default))
    return tensor(value)


def _binary(function, a: Tensor, b: Tensor) -> Tensor:
    """Apply a broadcasting binary Function, turning numpy's shape error into PyTorch's."""
    try:
        return function.apply(a, b)
    except ValueError:
        _raise_if_not_broadcastable(function.__name__, a.array.shape, b.array.shape)
        raise


#: numpy's comparison functions under PyTorch's names, for error messages.
_COMPARISON_NAMES = {"less": "lt", "less_equal": "le", "greater": "gt", "greater_equal": "ge",
                     "equal": "eq", "not_equal": "ne"}


def _raise_if_not_broadcastable(name: str, shape_a: tuple, shape_b: tuple) -> None:
    """PyTorch's error for two shapes that do not broadcast, naming the op and both shapes."""
    check_broadcast(name, (("a", shape_a), ("b", shape_b)))


def _dim(dim: int, ndim: int) -> int:
    """Normalize a possibly negative dimension, with PyTorch's error when out of range."""
    low, high = -max(ndim, 1), max(ndim, 1) - 1
    if not low <= dim <= high:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{low}, {high}], but got {dim})"
        )
    return dim % max(ndim, 1) if ndim else 0


def _dims(dim, ndim: int) -> tuple | None:
    """Normalize one dimension or several to a sorted tuple; None (all of them) stays None.

    An empty tuple or list means all dimensions too, as in PyTorch (x.sum(dim=()) is a sum).
    """
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):
        return None
    if not isinstance(dim, (tuple, list)):
        return (_dim(dim, ndim),)
    dims = sorted(_dim(d, ndim) for d in dim)
    for first, second in zip(dims, dims[1:]):
        if first == second:
            raise RuntimeError(f"dim {first} appears multiple times in the list of dims")
    return tuple(dims)


def _shape_arg(shape) -> tuple:
    """Accept both f(2, 3) and f((2, 3)), as PyTorch does."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


# -- creation ------------------------------------------------------------------------------

def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    """Make a leaf tensor from a number, a (nested) list, a numpy array or another tensor.

    Python floats become float32 and Python ints int64 (PyTorch's defaults); numpy arrays
    keep their dtype. The data is always copied.
    """
    dtype = dtypes.to_dtype(dtype)
    if isinstance(data, Tensor):
        array = data.array.copy()
    elif isinstance(data, (np.ndarray, np.generic)):  # numpy data keeps its dtype
        array = np.array(data)
    else:
        if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
            data = [x.array if isinstance(x, Tensor) else x for x in data]
        array = np.array(data)
        if dtype is None:
            array = array.astype(dtypes.infer_dtype(array, from_python=True), copy=False)
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    t = Tensor._wrap(array)
    t.requires_grad = requires_grad
    return t


def _make(array: np.ndarray, dtype, requires_grad: bool) -> Tensor:
    array = array.astype(dtypes.to_dtype(dtype) or dtypes.float32, copy=False)
    t = Tensor._wrap(array)
    t.requires_grad = requires_grad
    return t


def zeros(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return _make(np.zeros(_shape_arg(size)), dtype, requires_grad)


def ones(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return _make(np.ones(_shape_arg(size)), dtype, requires_grad)


def full(size, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    if dtype is None and isinstance(fill_value, bool):
        dtype = dtypes.bool_
    elif dtype is None and isinstance(fill_value, int):
        dtype = dtypes.int64
    return _make(np.full(_shape_arg((size,)), fill_value), dtype, requires_grad)


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    return _make(np.eye(n, m), dtype, requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad: bool = False) -> Tensor:
    """Like range(): int64 when all arguments are ints, float32 otherwise."""
    if end is None:
        start, end = 0, start
    array = np.arange(start, end, step)
    if dtype is None:
        dtype = dtypes.int64 if array.dtype.kind in "iu" else dtypes.float32
    return _make(array, dtype, requires_grad)


def linspace(start, end, steps: int, dtype=None, requires_grad: bool = False) -> Tensor:
    return _make(np.linspace(start, end, steps), dtype, requires_grad)


def rand(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1), drawn from minigrad's seeded generator."""
    return _make(random.generator().random(_shape_arg(size)), dtype, requires_grad)


def randn(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples, drawn from minigrad's seeded generator."""
    return _make(random.generator().standard_normal(_shape_arg(size)), dtype, requires_grad)


def randint(low: int, high: int, size, dtype=None) -> Tensor:
    array = random.generator().integers(low, high, size=_shape_arg((size,)))
    return _make(array, dtype or dtypes.int64, False)


def zeros_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return _make(np.zeros(t.array.shape), dtype or t.dtype, requires_grad)


def ones_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return _make(np.ones(t.array.shape), dtype or t.dtype, requires_grad)


def full_like(t: Tensor, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    return _make(np.full(t.array.shape, fill_value), dtype or t.dtype, requires_grad)


def randn_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return randn(*t.array.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def rand_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return rand(*t.array.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


from minigrad import ops, random  # noqa: E402  (the ops need Tensor defined first)
from minigrad.autograd import function as _function  # noqa: E402
from minigrad.ops.elementwise import check_broadcast  # noqa: E402

_function.Tensor = Tensor
