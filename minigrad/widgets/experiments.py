"""The experiments behind the sliders, as plain functions that return their whole history.

A widget only moves a slider and calls one of these, so every number a learner sees can
also be computed, printed and tested without any front end:

    h = run_lr_experiment(0.01, steps=100)
    h.summary()                 # 'lr=0.0100: loss 3.6422 after 100 steps'
    stability_limit()           # 2/L for the same data: 0.01073...

Two experiments:

- `run_lr_experiment`: linear regression y ≈ w·x + b by full-batch gradient descent
  (`minigrad.optim.SGD`) on the classic data of lesson 07, `X = randn(100, 1) * 10`.
- `run_optimizer`: one of four optimizers walking down a 2-D loss surface
  (see `minigrad.widgets.surfaces`).

Divergence is a result, not a crash. A run stops at the first step whose loss is inf or NaN,
or more than 10¹² times its starting loss (gradient descent that has grown the loss that much
only keeps growing it), and says so: "diverged at step 7". Step t means "after t updates",
so losses[0] is the loss at the starting point. The overflow warnings numpy would print on
the way there are silenced, since the divergence is reported.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

import minigrad as mg
from minigrad import optim
from minigrad import random as mg_random
from minigrad.widgets.surfaces import Surface, get_surface

__all__ = [
    "DIVERGENCE_FACTOR", "OPTIMIZER_NAMES", "SUGGESTED_LR", "History", "PathHistory",
    "RegressionData", "classic_data", "make_optimizer", "mse_hessian", "run_lr_experiment",
    "run_optimizer", "stability_limit",
]

# A loss this many times its starting value (and at least this many times 1) counts as diverged.
DIVERGENCE_FACTOR = 1e12

OPTIMIZER_NAMES: tuple[str, ...] = ("SGD", "SGD with momentum", "RMSprop", "Adam")

# A learning rate at which each optimizer makes good progress from each surface's start in
# 500 steps, with the default momentum (0.9), alpha (0.99) and betas (0.9, 0.999). The
# optimizer explorer moves its slider here when you pick another optimizer or surface; from
# there, try 10 times more and 10 times less.
SUGGESTED_LR: dict[tuple[str, str], float] = {
    ("quadratic", "SGD"): 0.07,                 # just under 2/L = 0.08: a visible zigzag
    ("quadratic", "SGD with momentum"): 0.01,
    ("quadratic", "RMSprop"): 0.05,
    ("quadratic", "Adam"): 0.1,
    ("rosenbrock", "SGD"): 1.5e-3,              # under 2/L ≈ 0.002 at the minimum
    ("rosenbrock", "SGD with momentum"): 1e-3,
    ("rosenbrock", "RMSprop"): 1e-2,
    ("rosenbrock", "Adam"): 0.1,
}


# -- shared by both experiments -------------------------------------------------------------

@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Seed minigrad's generator for the block, then put its previous state back.

    Like `torch.random.fork_rng`: the experiment is repeatable, and running one does not
    change the random numbers the rest of a notebook draws.
    """
    saved = mg_random.generator().bit_generator.state
    mg.manual_seed(seed)
    try:
        yield
    finally:
        mg.manual_seed(0).bit_generator.state = saved


def _is_diverged(loss: float, start_loss: float, values: Sequence[float]) -> bool:
    """inf/NaN in the loss or the parameters, or a loss grown 10¹²-fold: see the module doc."""
    if not (math.isfinite(loss) and all(math.isfinite(v) for v in values)):
        return True
    return loss > DIVERGENCE_FACTOR * max(start_loss, 1.0)


def _format_number(x: float) -> str:
    """4 decimals for everyday sizes, scientific notation for the very small or large."""
    return f"{x:.4f}" if x == 0 or 1e-3 <= abs(x) < 1e5 else f"{x:.3e}"


def _outcome(losses: list[float], diverged_at: int | None) -> str:
    if diverged_at is not None:
        return f"diverged at step {diverged_at}"
    steps = len(losses) - 1
    return f"loss {_format_number(losses[-1])} after {steps} step{'s' if steps != 1 else ''}"


# -- linear regression and the learning rate ------------------------------------------------

class RegressionData(NamedTuple):
    """Inputs X of shape (N, 1) and targets y of shape (N, 1); unpacks as `X, y = data`."""

    X: mg.Tensor
    y: mg.Tensor


