"""Two-dimensional loss surfaces on which lesson 08 races the optimizers.

Each surface is one formula in x and y written with ordinary operators, so the same
expression evaluates a minigrad tensor (to train on it) and a numpy grid (to draw its
contours). Both have their minimum at loss 0, which lets the loss curves use a log scale.

- "quadratic": f(x, y) = ½·(x² + 25·y²). Its Hessian is diag(1, 25) everywhere, so the
  largest curvature is L = 25 and the smallest 1: the condition number is 25. Plain gradient
  descent multiplies y by (1 − lr·25) each step, so it converges only for lr < 2/L = 0.08
  and zigzags across the narrow valley long before that.
- "rosenbrock": f(x, y) = (1 − x)² + 100·(y − x²)², the classic banana-shaped valley, with
  its minimum at (1, 1) and the standard start (−1.2, 1), where f = 24.2. Finding the valley
  is easy; following its curved floor is hard. At the minimum the largest curvature is
  about 1001.6, so plain gradient descent needs lr < 2/1001.6 ≈ 0.002 to settle there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["SURFACES", "Surface", "get_surface"]


@dataclass(frozen=True)
class Surface:
    """A loss f(x, y) with where to start, where the minimum is and what to draw."""

    name: str
    formula: str                      # the loss in words, for plot titles
    function: Callable                # f(x, y): works on minigrad tensors and numpy arrays
    start: tuple[float, float]        # the standard starting point
    minimum: tuple[float, float]      # where f is smallest (f = 0 there)
    x_range: tuple[float, float]      # the window the contour plot shows
    y_range: tuple[float, float]
    curvature: float                  # L: the Hessian's largest eigenvalue (at the minimum)

    def __call__(self, x, y):
        return self.function(x, y)

    @property
    def stability_limit(self) -> float:
        """2/L: plain gradient descent near the minimum converges only below this rate."""
        return 2.0 / self.curvature


def _quadratic(x, y):
    return 0.5 * (x**2 + 25 * y**2)


def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


SURFACES: dict[str, Surface] = {
    "quadratic": Surface(
        name="quadratic",
        formula="f = ½(x² + 25y²)",
        function=_quadratic,
        start=(-4.0, 1.0),
        minimum=(0.0, 0.0),
        x_range=(-5.0, 5.0),
        y_range=(-2.0, 2.0),
        curvature=25.0,
    ),
    "rosenbrock": Surface(
        name="rosenbrock",
        formula="f = (1 − x)² + 100(y − x²)²",
        function=_rosenbrock,
        start=(-1.2, 1.0),
        minimum=(1.0, 1.0),
        x_range=(-2.0, 2.0),
        y_range=(-1.0, 3.0),
        # Hessian at (1, 1) is [[802, -400], [-400, 200]]; its eigenvalues are 1001.6 and 0.4.
        curvature=501.0 + (501.0**2 - 400.0) ** 0.5,
    ),
}


def get_surface(surface: str | Surface) -> Surface:
    """Look a surface up by name (or pass a Surface through), with a clear error for typos."""
    if isinstance(surface, Surface):
        return surface
    try:
        return SURFACES[surface]
    except (KeyError, TypeError):
        names = ", ".join(repr(name) for name in SURFACES)
        raise ValueError(f"unknown surface {surface!r}; choose one of {names}") from None
