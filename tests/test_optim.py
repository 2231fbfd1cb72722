"""Optimizers: their update rules step by step, their bookkeeping, and their errors.

The trajectories below are computed by hand from each optimizer's documented update rule
(the first step's arithmetic is written out; later steps follow the same rule). Every test
feeds fixed gradients straight into `p.grad`, so only the update rule is under test.
tests/test_torch_parity_nn_optim.py checks the same rules against PyTorch itself.
"""

from __future__ import annotations

import copy
import gc

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.autograd import Node
from minigrad.optim.lr_scheduler import StepLR

START = [1.0, -2.0]
GRADIENTS = [[0.5, -1.0], [0.25, 0.5], [-0.5, 1.0]]


def trajectory(make_optimizer) -> list[list[float]]:
    """The parameter after each of three steps fed with GRADIENTS."""
    p = nn.Parameter(mg.tensor(START))
    optimizer = make_optimizer([p])
    path = []
    for g in GRADIENTS:
        p.grad = mg.tensor(g)
        optimizer.step()
        path.append(p.detach().tolist())
    return path


# Each case: the optimizer, and the parameter after steps 1, 2 and 3.
HAND_COMPUTED = {
    # p ← p - lr·g:  [1, -2] - 0.1·[0.5, -1] = [0.95, -1.9]
    "sgd": (lambda ps: optim.SGD(ps, lr=0.1),
            [[0.95, -1.9], [0.925, -1.95], [0.975, -2.05]]),
    # v1 = g1 = [0.5, -1];  v2 = 0.9·v1 + g2 = [0.7, -0.4];  v3 = 0.9·v2 + g3 = [0.13, 0.64]
    "sgd_momentum": (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                     [[0.95, -1.9], [0.88, -1.86], [0.867, -1.924]]),
    # nesterov steps along g + 0.9·v:  step 1 uses g1 + 0.9·g1 = [0.95, -1.9]
    "sgd_nesterov": (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
                     [[0.905, -1.81], [0.817, -1.824], [0.8553, -1.9816]]),
    # dampening 0.5: v2 = 0.9·v1 + 0.5·g2 = [0.575, -0.65]
    "sgd_dampening": (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.5),
                      [[0.95, -1.9], [0.8925, -1.835], [0.86575, -1.8265]]),
    # weight decay 0.1: g1 + 0.1·p0 = [0.6, -1.2]
    "sgd_weight_decay": (lambda ps: optim.SGD(ps, lr=0.1, weight_decay=0.1),
                         [[0.94, -1.88], [0.9056, -1.9112], [0.946544, -1.992088]]),
    # step 1: m̂ = g1, v̂ = g1², so p moves by lr·g/|g| = 0.1 against the sign of g
    "adam": (lambda ps: optim.Adam(ps, lr=0.1),
             [[0.9, -1.9], [0.806782, -1.8733663], [0.7957037, -1.900636]]),
    "adam_weight_decay": (lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.1),
                          [[0.9, -1.9], [0.8050098, -1.8537473], [0.7755115, -1.8589894]]),
    # alpha 0.9, step 1: s = 0.1·0.25 = 0.025, p = 1 - 0.1·0.5/√0.025 = 0.6837723
    "rmsprop": (lambda ps: optim.RMSprop(ps, lr=0.1, alpha=0.9),
                [[0.6837723, -1.6837722], [0.5363303, -1.8312142], [0.7580058, -2.0528897]]),
    "rmsprop_momentum": (lambda ps: optim.RMSprop(ps, lr=0.1, alpha=0.9, momentum=0.5),
                         [[0.6837723, -1.6837722], [0.3782164, -1.6731003],
                          [0.4471141, -1.8894399]]),
    # centered, step 1: ḡ = 0.05, s - ḡ² = 0.0225, p = 1 - 0.1·0.5/0.15 = 0.6666667
    "rmsprop_centered": (lambda ps: optim.RMSprop(ps, lr=0.1, alpha=0.9, centered=True),
                         [[0.6666667, -1.6666667], [0.5047857, -1.8151451],
                          [0.7268304, -2.0390859]]),
}


