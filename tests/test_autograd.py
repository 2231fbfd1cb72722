"""The autograd rules, one test (or a few) per rule, with PyTorch's meaning.

Graph structure (grad_fn, next_functions, AccumulateGrad), backward and its arguments,
autograd.grad, higher-order gradients, gradient modes, detach, hooks, memory (graphs are
freed by reference counting alone) and depth (a million-op chain).
"""

from __future__ import annotations

import gc
import warnings
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import AccumulateGrad, Node

# -- the first example: gradients land in leaves' .grad -----------------------------------------


def test_the_first_example_of_the_course():
    x = mg.tensor([2.0, 3.0], requires_grad=True)
    y = x**2 + 2 * x + 1
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 8.0]  # dy/dx = 2x + 2
    assert repr(x.grad) == "tensor([6., 8.])"


def test_results_of_recorded_ops_require_grad_and_have_a_grad_fn():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    c = mg.tensor([3.0, 4.0])
    y = x * c
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    z = c * c
    assert not z.requires_grad and z.is_leaf and z.grad_fn is None
    assert x.is_leaf and c.is_leaf


def test_gradients_have_the_leafs_shape_and_dtype():
    a = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64, requires_grad=True)
    b = mg.ones(2, 3, requires_grad=True)  # float32
    (a * b).sum().backward()
    assert a.grad.shape == (3,) and a.grad.dtype == mg.float64
    assert b.grad.shape == (2, 3) and b.grad.dtype == mg.float32


def test_broadcasting_is_undone_by_summing_over_the_stretched_dimensions():
    row = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    column = mg.tensor([[10.0], [20.0]], requires_grad=True)
    (row * column).sum().backward()
    assert row.grad.tolist() == [30.0, 30.0, 30.0]  # each element met both rows
    assert column.grad.tolist() == [[6.0], [6.0]]


# -- grad_fn names and the graph's structure --------------------------------------------------


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda x, m: x * 2, "MulBackward0"),
        (lambda x, m: x + 1, "AddBackward0"),
        (lambda x, m: x - 1, "SubBackward0"),
        (lambda x, m: x / 2, "DivBackward0"),
        (lambda x, m: -x, "NegBackward0"),
        (lambda x, m: x**2, "PowBackward0"),
        (lambda x, m: x**x, "PowBackward1"),
        (lambda x, m: x.sum(), "SumBackward0"),
        (lambda x, m: m.sum(1), "SumBackward1"),
        (lambda x, m: x.mean(), "MeanBackward0"),
        (lambda x, m: m.mean(0), "MeanBackward1"),
        (lambda x, m: x.max(), "MaxBackward1"),
        (lambda x, m: m.max(1).values, "MaxBackward0"),
        (lambda x, m: x.min(), "MinBackward1"),
        (lambda x, m: m @ m.T, "MmBackward0"),
        (lambda x, m: m @ x, "MvBackward0"),
        (lambda x, m: x @ x, "DotBackward0"),
        (lambda x, m: mg.dot(x, x), "DotBackward0"),
        (lambda x, m: x.exp(), "ExpBackward0"),
        (lambda x, m: x.log(), "LogBackward0"),
        (lambda x, m: x.sqrt(), "SqrtBackward0"),
        (lambda x, m: x.abs(), "AbsBackward0"),
        (lambda x, m: x.relu(), "ReluBackward0"),
        (lambda x, m: x.tanh(), "TanhBackward0"),
        (lambda x, m: x.sigmoid(), "SigmoidBackward0"),
        (lambda x, m: x.norm(), "LinalgVectorNormBackward0"),
        (lambda x, m: x.softmax(0), "SoftmaxBackward0"),
        (lambda x, m: x.log_softmax(0), "LogSoftmaxBackward0"),
        (lambda x, m: m.reshape(4), "ViewBackward0"),
        (lambda x, m: m.view(4), "ViewBackward0"),
        (lambda x, m: m.transpose(0, 1), "TransposeBackward0"),
        (lambda x, m: m.permute(1, 0), "PermuteBackward0"),
        (lambda x, m: m.T, "PermuteBackward0"),
        (lambda x, m: x.unsqueeze(0), "UnsqueezeBackward0"),
        (lambda x, m: x.unsqueeze(0).squeeze(), "SqueezeBackward0"),
        (lambda x, m: x.expand(3, 2), "ExpandBackward0"),
        (lambda x, m: x[0], "SelectBackward0"),
        (lambda x, m: x[1:], "SliceBackward0"),
        (lambda x, m: x[[0, 0]], "IndexBackward0"),
        (lambda x, m: mg.cat([x, x]), "CatBackward0"),
        (lambda x, m: mg.stack([x, x]), "StackBackward0"),
        (lambda x, m: mg.where(x > 1, x, 0.0), "WhereBackward0"),
        (lambda x, m: x.clone(), "CloneBackward0"),
        (lambda x, m: x.double(), "ToCopyBackward0"),
    ],
)
def test_grad_fn_carries_pytorchs_node_name(make, name):
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    m = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = make(x, m)
    assert y.grad_fn.name() == name
    assert type(y.grad_fn).__name__ == name
    assert isinstance(y.grad_fn, Node)
    assert name in repr(y.grad_fn)


