"""RMSprop: divide each step by a running root-mean-square of the gradients (torch.optim.RMSprop).

The update for a parameter p with gradient g (PyTorch's algorithm):

    g ← g + weight_decay · p                      (if weight_decay ≠ 0)
    s ← α s + (1 - α) g²                          running mean of squared gradients
    if centered:
        ḡ ← α ḡ + (1 - α) g                       running mean of gradients
        d = √(s - ḡ²) + eps                       an estimate of the gradient's spread
    else:
        d = √s + eps
    b ← momentum · b + g / d;  p ← p - lr · b     (if momentum > 0)
    p ← p - lr · g / d                            (otherwise)

Adagrad divides by the root of the *sum* of all squared gradients, so its steps shrink
forever; RMSprop's running mean forgets old gradients at rate α, so the step size keeps
adapting. Unlike Adam there is no bias correction: s starts at 0, so the first steps
are large (about lr/√(1-α) = 10·lr for α = 0.99).
"""

from __future__ import annotations

from minigrad.optim.optimizer import Optimizer, check_non_negative
from minigrad.tensor import Tensor, tensor, zeros_like


class RMSprop(Optimizer):
    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_non_negative("momentum value", momentum)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("alpha value", alpha)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay}
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        alpha = group["alpha"]
        if not state:
            state["step"] = tensor(0.0)
            state["square_avg"] = zeros_like(param)
            if group["momentum"] > 0:
                state["momentum_buffer"] = zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = zeros_like(param)
        state["step"].add_(1)
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        square_avg = state["square_avg"]
        square_avg.mul_(alpha).add_((1 - alpha) * (grad * grad))
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg.add_((1 - alpha) * (grad - grad_avg))  # = αḡ + (1 - α)g (PyTorch's lerp)
            denominator = (square_avg - grad_avg * grad_avg).sqrt() + group["eps"]
        else:
            denominator = square_avg.sqrt() + group["eps"]
        if group["momentum"] > 0:
            buffer = state["momentum_buffer"]
            buffer.mul_(group["momentum"]).add_(grad / denominator)
            param.sub_(group["lr"] * buffer)
        else:
            param.sub_(group["lr"] * (grad / denominator))
