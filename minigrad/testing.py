"""Checks for the course's exercises, with messages a learner can act on.

An exercise's check cell calls these helpers. When an answer is wrong they raise `CheckFailed`
with one self-contained sentence that says what is wrong and, where we can tell, why:

    check_shape("grad of w", w.grad, (3,))
    CheckFailed: grad of w should have shape (3,), got (1, 3). It has an extra dimension of
    size 1: remove it with .squeeze() or .reshape(...).

In a notebook the error shows only that line, no traceback: the helper's own frames say
nothing to a learner, and the message names the quantity that is wrong. Every helper
accepts minigrad tensors, numpy arrays, Python numbers and (nested) lists.

A check cell starts with `require("x", "y")`, so that a task that is not done yet says so
("This task is not done yet: `x` is not defined. ...") instead of failing with a NameError
further down, and ends with `print("✓ Task N passed")`. See CONTRIBUTING.md, "Exercises".
"""

from __future__ import annotations

import inspect
import math
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad.autograd.function import Function
from minigrad.autograd.grad_mode import no_grad
from minigrad.tensor import Tensor

__all__ = [
    "CheckFailed", "check_between", "check_close", "check_equal", "check_function_backward",
    "check_grad", "check_grad_fn", "check_is_tensor", "check_leaf", "check_no_graph",
    "check_requires_grad", "check_shape", "check_true", "require",
]

# Default tolerances: looser than float64 round-off, tight enough that a wrong gradient never
# passes. minigrad computes in float32 by default, whose relative precision is about 1e-7.
ATOL = 1e-5
RTOL = 1e-5


class CheckFailed(AssertionError):
    """An exercise's answer is not right yet. The message says what is wrong, in words.

    It is an AssertionError, so pytest and nbval treat it as a failed check. In IPython and
    JupyterLab it prints as the single line `CheckFailed: <message>`: `_render_traceback_`
    is IPython's hook for exceptions that draw their own traceback.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def _render_traceback_(self) -> list[str]:
        return [f"CheckFailed: {self.message}"]


def _fail(message: str, hint: str | None = None) -> None:
    __tracebackhide__ = True  # pytest leaves this frame out of its reports
    if hint:
        message = f"{message} {hint}"
    raise CheckFailed(message) from None


# --- turning answers into arrays ------------------------------------------------------------


def _raw(value: Any) -> Any:
    """A tensor's array, recursively through lists and tuples; anything else unchanged."""
    if isinstance(value, Tensor):
        return value.array
    if isinstance(value, (list, tuple)):
        return [_raw(v) for v in value]
    return value


def _values(name: str, value: Any) -> np.ndarray:
    """`value` as a float64 array, or a CheckFailed that says what it is instead."""
    __tracebackhide__ = True
    if value is None:
        _fail(f"{name} is None: assign it a value (a number, a list or a tensor).")
    if isinstance(value, str):
        _fail(f"{name} should be a number, a list of numbers or a tensor, got the string "
              f"{value!r}.")
    try:
        array = np.asarray(_raw(value), dtype=np.float64)
    except (TypeError, ValueError):
        _fail(f"{name} should be a number, a list of numbers or a tensor, "
              f"got {_type_name(value)}.")
    return array


def _type_name(value: Any) -> str:
    if value is None:
        return "None"
    kind = type(value)
    if kind.__module__ in ("builtins", "__main__"):
        return f"a {kind.__name__}"
    return f"a {kind.__module__.split('.')[0]}.{kind.__name__}"


def _shape_of(value: Any) -> tuple:
    if isinstance(value, (Tensor, np.ndarray)):
        return tuple(int(s) for s in value.shape)
    return tuple(np.shape(_raw(value)))


