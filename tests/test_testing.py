"""minigrad.testing: each check passes a right answer and names what is wrong in a wrong one."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function
from minigrad.testing import (
    CheckFailed,
    check_between,
    check_close,
    check_equal,
    check_function_backward,
    check_grad,
    check_grad_fn,
    check_is_tensor,
    check_leaf,
    check_no_graph,
    check_requires_grad,
    check_shape,
    check_true,
    require,
)


def message_of(check, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as caught:
        check(*args, **kwargs)
    return str(caught.value)


# --- CheckFailed ----------------------------------------------------------------------------


def test_check_failed_is_an_assertion_error_that_renders_as_its_message_alone():
    error = CheckFailed("grad of w should have shape (3,), got (1, 3).")
    assert isinstance(error, AssertionError)
    # IPython calls _render_traceback_ instead of printing the frames of the helpers.
    assert error._render_traceback_() == [
        "CheckFailed: grad of w should have shape (3,), got (1, 3)."
    ]


def test_a_failure_carries_no_chained_exception():
    with pytest.raises(CheckFailed) as caught:
        check_close("y", "abc", [1.0])
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


# --- require --------------------------------------------------------------------------------


def test_require_passes_when_the_names_are_defined():
    require("x", "y", namespace={"x": 1, "y": 2})


def test_require_says_which_names_are_missing():
    text = message_of(require, "w", "b", namespace={"b": 1})
    assert text.startswith("This task is not done yet: `w` is not defined.")
    assert "raise NotImplementedError()" in text
    text = message_of(require, "w", "b", namespace={})
    assert "`w` and `b` are not defined" in text


def test_require_reads_the_callers_globals_by_default():
    globals()["defined_for_require"] = 1
    try:
        require("defined_for_require")
        assert "`not_defined_here`" in message_of(require, "not_defined_here")
    finally:
        del globals()["defined_for_require"]


def test_require_sees_a_function_whose_body_is_still_the_stub():
    def count_operations(t):
        # YOUR CODE HERE
        raise NotImplementedError()

    def done(t):
        return 0

    text = message_of(require, "count_operations", namespace={"count_operations":
                                                              count_operations})
    assert "`test_require_sees_a_function_whose_body_is_still_the_stub.<locals>." \
           "count_operations` still only raises NotImplementedError" in text
    require("done", namespace={"done": done})


def test_require_sees_a_function_class_with_a_stub_method():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            return x.array**2

        @staticmethod
        def backward(ctx, grad_output):
            # YOUR CODE HERE
            raise NotImplementedError()

    text = message_of(require, "Square", namespace={"Square": Square})
    assert "Square.backward` still only raises NotImplementedError" in text


def test_require_sees_an_instance_of_a_notebook_class_with_a_stub_method():
    class Model:
        __module__ = "__main__"  # as for every class a notebook defines

        def forward(self, x):
            # YOUR CODE HERE
            raise NotImplementedError()

    assert "Model.forward` still only raises" in message_of(require, "model",
                                                            namespace={"model": Model()})


# --- check_true, check_between, check_equal ---------------------------------------------------


def test_check_true_uses_the_message_given():
    check_true(True, "unused")
    check_true(mg.tensor([1.0, 2.0]) > 0, "unused")
    assert message_of(check_true, False, "w was not updated.") == "w was not updated."
    assert message_of(check_true, mg.tensor([1.0, -2.0]) > 0, "some are negative") == \
        "some are negative"


def test_check_between():
    check_between("lr", 0.05, 0.01, 0.1)
    check_between("lr", mg.tensor(0.1), 0.01, 0.1)  # the ends are included
    assert message_of(check_between, "lr", 0.5, 0.01, 0.1) == \
        "lr should be between 0.01 and 0.1, got 0.5 (too large)."
    assert "(too small)" in message_of(check_between, "lr", 0.001, 0.01, 0.1)
    assert "nan" in message_of(check_between, "lr", float("nan"), 0.01, 0.1)
    assert "a single number" in message_of(check_between, "lr", [0.1, 0.2], 0.01, 0.1)


def test_check_equal_for_numbers_and_names():
    check_equal("count", 4, 4)
    check_equal("count", mg.tensor(4), 4)
    check_equal("chain", ("MulBackward0", "AddBackward0"), ["MulBackward0", "AddBackward0"])
    assert message_of(check_equal, "count", 5, 4, hint="Count each node once.") == \
        "count should be 4, got 5. Count each node once."
    assert message_of(check_equal, "flag", 1, True) == "flag should be True, got 1."


def test_check_equal_points_at_the_first_item_that_differs():
    expected = ["MulBackward0", "AddBackward0", "AccumulateGrad"]
    text = message_of(check_equal, "chain", ["AddBackward0", "MulBackward0", "AccumulateGrad"],
                      expected)
    assert text.startswith("chain[0] should be 'MulBackward0', got 'AddBackward0'")
    assert "chain should have 3 items, got 2" in message_of(check_equal, "chain",
                                                            expected[:2], expected)
    text = message_of(check_equal, "chain", "MulBackward0", expected)
    assert text == "chain should be a list of 3 items, got a str ('MulBackward0')."


# --- check_is_tensor, check_shape ------------------------------------------------------------


def test_check_is_tensor_names_what_it_got_instead():
    check_is_tensor("x", mg.tensor([1.0]))
    assert "got a list ([1, 2])" in message_of(check_is_tensor, "x", [1, 2])
    assert "got a numpy array" in message_of(check_is_tensor, "x", np.ones(2))
    assert "x is None" in message_of(check_is_tensor, "x", None)
    assert "got a float" in message_of(check_is_tensor, "x", 2.0)


def test_check_shape_states_both_shapes_and_a_likely_cause():
    check_shape("grad of w", mg.zeros(3), (3,))
    check_shape("rows", [[1, 2, 3]], (1, 3))
    text = message_of(check_shape, "grad of w", mg.zeros(1, 3), (3,))
    assert text.startswith("grad of w should have shape (3,), got (1, 3).")
    assert "extra dimension of size 1" in text
    assert "dimension of size 1 is missing" in message_of(check_shape, "s", mg.zeros(3), (3, 1))
    assert "swapped" in message_of(check_shape, "W", mg.zeros(3, 2), (2, 3))
    assert "single number" in message_of(check_shape, "loss", 3.0, (2,))
    assert "None" in message_of(check_shape, "w.grad", None, (2,))


# --- check_close ----------------------------------------------------------------------------


def test_check_close_accepts_tensors_arrays_lists_and_numbers():
    x = mg.tensor([2.0, 3.0], requires_grad=True)  # requires grad: no .numpy() needed
    check_close("y", x * 2, [4.0, 6.0])
    check_close("y", np.array([4.0, 6.0]), mg.tensor([4.0, 6.0]))
    check_close("y", [mg.tensor(4.0), 6], (4, 6.0))
    check_close("loss", mg.tensor(0.1) * 3, 0.3)
    check_close("loss", [0.3], 0.3)  # one element either way
    check_close("v", 1.0 + 1e-7, 1.0)


def test_check_close_names_the_first_wrong_element_and_both_values():
    text = message_of(check_close, "y", [9.0, 13.0, 25.0], [9.0, 16.0, 25.0])
    assert text == "y[1] should be 16, got 13. (y = [9, 13, 25], expected [9, 16, 25].)"
    text = message_of(check_close, "y", [9.0, 13.0, 24.5], [9.0, 16.0, 25.0])
    assert text.startswith("y is wrong at 2 of 3 elements; the first is y[1]: expected 16, "
                           "got 13.")
    text = message_of(check_close, "W", np.eye(3), np.eye(3) * np.array([1, 1, 2]))
    assert text.startswith("W[2, 2] should be 2, got 1.")
    text = message_of(check_close, "w", np.ones(20), np.zeros(20))
    assert text.startswith("w is wrong at 20 of 20 elements; the first is w[0]: expected 0, got 1.")
    assert "(w = " not in text, "long tensors are not printed in full"


def test_check_close_recognizes_a_missing_factor_a_sign_and_an_offset():
    missing = message_of(check_close, "x.grad", [2.0, 3.0], [4.0, 6.0])
    assert "Every value is 1/2 of the expected value: is a factor of 2 missing?" in missing
    extra = message_of(check_close, "x.grad", [12.0, 18.0], [4.0, 6.0])
    assert "Every value is 3 × the expected value: is there an extra factor of 3?" in extra
    sign = message_of(check_close, "x.grad", [-4.0, -6.0], [4.0, 6.0])
    assert "wrong sign" in sign
    offset = message_of(check_close, "x.grad", [2.0, 4.0], [4.0, 6.0])
    assert "off by the same amount, -2" in offset
    swapped = message_of(check_close, "W", [[1.0, 3.0], [2.0, 4.0]], [[1.0, 2.0], [3.0, 4.0]])
    assert "right values in the wrong places" in swapped
    zeros = message_of(check_close, "w.grad", [0.0, 0.0], [4.0, 6.0])
    assert "Every value is 0" in zeros


def test_check_close_on_a_single_number_remarks_only_on_telling_ratios():
    assert message_of(check_close, "slope", 5.0, 6.0) == "slope should be 6, got 5."
    assert "2 × the expected value" in message_of(check_close, "slope", 12.0, 6.0)
    assert "-1/2 of the expected value" in message_of(check_close, "slope", -3.0, 6.0)


def test_check_close_reports_shape_nan_and_non_numbers():
    text = message_of(check_close, "prediction", 14.0, [6.0, 8.0])
    assert text.startswith("prediction should have shape (2,), got ().")
    assert "y[1] is nan" in message_of(check_close, "y", [1.0, float("nan")], [1.0, 2.0])
    assert "got the string 'six'" in message_of(check_close, "y", "six", 6.0)
    assert "y is None" in message_of(check_close, "y", None, 6.0)
    assert "got a dict" in message_of(check_close, "y", {"a": 1}, 6.0)


def test_check_close_tolerances_and_hint():
    check_close("y", 1.05, 1.0, atol=0.1)
    check_close("y", 110.0, 100.0, rtol=0.2)
    text = message_of(check_close, "y", 1.05, 1.0, hint="y is the mean.")
    assert text.endswith("y is the mean.")


# --- autograd checks ------------------------------------------------------------------------


def test_check_requires_grad_both_ways():
    w = mg.tensor([1.0], requires_grad=True)
    check_requires_grad("w", w)
    check_requires_grad("u", mg.tensor([1.0]), expected=False)
    text = message_of(check_requires_grad, "w", mg.tensor([1.0]))
    assert text.startswith("w.requires_grad should be True, got False")
    assert "requires_grad=True" in text
    assert ".detach()" in message_of(check_requires_grad, "u", w * 2, expected=False)


def test_check_leaf_and_check_grad_fn():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    check_leaf("x", x)
    check_leaf("y", y, expected=False)
    check_grad_fn("y", y, "MulBackward0")
    check_grad_fn("x", x, None)
    assert "grad_fn=<MulBackward0>" in message_of(check_leaf, "y", y)
    assert "it is a leaf" in message_of(check_leaf, "x", x, expected=False)
    assert message_of(check_grad_fn, "y", y, "AddBackward0").startswith(
        "y.grad_fn should be <AddBackward0>, got <MulBackward0>")
    assert "got None" in message_of(check_grad_fn, "x", x, "AddBackward0")
    assert "should be None" in message_of(check_grad_fn, "y", y, None)


def test_check_no_graph_for_detach_and_no_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    check_no_graph("u", (x * 2).detach())
    with mg.no_grad():
        check_no_graph("v", x * 2)
    text = message_of(check_no_graph, "u", x * 2)
    assert "still attached to the graph (grad_fn=<MulBackward0>)" in text
    assert "requires_grad is True" in message_of(check_no_graph, "x", x)


def test_check_grad_says_when_backward_was_not_called():
    x = mg.tensor([2.0, 3.0], requires_grad=True)
    assert message_of(check_grad, "x", x, [6.0, 8.0]) == \
        "x.grad is None: did you call backward()?"
    plain = mg.tensor([2.0, 3.0])
    assert "requires_grad is False" in message_of(check_grad, "plain", plain, [6.0, 8.0])


def test_check_grad_compares_values_and_refuses_non_leaves():
    x = mg.tensor([2.0, 3.0], requires_grad=True)
    y = x**2 + 2 * x + 1
    y.sum().backward()
    check_grad("x", x, [6.0, 8.0])
    assert "off by the same amount, -2" in message_of(check_grad, "x", x, [8.0, 10.0])
    assert "should have shape (1, 2), got (2,)" in message_of(check_grad, "x", x, [[6.0, 8.0]])
    assert "is not a leaf" in message_of(check_grad, "y", y, [1.0, 1.0])


# --- check_function_backward ----------------------------------------------------------------


class Product(Function):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x.array * y.array

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return grad_output * y, grad_output * x


class ProductOneGradient(Product):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return grad_output * y


class ProductIgnoringGradOutput(Product):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return y, x


class ProductNoneForY(Product):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return grad_output * y, None


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.array**2

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 2 * grad_output * x


class SquareMissingFactor(Square):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * x


class SquareWrongShape(Square):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return (2 * grad_output * x).reshape(1, 3)


class HardTanh(Function):
    @staticmethod
    def forward(ctx, x, threshold):
        ctx.save_for_backward(x)
        ctx.threshold = threshold
        return np.clip(x.array, -threshold, threshold)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        inside = (x.array > -ctx.threshold) & (x.array < ctx.threshold)
        return grad_output * mg.tensor(inside.astype(np.float64)), None


class HardTanhGradientForThreshold(HardTanh):
    @staticmethod
    def backward(ctx, grad_output):
        grad_x, _ = HardTanh.backward(ctx, grad_output)
        return grad_x, 0.0


X = [1.0, -2.0, 3.0]
Y = [0.5, 4.0, -1.0]


def inputs():
    return mg.tensor(X, requires_grad=True), mg.tensor(Y, requires_grad=True)


def test_check_function_backward_passes_right_backwards():
    check_function_backward(Product, *inputs())
    check_function_backward(Square, inputs()[0])
    check_function_backward(HardTanh, mg.tensor([0.5, -2.0, 3.0], requires_grad=True), 2.5)


def test_check_function_backward_counts_the_gradients():
    text = message_of(check_function_backward, ProductOneGradient, *inputs())
    assert text.startswith("ProductOneGradient.backward returns 1 gradient but forward takes "
                           "2 inputs (x, y)")


def test_check_function_backward_sees_an_ignored_grad_output():
    text = message_of(check_function_backward, ProductIgnoringGradOutput, *inputs())
    assert "wrong gradient for `x`" in text
    assert "must multiply it by grad_output" in text


def test_check_function_backward_names_a_missing_gradient_and_a_missing_factor():
    text = message_of(check_function_backward, ProductNoneForY, *inputs())
    assert "returns None for `y`, but y requires grad" in text
    text = message_of(check_function_backward, SquareMissingFactor, inputs()[0])
    assert "SquareMissingFactor.backward returns a wrong gradient for `x`" in text
    assert "is a factor of 2 missing?" in text


def test_check_function_backward_checks_shapes_and_non_tensor_arguments():
    text = message_of(check_function_backward, SquareWrongShape, inputs()[0])
    assert "gradient for `x` of shape (1, 3); it should have the shape of x, (3,)" in text
    text = message_of(check_function_backward, HardTanhGradientForThreshold,
                      mg.tensor([0.5, -2.0, 3.0], requires_grad=True), 2.5)
    assert "gradient for `threshold`, which is not a tensor (2.5): return None" in text


def test_check_function_backward_wants_a_function_class():
    assert "subclasses minigrad.autograd.Function" in message_of(
        check_function_backward, lambda x: x, inputs()[0])
    with pytest.raises(ValueError, match="requires_grad=True"):
        check_function_backward(Square, mg.tensor(X))


def test_check_function_backward_leaves_the_inputs_alone():
    x, y = inputs()
    check_function_backward(Product, x, y)
    assert x.tolist() == X and x.dtype == mg.float32 and x.grad is None
