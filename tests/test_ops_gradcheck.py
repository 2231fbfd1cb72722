"""Every differentiable op, gradchecked in float64 over shapes and broadcasts drawn by hypothesis.

Inputs stay on safe domains: log and sqrt see positive numbers, abs/relu/clamp values away
from their kinks, max/min/norm(inf) values without ties. Finite differences cannot check a
derivative where there is none. The last tests check gradcheck itself: it must catch a wrong
backward and say where.
"""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.autograd import Function, GradcheckError, gradcheck

CHECK = settings(max_examples=25, deadline=None)

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
NONEMPTY_DIMS = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


def floats(low: float, high: float):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def away_from_zero(low: float = 0.1, high: float = 2.0):
    return st.one_of(floats(-high, -low), floats(low, high))


def spaced(scale: float = 0.05):
    """Numbers at least `scale` apart once unique: no ties for max, min or the inf-norm."""
    return st.integers(-40, 40).map(lambda i: i * scale)


def arrays(shape, elements, unique: bool = False):
    return hnp.arrays(np.float64, shape, elements=elements, unique=unique)


def leaf(array) -> mg.Tensor:
    return mg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def check(fn, *arrays_in):
    inputs = tuple(leaf(a) for a in arrays_in)
    assert all(t.dtype == mg.float64 for t in inputs)
    assert gradcheck(fn, inputs)


# -- elementwise, one input ---------------------------------------------------------------------

UNARY = {
    "neg": (lambda x: -x, floats(-3, 3)),
    "exp": (lambda x: x.exp(), floats(-3, 3)),
    "log": (lambda x: x.log(), floats(0.2, 3)),
    "sqrt": (lambda x: x.sqrt(), floats(0.2, 3)),
    "abs": (lambda x: x.abs(), away_from_zero()),
    "relu": (lambda x: x.relu(), away_from_zero()),
    "tanh": (lambda x: x.tanh(), floats(-3, 3)),
    "sigmoid": (lambda x: x.sigmoid(), floats(-4, 4)),
    "clamp": (lambda x: x.clamp(-0.5, 0.5),
              st.one_of(floats(-2, -0.6), floats(-0.4, 0.4), floats(0.6, 2))),
    "clamp_min": (lambda x: x.clamp(min=0.5), st.one_of(floats(-2, 0.4), floats(0.6, 2))),
    "clamp_max": (lambda x: mg.clamp(x, max=-0.5), st.one_of(floats(-2, -0.6), floats(-0.4, 2))),
    "square": (lambda x: x**2, floats(-2, 2)),
    "cube": (lambda x: x.pow(3), floats(-2, 2)),
    "pow_half": (lambda x: x**0.5, floats(0.2, 3)),
    "pow_negative": (lambda x: x**-1.5, floats(0.3, 3)),
    "pow_zero": (lambda x: x**0, floats(-2, 2)),
    "clone": (lambda x: x.clone(), floats(-2, 2)),
    "functional": (lambda x: mg.tanh(mg.exp(x)) + mg.sigmoid(x) * mg.relu(x + 5),
                   floats(-2, 2)),
}


@pytest.mark.parametrize("name", list(UNARY))
@CHECK
@given(data=st.data())
def test_unary_ops(name, data):
    fn, elements = UNARY[name]
    x = data.draw(arrays(SHAPES, elements), label="x")
    check(fn, x)


# -- elementwise, two inputs, with broadcasting ------------------------------------------------

BINARY = {
    "add": (lambda a, b: a + b, floats(-2, 2), floats(-2, 2)),
    "sub": (lambda a, b: a - b, floats(-2, 2), floats(-2, 2)),
    "mul": (lambda a, b: a * b, floats(-2, 2), floats(-2, 2)),
    "div": (lambda a, b: a / b, floats(-2, 2), away_from_zero(0.5, 2)),
    "pow": (lambda a, b: a**b, floats(0.5, 2), floats(-2, 2)),
    "methods": (lambda a, b: a.add(b).mul(b).sub(a).div(b * b + 1), floats(-2, 2), floats(-2, 2)),
    "same_tensor_twice": (lambda a, b: a * a + b / (a * a + 1), floats(-2, 2), floats(-2, 2)),
}


@pytest.mark.parametrize("name", list(BINARY))
@CHECK
@given(data=st.data(), shapes=PAIRS)
def test_binary_ops_broadcast(name, data, shapes):
    fn, elements_a, elements_b = BINARY[name]
    a = data.draw(arrays(shapes.input_shapes[0], elements_a), label="a")
    b = data.draw(arrays(shapes.input_shapes[1], elements_b), label="b")
    check(fn, a, b)


