"""minigrad: a compact autograd engine with PyTorch's names and rules, for learning.

    import minigrad as mg
    x = mg.tensor([2.0, 3.0], requires_grad=True)
    y = x**2 + 2*x + 1
    y.sum().backward()
    x.grad                      # tensor([6., 8.])

The core is three parts: `tensor.py` (Tensor), `autograd/` (Function, the graph nodes,
the backward engine) and `ops/` (the built-in Functions). `nn`, `optim`, `data`, `viz`
and `widgets` are built on it; the core never imports them.
"""

from minigrad import autograd, dtypes
from minigrad.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from minigrad.dtypes import bool_ as bool  # noqa: A001  (torch.bool)
from minigrad.dtypes import float16, float32, float64, int32, int64, uint8
from minigrad.functional import (
    abs,  # noqa: A004
    clamp,
    dot,
    exp,
    log,
    log_softmax,
    max,  # noqa: A004
    mean,
    min,  # noqa: A004
    norm,
    relu,
    sigmoid,
    softmax,
    sqrt,
    sum,  # noqa: A004
    tanh,
)
from minigrad.ops import cat, matmul, stack, where
from minigrad.random import manual_seed
from minigrad.tensor import (
    Size,
    Tensor,
    arange,
    eye,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)

float = float32  # noqa: A001  (torch.float is float32)
double = float64
long = int64

__version__ = "0.1.0"

__all__ = [
    "Size", "Tensor", "abs", "arange", "autograd", "bool", "cat", "clamp", "dot", "double",
    "dtypes", "enable_grad", "exp", "eye", "float", "float16", "float32", "float64", "full",
    "full_like", "int32", "int64", "is_grad_enabled", "linspace", "log", "log_softmax", "long",
    "manual_seed", "matmul", "max", "mean", "min", "no_grad", "norm", "ones", "ones_like",
    "rand", "rand_like", "randint", "randn", "randn_like", "relu", "set_grad_enabled",
    "sigmoid", "softmax", "sqrt", "stack", "sum", "tanh", "tensor", "uint8", "where", "zeros",
    "zeros_like",
]
