"""Render the graphs the lessons draw, as PNG files, to look at all of them at once.

    python tools/gallery.py            # writes gallery/*.png and gallery/index.html
    python tools/gallery.py --svg      # SVG files as well

`make gallery` runs this with the venv's graphviz-pure, the program whose pictures the
notebooks save. Each example below is one picture: the seeds' examples (`y = x**2 + 2*x + 1`,
`z = 2 * (x + y)`, `y = 2 * x.x`, the detach example, the control-flow function for two
inputs, custom Functions, a small MLP), and the pictures that show what else draw_graph
does (saved tensors, no_grad, max_nodes, the backward stepper). Open gallery/index.html to
see them on one page.
"""

from __future__ import annotations

import argparse
import html
import sys
from collections.abc import Callable
from pathlib import Path

import minigrad as mg
from minigrad.autograd import Function
from minigrad.viz import Graph, backward_steps, draw_graph, side_by_side

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "gallery"

EXAMPLES: list[tuple[str, str, Callable[[], Graph]]] = []


def example(name: str, caption: str):
    """Register a function that returns one Graph for the gallery."""

    def register(function: Callable[[], Graph]) -> Callable[[], Graph]:
        EXAMPLES.append((name, caption, function))
        return function

    return register


@example("01_quadratic", "000 §2: y = x**2 + 2*x + 1 at x = [2, 3], after "
         "y.backward(gradient=[1, 1]): x.grad = 2x + 2 = [6, 8]")
def quadratic() -> Graph:
    x = mg.tensor([2.0, 3.0], requires_grad=True)
    y = x**2 + 2 * x + 1
    y.backward(mg.tensor([1.0, 1.0]))
    return draw_graph(y, names={"x": x, "y": y}, title="y = x**2 + 2*x + 1")


@example("02_sum_then_double", "001 §2: z = 2 * (x + y); both inputs get gradient 2")
def sum_then_double() -> Graph:
    x = mg.tensor(1.0, requires_grad=True)
    y = mg.tensor(2.0, requires_grad=True)
    s = x + y
    z = 2 * s
    z.backward()
    return draw_graph(z, names={"x": x, "y": y, "x + y": s, "z": z}, title="z = 2 * (x + y)")


@example("03_two_x_dot_x", "002 §1: y = 2 * x.dot(x) with x = arange(4): x.grad = 4x")
def two_x_dot_x() -> Graph:
    x = mg.arange(4.0).requires_grad_()
    y = 2 * x.dot(x)
    y.backward()
    return draw_graph(y, names={"x": x, "y": y}, title="y = 2 * x.dot(x)")


@example("04_detach", "002 §3: u = y.detach(); z = u * x; after z.sum().backward(), "
         "x.grad == u: no gradient flows through the cut")
def detach() -> Graph:
    x = mg.arange(4.0).requires_grad_()
    y = x * x
    u = y.detach()
    z = u * x
    z.sum().backward()
    return draw_graph(z.sum(), names={"x": x, "y": y, "u": u, "z": z},
                      title="y = x * x;  u = y.detach();  z = u * x")


def control_flow(a):
    """002 §4: double b until its norm reaches 1000, then keep it or scale it by 100."""
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


@example("05_control_flow", "002 §4: the graph depends on the input: 12 backward nodes "
         "for a = 0.5, 13 for a = -0.5 (the extra x 100)")
def control_flow_two_inputs() -> Graph:
    graphs = []
    for value in (0.5, -0.5):
        a = mg.tensor(value, requires_grad=True)
        d = control_flow(a)
        d.backward()
        graphs.append(draw_graph(d, names={"a": a, "d": d}, direction="TB"))
    return side_by_side(*graphs, titles=["d = f(a) for a = 0.5", "d = f(a) for a = -0.5"])


