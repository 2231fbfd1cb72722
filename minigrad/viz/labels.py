"""The text inside a drawn node: shapes, dtypes and short previews of a tensor's values.

A graph is read at a glance, so a node shows a tensor's values only while they fit in a
few short lines, printed by the same rules as `print(tensor)` (`[6., 8.]`, `1.5000`). A
bigger tensor is summarised as `min … mean … max`: its shape is already in the node's
header, and a wall of digits would hide the structure of the graph.

Only ASCII is written into labels: Graphviz measures text to size the boxes, and the
pip-installed `graphviz-pure` knows the widths of ASCII characters only (it warns about
others, and the warning would appear under the learner's cell).
"""

from __future__ import annotations

import html

import numpy as np

from minigrad import dtypes
from minigrad._formatting import _format_array, _Formatter

#: A tensor is shown in full when it has at most this many elements ...
MAX_ELEMENTS = 16
#: ... and its printout fits in this many lines of at most this many characters.
MAX_LINES = 4
MAX_LINE_CHARS = 44


def shape_text(shape) -> str:
    """'[2, 3]' as `x.shape` prints it (minigrad.Size([2, 3])), or 'scalar' for shape ()."""
    if len(shape) == 0:
        return "scalar"
    return "[" + ", ".join(str(int(n)) for n in shape) + "]"


def dtype_text(dtype) -> str:
    """'float32', the dtype's name without the 'minigrad.' prefix."""
    dtype = np.dtype(dtype)
    return dtypes.NAMES.get(dtype, str(dtype))


def describe(shape, dtype) -> str:
    """'[2, 3] float32': what a tensor is, without its values."""
    return f"{shape_text(shape)} {dtype_text(dtype)}"


def value_lines(array: np.ndarray) -> list[str]:
    """The values of a small tensor as printed by minigrad, or a one-line summary.

    >>> value_lines(np.array([6.0, 8.0], dtype=np.float32))
    ['[6., 8.]']
    >>> value_lines(np.arange(100, dtype=np.float32))
    ['min 0  mean 49.5  max 99']
    """
    array = np.asarray(array)
    if array.size == 0:
        return ["(empty)"]
    if array.size <= MAX_ELEMENTS:
        formatter = _Formatter(array.ravel())
        lines = _format_array(array, formatter, indent=0, summarize=False).split("\n")
        lines = [line.rstrip() for line in lines if line.strip()]
        if len(lines) <= MAX_LINES and all(len(line) <= MAX_LINE_CHARS for line in lines):
            return lines
    return [summary(array)]


def summary(array: np.ndarray) -> str:
    """'min -1.2  mean 0.0312  max 2.5' (three significant digits), for big tensors."""
    if array.dtype.kind == "b":
        return f"{int(array.sum())} of {array.size} True"
    values = array.astype(np.float64)
    finite = values[np.isfinite(values)]
    notes = []
    if finite.size < values.size:
        nans = int(np.isnan(values).sum())
        infs = values.size - finite.size - nans
        notes += [f"{nans} nan"] if nans else []
        notes += [f"{infs} inf"] if infs else []
    if finite.size == 0:
        return "  ".join(notes)
    low, mean, high = (_number(v) for v in (finite.min(), finite.mean(), finite.max()))
    return "  ".join([f"min {low}  mean {mean}  max {high}"] + notes)


def _number(value: float) -> str:
    text = f"{value:.3g}"
    return "0" if text == "-0" else text


def escape(text: str) -> str:
    """Text made safe for a Graphviz HTML-like label (&, <, > and quotes escaped)."""
    return html.escape(str(text), quote=True)


def html_lines(lines: list[str]) -> str:
    """Escaped lines joined by left-aligned line breaks, keeping the printout's indentation."""
    return '<BR ALIGN="LEFT"/>'.join(escape(line) for line in lines) + '<BR ALIGN="LEFT"/>'


def short_value(value) -> str:
    """A number, string or small tuple stored on ctx (e.g. 'exponent = 2'), kept short."""
    if isinstance(value, np.ndarray):
        return f"array {shape_text(value.shape)}"
    if hasattr(value, "array") and hasattr(value, "grad_fn"):  # a Tensor
        return f"tensor {shape_text(value.shape)}"
    if isinstance(value, tuple):
        value = tuple(value)  # a Size prints as minigrad.Size([3]); here (3,) is enough
    if isinstance(value, (bool, int, float, str, np.number, type(None))):
        text = repr(value.item() if isinstance(value, np.number) else value)
    elif isinstance(value, (tuple, list)) and len(value) <= 6 and all(
        isinstance(v, (bool, int, float, str, np.number, type(None))) for v in value
    ):
        text = repr(type(value)(v.item() if isinstance(v, np.number) else v for v in value))
    elif callable(value):
        text = getattr(value, "__name__", type(value).__name__)
    else:
        text = type(value).__name__
    return text if len(text) <= 30 else text[:27] + "..."