def classic_data(seed: int = 0, n: int = 100) -> RegressionData:
    """The data set of lesson 07: a line with slope 3 through noisy points spread wide.

    Exactly this, with minigrad's generator (float32, like torch's defaults):

        mg.manual_seed(seed)
        X = mg.randn(n, 1) * 10
        y = 3 * X + 2 * mg.randn(n, 1)

    X has standard deviation 10, so mean(X²) ≈ 100 and gradient descent is stable only
    below lr ≈ 2/(2·100) = 0.01: `stability_limit(classic_data(seed))` gives the exact value
    for a draw (0.01073 for seed 0). The generator's state is restored afterwards.
    """
    with _seeded(seed):
        X = mg.randn(n, 1) * 10
        y = 3 * X + 2 * mg.randn(n, 1)
    return RegressionData(X, y)


def _as_regression_data(data) -> RegressionData:
    """Accept (X, y) as tensors or arrays of shape (N,) or (N, 1); reject anything else."""
    try:
        X, y = data
    except (TypeError, ValueError):
        raise TypeError(
            f"data must be a pair (X, y), e.g. classic_data(); got {type(data).__name__}"
        ) from None
    X, y = (t if isinstance(t, mg.Tensor) else mg.tensor(np.asarray(t, dtype=np.float32))
            for t in (X, y))
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if X.ndim != 2 or X.shape[1] != 1 or tuple(y.shape) != (X.shape[0], 1):
        raise ValueError(
            "linear regression here has one input and one target per sample: X and y must "
            f"have shape (N, 1) with the same N, got X {tuple(X.shape)} and y {tuple(y.shape)}"
        )
    return RegressionData(X, y)


def mse_hessian(data: RegressionData | None = None) -> np.ndarray:
    """The Hessian of MSE(w, b) = mean((w·x + b − y)²) in (w, b), the same at every point:

        H = 2·[[mean(x²), mean(x)],
               [mean(x),  1      ]]

    It does not depend on y or on where (w, b) is, because the loss is quadratic in (w, b).
    """
    X, _ = classic_data() if data is None else _as_regression_data(data)
    x = X.numpy().astype(np.float64).ravel()
    return 2.0 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])


def stability_limit(data: RegressionData | None = None) -> float:
    """2/L, the largest learning rate at which gradient descent on this MSE converges.

    Gradient descent multiplies the error along each eigenvector of the Hessian by
    (1 − lr·λ) per step. The stiffest direction, λ = L (the largest eigenvalue), shrinks
    only while |1 − lr·L| < 1, that is lr < 2/L. At lr just below it the slope flips sign
    every step while slowly settling; just above, it flips and grows.
    """
    return float(2.0 / np.linalg.eigvalsh(mse_hessian(data))[-1])


class _Outcome:
    """How a run ended, read from its `losses` and `diverged_at` (both histories have them)."""

    losses: list[float]
    diverged_at: int | None

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def final_loss(self) -> float:
        """The loss after the last step; inf for a diverged run (it never finished)."""
        return math.inf if self.diverged else self.losses[-1]


@dataclass
class History(_Outcome):
    """What one run of `run_lr_experiment` did, step by step.

    losses[t] and params[t] are the loss and (w, b) after t updates, t = 0 … steps (or up to
    the step where the run diverged, whose loss is the last entry).
    """

    lr: float
    steps: int
    losses: list[float] = field(default_factory=list)
    params: list[tuple[float, float]] = field(default_factory=list)
    diverged_at: int | None = None
    data: RegressionData | None = field(default=None, repr=False, compare=False)

    def summary(self) -> str:
        """One line, e.g. 'lr=0.0100: loss 3.6422 after 100 steps' or 'lr=0.0132: diverged
        at step 37'."""
        return f"lr={_format_number(self.lr)}: {_outcome(self.losses, self.diverged_at)}"


def _check_run_arguments(lr: float, steps: int) -> None:
    if not (isinstance(lr, numbers.Real) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"the learning rate must be a positive number, got {lr!r}")
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, got {steps!r}")