def test_next_functions_lead_back_to_the_leaves():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    c = mg.tensor([3.0, 4.0])
    y = (x * c + 1) ** 2
    pow_node = y.grad_fn
    assert pow_node.name() == "PowBackward0"
    ((add_node, add_index),) = pow_node.next_functions
    assert add_node.name() == "AddBackward0" and add_index == 0
    (mul_node, _), constant = add_node.next_functions
    assert constant == (None, 0)  # the constant 1 needs no gradient
    assert mul_node.name() == "MulBackward0"
    (acc, index), (none, zero) = mul_node.next_functions
    assert isinstance(acc, AccumulateGrad) and index == 0
    assert acc.name() == "AccumulateGrad"
    assert acc.variable is x  # the leaf this node accumulates into
    assert (none, zero) == (None, 0)  # c does not require grad
    assert acc.next_functions == ()


def test_a_leaf_used_twice_has_one_accumulate_grad_node():
    x = mg.tensor(2.0, requires_grad=True)
    y = x * x
    (first, _), (second, _) = y.grad_fn.next_functions
    assert first is second
    z = x + 1
    assert z.grad_fn.next_functions[0][0] is first  # shared by every graph using x


def test_output_nr_names_which_output_a_gradient_belongs_to():
    m = mg.tensor([[1.0, 5.0], [4.0, 2.0]], requires_grad=True)
    values, indices = m.max(dim=1)
    y = values * 2
    assert y.grad_fn.next_functions[0] == (values.grad_fn, 0)
    assert not indices.requires_grad and indices.grad_fn is None


# -- backward --------------------------------------------------------------------------------


def test_implicit_gradient_works_for_any_one_element_output():
    for shape in [(), (1,), (1, 1)]:
        x = mg.ones(*shape, requires_grad=True)
        (x * 3).backward()
        assert x.grad.tolist() == np.full(shape, 3.0).tolist()


def test_implicit_gradient_is_refused_for_non_scalars():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        (x * 2).backward()


def test_gradient_argument_gives_the_vector_jacobian_product():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x**2
    y.backward(gradient=mg.tensor([1.0, 0.1, 0.01]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 0.4, 0.06], rtol=1e-6)


def test_gradient_of_the_wrong_shape_is_refused():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of"):
        (x * 2).backward(mg.ones(3))


def test_a_starting_gradient_takes_the_outputs_dtype():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.dtype))
    y.backward(mg.ones(2, dtype=mg.float64), retain_graph=True)
    y.backward(mg.tensor([1, 1]))  # integers too, as in PyTorch
    assert seen == [mg.float32, mg.float32]
    assert y.grad.dtype == mg.float32 and y.grad.tolist() == [2.0, 2.0]
    (g,) = mg.autograd.grad(y, y, mg.ones(2, dtype=mg.float64))
    assert g.dtype == mg.float32


def test_gradients_accumulate_until_zeroed():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    x.grad.zero_()
    assert x.grad.tolist() == [0.0, 0.0]
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    x.grad = None
    (x * 5).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]


def test_grads_made_with_create_graph_are_copies_that_later_backwards_add_to():
    a = mg.tensor(1.0, requires_grad=True)
    b = mg.tensor(2.0, requires_grad=True)
    (a + b).backward(create_graph=True)  # Add sends one gradient tensor to both inputs
    assert a.grad is not b.grad
    (a + b).backward()  # adds in place into each .grad
    assert (a.grad.item(), b.grad.item()) == (2.0, 2.0)
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    g = mg.tensor([1.0, 1.0])
    x.backward(g, create_graph=True)
    x.backward(g)
    assert g.tolist() == [1.0, 1.0] and x.grad.tolist() == [2.0, 2.0]


def test_the_first_gradient_is_a_copy_not_the_incoming_tensor():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    seed = mg.tensor([1.0, 1.0])
    (x * 1).backward(seed)
    seed.mul_(100)
    x.grad.add_(1)
    assert seed.tolist() == [100.0, 100.0]
    assert x.grad.tolist() == [2.0, 2.0]
    x.grad = None
    x.backward(seed)  # a leaf as the output: its .grad must not be the caller's seed
    x.grad.zero_()
    assert seed.tolist() == [100.0, 100.0]


def _no_two_share_memory(*tensors) -> bool:
    return not any(np.may_share_memory(a.array, b.array)
                   for i, a in enumerate(tensors) for b in tensors[i + 1:])