def test_tensor_power_at_zero_and_below_follows_pytorchs_conventions():
    # Off the safe domain, where the formulas meet 0 · inf or ln of a negative number.
    a = mg.tensor([0.0, 0.0, 0.0, -2.0, 2.0], requires_grad=True)
    b = mg.tensor([0.0, 2.0, 0.5, 2.0, 3.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and without numpy's "invalid value" warnings
        (a**b).sum().backward()
    assert a.grad.tolist() == [0.0, 0.0, math.inf, -4.0, 12.0]  # 0 ** 0 is flat: 0, not nan
    assert b.grad.tolist()[:3] == [0.0, 0.0, 0.0]  # z = 0 for every b ≥ 0 at a = 0
    assert math.isnan(b.grad.tolist()[3])  # ln(-2) is nan: the gradient too, as in PyTorch
    assert b.grad.tolist()[4] == pytest.approx(8 * math.log(2))


def test_tensor_power_second_derivative_where_the_exponent_is_zero():
    # d/da a^b = b · a^(b-1); its derivative in b at b = 0 is 1/a (PyTorch returns 0 there,
    # having replaced the formula by 0 where b = 0; so does minigrad). Next to it, b ≠ 0.
    a = mg.tensor([2.0, 3.0], dtype=mg.float64, requires_grad=True)
    b = mg.tensor([0.0, 1e-9], dtype=mg.float64, requires_grad=True)
    (slope,) = mg.autograd.grad((a**b).sum(), a, create_graph=True)
    (mixed,) = mg.autograd.grad(slope.sum(), b)
    assert mixed.tolist() == pytest.approx([0.0, 1 / 3])


@CHECK
@given(x=arrays(SHAPES, floats(0.5, 2)), number=floats(-3, 3).filter(lambda v: abs(v) > 0.1))
def test_ops_with_python_numbers(x, number):
    check(lambda t: t + number, x)
    check(lambda t: number - t, x)
    check(lambda t: t * number, x)
    check(lambda t: number / t, x)
    check(lambda t: abs(number) ** t, x)


@CHECK
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3,
                                                                 max_side=3))
def test_where_broadcasts_its_three_inputs(data, shapes):
    cond_shape, a_shape, b_shape = shapes.input_shapes
    condition = mg.tensor(data.draw(hnp.arrays(np.bool_, cond_shape), label="condition"))
    a = data.draw(arrays(a_shape, floats(-2, 2)), label="a")
    b = data.draw(arrays(b_shape, floats(-2, 2)), label="b")
    check(lambda x, y: mg.where(condition, x * y, y.exp()), a, b)


# -- reductions ---------------------------------------------------------------------------------


def dims_of(data, shape, label="dims"):
    """None (all dimensions) or a non-empty subset of the dimensions, possibly negative."""
    if not shape or data.draw(st.booleans(), label=f"{label} is None"):
        return None
    chosen = data.draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True),
                       label=label)
    return tuple(d - len(shape) if data.draw(st.booleans()) else d for d in chosen)


@CHECK
@given(data=st.data(), x=arrays(SHAPES, floats(-2, 2)), keepdim=st.booleans())
def test_sum_and_mean(data, x, keepdim):
    dims = dims_of(data, x.shape)
    if dims is None:
        check(lambda t: t.sum() * 2 + t.mean(), x)
    else:
        check(lambda t: t.sum(dims, keepdim=keepdim), x)
        check(lambda t: t.mean(dim=dims, keepdim=keepdim), x)
        check(lambda t: mg.sum(t, dims[0]) + mg.mean(t, dims[0]), x)


@CHECK
@given(data=st.data(), x=arrays(SHAPES, spaced(), unique=True), keepdim=st.booleans())
def test_max_and_min(data, x, keepdim):
    check(lambda t: t.max() - t.min(), x)
    if x.ndim:
        dim = data.draw(st.integers(-x.ndim, x.ndim - 1), label="dim")
        check(lambda t: t.max(dim, keepdim).values, x)
        check(lambda t: t.min(dim=dim, keepdim=keepdim)[0], x)


def test_max_shares_the_gradient_among_ties_as_pytorch_does():
    x = mg.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5]
    y = mg.tensor([[3.0, 3.0]], requires_grad=True)
    y.max(dim=1).values.sum().backward()
    assert y.grad.tolist() == [[1.0, 0.0]]  # with dim: all to the index returned


