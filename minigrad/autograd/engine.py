"""The backward pass: walk the graph from the outputs and apply the chain rule.

    1. Collect every node reachable from the outputs through `next_functions`, counting
       for each node how many edges point at it (its dependencies).
    2. Order them: a node may run only when every node that sends it a gradient has run.
       Among the nodes that are ready, the most recently created runs first (PyTorch's
       order), which makes the order deterministic.
    3. Run them in that order. Each node receives the sum of the gradients sent to it
       (that sum is the multivariable chain rule: a tensor used twice gets two
       contributions), calls its Function's backward, and sends one gradient along each
       of its edges. `AccumulateGrad` nodes add what they receive to the leaf's `.grad`.
       Unless retain_graph=True, a node frees what it saved as soon as its backward has
       run, so memory comes back while the walk goes on.

The walk is a loop, not a recursion, so a chain of a million operations is no problem.
With `inputs` (backward) or in `grad()`, only the nodes that lead to those inputs run.
"""

from __future__ import annotations

import heapq
import sys

import numpy as np

from minigrad.autograd import function, grad_mode
from minigrad.autograd.function import AccumulateGrad, gradient_edge, reduce_to_shape


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate into leaves' `.grad` the gradient of `tensors` (see Tensor.backward)."""
    tensors, grads = _roots(tensors, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    targets = None
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        targets = {}
        for i, t in enumerate(inputs):
            if not t.requires_grad:
                raise RuntimeError(f"input {i} passed to backward() does not require grad.")
            if t.grad_fn is not None:
                t.retain_grad()  # as PyTorch does: a non-leaf input's .grad is filled too
            targets[gradient_edge(t)] = t
    _run(tensors, grads, retain_graph, create_graph, targets, capture=False)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Return the gradients of `outputs` with respect to `inputs`, as a tuple.

    Unlike backward(), nothing is written into `.grad`: the gradients are returned. With
    create_graph=True they are themselves recorded, so they can be differentiated again.
    """
    outputs, grads = _roots(outputs, grad_outputs)
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if retain_graph is None:
        retain_graph = create_graph
    targets = {}  # edge -> the indices of the inputs it leads to (an input may be repeated)
    for i, t in enumerate(inputs):
        if not isinstance(t, function.Tensor):
            raise RuntimeError(
                f"grad(): all inputs have to be Tensors, but input {i} is a "
                f"{type(t).__name__}"
            )
        if not t.requires_grad:
            raise RuntimeError(
                f"One of the differentiated Tensors (index {i}) does not require grad"
            )
        targets.setdefault(gradient_edge(t), []).append(i)
    found = _run(outputs, grads, retain_graph, create_graph, targets, capture=True)
    for i in range(len(inputs)):
        if i not in found and not allow_unused:
            raise RuntimeError(
                f"One of the differentiated Tensors (index {i}) appears to not have been "
                "used in the graph. Set allow_unused=True if this is the desired behavior."
            )
    return tuple([found.get(i) for i in range(len(inputs))])


def _as_tuple(x) -> tuple:
    """One tensor or a sequence of them, as a tuple."""
    from minigrad.tensor import Tensor

    return (x,) if isinstance(x, Tensor) else tuple(x)


def _roots(tensors, grads):
    """Check the outputs and their starting gradients, creating 1 for one-element outputs."""
    from minigrad.tensor import Tensor, ones_like, tensor

    tensors = _as_tuple(tensors)
    if grads is None:
        grads = (None,) * len(tensors)
    else:
        if isinstance(grads, Tensor) or not isinstance(grads, (tuple, list)):
            grads = (grads,)  # one gradient, for one output
        if len(grads) != len(tensors):
            raise RuntimeError(
                f"grad_tensors has {len(grads)} elements but there are {len(tensors)} tensors"
            )
    checked = []
    for i, (t, g) in enumerate(zip(tensors, grads)):
        if not t.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn. "
                "Hint: the graph starts at tensors created with requires_grad=True; this one "
                "was computed from none (or under no_grad, or after detach())."
            )
        if g is None:
            if t.numel() != 1:
                raise RuntimeError(
                    "grad can be implicitly created only for scalar outputs. "
                    f"This output has shape {tuple(t.shape)}: call .sum().backward() (or "
                    ".mean()) to reduce it first, or pass backward(gradient=...) with a tensor "
                    f"of shape {tuple(t.shape)}."
                )
            g = ones_like(t)
        else:
            if not isinstance(g, Tensor):
                g = tensor(g, dtype=t.dtype)
            if g.shape != t.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {list(g.shape)} and "
                    f"output[{i}] has a shape of {list(t.shape)}."
                )
            if g.dtype != t.dtype:  # a float64 (or integer) gradient for a float32 output
                g = g.to(t.dtype)
        checked.append(g)
    return tensors, tuple(checked)


def topological_order(roots) -> list:
    """Nodes reachable from `roots` (a list of nodes), each after all nodes that feed it."""
    # dependencies[node]: how many edges point at node. A node listed twice in roots is
    # still one node: its edges must be counted once.
    dependencies = dict.fromkeys([node for node in roots if node is not None], 0)
    stack = list(dependencies)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            if child in dependencies:
                dependencies[child] += 1
            else:  # first time seen: its own edges are still to be counted
                dependencies[child] = 1
                stack.append(child)
    ready = [(-n._sequence_nr, n) for n in dependencies if dependencies[n] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, node = heapq.heappop(ready)
        order.append(node)
        for child, _ in node.next_functions:
            if child is None:
                continue
            dependencies[child] -= 1
            if dependencies[child] == 0:
                heapq.heappush(ready, (-child._sequence_nr, child))
    return order


def _run(roots, root_grads, retain_graph, create_graph, targets, capture):
    """Run the backward pass; return the captured gradients when `capture` (autograd.grad)."""
    edges = [gradient_edge(t) for t in roots]
    order = topological_order([node for node, _ in edges])
    ends = ()
    if targets is not None:
        order, ends = _prune(order, targets)

    buffers = {}  # node -> list of summed gradients, one per output of the node
    for (node, nr), g in zip(edges, root_grads):
        _add_to_buffer(buffers, node, nr, g)

    captured = {}
    Tensor = function.Tensor  # the class (minigrad.tensor sets it when it is imported)
    prev = grad_mode._enabled
    grad_mode._enabled = create_graph
    try:
        for node in order:
            grads = buffers.pop(node, None)
            if grads is None:
                continue
            if node._pre_hooks is not None or node._retain_hooks is not None:
                grads = _run_pre_hooks(node, grads)  # (retain_grad fills .grad of non-leaves)
            if capture:
                _capture(node, grads, targets, captured)
                if node in ends:
                    continue
            if type(node) is AccumulateGrad:
                if not capture and (targets is None or (node, 0) in targets):
                    if node._hooks:  # they see the gradient after the leaf's own hooks
                        added = _accumulate(node.variable, grads[0], create_graph)
                        _run_node_hooks(node, (), (added,))
                    else:  # (pop: nothing else may refer to the gradient, see _accumulate)
                        _accumulate(node.variable, grads.pop(), create_graph)
                continue
            grad_inputs = _call_backward(node, grads)
            if node._hooks:
                grad_inputs = _run_node_hooks(node, _fitted_all(node, grad_inputs), grads)
            if not retain_graph:
                node._release()
            for index, ((child, nr), g) in enumerate(zip(node.next_functions, grad_inputs)):
                if child is None or g is None:
                    continue
                shape, dtype = child._output_meta[nr]  # the input was output nr of child
                if type(g) is not Tensor or g.array.shape != shape or g.array.dtype != dtype:
                    g = _fit_gradient(node, index, g, shape, dtype)
                _add_to_buffer(buffers, child, nr, g)
            grad_inputs = g = None  # the buffers alone hold the gradients now (_accumulate)
    finally:
        grad_mode._enabled = prev
    return captured


def _fitted_all(node, grad_inputs) -> tuple:
    """The gradients for node's inputs in the shapes and dtypes of those inputs."""
    fitted = []
    for index, ((child, nr), g) in enumerate(zip(node.next_functions, grad_inputs)):
        if child is not None and g is not None:
            g = _fit_gradient(node, index, g, *child._output_meta[nr])
        fitted.append(g)
    return tuple(fitted)


def _run_node_hooks(node, grad_inputs: tuple, grad_outputs) -> tuple:
    """Hooks registered on a node: hook(grad_inputs, grad_outputs) after its backward ran.

    A hook may return a tuple with one gradient per input, which replaces grad_inputs.
    """
    for hook in node._hooks:
        result = hook(grad_inputs, tuple(grad_outputs))
        if result is None:
            continue
        if type(result) is not tuple:
            raise TypeError(f"expected tuple, but hook returned '{type(result).__name__}'")
        if len(result) != len(grad_inputs):
            name = getattr(hook, "__name__", repr(hook))
            raise RuntimeError(
                f"hook '{name}' has returned an incorrect number of values (got "
                f"{len(result)}, but expected {len(grad_inputs)})"
            )
        grad_inputs = result
    return grad_inputs


def _capture(node, grads, targets, captured) -> None:
    """grad(): keep the gradients that reach an input, under that input's index."""
    for nr, g in enumerate(grads):
        indices = targets.get((node, nr))
        if indices is not None and g is not None:
            if isinstance(node, AccumulateGrad):  # a leaf's hooks run before it is returned
                g = _run_leaf_hooks(node.variable, g)
            for index in indices:
                captured[index] = g


def _prune(order, targets):
    """Keep only the nodes from which some target can be reached (targets included).

    Also return the targets that lead to no other target: grad() takes their gradient
    and goes no further, so their own backward does not run (nor free what they saved).
    """
    target_nodes = {node for node, _ in targets}
    useful = set()
    ends = set()
    for node in reversed(order):
        if any(c in useful for c, _ in node.next_functions):
            useful.add(node)
        elif node in target_nodes:
            useful.add(node)
            ends.add(node)
    return [node for node in order if node in useful], ends


def _add_to_buffer(buffers, node, nr, grad) -> None:
    """Add `grad` to what output `nr` of `node` has received so far."""
    slots = buffers.get(node)
    if slots is None:
        slots = buffers[node] = [None] * len(node._output_meta)
    slots[nr] = grad if slots[nr] is None else slots[nr] + grad


def _run_pre_hooks(node, grads):
    """Hooks registered on a non-leaf tensor see (and may replace) its gradient.

    retain_grad's hook runs last, as in PyTorch, so `.grad` holds what the other hooks made.
    """
    if node._pre_hooks is None and node._retain_hooks is None:
        return grads
    grads = list(grads)
    for nr, hooks in (node._pre_hooks or {}).items():
        for hook in hooks:
            if grads[nr] is not None:
                result = hook(grads[nr])
                if result is not None:
                    grads[nr] = _hook_result(hook, result, grads[nr])
    for nr, store in (node._retain_hooks or {}).items():
        if grads[nr] is not None:
            store(grads[nr])
    return grads


def _call_backward(node, grads) -> tuple:
    """Call the node's backward and check that it returned one gradient per forward input."""
    # An output that received no gradient contributes zero, as in PyTorch. (`is None`, not
    # `None in grads`: `in` would compare tensors with ==, which is elementwise.)
    if len(grads) > 1 and any(g is None for g in grads):
        grads = [g if g is not None else _zeros(shape, dtype)
                 for g, (shape, dtype) in zip(grads, node._output_meta)]
    result = node.apply(*grads)
    if type(result) is not tuple:
        result = (result,)
    tensor_args = node._tensor_args  # None when every forward argument was a tensor
    expected = len(node.next_functions) if tensor_args is None else len(tensor_args)
    if len(result) > expected and all(g is None for g in result[expected:]):
        result = result[:expected]  # extra Nones at the end say nothing: PyTorch drops them
    if len(result) != expected:
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {expected}, got {len(result)}): backward must return one value "
            "per argument of forward, None for the ones that need no gradient."
        )
    if tensor_args is not None:  # keep the gradients of tensor arguments only
        for position, (g, is_tensor) in enumerate(zip(result, tensor_args), start=1):
            if g is not None and not is_tensor:  # e.g. a number for hard tanh's threshold
                raise RuntimeError(
                    f"function {node.name()} returned a gradient different than None at "
                    f"position {position}, but the corresponding forward input was not a "
                    "Variable"
                )
        result = tuple([g for g, is_tensor in zip(result, tensor_args) if is_tensor])
    return result