def test_a_gradient_nothing_else_refers_to_becomes_grad_without_a_copy():
    from minigrad import profiler

    x = mg.randn(4, 3)
    w = mg.randn(3, 2, requires_grad=True)
    b = mg.zeros(2, requires_grad=True)
    with profiler.profile() as prof:
        ((x @ w + b) ** 2).sum().backward()
    assert "Clone" not in [row.key for row in prof.key_averages()]
    expected = 2 * (x.numpy() @ w.detach().numpy()).T  # d/dw of the sum of squares
    np.testing.assert_allclose(w.grad.numpy(), x.numpy().T @ expected.T, rtol=1e-5)


@pytest.mark.parametrize("make", [
    lambda a, b: a + b,            # Add sends one tensor to both leaves
    lambda a, b: a + b.T,          # b receives a transposed view of a's gradient
    lambda a, b: b.T + a,          # the same, with the leaves reached in the other order
    lambda a, b: a * 1 + b.reshape(2, 2),
    lambda a, b: (a + b)[0:2] * 1 + a.T + b,
], ids=["add", "add-transpose", "transpose-add", "reshape", "slices"])
def test_leaves_never_share_their_grad_memory(make):
    a = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = mg.tensor([[5.0, 6.0], [7.0, 8.0]], requires_grad=True)
    (make(a, b) * 1).sum().backward()  # (* 1: the gradient arriving is a new array)
    before = b.grad.tolist()
    assert _no_two_share_memory(a.grad, b.grad)
    a.grad += 100  # an in-place change of one .grad leaves the other alone
    assert b.grad.tolist() == before


def test_a_gradient_a_hook_kept_is_copied_into_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(seen.append)
    (x * 3).sum().backward()
    x.grad.zero_()
    assert seen[0].tolist() == [3.0, 3.0]


def test_a_gradient_whose_view_a_hook_kept_is_copied_into_grad():
    b = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    c = mg.tensor([[5.0, 6.0], [7.0, 8.0]], requires_grad=True)
    earlier = b * 1  # b's AccumulateGrad is made now, so it runs last in backward
    seen = []
    c.register_hook(seen.append)  # c receives a transposed view of the gradient b receives
    ((b + c.T) * 1).sum().backward()
    kept = seen[0].tolist()
    b.grad += 100
    assert seen[0].tolist() == kept
    assert earlier.grad_fn is not None


def test_a_gradient_whose_memory_a_hook_kept_is_copied_into_grad():
    class SendTwice(mg.autograd.Function):  # z = b + c, each gradient an alias of grad
        @staticmethod
        def forward(ctx, b, c):
            return b.array + c.array

        @staticmethod
        def backward(ctx, grad):
            return grad, grad.detach()  # two tensors, one memory

    b = mg.tensor([1.0, 2.0], requires_grad=True)
    c = mg.tensor([3.0, 4.0], requires_grad=True)
    seen = []
    c.register_hook(seen.append)  # c runs first and keeps its alias alive
    (SendTwice.apply(b, c) * 1).sum().backward()
    b.grad += 100
    assert seen[0].tolist() == [1.0, 1.0]


def test_grad_keeps_the_usual_memory_order_even_when_the_gradient_did_not():
    w = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    c = mg.tensor([[1.0, 2.0], [3.0, 4.0]]).T  # transposed: w's gradient comes out transposed
    (w * c).sum().backward()
    assert w.grad.array.flags.c_contiguous
    w.grad.view(-1).zero_()  # a view of .grad, as in PyTorch
    assert w.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_replacing_data_with_another_dtype_gives_gradients_of_that_dtype():
    w = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    old_graph = (w * 2).sum()  # keeps w's AccumulateGrad (float32) alive
    w.data = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64)
    third = mg.tensor([1 / 3] * 3, dtype=mg.float64)
    (w * third).sum().backward()
    assert w.grad.dtype == mg.float64 and w.grad.array[0] == 1 / 3
    assert old_graph.grad_fn is not None


def test_a_gradient_a_function_keeps_on_ctx_is_copied_into_grad():
    class ConstantSlope(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.slope = mg.full(x.shape, 2.0)
            return x.array * 2

        @staticmethod
        def backward(ctx, grad):
            return ctx.slope  # (wrong for a general grad; enough for sum())

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = ConstantSlope.apply(x)
    y.sum().backward()
    x.grad.add_(1)
    assert y.grad_fn.slope.tolist() == [2.0, 2.0]
    assert x.grad.tolist() == [3.0, 3.0]


def test_backward_on_a_leaf_itself():
    x = mg.tensor(3.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_backward_twice_through_a_freed_graph_raises_pytorchs_error():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time") as e:
        loss.backward()
    assert "retain_graph=True" in str(e.value)


def test_retain_graph_allows_a_second_backward():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).exp().sum()
    loss.backward(retain_graph=True)
    first = x.grad.clone()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first.numpy())


def test_saved_tensors_are_unreadable_after_backward():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    node = y.grad_fn
    assert len(node.saved_tensors) == 2
    y.sum().backward()
    with pytest.raises(RuntimeError, match="after they have already been freed"):
        _ = node.saved_tensors


