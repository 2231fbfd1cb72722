"""Loss functions as Modules: `criterion = nn.MSELoss()`, then `criterion(output, target)`.

Each class only stores the `reduction` ('mean', the default, 'sum' or 'none') and calls
the function of the same name in `nn.functional`, where the math is.
"""

from __future__ import annotations

from minigrad.nn import functional as F
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = ["BCEWithLogitsLoss", "CrossEntropyLoss", "MSELoss"]


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        F._check_reduction(reduction)
        self.reduction = reduction


class MSELoss(_Loss):
    """Mean squared error between prediction and target (of the same shape)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Cross-entropy of raw class scores (N, C) against integer labels (N,).

    It applies log_softmax itself: give it the model's raw outputs (logits), not
    probabilities. Samples labelled `ignore_index` (default -100) are left out.
    """

    def __init__(self, reduction: str = "mean", ignore_index: int = -100) -> None:
        super().__init__(reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(input, target, reduction=self.reduction,
                               ignore_index=self.ignore_index)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of raw scores against 0/1 float targets of the same shape."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, reduction=self.reduction)