@CHECK
@given(data=st.data(), x=arrays(SHAPES, away_from_zero(0.2, 2)), keepdim=st.booleans(),
       p=st.sampled_from([1, 2, 3]))
def test_norm(data, x, keepdim, p):
    check(lambda t: t.norm(p), x)
    if x.ndim:
        dim = data.draw(st.integers(-x.ndim, x.ndim - 1), label="dim")
        check(lambda t: t.norm(p, dim=dim, keepdim=keepdim), x)
        check(lambda t: mg.norm(t, dim=dim), x)


@CHECK
@given(x=arrays(SHAPES, st.integers(1, 60).map(lambda i: i * 0.05), unique=True),
       signs=st.lists(st.sampled_from([-1.0, 1.0]), min_size=27, max_size=27))
def test_inf_norm(x, signs):
    x = x * np.resize(np.array(signs), x.shape)  # unique magnitudes, any signs
    check(lambda t: t.norm(float("inf")), x)


def test_norm_of_zero_has_zero_gradient():
    x = mg.zeros(3, requires_grad=True)
    x.norm().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


@CHECK
@given(x=arrays(SHAPES, st.integers(1, 60).map(lambda i: i * 0.05), unique=True),
       signs=st.lists(st.sampled_from([-1.0, 1.0]), min_size=27, max_size=27))
def test_minus_inf_norm_is_the_smallest_magnitude(x, signs):
    x = x * np.resize(np.array(signs), x.shape)
    check(lambda t: t.norm(float("-inf")), x)
    assert mg.tensor(x).norm(float("-inf")).item() == pytest.approx(np.abs(x).min())


def test_norm_of_order_zero_counts_the_elements_that_are_not_zero():
    x = mg.tensor([3.0, 0.0, -1.0], requires_grad=True)
    n = x.norm(0)
    assert n.item() == 2.0
    n.backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]  # a count does not move


@pytest.mark.parametrize("p", [0.5, -1.0, 3.0])
def test_norm_gradient_at_a_zero_element_is_zero_for_every_order(p):
    x = mg.tensor([3.0, 0.0, 1.0], dtype=mg.float64, requires_grad=True)
    x.norm(p).backward()
    assert x.grad[1].item() == 0.0
    assert np.isfinite(x.grad.numpy()).all()
    check(lambda t: t.norm(p), np.array([3.0, 1.0]))


def test_norm_of_float16_sums_without_overflowing():
    assert mg.tensor([300.0, 300.0], dtype=mg.float16).norm().item() == pytest.approx(424.25)


def test_max_and_min_send_the_gradient_to_a_nan():
    for reduce in (lambda t: t.max(), lambda t: t.min()):
        x = mg.tensor([1.0, float("nan"), 3.0], requires_grad=True)
        reduce(x).backward()
        assert x.grad.tolist() == [0.0, 1.0, 0.0]


@CHECK
@given(data=st.data(), x=arrays(NONEMPTY_DIMS, floats(-3, 3)))
def test_softmax_and_log_softmax(data, x):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1), label="dim")
    weights = leaf(np.linspace(-1, 1, x.size).reshape(x.shape))
    check(lambda t: t.softmax(dim) * weights, x)
    check(lambda t: mg.log_softmax(t, dim) * weights, x)


def test_cross_entropy_composition():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((4, 5))
    labels = mg.tensor([0, 3, 4, 3])
    check(lambda t: -t.log_softmax(dim=1)[mg.arange(4), labels].mean(), logits)


# -- matrix products ----------------------------------------------------------------------------

SIDE = st.integers(1, 3)


@CHECK
@given(data=st.data(), n=SIDE, k=SIDE, m=SIDE,
       kind=st.sampled_from(["mm", "mv", "vm", "dot", "batched", "batched_vector"]))
def test_matmul_in_every_form(data, n, k, m, kind):
    batches = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3),
                        label="batch shapes")
    shape_a, shape_b = {
        "mm": ((n, k), (k, m)),
        "mv": ((n, k), (k,)),
        "vm": ((k,), (k, m)),
        "dot": ((k,), (k,)),
        "batched": (batches.input_shapes[0] + (n, k), batches.input_shapes[1] + (k, m)),
        "batched_vector": (batches.input_shapes[0] + (n, k), (k,)),
    }[kind]
    a = data.draw(arrays(shape_a, floats(-2, 2)), label="a")
    b = data.draw(arrays(shape_b, floats(-2, 2)), label="b")
    check(lambda x, y: x @ y, a, b)
    check(lambda x, y: mg.matmul(x, y), a, b)
    if kind == "dot":
        check(lambda x, y: mg.dot(x, y) + x.dot(y), a, b)
    if kind == "mm":
        check(lambda x, y: x.mm(y).T @ x, a, b)