def _zeros(shape, dtype):
    return function.Tensor._wrap(np.zeros(shape, dtype=dtype))


def _fit_gradient(node, index, grad, shape, dtype):
    """Check a gradient against its input's shape and dtype; undo broadcasting if needed."""
    if not isinstance(grad, function.Tensor):  # a number or an array from a custom backward
        from minigrad.tensor import tensor

        grad = tensor(grad, dtype=dtype)
    if grad.array.shape != shape:
        try:
            grad = reduce_to_shape(grad, shape)
        except ValueError:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {index} - got "
                f"{list(grad.shape)} but expected shape compatible with {list(shape)}"
            ) from None
    if grad.array.dtype != dtype:
        grad = grad.to(dtype)
    return grad


def _run_leaf_hooks(variable, grad):
    """A leaf's hooks see its gradient first, and may replace it."""
    for hook in variable._hooks:
        result = hook(grad)
        if result is not None:
            grad = _hook_result(hook, result, grad)
    return grad


def _hook_result(hook, result, grad):
    """A gradient that a hook returned instead of `grad`: it must be a tensor like `grad`."""
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(result, function.Tensor):
        raise TypeError(
            f"hook '{name}' must return a Tensor or None, but returned {type(result).__name__}"
        )
    if result.shape != grad.shape:
        raise RuntimeError(
            f"hook '{name}' has changed the size of value: the gradient has shape "
            f"{list(grad.shape)}, the hook returned {list(result.shape)}"
        )
    if result.dtype != grad.dtype:
        raise RuntimeError(
            f"hook '{name}' has changed the type of value (was {grad._type_name()} got "
            f"{result._type_name()})"
        )
    return result


