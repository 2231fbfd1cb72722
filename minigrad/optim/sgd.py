"""Stochastic gradient descent, with optional momentum (torch.optim.SGD).

The update, for each parameter p with gradient g (PyTorch's algorithm, step for step):

    g ← g + weight_decay · p                       (if weight_decay ≠ 0: L2 penalty)
    v ← g                                          (first step, if momentum ≠ 0)
    v ← momentum · v + (1 - dampening) · g         (later steps)
    g ← g + momentum · v   if nesterov   else   v
    p ← p - lr · g

Without momentum it is plain gradient descent, p ← p - lr·g. With momentum, v is a
running sum of past gradients that decays by `momentum` each step: directions that
persist build up speed, directions that flip sign cancel out. Note that lr multiplies
the buffer, not each gradient that enters it (some books write v ← μv - lr·g; with a
constant lr the two give the same path, with a schedule they do not).
"""

from __future__ import annotations

from minigrad.optim.optimizer import Optimizer, check_non_negative
from minigrad.tensor import Tensor


class SGD(Optimizer):
    def __init__(self, params, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0,
                 nesterov: bool = False) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("momentum value", momentum)
        check_non_negative("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov}
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        momentum = group["momentum"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = grad.clone()
            else:
                buffer.mul_(momentum).add_((1 - group["dampening"]) * grad)
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        param.sub_(group["lr"] * grad)
