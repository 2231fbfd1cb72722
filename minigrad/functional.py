"""Tensor functions in PyTorch's `torch.*` form: `minigrad.exp(x)` is `x.exp()`."""

from __future__ import annotations

from minigrad.ops import cat, matmul, stack, where

__all__ = [
    "abs", "cat", "clamp", "dot", "exp", "log", "log_softmax", "matmul", "max", "mean", "min",
    "norm", "relu", "sigmoid", "softmax", "sqrt", "stack", "sum", "tanh", "where",
]


def exp(x):
    return x.exp()


def log(x):
    return x.log()


def sqrt(x):
    return x.sqrt()


def abs(x):  # noqa: A001
    return x.abs()


def relu(x):
    return x.relu()


def tanh(x):
    return x.tanh()


def sigmoid(x):
    return x.sigmoid()


def clamp(x, min=None, max=None):  # noqa: A002
    return x.clamp(min, max)


def sum(x, dim=None, keepdim=False):  # noqa: A001
    return x.sum(dim, keepdim)


def mean(x, dim=None, keepdim=False):
    return x.mean(dim, keepdim)


def max(x, dim=None, keepdim=False):  # noqa: A001
    return x.max(dim, keepdim)


def min(x, dim=None, keepdim=False):  # noqa: A001
    return x.min(dim, keepdim)


def norm(x, p=2, dim=None, keepdim=False):
    return x.norm(p, dim, keepdim)


def softmax(x, dim):
    return x.softmax(dim)


def log_softmax(x, dim):
    return x.log_softmax(dim)


def dot(a, b):
    return a.dot(b)
