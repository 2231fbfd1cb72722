"""Walk an autograd graph and decide what to draw: which boxes, which arrows, in what order.

The backward graph that minigrad records has only *nodes* (`grad_fn`s such as
`MulBackward0`, and `AccumulateGrad` for each leaf) linked by `next_functions`. A learner
thinks in tensors too, so the picture shows both, as torchviz does:

    x ──> AccumulateGrad ──> PowBackward0 ──> [2] ──> AddBackward0 ──> y
    (a leaf)                 (grad_fn)        (a tensor it made)        (the output)

Arrows follow the forward pass (inputs on the left); `backward()` walks them in reverse,
from the output to each leaf's `AccumulateGrad`, which adds the gradient into `x.grad`.

What the walk finds, and how it is drawn:
  - leaves that require grad (light blue; parameters purple), each feeding its
    `AccumulateGrad` node;
  - one grey box per backward node, named as `grad_fn` names it; custom Functions yellow;
  - the tensor each node made, between it and the nodes that use it (named when the
    learner passed a name for it, otherwise its shape), the outputs in green;
  - inputs that need no gradient (`next_functions` slot `(None, 0)`), in grey with a dashed
    border: a constant, a detached tensor, a tensor made under `no_grad`. Nothing leads
    back from them. When such a tensor shares memory with a tensor of the graph, it was
    cut from it (`detach()`, `.data`): a red dashed line marks the cut;
  - optionally what each node saved for backward (orange, as in torchviz).

Determinism: boxes get ids in the order of a breadth-first walk from the outputs (given
order, then `next_functions` in order): `op0, op1, ...` for nodes, `t0, ...` for tensors,
`c0, ...` for constants, `s0, ...` for saved tensors. `id()` is used only to look tensors
up while walking, never in the result, so a program draws the same DOT text every run.

The result, a `GraphModel`, holds only text and numbers (no tensors, no nodes), so a drawing
never keeps a graph's memory alive. The walk's `GraphIndex` maps the nodes to their boxes,
for the backward stepper, which needs both.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from minigrad.autograd.function import AccumulateGrad, Node
from minigrad.tensor import Tensor
from minigrad.viz.labels import short_value, value_lines

# What a tensor box is. The colour of each kind is chosen in minigrad.viz.dot.
LEAF = "leaf"                  # made by the user, requires_grad=True
PARAMETER = "parameter"        # an nn.Parameter (a leaf that a model owns)
OUTPUT = "output"              # one of the tensors passed to draw_graph
INTERMEDIATE = "intermediate"  # made by an operation inside the graph
CONSTANT = "constant"          # requires_grad=False: nothing flows back from here

# What an operation box is.
OP = "op"                      # a built-in backward node, e.g. MulBackward0
CUSTOM = "custom"              # the node of a learner's own Function, e.g. MyReluBackward
ACCUMULATE = "accumulate"      # AccumulateGrad: adds the gradient into a leaf's .grad


@dataclass
class TensorBox:
    """A tensor in the picture."""

    id: str
    kind: str
    shape: tuple
    dtype: np.dtype
    name: str | None = None
    name_given: bool = True        # False for the "output" that draw_graph writes itself
    data: list[str] | None = None  # value lines; None when the values are not known
    grad: list[str] | None = None  # lines of .grad (["None"] before backward)
    has_grad: bool = False         # whether the box has a grad row at all
    requires_grad: bool = False


@dataclass
class OpBox:
    """A backward node (a `grad_fn`, or `AccumulateGrad`)."""

    id: str
    kind: str
    name: str
    attrs: list[tuple[str, str]] = field(default_factory=list)  # what forward stored on ctx
    freed: bool = False            # backward() already freed its saved tensors


@dataclass
class SavedBox:
    """A tensor that an op saved for backward (what its backward will read)."""

    id: str
    op: str
    title: str
    shape: tuple
    dtype: np.dtype
    data: list[str]


@dataclass
class Arrow:
    """An arrow of the picture, tail -> head (the direction of the forward pass).

    kind "data": a tensor flows into an op (key = (op id, input index) names the
    `next_functions` slot it stands for); "made": an op made a tensor; "saved": an op
    keeps a tensor for backward; "cut": a constant was detached from a graph tensor;
    "folded": the input comes from the part of the graph that `max_nodes` left out.
    """

    tail: str
    head: str
    kind: str
    key: tuple[str, int] | None = None
    label: str | None = None


@dataclass
class Folded:
    """The part of a big graph that is not drawn, as one summary box."""

    id: str
    count: int
    by_name: list[tuple[str, int]]
    max_nodes: int


@dataclass
class GraphModel:
    """Everything a picture shows, in drawing order; plain data, safe to keep."""

    tensors: list[TensorBox] = field(default_factory=list)
    ops: list[OpBox] = field(default_factory=list)
    saved: list[SavedBox] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    folded: Folded | None = None
    order: list[str] = field(default_factory=list)  # every box id, in the order found

    def boxes(self) -> dict:
        """Every box by its id."""
        return {box.id: box for box in (*self.tensors, *self.ops, *self.saved)}

    def box(self, box_id: str):
        """The box with this id."""
        return self.boxes()[box_id]


@dataclass
class GraphIndex:
    """Where each backward node and tensor of the learner's graph is in the picture."""

    op_id: dict            # Node -> op box id
    made_box: dict         # (Node, output_nr) -> tensor box id of that output
    leaf_box: dict         # AccumulateGrad node -> the leaf's tensor box id
    output_boxes: list     # tensor box id of each output, in the order given


