"""Gradient mode: whether new operations are recorded in the graph.

Recording is what makes `backward()` possible, and it costs memory: every recorded
operation keeps the tensors its backward will read. Evaluation code and parameter
updates do not need a graph, so they switch recording off with `no_grad()`.

The switch is one module-level flag. Every Function reads it in `apply`; nothing else
needs to know about it. (PyTorch keeps one flag per thread; minigrad is single-threaded.)
"""

from __future__ import annotations

import functools

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
        self.prev = is_grad_enabled()
        self.mode = bool(mode)
        _set_enabled(self.mode)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        _set_enabled(self.prev)

    def __call__(self, func):
        # Used as a decorator the switch must happen per call, not at decoration time.
        _set_enabled(self.prev)
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper


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
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with type(self)():
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