# -- shape operations ---------------------------------------------------------------------------


@CHECK
@given(data=st.data(), x=arrays(SHAPES, floats(-2, 2)))
def test_reshape_and_view(data, x):
    weights = leaf(np.arange(1.0, x.size + 1))
    check(lambda t: t.reshape(-1) * weights, x)
    check(lambda t: t.view(tuple(reversed(x.shape))).reshape(x.shape), x)
    check(lambda t: t.reshape(1, *x.shape, 1).flatten() * weights, x)


@CHECK
@given(data=st.data(), x=arrays(NONEMPTY_DIMS, floats(-2, 2)))
def test_transpose_permute_T(data, x):
    d0 = data.draw(st.integers(-x.ndim, x.ndim - 1), label="dim0")
    d1 = data.draw(st.integers(-x.ndim, x.ndim - 1), label="dim1")
    order = data.draw(st.permutations(range(x.ndim)), label="order")
    weights = leaf(np.arange(1.0, x.size + 1).reshape(np.transpose(x, order).shape))
    check(lambda t: t.transpose(d0, d1).reshape(-1) * weights.reshape(-1), x)
    check(lambda t: t.permute(*order) * weights, x)
    check(lambda t: t.T.reshape(-1) * weights.reshape(-1), x)
    if x.ndim <= 2:
        check(lambda t: t.t() * 2, x)


@CHECK
@given(data=st.data(), x=arrays(SHAPES, floats(-2, 2)))
def test_unsqueeze_and_squeeze(data, x):
    dim = data.draw(st.integers(-x.ndim - 1, x.ndim), label="dim")
    check(lambda t: t.unsqueeze(dim).squeeze(dim) * 3, x)
    check(lambda t: t.unsqueeze(dim).squeeze() * 3, x)


@CHECK
@given(data=st.data(), x=arrays(SHAPES, floats(-2, 2)))
def test_expand(data, x):
    other = data.draw(hnp.broadcastable_shapes(x.shape, max_dims=4, max_side=3), label="other")
    target = np.broadcast_shapes(x.shape, other)
    weights = leaf(np.linspace(0.5, 2.0, int(np.prod(target))).reshape(target))
    check(lambda t: t.expand(*target) * weights, x)
    check(lambda t: t.expand_as(weights) * weights, x)


@CHECK
@given(data=st.data(), x=arrays(NONEMPTY_DIMS, floats(-2, 2)))
def test_basic_indexing(data, x):
    size = x.shape[0]
    i = data.draw(st.integers(-size, size - 1), label="i")
    start = data.draw(st.integers(-size, size), label="start")
    step = data.draw(st.integers(1, 2), label="step")
    check(lambda t: t[i] * 2, x)
    check(lambda t: t[start::step] * 2, x)
    check(lambda t: t[..., -1] * 2, x)
    check(lambda t: t[None, i] * 2 + t[i] * 3, x)


@CHECK
@given(data=st.data(), x=arrays(NONEMPTY_DIMS, floats(-2, 2)))
def test_integer_array_indexing_adds_up_repeats(data, x):
    size = x.shape[0]
    picks = data.draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=5), label="ix")
    check(lambda t: t[picks] * 2, x)
    check(lambda t: t[mg.tensor(picks)] * t[mg.tensor(picks)], x)
    mask = data.draw(hnp.arrays(np.bool_, x.shape), label="mask")
    check(lambda t: t[mg.tensor(mask)] * 2, x)


@CHECK
@given(data=st.data(), base=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3),
       count=st.integers(1, 3))
def test_cat(data, base, count):
    dim = data.draw(st.integers(-len(base), len(base) - 1), label="dim")
    shapes = []
    for i in range(count):
        size = data.draw(st.integers(1, 3), label=f"size {i}")
        shape = list(base)
        shape[dim] = size
        shapes.append(tuple(shape))
    pieces = [data.draw(arrays(s, floats(-2, 2)), label=f"piece {i}") for i, s in
              enumerate(shapes)]
    check(lambda *ts: mg.cat(list(ts), dim=dim) ** 2, *pieces)