def normalize_names(names) -> dict[str, Tensor]:
    """Check `names` and return it as a dict name -> tensor.

    Accepts a dict (`{"x": x}`, or `dict(model.named_parameters())`) or anything with
    `named_parameters()` (a Module).
    """
    if names is None:
        return {}
    if hasattr(names, "named_parameters") and not isinstance(names, Mapping):
        names = dict(names.named_parameters())
    if not isinstance(names, Mapping):
        raise TypeError(
            f"names must be a dict from name to tensor, like names={{'x': x}}, "
            f"not {type(names).__name__}."
        )
    result = {}
    for key, value in names.items():
        if isinstance(key, Tensor):
            raise TypeError(
                "names maps each name to its tensor: write names={'x': x}, not {x: 'x'}."
            )
        if not isinstance(value, Tensor):
            raise TypeError(
                f"names[{key!r}] is a {type(value).__name__}, not a tensor: names maps a "
                "name to a tensor, like names={'x': x}."
            )
        result[str(key)] = value
    return result


def is_parameter(tensor: Tensor) -> bool:
    """Whether a tensor is an nn.Parameter (checked by class name: viz does not need nn)."""
    return any(cls.__name__ == "Parameter" for cls in type(tensor).__mro__)


def _shares_memory(a: np.ndarray, b: np.ndarray) -> bool:
    if a is b:
        return True
    if a.size == 0 or b.size == 0 or not np.may_share_memory(a, b):
        return False
    try:
        return bool(np.shares_memory(a, b, max_work=10_000))
    except np.exceptions.TooHardError:
        return True  # the bounds overlap and numpy cannot say quickly: assume they share