def _number(value: float) -> str:
    """A number as a learner writes it: 16, 0.5, -2.25, 1e-08."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def _array_text(array: np.ndarray) -> str:
    if array.ndim == 0:
        return _number(array)
    return np.array2string(array, separator=", ", formatter={"float_kind": _number})


def _element(name: str, index: tuple) -> str:
    if not index:
        return name
    return f"{name}[{', '.join(str(int(i)) for i in index)}]"


# --- the checks -----------------------------------------------------------------------------


def require(*names: str, namespace: dict | None = None) -> None:
    """Fail with "not done yet" when the task's answer is missing.

    A check cell starts with it, before using any of the names. A name is missing when it is
    not defined, or when it is a function (or a class with a method) whose body is still the
    exercise's `raise NotImplementedError()`. `namespace` defaults to the caller's globals,
    which in a notebook are the notebook's variables.
    """
    __tracebackhide__ = True
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    missing = [name for name in names if name not in namespace]
    if missing:
        listed = " and ".join(f"`{name}`" for name in missing)
        verb = "is" if len(missing) == 1 else "are"
        _fail(f"This task is not done yet: {listed} {verb} not defined. Write your answer in "
              "the cell above (in place of `raise NotImplementedError()`), run that cell, "
              "then run this check again.")
    stubs = [stub for name in names for stub in _stubs(namespace[name])]
    if stubs:
        listed = " and ".join(f"`{stub}`" for stub in stubs)
        verb = "raises" if len(stubs) == 1 else "raise"
        _fail(f"This task is not done yet: {listed} still only {verb} "
              "NotImplementedError. Write the body in the cell above in place of `raise "
              "NotImplementedError()`, run that cell, then run this check again.")


def _stubs(value: Any) -> list[str]:
    """Names of the functions in `value` whose body only raises NotImplementedError."""
    if inspect.isfunction(value):
        return [value.__qualname__] if _only_raises(value) else []
    if isinstance(value, type):
        found = []
        for attribute in vars(value).values():
            function = getattr(attribute, "__func__", attribute)  # staticmethod, classmethod
            if inspect.isfunction(function) and _only_raises(function):
                found.append(function.__qualname__)
        return found
    if type(value).__module__ == "__main__":  # an instance of a class the notebook defines
        return _stubs(type(value))
    return []


def _only_raises(function: Any) -> bool:
    # The generated stub `raise NotImplementedError()` is the only global such a body names.
    return function.__code__.co_names == ("NotImplementedError",)


def check_true(condition: Any, message: str) -> None:
    """Fail with `message` when `condition` is false. The message must say what is wrong."""
    __tracebackhide__ = True
    if isinstance(condition, Tensor):
        condition = bool(condition.array.all())
    if not condition:
        _fail(message)


def check_is_tensor(name: str, value: Any) -> None:
    """`value` must be a minigrad Tensor (not a list, a number or a numpy array)."""
    __tracebackhide__ = True
    if isinstance(value, Tensor):
        return
    if value is None:
        _fail(f"{name} is None, but it should be a minigrad tensor: did your code assign it "
              "(a function that ends without `return` gives None)?")
    if isinstance(value, np.ndarray):
        _fail(f"{name} should be a minigrad tensor, got a numpy array: wrap it with "
              f"mg.tensor(...), or compute it from tensors so that the graph is recorded.")
    if type(value).__module__.startswith("torch"):
        _fail(f"{name} is a PyTorch tensor; this course uses minigrad: make it with "
              "mg.tensor(...).")
    _fail(f"{name} should be a minigrad tensor, got {_type_name(value)} ({value!r:.60}): "
          "make it with mg.tensor(...).")


def check_shape(name: str, value: Any, expected_shape: Sequence[int]) -> None:
    """`value` (a tensor, an array, a list or a number) must have `expected_shape`."""
    __tracebackhide__ = True
    if value is None:
        _fail(f"{name} is None, but it should have shape {tuple(expected_shape)}.")
    got = _shape_of(value)
    expected = tuple(int(s) for s in expected_shape)
    if got != expected:
        _fail(f"{name} should have shape {expected}, got {got}.", _shape_hint(got, expected))


def _shape_hint(got: tuple, expected: tuple) -> str:
    """Why two shapes might differ, from the most telling pattern we can see."""
    drop_ones = tuple(s for s in got if s != 1)
    if got and not expected:
        return "It should be a single number: sum or average it, or take the one element."
    if expected and not got:
        return ("It is a single number: did you sum it (or call .item()) where the elements "
                "should stay apart?")
    if drop_ones == tuple(s for s in expected if s != 1):
        if len(got) > len(expected):
            return ("It has an extra dimension of size 1: remove it with .squeeze() or "
                    ".reshape(...).")
        if len(got) < len(expected):
            return ("A dimension of size 1 is missing: keep it with keepdim=True, or add it "
                    "with .unsqueeze(...).")
    if got == tuple(reversed(expected)):
        return "Its dimensions are swapped: is something transposed?"
    if math.prod(got) == math.prod(expected):
        return "It has the right number of elements, arranged differently."
    return ""


def check_close(name: str, got: Any, expected: Any, *, atol: float = ATOL, rtol: float = RTOL,
                hint: str | None = None) -> None:
    """`got` must equal `expected` element by element, within atol + rtol * |expected|.

    On a mismatch the message names the first wrong element and both values, and says when
    the whole answer is off in a telling way: a constant factor (a factor missing from a
    derivative), the wrong sign, a constant offset, or the right values in another order.
    `hint` is added to the message: say there what the value means.
    """
    __tracebackhide__ = True
    got_array = _values(name, got)
    expected_array = np.asarray(_raw(expected), dtype=np.float64)
    if got_array.shape != expected_array.shape:
        if got_array.size == expected_array.size == 1:
            got_array = got_array.reshape(())
            expected_array = expected_array.reshape(())
        else:
            _fail(f"{name} should have shape {expected_array.shape}, got {got_array.shape}.",
                  " ".join(p for p in (_shape_hint(got_array.shape, expected_array.shape),
                                       hint) if p))
    message = _mismatch(name, got_array, expected_array, atol, rtol)
    if message:
        _fail(message, hint)


def _mismatch(name: str, got: np.ndarray, expected: np.ndarray, atol: float,
              rtol: float) -> str | None:
    """Describe how `got` differs from `expected` (same shape), or None when they agree."""
    nan = np.isnan(got) & ~np.isnan(expected)
    if nan.any():
        where = _element(name, tuple(np.argwhere(nan)[0]))
        return (f"{where} is nan (not a number): a 0/0, a log of a negative number, or values "
                "that grew until they overflowed?")
    bad = ~np.isclose(got, expected, atol=atol, rtol=rtol)
    if not bad.any():
        return None
    first = tuple(np.argwhere(bad)[0])
    where = _element(name, first)
    if got.ndim == 0:
        message = f"{name} should be {_number(expected)}, got {_number(got)}."
    elif bad.sum() == 1:
        message = f"{where} should be {_number(expected[first])}, got {_number(got[first])}."
    else:
        message = (f"{name} is wrong at {int(bad.sum())} of {got.size} elements; the first is "
                   f"{where}: expected {_number(expected[first])}, got {_number(got[first])}.")
    if got.ndim and got.size <= 8:
        message += f" ({name} = {_array_text(got)}, expected {_array_text(expected)}.)"
    pattern = _pattern(got, expected, atol, rtol)
    return f"{message} {pattern}" if pattern else message


def _pattern(got: np.ndarray, expected: np.ndarray, atol: float, rtol: float) -> str:
    """The simplest relation between a wrong answer and the right one, if there is one.

    A constant ratio is the classic derivative slip (a factor 2 lost from x**2, a sign
    flipped); a constant offset, a term too many or too few; the same values elsewhere, a
    transpose. For a single number any two values have a ratio, so only a whole-number
    factor, 0 or -1 is worth a remark there.
    """
    if not np.isfinite(got).all():
        return ""
    many = got.size > 1
    subject = "every value is" if many else "it is"
    nonzero = np.abs(expected) > atol
    if nonzero.any() and np.allclose(got[~nonzero], 0, atol=atol):
        ratios = got[nonzero] / expected[nonzero]
        ratio = float(ratios.flat[0])
        if np.allclose(ratios, ratio, rtol=1e-4, atol=1e-8):
            if abs(ratio) < 1e-12:
                return (f"{subject.capitalize()} 0: was it computed at all, or zeroed "
                        "afterwards?")
            if np.isclose(ratio, -1.0):
                return f"It has the wrong sign: {subject} the negative of the expected value."
            factor = ratio if abs(ratio) > 1 else 1 / ratio
            # A factor of 1 is no factor: values that are merely close get no remark here.
            whole = abs(factor - round(factor)) < 1e-4 and abs(round(factor)) > 1
            if whole and abs(ratio) > 1:
                return (f"{subject.capitalize()} {_number(round(factor))} × the expected "
                        f"value: is there an extra factor of {_number(round(factor))}?")
            if whole:
                fraction = f"{'-' if factor < 0 else ''}1/{_number(abs(round(factor)))}"
                return (f"{subject.capitalize()} {fraction} of the expected "
                        f"value: is a factor of {_number(round(factor))} missing?")
            if many:
                return (f"Every value is {_number(ratio)} × the expected value: a constant "
                        "factor is off.")
    if many:
        offsets = got - expected
        if np.allclose(offsets, offsets.flat[0], atol=atol, rtol=1e-4):
            return f"Every value is off by the same amount, {_signed(offsets.flat[0])}."
        if np.allclose(np.sort(got, axis=None), np.sort(expected, axis=None), atol=atol,
                       rtol=rtol):
            return ("It has the right values in the wrong places: is something transposed or "
                    "reversed?")
    return ""


def _signed(value: float) -> str:
    text = _number(value)
    return text if text.startswith("-") else f"+{text}"


def check_equal(name: str, got: Any, expected: Any, hint: str | None = None) -> None:
    """`got` must equal `expected` exactly: for counts, names and lists of them.

    Lists and tuples compare item by item, and the message points at the first item that
    differs. Use check_close for computed numbers.
    """
    __tracebackhide__ = True
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)):
            _fail(f"{name} should be a list of {len(expected)} items, got {_type_name(got)} "
                  f"({got!r:.60}).", hint)
        for index, (g, e) in enumerate(zip(got, expected)):
            if g != e:
                _fail(f"{name}[{index}] should be {e!r}, got {g!r} ({name} = {list(got)!r}).",
                      hint)
        if len(got) != len(expected):
            _fail(f"{name} should have {len(expected)} items, got {len(got)}: {list(got)!r}.",
                  hint)
        return
    if isinstance(got, Tensor) and got.numel() == 1:
        got = got.item()
    if isinstance(got, bool) != isinstance(expected, bool) or got != expected:
        _fail(f"{name} should be {expected!r}, got {got!r}.", hint)


def check_between(name: str, value: Any, low: float, high: float) -> None:
    """`value` must be a number with low <= value <= high."""
    __tracebackhide__ = True
    array = _values(name, value)
    if array.size != 1:
        _fail(f"{name} should be a single number, got {array.size} values.")
    number = float(array.reshape(()))
    if math.isnan(number):
        _fail(f"{name} is nan (not a number).")
    raw = _raw(value)
    if isinstance(raw, np.ndarray) and raw.dtype == np.float32:
        # A float32 tensor holding 0.1 is a hair above the float 0.1: compare at its precision.
        low, high = float(np.float32(low)), float(np.float32(high))
    if not low <= number <= high:
        side = "too small" if number < low else "too large"
        _fail(f"{name} should be between {_number(low)} and {_number(high)}, got "
              f"{_number(number)} ({side}).")


# --- autograd-specific checks ---------------------------------------------------------------


def check_requires_grad(name: str, tensor: Any, expected: bool = True) -> None:
    """`tensor.requires_grad` must be `expected`."""
    __tracebackhide__ = True
    check_is_tensor(name, tensor)
    if tensor.requires_grad == expected:
        return
    if expected:
        _fail(f"{name}.requires_grad should be True, got False: no graph is recorded from "
              f"{name}, so it gets no gradient. Create it with mg.tensor(..., "
              "requires_grad=True) (or call .requires_grad_() on a leaf).")
    _fail(f"{name}.requires_grad should be False, got True: {name} is still tracked by "
          "autograd. Use .detach(), or compute it inside `with mg.no_grad():`.")


def check_leaf(name: str, tensor: Any, expected: bool = True) -> None:
    """`tensor` must be a leaf (made directly, no grad_fn), or with expected=False, not one."""
    __tracebackhide__ = True
    check_is_tensor(name, tensor)
    if tensor.is_leaf == expected:
        return
    if expected:
        _fail(f"{name} should be a leaf tensor (made directly, not by an operation), but it "
              f"was computed: grad_fn=<{tensor.grad_fn.name()}>. Create it with "
              f"mg.tensor(...), or cut it from its history with .detach().")
    _fail(f"{name} should be the result of recorded operations (it should have a grad_fn), "
          "but it is a leaf: was it computed from tensors that do not require grad, inside "
          "mg.no_grad(), from .detach() or .item(), or rebuilt with mg.tensor(...)?")


def check_grad_fn(name: str, tensor: Any, expected: str | None) -> None:
    """`tensor.grad_fn` must be a node named `expected` ('MulBackward0'), or None."""
    __tracebackhide__ = True
    check_is_tensor(name, tensor)
    got = None if tensor.grad_fn is None else tensor.grad_fn.name()
    if got == expected:
        return
    if expected is None:
        _fail(f"{name}.grad_fn should be None ({name} a leaf), got <{got}>.")
    if got is None:
        _fail(f"{name}.grad_fn should be <{expected}>, got None: {name} was not recorded in a "
              "graph. Compute it from tensors with requires_grad=True, outside mg.no_grad().")
    _fail(f"{name}.grad_fn should be <{expected}>, got <{got}>: the last operation that made "
          f"{name} decides its grad_fn.")


def check_no_graph(name: str, tensor: Any) -> None:
    """`tensor` must be cut from the graph: no grad_fn and requires_grad False."""
    __tracebackhide__ = True
    check_is_tensor(name, tensor)
    if tensor.grad_fn is not None:
        _fail(f"{name} is still attached to the graph (grad_fn=<{tensor.grad_fn.name()}>), so "
              "gradients would flow through it. Cut it with .detach(), or compute it inside "
              "`with mg.no_grad():`.")
    if tensor.requires_grad:
        _fail(f"{name}.requires_grad is True, so operations on it are recorded. Use a detached "
              "copy (.detach()) or create it without requires_grad.")


def check_grad(name: str, tensor: Any, expected: Any, *, atol: float = ATOL,
               rtol: float = RTOL, hint: str | None = None) -> None:
    """`tensor.grad` (`name` is the tensor's name, e.g. "w") must be close to `expected`."""
    __tracebackhide__ = True
    check_is_tensor(name, tensor)
    if not tensor.is_leaf and not tensor._retains_grad:
        _fail(f"{name} is not a leaf (grad_fn=<{tensor.grad_fn.name()}>), so backward() does "
              f"not fill {name}.grad. Check the gradient of the leaf it was computed from, or "
              f"call {name}.retain_grad() before backward().")
    grad = tensor._grad  # the attribute itself: reading .grad of a non-leaf warns
    if grad is None:
        why = ("" if tensor.requires_grad else
               f" ({name}.requires_grad is False, so backward() gives it no gradient: create "
               "it with requires_grad=True.)")
        _fail(f"{name}.grad is None: did you call backward()?{why}", hint)
    check_close(f"{name}.grad", grad, expected, atol=atol, rtol=rtol, hint=hint)


def check_function_backward(function: type, *inputs: Any, atol: float = 1e-5,
                            rtol: float = 1e-3, eps: float = 1e-6) -> None:
    """Check a custom Function's backward against finite differences, in float64.

    The inputs are copied to float64; tensors that require grad get a gradient check. Like
    `gradcheck`, this compares backward's answer with the central difference
    (L(x + ε) - L(x - ε)) / 2ε, here for L = Σ gₖ·outputₖ with a fixed random upstream
    gradient g: a backward that ignores grad_output, returns too few gradients, a gradient
    of the wrong shape, or misses a factor is named as such. Choose inputs away from kinks
    (for a ReLU, away from 0): at a kink, finite differences do not give the derivative.
    """
    __tracebackhide__ = True
    name = getattr(function, "__name__", repr(function))
    if not (isinstance(function, type) and issubclass(function, Function)):
        _fail(f"{name} should be a class that subclasses minigrad.autograd.Function: "
              f"`class {name}(Function):` with static forward and backward methods.")
    inputs = tuple(_as_double(x) for x in inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("check_function_backward needs an input tensor with requires_grad=True")
    arg_names = _forward_argument_names(function, len(inputs))

    outputs = _as_outputs(function.apply(*inputs))
    node = next((o.grad_fn for o in outputs if o.grad_fn is not None), None)
    if node is None:
        _fail(f"{name}.apply(...) returned no tensor with a grad_fn: forward must return "
              "floating point tensors (or arrays) computed from its inputs.")
    upstream = _upstream_gradients(outputs)
    with no_grad():
        returned = node.apply(*upstream)
    if not isinstance(returned, tuple):
        returned = (returned,)
    if len(returned) != len(inputs):
        _fail(f"{name}.backward returns {_count(len(returned), 'gradient')} but forward takes "
              f"{_count(len(inputs), 'input')} ({', '.join(arg_names)}): return one gradient "
              "per input of forward, in the same order (None for an input that needs none).")

    for index, (x, grad) in enumerate(zip(inputs, returned)):
        arg = arg_names[index]
        if not isinstance(x, Tensor):
            if grad is not None:
                _fail(f"{name}.backward returns a gradient for `{arg}`, which is not a tensor "
                      f"({x!r}): return None in its place.")
            continue
        if not x.requires_grad:
            continue
        if grad is None:
            _fail(f"{name}.backward returns None for `{arg}`, but {arg} requires grad: "
                  f"return its gradient, grad_output times d(output)/d{arg}.")
        label = f"grad_{arg}"
        got = _values(f"The gradient {name}.backward returns for `{arg}`", grad)
        if got.shape != tuple(x.shape):
            _fail(f"{name}.backward returns a gradient for `{arg}` of shape {got.shape}; it "
                  f"should have the shape of {arg}, {tuple(x.shape)}.",
                  _shape_hint(got.shape, tuple(x.shape)))
        expected = _numerical_vjp(function, inputs, index, upstream, eps)
        message = _mismatch(label, got, expected, atol, rtol)
        if message is None:
            continue
        ignoring = _numerical_vjp(function, inputs, index, [_ones_like(g) for g in upstream], eps)
        if np.allclose(got, ignoring, atol=atol, rtol=rtol):
            message += (" It equals the local derivative alone: backward must multiply it by "
                        "grad_output (the chain rule), not ignore grad_output.")
        _fail(f"{name}.backward returns a wrong gradient for `{arg}` (called {label} here; the "
              f"expected values are finite differences of forward). {message}")


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _as_double(x: Any) -> Any:
    if isinstance(x, Tensor) and x.dtype.kind == "f":
        return Tensor._wrap(x.array.astype(np.float64).copy(), x.requires_grad)
    return x


def _as_outputs(result: Any) -> tuple:
    return result if isinstance(result, tuple) else (result,)


def _forward_argument_names(function: type, count: int) -> list[str]:
    """forward's parameter names after ctx, for messages; "input N" where there is none."""
    try:
        parameters = list(inspect.signature(function.forward).parameters.values())[1:]
    except (TypeError, ValueError):
        parameters = []
    names = [p.name for p in parameters
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return [names[i] if i < len(names) else f"input {i}" for i in range(count)]


def _upstream_gradients(outputs: tuple) -> list[Tensor]:
    """A fixed, uneven gradient for each output: values in ±[0.5, 1.5], never 1 everywhere."""
    rng = np.random.default_rng(0)
    grads = []
    for out in outputs:
        magnitude = rng.uniform(0.5, 1.5, size=out.shape)
        sign = rng.choice([-1.0, 1.0], size=out.shape)
        grads.append(Tensor._wrap(np.asarray(magnitude * sign, dtype=np.float64)))
    return grads


def _ones_like(t: Tensor) -> Tensor:
    return Tensor._wrap(np.ones(t.shape, dtype=np.float64))


def _numerical_vjp(function: type, inputs: tuple, index: int, upstream: list,
                   eps: float) -> np.ndarray:
    """d/dx Σ gₖ·outputₖ by central differences, one element of inputs[index] at a time."""
    array = inputs[index].array
    flat = array.reshape(-1)
    result = np.zeros(array.size)

    def weighted_sum() -> float:
        outs = _as_outputs(function.apply(*inputs))
        return sum(float(np.sum(np.asarray(_raw(o), dtype=np.float64) * g.array))
                   for o, g in zip(outs, upstream))

    with no_grad():
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            plus = weighted_sum()
            flat[j] = original - eps
            minus = weighted_sum()
            flat[j] = original
            result[j] = (plus - minus) / (2 * eps)
    return result.reshape(array.shape)