class MyReLU(Function):
    """004 §5.2.1: ReLU by clamp; backward lets the gradient through where input >= 0."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * (input >= 0)


class HardTanh(Function):
    """004 §5.2.2: clamp to [-threshold, threshold]; no gradient for the threshold."""

    @staticmethod
    def forward(ctx, input, threshold):
        ctx.save_for_backward(input)
        ctx.threshold = threshold
        return input.clamp(-threshold, threshold)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        inside = input.abs() <= ctx.threshold
        return grad_output * inside, None


@example("06_custom_functions", "004 §5.2: two custom Functions (yellow), with what each "
         "saved for backward (orange) and the threshold stored on ctx")
def custom_functions() -> Graph:
    x = mg.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    r = MyReLU.apply(x)
    h = HardTanh.apply(r * 3, 1.0)
    loss = h.sum()
    return draw_graph(loss, names={"x": x, "r": r, "h": h, "loss": loss}, show_saved=True,
                      title="loss = HardTanh(3 * MyReLU(x), 1.0).sum()")


@example("07_mlp", "004 §6: a 2-layer MLP (Linear 2->4, ReLU, Linear 4->1) and its MSE "
         "loss on 8 points, after loss.backward(); parameters in purple")
def mlp() -> Graph:
    from minigrad import nn

    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    inputs = mg.randn(8, 2)
    targets = mg.randn(8, 1)
    loss = nn.MSELoss()(model(inputs), targets)
    loss.backward()
    names = {**dict(model.named_parameters()), "inputs": inputs, "targets": targets,
             "loss": loss}
    return draw_graph(loss, names=names, title="MSELoss(model(inputs), targets)")


@example("08_saved_tensors", "003 §3: z = y * y * 3 with y = x + 2: MulBackward0 keeps y "
         "twice, and the constant 3")
def saved_tensors() -> Graph:
    x = mg.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    return draw_graph(out, names={"x": x, "y": y, "z": z, "out": out}, show_saved=True,
                      title="out = (y * y * 3).mean(),  y = x + 2  (show_saved=True)")


@example("09_no_grad", "000 §2.4: z made under no_grad has no history: it enters the next "
         "graph as a constant")
def no_grad() -> Graph:
    x = mg.tensor([2.0, 3.0], requires_grad=True)
    with mg.no_grad():
        z = x**3 + 3 * x**2 + 3 * x + 1
    w = z * x
    return draw_graph(w, names={"x": x, "z": z, "w": w},
                      title="with no_grad(): z = (x + 1)**3;  then w = z * x")


@example("10_max_nodes", "1,001 backward nodes, max_nodes=12: the 12 nearest the output are "
         "drawn, the rest is one summary box")
def folded() -> Graph:
    w = mg.tensor(1.0, requires_grad=True)
    h = w
    for _ in range(500):
        h = h * 0.99 + 0.5
    return draw_graph(h, names={"w": w, "h": h}, max_nodes=12,
                      title="500 times h = h * 0.99 + 0.5  (max_nodes=12)")


def diamond_steps():
    a = mg.tensor(2.0, requires_grad=True)
    b = a + 1
    c = b * 2
    d = b * 3
    e = c + d
    return backward_steps(e, names={"a": a, "b": b, "c": c, "d": d, "e": e})


for _number in range(1, 6):
    example(f"11_backward_step_{_number}",
            f"BackwardStepper on e = 2b + 3b, b = a + 1: step {_number} of 5")(
        lambda number=_number: diamond_steps()[number - 1].graph)


@example("12_detach_step", "backward_steps on the detach example: MulBackward0 sends u to "
         "x's AccumulateGrad and nothing to u")
def detach_step() -> Graph:
    x = mg.arange(4.0).requires_grad_()
    y = x * x
    u = y.detach()
    z = u * x
    steps = backward_steps(z.sum(), names={"x": x, "y": y, "u": u, "z": z})
    return steps[1].graph


def write_index(entries: list[tuple[str, str]]) -> None:
    """gallery/index.html: every picture with its caption, on one page."""
    items = "\n".join(
        f'<figure><img src="{name}.png" alt="{html.escape(name)}">'
        f"<figcaption><b>{html.escape(name)}</b>: {html.escape(caption)}</figcaption></figure>"
        for name, caption in entries
    )
    (OUT / "index.html").write_text(
        "<!doctype html><meta charset=utf-8><title>minigrad.viz gallery</title>\n"
        "<style>body{font-family:sans-serif;margin:2em}img{max-width:100%;border:1px solid #ccc}"
        "figure{margin:0 0 3em}</style>\n<h1>minigrad.viz gallery</h1>\n" + items + "\n",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", action="store_true", help="write SVG files as well")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    written = []
    for name, caption, build in EXAMPLES:
        graph = build()
        graph.save(OUT / f"{name}.png")
        if args.svg:
            graph.save(OUT / f"{name}.svg")
        written.append((name, caption))
        print(f"gallery/{name}.png  {caption}")
    write_index(written)
    print(f"{len(written)} pictures; open gallery/index.html to see them all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