@CHECK
@given(data=st.data(), shape=SHAPES, count=st.integers(1, 3))
def test_stack(data, shape, count):
    dim = data.draw(st.integers(-len(shape) - 1, len(shape)), label="dim")
    pieces = [data.draw(arrays(shape, floats(-2, 2)), label=f"piece {i}") for i in range(count)]
    check(lambda *ts: mg.stack(ts, dim) ** 2, *pieces)


@CHECK
@given(data=st.data(), x=arrays(NONEMPTY_DIMS, floats(-2, 2)))
def test_item_assignment_records_copy_slices(data, x):
    size = x.shape[0]
    i = data.draw(st.integers(-size, size - 1), label="i")
    value = data.draw(arrays(x.shape[1:], floats(-2, 2)), label="value")

    def assign(t, v):
        out = t * 1
        out[i] = v * v
        return out * 3

    check(assign, x, value)


# -- gradcheck itself --------------------------------------------------------------------------


class TwiceTooSmall(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x  # the factor 2 is missing


def test_gradcheck_defaults():
    defaults = {name: p.default for name, p in inspect.signature(gradcheck).parameters.items()}
    assert (defaults["eps"], defaults["atol"], defaults["rtol"]) == (1e-6, 1e-5, 1e-3)


def test_gradcheck_returns_true_for_a_right_backward():
    assert gradcheck(lambda t: (t * t).sum(), (leaf([1.0, 2.0]),)) is True
    assert gradcheck(lambda t: t.exp(), leaf([1.0, 2.0])) is True  # a lone tensor is accepted


def test_gradcheck_names_input_element_and_both_values():
    a = leaf([[1.0, 2.0], [3.0, 4.0]])
    b = leaf([1.0, 1.0])
    with pytest.raises(GradcheckError) as error:
        gradcheck(lambda x, y: x + TwiceTooSmall.apply(y), (b, a))
    report = str(error.value)
    assert "with respect to input 1" in report  # b is fine, a is not
    assert "input element (0, 0)" in report
    assert "analytical (your backward): 1" in report
    assert "numerical (finite diff.):   2" in report
    assert "0.5 x the numerical one" in report  # the hint for a missing constant factor


def test_gradcheck_works_in_float64_whatever_the_inputs_dtype():
    seen = []

    def fn(t):
        seen.append(t.dtype)
        return t.tanh()

    x = mg.tensor([0.1, 0.2], requires_grad=True)
    assert x.dtype == mg.float32
    assert gradcheck(fn, (x,))
    assert set(seen) == {mg.float64}
    assert x.dtype == mg.float32 and x.tolist() == pytest.approx([0.1, 0.2])  # untouched


def test_gradcheck_nudges_inputs_that_are_transposed_or_expanded_views():
    base = np.arange(6.0).reshape(2, 3)
    transposed = mg.tensor(base).T.detach().requires_grad_()  # not C-contiguous
    assert gradcheck(lambda t: (t * t).sum(), (transposed,))
    expanded = mg.tensor([1.0, 2.0]).expand(3, 2).detach().requires_grad_()
    assert gradcheck(lambda t: (t * t).sum(dim=0), (expanded,))


def test_sum_and_mean_over_an_empty_tuple_of_dims_reduce_everything():
    x = mg.arange(24.0).reshape(2, 3, 4).requires_grad_()
    total, mean = x.sum(dim=()), x.mean(dim=[])
    assert total.shape == mean.shape == ()
    assert total.item() == 276.0 and mean.item() == 11.5
    mean.backward()
    assert np.allclose(x.grad.numpy(), 1 / 24)


def test_sum_and_mean_keepdim_without_dim():
    check(lambda t: t.sum(dim=None, keepdim=True) * t.mean(dim=None, keepdim=True),
          np.arange(6.0).reshape(2, 3))


def test_gradcheck_catches_an_output_cut_from_the_graph():
    with pytest.raises(GradcheckError, match="does not require grad"):
        gradcheck(lambda t: (t * 2).detach(), (leaf([1.0, 2.0]),))


def test_gradcheck_can_answer_false_instead_of_raising():
    assert gradcheck(TwiceTooSmall.apply, (leaf([1.0]),), raise_exception=False) is False


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda t: t * 2, (mg.tensor([1.0]),))


def test_gradcheck_tolerances_are_parameters():
    x = leaf([1.0])
    # A finite difference with a huge step is off by eps² for x³; a loose atol accepts it.
    assert not gradcheck(lambda t: t**3, (x,), eps=0.1, atol=1e-5, rtol=0, raise_exception=False)
    assert gradcheck(lambda t: t**3, (x,), eps=0.1, atol=0.1, rtol=0)