class _Walk:
    """One breadth-first walk from the outputs; see the module docstring."""

    def __init__(self, names: dict[str, Tensor], max_nodes: int | None) -> None:
        self.model = GraphModel()
        self.index = GraphIndex({}, {}, {}, [])
        self.max_nodes = max_nodes
        self.names = names
        self.name_of = {}        # id(tensor) -> name (lookups only; never drawn)
        self.named_made = {}     # (node, output_nr) -> named tensor with that grad_fn
        for name, tensor in names.items():
            self.name_of.setdefault(id(tensor), name)
            if tensor.grad_fn is not None:
                self.named_made.setdefault((tensor.grad_fn, tensor._output_nr), tensor)
        self.keep = []           # tensors whose id() is a key below stay alive meanwhile
        self.tensor_box = {}     # id(tensor) -> box id, for leaves and constants
        self.box_tensor = {}     # box id -> the tensor it shows, where known
        self.queue = deque()
        self.folded = {}         # nodes left out by max_nodes (a dict keeps their order)
        self.folded_into = []    # (op id, input index) of arrows from the folded part
        self.counters = Counter()

    def _new_id(self, prefix: str) -> str:
        """'t0', 't1', ...: ids numbered per kind of box, in the order boxes are found."""
        number = self.counters[prefix]
        self.counters[prefix] += 1
        self.model.order.append(f"{prefix}{number}")
        return f"{prefix}{number}"

    # -- boxes ------------------------------------------------------------------------------

    def _tensor(self, prefix: str, kind: str, tensor: Tensor | None, shape, dtype,
                name: str | None = None, show_values: bool = True) -> TensorBox:
        box = TensorBox(
            id=self._new_id(prefix),
            kind=kind, shape=tuple(shape), dtype=np.dtype(dtype), name=name,
        )
        if tensor is not None:
            box.requires_grad = tensor.requires_grad
            if show_values:
                box.data = value_lines(tensor.array)
            if tensor.requires_grad and (tensor.grad_fn is None or tensor._retains_grad):
                box.has_grad = True
                grad = tensor._grad
                box.grad = ["None"] if grad is None else value_lines(grad.array)
            self.box_tensor[box.id] = tensor
        self.model.tensors.append(box)
        return box

    def leaf(self, tensor: Tensor) -> str:
        """The box of a leaf tensor (drawn once however often it is used)."""
        key = id(tensor)
        if key not in self.tensor_box:
            if tensor.requires_grad:
                kind = PARAMETER if is_parameter(tensor) else LEAF
                box = self._tensor("t", kind, tensor, tensor.shape, tensor.dtype,
                                   self.name_of.get(key))
            else:
                box = self._tensor("c", CONSTANT, tensor, tensor.shape, tensor.dtype,
                                   self.name_of.get(key))
            self.tensor_box[key] = box.id
            self.keep.append(tensor)
        return self.tensor_box[key]

    def made(self, node: Node, nr: int, tensor: Tensor | None = None) -> str:
        """The box of output `nr` of `node`, with an arrow from the node that made it."""
        key = (node, nr)
        if key not in self.index.made_box:
            named = self.named_made.get(key)
            alive = node._output_refs[nr]() if nr < len(node._output_refs) else None
            tensor = named if named is not None else (tensor if tensor is not None else alive)
            name = self.name_of.get(id(named)) if named is not None else None
            shape, dtype = node._output_meta[nr]
            box = self._tensor("t", INTERMEDIATE, tensor, shape, dtype, name,
                               show_values=named is not None)
            box.requires_grad = True
            self.index.made_box[key] = box.id
            self.model.arrows.append(Arrow(self.index.op_id[node], box.id, "made"))
        return self.index.made_box[key]

    def constant_input(self, node: Node, i: int) -> str:
        """The box of input `i` of `node`, which needs no gradient."""
        # The node keeps its constant inputs for drawing (Function._record): numbers (0-d)
        # themselves, other tensors as (weak reference, shape, dtype), so that a tensor the
        # learner no longer holds is drawn from its shape.
        kept = node._constant_refs[i]
        if isinstance(kept, Tensor):
            return self.leaf(kept)
        ref, shape, dtype = kept
        tensor = ref()
        if tensor is not None:
            return self.leaf(tensor)
        return self._tensor("c", CONSTANT, None, shape, dtype).id

    def op(self, node: Node, root: bool = False) -> str | None:
        """The box of a backward node, queued for walking; None if max_nodes is reached.

        The node that made an output (`root`) is always drawn, whatever max_nodes says.
        """
        if node in self.index.op_id:
            return self.index.op_id[node]
        if not root:
            if node in self.folded:
                return None
            if self.max_nodes is not None and len(self.model.ops) >= self.max_nodes:
                self.folded[node] = None
                return None
        self.folded.pop(node, None)
        box = OpBox(id=self._new_id("op"), kind=_op_kind(node), name=node.name())
        if box.kind != ACCUMULATE:  # what forward stored on ctx; None and False say little
            box.attrs = [(k, short_value(v)) for k, v in vars(node).items()
                         if not k.startswith("_") and v is not None and v is not False]
        box.freed = bool(node._freed)
        self.model.ops.append(box)
        self.index.op_id[node] = box.id
        self.queue.append(node)
        if isinstance(node, AccumulateGrad):
            leaf = self.leaf(node.variable)
            self.index.leaf_box[node] = leaf
            # In backward, this is where AccumulateGrad hands the gradient to the leaf.
            self.model.arrows.append(Arrow(leaf, box.id, "data", key=(box.id, 0)))
        return box.id

    # -- the walk ---------------------------------------------------------------------------

    def add_root(self, tensor: Tensor) -> str:
        """Start the walk at a tensor; return its box."""
        if tensor.grad_fn is not None:
            self.op(tensor.grad_fn, root=True)
            return self.made(tensor.grad_fn, tensor._output_nr, tensor)
        return self.leaf(tensor)

    def run(self) -> None:
        while self.queue:
            node = self.queue.popleft()
            if isinstance(node, AccumulateGrad):
                continue
            op_id = self.index.op_id[node]
            for i, (child, nr) in enumerate(node.next_functions):
                if child is None:
                    tail = self.constant_input(node, i)
                elif self.op(child) is None:
                    self.folded_into.append((op_id, i))
                    continue
                elif isinstance(child, AccumulateGrad):
                    tail = self.index.op_id[child]
                else:
                    tail = self.made(child, nr)
                self.model.arrows.append(Arrow(tail, op_id, "data", key=(op_id, i)))

    def fold(self) -> None:
        """Count what max_nodes left out, and draw it as one summary box."""
        if not self.folded:
            return
        counts = Counter()
        seen = dict(self.folded)
        stack = list(self.folded)
        while stack:
            node = stack.pop()
            counts[node.name()] += 1
            for child, _ in node.next_functions:
                if child is not None and child not in seen and child not in self.index.op_id:
                    seen[child] = None
                    stack.append(child)
        by_name = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        self.model.folded = Folded("more", sum(counts.values()), by_name, self.max_nodes)
        self.model.order.append("more")
        for op_id, i in self.folded_into:
            self.model.arrows.append(Arrow("more", op_id, "folded", key=(op_id, i)))

    def find_cuts(self) -> None:
        """Mark constants that share memory with a tensor of the graph: they were cut from it.

        A named tensor that is not drawn yet but that a drawn constant was detached from
        (`u = y.detach()` with y named) is drawn too, with its history, so the cut shows.
        """
        for box in list(self.model.tensors):
            constant = self.box_tensor.get(box.id)
            if box.kind != CONSTANT or constant is None:
                continue
            source = self._cut_source(constant)
            if source is None:
                continue
            if source.grad_fn is not None and (source.grad_fn, source._output_nr) in \
                    self.index.made_box:
                source_id = self.index.made_box[(source.grad_fn, source._output_nr)]
            else:
                source_id = self.add_root(source)
                self.run()
            label = "detach()" if constant._version_box is source._version_box else "cut"
            self.model.arrows.append(Arrow(source_id, box.id, "cut", label=label))

    def _cut_source(self, constant: Tensor) -> Tensor | None:
        """The tensor of the graph (drawn, or named) whose memory `constant` shares."""
        candidates = [t for t in self.box_tensor.values() if t.requires_grad]
        candidates += [t for t in self.names.values() if t.requires_grad]
        for test in (
            lambda t: t.array is constant.array,
            lambda t: t._version_box is constant._version_box,
            lambda t: _shares_memory(t.array, constant.array),
        ):
            for tensor in candidates:
                if test(tensor):
                    return tensor
        return None

    def saved_tensors(self) -> None:
        """One orange box per tensor a drawn node saved for backward."""
        for node, op_id in self.index.op_id.items():
            if isinstance(node, AccumulateGrad):
                continue
            for tensor in node.peek_saved():
                if tensor is None:
                    continue
                box = SavedBox(
                    id=self._new_id("s"), op=op_id, title=self._saved_title(node, tensor),
                    shape=tuple(tensor.shape), dtype=tensor.dtype, data=value_lines(tensor.array),
                )
                self.model.saved.append(box)
                self.model.arrows.append(Arrow(box.id, op_id, "saved"))

    def _saved_title(self, node: Node, tensor: Tensor) -> str:
        name = self.name_of.get(id(tensor))
        if name is None and tensor.grad_fn is not None:
            named = self.named_made.get((tensor.grad_fn, tensor._output_nr))
            name = self.name_of.get(id(named)) if named is not None else None
        if name is not None:
            return f"saved {name}"
        if tensor.grad_fn is node:
            return "saved: its output"
        return "saved"


