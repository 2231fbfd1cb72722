"""Tensors print exactly as PyTorch 2.13 prints them (with `minigrad.` for `torch.`).

A learner compares their output with PyTorch's, so every expected string below is the one
PyTorch prints for the same values. test_torch_parity.py checks more values against a live
PyTorch where one is installed.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def _requires_grad(t):
    return t.requires_grad_()


CASES = [
    # The three examples.
    (lambda: mg.tensor([6.0, 8.0]), "tensor([6., 8.])"),
    (lambda: mg.tensor(2.0, requires_grad=True), "tensor(2., requires_grad=True)"),
    (lambda: mg.tensor([1.0, 2.0], requires_grad=True).mean(),
     "tensor(1.5000, grad_fn=<MeanBackward0>)"),
    # Decimals, signs and alignment.
    (lambda: mg.tensor([0.1, 2.25, -3.0]), "tensor([ 0.1000,  2.2500, -3.0000])"),
    (lambda: mg.tensor([[1.5, -2.0], [30.25, 4.0]]),
     "tensor([[ 1.5000, -2.0000],\n        [30.2500,  4.0000]])"),
    (lambda: mg.zeros(2, 2), "tensor([[0., 0.],\n        [0., 0.]])"),
    (lambda: mg.arange(8.0).reshape(2, 2, 2),
     "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])"),
    # Integers and booleans: no dtype suffix for int64 and bool.
    (lambda: mg.tensor([[1, -20], [300, 4]]), "tensor([[  1, -20],\n        [300,   4]])"),
    (lambda: mg.tensor([True, False]), "tensor([ True, False])"),
    # Other dtypes are named.
    (lambda: mg.tensor([1.5, 2.0], dtype=mg.float64),
     "tensor([1.5000, 2.0000], dtype=minigrad.float64)"),
    (lambda: mg.tensor([1, 2], dtype=mg.int32), "tensor([1, 2], dtype=minigrad.int32)"),
    # Scientific notation: tiny, huge, or spanning more than three orders of magnitude.
    (lambda: mg.tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
    (lambda: mg.tensor([0.5, 1000.0]), "tensor([5.0000e-01, 1.0000e+03])"),
    (lambda: mg.tensor([123456789.0, 1.0]), "tensor([1.2346e+08, 1.0000e+00])"),
    # Zeros, nan and inf take no part in choosing the format or the width.
    (lambda: mg.tensor([float("nan"), 1.0, float("inf"), -float("inf")]),
     "tensor([nan, 1., inf, -inf])"),
    (lambda: mg.tensor([-0.0, 1.0]), "tensor([-0., 1.])"),
    # Long rows wrap at 80 characters.
    (lambda: mg.arange(30.0) / 7,
     "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n"
     "        1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n"
     "        2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n"
     "        3.8571, 4.0000, 4.1429])"),
    # Over 1000 elements: the first and last three along each dimension.
    (lambda: mg.tensor((np.arange(2000) % 7 - 3) / 4, dtype=mg.float32),
     "tensor([-0.7500, -0.5000, -0.2500,  ..., -0.2500,  0.0000,  0.2500])"),
    (lambda: mg.arange(2000.0),
     "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
     "        1.9990e+03])"),
    (lambda: mg.arange(3000).reshape(3, 1000),
     "tensor([[   0,    1,    2,  ...,  997,  998,  999],\n"
     "        [1000, 1001, 1002,  ..., 1997, 1998, 1999],\n"
     "        [2000, 2001, 2002,  ..., 2997, 2998, 2999]])"),
    (lambda: mg.arange(1200.0).reshape(40, 30) / 3,
     "tensor([[0.0000e+00, 3.3333e-01, 6.6667e-01,  ..., 9.0000e+00, 9.3333e+00,\n"
     "         9.6667e+00],\n"
     "        [1.0000e+01, 1.0333e+01, 1.0667e+01,  ..., 1.9000e+01, 1.9333e+01,\n"
     "         1.9667e+01],\n"
     "        [2.0000e+01, 2.0333e+01, 2.0667e+01,  ..., 2.9000e+01, 2.9333e+01,\n"
     "         2.9667e+01],\n"
     "        ...,\n"
     "        [3.7000e+02, 3.7033e+02, 3.7067e+02,  ..., 3.7900e+02, 3.7933e+02,\n"
     "         3.7967e+02],\n"
     "        [3.8000e+02, 3.8033e+02, 3.8067e+02,  ..., 3.8900e+02, 3.8933e+02,\n"
     "         3.8967e+02],\n"
     "        [3.9000e+02, 3.9033e+02, 3.9067e+02,  ..., 3.9900e+02, 3.9933e+02,\n"
     "         3.9967e+02]])"),
    # Empty tensors show their size unless it is (0,), and any dtype but float32.
    (lambda: mg.tensor([]), "tensor([])"),
    (lambda: mg.zeros(2, 0), "tensor([], size=(2, 0))"),
    (lambda: mg.tensor(np.zeros(0, dtype=np.int64)), "tensor([], dtype=minigrad.int64)"),
    # Suffixes stay on the last line when it has room, and move to a new line otherwise.
    (lambda: _requires_grad(mg.arange(9.0).reshape(3, 3) / 7),
     "tensor([[0.0000, 0.1429, 0.2857],\n        [0.4286, 0.5714, 0.7143],\n"
     "        [0.8571, 1.0000, 1.1429]], requires_grad=True)"),
    (lambda: mg.ones(18, requires_grad=True) * 1,
     "tensor([1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.],\n"
     "       grad_fn=<MulBackward0>)"),
]


@pytest.mark.parametrize(("make", "expected"), CASES)
def test_repr_matches_pytorch(make, expected):
    assert repr(make()) == expected


def test_print_shows_the_repr(capsys):
    print(mg.tensor([6.0, 8.0]))
    assert capsys.readouterr().out == "tensor([6., 8.])\n"


def test_a_leaf_shows_requires_grad_and_a_result_its_grad_fn():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    assert repr((x * 2).detach()) == "tensor([2., 4.])"
    with mg.no_grad():
        assert repr(x * 2) == "tensor([2., 4.])"


def test_dtype_comes_before_grad_fn():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    expected = "tensor([2., 4.], dtype=minigrad.float64, grad_fn=<MulBackward0>)"
    assert repr(x.double() * 2) == expected


def test_gradients_print_like_tensors():
    x = mg.tensor([2.0, 3.0], requires_grad=True)
    (x**2 + 2 * x + 1).sum().backward()
    assert repr(x.grad) == "tensor([6., 8.])"


def test_shapes_print_like_torch_size():
    assert repr(mg.zeros(2, 3).shape) == "minigrad.Size([2, 3])"
    assert repr(mg.tensor(1.0).shape) == "minigrad.Size([])"
