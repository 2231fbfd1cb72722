"""minigrad.autograd.Function: a learner's own differentiable operation, as in PyTorch.

forward(ctx, *args) computes, backward(ctx, *grad_outputs) returns one gradient per
argument; Fn.apply(...) runs it and records a node named after the class. The built-in ops
are Functions of exactly this kind.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import minigrad as mg
from minigrad import ops
from minigrad.autograd import AccumulateGrad, Function, gradcheck


class MyRelu(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x > 0)


class Scale(Function):
    """y = k·x + b, with a number k: backward returns None for it."""

    @staticmethod
    def forward(ctx, x, k, b):
        ctx.k = k
        return x.array * k + b.array  # forward may return a numpy array

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.k, None, grad


class Cube(Function):
    """x³ with a backward written in tensor ops, so it can be differentiated again."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


def test_a_custom_function_computes_and_differentiates():
    x = mg.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    y = MyRelu.apply(x)
    assert y.tolist() == [0.0, 2.0, 3.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0]


def test_the_node_is_named_after_the_class():
    x = mg.tensor([1.0], requires_grad=True)
    y = MyRelu.apply(x)
    assert y.grad_fn.name() == "MyReluBackward"
    assert type(y.grad_fn).__name__ == "MyReluBackward"
    assert repr(y) == "tensor([1.], grad_fn=<MyReluBackward>)"
    ((acc, index),) = y.grad_fn.next_functions
    assert isinstance(acc, AccumulateGrad) and acc.variable is x and index == 0


def test_non_tensor_arguments_get_none_and_have_no_edge():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([10.0, 20.0])
    y = Scale.apply(x, 3.0, b)
    assert y.tolist() == [13.0, 26.0]
    # One edge per tensor argument, as in PyTorch: x (a leaf) and b (needs no gradient).
    assert [(type(n).__name__ if n else None, i) for n, i in y.grad_fn.next_functions] == [
        ("AccumulateGrad", 0), (None, 0)]
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_needs_input_grad_has_one_flag_per_argument():
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, x, k, y):
            seen.append(ctx.needs_input_grad)
            return x * k + y

        @staticmethod
        def backward(ctx, grad):
            return grad, None, grad

    x = mg.tensor([1.0], requires_grad=True)
    y = mg.tensor([1.0])
    Probe.apply(x, 2.0, y)
    Probe.apply(y, 2.0, x)
    assert seen == [(True, False, False), (False, False, True)]


def test_needs_input_grad_holds_booleans_whatever_ran_before():
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b):
            seen.append(ctx.needs_input_grad)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    w = mg.tensor([3.0, 4.0], requires_grad=True)
    _ = x * w  # records the versions (0, 0) of its two saved tensors
    Probe.apply(mg.tensor([1.0]), mg.tensor([2.0]))
    Probe.apply(x, mg.tensor([2.0]))
    assert [tuple(type(flag) for flag in flags) for flags in seen] == [(bool, bool)] * 2
    assert repr(seen) == "[(False, False), (True, False)]"  # what a learner prints


