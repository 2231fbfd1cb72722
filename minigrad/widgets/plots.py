"""Figures for the experiments: each takes a finished history and returns a matplotlib Figure.

They are made with pyplot, so in a notebook with the inline backend a figure shows once at the
end of the cell that made it (write `fig = plot_lr_history(h)`, not a bare `plot_lr_history(h)`,
or it shows twice). The explorers draw the same figures into their own output area.

A diverged run is drawn up to its last finite value and labelled "diverged at step N" on the
plot itself: inf and NaN never reach matplotlib, so the axes stay readable.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from minigrad.widgets.experiments import (
    OPTIMIZER_NAMES,
    SUGGESTED_LR,
    History,
    PathHistory,
    RegressionData,
    _as_regression_data,
    run_lr_experiment,
    run_optimizer,
    stability_limit,
)
from minigrad.widgets.surfaces import Surface, get_surface

__all__ = [
    "compare_learning_rates", "compare_optimizers", "plot_lr_history", "plot_optimizer_path",
]

DIVERGED_COLOR = "crimson"


def _finite(values) -> np.ndarray:
    """The values as floats, with inf and NaN turned into NaN: matplotlib leaves a gap there."""
    array = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(array), array, np.nan)


def _last_finite_index(rows) -> int:
    """Index of the last entry whose numbers are all finite (0 if none is)."""
    finite = np.isfinite(np.asarray(rows, dtype=np.float64))
    if finite.ndim > 1:
        finite = finite.all(axis=1)
    indices = np.flatnonzero(finite)
    return int(indices[-1]) if indices.size else 0


def _plot_loss_curve(ax, history: History | PathHistory, label: str | None = None,
                     color=None) -> None:
    """Loss against step on a log scale, with an ✗ where a run diverged."""
    losses = _finite(history.losses)
    (line,) = ax.plot(np.arange(len(losses)), losses, label=label, color=color)
    if history.diverged:
        last = _last_finite_index(history.losses)
        ax.plot(last, losses[last], marker="X", markersize=10, color=DIVERGED_COLOR,
                markeredgecolor="white", linestyle="none")
    ax.set_yscale("log", nonpositive="mask")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.grid(True, which="major", alpha=0.3)


def _write_diverged(ax, step: int) -> None:
    ax.text(0.5, 0.5, f"diverged at step {step}", transform=ax.transAxes, ha="center",
            va="center", fontsize=14, color=DIVERGED_COLOR,
            bbox={"facecolor": "white", "edgecolor": DIVERGED_COLOR, "alpha": 0.9})


def plot_lr_history(history: History, data: RegressionData | None = None) -> Figure:
    """Two panels: the loss curve (log scale) and the fitted line over the data.

    data defaults to the data the run used (`history.data`). The line is drawn with the last
    finite (w, b); the data's own range fixes the axes, so even a wild line stays readable.
    """
    X, y = _as_regression_data(history.data if data is None else data)
    x, t = X.numpy().ravel(), y.numpy().ravel()
    fig, (ax_loss, ax_fit) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    fig.suptitle(history.summary())

    _plot_loss_curve(ax_loss, history)
    ax_loss.set_title("loss (mean squared error)")

    ax_fit.scatter(x, t, s=12, color="0.55", label="data")
    grid = np.linspace(x.min(), x.max(), 2)
    w0, b0 = history.params[0]
    ax_fit.plot(grid, w0 * grid + b0, linestyle="--", color="0.3", label="start")
    last = _last_finite_index(history.params)
    w, b = history.params[last]
    ax_fit.plot(grid, w * grid + b, color="C1", linewidth=2,
                label=f"step {last}: w={w:.3g}, b={b:.3g}")
    margin = 0.15 * (t.max() - t.min())
    ax_fit.set_ylim(t.min() - margin, t.max() + margin)
    ax_fit.set_title("fitted line y = w·x + b")
    ax_fit.set_xlabel("x")
    ax_fit.set_ylabel("y")
    ax_fit.legend(loc="upper left", fontsize="small")
    if history.diverged:
        _write_diverged(ax_loss, history.diverged_at)
        _write_diverged(ax_fit, history.diverged_at)
    return fig


def compare_learning_rates(lrs: Sequence[float], steps: int = 100, seed: int = 0,
                           data: RegressionData | None = None
                           ) -> tuple[Figure, list[History]]:
    """Run `run_lr_experiment` once per learning rate; draw every loss curve on one plot.

    The same seed gives every run the same data and the same start, so the curves differ only
    by lr. The title gives the data's stability limit 2/L; diverged runs end in a red ✗ and
    say so in the legend.
    """
    if len(lrs) == 0:
        raise ValueError("compare_learning_rates needs at least one learning rate")
    histories = [run_lr_experiment(lr, steps=steps, seed=seed, data=data) for lr in lrs]
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    for history in histories:
        _plot_loss_curve(ax, history, label=history.summary())
    limit = stability_limit(histories[0].data)
    ax.set_title(f"linear regression, full-batch SGD: stability limit 2/L = {limit:.4g}")
    ax.legend(fontsize="small")
    return fig, histories


def _draw_contours(ax, surface: Surface) -> None:
    """The surface's level sets, log-spaced so both the rim and the valley floor show."""
    xs = np.linspace(*surface.x_range, 300)
    ys = np.linspace(*surface.y_range, 300)
    grid_x, grid_y = np.meshgrid(xs, ys)
    values = surface(grid_x, grid_y)
    low = max(float(values.min()), 1e-2)
    levels = np.logspace(np.log10(low), np.log10(float(values.max())), 20)
    ax.contour(grid_x, grid_y, np.maximum(values, low), levels=levels, norm=LogNorm(),
               cmap="viridis", linewidths=0.8)
    ax.plot(*surface.minimum, marker="*", markersize=14, color="gold", markeredgecolor="black",
            linestyle="none", label="minimum")
    ax.set_xlim(*surface.x_range)
    ax.set_ylim(*surface.y_range)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(surface.formula)


