"""Functions and graph nodes: how an operation records itself for backward.

Every differentiable operation in minigrad, the built-in `Mul` as much as a learner's own
`MyRelu`, is a subclass of `Function` with two static methods:

    forward(ctx, *inputs)      -> output(s), computed without recording
    backward(ctx, *grad_outs)  -> one gradient per forward input (None where there is none)

`Fn.apply(*inputs)` runs `forward` and, when an input requires grad and recording is on,
creates a graph node of class `FnBackward` and attaches it to the output as its `grad_fn`.
The node *is* the `ctx` that forward and backward receive (as in PyTorch): whatever forward
saves on it is what backward reads.

A node knows where gradients go next: `next_functions` holds one `(node, output_nr)` pair per
tensor input. A leaf that requires grad is represented by an `AccumulateGrad` node, which
adds the incoming gradient to the leaf's `.grad`; an input that needs no gradient is
`(None, 0)`. Following `next_functions` from an output's `grad_fn` walks the whole graph.
"""

from __future__ import annotations

import inspect
import weakref
from itertools import count

import numpy as np

from minigrad.autograd import grad_mode

#: The Tensor class. minigrad.tensor sets it when it defines the class: the two modules
#: need each other, and this way neither has to import the other inside every call.
Tensor = None

_sequence = count()

FREED_GRAPH_ERROR = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


class Node:
    """A node of the backward graph: the `grad_fn` of a tensor, and the `ctx` of its Function.

    Attributes a learner meets:
      next_functions    ((node, output_nr), ...): where this node sends its gradients
      needs_input_grad  one bool per forward argument: skip work for the ones that are False
      saved_tensors     what forward saved with `save_for_backward`
    """

    # A node is created for every recorded operation, so it is kept small: the attributes
    # every node has are slots; rarely used ones default on the class and are replaced (never
    # mutated) on the few nodes that need them. Forward may store anything else on ctx.
    __slots__ = (
        "next_functions",    # ((node, output_nr), ...): where gradients go next
        "needs_input_grad",  # one bool per forward argument
        "_saved",            # (tensor or _SavedOutput, ...) from save_for_backward
        "_saved_versions",   # the version of each saved tensor when it was saved
        "_output_meta",      # ((shape, dtype), ...) of each output
        "_output_refs",      # weak references to the outputs, for drawing tools
        "_sequence_nr",      # creation order: later nodes run first in backward
        "_constant_refs",    # {input index: constant input}, for drawing tools; or None
        "_freed",            # True once backward has released what forward saved
        "__dict__",
        "__weakref__",
    )
    _non_differentiable: tuple = ()
    _pre_hooks: dict | None = None  # output_nr -> hooks registered on that output tensor
    _retain_hooks: dict | None = None  # output_nr -> the hook that fills a retained .grad
    _hooks: tuple | list = ()  # hooks run after backward (register_hook)
    _tensor_args: tuple | None = None  # which forward arguments were tensors; None: all

    def __init__(self) -> None:
        # Function.apply fills in the other slots when it records the node.
        self._sequence_nr = next(_sequence)
        self._saved = None
        self._constant_refs = None
        self._freed = False

    def name(self) -> str:
        """The node's class name, e.g. 'MulBackward0' or 'MyReluBackward'."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name()} object>"

    # -- saving tensors for backward -------------------------------------------------------

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for backward. Their version is recorded now and checked later.

        Call it from `forward` only. Saving is what makes a graph cost memory: the saved
        tensors stay alive until backward has used them (or the graph is dropped).
        """
        try:
            versions = tuple([None if t is None else t._version_box[0] for t in tensors])
        except AttributeError:  # not a tensor: numbers and flags belong on ctx as attributes
            position, kind = next((i, type(t).__name__) for i, t in enumerate(tensors)
                                  if t is not None and not isinstance(t, Tensor))
            raise TypeError(
                f"save_for_backward can only save variables, but argument {position} is of "
                f"type {kind}"
            ) from None
        self._saved = tensors
        self._saved_versions = versions

    @property
    def saved_tensors(self) -> tuple:
        """The tensors saved in forward, checked against in-place changes since then."""
        if self._freed:
            raise RuntimeError(FREED_GRAPH_ERROR)
        if self._saved is None:
            return ()
        result = []
        for saved, version in zip(self._saved, self._saved_versions):
            tensor = saved.unpack(self) if type(saved) is _SavedOutput else saved
            if tensor is not None and tensor._version_box[0] != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: [{tensor._type_name()} {list(tensor.shape)}], "
                    f"which is used by {self.name()}, is at version {tensor._version}; "
                    f"expected version {version} instead. Hint: replace the in-place operation "
                    "(e.g. `x += 1`, `x.mul_(2)`, `x[0] = 0`) with an out-of-place one "
                    "(`x = x + 1`), or clone the tensor before changing it."
                )
            result.append(tensor)
        return tuple(result)

    def peek_saved(self) -> tuple:
        """The saved tensors without version checks, () once freed (for drawing tools)."""
        if self._freed or self._saved is None:
            return ()
        return tuple(s.unpack(self) if type(s) is _SavedOutput else s for s in self._saved)

    def _release(self) -> None:
        """Free what forward saved: called after backward unless retain_graph=True."""
        if self._saved is not None:
            self._saved = None
            self._freed = True

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs that have no gradient (e.g. indices); they get requires_grad=False."""
        self._non_differentiable = tensors

    # -- hooks -----------------------------------------------------------------------------

    def register_hook(self, fn) -> RemovableHandle:
        """Call fn(grad_inputs, grad_outputs) after this node's backward has run.

        grad_inputs are the gradients backward returned, one per tensor input; a tuple the
        hook returns replaces them. Returns a handle whose remove() unregisters the hook.
        """
        if not self._hooks:
            self._hooks = []
        self._hooks.append(fn)
        return RemovableHandle(self._hooks, fn)

    def _output_hooks(self, output_nr: int) -> list:
        """The list of hooks for one output tensor, created on first use."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        return self._pre_hooks.setdefault(output_nr, [])

    # -- running backward ------------------------------------------------------------------

    def apply(self, *grad_outputs):
        """Run the Function's backward with this node as ctx."""
        return self._forward_cls.backward(self, *grad_outputs)


