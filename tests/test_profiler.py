"""The op profiler and the graph census behind lessons 04 and 10."""

from __future__ import annotations

import pytest

import minigrad as mg
from minigrad.autograd import Function
from minigrad.profiler import graph_stats, profile


def _train_step(w, x):
    loss = (x @ w).relu().sum()
    loss.backward()
    with mg.no_grad():
        w -= 0.1 * w.grad
    w.grad = None


def test_profile_counts_forward_ops_backward_nodes_and_in_place_updates():
    x = mg.ones(4, 3)
    w = mg.ones(3, 2, requires_grad=True)
    with profile() as prof:
        for _ in range(3):
            _train_step(w, x)
    rows = {row.key: row for row in prof.key_averages()}
    assert rows["Mm"].count == 6  # x @ w, and in its backward x.T @ grad: another Mm
    assert rows["MmBackward0"].calls == 3
    assert rows["ReluBackward0"].calls == 3
    assert rows["sub_"].calls == 3  # the update under no_grad, as PyTorch's aten::sub_
    for row in rows.values():
        assert 0 <= row.self_time <= row.total_time + 1e-12


def test_self_time_excludes_the_ops_a_backward_calls():
    x = mg.ones(4, 3)
    w = mg.ones(3, 2, requires_grad=True)
    with profile() as prof:
        (x @ w).sum().backward()
    rows = {row.key: row for row in prof.key_averages()}
    # MmBackward0 computes x.T @ grad with a Permute and an Mm: its total includes them.
    backward = rows["MmBackward0"]
    assert backward.total_time > backward.self_time


def test_profile_names_custom_functions_and_restores_apply_afterwards():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.array**2

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    original = Function.__dict__["apply"]
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with profile() as prof:
        Square.apply(x).sum().backward()
    names = [row.key for row in prof.key_averages()]
    assert "Square" in names and "SquareBackward" in names
    assert Function.__dict__["apply"] is original


def test_table_sorts_and_limits_rows():
    x = mg.ones(2, 2, requires_grad=True)
    with profile() as prof:
        (x * x + x).sum().backward()
    table = prof.key_averages().table(sort_by="count", row_limit=2)
    lines = table.splitlines()
    assert lines[0].split()[:2] == ["Name", "Self"]
    assert len(lines) == 2 + 2 + 2  # header, rule, two rows, rule, total
    with pytest.raises(ValueError, match="sort_by must be one of"):
        prof.key_averages().table(sort_by="speed")


def test_profiles_do_not_nest():
    with profile(), pytest.raises(RuntimeError, match="already running"):
        with profile():
            pass


def test_graph_stats_counts_saved_bytes_and_drops_to_zero_after_backward():
    x = mg.ones(8, 4)
    w = mg.ones(4, 2, requires_grad=True)
    y = (x @ w).tanh().sum()
    stats = graph_stats(y)
    # Mm saved x (for w's gradient), tanh saved its output: 8*4 + 8*2 float32 values.
    assert (stats.nodes, stats.saved_tensors, stats.saved_bytes) == (4, 2, (32 + 16) * 4)
    y.backward()
    assert graph_stats(y).saved_bytes == 0
    with mg.no_grad():
        z = (x @ w).tanh().sum()
    assert graph_stats(z).nodes == 0
