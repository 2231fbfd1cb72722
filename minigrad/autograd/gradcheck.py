"""gradcheck: compare a backward with finite differences, in float64.

For each input x that requires grad and each element xⱼ, the numerical derivative is the
central difference (f(x + ε eⱼ) - f(x - ε eⱼ)) / 2ε, accurate to O(ε²). The analytical
one is what backward computes. They must agree within atol + rtol·|numerical|.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.engine import grad as autograd_grad
from minigrad.autograd.grad_mode import no_grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck with a report of the first mismatch it found."""


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
    """Check fn's gradients with respect to every input that requires grad.

    Floating inputs are copied to float64 (float32 finite differences are too coarse to
    tell a right gradient from a wrong one). Returns True, or raises GradcheckError naming
    the input, the element, and both values (returns False if raise_exception=False).
    """
    from minigrad.tensor import Tensor

    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(_as_double(x) for x in inputs)
    differentiable = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not differentiable:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")

    outputs = _outputs(fn, inputs)
    for out_index, out in enumerate(outputs):
        if not isinstance(out, Tensor) or out.dtype.kind not in "fc":
            continue  # integer outputs (indices) have no gradient
        if out.requires_grad:
            analytical = _analytical_jacobian(out, [inputs[i] for i in differentiable])
        else:  # cut from the graph: backward would send nothing back, a gradient of zero
            analytical = [np.zeros((inputs[i].numel(), out.numel())) for i in differentiable]
        for k, i in enumerate(differentiable):
            numerical = _numerical_jacobian(fn, inputs, i, out_index, eps)
            problem = _first_mismatch(analytical[k], numerical, atol, rtol)
            if problem is not None:
                if not raise_exception:
                    return False
                report = _report(out_index, i, inputs[i], analytical[k], numerical, problem,
                                 atol, rtol)
                if not out.requires_grad:
                    report += (f"\nOutput {out_index} does not require grad: it was cut from "
                               "the graph (detach(), no_grad(), .data or a numpy round trip).")
                raise GradcheckError(report)
    return True


def _as_double(x):
    """A float64 leaf copy of a floating tensor; anything else as it is.

    The copy is C-contiguous, so that _numerical_jacobian's flat view of it writes into it
    (a transposed or expanded tensor's array would be copied by reshape(-1) instead).
    """
    from minigrad.tensor import Tensor

    if isinstance(x, Tensor) and x.dtype.kind == "f":
        copy = Tensor._wrap(x.array.astype(np.float64, order="C"))
        copy.requires_grad = x.requires_grad
        return copy
    return x


def _outputs(fn, inputs) -> tuple:
    """fn's outputs, always as a tuple."""
    out = fn(*inputs)
    return out if isinstance(out, tuple) else (out,)


def _analytical_jacobian(out, inputs) -> list:
    """The Jacobian by backward, as (input element, output element) per input.

    Backward from a gradient that is 1 at output element j and 0 elsewhere gives the
    derivative of that one element with respect to every input element: column j.
    """
    from minigrad.tensor import Tensor

    rows = [np.zeros((out.numel(), x.numel())) for x in inputs]
    for j in range(out.numel()):
        seed = np.zeros(out.numel())
        seed[j] = 1.0
        seed_t = Tensor._wrap(seed.reshape(out.shape).astype(out.dtype))
        grads = autograd_grad(out, inputs, seed_t, retain_graph=True, allow_unused=True)
        for k, g in enumerate(grads):
            if g is not None:
                rows[k][j] = g.array.reshape(-1)
    return [r.T for r in rows]  # (input element, output element), like PyTorch's layout


def _numerical_jacobian(fn, inputs, i, out_index, eps) -> np.ndarray:
    """One row per element j of input i: (f(x + ε eⱼ) - f(x - ε eⱼ)) / 2ε, flattened."""
    flat = inputs[i].array.reshape(-1)  # a view: writing flat[j] nudges the input itself
    rows = []
    with no_grad():
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            plus = _outputs(fn, inputs)[out_index].array.astype(np.float64).reshape(-1)
            flat[j] = original - eps
            minus = _outputs(fn, inputs)[out_index].array.astype(np.float64).reshape(-1)
            flat[j] = original
            rows.append((plus - minus) / (2 * eps))
    return np.array(rows)


def _first_mismatch(analytical, numerical, atol, rtol):
    """(input element, output element) of the first value out of tolerance, or None."""
    bad = ~np.isclose(analytical, numerical, atol=atol, rtol=rtol)
    if not bad.any():
        return None
    return tuple(int(v) for v in np.argwhere(bad)[0])


def _report(out_index, i, x, analytical, numerical, problem, atol, rtol) -> str:
    element, out_element = problem
    where = np.unravel_index(element, x.shape) if x.ndim else ()
    lines = [
        f"Jacobian mismatch for output {out_index} with respect to input {i},",
        f"at input element {tuple(int(w) for w in where)} and output element {out_element}:",
        f"  analytical (your backward): {analytical[element, out_element]:.6g}",
        f"  numerical (finite diff.):   {numerical[element, out_element]:.6g}",
        f"  allowed difference: atol + rtol*|numerical| = {atol} + {rtol}*|numerical|",
    ]
    ratio = _common_ratio(analytical, numerical)
    if ratio is not None:
        lines.append(f"  Every analytical value is {ratio:.4g} x the numerical one: "
                     "is a constant factor missing or extra in backward?")
    if analytical.size <= 36:
        lines.append(f"numerical:\n{numerical}\nanalytical:\n{analytical}")
    return "\n".join(lines)


def _common_ratio(analytical, numerical):
    """The factor between the two Jacobians if one is a multiple of the other, else None."""
    mask = np.abs(numerical) > 1e-8
    if not mask.any():
        return None
    ratios = analytical[mask] / numerical[mask]
    # All zeros is no missing factor: no gradient flowed back at all.
    constant = np.allclose(ratios, ratios[0], rtol=1e-3)
    if constant and not np.isclose(ratios[0], 1.0) and ratios[0] != 0:
        return float(ratios[0])
    return None