class _SavedOutput:
    """Stands in for an output that forward saved (Exp saves e^x, its own result).

    The output tensor itself cannot be kept: it points to the node through grad_fn, and the
    node pointing back would make a reference cycle, so every graph would stay alive until
    the garbage collector runs. The node keeps the output's array instead, and rebuilds an
    equivalent tensor when backward asks for it.
    """

    __slots__ = ("index", "array", "version_box", "requires_grad")

    def __init__(self, index, tensor) -> None:
        self.index = index
        self.array = tensor.array
        self.version_box = tensor._version_box
        self.requires_grad = tensor.requires_grad

    def unpack(self, node):
        """A tensor like the saved output: same array and version, and grad_fn `node`."""
        tensor = Tensor._wrap(self.array, self.requires_grad)
        tensor._version_box = self.version_box
        if self.requires_grad:
            tensor.grad_fn = node
            tensor._output_nr = self.index
        return tensor


class AccumulateGrad(Node):
    """The node for a leaf tensor: adds the gradient it receives to `variable.grad`."""

    def __init__(self, variable) -> None:
        super().__init__()
        self.variable = variable
        self.next_functions = ()
        self.needs_input_grad = (True,)
        self._output_meta = ((variable.array.shape, variable.array.dtype),)
        self._output_refs = (weakref.ref(variable),)

    def apply(self, grad):  # the engine accumulates; see engine._accumulate
        raise RuntimeError("AccumulateGrad is run by the engine, not called directly")


