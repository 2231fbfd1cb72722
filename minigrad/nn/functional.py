"""Layers and losses as plain functions (torch.nn.functional, imported as `F`).

    import minigrad.nn.functional as F
    loss = F.cross_entropy(model(x), labels)

The layer classes in `layers.py` and `losses.py` hold settings and parameters and call
these functions. Most are a line of tensor operations. Five are written as Functions of
their own, for the same reasons PyTorch has kernels for them: the graph shows one node
named as PyTorch names it (`AddmmBackward0`, `MseLossBackward0`, `NllLossBackward0`,
`BinaryCrossEntropyWithLogitsBackward0`, `EmbeddingBackward0`) instead of five small
ones, the forward pass can use a numerically safer formula, and backward is the short
formula from the docstring. Every backward is written with tensor operations, so
`create_graph=True` works through them as through any built-in op.
"""

from __future__ import annotations

import warnings

import numpy as np

from minigrad import random
from minigrad.autograd.function import Function
from minigrad.ops import IndexAddInto
from minigrad.ops.elementwise import check_broadcast, result_dtype
from minigrad.tensor import Tensor

__all__ = [
    "binary_cross_entropy_with_logits", "cross_entropy", "dropout", "embedding", "linear",
    "log_softmax", "mse_loss", "nll_loss", "relu", "sigmoid", "softmax", "tanh",
]

#: PyTorch's short dtype names, used in its error messages ("but got Float").
_TORCH_NAMES = {
    "float16": "Half", "float32": "Float", "float64": "Double", "int32": "Int",
    "int64": "Long", "uint8": "Byte", "bool": "Bool", "int8": "Char", "int16": "Short",
}


def _torch_name(t: Tensor) -> str:
    return _TORCH_NAMES.get(t.dtype.name, t.dtype.name)


# -- activations -----------------------------------------------------------------------------

def relu(input: Tensor) -> Tensor:
    """max(x, 0) elementwise."""
    return input.relu()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^-x) elementwise."""
    return input.sigmoid()


def _softmax_dim(name: str, ndim: int, dim: int | None) -> int:
    if dim is not None:
        return dim
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to "
        "include dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """e^xᵢ / Σⱼ e^xⱼ along `dim`: turns scores into probabilities that sum to 1."""
    return input.softmax(_softmax_dim("softmax", input.ndim, dim))


def log_softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """xᵢ - log Σⱼ e^xⱼ along `dim`: the log of softmax, computed without overflow."""
    return input.log_softmax(_softmax_dim("log_softmax", input.ndim, dim))


# -- linear ----------------------------------------------------------------------------------

class Addmm(Function):
    """y = x Wᵀ + b for a batch of rows x of shape (N, in): what nn.Linear computes.

    With G = dL/dy of shape (N, out), the chain rule gives one matrix product per input:

        dL/dx = G W          (N, out) @ (out, in)  -> (N, in)
        dL/dW = Gᵀ x         (out, N) @ (N, in)    -> (out, in)
        dL/db = Σₙ G[n]      each row of the batch used b once -> (out,)

    PyTorch computes this as addmm(b, x, Wᵀ) and draws the transpose as a separate
    TBackward0 node; minigrad folds it into this node, so W is a direct input here.
    """

    node_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor):
        need_x, need_weight, _ = ctx.needs_input_grad
        # Save only what backward reads: x for W's gradient, W for x's.
        ctx.save_for_backward(x if need_weight else None, weight if need_x else None)
        return x.array @ weight.array.T + bias.array

    @staticmethod
    def backward(ctx, grad: Tensor):
        x, weight = ctx.saved_tensors
        grad_x = grad @ weight if weight is not None else None
        grad_weight = grad.T @ x if x is not None else None
        grad_bias = grad.sum(0) if ctx.needs_input_grad[2] else None
        return grad_x, grad_weight, grad_bias


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b, with W of shape (out_features, in_features).

    x may have any number of leading dimensions: (N, in) is a batch of rows, (in,) one row,
    (B, N, in) a batch of batches. The weight is stored as (out, in), PyTorch's layout.
    """
    if input.dtype != weight.dtype:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {_torch_name(input)} and "
            f"{_torch_name(weight)}. Convert the input first, e.g. x.float() for data "
            "that came from numpy as float64."
        )
    if bias is not None and bias.dtype != weight.dtype:
        raise RuntimeError(
            f"self and mat2 must have the same dtype, but got {_torch_name(bias)} and "
            f"{_torch_name(weight)}: the bias must have the weight's dtype."
        )
    in_features = weight.shape[1]
    if input.ndim >= 1 and input.shape[-1] != in_features:
        rows = int(np.prod(input.shape[:-1], dtype=np.int64))
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
            f"{in_features}x{weight.shape[0]}): the input's last dimension "
            f"({input.shape[-1]}) must equal the layer's in_features ({in_features})."
        )
    if input.ndim == 2 and bias is not None:
        check_broadcast("linear", (("bias", bias.shape),
                                   ("x Wᵀ", (input.shape[0], weight.shape[0]))))
        return Addmm.apply(input, weight, bias)
    output = input @ weight.T
    return output if bias is None else output + bias