def run_lr_experiment(lr: float, steps: int = 100, seed: int = 0,
                      data: RegressionData | None = None) -> History:
    """Fit y ≈ w·x + b by full-batch gradient descent and record every step.

    The training loop is the one lesson 07 writes by hand, with minigrad's SGD:

        mg.manual_seed(seed)
        w = mg.randn(1, requires_grad=True)
        b = mg.randn(1, requires_grad=True)
        opt = optim.SGD([w, b], lr=lr)
        for step in range(steps):
            loss = ((X * w + b - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()

    data defaults to `classic_data(seed)`. The same seed gives the same start (w, b) whatever
    the data, so runs that differ only in lr are directly comparable.
    """
    _check_run_arguments(lr, steps)
    X, y = classic_data(seed) if data is None else _as_regression_data(data)
    with _seeded(seed):
        w = mg.randn(1, requires_grad=True)
        b = mg.randn(1, requires_grad=True)
    opt = optim.SGD([w, b], lr=lr)
    history = History(lr=float(lr), steps=int(steps), data=RegressionData(X, y))

    history.diverged_at = _descend(lambda: ((X * w + b - y) ** 2).mean(), [w, b], opt, steps,
                                   history.losses, history.params)
    return history


def _descend(compute_loss, params, opt, steps: int, losses: list, points: list) -> int | None:
    """The training loop both experiments share; returns the step that diverged, or None.

    Each pass evaluates the loss at the current parameters and records it (and them); it
    stops if that diverged or was the last of `steps` updates, else takes one more step.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run overflows: expected
        for step in range(steps + 1):
            loss = compute_loss()
            losses.append(loss.item())
            points.append(tuple(p.item() for p in params))
            if _is_diverged(losses[-1], losses[0], points[-1]):
                return step
            if step == steps:
                return None
            opt.zero_grad()
            loss.backward()
            opt.step()
    return None


# -- optimizers on a 2-D surface ------------------------------------------------------------

def make_optimizer(name: str, params, lr: float, momentum: float = 0.9,
                   betas: tuple[float, float] = (0.9, 0.999), alpha: float = 0.99):
    """Build one of OPTIMIZER_NAMES from `minigrad.optim`, with PyTorch's update rules:

    - SGD:                p ← p − lr·g
    - SGD with momentum:  v ← μ·v + g (v = g at the first step);  p ← p − lr·v
    - RMSprop:            s ← α·s + (1 − α)·g²;  p ← p − lr·g / (√s + ε)
    - Adam:               m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;
                          p ← p − lr·m̂ / (√v̂ + ε),  m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)

    momentum is used only by "SGD with momentum", alpha only by RMSprop, betas only by Adam.
    """
    if name == "SGD":
        return optim.SGD(params, lr=lr)
    if name == "SGD with momentum":
        return optim.SGD(params, lr=lr, momentum=momentum)
    if name == "RMSprop":
        return optim.RMSprop(params, lr=lr, alpha=alpha)
    if name == "Adam":
        return optim.Adam(params, lr=lr, betas=tuple(betas))
    names = ", ".join(repr(n) for n in OPTIMIZER_NAMES)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {names}")


@dataclass
class PathHistory(_Outcome):
    """What one run of `run_optimizer` did: the point and the loss after each step.

    path[t] = (x, y) and losses[t] after t updates, t = 0 … steps (or up to the step where
    the run diverged).
    """

    optimizer: str
    surface: Surface
    lr: float
    steps: int
    path: list[tuple[float, float]] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    diverged_at: int | None = None

    def summary(self) -> str:
        """One line, e.g. 'Adam, lr=0.1000: loss 0.0155 after 500 steps'."""
        outcome = _outcome(self.losses, self.diverged_at)
        return f"{self.optimizer}, lr={_format_number(self.lr)}: {outcome}"


def run_optimizer(name: str, surface: str | Surface, lr: float, steps: int,
                  momentum: float = 0.9, betas: tuple[float, float] = (0.9, 0.999),
                  start: tuple[float, float] | None = None, alpha: float = 0.99) -> PathHistory:
    """Walk an optimizer down a 2-D loss surface from `start` (default: the surface's own).

    x and y are two scalar parameters, and each step is the usual
    `opt.zero_grad(); loss.backward(); opt.step()` on loss = surface(x, y).
    """
    _check_run_arguments(lr, steps)
    surface = get_surface(surface)
    x0, y0 = surface.start if start is None else start
    x = mg.tensor(float(x0), requires_grad=True)
    y = mg.tensor(float(y0), requires_grad=True)
    opt = make_optimizer(name, [x, y], lr, momentum=momentum, betas=betas, alpha=alpha)
    history = PathHistory(optimizer=name, surface=surface, lr=float(lr), steps=int(steps))

    history.diverged_at = _descend(lambda: surface(x, y), [x, y], opt, steps, history.losses,
                                   history.path)
    return history
