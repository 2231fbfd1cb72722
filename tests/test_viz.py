"""minigrad.viz.draw_graph: what the picture shows, checked on its DOT source (no `dot` needed).

The DOT text is parsed into boxes (id -> the text a reader sees, and the box's attributes) and
arrows, so each test states what a learner would look for in the picture: a box named x with
its values, in the leaf colour; an arrow from it to AccumulateGrad; a red dashed cut.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function
from minigrad.viz import GraphvizNotFound, backend, draw_graph, find_dot, side_by_side
from minigrad.viz.dot import CUT_COLOR, OP_STYLE, SAVED_STYLE, TENSOR_STYLE

NODE = re.compile(r"^\s*(\w+) \[(.*)\];$")
EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?;$")


def text_of(attributes: str) -> str:
    """What a reader sees in a box: the label without its HTML markup, spaces collapsed."""
    match = re.search(r"label=<(.*)>", attributes)
    label = match.group(1) if match else ""
    label = re.sub(r"<BR[^>]*>|</TD>|</TR>", " ", label)
    label = re.sub(r"<[^>]+>", "", label)
    return " ".join(html.unescape(label).split())


class Picture:
    """The boxes and arrows of a DOT source."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.attributes: dict[str, str] = {}
        self.arrows: list[tuple[str, str, str]] = []
        for line in source.splitlines():
            edge = EDGE.match(line)
            if edge:
                self.arrows.append((edge.group(1), edge.group(2), edge.group(3) or ""))
                continue
            node = NODE.match(line)
            if node and node.group(1) not in ("graph", "node", "edge"):
                self.attributes[node.group(1)] = node.group(2)

    def text(self, box: str) -> str:
        return text_of(self.attributes[box])

    def find(self, start: str) -> str:
        """The one box whose text starts with `start`."""
        found = [b for b in self.attributes if self.text(b).startswith(start)]
        assert len(found) == 1, f"{len(found)} boxes start with {start!r}: {found}"
        return found[0]

    def boxes(self, start: str) -> list[str]:
        return [b for b in self.attributes if self.text(b).startswith(start)]

    def into(self, box: str) -> list[str]:
        return [tail for tail, head, _ in self.arrows if head == box]

    def out_of(self, box: str) -> list[str]:
        return [head for tail, head, _ in self.arrows if tail == box]

    def fill(self, box: str) -> str:
        match = re.search(r'(?:BGCOLOR|fillcolor)="(#[0-9a-f]{6})"', self.attributes[box])
        return match.group(1)


def quadratic():
    x = mg.tensor([2.0, 3.0], requires_grad=True)
    y = x**2 + 2 * x + 1
    return x, y


# -- what the picture shows -------------------------------------------------------------------


def test_quadratic_boxes_arrows_and_colours():
    x, y = quadratic()
    pic = Picture(draw_graph(y, names={"x": x, "y": y}).source)

    leaf = pic.find("x [2] float32")
    assert pic.text(leaf) == "x [2] float32 data [2., 3.] grad None"
    assert pic.fill(leaf) == TENSOR_STYLE["leaf"][0]
    output = pic.find("y [2] float32")
    assert "data [ 9., 16.]" in pic.text(output)
    assert pic.fill(output) == TENSOR_STYLE["output"][0]

    # The backward nodes, named as grad_fn names them.
    ops = sorted(pic.text(b) for b in pic.attributes if b.startswith("op"))
    assert ops == ["AccumulateGrad", "AddBackward0", "AddBackward0", "MulBackward0",
                   "PowBackward0"]
    accumulate = pic.find("AccumulateGrad")
    assert pic.into(accumulate) == [leaf]
    assert sorted(pic.text(b) for b in pic.out_of(accumulate)) == ["MulBackward0", "PowBackward0"]
    # y is made by the last AddBackward0, which reads the first one's output and the constant 1.
    last_add = pic.into(output)[0]
    assert pic.text(last_add) == "AddBackward0"
    inputs = sorted(pic.text(b) for b in pic.into(last_add))
    assert inputs == ["1.", "[2]"]
    # The numbers 2 and 1 are constants: grey, dashed, with their value.
    mul = pic.find("MulBackward0")
    two = [b for b in pic.into(mul) if b.startswith("c")]
    assert [pic.text(b) for b in two] == ["2."]
    assert pic.fill(two[0]) == TENSOR_STYLE["constant"][0]
    assert "dashed" in pic.attributes[two[0]]


def test_a_constant_tensor_nobody_holds_is_drawn_by_its_shape():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x + mg.ones(2)  # the ones are freed once the sum is made
    pic = Picture(draw_graph(y).source)
    (constant,) = [b for b in pic.attributes if b.startswith("c")]
    assert pic.text(constant) == "constant [2]"
    assert pic.out_of(constant) == pic.into(pic.find("output"))