def test_backward_frees_saved_tensors_while_the_graph_is_still_referenced():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    hidden = x.exp()
    probe = weakref.ref(hidden)
    loss = (hidden * hidden).sum()
    del hidden
    assert probe() is not None  # kept for backward by the Mul node
    loss.backward()
    assert probe() is None  # released, though `loss` and its graph live on


def test_backward_through_a_graph_without_saved_tensors_can_repeat():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).sum()  # Add and Sum save nothing, so nothing is freed (as in PyTorch)
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_backward_with_inputs_fills_only_those_grads():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    w = mg.tensor([3.0, 4.0], requires_grad=True)
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None
    assert w.grad.tolist() == [1.0, 2.0]


def test_backward_with_a_non_leaf_input_accumulates_its_grad_as_pytorch_does():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = (y * 3).sum()
    z.backward(inputs=[y], retain_graph=True)
    z.backward(inputs=[y])
    assert y.retains_grad  # as after y.retain_grad(): reading y.grad does not warn
    assert y.grad.tolist() == [6.0, 6.0]  # added up, like a leaf's
    assert x.grad is None


def test_a_non_leaf_both_retained_and_in_inputs_gets_its_gradient_once():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    (y * 3).sum().backward(inputs=[y])
    assert y.grad.tolist() == [3.0, 3.0]


def test_an_output_listed_twice_sends_both_gradients():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).sum()
    mg.autograd.backward([y, y], retain_graph=True)
    assert x.grad.tolist() == [6.0, 6.0]
    (grad,) = mg.autograd.grad([y, y], x)
    assert grad.tolist() == [6.0, 6.0]


# -- the multivariable chain rule: fan-out adds up ------------------------------------------


def test_diamond_adds_the_gradients_of_every_path():
    a = mg.tensor(3.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad.item() == 4.0


def test_diamond_with_products():
    a = mg.tensor(3.0, requires_grad=True)
    b = a * a  # 2a
    c = b * a  # a³: 3a²
    d = c + b  # 3a² + 2a
    d.backward()
    assert a.grad.item() == 3 * 9 + 2 * 3


def test_a_node_runs_once_after_all_its_gradients_arrived():
    calls = []
    a = mg.tensor(1.0, requires_grad=True)
    b = a * 2
    b.register_hook(lambda g: calls.append(g.item()))
    c = b * 3 + b * 4 + b
    c.backward()
    assert calls == [8.0]  # one call with the summed gradient, not three partial ones
    assert a.grad.item() == 16.0


def test_the_order_of_backward_is_deterministic():
    def run():
        order = []
        x = mg.tensor([1.0, 2.0], requires_grad=True)
        branches = [x * k for k in range(1, 6)]
        for k, branch in enumerate(branches):
            branch.register_hook(lambda g, k=k: order.append(k))
        sum(b.sum() for b in branches).backward()
        return order

    first = run()
    assert sorted(first) == [0, 1, 2, 3, 4]
    assert all(run() == first for _ in range(5))
    assert first == [4, 3, 2, 1, 0]  # the most recently created node runs first, as in PyTorch


@pytest.mark.slow
def test_a_million_op_chain_backpropagates_without_recursion_limits():
    x = mg.tensor(1.5, requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y + 0.0
    y.backward()
    assert x.grad.item() == 1.0
    del y  # freeing the chain must not recurse either
    assert x.grad.item() == 1.0


# -- memory: graphs are freed by reference counting alone -----------------------------------


def _small_network_loss():
    mg.manual_seed(0)
    w1 = mg.randn(4, 8, requires_grad=True)
    w2 = mg.randn(8, 3, requires_grad=True)
    x = mg.randn(5, 4)
    labels = mg.tensor([0, 1, 2, 1, 0])
    h = (x @ w1).relu().tanh().sigmoid()
    logits = h @ w2 / (w2.norm() + 1.0)
    loss = -logits.log_softmax(dim=1)[mg.arange(5), labels].mean()
    loss = loss + logits.softmax(1).max() + mg.cat([h, h], 1).sum() * 0 + mg.stack([h]).mean()
    return loss, (w1, w2)


def test_graphs_are_freed_when_the_loss_is_dropped_after_backward(node_count):
    baseline = node_count()
    loss, params = _small_network_loss()
    assert node_count() > baseline + 10
    loss.backward()
    del loss
    assert node_count() == baseline  # no gc.collect(): the graph held no reference cycle
    assert params[0].grad is not None


def test_graphs_are_freed_when_dropped_without_backward(node_count):
    baseline = node_count()
    loss, _ = _small_network_loss()
    assert node_count() > baseline
    del loss
    assert node_count() == baseline


def test_graphs_with_in_place_ops_and_retained_grads_are_freed(node_count):
    baseline = node_count()
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    h[0] = 5.0
    h.add_(1)
    loss = h.exp().sum()
    loss.register_hook(lambda g: g)
    loss.backward()
    del loss, h
    assert node_count() == baseline


def test_create_graph_gradients_free_their_graphs(node_count):
    baseline = node_count()
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x**3).sum()
    (g,) = mg.autograd.grad(y, x, create_graph=True)
    assert g.grad_fn is not None
    (g * g).sum().backward()
    del y, g
    assert node_count() == baseline
    x.grad = None  # the second-order .grad holds no graph, but clear it all the same
    assert node_count() == baseline


# -- autograd.grad ---------------------------------------------------------------------------


def test_autograd_grad_returns_a_tuple_and_never_touches_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    w = mg.tensor([3.0, 4.0], requires_grad=True)
    loss = (x * w).sum()
    result = mg.autograd.grad(loss, [x, w])
    assert isinstance(result, tuple) and len(result) == 2
    assert result[0].tolist() == [3.0, 4.0] and result[1].tolist() == [1.0, 2.0]
    assert x.grad is None and w.grad is None
    (single,) = mg.autograd.grad((x * x).sum(), x)
    assert single.tolist() == [2.0, 4.0]
    assert x.grad is None


def test_autograd_grad_with_grad_outputs_and_several_outputs():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = mg.autograd.grad(x * x, x, grad_outputs=mg.tensor([1.0, 10.0]))
    assert g.tolist() == [2.0, 40.0]
    (g,) = mg.autograd.grad([x.sum(), (x * 3).sum()], [x])
    assert g.tolist() == [4.0, 4.0]


def test_autograd_grad_with_respect_to_an_intermediate_tensor():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    loss = (h * h).sum()
    g_h, g_x = mg.autograd.grad(loss, [h, x])
    assert g_h.tolist() == [4.0, 8.0]
    assert g_x.tolist() == [8.0, 16.0]


def test_autograd_grad_stops_at_an_intermediate_input():
    # grad() goes no further than its inputs: h's own backward (exp's) does not run, so it
    # does not free what exp saved, and a later backward through h still works.
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    ran = []
    h.grad_fn.register_hook(lambda grad_inputs, grad_outputs: ran.append(True))
    (g_h,) = mg.autograd.grad((h * 3).sum(), h)
    assert g_h.tolist() == [3.0, 3.0] and ran == []
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)