def _draw_path(ax, history: PathHistory, color=None, label: str | None = None) -> None:
    path = _finite(history.path)
    ax.plot(path[:, 0], path[:, 1], marker="o", markersize=2.5, linewidth=1, color=color,
            label=label)
    ax.plot(*path[0], marker="o", markersize=8, color="white", markeredgecolor="black",
            linestyle="none")


def plot_optimizer_path(history: PathHistory, surface: str | Surface | None = None) -> Figure:
    """Two panels: the path over the surface's contours, and the loss curve beside it."""
    surface = history.surface if surface is None else get_surface(surface)
    fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained",
                                           gridspec_kw={"width_ratios": [1.25, 1]})
    fig.suptitle(history.summary())
    _draw_contours(ax_path, surface)
    _draw_path(ax_path, history, color="C3", label=history.optimizer)
    ax_path.legend(loc="upper left", fontsize="small")
    _plot_loss_curve(ax_loss, history, color="C3")
    ax_loss.set_title("loss")
    if history.diverged:
        _write_diverged(ax_path, history.diverged_at)
        _write_diverged(ax_loss, history.diverged_at)
    return fig


def compare_optimizers(surface: str | Surface = "rosenbrock", steps: int = 500,
                       lrs: dict[str, float] | None = None,
                       names: Sequence[str] = OPTIMIZER_NAMES
                       ) -> tuple[Figure, list[PathHistory]]:
    """Race several optimizers from the same start: all paths on one contour plot.

    lrs maps an optimizer's name to its learning rate; a name it leaves out gets
    SUGGESTED_LR for this surface.
    """
    surface = get_surface(surface)
    lrs = {} if lrs is None else dict(lrs)
    histories = [
        run_optimizer(name, surface, lrs.get(name, SUGGESTED_LR[(surface.name, name)]), steps)
        for name in names
    ]
    fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained",
                                           gridspec_kw={"width_ratios": [1.25, 1]})
    _draw_contours(ax_path, surface)
    for index, history in enumerate(histories):
        color = f"C{index}"
        _draw_path(ax_path, history, color=color, label=history.optimizer)
        _plot_loss_curve(ax_loss, history, color=color, label=history.summary())
    ax_path.legend(loc="upper left", fontsize="small")
    ax_loss.legend(fontsize="small")
    ax_loss.set_title(f"loss over {steps} steps")
    x0, y0 = surface.start
    fig.suptitle(f"{surface.name}: {len(histories)} optimizers from ({x0:g}, {y0:g})")
    return fig, histories