def test_gradients_appear_after_backward():
    x, y = quadratic()
    before = Picture(draw_graph(y, names={"x": x}).source)
    y.backward(mg.tensor([1.0, 1.0]))
    after = Picture(draw_graph(y, names={"x": x}).source)
    assert before.text(before.find("x ")).endswith("grad None")
    assert after.text(after.find("x ")).endswith("grad [6., 8.]")


def test_show_data_and_show_grad_off():
    x, y = quadratic()
    y.backward(mg.tensor([1.0, 1.0]))
    pic = Picture(draw_graph(y, names={"x": x}, show_data=False, show_grad=False).source)
    assert pic.text(pic.find("x ")) == "x [2] float32"


def test_unnamed_output_is_labelled_output_and_several_are_numbered():
    x, y = quadratic()
    z = y.sum()
    single = Picture(draw_graph(z).source)
    assert single.text(single.find("output")).startswith("output scalar float32 data 25.")
    both = Picture(draw_graph(z, y * 3).source)
    assert both.boxes("output 1 ") and both.boxes("output 2 ")


def test_large_tensors_are_summarised_small_ones_printed_in_full():
    w = mg.arange(100.0).reshape(10, 10).requires_grad_()
    v = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    pic = Picture(draw_graph((w.sum() + v.sum()), names={"w": w, "v": v}).source)
    assert pic.text(pic.find("w ")) == "w [10, 10] float32 data min 0 mean 49.5 max 99 grad None"
    assert pic.text(pic.find("v ")) == "v [2, 2] float32 data [[1., 2.], [3., 4.]] grad None"


def test_detach_is_drawn_as_a_constant_with_a_cut():
    """Lesson 04: u = y.detach(); z = u * x. u is a constant; nothing leads back through it."""
    x = mg.arange(4.0).requires_grad_()
    y = x * x
    u = y.detach()
    z = u * x
    names = {"x": x, "y": y, "u": u, "z": z}
    pic = Picture(draw_graph(z.sum(), names=names).source)

    ubox, ybox = pic.find("u "), pic.find("y ")
    assert pic.text(ubox) == "u [4] float32 data [0., 1., 4., 9.]"  # no grad row
    assert pic.fill(ubox) == TENSOR_STYLE["constant"][0]
    cuts = [(t, h, a) for t, h, a in pic.arrows if CUT_COLOR in a]
    assert [(t, h) for t, h, _ in cuts] == [(ybox, ubox)]
    assert "detach()" in cuts[0][2] and "arrowhead=tee" in cuts[0][2]
    # The only arrow into u is the cut: u does not lead back to x's AccumulateGrad.
    assert pic.into(ubox) == [ybox]
    assert [pic.text(b) for b in pic.out_of(ubox)] == ["MulBackward0"]
    assert "cut by detach()" in pic.source  # and the legend says what the red line means

    # After backward (graph freed) u is still recognised: the node keeps a weak reference.
    z.sum().backward()
    again = Picture(draw_graph(z.sum(), names=names).source)
    assert [(again.text(t), again.text(h)) for t, h, a in again.arrows if CUT_COLOR in a] == [
        (again.text(again.find("y ")), again.text(again.find("u ")))
    ]
    assert again.text(again.find("x ")).endswith("grad [0., 1., 4., 9.]")


def test_tensor_made_under_no_grad_is_a_constant_without_history():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with mg.no_grad():
        c = x * 3
    pic = Picture(draw_graph(c, names={"c": c}).source)
    assert list(pic.attributes) == ["c0"]
    assert pic.text("c0") == "c [2] float32 data [3., 6.]"
    assert pic.arrows == []
    w = c * x
    pic = Picture(draw_graph(w, names={"c": c, "x": x}).source)
    assert pic.into(pic.find("c ")) == []  # a constant: no arrow back to x


def test_saved_tensors_and_ctx_values_when_asked():
    x, y = quadratic()
    hidden = Picture(draw_graph(y, names={"x": x}).source)
    assert not [b for b in hidden.attributes if b.startswith("s")]

    pic = Picture(draw_graph(y, names={"x": x}, show_saved=True).source)
    saved = [b for b in pic.attributes if b.startswith("s")]
    texts = sorted(pic.text(b) for b in saved)
    assert texts == ["saved scalar float32 data 2.", "saved x [2] float32 data [2., 3.]"]
    for box in saved:
        assert pic.fill(box) == SAVED_STYLE[0]
        (head,) = pic.out_of(box)
        assert pic.text(head).split()[0] in ("MulBackward0", "PowBackward0")
    assert pic.text(pic.find("PowBackward0")) == "PowBackward0 exponent = 2"

    y.backward(mg.tensor([1.0, 1.0]))
    freed = Picture(draw_graph(y, names={"x": x}, show_saved=True).source)
    assert not [b for b in freed.attributes if b.startswith("s")]
    assert "saved tensors freed by backward()" in freed.text(freed.find("PowBackward0"))