def test_autograd_grad_gives_an_input_listed_twice_its_gradient_twice():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    first, second = mg.autograd.grad((x * x).sum(), [x, x])
    assert first.tolist() == second.tolist() == [2.0, 4.0]
    h = x * 3
    first, second = mg.autograd.grad(h.sum(), [h, h], allow_unused=True)
    assert first.tolist() == second.tolist() == [1.0, 1.0]


def test_autograd_grad_refuses_inputs_that_are_not_tensors():
    x = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="all inputs have to be Tensors, but input 1 is a list"):
        mg.autograd.grad((x * 2).sum(), [x, [1.0]])


def test_autograd_grad_unused_inputs():
    x = mg.tensor([1.0], requires_grad=True)
    unused = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        mg.autograd.grad((x * 2).sum(), [x, unused])
    g = mg.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert g[0].tolist() == [2.0] and g[1] is None


def test_autograd_grad_frees_the_graph_unless_retained():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    mg.autograd.grad(y, x, retain_graph=True)
    mg.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        mg.autograd.grad(y, x)


# -- higher-order gradients ------------------------------------------------------------------


def test_second_derivative_with_create_graph():
    x = mg.tensor(2.0, requires_grad=True)
    y = x**3
    (dy,) = mg.autograd.grad(y, x, create_graph=True)
    assert dy.item() == 12.0  # 3x²
    assert dy.requires_grad and dy.grad_fn is not None
    (d2y,) = mg.autograd.grad(dy, x, create_graph=True)
    assert d2y.item() == 12.0  # 6x
    (d3y,) = mg.autograd.grad(d2y, x)
    assert d3y.item() == 6.0


def test_without_create_graph_gradients_are_plain_tensors():
    x = mg.tensor(2.0, requires_grad=True)
    (dy,) = mg.autograd.grad(x**3, x)
    assert not dy.requires_grad and dy.grad_fn is None


def test_hessian_vector_product():
    x = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64, requires_grad=True)
    v = mg.tensor([1.0, 0.0, 1.0], dtype=mg.float64)
    # f = Σx³ + x0·x1·x2; H = diag(6x) + the off-diagonal terms x_k of the product
    f = (x**3).sum() + x[0] * x[1] * x[2]
    (g,) = mg.autograd.grad(f, x, create_graph=True)
    (hv,) = mg.autograd.grad((g * v).sum(), x)
    a, b, c = 1.0, 2.0, 3.0
    hessian = np.array([[6 * a, c, b], [c, 6 * b, a], [b, a, 6 * c]])
    np.testing.assert_allclose(hv.numpy(), hessian @ v.numpy())


