"""The backward pass, one node at a time: which node runs, what it receives, what it sends.

`backward_steps(y)` does what `y.backward()` does, in the same order, with the same
engine functions, but it records every step instead of writing into `.grad`:

    for node in topological_order(...):          # the order backward() uses
        receive: the sum of the gradients sent to this node so far  (the chain rule's sum)
        run:     grad_inputs = node's backward(received)            (the chain rule's product)
        send:    grad_inputs[i] along next_functions[i]
    AccumulateGrad nodes show what `leaf.grad` would become.

It leaves the learner's tensors exactly as they were: no `.grad` is written, no saved
tensor is freed (so `y.backward()` still works afterwards), and no hooks run (a hook may
write somewhere: `retain_grad()` is one). Each Step can draw the graph at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from minigrad.autograd import grad_mode
from minigrad.autograd.engine import (
    _add_to_buffer,
    _call_backward,
    _fit_gradient,
    _roots,
    topological_order,
)
from minigrad.autograd.function import AccumulateGrad, gradient_edge
from minigrad.tensor import Tensor
from minigrad.viz.display import Graph
from minigrad.viz.dot import Options, Overlay, Panel
from minigrad.viz.graph import GraphModel, TensorBox, walk
from minigrad.viz.labels import describe, value_lines


@dataclass
class Flow:
    """A gradient sent along one edge: from the running node to where `input` leads."""

    input: int          # which of the running node's next_functions it travels along
    to: str             # what receives it, in words ("y", "AccumulateGrad of x")
    gradient: Tensor


@dataclass(repr=False)
class Step:
    """One node of the backward pass running. `step.graph` draws the graph at that moment.

    number        1 for the first node that runs
    node          the node's name, e.g. 'MulBackward0' (node_id: its box in the picture)
    grad_outputs  the gradient(s) it received, one per output of its operation: the sum of
                  everything sent to it so far
    sent          the gradient it sends along each edge (Flow(input, to, gradient))
    fills         for AccumulateGrad: the leaf whose .grad it fills ('x'), else None
    grad_value    for AccumulateGrad: what that .grad holds after this step
    text          the step in one or two sentences
    """

    number: int
    total: int
    node: str
    node_id: str
    grad_outputs: tuple
    sent: tuple
    fills: str | None
    grad_value: Tensor | None
    text: str
    _panel: Panel = field(default=None, compare=False)
    _direction: str = "LR"
    _graph: Graph | None = field(default=None, compare=False)

    @property
    def graph(self) -> Graph:
        """The graph with this step drawn over it (the running node in red)."""
        if self._graph is None:
            title = f"backward, step {self.number} of {self.total}: {self.node}"
            panel = Panel(self._panel.model, self._panel.options, title, self._panel.overlay)
            self._graph = Graph([panel], self._direction)
        return self._graph

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """In JupyterLab a step shows its picture (and its sentence as the text version)."""
        bundle = self.graph._repr_mimebundle_(include, exclude)
        if "image/svg+xml" in bundle:
            bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        return f"<Step {self.number} of {self.total}: {self.text}>"


def draw_step(step: Step) -> Graph:
    """The graph at one step of the backward pass (the same as `step.graph`)."""
    return step.graph


def _text(tensor: Tensor) -> str:
    return " ".join(line.strip() for line in value_lines(tensor.array))


def _lines(tensor: Tensor | None) -> list[str]:
    return ["None"] if tensor is None else value_lines(tensor.array)


def _box_words(box: TensorBox, maker: str | None = None) -> str:
    """How a step's text names a tensor: its name, or where it comes from."""
    if box.name is not None:
        return box.name
    if maker is not None:
        return f"the output of {maker}"
    return f"the {describe(box.shape, box.dtype)} leaf"


