"""Print tensors as PyTorch prints them, so a learner's output matches PyTorch's.

The rules (PyTorch's `_tensor_str`): if every finite value is a whole number, print them
as `6.`; otherwise with four decimals, `1.5000`; switch to scientific notation `1.0000e-05`
when the values span more than three orders of magnitude or are very large or small.
Only the nonzero finite values decide the format and the width: zeros, `nan` and `inf`
follow along. All elements share one width, so columns line up. Over 1000 elements,
only the first and last three along each dimension are shown, with `...` between.
Suffixes such as `requires_grad=True` follow the values, on a new line when the last line
would grow longer than 80 characters.
"""

from __future__ import annotations

import numpy as np

from minigrad.dtypes import NAMES, float32

THRESHOLD = 1000
EDGE_ITEMS = 3
LINE_WIDTH = 80


def _summarized(array: np.ndarray) -> np.ndarray:
    """The elements that will be shown when summarizing: the edges along each dimension."""
    if array.ndim == 0:
        return array.ravel()
    if array.ndim == 1:
        if array.shape[0] > 2 * EDGE_ITEMS:
            return np.concatenate([array[:EDGE_ITEMS], array[-EDGE_ITEMS:]])
        return array
    rows = list(array)
    if len(rows) > 2 * EDGE_ITEMS:
        rows = rows[:EDGE_ITEMS] + rows[-EDGE_ITEMS:]
    return np.concatenate([_summarized(row) for row in rows])


class _Formatter:
    """Chooses one format for every element of a tensor, as PyTorch's _Formatter does."""

    def __init__(self, values: np.ndarray) -> None:
        self.kind = values.dtype.kind
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if self.kind in "biu":
            strings = [self.format(v, pad=False) for v in values.tolist()]
            self.max_width = max((len(s) for s in strings), default=1)
            return
        values = values.astype(np.float64)
        nonzero_finite = values[np.isfinite(values) & (values != 0)]
        if nonzero_finite.size == 0:
            return  # only zeros, nan and inf: print them as whole numbers, unpadded
        magnitudes = np.abs(nonzero_finite)
        high, low = magnitudes.max(), magnitudes.min()
        self.int_mode = bool(np.all(np.ceil(nonzero_finite) == nonzero_finite))
        self.sci_mode = bool(high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4)
        self.max_width = max(len(self.format(v, pad=False)) for v in nonzero_finite.tolist())

    def format(self, value, pad: bool = True) -> str:
        if self.kind == "b":
            text = str(bool(value))
        elif self.kind in "iu":
            text = str(int(value))
        elif not np.isfinite(value):
            text = "nan" if value != value else ("inf" if value > 0 else "-inf")
        elif self.sci_mode:
            text = f"{value:.4e}"
        elif self.int_mode:
            text = f"{value:.0f}."
        else:
            text = f"{value:.4f}"
        return text.rjust(self.max_width) if pad else text


def _format_array(array: np.ndarray, fmt: _Formatter, indent: int, summarize: bool) -> str:
    if array.ndim == 0:
        return fmt.format(array.item())
    if array.ndim == 1:
        items = array.tolist()
        if summarize and len(items) > 2 * EDGE_ITEMS:
            texts = [fmt.format(v) for v in items[:EDGE_ITEMS]] + [" ..."]
            texts += [fmt.format(v) for v in items[-EDGE_ITEMS:]]
        else:
            texts = [fmt.format(v) for v in items]
        per_line = max(1, (LINE_WIDTH - indent) // (fmt.max_width + 2))
        lines = [", ".join(texts[i:i + per_line]) for i in range(0, len(texts), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = list(array)
    if summarize and len(rows) > 2 * EDGE_ITEMS:
        body = [_format_array(r, fmt, indent + 1, summarize) for r in rows[:EDGE_ITEMS]]
        body += ["..."]
        body += [_format_array(r, fmt, indent + 1, summarize) for r in rows[-EDGE_ITEMS:]]
    else:
        body = [_format_array(r, fmt, indent + 1, summarize) for r in rows]
    separator = "," + "\n" * (array.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(body) + "]"


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ', suffix' for each suffix, starting a new line where the line would be too long."""
    parts = [text]
    # PyTorch's count, two more than the last line's length: kept, so that a suffix moves
    # to a new line exactly where PyTorch moves it.
    last_line_length = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_length + len(suffix) + 2 > LINE_WIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line_length = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_length += len(suffix) + 2
    return "".join(parts) + ")"


def format_tensor(array: np.ndarray, suffixes: list[str], prefix: str = "tensor(") -> str:
    """The full repr: 'tensor(' + values + suffixes such as 'requires_grad=True' + ')'."""
    if array.size == 0:
        values = "[]"
        extra = [] if array.ndim == 1 else [f"size={tuple(array.shape)}"]
        # With no values to show whether they are whole numbers, any dtype but the
        # default float is named, int64 too.
        if array.dtype != float32 and not any(s.startswith("dtype=") for s in suffixes):
            extra.append(f"dtype=minigrad.{NAMES.get(array.dtype, str(array.dtype))}")
        suffixes = extra + suffixes
    else:
        summarize = array.size > THRESHOLD
        fmt = _Formatter(_summarized(array) if summarize else array.ravel())
        values = _format_array(array, fmt, len(prefix), summarize)
    return _add_suffixes(prefix + values, suffixes, len(prefix))