def test_custom_function_is_named_after_its_class():
    class Cube(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a * a

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return grad * 3 * a * a

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    pic = Picture(draw_graph(Cube.apply(x).sum(), names={"x": x}).source)
    box = pic.find("CubeBackward")
    assert pic.fill(box) == OP_STYLE["custom"][0]
    assert pic.fill(pic.find("SumBackward0")) == OP_STYLE["op"][0]
    assert "custom Function" in pic.source


def test_names_for_parameters_and_intermediates():
    nn = pytest.importorskip("minigrad.nn")
    mg.manual_seed(0)
    layer = nn.Linear(3, 2)
    x = mg.randn(4, 3)
    h = layer(x)
    loss = h.relu().sum()
    names = {**dict(layer.named_parameters()), "x": x, "h": h}
    pic = Picture(draw_graph(loss, names=names).source)
    for name in ("weight", "bias"):
        box = pic.find(f"{name} ")
        assert pic.fill(box) == TENSOR_STYLE["parameter"][0]
        assert pic.text(pic.out_of(box)[0]) == "AccumulateGrad"
    assert pic.fill(pic.find("x [4, 3]")) == TENSOR_STYLE["constant"][0]
    assert pic.text(pic.find("h [4, 2]")).startswith("h [4, 2] float32 data")
    # A Module gives its parameters' names too.
    from_module = Picture(draw_graph(loss, names=layer).source)
    assert from_module.boxes("weight ") and from_module.boxes("bias ")


def test_bad_names_and_arguments_get_clear_errors():
    x, y = quadratic()
    with pytest.raises(TypeError, match=r"names=\{'x': x\}, not \{x: 'x'\}"):
        draw_graph(y, names={x: "x"})
    with pytest.raises(TypeError, match=r"names\['x'\] is a list, not a tensor"):
        draw_graph(y, names={"x": [1, 2]})
    with pytest.raises(TypeError, match="draw_graph\\(y, z\\)"):
        draw_graph([y, y])
    with pytest.raises(TypeError, match="at least one tensor"):
        draw_graph()
    with pytest.raises(ValueError, match="direction must be 'LR'"):
        draw_graph(y, direction="sideways")
    with pytest.raises(ValueError, match="max_nodes must be a positive int"):
        draw_graph(y, max_nodes=0)


def test_direction_and_title_and_legend():
    x, y = quadratic()
    source = draw_graph(y, direction="TB", title="y = x**2 + 2*x + 1", legend=False).source
    assert "rankdir=TB" in source
    assert "<B>y = x**2 + 2*x + 1</B>" in source
    assert "Arrows show the forward pass" not in source
    source = draw_graph(y).source
    assert "Arrows show the forward pass, left to right" in source
    # The legend lists what the picture shows, and only that.
    assert "leaf (requires_grad=True)" in source and "parameter (nn.Parameter)" not in source


# -- big graphs -------------------------------------------------------------------------------


def chain(length: int):
    w = mg.tensor(1.0, requires_grad=True)
    h = w
    for _ in range(length):
        h = h * 1.5 + 1.0
    return w, h


def test_max_nodes_folds_the_rest_into_a_summary():
    w, h = chain(100)  # 200 backward nodes and one AccumulateGrad
    pic = Picture(draw_graph(h, names={"w": w}, max_nodes=10).source)
    ops = [b for b in pic.attributes if b.startswith("op")]
    assert len(ops) == 10
    summary = pic.text("more")
    assert summary.startswith("... 191 more backward nodes, not drawn")
    assert "AddBackward0 x 95" in summary and "MulBackward0 x 95" in summary
    assert "AccumulateGrad x 1" in summary and "max_nodes=None" in summary
    assert len(pic.out_of("more")) == 1
    assert not pic.boxes("w ")  # the leaf is beyond the limit

    everything = Picture(draw_graph(h, names={"w": w}, max_nodes=None).source)
    assert len([b for b in everything.attributes if b.startswith("op")]) == 201
    assert "more" not in everything.attributes


def test_the_nodes_next_to_the_outputs_are_kept():
    w, h = chain(100)
    pic = Picture(draw_graph(h, names={"h": h}, max_nodes=3).source)
    assert pic.text(pic.into(pic.find("h "))[0]) == "AddBackward0"


# -- determinism ------------------------------------------------------------------------------

PROGRAM = textwrap.dedent("""
    import minigrad as mg
    from minigrad.viz import draw_graph
    mg.manual_seed(0)
    x = mg.randn(3, requires_grad=True)
    w = mg.randn(3, 3, requires_grad=True)
    h = (w @ x).tanh()
    u = h.detach()
    loss = (h * u + x).sum()
    loss.backward(retain_graph=True)
    names = {"x": x, "w": w, "h": h, "u": u}
    print(draw_graph(loss, names=names, show_saved=True).source, end="")
""")


def test_the_same_program_gives_byte_identical_source():
    runs = []
    for seed in ("0", "1234"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        result = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True,
                                text=True, check=True)
        runs.append(result.stdout)
    assert runs[0] == runs[1]
    assert "0x" not in runs[0]  # no memory addresses anywhere
    assert re.findall(r"^\s*(\w+) \[", runs[0], re.M)[3:6] == ["op0", "t0", "op1"]


# -- side by side -----------------------------------------------------------------------------


def test_side_by_side_puts_each_graph_in_its_own_titled_cluster():
    a1 = mg.tensor(0.5, requires_grad=True)
    a2 = mg.tensor(-0.5, requires_grad=True)
    graphs = [draw_graph(a * 2 * 2, names={"a": a}) for a in (a1, a2)]
    source = side_by_side(*graphs, titles=["a = 0.5", "a = -0.5"]).source
    assert source.count("subgraph cluster_") == 2
    assert "<B>a = 0.5</B>" in source and "<B>a = -0.5</B>" in source
    pic = Picture(source)
    assert len(pic.boxes("a scalar float32")) == 2
    assert {b.split("_")[0] for b in pic.attributes} == {"g0", "g1"}
    with pytest.raises(ValueError, match="got 1 titles for 2 graphs"):
        side_by_side(*graphs, titles=["one"])
    with pytest.raises(TypeError, match="argument 1 is a Tensor"):
        side_by_side(graphs[0], a1)


# -- rendering --------------------------------------------------------------------------------

needs_dot = pytest.mark.skipif(find_dot() is None, reason="no Graphviz dot program installed")


@needs_dot
def test_renders_svg_and_png_and_saves(tmp_path):
    x, y = quadratic()
    graph = draw_graph(y, names={"x": x, "y": y})
    svg = graph.svg()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert ">PowBackward0</text>" in svg
    assert graph._repr_mimebundle_()["image/svg+xml"] == svg
    assert graph._repr_svg_() == svg
    assert graph.save(tmp_path / "g.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "<svg" in graph.save(tmp_path / "g.svg").read_text()
    assert graph.save(tmp_path / "g.dot").read_text() == graph.source
    with pytest.raises(ValueError, match="must end in .svg, .png or .dot"):
        graph.save(tmp_path / "g.jpg")


@needs_dot
def test_side_by_side_renders():
    a = mg.tensor(0.5, requires_grad=True)
    both = side_by_side(draw_graph(a * 2), draw_graph(a * 3), titles=["twice", "thrice"])
    svg = both.svg()
    assert ">twice</text>" in svg and ">thrice</text>" in svg


def test_without_dot_jupyter_shows_the_message_and_the_source(monkeypatch, tmp_path):
    monkeypatch.setattr(backend, "find_dot", lambda: None)
    x, y = quadratic()
    graph = draw_graph(y, names={"x": x})
    bundle = graph._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "pip install graphviz-pure" in bundle["text/plain"]
    assert graph.source in bundle["text/plain"]
    assert graph._repr_svg_() is None
    with pytest.raises(GraphvizNotFound) as info:
        graph.save(tmp_path / "g.png")
    assert info.value.dot_source == graph.source
    assert graph.save(tmp_path / "g.dot").read_text() == graph.source  # needs no dot


def test_drawing_does_not_keep_the_graph_alive():
    """A Graph holds only text: the tensors of a dropped graph are freed."""
    import gc
    import weakref

    x = mg.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    y = (x * 2).exp()
    ref = weakref.ref(y.grad_fn)
    graph = draw_graph(y, show_saved=True)
    del y
    gc.collect()
    assert ref() is None
    assert "ExpBackward0" in graph.source


def test_inputs_are_listed_in_argument_order():
    """x + y draws x above y: the arrows into an op follow its arguments (ordering=in)."""
    x = mg.tensor(1.0, requires_grad=True)
    y = mg.tensor(2.0, requires_grad=True)
    pic = Picture(draw_graph(x + y, names={"x": x, "y": y}).source)
    add = pic.find("AddBackward0")
    assert "ordering=in" in pic.attributes[add]
    feeding = [pic.text(pic.into(acc)[0]) for acc in pic.into(add)]
    assert [text.split()[0] for text in feeding] == ["x", "y"]
