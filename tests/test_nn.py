"""minigrad.nn: Module bookkeeping, layers, losses, clipping, initialisation, save and load.

Values are checked against formulas written out here (and against PyTorch in
tests/test_torch_parity_nn_optim.py); gradients against gradcheck's finite differences.
"""

from __future__ import annotations

import math
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.autograd import gradcheck


class SimpleMLP(nn.Module):
    """The seeds' example network (lesson 09)."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


# -- Parameter ------------------------------------------------------------------------------


def test_parameter_requires_grad_is_a_leaf_and_prints_like_pytorch():
    p = nn.Parameter(mg.tensor([1.0, 2.0]))
    assert p.requires_grad and p.is_leaf and isinstance(p, mg.Tensor)
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert not nn.Parameter(mg.zeros(2), requires_grad=False).requires_grad


def test_parameter_shares_memory_and_drops_history():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    source = x * 2
    p = nn.Parameter(source)
    assert p.is_leaf and p.grad_fn is None
    with mg.no_grad():
        p.mul_(10)
    assert source.tolist() == [20.0, 40.0]
    assert type(p * 2) is mg.Tensor  # results of ops are plain tensors


def test_parameter_of_a_list_is_refused_with_a_hint():
    with pytest.raises(TypeError, match="must be Tensor, not list.*minigrad.tensor"):
        nn.Parameter([1.0, 2.0])


# -- Module bookkeeping ---------------------------------------------------------------------


def test_module_registers_parameters_and_children_in_assignment_order():
    model = SimpleMLP(10, 5, 2)
    assert [name for name, _ in model.named_parameters()] == [
        "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [type(m).__name__ for m in model.children()] == ["Linear", "ReLU", "Linear"]
    assert [name for name, _ in model.named_modules()] == ["", "fc1", "relu", "fc2"]
    assert sum(p.numel() for p in model.parameters()) == 67  # 10·5 + 5 + 5·2 + 2


def test_module_repr_prints_the_tree_like_pytorch():
    assert repr(SimpleMLP(10, 5, 2)) == (
        "SimpleMLP(\n"
        "  (fc1): Linear(in_features=10, out_features=5, bias=True)\n"
        "  (relu): ReLU()\n"
        "  (fc2): Linear(in_features=5, out_features=2, bias=True)\n"
        ")"
    )
    nested = nn.Sequential(nn.Linear(2, 16), nn.Sequential(nn.ReLU(), nn.Dropout(0.5)))
    assert repr(nested) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=16, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Dropout(p=0.5, inplace=False)\n"
        "  )\n"
        ")"
    )
    assert repr(nn.Embedding(1000, 50)) == "Embedding(1000, 50)"
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Linear(3, 1, bias=False)) == "Linear(in_features=3, out_features=1, bias=False)"


def test_plain_tensors_are_attributes_not_parameters():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = mg.tensor(2.0)  # not a Parameter: not trained
            self.weight = nn.Parameter(mg.ones(3))

    model = Scaled()
    assert [name for name, _ in model.named_parameters()] == ["weight"]
    assert model.scale.item() == 2.0


def test_shared_parameters_are_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert [name for name, _ in model.named_parameters(remove_duplicate=False)] == [
        "0.weight", "0.bias", "2.weight", "2.bias"]
    # state_dict saves a shared layer under each of its names, as PyTorch does, so a
    # PyTorch state_dict of the same model loads.
    state = model.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    model.load_state_dict(state)


def test_a_replaced_layer_or_parameter_keeps_its_place():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 1), nn.ReLU())
    replacement = nn.Linear(1, 1)
    with mg.no_grad():
        replacement.weight.fill_(-1.0)
        replacement.bias.fill_(0.0)
    setattr(model, "0", replacement)  # still the first layer: ReLU runs after it
    assert list(model.children()) == [replacement, model[1]]
    assert model(mg.tensor([[4.0]])).item() == 0.0
    layer = nn.Linear(2, 2)
    layer.weight = nn.Parameter(mg.zeros(2, 2))
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    model = SimpleMLP(3, 4, 2)
    model.fc1 = nn.Linear(3, 4)
    assert [name for name, _ in model.named_children()] == ["fc1", "relu", "fc2"]


def test_forgetting_super_init_gives_pytorchs_error():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(mg.zeros(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before "
                                             r"Module.__init__\(\) call"):
        Broken()


def test_missing_forward_and_wrong_assignments_raise_clear_errors():
    class NoForward(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match=r'Module \[NoForward\] is missing the '
                                                  r'required "forward" function'):
        NoForward()(mg.zeros(1))
    layer = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="cannot assign 'minigrad.FloatTensor' as parameter "
                                        "'weight'"):
        layer.weight = mg.zeros(3, 2)
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'wieght'"):
        _ = layer.wieght


def test_train_and_eval_reach_every_submodule():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5)))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        model.train("yes")


def test_module_zero_grad():
    model = nn.Linear(2, 1)
    model(mg.ones(3, 2)).sum().backward()
    model.zero_grad(set_to_none=False)
    assert model.weight.grad.tolist() == [[0.0, 0.0]]
    model.zero_grad()
    assert model.weight.grad is None and model.bias.grad is None


def test_sequential_indexing_slicing_and_ordered_dict():
    model = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 4)), ("act", nn.Tanh()),
                                       ("out", nn.Linear(4, 1))]))
    assert len(model) == 3 and isinstance(model[1], nn.Tanh) and model[-1] is model.out
    assert [name for name, _ in model[1:].named_children()] == ["act", "out"]
    with pytest.raises(IndexError):
        model[3]
    assert model(mg.ones(5, 2)).shape == (5, 1)


# -- state_dict ------------------------------------------------------------------------------


def test_state_dict_round_trip_restores_the_same_function():
    source, target = SimpleMLP(4, 3, 2), SimpleMLP(4, 3, 2)
    x = mg.randn(5, 4)
    state = source.state_dict()
    assert list(state) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert all(not t.requires_grad for t in state.values())
    assert repr(target.load_state_dict(state)) == "<All keys matched successfully>"
    assert target(x).allclose(source(x))
    assert target.fc1.weight.requires_grad and target.fc1.weight.is_leaf


def test_load_state_dict_reports_every_problem_like_pytorch():
    state = nn.Linear(2, 3).state_dict()
    state["foo"] = mg.zeros(1)
    del state["bias"]
    model = nn.Linear(2, 4)
    before = model.weight.detach().clone()
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(state)
    assert str(error.value) == (
        "Error(s) in loading state_dict for Linear:\n"
        '\tMissing key(s) in state_dict: "bias". \n'
        '\tUnexpected key(s) in state_dict: "foo". \n'
        "\tsize mismatch for weight: copying a param with shape minigrad.Size([3, 2]) from "
        "checkpoint, the shape in current model is minigrad.Size([4, 2])."
    )
    assert model.weight.equal(before)  # nothing was loaded
    keys = nn.Linear(2, 3).load_state_dict(nn.Linear(2, 3).state_dict() | {"x": mg.zeros(1)},
                                           strict=False)
    assert keys.missing_keys == [] and keys.unexpected_keys == ["x"]


# -- Linear ------------------------------------------------------------------------------------


def test_linear_initialisation_is_pytorchs_uniform_and_seeded():
    mg.manual_seed(3)
    layer = nn.Linear(25, 40)
    bound = 1 / math.sqrt(25)
    assert layer.weight.shape == (40, 25) and layer.bias.shape == (40,)
    assert float(layer.weight.abs().max()) <= bound and float(layer.bias.abs().max()) <= bound
    assert float(layer.weight.abs().max()) > 0.9 * bound  # it uses the whole range
    mg.manual_seed(3)
    assert nn.Linear(25, 40).weight.equal(layer.weight)


def test_linear_is_x_times_weight_transposed_plus_bias():
    layer = nn.Linear(3, 2)
    x = mg.randn(4, 3)
    expected = x.numpy() @ layer.weight.detach().numpy().T + layer.bias.detach().numpy()
    out = layer(x)
    assert out.grad_fn.name() == "AddmmBackward0"
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6)
    assert layer(mg.randn(3)).shape == (2,)
    assert layer(mg.randn(5, 4, 3)).shape == (5, 4, 2)
    assert nn.Linear(3, 2, bias=False)(x).grad_fn.name() == "MmBackward0"


def test_linear_gradients_match_finite_differences():
    def linear(x, w, b):
        return F.linear(x, w, b)

    inputs = (mg.randn(4, 3, dtype=mg.float64, requires_grad=True),
              mg.randn(2, 3, dtype=mg.float64, requires_grad=True),
              mg.randn(2, dtype=mg.float64, requires_grad=True))
    assert gradcheck(linear, inputs)
    assert gradcheck(linear, (mg.randn(5, 4, 3, dtype=mg.float64, requires_grad=True),
                              *inputs[1:]))


def test_linear_backward_supports_create_graph():
    x = mg.tensor([[1.0, 2.0]], requires_grad=True)
    w = nn.Parameter(mg.tensor([[3.0, 4.0]]))
    b = nn.Parameter(mg.tensor([0.5]))
    y = (F.linear(x, w, b) ** 2).sum()
    (gx,) = mg.autograd.grad(y, x, create_graph=True)  # 2·(x·w + b)·w = 2·11.5·[3, 4]
    assert gx.tolist() == [[69.0, 92.0]]
    gx.sum().backward()  # d/dw of 2(x·w+b)(w1+w2) = 2x(w1+w2) + 2(x·w+b)
    assert w.grad.tolist() == [[2 * 1 * 7 + 23.0, 2 * 2 * 7 + 23.0]]


def test_linear_refuses_wrong_dtype_and_width():
    layer = nn.Linear(2, 3)
    with pytest.raises(RuntimeError, match="must have the same dtype, but got Double and "
                                           "Float.*x.float"):
        layer(mg.tensor(np.ones((4, 2))))
    with pytest.raises(RuntimeError, match=r"shapes cannot be multiplied \(4x5 and 2x3\).*"
                                           r"in_features \(2\)"):
        layer(mg.ones(4, 5))


# -- activations, Dropout, Embedding, Flatten ---------------------------------------------------


def test_activation_modules_match_their_functions():
    x = mg.tensor([-2.0, 0.0, 3.0])
    assert nn.ReLU()(x).tolist() == [0.0, 0.0, 3.0]
    assert nn.Tanh()(x).allclose(np.tanh(x.numpy()))
    assert nn.Sigmoid()(x).allclose(1 / (1 + np.exp(-x.numpy())))
    assert nn.Identity()(x) is x


def test_dropout_zeroes_and_rescales_in_training_and_is_identity_in_eval():
    layer = nn.Dropout(p=0.25)
    x = mg.ones(20000, requires_grad=True)
    out = layer(x)
    values = out.detach().numpy()
    assert np.unique(values).tolist() == [0.0, np.float32(1 / 0.75)]
    assert abs((values == 0).mean() - 0.25) < 0.02
    out.sum().backward()
    assert np.array_equal(x.grad.numpy(), values)  # gradient flows through kept units only
    layer.eval()
    assert layer(x) is x


def test_dropout_differs_between_train_and_eval_and_follows_manual_seed():
    model = nn.Sequential(nn.Linear(4, 64), nn.Dropout(0.5))
    x = mg.randn(8, 4)
    mg.manual_seed(1)
    first = model(x)
    mg.manual_seed(1)
    assert model(x).equal(first)  # same seed, same mask
    assert not model(x).equal(first)  # the next mask is a new one
    model.eval()
    assert not model(x).equal(first)
    assert model(x).equal(model(x))  # no randomness in eval mode


def test_dropout_edge_probabilities_and_bad_values():
    x = mg.randn(10)
    assert F.dropout(x, 0.0) is x
    assert F.dropout(x, 1.0).tolist() == [0.0] * 10
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


def test_embedding_looks_up_rows_and_sends_gradient_only_to_them():
    table = nn.Embedding(1000, 50)
    out = table(mg.tensor([1, 2, 3, 4, 5]))
    assert out.shape == (5, 50) and out.grad_fn.name() == "EmbeddingBackward0"
    assert out.equal(table.weight[1:6].detach())
    out.sum().backward()
    used = np.flatnonzero(np.abs(table.weight.grad.numpy()).sum(axis=1))
    assert used.tolist() == [1, 2, 3, 4, 5]
    table.zero_grad()
    table(mg.tensor([[7, 7], [7, 0]])).sum().backward()  # row 7 read three times
    assert table.weight.grad[7].tolist() == [3.0] * 50
    assert gradcheck(lambda w: F.embedding(mg.tensor([0, 2, 0]), w),
                     (mg.randn(3, 2, dtype=mg.float64, requires_grad=True),))


def test_embedding_refuses_float_and_out_of_range_indices():
    table = nn.Embedding(10, 3)
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar "
                                           "types: Long, Int; but got minigrad.FloatTensor"):
        table(mg.tensor([1.0, 2.0]))
    with pytest.raises(IndexError, match=r"index out of range in self: index 10 .*0..9"):
        table(mg.tensor([1, 10]))


def test_flatten_keeps_the_batch_dimension():
    assert nn.Flatten()(mg.zeros(4, 2, 3)).shape == (4, 6)
    assert nn.Flatten(0, -1)(mg.zeros(4, 2, 3)).shape == (24,)


# -- losses ---------------------------------------------------------------------------------------


def test_mse_loss_value_gradient_and_reductions():
    pred = mg.tensor([[1.0], [2.0], [4.0]], requires_grad=True)
    target = mg.tensor([[1.0], [3.0], [2.0]])
    loss = nn.MSELoss()(pred, target)  # (0 + 1 + 4) / 3
    assert loss.item() == pytest.approx(5 / 3) and loss.grad_fn.name() == "MseLossBackward0"
    loss.backward()
    assert pred.grad.allclose([[0.0], [-2 / 3], [4 / 3]])  # 2(pred - target)/n
    assert F.mse_loss(pred, target, reduction="sum").item() == 5.0
    assert F.mse_loss(pred, target, reduction="none").tolist() == [[0.0], [1.0], [4.0]]
    with pytest.raises(ValueError, match="average is not a valid value for reduction"):
        F.mse_loss(pred, target, reduction="average")
    assert gradcheck(lambda a, b: F.mse_loss(a, b),
                     (mg.randn(3, 2, dtype=mg.float64, requires_grad=True),
                      mg.randn(3, 2, dtype=mg.float64, requires_grad=True)))


def test_mse_loss_warns_when_shapes_would_broadcast():
    with pytest.warns(UserWarning, match=r"target size \(minigrad.Size\(\[4\]\)\) that is "
                                         r"different to the input size"):
        F.mse_loss(mg.zeros(4, 1), mg.zeros(4))


def test_cross_entropy_leaves_out_samples_labelled_ignore_index():
    logits = mg.tensor([[1.0, 2.0, 3.0], [1.0, 0.0, 0.0], [0.0, 0.0, 5.0]], requires_grad=True)
    labels = mg.tensor([0, -100, 2])  # -100: PyTorch's default ignore_index (padding)
    per_sample = F.cross_entropy(logits, labels, reduction="none")
    kept = -logits.log_softmax(dim=1)[[0, 2], [0, 2]]
    assert per_sample[1].item() == 0.0 and per_sample[[0, 2]].allclose(kept)
    assert F.cross_entropy(logits, labels, reduction="sum").allclose(kept.sum())
    loss = nn.CrossEntropyLoss()(logits, labels)
    assert loss.allclose(kept.mean())  # the mean is over the two samples that count
    loss.backward()
    assert logits.grad[1].tolist() == [0.0, 0.0, 0.0]
    assert nn.CrossEntropyLoss(ignore_index=2)(logits, mg.tensor([0, 1, 2])).allclose(
        F.cross_entropy(logits[:2], mg.tensor([0, 1])))
    with pytest.raises(IndexError, match="Target -1 is out of bounds"):
        F.cross_entropy(logits, mg.tensor([0, -1, 2]))
    logits.grad = None
    nothing = F.nll_loss(logits, mg.tensor([-100, -100, -100]))
    assert math.isnan(nothing.item())  # the mean of no samples, as in PyTorch
    nothing.backward()
    assert logits.grad.tolist() == [[0.0] * 3] * 3


def test_mse_loss_dtypes_empty_batches_and_shapes_that_do_not_broadcast():
    prediction = mg.tensor([1.0, 2.0], requires_grad=True)
    assert F.mse_loss(prediction, mg.tensor([1, 4])).dtype == mg.float32
    empty = mg.zeros(0, 3, requires_grad=True)
    loss = F.mse_loss(empty, mg.zeros(0, 3))
    assert math.isnan(loss.item())
    loss.backward()
    assert empty.grad.shape == (0, 3)
    with pytest.warns(UserWarning), pytest.raises(
            RuntimeError, match=r"The size of tensor input \(3\) must match the size of tensor "
                                r"target \(2\) at non-singleton dimension 1"):
        F.mse_loss(mg.zeros(4, 3), mg.zeros(4, 2))


def test_linear_with_a_bias_of_the_wrong_size_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"tensor bias \(3\) must match .* \(4\)"):
        F.linear(mg.zeros(2, 5), mg.zeros(4, 5), mg.zeros(3))


def test_empty_layers_and_batches_work_as_in_pytorch():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        layer = nn.Linear(0, 3)
    assert layer(mg.zeros(2, 0)).shape == (2, 3)
    empty = mg.zeros(0, 3, requires_grad=True)
    assert F.softmax(empty, dim=1).shape == F.log_softmax(empty, dim=0).shape == (0, 3)
    F.log_softmax(empty, dim=1).sum().backward()
    assert empty.grad.shape == (0, 3)
    with pytest.raises(RuntimeError, match=r"max\(\): Expected reduction dim to be specified"):
        mg.zeros(0, 3).max()


def test_labels_and_biases_of_other_dtypes_are_refused_as_in_pytorch():
    scores = mg.zeros(2, 3)
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Int"):
        F.cross_entropy(scores, mg.tensor([0, 1], dtype=mg.int32))
    with pytest.raises(RuntimeError, match="must have the same dtype, but got Double and Float"):
        F.linear(scores, mg.zeros(4, 3), mg.zeros(4, dtype=mg.float64))


def test_a_buffer_cannot_take_the_name_of_a_parameter():
    layer = nn.Linear(2, 2)
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        layer.register_buffer("weight", mg.zeros(2, 2))
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]


def test_gain_of_selu_and_transposed_convolutions():
    assert nn.init.calculate_gain("selu") == 0.75
    assert nn.init.calculate_gain("conv_transpose2d") == 1.0


def test_init_refuses_an_empty_range_and_a_negative_spread():
    t = mg.zeros(3)
    with pytest.raises(RuntimeError, match=r"found from=1 > to=0"):
        nn.init.uniform_(t, 1, 0)
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0, but found std -1"):
        nn.init.normal_(t, 0, -1)


def test_cross_entropy_is_minus_log_softmax_of_the_right_class():
    logits = mg.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]], requires_grad=True)
    labels = mg.tensor([0, 2])
    z = logits.detach().numpy()
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    expected = -log_probs[[0, 1], [0, 2]]
    loss = nn.CrossEntropyLoss()(logits, labels)
    assert loss.item() == pytest.approx(expected.mean(), rel=1e-6)
    assert loss.grad_fn.name() == "NllLossBackward0"
    assert loss.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"
    loss.backward()
    one_hot = np.eye(3)[[0, 2]]
    np.testing.assert_allclose(logits.grad.numpy(), (np.exp(log_probs) - one_hot) / 2,
                               rtol=1e-5, atol=1e-7)
    none = F.cross_entropy(logits, labels, reduction="none")
    np.testing.assert_allclose(none.detach().numpy(), expected, rtol=1e-6)
    assert F.cross_entropy(logits, labels, reduction="sum").item() == pytest.approx(
        expected.sum(), rel=1e-6)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = mg.tensor([[1000.0, 0.0], [0.0, 1000.0], [-1000.0, 1000.0]], requires_grad=True)
    loss = F.cross_entropy(logits, mg.tensor([1, 1, 0]))
    assert loss.item() == pytest.approx((1000.0 + 0.0 + 2000.0) / 3)
    loss.backward()
    assert np.isfinite(logits.grad.numpy()).all()
    np.testing.assert_allclose(logits.grad.numpy(),
                               [[1 / 3, -1 / 3], [0.0, 0.0], [-1 / 3, 1 / 3]], atol=1e-7)


def test_cross_entropy_gradients_match_finite_differences_for_all_shapes():
    def check(shape, labels, reduction):
        return gradcheck(lambda x: F.cross_entropy(x, labels, reduction=reduction),
                         (mg.randn(*shape, dtype=mg.float64, requires_grad=True),))

    for reduction in ("mean", "sum", "none"):
        assert check((4, 3), mg.tensor([0, 2, 1, 2]), reduction)
        assert check((2, 3, 4), mg.randint(0, 3, (2, 4)), reduction)
    assert check((3,), mg.tensor(1), "mean")


def test_cross_entropy_with_class_probabilities():
    logits = mg.randn(3, 4)
    labels = mg.tensor([3, 0, 1])
    one_hot = mg.tensor(np.eye(4, dtype=np.float32)[[3, 0, 1]])
    assert F.cross_entropy(logits, one_hot).allclose(F.cross_entropy(logits, labels).item())


@pytest.mark.parametrize("target, error, message", [
    (mg.tensor([1.0, 2.0, 0.0]), RuntimeError,
     "expected target dtype to be Long or Byte, but got Float"),
    (mg.tensor([[1], [2], [0]]), RuntimeError,
     "0D or 1D target tensor expected, multi-target not supported"),
    (mg.tensor([1, 2]), ValueError,
     r"Expected input batch_size \(3\) to match target batch_size \(2\)\."),
    (mg.tensor([1, 2, 5]), IndexError, r"Target 5 is out of bounds\. .* 0\.\.3"),
    (mg.tensor([1, 2, -1]), IndexError, r"Target -1 is out of bounds\."),
])
def test_cross_entropy_refuses_bad_targets_with_pytorchs_errors(target, error, message):
    with pytest.raises(error, match=message):
        F.cross_entropy(mg.randn(3, 4), target)


def test_bce_with_logits_is_stable_and_its_gradient_is_sigmoid_minus_target():
    x = mg.tensor([-3.0, 0.0, 2.0, 800.0, -800.0], requires_grad=True)
    y = mg.tensor([0.0, 1.0, 1.0, 0.0, 0.0])
    loss = nn.BCEWithLogitsLoss(reduction="none")(x, y)
    naive = np.array([np.log1p(np.exp(-3.0)), np.log(2.0), np.log1p(np.exp(-2.0)), 800.0, 0.0])
    np.testing.assert_allclose(loss.detach().numpy(), naive, rtol=1e-6, atol=1e-7)
    assert loss.grad_fn.name() == "BinaryCrossEntropyWithLogitsBackward0"
    loss.sum().backward()
    sigmoid = np.array([1 / (1 + np.exp(3.0)), 0.5, 1 / (1 + np.exp(-2.0)), 1.0, 0.0])
    np.testing.assert_allclose(x.grad.numpy(), sigmoid - y.numpy(), rtol=1e-6, atol=1e-7)
    assert gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b),
                     (mg.randn(4, dtype=mg.float64, requires_grad=True),
                      mg.rand(4, dtype=mg.float64, requires_grad=True)))


def test_bce_with_logits_refuses_mismatched_or_integer_targets():
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(mg.zeros(4, 1), mg.zeros(4))
    with pytest.raises(RuntimeError, match=r"labels.float\(\)"):
        F.binary_cross_entropy_with_logits(mg.zeros(2), mg.tensor([0, 1]))


def test_softmax_functions_and_implicit_dim_warning():
    x = mg.tensor([[1.0, 2.0, 3.0]])
    probs = F.softmax(x, dim=1)
    assert probs.sum().item() == pytest.approx(1.0)
    assert F.log_softmax(x, dim=-1).allclose(np.log(probs.numpy()))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        assert F.softmax(x).allclose(probs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.log_softmax(x, 1)


def test_loss_gradients_support_double_backward():
    x = mg.tensor([0.3, -0.2], dtype=mg.float64, requires_grad=True)
    (g,) = mg.autograd.grad(F.binary_cross_entropy_with_logits(x, mg.zeros(2, dtype=mg.float64),
                                                               reduction="sum"),
                            x, create_graph=True)
    g.sum().backward()  # d/dx σ(x) = σ(x)(1 - σ(x))
    s = 1 / (1 + np.exp(-x.detach().numpy()))
    np.testing.assert_allclose(x.grad.numpy(), s * (1 - s))


# -- gradient clipping ----------------------------------------------------------------------------


def test_clip_grad_norm_returns_the_norm_before_clipping_and_scales_to_max_norm():
    a, b = nn.Parameter(mg.zeros(2)), nn.Parameter(mg.zeros(1))
    a.grad, b.grad = mg.tensor([30.0, 40.0]), mg.tensor([120.0])  # total norm √(50² + 120²)
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(130.0)
    clipped = math.sqrt(float((a.grad * a.grad).sum() + (b.grad * b.grad).sum()))
    assert clipped == pytest.approx(1.0, rel=1e-5)
    assert a.grad.allclose([30 / 130, 40 / 130], rtol=1e-5)  # direction kept


def test_clip_grad_norm_leaves_small_gradients_and_handles_inf_norm():
    w = nn.Parameter(mg.zeros(3))
    w.grad = mg.tensor([0.1, -0.2, 0.2])
    assert nn.utils.clip_grad_norm_(w, 1.0).item() == pytest.approx(0.3)
    assert w.grad.allclose([0.1, -0.2, 0.2])
    w.grad = mg.tensor([3.0, -6.0, 1.0])
    assert nn.utils.clip_grad_norm_([w], 2.0, norm_type="inf").item() == 6.0
    assert w.grad.allclose([1.0, -2.0, 1 / 3], rtol=1e-5)
    assert nn.utils.clip_grad_norm_([nn.Parameter(mg.zeros(1))], 1.0).item() == 0.0
    w.grad = mg.tensor([float("inf"), 0.0, 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_with_the_other_orders():
    a, b = nn.Parameter(mg.zeros(3)), nn.Parameter(mg.zeros(1))
    a.grad, b.grad = mg.tensor([3.0, -4.0, 0.5]), mg.tensor([2.0])
    # -inf: the smallest magnitude of all, 0.5 here, is below max_norm: nothing changes.
    assert nn.utils.clip_grad_norm_([a, b], 1.0, norm_type=float("-inf")).item() == 0.5
    assert a.grad.tolist() == [3.0, -4.0, 0.5]
    # 0, as in PyTorch: the order-0 norm of the per-parameter counts of non-zeros.
    assert nn.utils.clip_grad_norm_([a, b], 10.0, norm_type=0).item() == 2.0
    half = nn.Parameter(mg.zeros(2, dtype=mg.float16))
    half.grad = mg.tensor([300.0, 300.0], dtype=mg.float16)  # 300² overflows float16
    assert nn.utils.clip_grad_norm_([half], 1.0).item() == pytest.approx(424.25)
    assert half.grad.allclose([0.7071, 0.7071], rtol=1e-3)


def test_clip_grad_value_clamps_each_element():
    w = nn.Parameter(mg.zeros(3))
    w.grad = mg.tensor([0.5, -3.0, 0.05])
    assert nn.utils.clip_grad_value_([w], 0.1) is None
    assert w.grad.allclose([0.1, -0.1, 0.05])


# -- init ---------------------------------------------------------------------------------------


def test_init_functions_fill_in_place_without_recording():
    w = nn.Parameter(mg.zeros(200, 50))
    assert nn.init.xavier_uniform_(w) is w and w.is_leaf
    assert float(w.abs().max()) <= math.sqrt(6 / 250)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert float(w.detach().numpy().std()) == pytest.approx(math.sqrt(2 / 50), rel=0.05)
    nn.init.constant_(w, 0.5)
    assert w.detach().numpy().min() == 0.5
    assert nn.init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(nn.Parameter(mg.zeros(3)))


# -- save and load ----------------------------------------------------------------------------


def test_save_and_load_round_trip_through_a_file(tmp_path):
    model = SimpleMLP(3, 4, 2)
    path = tmp_path / "model.pt"
    nn.save(model.state_dict(), path)
    assert path.exists()  # written under the given name, no '.npz' added
    loaded = nn.load(path)
    assert list(loaded) == list(model.state_dict())
    fresh = SimpleMLP(3, 4, 2)
    fresh.load_state_dict(loaded)
    x = mg.randn(5, 3)
    assert fresh(x).equal(model(x))
    nn.save(model, tmp_path / "direct.npz")  # a Module saves its state_dict
    assert nn.load(tmp_path / "direct.npz")["fc2.bias"].equal(model.fc2.bias.detach())


def test_save_and_load_keep_a_number_a_number(tmp_path):
    model = nn.Module()
    model.scale = nn.Parameter(mg.tensor(0.5))
    nn.save(model.state_dict(), tmp_path / "scale.pt")
    loaded = nn.load(tmp_path / "scale.pt")
    assert loaded["scale"].shape == () and loaded["scale"].item() == 0.5
    model.load_state_dict(loaded)


def test_loading_a_file_for_another_model_names_the_mismatch(tmp_path):
    nn.save(nn.Linear(2, 3), tmp_path / "small.npz")
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with "
                                           r"shape minigrad.Size\(\[3, 2\]\) from checkpoint, "
                                           r"the shape in current model is "
                                           r"minigrad.Size\(\[4, 2\]\)"):
        nn.Linear(2, 4).load_state_dict(nn.load(tmp_path / "small.npz"))
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "0.weight", '
                                           r'"0.bias"'):
        nn.Sequential(nn.Linear(2, 3)).load_state_dict(nn.load(tmp_path / "small.npz"))


def test_loading_something_else_is_a_clear_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not parameters")
    with pytest.raises(ValueError, match="not a parameter file written by minigrad.nn.save"):
        nn.load(path)
    with pytest.raises(TypeError, match="state_dict"):
        nn.save([1, 2], tmp_path / "x.npz")
