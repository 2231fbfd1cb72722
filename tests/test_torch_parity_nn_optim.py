"""nn and optim against PyTorch: same values, same gradients, same trajectories, same texts.

Skipped where PyTorch is not installed (`make test WITH_TORCH=1` installs it). Weights are
copied from minigrad to PyTorch before each comparison: the two random generators differ.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim

torch = pytest.importorskip("torch")
tnn = torch.nn
TF = torch.nn.functional

pytestmark = pytest.mark.torch


def to_torch(t: mg.Tensor, requires_grad: bool = False):
    return torch.tensor(t.detach().numpy().copy(), requires_grad=requires_grad)


def close(ours: mg.Tensor, theirs, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(),
                               rtol=rtol, atol=atol)


def twin_models():
    """The same small network in both libraries, with minigrad's weights in both."""
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    theirs = tnn.Sequential(tnn.Linear(3, 4), tnn.Tanh(), tnn.Linear(4, 2))
    theirs.load_state_dict({k: to_torch(v) for k, v in ours.state_dict().items()})
    return ours, theirs


# -- optimizers -----------------------------------------------------------------------------

OPTIMIZERS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "dampening": 0.3}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "weight_decay": 0.01}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.2}),
]


@pytest.mark.parametrize("name, settings", OPTIMIZERS)
def test_optimizer_trajectory_matches_pytorch(name, settings):
    ours, theirs = twin_models()
    our_opt = getattr(optim, name)(ours.parameters(), **settings)
    their_opt = getattr(torch.optim, name)(theirs.parameters(), **settings)
    x, y = mg.randn(6, 3), mg.randn(6, 2)
    for _ in range(6):
        for model, opt, inputs, target in ((ours, our_opt, x, y),
                                           (theirs, their_opt, to_torch(x), to_torch(y))):
            opt.zero_grad()
            ((model(inputs) - target) ** 2).mean().backward()
            opt.step()
        for p, q in zip(ours.parameters(), theirs.parameters()):
            close(p, q)
    our_state, their_state = our_opt.state_dict(), their_opt.state_dict()
    assert list(our_state["state"]) == list(their_state["state"])
    for index, values in our_state["state"].items():
        assert set(values) == set(their_state["state"][index])
        for key, value in values.items():
            # Buffers are sums of terms of both signs: float32 rounding shows more in them.
            close(value, their_state["state"][index][key], rtol=1e-4, atol=1e-5)
    for ours_group, theirs_group in zip(our_state["param_groups"],
                                        their_state["param_groups"]):
        assert ours_group.items() <= theirs_group.items()


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_defaults_match_pytorchs(name):
    ours = getattr(optim, name)([nn.Parameter(mg.zeros(1))])
    theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)])
    assert ours.defaults.items() <= theirs.defaults.items()


@pytest.mark.parametrize("name, settings", [
    ("SGD", {"lr": -0.1}), ("SGD", {"lr": 0.1, "momentum": -1}),
    ("SGD", {"lr": 0.1, "weight_decay": -0.5}), ("SGD", {"lr": 0.1, "nesterov": True}),
    ("Adam", {"lr": -1e-3}), ("Adam", {"betas": (1.0, 0.999)}), ("Adam", {"betas": (0.9, 1.5)}),
    ("Adam", {"eps": -1.0}), ("RMSprop", {"alpha": -0.5}), ("RMSprop", {"momentum": -2}),
])
def test_bad_hyper_parameters_give_pytorchs_exact_error(name, settings):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **settings)
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([nn.Parameter(mg.zeros(1))], **settings)
    assert str(ours.value) == str(theirs.value)


def test_step_lr_matches_pytorch():
    ours = optim.SGD([nn.Parameter(mg.zeros(1))], lr=0.3)
    theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
    our_scheduler = optim.lr_scheduler.StepLR(ours, step_size=3, gamma=0.2)
    their_scheduler = torch.optim.lr_scheduler.StepLR(theirs, step_size=3, gamma=0.2)
    for _ in range(8):
        assert our_scheduler.get_last_lr() == pytest.approx(their_scheduler.get_last_lr())
        ours.step()
        theirs.step()
        our_scheduler.step()
        their_scheduler.step()


