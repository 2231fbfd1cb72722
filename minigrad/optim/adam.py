"""Adam: momentum and a per-parameter step size, with bias correction (torch.optim.Adam).

The update at step t = 1, 2, ... for a parameter p with gradient g (PyTorch's algorithm):

    g ← g + weight_decay · p                      (if weight_decay ≠ 0)
    m ← β₁ m + (1 - β₁) g                         running mean of gradients ("momentum")
    v ← β₂ v + (1 - β₂) g²                        running mean of squared gradients
    m̂ = m / (1 - β₁ᵗ),   v̂ = v / (1 - β₂ᵗ)        undo the pull toward 0 of m = v = 0 at start
    p ← p - lr · m̂ / (√v̂ + eps)

Dividing by √v̂ gives every parameter its own scale: a parameter whose gradients are
large takes steps of about lr, and so does one whose gradients are tiny. On the first
step m̂ = g and v̂ = g², so every parameter moves by almost exactly lr, whatever its
gradient's size.
"""

from __future__ import annotations

import math

from minigrad.optim.optimizer import Optimizer, check_non_negative
from minigrad.tensor import Tensor, tensor, zeros_like


class Adam(Optimizer):
    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        for index, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
        check_non_negative("weight_decay value", weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = tensor(0.0)
            state["exp_avg"] = zeros_like(param)
            state["exp_avg_sq"] = zeros_like(param)
        state["step"].add_(1)
        t = state["step"].item()
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        # m ← β₁m + (1 - β₁)g, written as "move m a fraction (1 - β₁) of the way to g",
        # which is how PyTorch computes it (lerp): the same rounding, the same numbers.
        exp_avg.add_((1 - beta1) * (grad - exp_avg))
        exp_avg_sq.mul_(beta2).add_((1 - beta2) * (grad * grad))
        step_size = group["lr"] / (1 - beta1**t)
        denominator = exp_avg_sq.sqrt() / math.sqrt(1 - beta2**t) + group["eps"]
        param.sub_(step_size * (exp_avg / denominator))