@pytest.mark.parametrize("name", list(HAND_COMPUTED))
def test_update_rule_matches_hand_computed_trajectory(name):
    make, expected = HAND_COMPUTED[name]
    np.testing.assert_allclose(trajectory(make), expected, rtol=1e-6, atol=1e-6)


def test_pytorch_defaults():
    p = [nn.Parameter(mg.zeros(1))]
    assert optim.SGD(p).defaults == {"lr": 1e-3, "momentum": 0, "dampening": 0,
                                     "weight_decay": 0, "nesterov": False}
    assert optim.Adam(p).defaults == {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8,
                                      "weight_decay": 0}
    assert optim.RMSprop(p).defaults == {"lr": 1e-2, "momentum": 0, "alpha": 0.99, "eps": 1e-8,
                                         "centered": False, "weight_decay": 0}


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD(p, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-1), "Invalid momentum value: -1"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: optim.Adam(p, lr=-1.0), "Invalid learning rate: -1.0"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.Adam(p, betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (lambda p: optim.Adam(p, betas=(-0.1, 0.9)), "Invalid beta parameter at index 0: -0.1"),
    (lambda p: optim.Adam(p, eps=-1e-8), "Invalid epsilon value: -1e-08"),
    (lambda p: optim.RMSprop(p, alpha=-1), "Invalid alpha value: -1"),
    (lambda p: optim.RMSprop(p, momentum=-0.5), "Invalid momentum value: -0.5"),
])
def test_bad_hyper_parameters_raise_pytorchs_errors(make, message):
    with pytest.raises(ValueError) as error:
        make([nn.Parameter(mg.zeros(2))])
    assert str(error.value) == message


def test_bad_parameter_lists_are_refused_with_a_reason():
    w = nn.Parameter(mg.zeros(2))
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts, but got "
                                        "minigrad.FloatTensor"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors, but one of the params "
                                        "is list"):
        optim.SGD([[w]], lr=0.1)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([w, w], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)


def test_a_generator_of_parameters_is_accepted_like_model_parameters():
    model = nn.Linear(3, 2)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    assert [p.shape for p in optimizer.param_groups[0]["params"]] == [(2, 3), (2,)]


def test_zero_grad_sets_to_none_by_default_or_zeroes_in_place():
    w = nn.Parameter(mg.tensor([1.0, 2.0]))
    optimizer = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    optimizer.zero_grad()
    assert w.grad is None
    (w * w).sum().backward()
    grad = w.grad
    optimizer.zero_grad(set_to_none=False)
    assert w.grad is grad and w.grad.tolist() == [0.0, 0.0]


def test_parameters_without_gradient_are_left_alone():
    used, unused = nn.Parameter(mg.tensor([1.0])), nn.Parameter(mg.tensor([5.0]))
    optimizer = optim.Adam([used, unused], lr=0.1)
    (used * 3).sum().backward()
    optimizer.step()
    assert unused.item() == 5.0 and used.item() != 1.0
    assert unused not in optimizer.state


def test_step_keeps_parameters_as_leaves_without_history():
    model = nn.Linear(2, 1)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(mg.ones(4, 2)).sum().backward()
    optimizer.step()
    for p in model.parameters():
        assert p.is_leaf and p.grad_fn is None and p.requires_grad
    assert optimizer.state[model.weight]["momentum_buffer"].grad_fn is None


def live_nodes() -> int:
    """Graph nodes alive now, without collecting: only reference counting may free them.

    (type(o), not isinstance(o, ...): isinstance reads __class__, which warns for some
    of PyTorch's deprecated module attributes when torch is loaded.)
    """
    return sum(issubclass(type(o), Node) for o in gc.get_objects())


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: optim.Adam(ps, lr=0.01),
    lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
])
def test_an_optimizer_step_records_nothing_in_the_graph(make, monkeypatch):
    created = []
    original_init = Node.__init__

    def counting_init(self):
        created.append(type(self).__name__)
        original_init(self)

    monkeypatch.setattr(Node, "__init__", counting_init)  # every graph node passes here
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    optimizer = make(model.parameters())
    x, y = mg.randn(8, 2), mg.randn(8, 1)
    gc.collect()
    live_before = live_nodes()
    for _ in range(10):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        assert created, "the forward pass should have recorded nodes"
        created.clear()
        optimizer.step()
        assert created == [], f"optimizer.step() created graph nodes: {created}"
        del loss
    assert live_nodes() == live_before, "graph nodes outlived their training step"
    for p in model.parameters():
        assert p.is_leaf and p.grad_fn is None


