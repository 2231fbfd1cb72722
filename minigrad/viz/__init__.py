"""Draw computational graphs, and walk the backward pass one node at a time.

    from minigrad.viz import draw_graph
    x = mg.tensor([2.0, 3.0], requires_grad=True)
    y = x**2 + 2*x + 1
    draw_graph(y, names={"x": x, "y": y})        # shown inline in JupyterLab

    from minigrad.viz import BackwardStepper, backward_steps
    steps = backward_steps(y.sum())              # the backward pass, as a list of steps
    BackwardStepper(y.sum(), names={"x": x})     # the same, with a slider

Modules: `graph` walks a graph into a plain description of what to draw; `dot` writes
the DOT source (colours, labels, legend); `display` holds `Graph`, the drawn picture;
`stepper` computes the backward pass step by step; `widget` is the slider around it;
`labels` formats values; `backend` finds a Graphviz program to lay the picture out.
"""

from __future__ import annotations

from minigrad.viz.backend import GraphvizNotFound, configure_graphviz, find_dot
from minigrad.viz.display import Graph, side_by_side
from minigrad.viz.dot import DIRECTIONS, Options, Panel
from minigrad.viz.graph import walk
from minigrad.viz.stepper import Step, backward_steps, draw_step

__all__ = [
    "BackwardStepper", "Graph", "GraphvizNotFound", "Step", "backward_steps",
    "configure_graphviz", "draw_graph", "draw_step", "find_dot", "side_by_side",
]


def draw_graph(*outputs, names=None, show_data: bool = True, show_grad: bool = True,
               show_saved: bool = False, direction: str = "LR", max_nodes: int | None = 80,
               title: str | None = None, legend: bool = True) -> Graph:
    """Draw the computational graph that produced `outputs`.

    outputs     one or more tensors; their graphs are drawn together (shared parts once).
    names       {name: tensor}: how to label tensors, e.g. {"x": x, "w": w} or
                dict(model.named_parameters()) (a Module works too). Leaves, intermediate
                tensors the learner kept in variables, and outputs can all be named; an
                unnamed output is labelled "output", other tensors by their shape.
    show_data   write each tensor's values in its box (in full when small, else min/mean/max).
    show_grad   write each leaf's .grad (None before backward), and retained grads.
    show_saved  draw what each node saved for backward (orange) and the values it stored
                on ctx (e.g. exponent = 2); after backward() they are freed, and it says so.
    direction   "LR" (left to right, the default) or "TB" (top to bottom).
    max_nodes   draw at most this many backward nodes (AccumulateGrad included), nearest
                the outputs first; the rest is summarised in one box. None: no limit.
    title       a heading above the picture.
    legend      explain the colours and arrows under the picture.

    Returns a Graph: shown as SVG in JupyterLab, `.save("graph.png")` (or .svg, .dot),
    `.source` for the DOT text. The picture is a snapshot of the moment it was drawn.
    """
    if direction not in DIRECTIONS:
        raise ValueError(
            f"direction must be 'LR' (left to right) or 'TB' (top to bottom), got {direction!r}"
        )
    model, _ = walk(outputs, names, max_nodes)
    options = Options(show_data=show_data, show_grad=show_grad, show_saved=show_saved)
    return Graph([Panel(model, options, title)], direction, legend)


def __getattr__(name: str):
    # The widget needs ipywidgets, which takes a while to import: load it on first use.
    if name == "BackwardStepper":
        from minigrad.viz.widget import BackwardStepper

        return BackwardStepper
    raise AttributeError(f"module 'minigrad.viz' has no attribute {name!r}")