# -- dropout and embedding -------------------------------------------------------------------

def dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1 - p) (training only).

    The scaling ("inverted dropout") keeps the expected value of every element unchanged,
    so nothing needs rescaling at evaluation time, when dropout is the identity. The mask
    is drawn from minigrad's generator: `minigrad.manual_seed` makes it repeatable. The
    gradient flows only through the kept elements, scaled the same way.
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = random.generator().random(input.shape) >= p
    scale = Tensor._wrap((keep / (1.0 - p)).astype(input.dtype))
    return input * scale


class Embedding(Function):
    """out[i] = weight[indices[i]]: a lookup table.

    Backward sends each row of the gradient back to the row of the weight it was read
    from; a row read twice gets both gradients added, and rows never read get zero. The
    indices are passed as an array, not a tensor: they are not differentiable, so the
    node has one input edge, to the weight, as in PyTorch.
    """

    node_name = "EmbeddingBackward0"

    @staticmethod
    def forward(ctx, weight: Tensor, indices: np.ndarray):
        ctx.indices, ctx.shape = indices, weight.shape
        return weight.array[indices]

    @staticmethod
    def backward(ctx, grad: Tensor):
        return IndexAddInto.apply(grad, ctx.indices, ctx.shape), None


def embedding(input: Tensor, weight: Tensor) -> Tensor:
    """Rows of `weight` picked by the integer tensor `input`: shape input.shape + (dim,)."""
    if input.dtype.kind not in "iu":
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got minigrad.{input._type_name()} instead (while checking "
            "arguments for embedding). Indices are whole numbers: use minigrad.tensor([1, 2]) "
            "or x.long()."
        )
    indices = input.array
    if indices.size and (indices.min() < 0 or indices.max() >= weight.shape[0]):
        bad = indices.min() if indices.min() < 0 else indices.max()
        raise IndexError(
            f"index out of range in self: index {bad} for an embedding table of "
            f"{weight.shape[0]} rows (valid indices are 0..{weight.shape[0] - 1})."
        )
    return Embedding.apply(weight, indices)


# -- losses ----------------------------------------------------------------------------------

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(losses: np.ndarray, reduction: str) -> np.ndarray:
    """Per-element losses to what the caller asked for: their mean, their sum, or all."""
    if reduction == "mean":  # (the mean of nothing, an empty batch, is nan)
        return np.mean(losses) if losses.size else np.array(np.nan, dtype=losses.dtype)
    if reduction == "sum":
        return np.sum(losses)
    return losses