def test_backward_with_create_graph_makes_grad_differentiable():
    x = mg.tensor([0.5, 1.5], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    assert g.grad_fn is not None
    np.testing.assert_allclose(g.detach().numpy(), [0.75, 6.75])
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 9.0])  # 6x


def test_relus_second_derivative_is_zero_not_missing_as_in_pytorch():
    x = mg.tensor([-1.0, 2.0, 0.0], requires_grad=True)
    (slope,) = mg.autograd.grad(x.relu().sum(), x, create_graph=True)
    assert slope.tolist() == [0.0, 1.0, 0.0]
    assert slope.requires_grad  # it depends on x, with derivative 0
    (slope * slope).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_second_derivatives_of_many_ops():
    x = mg.tensor([0.5, 0.7], dtype=mg.float64, requires_grad=True)
    f = (x.tanh().exp() * x.sigmoid() / x.sqrt() + x.log() * x**2.5 + x.softmax(0)
         + x.log_softmax(0) + x.norm() + x.relu() ** 3 + (x @ x) + 2**x + 1 / x).sum()
    (g,) = mg.autograd.grad(f, x, create_graph=True)
    (h,) = mg.autograd.grad(g.sum(), x)

    def numeric_grad(values):
        def func(v):
            with mg.no_grad():
                t = mg.tensor(v, dtype=mg.float64)
                return (t.tanh().exp() * t.sigmoid() / t.sqrt() + t.log() * t**2.5
                        + t.softmax(0) + t.log_softmax(0) + t.norm() + t.relu() ** 3
                        + (t @ t) + 2**t + 1 / t).sum().item()
        eps = 1e-5
        out = []
        for i in range(len(values)):
            up, down = values.copy(), values.copy()
            up[i] += eps
            down[i] -= eps
            out.append((func(up) - func(down)) / (2 * eps))
        return np.array(out)

    point = np.array([0.5, 0.7])
    np.testing.assert_allclose(g.detach().numpy(), numeric_grad(point), rtol=1e-6)
    eps = 1e-4
    row_sums = [(numeric_grad(point + eps * np.eye(2)[i]).sum()
                 - numeric_grad(point - eps * np.eye(2)[i]).sum()) / (2 * eps) for i in range(2)]
    np.testing.assert_allclose(h.numpy(), row_sums, rtol=1e-4)


# -- gradient modes -------------------------------------------------------------------------


def test_no_grad_stops_recording():
    x = mg.tensor([1.0], requires_grad=True)
    with mg.no_grad():
        y = x * 2
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        y.sum().backward()


def test_grad_modes_nest_and_restore():
    seen = []
    with mg.no_grad():
        seen.append(mg.is_grad_enabled())
        with mg.enable_grad():
            seen.append(mg.is_grad_enabled())
            with mg.set_grad_enabled(False):
                seen.append(mg.is_grad_enabled())
            seen.append(mg.is_grad_enabled())
        seen.append(mg.is_grad_enabled())
    seen.append(mg.is_grad_enabled())
    assert seen == [False, True, False, True, False, True]


def test_enable_grad_records_inside_no_grad():
    x = mg.tensor([1.0], requires_grad=True)
    with mg.no_grad(), mg.enable_grad():
        y = x * 2
    assert y.grad_fn is not None


def test_grad_modes_are_restored_after_an_exception():
    with pytest.raises(ValueError), mg.no_grad():
        raise ValueError
    assert mg.is_grad_enabled()


def test_set_grad_enabled_as_a_plain_call():
    mg.set_grad_enabled(False)
    assert not mg.is_grad_enabled()
    mg.set_grad_enabled(True)
    assert mg.is_grad_enabled()


def test_grad_modes_as_decorators():
    @mg.no_grad()
    def evaluate():
        return mg.is_grad_enabled()

    @mg.set_grad_enabled(False)
    def also_off():
        return mg.is_grad_enabled()

    @mg.enable_grad()
    def on():
        return mg.is_grad_enabled()

    assert mg.is_grad_enabled()  # decorating switched nothing
    assert evaluate() is False and also_off() is False
    assert mg.is_grad_enabled()
    with mg.no_grad():
        assert on() is True
        assert not mg.is_grad_enabled()
    assert evaluate.__name__ == "evaluate"  # functools.wraps


def test_grad_modes_decorate_generators_step_by_step():
    x = mg.tensor([1.0], requires_grad=True)

    @mg.no_grad()
    def predictions(n):
        for i in range(n):
            received = yield (x * i).requires_grad, mg.is_grad_enabled()
            assert received is None
        return "done"

    @mg.enable_grad()
    def recorded():
        yield (x * 2).requires_grad

    steps = predictions(2)
    outside = []
    for inside in steps:  # the consumer's own mode holds between the steps
        outside.append(mg.is_grad_enabled())
        assert inside == (False, False)
    assert outside == [True, True]
    with mg.no_grad():
        assert list(recorded()) == [True]
        assert not mg.is_grad_enabled()

    def finished():
        return (yield from predictions(1))

    assert list(finished()) == [(False, False)]
    steps = predictions(3)
    next(steps)
    steps.close()  # closing mid-way leaves the mode alone
    assert mg.is_grad_enabled()


