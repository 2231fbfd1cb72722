"""The two explorers: sliders wired to the plain experiments and their figures.

    ex = lr_explorer()              # learning rate and steps for linear regression
    display(ex)
    ex.lr_slider.value = 0.011      # the same as dragging the slider there and letting go
    print(ex.result.summary())

Each explorer is an ipywidgets VBox that keeps its controls as attributes and its last run in
`.result`. Moving a control (by hand or by setting `.value` in code) calls `update()`, which
runs the experiment from `minigrad.widgets.experiments` and shows its one-line summary over the
figure from `minigrad.widgets.plots`. Sliders report only when released
(`continuous_update=False`), so each run happens once, not on every pixel of a drag.
"""

from __future__ import annotations

import base64
import html
import io
import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from minigrad.widgets.experiments import (
    OPTIMIZER_NAMES,
    SUGGESTED_LR,
    History,
    PathHistory,
    RegressionData,
    _as_regression_data,
    classic_data,
    run_lr_experiment,
    run_optimizer,
)
from minigrad.widgets.plots import DIVERGED_COLOR, plot_lr_history, plot_optimizer_path
from minigrad.widgets.surfaces import SURFACES, get_surface

__all__ = [
    "LearningRateExplorer", "OptimizerExplorer", "lr_explorer", "optimizer_explorer",
    "show_result",
]

FIGURE_DPI = 90
_WIDE = {"description_width": "initial"}


def show_result(output: widgets.Output, result: History | PathHistory, fig: Figure) -> None:
    """Make `output` show the run's summary line and its figure (a PNG), and close `fig`.

    The summary comes first, in red when the run diverged, so it reads "diverged at step 7"
    even where images are not shown. We set the Output widget's `outputs` directly rather than
    calling `plt.show()` inside `with output:`. What a cell prints inside `with output:` is an
    ordinary message of that cell, which only a live front end re-routes into the widget:
    nbval would see the figure as the cell's own output (so a checked cell that moves a slider
    would fail), and a callback run between cells could lose it. `outputs` is the widget's
    state: JupyterLab draws it, a saved notebook keeps it, nbval ignores it, a test reads it.
    Closing the figure keeps pyplot from showing it again at the end of the cell, and from
    holding on to one figure per slider move.
    """
    summary = result.summary()
    color = DIVERGED_COLOR if result.diverged else "inherit"
    buffer = io.BytesIO()
    # metadata={"Software": None}: no matplotlib version in the PNG, so the bytes are the same
    # on every machine with the same fonts.
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, metadata={"Software": None})
    plt.close(fig)
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    output.outputs = (
        {"output_type": "display_data", "metadata": {},
         "data": {"text/html": f'<b style="color: {color}">{html.escape(summary)}</b>',
                  "text/plain": summary}},
        {"output_type": "display_data", "metadata": {},
         "data": {"image/png": png, "text/plain": f"<Figure: {summary}>"}},
    )


def _log_slider(value: float, low: int, high: int, description: str) -> widgets.FloatLogSlider:
    """A slider over 10**low … 10**high (wider if value lies outside), reporting on release."""
    if not value > 0:
        raise ValueError(f"the learning rate must be a positive number, got {value!r}")
    exponent = math.log10(value)
    return widgets.FloatLogSlider(
        value=value, base=10, min=min(low, math.floor(exponent)),
        max=max(high, math.ceil(exponent)), step=0.01, description=description,
        readout_format=".4g", continuous_update=False, style=_WIDE,
        layout=widgets.Layout(width="460px"),
    )


def _fraction_slider(value: float, low: float, high: float, step: float, description: str,
                     readout_format: str) -> widgets.FloatSlider:
    """A slider for a decay rate such as momentum or beta1, reporting only when released."""
    return widgets.FloatSlider(
        value=value, min=low, max=high, step=step, description=description,
        readout_format=readout_format, continuous_update=False, style=_WIDE)


class LearningRateExplorer(widgets.VBox):
    """Linear regression by gradient descent, with the learning rate on a slider.

    Attributes: `lr_slider` (1e-4 … 10, log scale), `steps_slider`, `output` (the run's
    summary, red when it diverged, over the loss curve and the fitted line) and `result` (the
    last History). `data` and `seed` are fixed for the explorer's life, so the only thing a
    slider changes is the thing it names.
    """

    def __init__(self, lr: float = 0.01, steps: int = 100, seed: int = 0,
                 data: RegressionData | None = None) -> None:
        super().__init__()
        self.seed = seed
        self.data = classic_data(seed) if data is None else _as_regression_data(data)
        self.lr_slider = _log_slider(lr, -4, 1, "learning rate")
        self.steps_slider = widgets.IntSlider(
            value=steps, min=1, max=max(1000, steps), description="steps",
            continuous_update=False, style=_WIDE,
        )
        self.output = widgets.Output()
        self.result: History | None = None
        self.children = (widgets.HBox([self.lr_slider, self.steps_slider]), self.output)
        for control in (self.lr_slider, self.steps_slider):
            control.observe(self._on_change, names="value")
        self.update()

    def _on_change(self, _change: dict) -> None:
        self.update()

    def update(self) -> History:
        """Run the experiment for the sliders' values and redraw; return its History."""
        self.result = run_lr_experiment(self.lr_slider.value, steps=self.steps_slider.value,
                                        seed=self.seed, data=self.data)
        show_result(self.output, self.result, plot_lr_history(self.result))
        return self.result


