"""Layers: Modules that hold parameters or settings and call `nn.functional`.

    model = nn.Sequential(
        nn.Linear(2, 16), nn.ReLU(),
        nn.Linear(16, 2),
    )
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator

from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor, zeros

__all__ = ["Dropout", "Embedding", "Flatten", "Identity", "Linear", "ReLU", "Sequential",
           "Sigmoid", "Tanh"]


class Linear(Module):
    """y = x Wᵀ + b: every output is a weighted sum of every input, plus a bias.

    weight has shape (out_features, in_features), bias (out_features,). Both start
    uniform in ±1/√in_features, PyTorch's default (kaiming_uniform_ with a = √5 for the
    weight), which keeps the outputs' spread close to the inputs'.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype=None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(zeros(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(zeros(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh initial values (from minigrad's seeded generator)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class ReLU(Module):
    """max(x, 0) elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)


class Tanh(Module):
    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class Sigmoid(Module):
    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Identity(Module):
    """Returns its input: a placeholder where a layer is optional."""

    def forward(self, input: Tensor) -> Tensor:
        return input


class Dropout(Module):
    """During training, zero each element with probability p and scale the rest by 1/(1-p).

    In eval mode (`model.eval()`) it passes its input through unchanged. Dropping random
    units makes the network unable to rely on any single one, which fights overfitting.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        if inplace:
            raise NotImplementedError(
                "minigrad's Dropout has no in-place mode: use Dropout(p) (inplace=False)"
            )
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Embedding(Module):
    """A table of `num_embeddings` learned vectors of size `embedding_dim`, read by index.

    `Embedding(1000, 50)(minigrad.tensor([1, 2, 3]))` has shape (3, 50): rows 1, 2 and 3
    of the weight. Only those rows receive a gradient. The weight starts as N(0, 1).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, dtype=None) -> None:
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.weight = Parameter(zeros(num_embeddings, embedding_dim, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


class Flatten(Module):
    """Merge dimensions start_dim..end_dim into one: (N, 2, 3) -> (N, 6) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Sequential(Module):
    """Modules applied one after the other: Sequential(a, b, c)(x) is c(b(a(x))).

    The modules are named '0', '1', ... (or by the keys of an OrderedDict), which is how
    they appear in `state_dict()` keys ('0.weight') and in the printed tree.
    """

    def __init__(self, *args) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], (OrderedDict, dict)):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(args):
                self.add_module(str(index), module)

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice):
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        count = len(self._modules)
        if not -count <= index < count:
            raise IndexError(f"index {index} is out of range")
        return list(self._modules.values())[index]

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self