class MseLoss(Function):
    """L = mean((x - y)²) (or the sum, or every term).

    dL/dx = 2 (x - y) / n for the mean, 2 (x - y) for the sum, and dL/dy = -dL/dx.
    """

    node_name = "MseLossBackward0"

    @staticmethod
    def forward(ctx, input: Tensor, target: Tensor, reduction: str):
        ctx.save_for_backward(input, target)
        dtype = result_dtype(input, target)  # PyTorch's: float32 input, int64 target: float32
        diff = input.array.astype(dtype, copy=False) - target.array.astype(dtype, copy=False)
        ctx.reduction, ctx.count = reduction, diff.size
        return _reduce(diff * diff, reduction)

    @staticmethod
    def backward(ctx, grad: Tensor):
        input, target = ctx.saved_tensors
        # (max: an empty batch has no element to scale, and 2/0 would raise)
        scale = 2.0 / max(ctx.count, 1) if ctx.reduction == "mean" else 2.0
        grad_input = (input - target) * (grad * scale)
        need_input, need_target, _ = ctx.needs_input_grad
        return (grad_input if need_input else None), (-grad_input if need_target else None), None


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean((input - target)²).

    Input and target should have the same shape. If they do not, they broadcast, which is
    almost always a bug (predictions (N, 1) against targets (N,) give an (N, N) table of
    differences), so a warning says so, as PyTorch's does.
    """
    _check_reduction(reduction)
    if input.shape != target.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=2,
        )
        check_broadcast("mse_loss", (("input", input.shape), ("target", target.shape)))
    return MseLoss.apply(input, target, reduction)


class NllLoss(Function):
    """L = -mean over samples n of logp[n, target[n]]: the negative log-likelihood.

    Only the log-probability of the right class enters the loss, so the gradient is -1/N
    at that class and 0 elsewhere (-1 with reduction='sum'): a one-hot row per sample.
    Samples whose label is `ignore_index` (padding, say) count for nothing: their loss
    and gradient are 0, and the mean is over the other N samples.
    """

    node_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, logp: Tensor, target: np.ndarray, reduction: str, ignore_index: int):
        class_dim = 0 if logp.ndim == 1 else 1
        kept = target != ignore_index
        picked = np.expand_dims(np.where(kept, target, 0), class_dim)
        losses = -np.take_along_axis(logp.array, picked, axis=class_dim).squeeze(class_dim)
        losses = np.where(kept, losses, 0).astype(logp.dtype)
        classes_shape = [1] * logp.ndim
        classes_shape[class_dim] = logp.shape[class_dim]
        ctx.one_hot = ((picked == np.arange(logp.shape[class_dim]).reshape(classes_shape))
                       & np.expand_dims(kept, class_dim))
        ctx.class_dim, ctx.reduction, ctx.count = class_dim, reduction, int(kept.sum())
        if reduction == "mean":  # over the samples that count (0/0 = nan if none does)
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.divide(losses.sum(), ctx.count, dtype=logp.dtype)
        return _reduce(losses, reduction)

    @staticmethod
    def backward(ctx, grad: Tensor):
        one_hot = Tensor._wrap(ctx.one_hot.astype(grad.dtype))
        if ctx.reduction == "mean":
            if not ctx.count:  # every sample ignored: the loss is nan, its gradient 0
                return one_hot, None, None, None
            grad = grad / ctx.count
        elif ctx.reduction == "none":
            grad = grad.unsqueeze(ctx.class_dim)
        return -(one_hot * grad), None, None, None


def nll_loss(input: Tensor, target: Tensor, reduction: str = "mean",
             ignore_index: int = -100) -> Tensor:
    """Negative log-likelihood of the right classes, given log-probabilities (N, C).

    Samples labelled `ignore_index` (-100 unless given) are left out, as in PyTorch.
    """
    _check_reduction(reduction)
    _check_class_target(input, target, ignore_index)
    return NllLoss.apply(input, target.array, reduction, ignore_index)


def _check_class_target(input: Tensor, target: Tensor, ignore_index: int) -> None:
    """Class labels: integers, one per sample, each in 0..C-1 (PyTorch's messages)."""
    if target.dtype not in (np.int64, np.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_torch_name(target)}. "
            "Class labels are whole numbers 0..C-1: make them with "
            "minigrad.tensor([0, 2, 1]) or labels.long()."
        )
    if input.ndim == 0:
        raise ValueError("Expected 1 or more dimensions for the input (got 0): scores of "
                         "shape (C,) for one sample or (N, C) for a batch")
    if input.ndim == 1:
        if target.ndim != 0:
            raise RuntimeError(
                f"For an input of shape {list(input.shape)} (one sample's scores), the target "
                f"must be one class label (a 0-d tensor), got shape {list(target.shape)}"
            )
    elif input.ndim == 2 and target.ndim != 1:
        raise RuntimeError(
            "0D or 1D target tensor expected, multi-target not supported (got a target of "
            f"shape {list(target.shape)} for an input of shape {list(input.shape)}: "
            "labels are one integer per sample, shape (N,))"
        )
    if input.ndim >= 2 and target.shape[:1] != input.shape[:1]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({target.shape[0] if target.ndim else 0})."
        )
    expected = input.shape[:1] + input.shape[2:]
    if input.ndim > 2 and target.shape != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    classes = input.shape[0 if input.ndim == 1 else 1]
    labels = target.array[target.array != ignore_index]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        bad = labels.min() if labels.min() < 0 else labels.max()
        raise IndexError(
            f"Target {bad} is out of bounds. (The input has scores for {classes} classes, so "
            f"labels must lie in 0..{classes - 1}.)"
        )


