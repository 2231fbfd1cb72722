"""Gradient mode: whether new operations are recorded in the graph.

Recording is what makes `backward()` possible, and it costs memory: every recorded
operation keeps the tensors its backward will read. Evaluation code and parameter
updates do not need a graph, so they switch recording off with `no_grad()`.

The switch is one module-level flag. Every Function reads it in `apply`; nothing else
needs to know about it. (PyTorch keeps one flag per thread; minigrad is single-threaded.)
"""

from __future__ import annotations

import functools
import inspect

_enabled = True


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are being recorded."""
    return _enabled


def _set_enabled(mode: bool) -> None:
    global _enabled
    _enabled = bool(mode)


class set_grad_enabled:
    """Turn recording on or off: as a function call, a context manager or a decorator.

    `set_grad_enabled(False)` switches at once (and the switch is undone at the end of a
    `with` block or decorated call); nesting restores each previous mode in turn.
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"enabled must be a bool (got {type(mode).__name__})")
        self.prev = is_grad_enabled()
        self.mode = mode
        _set_enabled(self.mode)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        _set_enabled(self.prev)

    def __call__(self, func):
        # Used as a decorator the switch must happen per call, not at decoration time.
        _set_enabled(self.prev)
        mode = self.mode
        return _decorate(func, lambda: set_grad_enabled(mode))


class _GradModeContext:
    """Base of `no_grad` and `enable_grad`: a context manager and a decorator."""

    mode = True

    def __new__(cls, func=None):
        # `@no_grad` without parentheses (PyTorch allows it) passes the function itself.
        if func is None:
            return super().__new__(cls)
        return cls()(func)

    def __enter__(self) -> None:
        self.prev = is_grad_enabled()
        _set_enabled(self.mode)

    def __exit__(self, *exc) -> None:
        _set_enabled(self.prev)

    def __call__(self, func):
        return _decorate(func, type(self))


def _decorate(func, context):
    """func, running inside a fresh `context()` each time it is called.

    A generator function runs in the mode only while it runs: each step from one `yield`
    to the next is taken inside the context, and the caller's own mode holds in between
    (`@no_grad` on a generator of predictions must not switch recording off for the loop
    that consumes them, nor leave it on inside the generator).
    """
    if inspect.isgeneratorfunction(func):
        @functools.wraps(func)
        def generator(*args, **kwargs):
            steps = func(*args, **kwargs)
            try:
                with context():
                    value = steps.send(None)
                while True:
                    try:
                        sent = yield value
                    except GeneratorExit:
                        with context():
                            steps.close()
                        raise
                    except BaseException as error:
                        with context():
                            value = steps.throw(error)
                    else:
                        with context():
                            value = steps.send(sent)
            except StopIteration as stop:
                return stop.value

        return generator

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with context():
            return func(*args, **kwargs)

    return wrapper


class no_grad(_GradModeContext):
    """Inside `with no_grad():` nothing is recorded: results have `requires_grad=False`.

    Use it to evaluate a model and to update parameters in place
    (`with no_grad(): w -= lr * w.grad`), so that the update is not itself
    part of the next graph.
    """

    mode = False


class enable_grad(_GradModeContext):
    """Switch recording back on inside a `no_grad` block."""

    mode = True