def test_data_takes_tensors_and_views_cannot_be_detached_in_place():
    t = mg.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        t.data = [5.0, 6.0]
    with pytest.raises(RuntimeError, match=r"Can't detach views in-place. Use detach\(\)"):
        (mg.tensor([1.0, 2.0], requires_grad=True) * 1)[0:1].detach_()
    x = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="`inputs` argument to `grad\\(\\)` cannot be empty"):
        mg.autograd.grad((x * 2).sum(), [])


def test_set_grad_enabled_wants_a_bool_as_in_pytorch():
    for flag in (0, None, "yes"):
        with pytest.raises(TypeError, match="enabled must be a bool"):
            mg.set_grad_enabled(flag)
    assert mg.is_grad_enabled()


def test_no_grad_decorates_without_parentheses_as_in_pytorch():
    @mg.no_grad
    def evaluate(x):
        return x * 2

    @mg.enable_grad
    def train(x):
        return x * 2

    x = mg.tensor([1.0], requires_grad=True)
    assert not evaluate(x).requires_grad
    with mg.no_grad():
        assert train(x).requires_grad


# -- detach, requires_grad_, retain_grad, hooks ----------------------------------------------


def test_detach_shares_data_and_cuts_history():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d[0] = 100.0
    assert y.tolist() == [100.0, 4.0]  # same memory
    z = (d * x).sum()
    z.backward()
    assert x.grad.tolist() == [100.0, 4.0]  # d is a constant to autograd


def test_detach_in_place():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert y.detach_() is y
    assert y.is_leaf and not y.requires_grad and y.grad_fn is None


def test_requires_grad_in_place():
    x = mg.tensor([1.0, 2.0])
    assert x.requires_grad_() is x and x.requires_grad
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    x.requires_grad_(False)
    assert not (x * 2).requires_grad


def test_reading_grad_of_a_non_leaf_warns():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.warns(UserWarning, match="not a leaf Tensor is being accessed"):
        assert y.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.grad is None  # leaves do not warn


def test_retain_grad_keeps_a_non_leafs_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = (y * y).sum()
    z.backward(retain_graph=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad.tolist() == [6.0, 12.0]
    z.backward()
    assert y.grad.tolist() == [12.0, 24.0]  # accumulates like a leaf's
    assert x.grad.tolist() == [36.0, 72.0]


def test_register_hook_sees_and_may_replace_the_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    y.register_hook(lambda g: g * 10)  # replaces what flows on to x
    x.register_hook(lambda g: g + 1)  # a leaf's hook runs before .grad is written
    y.sum().backward()
    assert seen == [[1.0, 1.0]]
    assert x.grad.tolist() == [31.0, 31.0]


def test_retain_grad_keeps_the_gradient_after_the_tensors_hooks_as_pytorch_does():
    # PyTorch runs the retain_grad hook last, whenever it was registered.
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    h.register_hook(lambda g: g * 2)
    h.sum().backward()
    assert h.grad.tolist() == [2.0, 2.0]
    assert x.grad.tolist() == [6.0, 6.0]


def test_a_node_hook_sees_and_may_replace_the_gradients_backward_returned():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    seen = []
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(
        (grad_inputs[0].tolist(), grad_outputs[0].tolist())))
    # One gradient per input, None for the constant 2 (as in PyTorch).
    handle = y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (grad_inputs[0] * 10,
                                                                        None))
    y.sum().backward(retain_graph=True)
    assert seen == [([2.0, 2.0], [1.0, 1.0])]
    assert x.grad.tolist() == [20.0, 20.0]
    handle.remove()
    x.grad = None
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_a_node_hook_must_return_a_tuple_with_one_gradient_per_input():
    x = mg.tensor([1.0, 2.0], requires_grad=True)

    def too_few(grad_inputs, grad_outputs):
        return (grad_inputs[0],)

    y = x * 2
    y.grad_fn.register_hook(too_few)
    with pytest.raises(RuntimeError, match=r"hook 'too_few' has returned an incorrect number "
                                           r"of values \(got 1, but expected 2\)"):
        y.sum().backward()
    y = x * 2
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: list(grad_inputs))
    with pytest.raises(TypeError, match="expected tuple, but hook returned 'list'"):
        y.sum().backward()
    assert x.grad is None


def test_a_node_hook_sees_gradients_in_the_shapes_of_the_inputs():
    a = mg.ones(3, requires_grad=True)
    b = mg.ones(2, 3, requires_grad=True)
    seen = []
    c = a + b  # a was broadcast: its gradient is summed back to shape (3,) before the hook
    c.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(
        ([tuple(g.shape) for g in grad_inputs], [tuple(g.shape) for g in grad_outputs])))
    c.sum().backward()
    assert seen == [([(3,), (2, 3)], [(2, 3)])]


