"""Turn a GraphModel into DOT source: colours, labels, the legend, and the backward overlay.

Colours follow torchviz, the tool a learner meets next in PyTorch (leaves light blue,
saved tensors orange, backward nodes grey), and give each other kind of box its own:

    leaf (requires_grad)   light blue      output                  green
    parameter              lavender        tensor made by an op    white
    needs no gradient      grey, dashed    backward node           grey box
    custom Function node   yellow box      saved for backward      orange
    cut by detach()        red dashed line

Boxes are HTML-like tables, which Graphviz and graphviz-pure lay out the same way whatever
the direction (a `record`'s fields would turn sideways when rankdir changes).

The backward stepper draws the same picture with an `Overlay`: the node running now in
red, the gradients sent so far written on the arrows they travel (those sent now in red,
pointing backwards), and each tensor's gradient as it fills in. Every step of a stepper
pads its texts to the same size, so the boxes do not move between steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from minigrad.viz.graph import (
    ACCUMULATE,
    CONSTANT,
    CUSTOM,
    INTERMEDIATE,
    LEAF,
    OP,
    OUTPUT,
    PARAMETER,
    GraphModel,
    OpBox,
    SavedBox,
    TensorBox,
)
from minigrad.viz.labels import describe, dtype_text, escape, html_lines, shape_text

DIRECTIONS = ("LR", "TB", "RL", "BT")

FONT = "Helvetica"     # Graphviz and graphviz-pure both know its metrics
MONO = "Courier"       # values line up in columns, as print(tensor) shows them

# kind: (fill, border, legend text)
TENSOR_STYLE = {
    LEAF: ("#add8e6", "#3d6f8e", "leaf (requires_grad=True)"),
    PARAMETER: ("#d7c8f2", "#6a4c9c", "parameter (nn.Parameter)"),
    OUTPUT: ("#caff70", "#4f7a16", "output"),
    INTERMEDIATE: ("#ffffff", "#7f7f7f", "tensor made by an op"),
    CONSTANT: ("#ececec", "#7f7f7f", "needs no gradient"),
}
OP_STYLE = {
    OP: ("#d9d9d9", "#595959", "backward node (grad_fn)"),
    ACCUMULATE: ("#d9d9d9", "#595959", "AccumulateGrad: adds into leaf .grad"),
    CUSTOM: ("#fff0a0", "#8a7400", "custom Function's node"),
}
SAVED_STYLE = ("#ffc870", "#b36b00", "saved for backward")

# What a box is, shown when the mouse rests on it (instead of the box's id, e.g. "op3").
TENSOR_TIPS = {
    LEAF: "a leaf: made by you with requires_grad=True; backward() fills its .grad",
    PARAMETER: "a parameter (nn.Parameter): a leaf of a model; backward() fills its .grad",
    OUTPUT: "an output: backward() starts here",
    INTERMEDIATE: "a tensor made by an operation: the arrow into it comes from that "
                  "operation's backward node (its grad_fn)",
    CONSTANT: "needs no gradient (requires_grad=False): no gradient flows back from here",
}
OP_TIPS = {
    OP: "{name}: the grad_fn of the tensor it made; backward() runs it to send gradients to "
        "its inputs",
    ACCUMULATE: "AccumulateGrad: adds the gradient it receives into its leaf's .grad",
    CUSTOM: "{name}: the node of a custom Function; backward() runs the Function's backward",
}
SAVED_TIP = "a tensor this node saved in forward, for its backward to read"
CUT_COLOR = "#c0392b"
RUNNING = ("#ffb3b3", "#d62728")   # the node running now: fill, border
DONE_FILL = "#f2f2f2"              # nodes that already ran
SENT_NOW = "#d62728"               # gradients sent at this step
SENT_BEFORE = "#7f7f7f"            # gradients sent at earlier steps


@dataclass
class Options:
    """What one panel shows (see draw_graph for each option)."""

    show_data: bool = True
    show_grad: bool = True
    show_saved: bool = False


@dataclass
class Overlay:
    """The state of the backward pass at one step, drawn over the picture."""

    running: str | None = None                        # op box id running now
    done: tuple = ()                                  # op box ids that already ran
    grads: dict = field(default_factory=dict)         # tensor box id -> gradient lines
    changed: tuple = ()                               # tensor boxes whose grad changed now
    flows: dict = field(default_factory=dict)         # (op id, input) -> gradient lines sent
    sent_now: tuple = ()                              # the (op id, input) keys sent now
    widths: dict = field(default_factory=dict)        # box id or key -> (lines, chars) to pad


@dataclass
class Panel:
    """One graph in a picture (side_by_side draws several)."""

    model: GraphModel
    options: Options
    title: str | None = None
    overlay: Overlay | None = None


# -- labels ------------------------------------------------------------------------------------


def _pad(lines: list[str], size: tuple[int, int] | None) -> list[str]:
    """Pad lines with spaces to (count, width), so a box keeps its size across steps."""
    if size is None:
        return lines
    count, width = size
    lines = list(lines) + [""] * max(0, count - len(lines))
    return [line.ljust(width) for line in lines]


def _value_row(title: str, lines: list[str], colour: str = "#000000", bold: bool = False) -> str:
    text = html_lines(lines)
    if bold:
        text = f"<B>{text}</B>"
    return (
        f'<TR><TD ALIGN="LEFT" VALIGN="TOP"><FONT POINT-SIZE="9" COLOR="#4d4d4d">{title}</FONT>'
        f'</TD><TD ALIGN="LEFT" BALIGN="LEFT"><FONT FACE="{MONO}" POINT-SIZE="10" '
        f'COLOR="{colour}">{text}</FONT></TD></TR>'
    )


def _short_describe(box: TensorBox) -> str:
    shape = shape_text(box.shape)
    return shape if box.dtype == np.float32 else f"{shape} {dtype_text(box.dtype)}"


def tensor_label(box: TensorBox, options: Options, overlay: Overlay | None) -> str:
    fill, border, _ = TENSOR_STYLE[box.kind]
    border_width = 1
    style = "rounded,dashed" if box.kind == CONSTANT else "rounded"
    rows = []
    if box.name is not None:
        shape = escape(describe(box.shape, box.dtype))
        header = f'<B>{escape(box.name)}</B>  <FONT POINT-SIZE="9" COLOR="#333333">{shape}</FONT>'
    else:
        # Unnamed tensors are told apart by their shape; like print(tensor), their dtype is
        # written only when it is not the default float32.
        shape = escape(_short_describe(box))
        header = f'<FONT POINT-SIZE="10">{shape}</FONT>'
        if box.kind == CONSTANT:
            header = f'<B>constant</B>  <FONT POINT-SIZE="9" COLOR="#333333">{shape}</FONT>'
    scalar_constant = box.kind == CONSTANT and box.name is None and box.shape == () \
        and box.data is not None and options.show_data
    if scalar_constant:  # a number such as the 2 in 2 * x: its value says it all
        rows.append(
            f'<TR><TD ALIGN="LEFT"><FONT FACE="{MONO}" POINT-SIZE="10">'
            f'{html_lines(box.data)}</FONT></TD></TR>'
        )
    else:
        rows.append(f'<TR><TD ALIGN="LEFT" COLSPAN="2">{header}</TD></TR>')
    if options.show_data and box.data is not None and not scalar_constant:
        rows.append(_value_row("data", box.data))
    if overlay is not None and box.requires_grad and options.show_grad:
        changed = box.id in overlay.changed
        lines = _pad(overlay.grads.get(box.id, ["-"]), overlay.widths.get(box.id))
        rows.append(_value_row("grad", lines, SENT_NOW if changed else "#000000", bold=changed))
        if changed:
            border, border_width = SENT_NOW, 3
    elif options.show_grad and box.has_grad:
        rows.append(_value_row("grad", box.grad))
    return (
        f'<<TABLE BORDER="{border_width}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" '
        f'BGCOLOR="{fill}" COLOR="{border}" STYLE="{style}">{"".join(rows)}</TABLE>>'
    )


def op_attributes(box: OpBox, options: Options, overlay: Overlay | None) -> str:
    fill, border, _ = OP_STYLE[box.kind]
    pen = 1
    if overlay is not None and box.id == overlay.running:
        fill, border = RUNNING
        pen = 3
    elif overlay is not None and box.id in overlay.done:
        fill = DONE_FILL
    label = escape(box.name)
    notes = []
    if options.show_saved:
        notes += [f"{name} = {value}" for name, value in box.attrs]
        if box.freed:
            notes.append("saved tensors freed by backward()")
    if notes:
        small = "<BR/>".join(escape(note) for note in notes)
        label += f'<BR/><FONT POINT-SIZE="9" COLOR="#333333">{small}</FONT>'
    return (
        f'shape=box, style="rounded,filled", fillcolor="{fill}", color="{border}", '
        f"penwidth={pen}, label=<{label}>"
    )


def saved_label(box: SavedBox) -> str:
    fill, border, _ = SAVED_STYLE
    shape = escape(describe(box.shape, box.dtype))
    return (
        f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" BGCOLOR="{fill}" '
        f'COLOR="{border}" STYLE="rounded"><TR><TD ALIGN="LEFT" COLSPAN="2"><B>'
        f'{escape(box.title)}</B>  <FONT POINT-SIZE="9" COLOR="#333333">{shape}</FONT></TD></TR>'
        f'{_value_row("data", box.data)}</TABLE>>'
    )


def folded_label(model: GraphModel) -> str:
    folded = model.folded
    lines = [f"<B>... {folded.count} more backward nodes, not drawn</B>"]
    shown = folded.by_name[:4]
    lines += [f"{escape(name)} x {count}" for name, count in shown]
    if len(folded.by_name) > len(shown):
        rest = sum(count for _, count in folded.by_name[len(shown):])
        lines.append(f"and {rest} others")
    lines.append(
        f'<FONT POINT-SIZE="9">max_nodes={folded.max_nodes}: draw_graph(..., '
        "max_nodes=None) draws all</FONT>"
    )
    return "<" + "<BR/>".join(lines) + ">"


# -- the document ------------------------------------------------------------------------------


def _flow_label(lines: list[str], colour: str, bold: bool) -> str:
    text = html_lines(lines)
    if bold:
        text = f"<B>{text}</B>"
    return f'<<FONT FACE="{MONO}" POINT-SIZE="9" COLOR="{colour}">{text}</FONT>>'


def panel_statements(panel: Panel, prefix: str) -> list[str]:
    """The DOT statements of one panel: its boxes, then its arrows."""
    model, options, overlay = panel.model, panel.options, panel.overlay
    boxes = model.boxes()
    # ordering=in draws an op's inputs in the order of its arguments (x above y in x + y).
    # Not for ops that read a constant: constants are better placed wherever no arrows cross.
    constant_fed = {a.head for a in model.arrows
                    if a.kind == "data" and getattr(boxes.get(a.tail), "kind", None) == CONSTANT}
    lines = []
    for box_id in model.order:
        if box_id == "more":
            lines.append(
                f'{prefix}more [shape=box, style="dashed,rounded", color="#7f7f7f", '
                f'fontcolor="#333333", fontsize=10, label={folded_label(model)}, '
                'tooltip="the part of the graph that max_nodes left out"];'
            )
            continue
        box = boxes[box_id]
        if isinstance(box, TensorBox):
            tip = TENSOR_TIPS[box.kind]
            lines.append(f'{prefix}{box.id} [label={tensor_label(box, options, overlay)}, '
                         f'tooltip="{tip}"];')
        elif isinstance(box, OpBox):
            ordering = "" if box.id in constant_fed else ", ordering=in"
            tip = OP_TIPS[box.kind].format(name=escape(box.name))
            lines.append(f"{prefix}{box.id} [{op_attributes(box, options, overlay)}{ordering}, "
                         f'tooltip="{tip}"];')
        elif options.show_saved:
            lines.append(f'{prefix}{box.id} [label={saved_label(box)}, tooltip="{SAVED_TIP}"];')
    for arrow in model.arrows:
        attributes = []
        if arrow.kind == "saved":
            if not options.show_saved:
                continue
            attributes = [f'color="{SAVED_STYLE[1]}"', "style=dashed", "arrowhead=none"]
        elif arrow.kind == "cut":
            attributes = [
                f'color="{CUT_COLOR}"', "style=dashed", "arrowhead=tee", "penwidth=1.5",
                f'label=<<FONT COLOR="{CUT_COLOR}">{escape(arrow.label)}</FONT>>',
            ]
        elif arrow.kind == "folded":
            attributes = ['style=dashed', 'color="#7f7f7f"']
        if overlay is not None and arrow.key is not None and arrow.kind != "folded":
            now = arrow.key in overlay.sent_now
            sent = overlay.flows.get(arrow.key)
            size = overlay.widths.get(arrow.key)
            if size is not None:
                colour = SENT_NOW if now else SENT_BEFORE
                attributes.append(f"label={_flow_label(_pad(sent or [''], size), colour, now)}")
            if now:
                attributes += [f'color="{SENT_NOW}"', "penwidth=2.5", "dir=back"]
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"{prefix}{arrow.tail} -> {prefix}{arrow.head}{suffix};")
    return lines


def legend_rows(panels: list[Panel], direction: str = "LR") -> list[str]:
    """The legend, as table rows: only what the picture shows, and how to read the arrows."""
    tensor_kinds = {box.kind for p in panels for box in p.model.tensors}
    op_kinds = {box.kind for p in panels for box in p.model.ops}
    chips = []
    for kind, (fill, border, text) in TENSOR_STYLE.items():
        if kind in tensor_kinds:
            style = ' STYLE="dashed"' if kind == CONSTANT else ""
            chips.append(f'<TD BGCOLOR="{fill}" COLOR="{border}" BORDER="1"{style}>{text}</TD>')
    for kind, (fill, border, text) in OP_STYLE.items():
        if kind in op_kinds:
            chips.append(f'<TD BGCOLOR="{fill}" COLOR="{border}" BORDER="1">{text}</TD>')
    if any(p.options.show_saved and p.model.saved for p in panels):
        fill, border, text = SAVED_STYLE
        chips.append(f'<TD BGCOLOR="{fill}" COLOR="{border}" BORDER="1">{text}</TD>')
    if any(arrow.kind == "cut" for p in panels for arrow in p.model.arrows):
        chips.append(
            f'<TD><FONT COLOR="{CUT_COLOR}">- - -| cut by detach(): no gradient flows back</FONT>'
            "</TD>"
        )
    if any(p.overlay is not None for p in panels):
        fill, border = RUNNING
        chips.append(f'<TD BGCOLOR="{fill}" COLOR="{border}" BORDER="2">running now</TD>')
        chips.append(f'<TD BGCOLOR="{DONE_FILL}" COLOR="#595959" BORDER="1">already ran</TD>')
        chips.append(f'<TD><FONT COLOR="{SENT_NOW}"><B>&lt;-- gradient sent now</B></FONT></TD>')
    # One grid of chips, four to a row: nested tables would be stretched to the full width.
    columns = min(4, len(chips))
    chips += ["<TD></TD>"] * (-len(chips) % columns)
    grid = "".join(
        "<TR>" + "".join(chips[i:i + columns]) + "</TR>" for i in range(0, len(chips), columns)
    )
    way = {"LR": "left to right", "TB": "top to bottom", "RL": "right to left",
           "BT": "bottom to top"}[direction]
    note = (f"Arrows show the forward pass, {way}. backward() sends gradients against them, "
            "from the output to each leaf.")
    return [
        f'<TR><TD><TABLE BORDER="0" CELLSPACING="4" CELLPADDING="3">{grid}</TABLE></TD></TR>',
        f'<TR><TD><FONT POINT-SIZE="10" COLOR="#333333">{note}</FONT></TD></TR>',
    ]


def document(panels: list[Panel], direction: str = "LR", legend: bool = True) -> str:
    """The whole DOT source: one panel, or several in clusters next to each other.

    A single graph is not put in a cluster: Graphviz keeps an op's inputs in argument order
    (ordering=in) reliably only outside clusters. Its title is written under it, above the
    legend, as the graph's own label.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'LR' (left to right) or 'TB' (top to bottom), "
                         f"got {direction!r}")
    graph = [
        f"rankdir={direction}", "bgcolor=white", f'fontname="{FONT}"',
        "fontsize=11", "nodesep=0.25", "ranksep=0.35",
    ]
    clusters = len(panels) > 1
    caption = []
    if not clusters and panels[0].title:
        caption.append(f'<TR><TD><FONT POINT-SIZE="14"><B>{escape(panels[0].title)}</B></FONT>'
                       "</TD></TR>")
    if legend:
        caption += legend_rows(panels, direction)
    if caption:
        table = ('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">'
                 + "".join(caption) + "</TABLE>")
        graph += ["labelloc=b", f"label=<{table}>"]
    lines = [
        "digraph minigrad {",
        f"  graph [{', '.join(graph)}];",
        f'  node [fontname="{FONT}", fontsize=11, shape=plain];',
        f'  edge [fontname="{FONT}", fontsize=10, color="#4d4d4d", arrowsize=0.7, '
        'tooltip="forward: data flows along the arrow; backward: its gradient flows back"];',
    ]
    # Graphviz stacks separate clusters bottom-up when rankdir is LR: list them in reverse
    # so that the first graph is drawn on top.
    numbered = list(enumerate(panels))
    if direction in ("LR", "RL"):
        numbered.reverse()
    for k, panel in numbered:
        prefix = f"g{k}_" if clusters else ""
        body = panel_statements(panel, prefix)
        if clusters:
            title = f"<<B>{escape(panel.title)}</B>>" if panel.title else '""'
            lines.append(f"  subgraph cluster_{k} {{")
            lines.append(f"    graph [label={title}, labelloc=t, fontsize=14, peripheries=0];")
            lines += [f"    {line}" for line in body]
            lines.append("  }")
        else:
            lines += [f"  {line}" for line in body]
    lines.append("}")
    return "\n".join(lines) + "\n"
