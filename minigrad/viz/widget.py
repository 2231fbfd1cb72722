"""BackwardStepper: a slider that walks the backward pass one node at a time.

All the work is done by `backward_steps` (minigrad.viz.stepper), a plain function that a
test can call; this widget only shows its steps: the step's sentence above, the graph
with that step drawn over it below, and a slider with previous/next buttons.

    stepper = BackwardStepper(loss, names={"x": x, "w": w})
    stepper                 # in JupyterLab: the widget
    stepper.show(3)         # jump to step 3 from code (stepper.value = 3 does the same)
"""

from __future__ import annotations

import ipywidgets as widgets

from minigrad.viz import backend
from minigrad.viz.labels import escape
from minigrad.viz.stepper import Step, backward_steps


def _svg_body(svg: str) -> str:
    """The <svg> element alone: an HTML widget does not want the XML prolog and DOCTYPE."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


class BackwardStepper(widgets.VBox):
    """Step through `outputs`' backward pass: which node runs, what it sends where.

    Takes the arguments of backward_steps (outputs, names, gradient, show_data,
    show_saved, direction). `steps` holds the Step list; `value` is the step shown,
    from 1 to len(steps).
    """

    def __init__(self, *outputs, names=None, gradient=None, show_data: bool = True,
                 show_saved: bool = False, direction: str = "LR") -> None:
        self.steps: list[Step] = backward_steps(
            *outputs, names=names, gradient=gradient, show_data=show_data,
            show_saved=show_saved, direction=direction,
        )
        count = len(self.steps)
        self._slider = widgets.IntSlider(
            value=1, min=1, max=max(count, 1), step=1, description="step",
            continuous_update=True, disabled=count <= 1,
            layout=widgets.Layout(width="420px"),
        )
        self._previous = widgets.Button(description="previous", icon="arrow-left",
                                        layout=widgets.Layout(width="110px"))
        self._next = widgets.Button(description="next", icon="arrow-right",
                                    layout=widgets.Layout(width="110px"))
        self._text = widgets.HTML()
        self._picture = widgets.HTML()
        self._previous.on_click(lambda _: self.show(self.value - 1))
        self._next.on_click(lambda _: self.show(self.value + 1))
        self._slider.observe(lambda change: self._draw(change["new"]), names="value")
        controls = widgets.HBox([self._previous, self._slider, self._next])
        super().__init__([controls, self._text, self._picture])
        self._draw(1)

    @property
    def value(self) -> int:
        """The number of the step shown (1 is the first node that runs)."""
        return self._slider.value

    @value.setter
    def value(self, number: int) -> None:
        self.show(number)

    def show(self, number: int) -> Step:
        """Show step `number` (clipped to 1..len(steps)) and return it."""
        number = min(max(int(number), 1), len(self.steps))
        if self._slider.value != number:
            self._slider.value = number  # the observer draws it
        return self.steps[number - 1]

    def _draw(self, number: int) -> None:
        step = self.steps[number - 1]
        self._previous.disabled = number <= 1
        self._next.disabled = number >= len(self.steps)
        self._text.value = (
            f"<b>Step {step.number} of {step.total}:</b> {escape(step.text)}"
        )
        try:
            self._picture.value = _svg_body(step.graph.svg())
        except backend.GraphvizNotFound as error:
            message = step.graph.missing_dot_text(error)
            self._picture.value = f"<pre>{escape(message)}</pre>"
