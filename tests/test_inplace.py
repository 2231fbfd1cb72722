"""In-place operations and the version counter.

An in-place op changes a tensor's memory. Autograd must then (1) refuse it on a leaf that
requires grad, (2) refuse a backward that would read a saved tensor changed since it was
saved, and (3) otherwise record it, so gradients stay right. Under no_grad an in-place op
is the optimizer's update and is not recorded at all.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation"
MODIFIED_ERROR = (
    "one of the variables needed for gradient computation has been modified by an inplace "
    "operation"
)


def test_in_place_ops_change_values_and_return_self():
    t = mg.tensor([1.0, 2.0])
    assert t.add_(1) is t and t.tolist() == [2.0, 3.0]
    assert t.sub_(0.5) is t and t.tolist() == [1.5, 2.5]
    assert t.mul_(2) is t and t.tolist() == [3.0, 5.0]
    assert t.div_(mg.tensor([3.0, 5.0])) is t and t.tolist() == [1.0, 1.0]
    assert t.fill_(7) is t and t.tolist() == [7.0, 7.0]
    assert t.zero_() is t and t.tolist() == [0.0, 0.0]


def test_augmented_assignment_keeps_the_same_tensor():
    t = mg.tensor([1.0, 2.0])
    original = t
    t += 1
    t -= mg.tensor([0.5, 0.5])
    t *= 4
    t /= 2
    assert t is original
    assert t.tolist() == [3.0, 5.0]


def test_item_assignment():
    t = mg.zeros(2, 3)
    t[0] = 1.0
    t[1, 1:] = mg.tensor([2.0, 3.0])
    t[:, 0] += 10
    t[mg.tensor([1]), mg.tensor([0])] = 5.0
    assert t.tolist() == [[11.0, 1.0, 1.0], [5.0, 2.0, 3.0]]


def test_in_place_results_keep_their_dtype():
    t = mg.tensor([1, 2])
    t.mul_(3)
    assert t.dtype == mg.int64 and t.tolist() == [3, 6]
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        t.add_(0.5)  # PyTorch refuses to store a float result in an int tensor too


def test_the_gradient_of_an_in_place_result_has_the_targets_dtype():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    a += mg.tensor([0.5, 0.5], dtype=mg.float64)  # a stays float32
    a.retain_grad()
    seen = []
    a.register_hook(lambda g: seen.append(g.dtype))
    (a * 3).sum().backward()
    assert a.dtype == mg.float32 and a.grad.dtype == mg.float32 and seen == [mg.float32]
    assert x.grad.dtype == mg.float32 and x.grad.tolist() == [3.0, 3.0]


def test_every_in_place_change_bumps_the_version():
    t = mg.tensor([1.0, 2.0])
    versions = [t._version]
    for change in (lambda: t.add_(1), lambda: t.mul_(2), lambda: t.zero_(),
                   lambda: t.fill_(3.0), lambda: t.__setitem__(0, 1.0), lambda: t.div_(2)):
        change()
        versions.append(t._version)
    assert versions == [0, 1, 2, 3, 4, 5, 6]


def test_detach_shares_the_version_counter():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    d.add_(1)
    assert x._version == d._version == 1


# -- the leaf rule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda w: w.add_(1),
        lambda w: w.sub_(1),
        lambda w: w.mul_(2),
        lambda w: w.div_(2),
        lambda w: w.zero_(),
        lambda w: w.fill_(1.0),
        lambda w: w.__iadd__(1),
        lambda w: w.__isub__(1),
        lambda w: w.__imul__(2),
        lambda w: w.__setitem__(0, 5.0),
    ],
)
def test_in_place_on_a_leaf_that_requires_grad_is_refused(change):
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_ERROR) as error:
        change(w)
    assert "no_grad" in str(error.value)  # says what to do instead
    assert w.tolist() == [1.0, 2.0] and w._version == 0


def test_the_optimizer_pattern_updates_leaves_under_no_grad():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with mg.no_grad():
        w -= 0.1 * w.grad
        w[0] = w[0] * 10
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    np.testing.assert_allclose(w.detach().numpy(), [8.0, 1.6], rtol=1e-6)
    w.grad.zero_()
    (w * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]  # the update was not recorded


def test_a_training_loop_with_in_place_updates_converges():
    mg.manual_seed(0)
    x = mg.randn(64, 3)
    true_w = mg.tensor([[1.0], [-2.0], [0.5]])
    y = x @ true_w
    w = mg.zeros(3, 1, requires_grad=True)
    for _ in range(200):
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        with mg.no_grad():
            w -= 0.1 * w.grad
        w.grad.zero_()
    np.testing.assert_allclose(w.detach().numpy(), true_w.numpy(), atol=1e-4)


# -- the saved-tensor rule ----------------------------------------------------------------------


def test_changing_a_saved_input_before_backward_is_detected():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with mg.no_grad():
        w.add_(1)
    with pytest.raises(RuntimeError, match=MODIFIED_ERROR) as error:
        loss.backward()
    message = str(error.value)
    assert "is at version 1; expected version 0 instead" in message
    assert "MulBackward0" in message


def test_changing_a_saved_output_before_backward_is_detected():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # exp saves its output
    y.mul_(2)
    with pytest.raises(RuntimeError, match=MODIFIED_ERROR):
        y.sum().backward()


def test_changing_a_saved_tensor_through_detach_is_detected():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    x.detach().add_(1)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0 instead"):
        loss.backward()


def test_changing_a_tensor_no_op_saved_is_allowed():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    c = mg.tensor([3.0, 4.0])
    loss = (x + c).sum()  # Add saves nothing
    c.add_(1)
    loss.backward()
    assert x.grad.tolist() == [1.0, 1.0]


# -- recorded in-place ops on non-leaves give the right gradients -------------------------------


def test_in_place_ops_on_a_non_leaf_are_recorded():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    h.add_(1)
    assert h.grad_fn.name() == "AddBackward0"
    h.mul_(3)  # h = 3(2x + 1)
    h.sub_(1)
    h.div_(2)  # h = (6x + 2) / 2
    h.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]


def test_item_assignment_on_a_non_leaf_routes_gradients():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = mg.tensor(5.0, requires_grad=True)
    h = x * 2
    h[1] = v * v
    assert h.grad_fn.name() == "CopySlices"
    (h * mg.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 200.0]  # the overwritten element gets nothing
    assert v.grad.item() == 10.0 * 2 * 5.0


def test_fill_and_zero_on_a_non_leaf_cut_the_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.zero_()
    (h + x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_in_place_multiplication_by_a_tensor_that_requires_grad():
    # PyTorch saves the original value of h for w's gradient, so this works there.
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    w = mg.tensor([3.0, 4.0], requires_grad=True)
    h = x * 1
    h *= w
    h.sum().backward()
    assert x.grad.tolist() == [3.0, 4.0]
    assert w.grad.tolist() == [1.0, 2.0]


def test_in_place_division_by_a_tensor_that_requires_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    w = mg.tensor([2.0, 4.0], requires_grad=True)
    h = x * 1
    h /= w
    h.sum().backward()
    assert x.grad.tolist() == [0.5, 0.25]
    assert w.grad.tolist() == [-0.25, -0.125]  # -x / w²


def test_in_place_on_a_view_of_a_saved_tensor_is_not_a_silently_wrong_gradient():
    # A slice shares memory with its base. Changing it changes what exp saved for backward;
    # PyTorch raises the version error. A gradient computed from the changed values is wrong.
    # minigrad refuses the in-place change on the view itself; either error is honest.
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.exp()
    with pytest.raises(RuntimeError, match=f"{MODIFIED_ERROR}|in-place operation on a view"):
        view = y[0:2]
        view.mul_(2)
        y.sum().backward()


def test_in_place_on_a_reshaped_view_of_a_saved_tensor_is_detected():
    x = mg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x.sigmoid()
    with pytest.raises(RuntimeError, match=f"{MODIFIED_ERROR}|transposed view of another"):
        y.view(2, 2).add_(1)
        y.sum().backward()


def test_in_place_on_a_view_under_no_grad_still_counts_as_a_change_of_the_base():
    # Under no_grad nothing is recorded and the view may change; the base's saved values
    # have changed with it, and backward must say so.
    x = mg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x.sigmoid()
    with mg.no_grad():
        y.view(2, 2).add_(1)
    with pytest.raises(RuntimeError, match=MODIFIED_ERROR):
        y.sum().backward()


def test_in_place_on_a_view_of_a_non_leaf_is_not_a_silently_wrong_gradient():
    # PyTorch records the change on the base tensor (CopySlices): x.grad is [2, 2, 1].
    # Refusing the operation with an error would be honest too; ignoring it is not.
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    base = x * 1
    try:
        base[0:2].mul_(2)
        base.sum().backward()
    except RuntimeError:
        return
    assert base.tolist() == [2.0, 4.0, 3.0]
    assert x.grad.tolist() == [2.0, 2.0, 1.0]


def test_augmented_item_assignment_on_a_non_leaf_is_recorded():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1
    h[0:2] *= 2
    h[2] += x[0]
    h.sum().backward()
    assert h.tolist() == [2.0, 4.0, 4.0]
    assert x.grad.tolist() == [3.0, 2.0, 1.0]


def test_in_place_on_a_slice_is_recorded_on_the_tensor_it_views():
    # PyTorch's CopySlices: h's history becomes "the old h with this slice replaced".
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1
    h[0:2].mul_(3)
    assert h.tolist() == [3.0, 6.0, 3.0]
    assert h.grad_fn.name() == "CopySlices"
    h.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 1.0]


def test_in_place_on_a_slice_of_a_slice_reaches_the_owner():
    x = mg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    h = x * 1
    h[1:4][0:2].add_(x[0:2])
    assert h.tolist() == [1.0, 3.0, 5.0, 4.0]
    (h * mg.tensor([1.0, 10.0, 100.0, 1000.0])).sum().backward()
    assert x.grad.tolist() == [11.0, 110.0, 100.0, 1000.0]


def test_a_view_taken_before_its_base_changes_in_place_sees_the_change_in_its_gradient():
    # v = 2x[0:2], then y (and so v) is tripled: v = 6x[0:2], whose gradient is 6, not 2.
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    v = y[0:2]
    y.mul_(3)
    assert v.tolist() == [6.0, 12.0]
    v.sum().backward()
    assert x.grad.tolist() == [6.0, 6.0, 0.0]


def test_a_reshaped_view_taken_before_its_base_changes_sees_the_change():
    x = mg.arange(4.0).requires_grad_()
    y = x * 1
    v = y.view(2, 2)
    y.mul_(2)
    (v * v).sum().backward()  # v = 2x, so d/dx of (2x)^2 is 8x
    assert x.grad.tolist() == [0.0, 8.0, 16.0, 24.0]


def test_a_sibling_view_sees_an_in_place_change_made_through_another_view():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    first, second = y[0:2], y[1:3]
    first.mul_(10)  # changes y[1], which second views too
    assert second.tolist() == [20.0, 3.0]
    second.sum().backward()
    assert x.grad.tolist() == [0.0, 10.0, 1.0]


def test_item_assignment_on_the_base_reaches_an_earlier_view():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = mg.tensor(10.0, requires_grad=True)
    y = x * 2
    v = y[0:2]
    y[0] = w  # v[0] is w now, not 2 * x[0]
    (v * v).sum().backward()
    assert x.grad.tolist() == [0.0, 16.0, 0.0]
    assert w.grad.item() == 20.0


def test_a_view_of_a_constant_gets_a_history_when_the_constant_takes_one_in_place():
    w = mg.tensor([1.0, 1.0, 1.0], requires_grad=True)
    y = mg.zeros(3)
    v = y[0:2]
    assert not v.requires_grad
    y.add_(w * 5)
    assert v.requires_grad and v.grad_fn is not None
    v.sum().backward()
    assert w.grad.tolist() == [5.0, 5.0, 0.0]


def test_a_view_of_a_view_sees_an_in_place_change_of_the_middle_one():
    x = mg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x * 1
    middle = y[0:3]
    inner = middle[0:2]
    middle.mul_(2)
    inner.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 0.0, 0.0]


NO_GRAD_VIEW_ERROR = "A view was created in no_grad mode and"


def test_a_view_made_under_no_grad_meets_in_place_changes_with_pytorchs_error():
    # Such a view has no history to remake: recording through it would be ambiguous.
    x = mg.ones(3, requires_grad=True)
    y = x * 1
    with mg.no_grad():
        v = y[0:2]
    with pytest.raises(RuntimeError, match=NO_GRAD_VIEW_ERROR + " is being modified inplace"):
        v.mul_(2)
    y.mul_(2)
    with pytest.raises(RuntimeError, match=NO_GRAD_VIEW_ERROR + " its base or another view"):
        v * mg.ones(2, requires_grad=True)
    data = mg.ones(3)  # a tensor that needs no gradient: nothing is ambiguous
    with mg.no_grad():
        part = data[0:2]
    data.mul_(2)
    part.mul_(2)
    assert data.tolist() == [4.0, 4.0, 2.0]


def test_rows_kept_while_later_rows_are_assigned_keep_true_gradients():
    # The pattern of a hand-written recurrent network: h[i] depends on h[i - 1].
    x = mg.ones(6, 2, requires_grad=True)
    h = mg.zeros(6, 2)
    rows = []
    for i in range(1, 6):
        h[i] = h[i - 1] * 0.5 + x[i]
        rows.append(h[i])
    sum(row.sum() for row in rows).backward()
    # x[i] reaches h[j] for j >= i with weight 0.5 ** (j - i).
    expected = [0.0] + [sum(0.5**k for k in range(6 - i)) for i in range(1, 6)]
    assert np.allclose(x.grad.numpy()[:, 0], expected)


def test_a_view_is_brought_up_to_date_when_used_and_when_asked():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    v = y[0:2]
    y.mul_(3)
    before = v.grad_fn  # the attribute itself is remade when the view is next used
    assert repr(v) == "tensor([ 6., 12.], grad_fn=<SliceBackward0>)"
    assert v.grad_fn is not before and v.grad_fn.next_functions[0][0] is y.grad_fn
    y.data = mg.tensor([0.0, 0.0, 0.0, 0.0])  # v no longer views y's memory
    with mg.no_grad():
        y.add_(1)
    assert v.tolist() == [6.0, 12.0] and not v.is_leaf


def test_in_place_on_a_view_of_a_leaf_that_requires_grad_is_refused():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        w[0:1].mul_(2)


def test_an_element_of_a_vector_is_a_view_as_in_pytorch():
    v = mg.tensor([1.0, 2.0])
    first = v[0]  # a 0-d view of v's memory, not a copied number
    first += 10
    assert v.tolist() == [11.0, 2.0]
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    h[1].mul_(3)  # recorded on h, as for a slice
    assert h.tolist() == [1.0, 6.0] and h.grad_fn.name() == "CopySlices"
    h.sum().backward()
    assert x.grad.tolist() == [1.0, 3.0]