class OptimizerExplorer(widgets.VBox):
    """One optimizer walking down a 2-D loss surface, with its settings on sliders.

    Attributes: `optimizer_dropdown`, `surface_dropdown`, `lr_slider` (1e-5 … 10, log scale),
    `momentum_slider`, `alpha_slider` (RMSprop's smoothing constant), `beta1_slider`,
    `beta2_slider`, `steps_slider`, `output` (summary, path and loss curve) and `result` (the
    last PathHistory).

    Picking another optimizer or surface moves the learning rate to SUGGESTED_LR for that
    pair (a rate good for one optimizer can be hopeless for another) and greys out the
    sliders the optimizer does not use.
    """

    def __init__(self, surface: str = "rosenbrock", optimizer: str = "SGD",
                 steps: int = 500) -> None:
        super().__init__()
        surface = get_surface(surface).name
        if optimizer not in OPTIMIZER_NAMES:
            names = ", ".join(repr(n) for n in OPTIMIZER_NAMES)
            raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {names}")
        self.optimizer_dropdown = widgets.Dropdown(
            options=list(OPTIMIZER_NAMES), value=optimizer, description="optimizer")
        self.surface_dropdown = widgets.Dropdown(
            options=list(SURFACES), value=surface, description="surface")
        self.lr_slider = _log_slider(SUGGESTED_LR[(surface, optimizer)], -5, 1, "learning rate")
        self.steps_slider = widgets.IntSlider(
            value=steps, min=10, max=max(3000, steps), step=10, description="steps",
            continuous_update=False, style=_WIDE)
        self.momentum_slider = _fraction_slider(0.9, 0.0, 0.99, 0.01, "momentum", ".2f")
        self.alpha_slider = _fraction_slider(0.99, 0.5, 0.999, 0.001, "alpha (RMSprop)", ".3f")
        self.beta1_slider = _fraction_slider(0.9, 0.0, 0.99, 0.01, "beta1 (Adam)", ".2f")
        self.beta2_slider = _fraction_slider(0.999, 0.9, 0.9999, 0.0001, "beta2 (Adam)", ".4f")
        self.output = widgets.Output()
        self.result: PathHistory | None = None
        self._choosing = False
        self.children = (
            widgets.HBox([self.optimizer_dropdown, self.surface_dropdown]),
            widgets.HBox([self.lr_slider, self.steps_slider]),
            widgets.HBox([self.momentum_slider, self.alpha_slider]),
            widgets.HBox([self.beta1_slider, self.beta2_slider]),
            self.output,
        )
        for dropdown in (self.optimizer_dropdown, self.surface_dropdown):
            dropdown.observe(self._on_choice, names="value")
        for slider in (self.lr_slider, self.steps_slider, self.momentum_slider,
                       self.alpha_slider, self.beta1_slider, self.beta2_slider):
            slider.observe(self._on_change, names="value")
        self._grey_out_unused()
        self.update()

    def _grey_out_unused(self) -> None:
        name = self.optimizer_dropdown.value
        self.momentum_slider.disabled = name != "SGD with momentum"
        self.alpha_slider.disabled = name != "RMSprop"
        self.beta1_slider.disabled = self.beta2_slider.disabled = name != "Adam"

    def _on_choice(self, _change: dict) -> None:
        # Moving the lr slider would start a run of its own; run once, after both changes.
        self._choosing = True
        try:
            key = (self.surface_dropdown.value, self.optimizer_dropdown.value)
            self.lr_slider.value = SUGGESTED_LR[key]
        finally:
            self._choosing = False
        self._grey_out_unused()
        self.update()

    def _on_change(self, _change: dict) -> None:
        if not self._choosing:
            self.update()

    def update(self) -> PathHistory:
        """Run the optimizer with the controls' values and redraw; return its PathHistory."""
        self.result = run_optimizer(
            self.optimizer_dropdown.value, self.surface_dropdown.value,
            lr=self.lr_slider.value, steps=self.steps_slider.value,
            momentum=self.momentum_slider.value, alpha=self.alpha_slider.value,
            betas=(self.beta1_slider.value, self.beta2_slider.value),
        )
        show_result(self.output, self.result, plot_optimizer_path(self.result))
        return self.result


def lr_explorer(steps: int = 100, seed: int = 0, data: RegressionData | None = None, *,
                lr: float = 0.01) -> LearningRateExplorer:
    """A learning-rate explorer for linear regression; `display()` it in a notebook.

    Defaults: lr 0.01 (the classic example's, just under the stability limit of the default
    data), 100 steps, `classic_data(seed)`.
    """
    return LearningRateExplorer(lr=lr, steps=steps, seed=seed, data=data)


def optimizer_explorer(surface: str = "rosenbrock", *, optimizer: str = "SGD",
                       steps: int = 500) -> OptimizerExplorer:
    """An optimizer explorer on a 2-D loss surface ("rosenbrock" or "quadratic").

    Defaults: plain SGD at its suggested learning rate, 500 steps, momentum 0.9, alpha 0.99,
    betas (0.9, 0.999): PyTorch's defaults where PyTorch has one.
    """
    return OptimizerExplorer(surface=surface, optimizer=optimizer, steps=steps)
