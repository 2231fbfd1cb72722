"""Tensors as a learner meets them: creation, dtypes, attributes, conversions, forward values.

Gradients are tested in test_autograd.py and test_ops_gradcheck.py; here only what a tensor
holds and what the ops compute.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import minigrad as mg

# -- creation and dtypes -----------------------------------------------------------------------


def test_python_floats_become_float32_and_ints_int64_as_in_pytorch():
    assert mg.tensor([1.0, 2.0]).dtype == mg.float32
    assert mg.tensor(2.5).dtype == mg.float32
    assert mg.tensor([1, 2]).dtype == mg.int64
    assert mg.tensor([True, False]).dtype == mg.bool
    assert mg.tensor([1, 2.5]).dtype == mg.float32


def test_numpy_arrays_keep_their_dtype_and_are_copied():
    array = np.array([1.0, 2.0])
    t = mg.tensor(array)
    assert t.dtype == mg.float64
    array[0] = 99.0
    assert t.tolist() == [1.0, 2.0]


def test_dtype_argument_and_aliases():
    assert mg.tensor([1, 2], dtype=mg.float64).dtype == mg.float64
    assert mg.tensor([1.5], dtype=mg.long).tolist() == [1]
    assert mg.float is mg.float32 and mg.double is mg.float64 and mg.long is mg.int64
    assert mg.tensor([1, 2], dtype=float).dtype == mg.float32  # Python's float: the default


def test_tensor_from_tensor_copies_values():
    a = mg.tensor([1.0, 2.0])
    b = mg.tensor(a)
    b.add_(1)
    assert a.tolist() == [1.0, 2.0]
    assert b.tolist() == [2.0, 3.0]


def test_zeros_ones_full_accept_sizes_as_arguments_or_a_tuple():
    assert mg.zeros(2, 3).shape == (2, 3)
    assert mg.ones((2, 3)).shape == (2, 3)
    assert mg.zeros([4]).tolist() == [0.0] * 4
    assert mg.ones(2).dtype == mg.float32
    assert mg.zeros(2, dtype=mg.float64).dtype == mg.float64
    assert mg.full((2, 2), 1.5).tolist() == [[1.5, 1.5], [1.5, 1.5]]
    assert mg.full((2,), 3).dtype == mg.int64  # an int fill value gives an int tensor
    assert mg.full((2,), 3.0).dtype == mg.float32
    assert mg.full((2,), True).dtype == mg.bool


def test_arange_follows_range_and_chooses_int64_or_float32():
    assert mg.arange(4).tolist() == [0, 1, 2, 3]
    assert mg.arange(4).dtype == mg.int64
    assert mg.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert mg.arange(0.0, 1.0, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]
    assert mg.arange(0.0, 1.0, 0.25).dtype == mg.float32


def test_like_functions_copy_shape_and_dtype():
    base = mg.tensor([[1, 2, 3]])
    assert mg.zeros_like(base).tolist() == [[0, 0, 0]]
    assert mg.zeros_like(base).dtype == mg.int64
    assert mg.ones_like(mg.zeros(2, dtype=mg.float64)).dtype == mg.float64
    r = mg.randn_like(mg.zeros(3, 4))
    assert r.shape == (3, 4) and r.dtype == mg.float32
    assert mg.ones_like(base, dtype=mg.float32).dtype == mg.float32


def test_creation_functions_can_make_leaves_that_require_grad():
    for t in (mg.zeros(2, requires_grad=True), mg.ones(2, requires_grad=True),
              mg.randn(2, requires_grad=True), mg.rand(2, requires_grad=True),
              mg.full((2,), 1.0, requires_grad=True), mg.tensor([1.0], requires_grad=True)):
        assert t.requires_grad and t.is_leaf and t.grad_fn is None and t.grad is None


def test_rand_and_randn_draw_float32_from_the_documented_distributions():
    u = mg.rand(20_000)
    n = mg.randn(20_000)
    assert u.dtype == n.dtype == mg.float32
    assert 0.0 <= u.min().item() and u.max().item() < 1.0
    assert abs(u.mean().item() - 0.5) < 0.01
    assert abs(n.mean().item()) < 0.03
    assert abs(n.array.std() - 1.0) < 0.03


def test_manual_seed_makes_every_random_function_repeatable():
    def draw():
        return (mg.rand(3).tolist(), mg.randn(2, 2).tolist(),
                mg.randn_like(mg.zeros(2)).tolist())

    mg.manual_seed(7)
    first = draw()
    mg.manual_seed(7)
    assert draw() == first
    mg.manual_seed(8)
    assert draw() != first


def test_random_draws_differ_between_calls():
    assert mg.randn(5).tolist() != mg.randn(5).tolist()


# -- attributes ------------------------------------------------------------------------------


def test_shape_ndim_numel_size():
    t = mg.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4)
    assert isinstance(t.shape, mg.Size)
    assert repr(t.shape) == "minigrad.Size([2, 3, 4])"
    assert t.ndim == 3 and t.dim() == 3
    assert t.numel() == 24
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert mg.tensor(5.0).shape == () and mg.tensor(5.0).numel() == 1
    with pytest.raises(IndexError, match=re.escape(
            "Dimension out of range (expected to be in range of [-3, 2], but got 3)")):
        t.size(3)


def test_item_returns_a_python_number_and_refuses_many_elements():
    assert mg.tensor(3.5).item() == 3.5 and isinstance(mg.tensor(3.5).item(), float)
    assert mg.tensor([7]).item() == 7 and isinstance(mg.tensor([7]).item(), int)
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted"):
        mg.tensor([1.0, 2.0]).item()


def test_tolist_gives_nested_python_lists():
    assert mg.tensor([[1.5, 2.0], [3.0, 4.0]]).tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert mg.tensor(2.0).tolist() == 2.0
    assert mg.tensor([1, 2]).tolist() == [1, 2]


def test_numpy_shares_memory_and_refuses_tensors_that_require_grad():
    t = mg.tensor([1.0, 2.0])
    array = t.numpy()
    array[0] = 5.0
    assert t.tolist() == [5.0, 2.0]
    w = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        w.numpy()
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        np.asarray(w)
    assert w.detach().numpy().tolist() == [1.0]


def test_np_array_copies_and_np_asarray_shares_as_with_pytorch():
    t = mg.tensor([1.0, 2.0])
    copied = np.array(t)
    copied[0] = 9.0
    assert t.tolist() == [1.0, 2.0]
    np.asarray(t)[1] = 7.0
    assert t.tolist() == [1.0, 7.0]
    assert np.array(t, dtype=np.float64).dtype == np.float64


def test_data_is_a_view_without_history():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    y = w * 2
    d = y.data
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert d.tolist() == [2.0, 4.0]
    w.data.mul_(10)  # the old optimizer pattern: change values behind autograd's back
    assert w.tolist() == [10.0, 20.0] and w.requires_grad


def test_float_double_long_convert_and_keep_values():
    i = mg.tensor([1, 2])
    assert i.float().dtype == mg.float32 and i.float().tolist() == [1.0, 2.0]
    assert i.double().dtype == mg.float64
    f = mg.tensor([1.7, -2.7])
    assert f.long().dtype == mg.int64
    assert f.long().tolist() == [1, -2]  # truncation toward zero, as in PyTorch
    assert f.float() is f  # already float32: no copy, as in PyTorch


def test_T_reverses_dimensions():
    t = mg.arange(6.0).reshape(2, 3)
    assert t.T.shape == (3, 2)
    assert t.T.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    assert mg.zeros(2, 3, 4).T.shape == (4, 3, 2)


def test_python_protocols():
    t = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert len(t) == 2
    assert [row.tolist() for row in t] == [[1.0, 2.0], [3.0, 4.0]]
    assert float(mg.tensor(2.5)) == 2.5 and int(mg.tensor(3)) == 3
    assert bool(mg.tensor(1.0)) and not bool(mg.tensor(0.0))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value"):
        bool(t)
    assert f"{mg.tensor(3.14159):.2f}" == "3.14"
    assert [10, 20, 30][mg.tensor(1)] == 20  # integer tensors work as list indices
    assert abs(mg.tensor([-1.0, 2.0])).tolist() == [1.0, 2.0] and (+t) is t


def test_scalar_conversions_and_membership_raise_and_answer_as_pytorch_does():
    t = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    for convert in (float, int):
        with pytest.raises(ValueError, match=r"only one element tensors can be converted to "
                                             r"Python scalars \(this one has shape \[2, 2\]"):
            convert(t)
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with no values is ambiguous"):
        bool(mg.tensor([]))
    assert 4.0 in t and mg.tensor(2.0) in t and 5 not in t
    with pytest.raises(RuntimeError, match="only supports Tensor or scalar"):
        "a" in t  # noqa: B015


def test_format_shows_a_0d_tensors_number_as_pytorch_does():
    loss = mg.tensor(0.25, requires_grad=True) * 2
    assert f"{loss}" == "0.5" and f"{loss:.3f}" == "0.500"
    assert f"{mg.tensor(0.1)}" == "0.10000000149011612"  # the float32 value, as a Python float
    assert f"{mg.tensor(3)}" == "3"
    assert f"{mg.tensor([1.0, 2.0])}" == "tensor([1., 2.])"
    with pytest.raises(TypeError, match=r"a \[2\] tensor has no single number to format"):
        f"{mg.tensor([1.0, 2.0]):.2f}"


def test_format_matches_pytorch(torch):
    def shown(lib):
        return [f"{lib.tensor(0.1)}", f"{lib.tensor(2.5, requires_grad=True) * 2}",
                f"{lib.tensor(7)}", f"{lib.tensor([1.0, 2.0])}", f"{lib.tensor(1 / 3):.4f}"]

    assert shown(mg) == shown(torch)


def test_abs_of_a_tensor_is_differentiable():
    x = mg.tensor([-2.0, 3.0], requires_grad=True)
    abs(x).sum().backward()
    assert x.grad.tolist() == [-1.0, 1.0]


# -- comparisons -----------------------------------------------------------------------------


def test_comparisons_return_bool_tensors_without_gradient():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in [
        (x > 2, [False, False, True]),
        (x >= 2, [False, True, True]),
        (x < 2, [True, False, False]),
        (x <= 2, [True, True, False]),
        (x == mg.tensor([1.0, 0.0, 3.0]), [True, False, True]),
        (x != 2, [True, False, True]),
    ]:
        assert result.dtype == mg.bool
        assert result.tolist() == expected
        assert not result.requires_grad and result.grad_fn is None


def test_bool_tensors_combine_and_reduce():
    a, b = mg.tensor([True, False, True]), mg.tensor([True, True, False])
    assert (a & b).tolist() == [True, False, False]
    assert (a | b).tolist() == [True, True, True]
    assert (~a).tolist() == [False, True, False]
    assert a.any().item() and not a.all().item()
    assert (True & a).tolist() == [True, False, True] and (False | a).tolist() == a.tolist()


def test_and_or_are_bitwise_on_integers_and_refused_on_floats():
    assert (mg.tensor([6, 3]) & mg.tensor([3, 1])).tolist() == [2, 1]
    assert (mg.tensor([4, 1]) | 2).tolist() == [6, 3]
    x = mg.tensor([0.5, 2.0])
    with pytest.raises(RuntimeError, match=r"'&' is a bitwise operation.*\(x > 0\) & \(x < 1\)"):
        x & (x > 1)
    assert ((x > 0) & (x < 1)).tolist() == [True, False]


# -- type promotion, as PyTorch does it -------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "dtype"),
    [
        (lambda: mg.tensor([1, 2]) + 1.5, mg.float32),  # int tensor and a float: float32
        (lambda: mg.tensor([1, 2]) * 2, mg.int64),
        (lambda: mg.tensor([1, 2]) / 2, mg.float32),  # true division of ints: float32
        (lambda: mg.tensor([1, 2]) / mg.tensor([2, 2]), mg.float32),
        (lambda: mg.tensor([1, 2]) ** 0.5, mg.float32),
        (lambda: mg.tensor([1.0, 2.0]) + mg.tensor([1, 2]), mg.float32),  # numpy says float64
        (lambda: mg.tensor([1.0, 2.0]) * mg.tensor([True, False]), mg.float32),
        (lambda: mg.tensor([2.0, 3.0]) ** mg.tensor([2, 3]), mg.float32),
        (lambda: mg.tensor([1.0], dtype=mg.float64) + mg.tensor([1.0]), mg.float64),
        (lambda: mg.tensor([1.0]) + mg.tensor(1.0, dtype=mg.float64), mg.float32),
        (lambda: mg.tensor([1.0], dtype=mg.float64) * 2.5, mg.float64),
        (lambda: mg.tensor([True]) + 1, mg.int64),
        # numpy's float scalars are floats: an int tensor times np.float32(0.5) is float32
        (lambda: mg.tensor([1, 2]) * np.float32(0.5), mg.float32),
        (lambda: mg.tensor([1, 2]) + np.float64(0.5), mg.float32),
        (lambda: np.float32(2.5) ** mg.tensor([1, 2]), mg.float32),
        (lambda: mg.tensor([True]) * np.float32(1.5), mg.float32),
        (lambda: mg.tensor([1, 2]) * np.int32(3), mg.int64),
        (lambda: mg.tensor([True]) & np.bool_(True), mg.bool),
        # functions that only make sense on floats give float32 for integer tensors
        (lambda: mg.tensor([0, 1]).sigmoid(), mg.float32),
        (lambda: mg.tensor([0, 1]).exp(), mg.float32),
        (lambda: mg.tensor([1, 4]).sqrt(), mg.float32),
        (lambda: mg.tensor([1, 2]).log(), mg.float32),
        (lambda: mg.tensor([True]).tanh(), mg.float32),
        # clamp and ** keep the tensor's dtype, as in PyTorch (numpy would widen)
        (lambda: mg.tensor([1, 5]).clamp(0.5, 2.5), mg.float32),
        (lambda: mg.tensor([1.0, 5.0]).clamp(np.float64(0.5)), mg.float32),
        (lambda: mg.tensor([1, 5]).clamp(2), mg.int64),
        (lambda: mg.tensor([1, 2], dtype=mg.int32) ** 2, mg.int32),
        (lambda: mg.tensor([2, 4]) ** np.float32(0.5), mg.float32),
        (lambda: mg.tensor([True, False]).clamp(0), mg.int64),
        (lambda: mg.where(mg.tensor([True, False]), mg.tensor([1.0, 2.0]), 0), mg.float32),
        (lambda: mg.where(mg.tensor([True]), mg.tensor([1.0]), mg.tensor([2])), mg.float32),
    ],
)
def test_result_dtypes_follow_pytorch_promotion(make, dtype):
    assert make().dtype == dtype


def test_mixed_dtype_values_are_right():
    assert (mg.tensor([1, 2]) / 2).tolist() == [0.5, 1.0]
    assert (mg.tensor([1.5, 2.5]) * mg.tensor([2, 3])).tolist() == [3.0, 7.5]
    assert (mg.arange(4) * np.float32(0.5)).tolist() == [0.0, 0.5, 1.0, 1.5]  # not truncated
    assert (mg.tensor([4, 9]) ** np.float32(0.5)).tolist() == [2.0, 3.0]
    assert (mg.tensor([1, 2]) / np.float32(2.5)).tolist() == pytest.approx([0.4, 0.8])
    assert mg.tensor([0, 1]).sigmoid().tolist() == pytest.approx([0.5, 0.7310586])


def test_clamp_takes_numbers_and_says_what_to_do_with_tensor_bounds():
    x = mg.tensor([1.0, 5.0])
    with pytest.raises(TypeError, match=r"clamp\(\): min and max must be numbers here, not "
                                        r"Tensor.*minigrad\.where\(x < low, low, x\)"):
        x.clamp(mg.tensor([1.5, 1.5]))
    low = mg.tensor([1.5, 1.5])
    assert mg.where(x < low, low, x).tolist() == [1.5, 5.0]


def test_integers_to_negative_powers_are_refused():
    with pytest.raises(RuntimeError, match=r"Integers to negative integer powers are not "
                                           r"allowed\. Convert the tensor first"):
        mg.tensor([2]) ** -1
    assert (mg.tensor([2]).float() ** -1).tolist() == [0.5]


@pytest.mark.parametrize("call", [lambda t: t.softmax(0), lambda t: t.log_softmax(0),
                                  lambda t: t.norm()])
def test_softmax_and_norm_of_an_integer_tensor_ask_for_floats(call):
    with pytest.raises(RuntimeError, match=r"expected a floating point tensor, got "
                                           r"minigrad\.int64\. Convert it first: x\.float\(\)"):
        call(mg.tensor([1, 2]))


# -- forward values of the ops ----------------------------------------------------------------


def test_arithmetic_broadcasts_like_numpy():
    a = mg.tensor([[1.0], [2.0]])
    b = mg.tensor([10.0, 20.0, 30.0])
    assert (a + b).tolist() == [[11.0, 21.0, 31.0], [12.0, 22.0, 32.0]]
    assert (b - a).shape == (2, 3)
    assert (a * b).tolist()[1] == [20.0, 40.0, 60.0]
    assert (b / a).tolist()[1] == [5.0, 10.0, 15.0]
    assert (2 - a).tolist() == [[1.0], [0.0]]
    assert (1 / a).tolist() == [[1.0], [0.5]]
    assert (-a).tolist() == [[-1.0], [-2.0]]
    assert (a**2).tolist() == [[1.0], [4.0]]
    assert (2**a).tolist() == [[2.0], [4.0]]
    assert (a ** mg.tensor([1.0, 3.0])).tolist() == [[1.0, 1.0], [2.0, 8.0]]


def test_matmul_covers_every_pair_of_ranks():
    m = mg.arange(6.0).reshape(2, 3)
    v = mg.tensor([1.0, 0.0, -1.0])
    assert (m @ v).tolist() == [-2.0, -2.0]
    assert (v @ m.T).tolist() == [-2.0, -2.0]
    assert (v @ v).item() == 2.0 and mg.dot(v, v).item() == 2.0
    assert (m @ m.T).tolist() == [[5.0, 14.0], [14.0, 50.0]]
    assert mg.matmul(m, m.T).tolist() == [[5.0, 14.0], [14.0, 50.0]]
    batch = mg.ones(4, 2, 3)
    assert (batch @ m.T).shape == (4, 2, 2)
    assert (mg.ones(5, 1, 2, 3) @ mg.ones(4, 3, 2)).shape == (5, 4, 2, 2)
    np.testing.assert_allclose((batch @ v).numpy(), np.ones((4, 2, 3)) @ v.numpy())


def test_reductions_with_dim_and_keepdim():
    t = mg.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    assert t.sum().item() == 21.0
    assert t.sum(0).tolist() == [5.0, 7.0, 9.0]
    assert t.sum(dim=1, keepdim=True).tolist() == [[9.0], [12.0]]
    assert t.sum((0, 1)).item() == 21.0
    assert t.mean().item() == 3.5
    assert t.mean(-1).tolist() == [3.0, 4.0]
    assert t.max().item() == 6.0 and t.min().item() == 1.0
    values, indices = t.max(dim=1)
    assert values.tolist() == [5.0, 6.0] and indices.tolist() == [1, 2]
    assert indices.dtype == mg.int64
    m = t.min(dim=0, keepdim=True)
    assert m.values.tolist() == [[1.0, 2.0, 3.0]] and m.indices.tolist() == [[0, 1, 0]]
    assert mg.sum(t).item() == 21.0 and mg.mean(t, 0).tolist() == [2.5, 3.5, 4.5]


def test_keepdim_without_dim_keeps_every_dimension_as_in_pytorch():
    t = mg.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], requires_grad=True)
    total = t.sum(dim=None, keepdim=True)
    assert total.shape == (1, 1) and total.tolist() == [[21.0]]
    assert t.mean(dim=None, keepdim=True).tolist() == [[3.5]]
    (total * 2).sum().backward()
    assert t.grad.tolist() == [[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]


@pytest.mark.parametrize(("reduce", "dim"), [
    (lambda t: t.sum((0, -2)), 0),
    (lambda t: t.mean((1, 1)), 1),
    (lambda t: t.norm(dim=(0, 0)), 0),
])
def test_a_dimension_listed_twice_is_pytorchs_error(reduce, dim):
    with pytest.raises(RuntimeError, match=f"dim {dim} appears multiple times in the list of dims"):
        reduce(mg.ones(2, 3))


def test_elementwise_functions_match_numpy():
    x = np.array([0.5, 1.0, 2.0, 3.0])
    t = mg.tensor(x, dtype=mg.float64)
    for ours, expected in [
        (t.exp(), np.exp(x)), (t.log(), np.log(x)), (t.sqrt(), np.sqrt(x)),
        (t.tanh(), np.tanh(x)), (t.sigmoid(), 1 / (1 + np.exp(-x))),
        ((-t).abs(), x), ((t - 1).relu(), np.maximum(x - 1, 0)),
        (mg.exp(t), np.exp(x)), (mg.log(t), np.log(x)), (mg.sqrt(t), np.sqrt(x)),
        (mg.tanh(t), np.tanh(x)), (mg.sigmoid(t), 1 / (1 + np.exp(-x))),
        (mg.abs(-t), x), (mg.relu(t - 1), np.maximum(x - 1, 0)),
        (t.pow(2), x**2), (t.clamp(1.0, 2.0), np.clip(x, 1.0, 2.0)),
        (mg.clamp(t, min=1.0), np.maximum(x, 1.0)), (t.clamp(max=1.0), np.minimum(x, 1.0)),
    ]:
        np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-12)


def test_sigmoid_does_not_overflow():
    assert mg.tensor([-1000.0, 0.0, 1000.0]).sigmoid().tolist() == [0.0, 0.5, 1.0]


def test_norm():
    assert mg.tensor([3.0, 4.0]).norm().item() == 5.0
    assert mg.norm(mg.tensor([3.0, -4.0]), p=1).item() == 7.0
    assert mg.tensor([3.0, -4.0]).norm(float("inf")).item() == 4.0
    assert mg.tensor([[3.0, 4.0], [6.0, 8.0]]).norm(dim=1).tolist() == [5.0, 10.0]


def test_softmax_and_log_softmax_are_stable_and_normalized():
    x = mg.tensor([[1000.0, 0.0], [1.0, 2.0]])
    s = x.softmax(dim=1)
    assert s[0].tolist() == [1.0, 0.0]
    np.testing.assert_allclose(s.sum(1).numpy(), [1.0, 1.0], rtol=1e-6)
    ls = mg.log_softmax(x, dim=-1)
    np.testing.assert_allclose(ls[0].numpy(), [0.0, -1000.0])
    np.testing.assert_allclose(ls.exp().numpy(), s.numpy(), rtol=1e-6)
    np.testing.assert_allclose(mg.softmax(x, 0).sum(0).numpy(), [1.0, 1.0], rtol=1e-6)


def test_shape_ops():
    t = mg.arange(6.0)
    assert t.reshape(2, 3).tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert t.view(3, -1).shape == (3, 2)
    assert t.reshape((3, 2)).shape == (3, 2)
    m = t.reshape(2, 3)
    assert m.transpose(0, 1).tolist() == m.T.tolist()
    assert mg.zeros(2, 3, 4).permute(2, 0, 1).shape == (4, 2, 3)
    assert m.unsqueeze(0).shape == (1, 2, 3) and m.unsqueeze(-1).shape == (2, 3, 1)
    assert mg.zeros(2, 1, 3, 1).squeeze().shape == (2, 3)
    assert mg.zeros(2, 1, 3).squeeze(1).shape == (2, 3)
    assert mg.zeros(2, 1, 3).squeeze(0).shape == (2, 1, 3)  # not of size 1: unchanged
    assert mg.tensor([[1.0], [2.0]]).expand(2, 3).tolist() == [[1.0] * 3, [2.0] * 3]
    assert mg.tensor([1.0, 2.0]).expand(3, -1).shape == (3, 2)
    assert m.flatten().shape == (6,)


def test_indexing_basic_and_integer_arrays():
    t = mg.arange(12.0).reshape(3, 4)
    assert t[1].tolist() == [4.0, 5.0, 6.0, 7.0]
    assert t[-1, -1].item() == 11.0
    assert t[:, 1:3].tolist() == [[1.0, 2.0], [5.0, 6.0], [9.0, 10.0]]
    assert t[::2, ::3].tolist() == [[0.0, 3.0], [8.0, 11.0]]
    assert t[..., 0].tolist() == [0.0, 4.0, 8.0]
    assert t[None].shape == (1, 3, 4)
    assert t[[0, 2]].tolist() == [[0.0, 1.0, 2.0, 3.0], [8.0, 9.0, 10.0, 11.0]]
    assert t[mg.tensor([0, 2]), mg.tensor([1, 3])].tolist() == [1.0, 11.0]
    assert t[mg.arange(3), mg.tensor([0, 1, 2])].tolist() == [0.0, 5.0, 10.0]
    assert t[t > 8].tolist() == [9.0, 10.0, 11.0]


def test_joining_and_summing_give_pytorchs_dtypes():
    floats, ints = mg.tensor([1.0, 2.0]), mg.tensor([3, 4])
    assert mg.cat([floats, ints]).dtype == mg.float32  # numpy would say float64
    assert mg.stack([ints, floats]).dtype == mg.float32
    assert mg.cat([ints, mg.tensor([True])]).dtype == mg.int64
    assert mg.tensor([200, 100], dtype=mg.uint8).sum().item() == 300
    assert mg.tensor([200, 100], dtype=mg.uint8).sum().dtype == mg.int64
    assert mg.tensor([True, True]).sum().dtype == mg.int64


def test_numbers_cannot_be_concatenated_only_stacked():
    with pytest.raises(RuntimeError, match=r"zero-dimensional tensor \(at position 1\) cannot "
                                           "be concatenated"):
        mg.cat([mg.tensor([1.0]), mg.tensor(2.0)])
    assert mg.stack([mg.tensor(1.0), mg.tensor(2.0)]).tolist() == [1.0, 2.0]


def test_argmax_with_keepdim_and_no_dim_keeps_every_dimension():
    x = mg.tensor([[1.0, 5.0, 2.0], [0.0, 3.0, 4.0]])
    assert x.argmax().item() == 1 and x.argmax(keepdim=True).shape == (1, 1)
    assert x.argmin(keepdim=True).tolist() == [[3]]


def test_cat_stack_where():
    a, b = mg.ones(2, 1), mg.zeros(2, 2)
    assert mg.cat([a, b], dim=1).tolist() == [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    assert mg.cat([mg.ones(1, 2), mg.zeros(2, 2)]).shape == (3, 2)
    assert mg.stack([mg.ones(2), mg.zeros(2)]).tolist() == [[1.0, 1.0], [0.0, 0.0]]
    assert mg.stack([mg.ones(2), mg.zeros(2)], dim=1).tolist() == [[1.0, 0.0], [1.0, 0.0]]
    assert mg.stack([mg.ones(2), mg.zeros(2)], dim=-1).shape == (2, 2)
    cond = mg.tensor([True, False, True])
    assert mg.where(cond, mg.tensor([1.0, 2.0, 3.0]), 0.0).tolist() == [1.0, 0.0, 3.0]
    assert mg.where(cond, 1.0, mg.tensor([5.0, 6.0, 7.0])).tolist() == [1.0, 6.0, 1.0]


def test_clone_copies_values():
    a = mg.tensor([1.0, 2.0])
    b = a.clone()
    b.add_(1)
    assert a.tolist() == [1.0, 2.0]