def test_a_hook_on_a_leafs_accumulate_grad_node_runs_after_accumulating():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    accumulate = y.grad_fn.next_functions[0][0]
    seen = []
    accumulate.register_hook(lambda grad_inputs, grad_outputs: seen.append(
        (grad_inputs, [g.tolist() for g in grad_outputs], x.grad.tolist())))
    y.sum().backward()
    assert seen == [((), [[2.0, 2.0]], [2.0, 2.0])]
    x.register_hook(lambda grad: grad * 10)  # the leaf's own hooks run first, as in PyTorch
    x.grad = None
    seen.clear()
    (x * 2).sum().backward()
    assert seen == [((), [[20.0, 20.0]], [20.0, 20.0])]


@pytest.mark.parametrize("on_leaf", [True, False])
def test_a_hook_must_return_a_gradient_of_the_same_shape_and_dtype(on_leaf):
    def hook_on(x):
        return x if on_leaf else x * 1.0  # a leaf's hook, or a non-leaf's

    cases = [
        (lambda g: mg.ones(3), RuntimeError,
         r"hook 'expand' has changed the size of value: the gradient has shape \[2\], the "
         r"hook returned \[3\]"),
        (lambda g: g.double(), RuntimeError, r"hook 'expand' has changed the type of value "
                                             r"\(was FloatTensor got DoubleTensor\)"),
        (lambda g: 5.0, TypeError, r"hook 'expand' must return a Tensor or None, but returned "
                                   r"float"),
    ]
    for replace, error, message in cases:
        x = mg.tensor([1.0, 2.0], requires_grad=True)
        y = hook_on(x)

        def expand(g, replace=replace):
            return replace(g)

        y.register_hook(expand)
        with pytest.raises(error, match=message):
            (y * 2).sum().backward()


def test_retain_grad_follows_the_tensor_through_an_in_place_op_as_in_pytorch():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.mul_(3)
    y.sum().backward()
    assert y.grad.tolist() == [1.0, 1.0]  # d(sum y)/dy for the y after mul_, not before
    assert x.grad.tolist() == [6.0, 6.0]
    z = x * 2
    z.retain_grad()
    z[0] = 5.0
    (z * z).sum().backward()
    assert z.grad.tolist() == [10.0, 8.0]


def test_assigning_grad_checks_type_and_dtype():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None but "
                                        "got grad of type ndarray"):
        x.grad = np.zeros(2, dtype=np.float32)
    with pytest.raises(RuntimeError, match=r"assigned grad has data of a different type: "
                                           r"expected minigrad.float32, got minigrad.float64"):
        x.grad = mg.zeros(2, dtype=mg.float64)
    x.grad = mg.ones(2)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and x.grad.dtype == mg.float32


def test_hooks_can_be_removed():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 0)
    (x * 3).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    handle.remove()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_hooks_on_tensors_that_need_no_gradient_are_refused():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        mg.tensor([1.0]).register_hook(lambda g: g)


def test_autograd_grad_runs_the_hooks_of_its_inputs_as_pytorch_does():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g + 1)
    (g,) = mg.autograd.grad((x * 3).sum(), x)
    assert g.tolist() == [4.0, 4.0]
    assert x.grad is None


def test_the_live_node_count_sees_graphs_kept_alive_by_a_cycle(node_count):
    # The check the memory tests rely on: without gc.collect(), a cycle keeps nodes counted.
    baseline = node_count()
    x = mg.tensor([1.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g, keep=[y]: g)  # noqa: B006  (a deliberate cycle: y -> node -> y)
    del y
    assert node_count() > baseline
    gc.collect()
    assert node_count() == baseline


def test_a_function_with_two_outputs_that_saves_both_has_true_second_derivatives():
    class ExpAndTwice(mg.autograd.Function):  # (e^x, 2 e^x), each saved for backward
        @staticmethod
        def forward(ctx, x):
            a, b = x.exp(), x.exp() * 2
            ctx.save_for_backward(a, b)
            return a, b

        @staticmethod
        def backward(ctx, grad_a, grad_b):
            a, b = ctx.saved_tensors
            return grad_a * a + grad_b * b

    x = mg.tensor([0.5, 1.0], dtype=mg.float64, requires_grad=True)
    a, b = ExpAndTwice.apply(x)
    (first,) = mg.autograd.grad((a + b).sum(), x, create_graph=True)  # 3 e^x
    (second,) = mg.autograd.grad(first.sum(), x)  # 3 e^x again
    np.testing.assert_allclose(first.detach().numpy(), 3 * np.exp([0.5, 1.0]))
    np.testing.assert_allclose(second.numpy(), 3 * np.exp([0.5, 1.0]))
