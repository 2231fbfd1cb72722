"""Every misuse raises an error that means what PyTorch's means and says what to do.

Each test checks PyTorch's wording (so a learner can search for it) and the facts the
learner needs: the shapes involved, the op, the remedy. (A custom Function's errors are in
test_function.py.)
"""

from __future__ import annotations

import re

import pytest

import minigrad as mg

# -- shapes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "name"),
    [
        (lambda a, b: a + b, "Add"),
        (lambda a, b: a - b, "Sub"),
        (lambda a, b: a * b, "Mul"),
        (lambda a, b: a / b, "Div"),
        (lambda a, b: a**b, "Pow"),
        (lambda a, b: a < b, "(lt of"),
        (lambda a, b: a == b, "(eq of"),
    ],
)
def test_broadcasting_errors_name_both_shapes(op, name):
    a, b = mg.ones(2, 3), mg.ones(4, 3)
    with pytest.raises(RuntimeError) as error:
        op(a, b)
    message = str(error.value)
    assert message.startswith(
        "The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0"
    )
    assert "[2, 3]" in message and "[4, 3]" in message and name in message


def test_broadcasting_errors_point_at_the_dimension_that_fails():
    with pytest.raises(RuntimeError, match=r"tensor a \(3\) must match the size of tensor b "
                                           r"\(4\) at non-singleton dimension 1"):
        mg.ones(5, 3) + mg.ones(4)


def test_where_names_its_three_shapes():
    with pytest.raises(RuntimeError) as error:
        mg.where(mg.ones(2) > 0, mg.ones(3), mg.ones(2))
    message = str(error.value)
    assert "must match the size of tensor" in message and "at non-singleton dimension 0" in message
    assert "condition [2]" in message and "input [3]" in message and "other [2]" in message


def test_matrix_product_errors_name_both_shapes():
    with pytest.raises(RuntimeError, match=re.escape(
            "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)")):
        mg.ones(2, 3) @ mg.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"\[2, 3\] and \[2\]"):
        mg.ones(2, 3) @ mg.ones(2)
    with pytest.raises(RuntimeError, match=r"\[4, 2, 3\] and \[2, 3\]"):
        mg.ones(4, 2, 3) @ mg.ones(2, 3)
    with pytest.raises(RuntimeError, match=re.escape(
            "inconsistent tensor size, expected tensor [2] and src [3] to have the same number "
            "of elements")):
        mg.ones(2) @ mg.ones(3)
    with pytest.raises(RuntimeError, match="1D tensors expected, but got 2D and 1D tensors"):
        mg.ones(2, 3).dot(mg.ones(3))
    with pytest.raises(RuntimeError, match="both arguments to matmul need to be at least 1D"):
        mg.tensor(2.0) @ mg.ones(2)


def test_reshape_cat_stack_expand_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match=re.escape("shape '[4]' is invalid for input of size 6")):
        mg.ones(2, 3).view(4)
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension") as e:
        mg.cat([mg.ones(2, 3), mg.ones(2, 4)])
    message = str(e.value)
    assert "[2, 3]" in message and "[2, 4]" in message and "tensor number 1" in message
    with pytest.raises(RuntimeError, match=re.escape(
            "stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [2, 4] "
            "at entry 1")):
        mg.stack([mg.ones(2, 3), mg.ones(2, 4)])
    with pytest.raises(RuntimeError, match="The expanded size of the tensor") as e:
        mg.ones(2, 3).expand(4, 3)
    assert "[2, 3]" in str(e.value) and "[4, 3]" in str(e.value)


def test_dimension_and_index_errors():
    with pytest.raises(IndexError, match=re.escape(
            "Dimension out of range (expected to be in range of [-2, 1], but got 2)")):
        mg.ones(2, 3).sum(2)
    with pytest.raises(IndexError, match=r"Dimension out of range"):
        mg.ones(2, 3).softmax(dim=-3)
    with pytest.raises(IndexError, match=r"index 5 is out of bounds.*\[2, 3\]"):
        mg.ones(2, 3)[5]


# -- requires_grad -----------------------------------------------------------------------------


def test_integer_tensors_cannot_require_grad():
    for make in (lambda: mg.tensor([1, 2], requires_grad=True),
                 lambda: mg.arange(3).requires_grad_(),
                 lambda: mg.zeros(2, dtype=mg.int64, requires_grad=True)):
        with pytest.raises(RuntimeError, match="floating point") as error:
            make()
        assert "can require gradients" in str(error.value)
        assert ".float()" in str(error.value)  # what to do


def test_requires_grad_of_a_non_leaf_cannot_be_switched_off():
    y = mg.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf "
                                           "variables") as error:
        y.requires_grad = False
    assert "detach()" in str(error.value)


def test_numpy_of_a_tensor_that_requires_grad():
    with pytest.raises(RuntimeError, match=re.escape(
            "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
            "instead.")):
        mg.tensor([1.0], requires_grad=True).numpy()


