"""Copying and pickling tensors and parameters: copy.copy, copy.deepcopy, pickle.

A copy is a new leaf. It must never share the original's place in a graph: its gradients go
to its own .grad. The rules are PyTorch's, and the last test checks them against PyTorch.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


def test_gradients_of_a_deep_copy_go_to_the_copy_while_the_originals_graph_lives():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    pending = (x * 2).sum()  # a graph that uses x: x's AccumulateGrad node is alive
    y = copy.deepcopy(x)
    (y * 3).sum().backward()
    assert y.grad.tolist() == [3.0, 3.0]
    assert x.grad is None
    pending.backward()
    assert x.grad.tolist() == [2.0, 2.0]
    assert y.grad.tolist() == [3.0, 3.0]


def test_gradients_of_a_shallow_copy_go_to_the_copy():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    pending = (x * 2).sum()
    y = copy.copy(x)
    (y * 3).sum().backward()
    assert y.grad.tolist() == [3.0, 3.0]
    assert x.grad is None
    del pending


def test_a_deep_copy_has_its_own_values_and_its_own_grad():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    (x * x).sum().backward()
    y = copy.deepcopy(x)
    assert y.is_leaf and y.requires_grad and y.dtype == mg.float64
    assert y.tolist() == [1.0, 2.0] and y.grad.tolist() == [2.0, 4.0]
    with mg.no_grad():
        x.add_(10.0)
    x.grad.zero_()
    assert y.tolist() == [1.0, 2.0] and y.grad.tolist() == [2.0, 4.0]


def test_a_shallow_copy_shares_the_values_but_not_the_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    y = copy.copy(x)
    assert y.is_leaf and y.requires_grad and y.grad is None
    with mg.no_grad():
        x.add_(1.0)
    assert y.tolist() == [2.0, 3.0]


def test_copies_keep_attributes_the_user_set_as_pytorchs_do():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    x.label = "weights"
    x.notes = ["init"]
    (x * 2).sum().backward()  # minigrad's own fields (_grad, _accumulator) are not copied
    for copied in (copy.copy(x), copy.deepcopy(x), pickle.loads(pickle.dumps(x))):
        assert copied.label == "weights" and copied.notes == ["init"]
    assert copy.deepcopy(x).notes is not x.notes
    weight = nn.Parameter(mg.tensor([1.0]))
    weight.label = "w"
    assert not hasattr(copy.deepcopy(weight), "label")  # PyTorch's Parameter copies values only


def test_deep_copying_a_computed_tensor_raises_and_says_to_detach():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"graph leaves.*tensor\.detach\(\)"):
        copy.deepcopy(x * 2)
    assert copy.deepcopy((x * 2).detach()).tolist() == [2.0, 4.0]


def test_a_tensor_survives_pickling_after_backward():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (x * 2).sum().backward()  # x now has a .grad and an AccumulateGrad node
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == x.tolist() and y.dtype == mg.float32
    assert y.is_leaf and y.requires_grad and y.grad is None
    labels = pickle.loads(pickle.dumps(mg.tensor([3, 1, 2])))
    assert labels.dtype == mg.int64 and labels.tolist() == [3, 1, 2]


def test_a_pickled_computed_tensor_comes_back_as_a_leaf_that_requires_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = pickle.loads(pickle.dumps(x * 2))
    assert y.is_leaf and y.requires_grad and y.tolist() == [2.0, 4.0]


def test_a_deep_copied_model_trains_apart_from_the_original():
    mg.manual_seed(0)
    model = nn.Linear(3, 2)
    inputs = mg.tensor(np.ones((4, 3), dtype=np.float32))
    model(inputs).sum().backward()
    clone = copy.deepcopy(model)
    assert type(clone.weight) is nn.Parameter and clone.weight.requires_grad
    assert clone.weight.grad is None  # as in PyTorch: a copied Parameter has no .grad
    assert not np.shares_memory(clone.weight.array, model.weight.array)
    weight, grad = model.weight.tolist(), model.weight.grad.tolist()
    clone(inputs).sum().backward()
    with mg.no_grad():
        clone.weight.sub_(1.0)
    assert model.weight.tolist() == weight and model.weight.grad.tolist() == grad
    assert clone.weight.grad.tolist() == grad  # same inputs, same gradient
    assert clone.weight.tolist() != weight


def test_a_pickled_parameter_is_a_parameter():
    weight = nn.Parameter(mg.tensor([1.0, 2.0]))
    back = pickle.loads(pickle.dumps(weight))
    assert type(back) is nn.Parameter and back.requires_grad and back.tolist() == [1.0, 2.0]


def test_copies_follow_pytorchs_rules(torch):
    def program(lib, parameter_class):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).sum().backward()
        p = parameter_class(lib.tensor([1.0, 2.0]))
        (p * 3).sum().backward()
        deep, shallow, pickled = copy.deepcopy(x), copy.copy(x), pickle.loads(pickle.dumps(x))
        return {
            "deep copy keeps .grad": deep.grad is not None,
            "shallow copy keeps .grad": shallow.grad is not None,
            "pickle keeps .grad": pickled.grad is not None,
            "copied Parameter keeps .grad": copy.deepcopy(p).grad is not None,
            "copied Parameter type": type(copy.deepcopy(p)).__name__,
            "pickled non-leaf is a leaf": pickle.loads(pickle.dumps(x * 2)).is_leaf,
            "pickled non-leaf requires grad": pickle.loads(pickle.dumps(x * 2)).requires_grad,
        }

    assert program(mg, nn.Parameter) == program(torch, torch.nn.Parameter)
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(torch.tensor([1.0], requires_grad=True) * 2)