def test_needs_input_grad_lets_backward_skip_work():
    computed = []

    class Mul(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            grad_a = grad_b = None
            if ctx.needs_input_grad[0]:
                computed.append("a")
                grad_a = grad * b
            if ctx.needs_input_grad[1]:
                computed.append("b")
                grad_b = grad * a
            return grad_a, grad_b

    a = mg.tensor([2.0], requires_grad=True)
    b = mg.tensor([3.0])
    Mul.apply(a, b).sum().backward()
    assert computed == ["a"] and a.grad.tolist() == [3.0]


def test_saved_tensors_are_what_forward_saved():
    class Keep(Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, None, y)
            return x + y

        @staticmethod
        def backward(ctx, grad):
            x, nothing, y = ctx.saved_tensors
            assert nothing is None
            return grad * y, grad * x

    x = mg.tensor([2.0], requires_grad=True)
    y = mg.tensor([5.0], requires_grad=True)
    out = Keep.apply(x, y)
    saved = out.grad_fn.saved_tensors
    assert saved[0].tolist() == [2.0] and saved[1] is None and saved[2].tolist() == [5.0]
    out.sum().backward()
    assert x.grad.tolist() == [5.0] and y.grad.tolist() == [2.0]


def test_forward_is_not_recorded():
    class Inside(Function):
        @staticmethod
        def forward(ctx, x):
            inner = x * 2
            assert inner.grad_fn is None and not mg.is_grad_enabled()
            return inner

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = mg.tensor([1.0], requires_grad=True)
    y = Inside.apply(x)
    assert y.grad_fn.name() == "InsideBackward"
    assert y.grad_fn.next_functions[0][0].variable is x


def test_nothing_is_recorded_without_inputs_that_require_grad_or_under_no_grad():
    plain = MyRelu.apply(mg.tensor([1.0]))
    assert plain.grad_fn is None and not plain.requires_grad
    x = mg.tensor([1.0], requires_grad=True)
    with mg.no_grad():
        quiet = MyRelu.apply(x)
    assert quiet.grad_fn is None and not quiet.requires_grad


def test_returning_an_input_unchanged_gives_a_new_tensor_with_history():
    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = Identity.apply(x)
    assert y is not x and x.is_leaf and x.grad_fn is None
    assert y.grad_fn.name() == "IdentityBackward"
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_returning_another_input_leaves_that_input_as_it_was():
    class SecondOf(Function):
        @staticmethod
        def forward(ctx, a, b):
            return b

        @staticmethod
        def backward(ctx, grad):
            return None, grad

    a = mg.tensor(1.0, requires_grad=True)
    b = mg.tensor(2.0)  # needs no gradient: recording must not give it a history
    y = SecondOf.apply(a, b)
    assert y is not b and y.grad_fn.name() == "SecondOfBackward"
    assert b.is_leaf and b.grad_fn is None and not b.requires_grad


def test_keyword_arguments_are_inputs_in_the_place_of_their_parameter():
    class Affine(Function):
        @staticmethod
        def forward(ctx, x, w, b=None):
            ctx.save_for_backward(x, w)
            return x * w + (0.0 if b is None else b)

        @staticmethod
        def backward(ctx, grad):
            x, w = ctx.saved_tensors
            return grad * w, grad * x, None

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    w = mg.tensor([3.0, 4.0], requires_grad=True)
    y = Affine.apply(x, w=w)  # b takes its default, and counts as an argument too
    assert y.tolist() == [3.0, 8.0]
    assert len(y.grad_fn.next_functions) == 2  # x and w; b = None is not a tensor
    assert y.grad_fn.needs_input_grad == (True, True, False)
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 4.0] and w.grad.tolist() == [1.0, 2.0]


def test_keyword_only_parameters_of_forward_are_refused_by_apply():
    class Pow(Function):
        @staticmethod
        def forward(ctx, x, *, n):
            return x**n

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(TypeError, match=r"keyword-only arguments \['n'\] cannot be passed"):
        Pow.apply(mg.tensor(2.0, requires_grad=True), n=3)


def test_several_outputs_and_mark_non_differentiable():
    received = []

    class MaxWithIndex(Function):
        @staticmethod
        def forward(ctx, x):
            index = int(np.argmax(x.array))
            values = mg.tensor(x.array[index])
            ctx.index, ctx.shape = index, x.shape
            weight = x * 0.5
            ctx.mark_non_differentiable(weight)
            return values, mg.tensor(index), weight

        @staticmethod
        def backward(ctx, grad_value, grad_index, grad_weight):
            received.append((grad_value.tolist(), grad_index.tolist(), grad_weight.tolist()))
            grad = mg.zeros(*ctx.shape, dtype=grad_value.dtype)
            grad[ctx.index] = grad_value
            return grad

    x = mg.tensor([1.0, 5.0, 2.0], requires_grad=True)
    value, index, weight = MaxWithIndex.apply(x)
    assert value.requires_grad and value.grad_fn.name() == "MaxWithIndexBackward"
    assert not index.requires_grad and index.dtype == mg.int64  # integers never require grad
    assert not weight.requires_grad and weight.grad_fn is None  # marked non-differentiable
    (value * 2).backward()
    assert x.grad.tolist() == [0.0, 2.0, 0.0]
    # Outputs that received no gradient arrive as zeros, as in PyTorch.
    assert received == [(2.0, 0, [0.0, 0.0, 0.0])]


