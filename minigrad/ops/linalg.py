"""Matrix products. For Z = A @ B:   dL/dA = G @ Bᵀ   and   dL/dB = Aᵀ @ G,
where G = dL/dZ. The shapes check it: G is (n, m), B is (k, m), so G @ Bᵀ is (n, k) like A.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Function


class Mm(Function):
    """Z = A @ B for matrices (2-D @ 2-D)."""

    node_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return a.array @ b.array

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad @ b.T if b is not None else None
        grad_b = a.T @ grad if a is not None else None
        return grad_a, grad_b


class Mv(Function):
    """z = A @ v for a matrix and a vector.   dL/dA = g vᵀ (outer product), dL/dv = Aᵀ g."""

    node_name = "MvBackward0"

    @staticmethod
    def forward(ctx, a, v):
        need_a, need_v = ctx.needs_input_grad
        ctx.save_for_backward(a if need_v else None, v if need_a else None)
        return a.array @ v.array

    @staticmethod
    def backward(ctx, grad):
        a, v = ctx.saved_tensors
        grad_a = grad.unsqueeze(1) * v.unsqueeze(0) if v is not None else None
        grad_v = a.T @ grad if a is not None else None
        return grad_a, grad_v


class Dot(Function):
    """z = u · v = Σ uᵢ vᵢ.   dz/du = v, dz/dv = u."""

    node_name = "DotBackward0"

    @staticmethod
    def forward(ctx, u, v):
        need_u, need_v = ctx.needs_input_grad
        ctx.save_for_backward(u if need_v else None, v if need_u else None)
        return np.dot(u.array, v.array)

    @staticmethod
    def backward(ctx, grad):
        u, v = ctx.saved_tensors
        return (grad * v if v is not None else None), (grad * u if u is not None else None)


class MatMul(Function):
    """Z = A @ B for batches of matrices (numpy's matmul rules, batch dims broadcast).

    A vector operand is treated as a matrix with one row (on the left) or one column (on
    the right), and that dimension is dropped from the result, as numpy and PyTorch do.
    """

    node_name = "MatmulBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        g = grad
        if a.ndim == 1:
            g = g.unsqueeze(-2)
        if b.ndim == 1:
            g = g.unsqueeze(-1)
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = g @ b2.transpose(-1, -2)
            grad_a = grad_a.squeeze(-2) if a.ndim == 1 else grad_a
        if ctx.needs_input_grad[1]:
            grad_b = a2.transpose(-1, -2) @ g
            grad_b = grad_b.squeeze(-1) if b.ndim == 1 else grad_b
        return grad_a, grad_b  # batch dimensions are summed by the engine


def matmul(a, b):
    """a @ b, choosing the Function PyTorch would name for these shapes."""
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            "both arguments to matmul need to be at least 1D, but they are "
            f"{a.ndim}D and {b.ndim}D"
        )
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        if a.ndim == 2 and b.ndim == 2:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                f"{b.shape[0]}x{b.shape[1]}): the columns of the first ({inner_a}) must equal "
                f"the rows of the second ({inner_b})."
            )
        if a.ndim == 1 and b.ndim == 1:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{inner_a}] and src [{inner_b}] "
                "to have the same number of elements, but got "
                f"{inner_a} and {inner_b} elements respectively"
            )
        raise RuntimeError(
            f"matmul: shapes {list(a.shape)} and {list(b.shape)} cannot be multiplied: the "
            f"last dimension of the first ({inner_a}) must equal the "
            f"{'only' if b.ndim == 1 else 'second-to-last'} dimension of the second ({inner_b})."
        )
    if a.ndim == 2 and b.ndim == 2:
        return Mm.apply(a, b)
    if a.ndim == 1 and b.ndim == 1:
        return Dot.apply(a, b)
    if a.ndim == 2 and b.ndim == 1:
        return Mv.apply(a, b)
    return MatMul.apply(a, b)
