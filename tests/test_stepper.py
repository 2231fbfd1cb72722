"""backward_steps: the backward pass one node at a time, checked without a browser.

Each test builds a graph a lesson uses, asks for the steps, and checks what a learner reads
off them: which node runs, the gradient it receives, what it sends where, which .grad
fills in; and that the learner's tensors are left exactly as they were.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import topological_order
from minigrad.viz import BackwardStepper, backward_steps, draw_step
from minigrad.viz.dot import RUNNING, SENT_NOW


def values(tensor) -> list:
    return tensor.detach().numpy().tolist()


def diamond():
    """a -> b = a + 1 -> (c = b * 2, d = b * 3) -> e = c + d. de/da = 2 + 3 = 5."""
    a = mg.tensor(2.0, requires_grad=True)
    b = a + 1
    c = b * 2
    d = b * 3
    e = c + d
    return a, b, c, d, e


def test_diamond_steps():
    a, b, c, d, e = diamond()
    steps = backward_steps(e, names={"a": a, "b": b, "c": c, "d": d, "e": e})
    assert [s.node for s in steps] == [
        "AddBackward0", "MulBackward0", "MulBackward0", "AddBackward0", "AccumulateGrad"]
    assert [s.number for s in steps] == [1, 2, 3, 4, 5]
    assert all(s.total == 5 for s in steps)

    first, d_step, c_step, b_step, acc = steps
    # e = c + d receives the seed 1 and sends it unchanged to both of its inputs.
    assert [values(g) for g in first.grad_outputs] == [1.0]
    assert [(f.input, f.to, values(f.gradient)) for f in first.sent] == [(0, "c", 1.0),
                                                                        (1, "d", 1.0)]
    # d = b * 3 runs first (the most recently made node that is ready, as in backward()).
    assert [(f.to, values(f.gradient)) for f in d_step.sent] == [("b", 3.0)]
    assert [(f.to, values(f.gradient)) for f in c_step.sent] == [("b", 2.0)]
    # b's node waits for both paths and receives their sum: the chain rule's sum over paths.
    assert [values(g) for g in b_step.grad_outputs] == [5.0]
    assert [(f.to, values(f.gradient)) for f in b_step.sent] == [("AccumulateGrad of a", 5.0)]
    assert "input 1 needs no gradient" in b_step.text
    assert acc.fills == "a" and values(acc.grad_value) == 5.0
    assert acc.text == "AccumulateGrad of a receives 5.; a.grad was None, so it becomes 5."
    assert acc.sent == () and first.fills is None

    # The same order and the same gradient as backward() itself.
    order = [n.name() for n in topological_order([e.grad_fn])]
    assert [s.node for s in steps] == order
    e.backward()
    assert values(a.grad) == 5.0


def test_steps_leave_the_tensors_alone():
    a, b, c, d, e = diamond()
    b.retain_grad()  # a hook that backward() would run, writing into b.grad
    backward_steps(e)
    assert a.grad is None and b.grad is None
    e.backward()  # the graph was not freed: backward works, once
    assert values(a.grad) == 5.0 and values(b.grad) == 5.0


def test_steps_on_a_graph_with_a_detach():
    """Lesson 04: z = u * x with u = (x * x).detach(): x.grad == u, nothing flows into y."""
    x = mg.arange(4.0).requires_grad_()
    y = x * x
    u = y.detach()
    z = u * x
    steps = backward_steps(z.sum(), names={"x": x, "y": y, "u": u, "z": z})
    assert [s.node for s in steps] == ["SumBackward0", "MulBackward0", "AccumulateGrad"]
    mul = steps[1]
    assert [(f.input, f.to, values(f.gradient)) for f in mul.sent] == [
        (1, "AccumulateGrad of x", [0.0, 1.0, 4.0, 9.0])]
    assert "input 0 needs no gradient" in mul.text
    assert values(steps[-1].grad_value) == values(u)
    # y's node is drawn (u was cut from it) but never runs.
    source = steps[-1].graph.source
    assert "detach()" in source
    y_node = [line for line in source.splitlines() if "MulBackward0" in line]
    assert len(y_node) == 2 and sum(RUNNING[0] in line or "#f2f2f2" in line
                                    for line in y_node) == 1


def test_non_scalar_outputs_need_a_gradient_as_in_backward():
    x = mg.tensor([2.0, 3.0], requires_grad=True)
    y = x**2 + 2 * x + 1
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        backward_steps(y)
    steps = backward_steps(y, gradient=mg.tensor([1.0, 1.0]), names={"x": x})
    assert values(steps[-1].grad_value) == [6.0, 8.0]


def test_existing_grad_is_added_to():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    steps = backward_steps((x * x).sum(), names={"x": x})
    assert values(steps[-1].grad_value) == [5.0, 7.0]
    assert "adds it to x.grad: [3., 3.] + [2., 4.] = [5., 7.]" in steps[-1].text
    assert values(x.grad) == [3.0, 3.0]


def test_a_freed_graph_is_refused_with_a_clear_message():
    x = mg.tensor(3.0, requires_grad=True)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match=r"freed by an earlier backward\(\).*retain_graph"):
        backward_steps(y)


def test_each_step_draws_the_same_picture_with_its_state():
    a, b, c, d, e = diamond()
    steps = backward_steps(e, names={"a": a, "b": b})
    sources = [draw_step(s).source for s in steps]
    assert steps[0].graph is steps[0].graph  # drawn once

    def shape(source):
        """The boxes and arrows, without colours and texts: what sets the layout."""
        return re.findall(r"^\s*(\w+(?: -> \w+)?) \[", source, re.M)

    assert all(shape(s) == shape(sources[0]) for s in sources)
    # Texts are padded to the same length in every step, so no box changes size.
    padded = [[re.sub(r"<[^>]+>", "", text)
               for text in re.findall(r'FACE="Courier"[^>]*>(.*?)</FONT>', s)] for s in sources]
    assert all([len(t) for t in p] == [len(t) for t in padded[-1]] for p in padded)

    # Step 4: b's AddBackward0 runs (red) and sends 5 to a's AccumulateGrad along a red arrow.
    fourth = sources[3]
    running = [line for line in fourth.splitlines() if f'fillcolor="{RUNNING[0]}"' in line]
    assert len(running) == 1 and "AddBackward0" in running[0]
    sent = [line for line in fourth.splitlines() if "dir=back" in line]
    assert len(sent) == 1 and f'color="{SENT_NOW}"' in sent[0] and "5." in sent[0]
    # b's box shows the gradient that reached it: 3 + 2.
    b_box = [line for line in fourth.splitlines() if "<B>b</B>" in line][0]
    assert re.search(r">grad<.*?>5\. *<BR", b_box)
    assert "backward, step 4 of 5: AddBackward0" in fourth


def test_stepper_widget_shows_the_steps():
    pytest.importorskip("ipywidgets")
    a, b, c, d, e = diamond()
    stepper = BackwardStepper(e, names={"a": a, "b": b})
    assert stepper.value == 1 and len(stepper.steps) == 5
    assert stepper.steps[0].text in stepper._text.value
    step = stepper.show(4)
    assert stepper.value == 4 and step is stepper.steps[3]
    assert "AddBackward0" in stepper._text.value
    stepper.value = 99  # clipped to the last step
    assert stepper.value == 5 and stepper._next.disabled
    stepper._previous.click()
    assert stepper.value == 4
    assert a.grad is None


def test_float64_and_broadcast_gradients():
    """Gradients are summed over broadcast dimensions, as backward() does."""
    w = mg.tensor(np.ones((1, 3)), dtype=mg.float64, requires_grad=True)
    x = mg.tensor(np.arange(6.0).reshape(2, 3), dtype=mg.float64)
    steps = backward_steps((w * x).sum(), names={"w": w, "x": x})
    assert values(steps[-1].grad_value) == [[3.0, 5.0, 7.0]]
    assert steps[-1].grad_value.dtype == mg.float64


def test_stepper_widget_without_dot_shows_the_message(monkeypatch):
    pytest.importorskip("ipywidgets")
    from minigrad.viz import backend

    monkeypatch.setattr(backend, "find_dot", lambda: None)
    a, b, c, d, e = diamond()
    stepper = BackwardStepper(e)
    assert stepper._picture.value.startswith("<pre>Cannot draw the graph")
    assert "digraph minigrad" in stepper._picture.value


def test_an_output_that_is_a_leaf():
    x = mg.tensor(4.0, requires_grad=True)
    (step,) = backward_steps(x, names={"x": x})
    assert step.node == "AccumulateGrad" and step.fills == "x"
    assert values(step.grad_value) == 1.0
    assert "x" in step.graph.source
