"""Where does the time go, and what does a graph hold? An op profiler and a graph census.

    with minigrad.profiler.profile() as prof:
        loss = model(x).sum()
        loss.backward()
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))

Like `torch.profiler`, it counts calls and time per operation: forward ops under their
Function's name (`Mul`), backward under their node's name (`MulBackward0`). "Self" time
excludes the ops an op called (a backward calls forward ops to compute its gradients);
"total" includes them.

The profiler wraps `Function.apply`, `Node.apply` and the in-place update that nothing
records (`p -= lr * p.grad` under no_grad, shown as `sub_`) only while a profile is open,
so minigrad pays nothing for it the rest of the time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from minigrad.autograd.engine import topological_order
from minigrad.autograd.function import Function, Node
from minigrad.tensor import _InplaceUfunc


@dataclass
class OpStats:
    """Calls and time (seconds) of one operation over a profile."""

    name: str
    calls: int = 0
    self_time: float = 0.0
    total_time: float = 0.0

    @property
    def average_time(self) -> float:
        return self.total_time / self.calls if self.calls else 0.0

    @property
    def key(self) -> str:
        """PyTorch's name for `name` (a key_averages() row is a FunctionEventAvg)."""
        return self.name

    @property
    def count(self) -> int:
        """PyTorch's name for `calls`."""
        return self.calls


class ProfileTable(list):
    """The rows of a profile, one OpStats per operation name."""

    _SORT_KEYS = {
        "cpu_time_total": lambda s: s.total_time,
        "self_cpu_time_total": lambda s: s.self_time,
        "count": lambda s: s.calls,
        "calls": lambda s: s.calls,
    }

    def table(self, sort_by: str = "cpu_time_total", row_limit: int | None = None) -> str:
        """A text table, largest first, as torch.profiler's key_averages().table()."""
        if sort_by not in self._SORT_KEYS:
            raise ValueError(f"sort_by must be one of {sorted(self._SORT_KEYS)}, got {sort_by!r}")
        rows = sorted(self, key=self._SORT_KEYS[sort_by], reverse=True)[:row_limit]
        total_self = sum(s.self_time for s in self) or 1.0
        name_width = max([len("Name")] + [len(s.name) for s in rows])
        header = (f"{'Name':<{name_width}}  {'Self %':>7}  {'Self':>10}  {'Total':>10}  "
                  f"{'Avg':>10}  {'Calls':>7}")
        lines = [header, "-" * len(header)]
        for s in rows:
            lines.append(
                f"{s.name:<{name_width}}  {100 * s.self_time / total_self:>6.1f}%  "
                f"{_duration(s.self_time):>10}  {_duration(s.total_time):>10}  "
                f"{_duration(s.average_time):>10}  {s.calls:>7}"
            )
        lines.append("-" * len(header))
        lines.append(f"Self time total: {_duration(sum(s.self_time for s in self))}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _duration(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds * 1e6:.1f} us"


class profile:
    """Context manager that times every forward op and every backward node run inside it."""

    _active: profile | None = None

    def __init__(self) -> None:
        self._stats: dict[str, OpStats] = {}
        self._stack: list[list] = []  # [name, start, time spent in children]

    def __enter__(self) -> profile:
        if profile._active is not None:
            raise RuntimeError("a minigrad profile is already running; profiles do not nest")
        profile._active = self
        self._original_function_apply = Function.__dict__["apply"]
        self._original_node_apply = Node.apply
        original_forward = self._original_function_apply.__func__
        original_backward = self._original_node_apply
        timed = self._timed

        def function_apply(cls, *args, **kwargs):
            return timed(cls.__name__, original_forward, cls, *args, **kwargs)

        def node_apply(node, *grads):
            return timed(node.name(), original_backward, node, *grads)

        def inplace_apply(op, a, b):  # `p -= lr * g` under no_grad: PyTorch's aten::sub_
            return timed(op.__name__.lower() + "_", original_inplace, op, a, b)

        self._original_inplace_apply = original_inplace = _InplaceUfunc.apply
        Function.apply = classmethod(function_apply)
        Node.apply = node_apply
        _InplaceUfunc.apply = inplace_apply
        return self

    def __exit__(self, *exc) -> None:
        Function.apply = self._original_function_apply
        Node.apply = self._original_node_apply
        _InplaceUfunc.apply = self._original_inplace_apply
        profile._active = None

    def _timed(self, name, call, *args, **kwargs):
        """Run call(*args, **kwargs), adding its time to `name`'s row.

        Its time also counts as time spent in children for the op that called it (the frame
        below on the stack), whose self time is then its total minus that.
        """
        frame = [name, time.perf_counter(), 0.0]
        self._stack.append(frame)
        try:
            return call(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - frame[1]
            self._stack.pop()
            if self._stack:
                self._stack[-1][2] += elapsed
            stats = self._stats.get(name)
            if stats is None:
                stats = self._stats[name] = OpStats(name)
            stats.calls += 1
            stats.total_time += elapsed
            stats.self_time += elapsed - frame[2]

    def key_averages(self) -> ProfileTable:
        """One row per operation name, in the order the operations first finished."""
        return ProfileTable(self._stats.values())


@dataclass(frozen=True)
class GraphStats:
    """What a graph keeps alive: its nodes and the arrays they saved for backward."""

    nodes: int
    saved_tensors: int
    saved_bytes: int

    def __str__(self) -> str:
        return (f"{self.nodes} nodes, {self.saved_tensors} saved tensors, "
                f"{self.saved_bytes:,} bytes saved")


def graph_stats(*outputs) -> GraphStats:
    """Count the nodes behind `outputs` and the bytes of the tensors they saved.

    An array saved by several nodes (or twice by one) is counted once. After backward
    (without retain_graph) the saved tensors are freed, and the count drops to zero.
    """
    roots = [t.grad_fn for t in outputs if t.grad_fn is not None]
    nodes = topological_order(roots)
    arrays = {}
    for node in nodes:
        for tensor in node.peek_saved():
            if tensor is not None:
                arrays.setdefault(id(tensor.array), tensor.array)
    saved_bytes = sum(a.nbytes for a in arrays.values())
    return GraphStats(len(nodes), len(arrays), saved_bytes)