def test_optimizer_repr_matches_pytorch_for_shared_keys():
    ours = optim.SGD([nn.Parameter(mg.zeros(1))], lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    our_lines = repr(ours).splitlines()
    assert set(our_lines) <= set(repr(theirs).splitlines())


# -- modules ---------------------------------------------------------------------------------


def build_all_layers(lib):
    return lib.Sequential(lib.Linear(2, 16), lib.ReLU(), lib.Linear(16, 16, bias=False),
                          lib.Tanh(), lib.Sigmoid(), lib.Dropout(0.25), lib.Flatten(),
                          lib.Sequential(lib.Embedding(10, 3), lib.Identity()))


def test_module_repr_and_state_dict_keys_match_pytorch():
    ours, theirs = build_all_layers(nn), build_all_layers(tnn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert repr(ours[2:4]) == repr(theirs[2:4])
    assert repr(nn.Parameter(mg.tensor([1.0, 2.0]))) == repr(tnn.Parameter(torch.tensor([1.0,
                                                                                          2.0])))


def test_load_state_dict_error_matches_pytorch():
    def attempt(lib, make_zeros):
        state = lib.Linear(2, 3).state_dict()
        state["extra"] = make_zeros(1)
        del state["bias"]
        with pytest.raises(RuntimeError) as error:
            lib.Linear(2, 4).load_state_dict(state)
        return str(error.value)

    ours = attempt(nn, mg.zeros)
    assert ours == attempt(tnn, torch.zeros).replace("torch.Size", "minigrad.Size")


def test_linear_values_gradients_and_node_names_match_pytorch():
    layer = nn.Linear(3, 2)
    twin = tnn.Linear(3, 2)
    twin.load_state_dict({k: to_torch(v) for k, v in layer.state_dict().items()})
    for shape in [(4, 3), (3,), (2, 5, 3)]:
        layer.zero_grad()
        twin.zero_grad()
        x = mg.randn(*shape, requires_grad=True)
        tx = to_torch(x, requires_grad=True)
        out, tout = layer(x), twin(tx)
        close(out, tout)
        (out * out).sum().backward()
        (tout * tout).sum().backward()
        close(x.grad, tx.grad)
        close(layer.weight.grad, twin.weight.grad)
        close(layer.bias.grad, twin.bias.grad)
    assert layer(mg.randn(4, 3)).grad_fn.name() == type(twin(torch.randn(4, 3)).grad_fn).__name__


# -- losses ---------------------------------------------------------------------------------


def compare_loss(ours_fn, theirs_fn, inputs, targets, same_node: bool = True, **kwargs):
    """Values and input gradients; for the common shapes, also the grad_fn's name."""
    x = inputs.detach().clone().requires_grad_()
    tx = to_torch(inputs, requires_grad=True)
    ours, theirs = ours_fn(x, targets, **kwargs), theirs_fn(tx, to_torch(targets), **kwargs)
    close(ours, theirs)
    if same_node:
        assert ours.grad_fn.name() == type(theirs.grad_fn).__name__
    seed = mg.randn(*ours.shape)
    ours.backward(seed)
    theirs.backward(to_torch(seed))
    close(x.grad, tx.grad)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_match_pytorch(reduction):
    logits = mg.randn(5, 4) * 3
    compare_loss(F.cross_entropy, TF.cross_entropy, logits, mg.tensor([0, 3, 1, 1, 2]),
                 reduction=reduction)
    # (N, C, d) scores and probability targets: PyTorch's graph has extra view/sum nodes.
    compare_loss(F.cross_entropy, TF.cross_entropy, mg.randn(2, 3, 4),
                 mg.randint(0, 3, (2, 4)), same_node=False, reduction=reduction)
    compare_loss(F.cross_entropy, TF.cross_entropy, logits, F.softmax(mg.randn(5, 4), dim=1),
                 same_node=False, reduction=reduction)
    compare_loss(F.mse_loss, TF.mse_loss, mg.randn(5, 2), mg.randn(5, 2), reduction=reduction)
    compare_loss(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
                 mg.randn(6) * 4, mg.rand(6), reduction=reduction)


def test_losses_match_pytorch_for_extreme_logits():
    huge = mg.tensor([[1000.0, -1000.0, 0.0], [-500.0, 500.0, 80.0]])
    compare_loss(F.cross_entropy, TF.cross_entropy, huge, mg.tensor([1, 1]))
    compare_loss(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
                 mg.tensor([900.0, -900.0, 0.0, 30.0]), mg.tensor([0.0, 1.0, 1.0, 0.5]))
    compare_loss(F.cross_entropy, TF.cross_entropy, mg.randn(4), mg.tensor(2))


@pytest.mark.parametrize("target", [
    mg.tensor([1.0, 2.0, 0.0]), mg.tensor([[1], [2], [0]]), mg.tensor([1, 2]),
    mg.tensor([1, 2, 4]), mg.tensor([0, -1, 2]),
])
def test_cross_entropy_errors_start_with_pytorchs_text(target):
    logits = mg.randn(3, 4)
    with pytest.raises(Exception) as theirs:
        TF.cross_entropy(to_torch(logits), to_torch(target))
    with pytest.raises(Exception) as ours:
        F.cross_entropy(logits, target)
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value).startswith(str(theirs.value))


def test_softmax_functions_match_pytorch():
    x = mg.randn(3, 5) * 10
    for dim in (0, 1, -1):
        close(F.softmax(x, dim=dim), TF.softmax(to_torch(x), dim=dim))
        close(F.log_softmax(x, dim=dim), TF.log_softmax(to_torch(x), dim=dim))


# -- embedding, dropout, clipping --------------------------------------------------------------


def test_embedding_matches_pytorch():
    table = nn.Embedding(6, 3)
    twin = tnn.Embedding(6, 3)
    twin.load_state_dict({"weight": to_torch(table.weight)})
    indices = mg.tensor([[1, 4, 1], [0, 5, 1]])
    out, tout = table(indices), twin(to_torch(indices))
    close(out, tout)
    assert out.grad_fn.name() == type(tout.grad_fn).__name__
    seed = mg.randn(2, 3, 3)
    out.backward(seed)
    tout.backward(to_torch(seed))
    close(table.weight.grad, twin.weight.grad)


def test_dropout_matches_pytorch_in_what_can_match():
    x = mg.ones(4000)
    ours, theirs = F.dropout(x, 0.3), TF.dropout(to_torch(x), 0.3)
    assert np.unique(ours.numpy()).tolist() == torch.unique(theirs).tolist()
    assert F.dropout(x, 0.3, training=False).equal(x)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, "inf"])
def test_clip_grad_norm_matches_pytorch(norm_type):
    grads = [mg.randn(3, 2) * 10, mg.randn(4) * 5]
    ours = [nn.Parameter(mg.zeros(*g.shape)) for g in grads]
    theirs = [torch.zeros(*g.shape, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = g.clone(), to_torch(g)
    total = nn.utils.clip_grad_norm_(ours, max_norm=2.0, norm_type=norm_type)
    their_total = tnn.utils.clip_grad_norm_(theirs, max_norm=2.0, norm_type=norm_type)
    close(total, their_total)
    for p, q in zip(ours, theirs):
        close(p.grad, q.grad)
    nn.utils.clip_grad_value_(ours, 0.05)
    tnn.utils.clip_grad_value_(theirs, 0.05)
    for p, q in zip(ours, theirs):
        close(p.grad, q.grad)
