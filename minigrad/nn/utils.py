"""Gradient clipping (torch.nn.utils): keep one bad batch from throwing the weights away.

Call it between `loss.backward()` and `optimizer.step()`: it rewrites the `.grad` that
backward just filled, and the step then reads the clipped gradients.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from minigrad.autograd.grad_mode import no_grad
from minigrad.ops import stack
from minigrad.tensor import Tensor, tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale all gradients together so that their total norm is at most `max_norm`.

    The total norm treats every gradient of every parameter as one long vector:
    ‖g‖ = (Σ over parameters ‖g_p‖²)^½ for the default norm_type=2. If it exceeds
    max_norm, every gradient is multiplied by max_norm / (‖g‖ + 1e-6), so the direction
    of the step is kept and only its length shrinks. Returns the total norm *before*
    clipping, as a tensor: worth logging, since a spike means a bad batch.
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return tensor(0.0)
    with no_grad():
        # The norm of the per-parameter norms is the norm of all gradients as one vector.
        total = stack([g.norm(norm_type) for g in grads]).norm(norm_type)
        if error_if_nonfinite and not math.isfinite(total.item()):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is "
                "non-finite, so it cannot be clipped. To disable this error and scale the "
                "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
            )
        # Always multiply, by at most 1: no branch on the value, as in PyTorch.
        factor = (max_norm / (total + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(factor.to(g.dtype))
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], each on its own.

    Unlike clip_grad_norm_, this changes the direction of the step.
    """
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g[...] = g.clamp(-clip_value, clip_value)
