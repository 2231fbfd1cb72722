"""Fixtures shared by the engine's tests.

`torch` gives a test PyTorch, or skips it cleanly where PyTorch is not installed
(`make test WITH_TORCH=1` installs it). Every test starts with minigrad's generator seeded
and gradient recording on, and a test that leaves recording off fails instead of silently
changing the tests after it.
"""

from __future__ import annotations

import gc

import pytest

import minigrad as mg


@pytest.fixture
def torch():
    """PyTorch, for tests that compare minigrad with it; skipped where it is not installed."""
    return pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _seeded_and_recording():
    mg.manual_seed(0)
    mg.set_grad_enabled(True)
    yield
    recording = mg.is_grad_enabled()
    mg.set_grad_enabled(True)
    assert recording, "the test left gradient recording switched off"


def live_nodes() -> int:
    """How many graph nodes (grad_fn and AccumulateGrad objects) are alive right now.

    Counted without running the garbage collector, so a graph kept alive by a reference
    cycle still counts: only plain reference counting frees what this no longer sees.
    """
    # issubclass(type(o), ...) rather than isinstance(o, ...): isinstance would ask some of
    # torch's module objects for their __class__, which warns about deprecated attributes.
    node = mg.autograd.Node
    return sum(issubclass(type(o), node) for o in gc.get_objects())


@pytest.fixture
def node_count():
    """live_nodes, after collecting what earlier tests left behind."""
    gc.collect()
    return live_nodes
