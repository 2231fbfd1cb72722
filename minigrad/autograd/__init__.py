"""Automatic differentiation: the graph, the backward pass, and tools to check it."""

from minigrad.autograd.engine import backward, grad, topological_order
from minigrad.autograd.function import AccumulateGrad, Function, Node
from minigrad.autograd.grad_mode import (
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from minigrad.autograd.gradcheck import GradcheckError, gradcheck

__all__ = [
    "AccumulateGrad", "Function", "GradcheckError", "Node", "backward", "enable_grad", "grad",
    "gradcheck", "is_grad_enabled", "no_grad", "set_grad_enabled", "topological_order",
]