def _op_kind(node: Node) -> str:
    if isinstance(node, AccumulateGrad):
        return ACCUMULATE
    function = getattr(node, "_forward_cls", None)
    module = getattr(function, "__module__", "") or ""
    return OP if module == "minigrad" or module.startswith("minigrad.") else CUSTOM


def walk(outputs, names=None, max_nodes: int | None = 80) -> tuple[GraphModel, GraphIndex]:
    """Walk the graph behind `outputs`: what to draw (GraphModel) and where (GraphIndex)."""
    if not outputs:
        raise TypeError("draw_graph() needs at least one tensor to draw, e.g. draw_graph(y).")
    for i, output in enumerate(outputs):
        if not isinstance(output, Tensor):
            hint = " Pass tensors as separate arguments: draw_graph(y, z)." \
                if isinstance(output, (list, tuple)) else ""
            raise TypeError(f"output {i} is a {type(output).__name__}, not a tensor.{hint}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)
                                  or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None (no limit), got {max_nodes!r}")
    names = normalize_names(names)
    w = _Walk(names, max_nodes)
    for i, output in enumerate(outputs):
        box_id = w.add_root(output)
        w.index.output_boxes.append(box_id)
        box = w.model.box(box_id)
        if box.kind == INTERMEDIATE:
            box.kind = OUTPUT
        if box.name is None:
            box.name = "output" if len(outputs) == 1 else f"output {i + 1}"
            box.name_given = False
        if box.data is None:
            box.data = value_lines(output.array)
    w.run()
    w.find_cuts()
    w.fold()
    w.saved_tensors()
    return w.model, w.index
