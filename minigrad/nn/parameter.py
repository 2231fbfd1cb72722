"""Parameter: a tensor that a Module learns.

A Parameter is an ordinary leaf tensor with `requires_grad=True` and one extra meaning:
assigned as an attribute of a `Module` (`self.weight = Parameter(...)`), it is registered,
so `module.parameters()` finds it and an optimizer can update it. A plain tensor assigned
the same way is just an attribute: it is not trained.
"""

from __future__ import annotations

from minigrad.tensor import Tensor, _init


class Parameter(Tensor):
    """A leaf tensor that requires grad and that Modules register (torch.nn.Parameter).

    `Parameter(t)` shares `t`'s memory, as PyTorch's does, and is always a leaf: it keeps
    none of `t`'s history, so `Parameter(torch.randn(3) * 0.1)` is a fine way to start a
    weight.
    """

    __slots__ = ()  # Tensor has __slots__; adding none keeps Parameters as small as tensors

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            from minigrad.tensor import zeros

            data = zeros(0)
        if not isinstance(data, Tensor):
            raise TypeError(
                f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}. "
                "Make a tensor first: nn.Parameter(minigrad.tensor([...]))."
            )
        param = object.__new__(cls)
        _init(param, data.array)
        param._version_box = data._version_box  # shared memory, shared in-place counter
        param.requires_grad = requires_grad
        return param

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass  # everything happens in __new__ (Tensor.__init__ would copy the data)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo) -> Parameter:
        """copy.deepcopy(model): a Parameter with its own copy of the values and, as in
        PyTorch, no .grad (pickle and copy.copy are Tensor's, and also give Parameters)."""
        copied = Parameter(Tensor._wrap(self.array.copy()), self.requires_grad)
        memo[id(self)] = copied
        return copied