def accumulator_of(tensor) -> AccumulateGrad:
    """The leaf's AccumulateGrad node, created once and shared by every graph using it.

    The tensor keeps only a weak reference, so the node lives as long as some graph uses it.
    """
    acc = tensor._accumulator() if tensor._accumulator is not None else None
    if acc is None:
        acc = AccumulateGrad(tensor)
        tensor._accumulator = weakref.ref(acc)
    return acc


class RemovableHandle:
    """Returned by register_hook: call remove() to unregister the hook."""

    def __init__(self, hooks: list, hook) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


NO_EDGE = (None, 0)  # the edge of an input that needs no gradient


def gradient_edge(tensor) -> tuple:
    """Where a gradient for `tensor` must go: (its grad_fn, output_nr), or its accumulator."""
    if tensor._view_of is not None:
        tensor._refresh_history(using=True)  # a view whose memory changed since it was made
    if tensor.grad_fn is not None:
        return (tensor.grad_fn, tensor._output_nr)
    if tensor._requires_grad:
        return (accumulator_of(tensor), 0)
    return NO_EDGE


class Function:
    """Base class of every differentiable operation. Subclass it, never instantiate it.

        class MyRelu(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.clamp(min=0)

            @staticmethod
            def backward(ctx, grad_output):
                x, = ctx.saved_tensors
                return grad_output * (x > 0)

        y = MyRelu.apply(x)          # y.grad_fn is a MyReluBackward node

    forward receives the arguments as given, keyword ones in the place of their parameter
    (tensors are not recorded while it runs), and may return tensors or numpy arrays;
    backward receives one gradient per output and returns one per forward argument, None
    for arguments that are not tensors or need none.
    Gradients may have a broadcast shape: the engine sums them down to the input's shape.
    """

    #: A view's output shares memory with its first input (reshape, transpose, slicing):
    #: an in-place change to either changes both, so they share one version counter.
    is_view = False
    #: For views of part of a tensor (slicing): the second argument is the index, which lets
    #: an in-place change of the view be recorded on the tensor it views.
    view_key = False

    #: PyTorch names its built-in nodes with an overload index ('MulBackward0') and custom
    #: ones plainly ('MyReluBackward'). Built-in ops set node_name; subclasses get the default.
    node_name: str | None = None

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("node_name") or f"{cls.__name__}Backward"
        cls._node_class = type(name, (Node,), {"_forward_cls": cls, "__module__": cls.__module__})
        # A learner's Function may return a view of an input (x[0:2]) or an input itself:
        # changing that output in place would bypass its backward, which is refused.
        cls._check_views = not cls.__module__.startswith("minigrad.")

    def __init__(self, *args, **kwargs) -> None:
        raise RuntimeError(
            f"{type(self).__name__} is a Function: call {type(self).__name__}.apply(...) "
            "instead of creating an instance."
        )

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for a Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for a Function.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward; record a node when recording is on and some input requires grad."""
        if kwargs:  # `Fn.apply(x, w=w)`: w is an input like any other, as in PyTorch
            args = _bind_to_positions(cls.forward, args, kwargs)
        enabled = grad_mode._enabled
        if enabled:
            needs = _requires_grad_flags(args)
            record = True in needs
        else:
            record = False
        if record:
            ctx = cls._node_class()
            ctx.needs_input_grad = shared(needs)
        else:
            ctx = _UnrecordedContext(args)
        if enabled:
            grad_mode._enabled = False  # forward computes values only: nothing is recorded
            try:
                raw = cls.forward(ctx, *args)
            finally:
                grad_mode._enabled = True
        else:
            raw = cls.forward(ctx, *args)

        if type(raw) is tuple:
            outputs = tuple([_as_output(r, args) for r in raw])
            if record:
                _record(ctx, args, outputs)
            return outputs
        if type(raw) is np.ndarray:
            output = Tensor._wrap(raw)
        elif isinstance(raw, np.generic):  # numpy returns a 0-d result as a scalar
            output = Tensor._wrap(np.asarray(raw))
        else:
            output = _as_output(raw, args)
        if cls.is_view and np.may_share_memory(output.array, args[0].array):
            output._become_view_of(args[0], cls, args, enabled)  # one memory, one version count
        if record:
            _record(ctx, args, (output,))
        return output


class _UnrecordedContext:
    """The ctx of a call that is not recorded (no_grad, or no input requires grad).

    Forward runs the same code either way; here saving is simply a no-op.
    """

    __slots__ = ("_args", "__dict__")

    def __init__(self, args: tuple) -> None:
        self._args = args

    @property
    def needs_input_grad(self) -> tuple:
        """Whether each argument requires grad (computed only if forward asks)."""
        return _requires_grad_flags(self._args)

    def save_for_backward(self, *tensors) -> None:
        pass

    def mark_non_differentiable(self, *tensors) -> None:
        pass


def _requires_grad_flags(args: tuple) -> tuple:
    """One flag per argument: is it a tensor that requires grad? (ctx.needs_input_grad)"""
    if len(args) == 2:  # most operations: spelled out, which is faster than the loop below
        a, b = args
        return (isinstance(a, Tensor) and a._requires_grad,
                isinstance(b, Tensor) and b._requires_grad)
    return tuple([isinstance(a, Tensor) and a._requires_grad for a in args])


def _bind_to_positions(forward, args: tuple, kwargs: dict) -> tuple:
    """forward's arguments in the order of its parameters, keyword and default ones included.

    Every argument is then an input: it gets an edge in the graph, and backward returns
    one gradient for it, in that order.
    """
    try:
        bound = inspect.signature(forward).bind(None, *args, **kwargs)  # None: the ctx
    except TypeError as error:
        raise TypeError(f"{forward.__qualname__}(): {error}") from None
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(
            f"{forward.__qualname__}(): keyword-only arguments {sorted(bound.kwargs)} cannot "
            "be passed to apply(); make them ordinary parameters of forward."
        )
    return bound.args[1:]


def _as_output(value, inputs: tuple):
    """Forward may return arrays (built-in ops) or tensors (Functions built from ops).

    A tensor that already has a history, or that is one of the inputs, is replaced by a
    detached alias: recording the output must not rewrite the history of a tensor the
    caller still holds (`forward(ctx, a, b): return b` must leave `b` as it was).
    """
    if type(value) is np.ndarray:
        return Tensor._wrap(value)
    if isinstance(value, Tensor):
        if value.grad_fn is not None or value._requires_grad or any(value is a for a in inputs):
            value = value.detach()
        return value
    return Tensor._wrap(np.asarray(value))


def _record(ctx, args, outputs) -> None:
    """Attach ctx to the outputs as their grad_fn and remember where gradients go."""
    edges = []
    for a in args:
        if isinstance(a, Tensor):
            edge = gradient_edge(a)
            if edge is NO_EDGE:
                _keep_constant(ctx, len(edges), a)
            edges.append(edge)
    ctx.next_functions = tuple(edges)
    if len(edges) != len(args):  # (when every argument is a tensor, the class default None)
        ctx._tensor_args = shared(tuple([isinstance(a, Tensor) for a in args]))
    if len(outputs) == 1:  # most operations: no lists to build
        array = outputs[0].array
        ctx._output_meta = shared(((array.shape, array.dtype),))
        ctx._output_refs = (weakref.ref(outputs[0]),)
    else:
        ctx._output_meta = shared(tuple([(o.array.shape, o.array.dtype) for o in outputs]))
        ctx._output_refs = tuple([weakref.ref(o) for o in outputs])
    non_diff = ctx._non_differentiable
    for i, out in enumerate(outputs):
        if out.array.dtype.kind in "fc" and not (non_diff and _is_among(out, non_diff)):
            out._requires_grad = True  # (integer and boolean outputs have no gradient)
            out.grad_fn = ctx
            out._output_nr = i
    saved = ctx._saved  # (after the loop: a _SavedOutput copies the output's requires_grad)
    if saved is not None and _shares_any(outputs, saved):
        ctx._saved = tuple([_saved_output_or_self(s, outputs) for s in saved])
    if ctx._forward_cls._check_views:
        _mark_views_of_inputs(ctx._forward_cls, outputs, args)


def _mark_views_of_inputs(cls, outputs: tuple, args: tuple) -> None:
    """Mark the outputs of a learner's Function that share memory with an input.

    An in-place change of such an output changes the input too, which the Function's
    backward knows nothing about: Tensor._check_inplace refuses it, as PyTorch does. So is
    using the output after an in-place change of the input (Tensor._refresh_history).
    """
    for i, out in enumerate(outputs):
        viewed = next((a for a in args if isinstance(a, Tensor)
                       and np.may_share_memory(out.array, a.array)), None)
        if viewed is not None:
            out._made_as_view_by = f"Output {i} of {cls.__name__}"
            out._version_box = viewed._version_box  # one memory, one version count
            if out._view_of is None:  # (an input returned as it is)
                out._view_of = (viewed, None, None, None)
            out._history_version = out._version_box[0]


def _keep_constant(ctx, index: int, tensor) -> None:
    """Remember an input that needs no gradient (a constant), for drawing tools (viz).

    A 0-d one (the 2 in 2 * x) is kept itself, being tiny; a larger one only through a
    weak reference, so that the graph does not keep it alive, and with its shape and
    dtype, so that a drawing can still say what it was.
    """
    if ctx._constant_refs is None:
        ctx._constant_refs = {}
    array = tensor.array
    ctx._constant_refs[index] = (tensor if array.ndim == 0
                                 else (weakref.ref(tensor), array.shape, array.dtype))


def _shares_any(outputs: tuple, saved: tuple) -> bool:
    """Whether forward saved one of its own outputs."""
    for out in outputs:
        for s in saved:
            if s is out:
                return True
    return False


def _is_among(tensor, tensors: tuple) -> bool:
    """Whether this very object is in tensors (`in` would compare tensors with ==)."""
    for t in tensors:
        if t is tensor:
            return True
    return False


_shared: dict = {}


def shared(value: tuple) -> tuple:
    """One shared copy of a small immutable tuple (flags, shapes, versions).

    A graph keeps several such tuples per node and most are equal to each other; sharing
    them keeps the graph small and spares the garbage collector millions of objects.
    """
    found = _shared.get(value)
    if found is None:
        if len(_shared) > 50_000:  # a program with ever-new shapes: start over
            _shared.clear()
        _shared[value] = found = value
    return found


def _saved_output_or_self(saved, outputs):
    """`saved` itself, or a _SavedOutput if it is one of the outputs."""
    for i, out in enumerate(outputs):
        if saved is out:
            return _SavedOutput(i, out)
    return saved


def reduce_to_shape(grad, shape: tuple):
    """Undo broadcasting: sum `grad` over the axes that broadcasting added or stretched.

    If `a` of shape (3,) was added to `b` of shape (2, 3), `a` was used twice, once per
    row, so its gradient is the sum of the two rows of the output's gradient. This is the
    only place in minigrad that knows about broadcasting; no op's backward has to.
    Built from tensor ops, so it is recorded too when create_graph=True.
    """
    if grad.array.shape == shape:
        return grad
    extra = grad.ndim - len(shape)  # leading axes that broadcasting added
    trailing = grad.shape[extra:]
    if extra < 0 or any(s != g and s != 1 for s, g in zip(shape, trailing)):
        raise ValueError(f"gradient of shape {tuple(grad.shape)} cannot reduce to {shape}")
    stretched = tuple(extra + i for i, (s, g) in enumerate(zip(shape, trailing))
                      if s == 1 and g != 1)  # axes of size 1 that broadcasting repeated
    if not stretched:  # only leading axes were added (a bias): summing them is all it takes
        return grad.sum(dim=tuple(range(extra)))
    grad = grad.sum(dim=tuple(range(extra)) + stretched, keepdim=True)
    return grad.reshape(shape)