def backward_steps(*outputs, names=None, gradient=None, show_data: bool = True,
                   show_saved: bool = False, direction: str = "LR") -> list[Step]:
    """The steps `backward()` would take from `outputs`, without changing any tensor.

    outputs and gradient are as for `minigrad.autograd.backward(outputs, gradient)`: a
    one-element output starts from gradient 1, any other needs `gradient=` (its shape).
    names labels tensors as in draw_graph. The graph must still hold its saved tensors:
    call this before `backward()`, or after `backward(retain_graph=True)`.
    """
    if not outputs:
        raise TypeError("backward_steps() needs at least one tensor, e.g. backward_steps(loss)")
    for i, output in enumerate(outputs):
        if not isinstance(output, Tensor):
            raise TypeError(f"output {i} is a {type(output).__name__}, not a tensor")
    roots, seeds = _roots(outputs, gradient)
    edges = [gradient_edge(t) for t in roots]
    order = topological_order([node for node, _ in edges])
    for node in order:
        if node._freed:
            raise RuntimeError(
                f"backward_steps() needs the saved tensors of the graph, but {node.name()}'s "
                "were freed by an earlier backward(). Call backward_steps() before "
                "backward(), or call backward(retain_graph=True)."
            )
    model, index = walk(outputs, names, max_nodes=None)
    for (node, _), box_id in zip(edges, index.output_boxes):
        if isinstance(node, AccumulateGrad):  # an output that is itself a leaf
            index.leaf_box.setdefault(node, box_id)
    boxes = model.boxes()
    words = {node: node.name() for node in index.op_id}  # how the texts name each node
    for acc, leaf_id in index.leaf_box.items():
        words[acc] = f"AccumulateGrad of {_box_words(boxes[leaf_id])}"
    for (node, _), box_id in index.made_box.items():
        words[box_id] = _box_words(boxes[box_id], node.name())

    # What each tensor box shows as its gradient, updated as the steps go.
    grads = {}
    for acc, leaf_id in index.leaf_box.items():
        grads[leaf_id] = acc.variable._grad
    buffers = {}
    for (node, nr), seed, box_id in zip(edges, seeds, index.output_boxes):
        _add_to_buffer(buffers, node, nr, seed)
        if not isinstance(node, AccumulateGrad):
            grads[box_id] = seed if grads.get(box_id) is None else grads[box_id] + seed

    overlays, steps = [], []
    flows, done = {}, []
    previous = grad_mode._enabled
    grad_mode._enabled = False  # as in backward(): computing gradients records nothing
    try:
        for node in order:
            received = buffers.pop(node, None)
            if received is None:
                continue  # nothing reaches it (every path to it carries no gradient)
            op_id = index.op_id.get(node)  # None only for an output that is a leaf
            if isinstance(node, AccumulateGrad):
                step, changed, sent_now = _accumulate_step(node, received, index, boxes, grads)
                flows[(op_id, 0)] = received[0]
            else:
                step, changed, sent_now = _node_step(
                    node, received, index, boxes, words, grads, buffers, flows)
            step.node_id = op_id
            overlays.append(Overlay(
                running=op_id, done=tuple(done),
                grads={k: _lines(v) for k, v in grads.items()},
                changed=tuple(changed),
                flows={k: _lines(v) for k, v in flows.items()},
                sent_now=tuple(sent_now),
            ))
            steps.append(step)
            done.append(op_id)
    finally:
        grad_mode._enabled = previous

    widths = _widths(model, overlays)
    options = Options(show_data=show_data, show_grad=True, show_saved=show_saved)
    for number, (step, overlay) in enumerate(zip(steps, overlays), start=1):
        overlay.widths = widths
        step.number, step.total = number, len(steps)
        step._panel = Panel(model, options, None, overlay)
        step._direction = direction
    return steps


def _node_step(node, received, index, boxes, words, grads, buffers, flows):
    """Run one backward node: what it receives, and what it sends along each edge."""
    op_id = index.op_id[node]
    grad_inputs = _call_backward(node, received)
    sent, changed, sent_now, skipped = [], [], [], []
    for i, ((child, nr), g) in enumerate(zip(node.next_functions, grad_inputs)):
        if child is None or g is None:
            skipped.append(i)
            continue
        g = _fit_gradient(node, i, g, *child._output_meta[nr])  # the input's shape and dtype
        _add_to_buffer(buffers, child, nr, g)
        flows[(op_id, i)] = g
        sent_now.append((op_id, i))
        if isinstance(child, AccumulateGrad):
            to = words[child]
        else:
            box_id = index.made_box[(child, nr)]
            grads[box_id] = g if grads.get(box_id) is None else grads[box_id] + g
            changed.append(box_id)
            to = words[box_id]
        sent.append(Flow(i, to, g))

    # The texts end without a full stop: values such as `5.` end with one already.
    received_parts = []
    for nr, g in enumerate(received):
        if g is not None:
            box_id = index.made_box.get((node, nr))
            box = boxes[box_id] if box_id is not None else None
            name = box.name if box is not None and box.name_given else None
            whose = f"its output {name}" if name else (
                "its output" if len(received) == 1 else f"its output {nr}")
            received_parts.append(f"{_text(g)}, the gradient of {whose}")
    clauses = [f"{node.name()} runs with {' and '.join(received_parts)}"]
    clauses += [f"it sends {_text(flow.gradient)} to {flow.to}" for flow in sent]
    if skipped:
        which = " and ".join(str(i) for i in skipped)
        plural = "s" if len(skipped) > 1 else ""
        clauses.append(f"input{plural} {which} need{'' if plural else 's'} no gradient")
    text = "; ".join(clauses)
    step = Step(0, 0, node.name(), op_id, tuple(received), tuple(sent), None, None, text)
    return step, changed, sent_now


def _accumulate_step(node, received, index, boxes, grads):
    """AccumulateGrad: what leaf.grad would hold after backward adds this gradient."""
    leaf_id = index.leaf_box[node]
    leaf = node.variable
    g = received[0]
    if g.dtype != leaf.dtype:
        g = g.to(leaf.dtype)
    old = grads.get(leaf_id)
    value = g if old is None else old + g
    grads[leaf_id] = value
    who = _box_words(boxes[leaf_id])
    if old is None:
        text = (f"AccumulateGrad of {who} receives {_text(g)}; {who}.grad was None, so it "
                f"becomes {_text(value)}")
    else:
        text = (f"AccumulateGrad of {who} receives {_text(g)} and adds it to {who}.grad: "
                f"{_text(old)} + {_text(g)} = {_text(value)}")
    op_id = index.op_id.get(node)
    step = Step(0, 0, node.name(), op_id, tuple(received), (), who, value, text)
    return step, [leaf_id], [(op_id, 0)]


def _widths(model: GraphModel, overlays: list[Overlay]) -> dict:
    """The largest text each box and arrow shows over all steps, so that none of them moves."""
    widths = {}

    def grow(key, lines):
        count, width = widths.get(key, (0, 0))
        widths[key] = (max(count, len(lines)), max([width] + [len(line) for line in lines]))

    for box in model.tensors:
        if box.requires_grad:
            grow(box.id, ["-"])
    for overlay in overlays:
        for key, lines in overlay.grads.items():
            grow(key, lines)
        for key, lines in overlay.flows.items():
            grow(key, lines)
    return widths