def cross_entropy(input: Tensor, target: Tensor, reduction: str = "mean",
                  ignore_index: int = -100) -> Tensor:
    """Cross-entropy between raw scores (logits) and class labels: nll_loss(log_softmax(x)).

    `input` holds one unnormalised score per class, shape (N, C) (or (C,) for one sample,
    or (N, C, d1, ...)); `target` the right class of each sample as an integer tensor of
    shape (N,). For one sample the loss is -log softmax(x)[y] = log Σⱼ e^xⱼ - x_y. It is
    computed through log_softmax, which subtracts the largest score first, so logits of
    1000 do not overflow. Do not apply softmax yourself before calling it.

    A float `target` of the same shape as `input` is read as class probabilities (for
    example one-hot rows or smoothed labels): loss = -Σⱼ pⱼ log softmax(x)ⱼ.
    Samples labelled `ignore_index` (-100 unless given) are left out, as in PyTorch.
    """
    _check_reduction(reduction)
    class_dim = 0 if input.ndim == 1 else 1
    if target.dtype.kind == "f" and target.shape == input.shape and input.ndim >= 1:
        losses = -(target * input.log_softmax(class_dim)).sum(class_dim)
        if reduction == "mean":
            return losses.mean()
        return losses.sum() if reduction == "sum" else losses
    _check_class_target(input, target, ignore_index)
    return NllLoss.apply(input.log_softmax(class_dim), target.array, reduction, ignore_index)


class BinaryCrossEntropyWithLogits(Function):
    """L = -[y log σ(x) + (1 - y) log(1 - σ(x))], computed from the logit x.

    Forward uses the equal form max(x, 0) - x·y + log(1 + e^-|x|): no exp of a large
    positive number, and no log(0) when σ(x) rounds to 0 or 1.
    Backward: dL/dx = σ(x) - y (the same tidy form as softmax with cross-entropy), and
    dL/dy = -x.
    """

    node_name = "BinaryCrossEntropyWithLogitsBackward0"

    @staticmethod
    def forward(ctx, input: Tensor, target: Tensor, reduction: str):
        ctx.save_for_backward(input, target)
        x, y = input.array, target.array
        losses = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))
        ctx.reduction, ctx.count = reduction, losses.size
        return _reduce(losses, reduction)

    @staticmethod
    def backward(ctx, grad: Tensor):
        input, target = ctx.saved_tensors
        if ctx.reduction == "mean":
            grad = grad / ctx.count
        need_input, need_target, _ = ctx.needs_input_grad
        grad_input = grad * (input.sigmoid() - target) if need_input else None
        grad_target = grad * -input if need_target else None
        return grad_input, grad_target, None


def binary_cross_entropy_with_logits(
    input: Tensor, target: Tensor, reduction: str = "mean"
) -> Tensor:
    """Binary cross-entropy on logits: sigmoid and log-loss in one stable step.

    `input` holds one raw score per example (any shape), `target` the 0/1 labels (or
    probabilities) as floats of the same shape.
    """
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    if target.dtype.kind != "f":
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type {_torch_name(target)}:"
            " binary cross-entropy targets are floats (0. or 1.): use labels.float()."
        )
    return BinaryCrossEntropyWithLogits.apply(input, target, reduction)