def test_unused_outputs_receive_zero_gradients():
    class Pair(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, grad_a, grad_b):
            return grad_a * 2 + grad_b * 3

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    a, b = Pair.apply(x)
    a.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_wrong_number_of_gradients_is_pytorchs_error():
    class TooFew(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return grad

    class TooMany(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2, grad

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"function TooFewBackward returned an incorrect "
                                           r"number of gradients \(expected 2, got 1\)"):
        TooFew.apply(x, x).sum().backward()
    with pytest.raises(RuntimeError, match=r"function TooManyBackward returned an incorrect "
                                           r"number of gradients \(expected 1, got 2\)"):
        TooMany.apply(x).sum().backward()


def test_extra_nones_at_the_end_of_backward_are_dropped_as_in_pytorch():
    class Double(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2, None, None

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    Double.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_changing_in_place_an_output_that_is_a_view_of_an_input_is_refused():
    # The output shares memory with the input: an in-place change of it would change the
    # input behind the back of the Function's backward.
    class FirstTwo(Function):
        @staticmethod
        def forward(ctx, x):
            return x[0:2]

        @staticmethod
        def backward(ctx, grad):
            return mg.cat([grad, mg.zeros(1)])

    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    h = mg.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1
    for y, name in ((FirstTwo.apply(h), "FirstTwo"), (Identity.apply(h), "Identity")):
        with pytest.raises(RuntimeError, match=f"Output 0 of {name} is a view and is being "
                                               "modified inplace.*cloning the output"):
            y.mul_(10)
        assert h.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(RuntimeError, match="Output 0 of Identity is a view and is being"):
        Identity.apply(h)[0:2].mul_(10)  # a view of such an output is one too
    y = FirstTwo.apply(h).clone()  # what the error advises
    y.mul_(10)
    assert y.tolist() == [10.0, 20.0] and h.tolist() == [1.0, 2.0, 3.0]
    # Changing the input while such an output lives would bypass the custom backward too.
    for y, name in ((FirstTwo.apply(h), "FirstTwo"), (Identity.apply(h), "Identity")):
        h.mul_(2)
        with pytest.raises(RuntimeError, match=f"Output 0 of {name} is a view and its base or "
                                               "another view of its base has been modified"):
            y.sum()


@pytest.mark.parametrize("shape, made, expected", [
    ((2,), lambda x: x * 2, r"got \[3\] but expected shape compatible with \[2\]"),
    ((2, 3), lambda x: x.sum(), r"got \[3\] but expected shape compatible with \[2, 3\]"),
])
def test_wrong_gradient_shape_is_pytorchs_error(shape, made, expected):
    class WrongShape(Function):
        @staticmethod
        def forward(ctx, x):
            return made(x)

        @staticmethod
        def backward(ctx, grad):
            return mg.ones(3)

    x = mg.ones(*shape, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Function WrongShapeBackward returned an invalid "
                                           r"gradient at index 0 - " + expected):
        WrongShape.apply(x).sum().backward()


def test_a_gradient_for_a_non_tensor_argument_is_pytorchs_error():
    class GradientForNumber(Function):
        @staticmethod
        def forward(ctx, x, threshold):
            return x.clamp(min=-threshold, max=threshold)

        @staticmethod
        def backward(ctx, grad):
            return grad, 0.0  # must be None: threshold is a number

    x = mg.tensor([0.5, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"function GradientForNumberBackward returned a "
                                           r"gradient different than None at position 2, but "
                                           r"the corresponding forward input was not a "
                                           r"Variable"):
        GradientForNumber.apply(x, 1.0).sum().backward()


def test_saving_a_number_for_backward_is_pytorchs_error():
    class SavesNumber(Function):
        @staticmethod
        def forward(ctx, x, slope):
            ctx.save_for_backward(x, slope)  # a number belongs on ctx: ctx.slope = slope
            return x * slope

        @staticmethod
        def backward(ctx, grad):
            return grad, None

    x = mg.tensor([0.5, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"save_for_backward can only save variables, but "
                                        r"argument 1 is of type float"):
        SavesNumber.apply(x, 0.1)


def test_a_broadcast_gradient_is_summed_to_the_inputs_shape():
    class Spread(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return grad.expand(4, 2)  # shape (4, 2) for an input of shape (2,)

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    Spread.apply(x).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_functions_are_not_instantiated():
    with pytest.raises(RuntimeError, match=r"MyRelu\.apply"):
        MyRelu()


def test_custom_functions_pass_gradcheck():
    x = mg.tensor([0.5, -1.5, 2.0], dtype=mg.float64, requires_grad=True)
    b = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64, requires_grad=True)
    assert gradcheck(MyRelu.apply, (x,))
    assert gradcheck(lambda x, b: Scale.apply(x, 2.5, b), (x, b))
    assert gradcheck(Cube.apply, (x,))


def test_a_custom_backward_in_tensor_ops_supports_second_derivatives():
    x = mg.tensor(2.0, requires_grad=True)
    (dy,) = mg.autograd.grad(Cube.apply(x), x, create_graph=True)
    assert dy.item() == 12.0
    (d2y,) = mg.autograd.grad(dy, x)
    assert d2y.item() == 12.0


def test_every_builtin_op_is_a_function_of_the_same_kind():
    classes = [getattr(ops, name) for name in ops.__all__ if inspect.isclass(getattr(ops, name))]
    assert len(classes) > 30
    for cls in classes:
        assert issubclass(cls, Function), cls
        assert callable(cls.apply) and isinstance(inspect.getattr_static(cls, "forward"),
                                                  staticmethod)
    x = mg.tensor([1.0], requires_grad=True)
    assert isinstance((x * 2).grad_fn, mg.autograd.Node)
    assert isinstance(MyRelu.apply(x).grad_fn, mg.autograd.Node)