def _accumulate(variable, grad, create_graph):
    """leaf.grad += grad, running the leaf's hooks first (they may replace the gradient).

    The first gradient becomes .grad itself when nothing else can see it, as in PyTorch.
    Otherwise .grad is a copy: the gradient may be shared (Add sends one tensor to both its
    inputs, backward(gradient=g) starts from the caller's g, a transpose's gradient is a view
    of another), and a later backward adds into .grad in place, which would change the
    others too. With create_graph=True the copy and the sum are recorded, so .grad can be
    differentiated again.
    """
    grad = _run_leaf_hooks(variable, grad)
    if grad.dtype != variable.dtype:
        grad = grad.to(variable.dtype)
    if variable._grad is None:
        if create_graph:
            variable._grad = grad.clone()
        elif _unshared(grad):
            variable._grad = grad.detach()
        else:
            variable._grad = grad.detach().clone()
    elif create_graph:
        variable._grad = variable._grad + grad
    else:
        variable._grad.array += grad.array
    return grad  # (what was added, for the accumulator's hooks)


def _unshared(grad) -> bool:
    """Whether nothing but the caller refers to `grad` or to its memory.

    sys.getrefcount counts the references to an object. Anything beyond the ones this very
    code makes (the caller's variable, the argument, the local `array`, getrefcount's own
    argument: _ALONE, measured below) is someone else: another node's buffer, a hook that
    kept the gradient, a view (a view refers to the array it views). An array whose `base`
    is set is itself a view of another array's memory. The engine keeps no reference of its
    own (see _run). .grad is also kept in the usual memory order, as PyTorch does.
    """
    array = grad.array
    return (sys.getrefcount(grad) <= _ALONE[0] and sys.getrefcount(array) <= _ALONE[1]
            and array.base is None and array.flags.writeable and array.flags.c_contiguous)


def _reference_counts(grad) -> tuple:
    """What _unshared sees for a gradient that nothing else refers to (same code shape)."""
    array = grad.array
    return sys.getrefcount(grad), sys.getrefcount(array)


def _counts_when_alone() -> tuple:
    """Measured, not assumed: how Python counts references differs between versions."""

    class Probe:
        __slots__ = ("array",)

    grad = Probe()  # a local, like `grad` in _accumulate; its array is referred to once
    grad.array = np.zeros(1)
    return _reference_counts(grad)


# Stealing relies on CPython's reference counts; elsewhere .grad is always a copy.
_ALONE = _counts_when_alone() if sys.implementation.name == "cpython" else (0, 0)