def test_param_groups_have_their_own_learning_rates_and_lr_can_be_changed():
    a, b = nn.Parameter(mg.tensor([1.0])), nn.Parameter(mg.tensor([1.0]))
    optimizer = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    assert optimizer.param_groups[1]["momentum"] == 0  # filled in from the defaults
    a.grad, b.grad = mg.tensor([1.0]), mg.tensor([1.0])
    optimizer.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)
    optimizer.param_groups[0]["lr"] = 0.01
    optimizer.step()
    assert a.item() == pytest.approx(0.89)


def test_step_with_closure_returns_the_loss():
    w = nn.Parameter(mg.tensor([3.0]))
    optimizer = optim.SGD([w], lr=0.1)

    def closure():
        optimizer.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert loss.item() == 9.0 and w.item() == pytest.approx(3.0 - 0.1 * 6.0)


def test_state_dict_names_parameters_by_position():
    w, b = nn.Parameter(mg.tensor([1.0, 2.0])), nn.Parameter(mg.tensor([0.5]))
    optimizer = optim.Adam([w, b], lr=0.1)
    w.grad = mg.tensor([1.0, 1.0])
    optimizer.step()
    state = optimizer.state_dict()
    assert list(state) == ["state", "param_groups"]
    assert list(state["state"]) == [0]  # b had no gradient, so it has no state yet
    assert sorted(state["state"][0]) == ["exp_avg", "exp_avg_sq", "step"]
    assert state["state"][0]["step"].item() == 1.0
    assert state["param_groups"] == [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8,
                                      "weight_decay": 0, "params": [0, 1]}]


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: optim.Adam(ps, lr=0.1),
    lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.3, centered=True),
])
def test_load_state_dict_resumes_the_same_trajectory(make):
    def run(optimizer, p, gradients):
        for g in gradients:
            p.grad = mg.tensor(g)
            optimizer.step()

    p = nn.Parameter(mg.tensor(START))
    first = make([p])
    run(first, p, GRADIENTS[:2])
    # state_dict() shares the live buffers, as PyTorch's does: deepcopy keeps a snapshot.
    saved_state, saved_values = copy.deepcopy(first.state_dict()), p.detach().clone()
    run(first, p, GRADIENTS[2:])

    q = nn.Parameter(saved_values)
    second = make([q])
    second.load_state_dict(saved_state)
    run(second, q, GRADIENTS[2:])
    np.testing.assert_allclose(q.detach().numpy(), p.detach().numpy(), rtol=1e-6)


def test_load_state_dict_refuses_a_different_layout():
    one = optim.SGD([nn.Parameter(mg.zeros(1))], lr=0.1)
    two = optim.SGD([nn.Parameter(mg.zeros(1)), nn.Parameter(mg.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        one.load_state_dict(two.state_dict())


def test_repr_lists_each_group_like_pytorch():
    optimizer = optim.SGD([nn.Parameter(mg.zeros(1))], lr=0.1, momentum=0.9)
    assert repr(optimizer) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n    momentum: 0.9\n"
        "    nesterov: False\n    weight_decay: 0\n)"
    )


def test_step_lr_multiplies_the_learning_rate_every_step_size_epochs():
    optimizer = optim.SGD([nn.Parameter(mg.zeros(1))], lr=0.1)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    lrs = [scheduler.get_last_lr()[0]]
    for _ in range(5):
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    assert lrs == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    assert optimizer.param_groups[0]["initial_lr"] == 0.1
    assert scheduler.state_dict()["last_epoch"] == 5


def test_step_lr_resuming_needs_initial_lr():
    optimizer = optim.SGD([nn.Parameter(mg.zeros(1))], lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(optimizer, step_size=2, last_epoch=3)