def test_assigning_a_grad_of_the_wrong_shape():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape(
            "assigned grad has data of a different size: expected [2], got [3]")):
        x.grad = mg.ones(3)


# -- backward ----------------------------------------------------------------------------------


def test_implicit_gradient_for_a_non_scalar_says_how_to_fix_it():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar "
                                           "outputs") as error:
        (x * 2).backward()
    message = str(error.value)
    assert "(2,)" in message and ".sum()" in message and "gradient=" in message


def test_backward_on_a_tensor_that_needs_no_gradient():
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does "
                                           "not have a grad_fn") as error:
        mg.tensor([1.0, 2.0]).sum().backward()
    assert "requires_grad=True" in str(error.value)
    x = mg.tensor([1.0], requires_grad=True)
    with mg.no_grad():
        y = x * 2
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_backward_twice():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError) as error:
        y.backward()
    assert str(error.value) == (
        "Trying to backward through the graph a second time (or directly access saved tensors "
        "after they have already been freed). Saved intermediate values of the graph are freed "
        "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
        "backward through the graph a second time or if you need to access saved tensors after "
        "calling backward."
    )


def test_gradient_of_the_wrong_shape():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape(
            "Mismatch in shape: grad_output[0] has a shape of [3] and output[0] has a shape of "
            "[2]")):
        (x * 2).backward(mg.ones(3))


def test_autograd_grad_misuse():
    x = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="One of the differentiated Tensors .*does not require "
                                           "grad"):
        mg.autograd.grad((x * 2).sum(), [mg.tensor([1.0])])
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph. Set "
                                           "allow_unused=True"):
        mg.autograd.grad((x * 2).sum(), [mg.tensor([1.0], requires_grad=True)])


# -- in-place ----------------------------------------------------------------------------------


def test_in_place_on_a_leaf_that_requires_grad():
    w = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                                           "an in-place operation") as error:
        w += 1
    assert "no_grad" in str(error.value)


def test_a_saved_tensor_modified_before_backward():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = (h * h).sum()
    h.add_(1)
    with pytest.raises(RuntimeError) as error:
        y.backward()
    message = str(error.value)
    assert message.startswith(
        "one of the variables needed for gradient computation has been modified by an inplace "
        "operation: [FloatTensor [2]]"
    )
    assert "is at version 1; expected version 0 instead" in message
    assert "out-of-place" in message or "clone" in message  # what to do


# -- conversions and reductions ------------------------------------------------------------------


def test_misc_pytorch_errors():
    with pytest.raises(RuntimeError, match="a Tensor with 3 elements cannot be converted"):
        mg.ones(3).item()
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype.*\.float\(\)"):
        mg.arange(3).mean()
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        mg.ones(2).clamp()
    with pytest.raises(RuntimeError, match=r"t\(\) expects a tensor with <= 2 dimensions"):
        mg.ones(2, 2, 2).t()
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has "
                                           "requires_grad=False"):
        mg.ones(2).retain_grad()


# -- bool tensors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "what"),
    [
        (lambda m: 1 - m, "Subtraction, the `-` operator, with a bool tensor"),
        (lambda m: m - 2, "Subtraction, the `-` operator, with a bool tensor"),
        (lambda m: mg.ones(2) - m, "Subtraction, the `-` operator, with a bool tensor"),
        (lambda m: -m, "Negation, the `-` operator, on a bool tensor"),
    ],
)
def test_minus_on_a_mask_is_refused_and_points_at_invert(op, what):
    mask = mg.tensor([True, False])
    with pytest.raises(RuntimeError, match=re.escape(what) + r".*use the `~` or `logical_not\(\)`"):
        op(mask)
    assert (~mask).tolist() == [False, True]


def test_minus_with_a_python_bool_or_in_place_is_refused_too():
    x = mg.tensor([1.0, 2.0])
    for op in (lambda: x - True, lambda: x.sub_(mg.tensor([True, False]))):
        with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
            op()
    assert x.tolist() == [1.0, 2.0]  # the refused in-place op wrote nothing
    with pytest.raises(RuntimeError, match=r"two bool tensors.*write a != b"):
        mg.tensor([True]) - mg.tensor([False])


def test_where_needs_a_bool_condition():
    with pytest.raises(RuntimeError, match=r"where expected condition to be a boolean tensor, but "
                                           r"got a tensor with dtype minigrad.float32"):
        mg.where(mg.tensor([1.0, 0.0]), mg.ones(2), mg.zeros(2))


def test_a_zero_slice_step_is_refused_as_in_pytorch():
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        mg.arange(3.0)[::0]


@pytest.mark.parametrize("key", [slice(None, None, -1), (0, slice(None, None, -2))])
def test_a_slice_that_runs_backwards_is_refused_as_in_pytorch(key):
    t = mg.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError, match=r"greater than zero.*arange\(n - 1, -1, -1\)"):
        t[key]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        t[key] = 0.0
    assert t[0][mg.arange(2, -1, -1)].tolist() == [2.0, 1.0, 0.0]  # the way to reverse
