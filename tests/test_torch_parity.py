"""The same programs in minigrad and in PyTorch: same values, same gradients, same graphs.

Each program below is written once against a library `lib` (minigrad or torch: their names
are the same) and run in both. The tests compare every returned value and gradient, the
dtypes, and the grad_fn names along the whole backward graph. Skipped where PyTorch is not
installed (`make test WITH_TORCH=1` installs it).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import minigrad as mg

pytestmark = pytest.mark.torch

RNG = np.random.default_rng(1234)
X = RNG.standard_normal((5, 4)).astype(np.float32)
W1 = RNG.standard_normal((4, 8)).astype(np.float32)
B1 = RNG.standard_normal(8).astype(np.float32)
W2 = RNG.standard_normal((8, 3)).astype(np.float32)
B2 = RNG.standard_normal(3).astype(np.float32)
POSITIVE = RNG.uniform(0.5, 2.0, (3, 4)).astype(np.float32)
M = RNG.standard_normal((3, 4)).astype(np.float32)
V = RNG.standard_normal(4).astype(np.float32)
BATCH = RNG.standard_normal((2, 3, 4)).astype(np.float32)


def leaf(lib, array, dtype=None):
    return lib.tensor(array, requires_grad=True) if dtype is None else \
        lib.tensor(array, dtype=dtype, requires_grad=True)


# -- the programs ---------------------------------------------------------------------------------


def first_example(lib):
    x = leaf(lib, [2.0, 3.0])
    y = x**2 + 2 * x + 1
    y.sum().backward()
    return {"y": y, "x.grad": x.grad}


def mlp_cross_entropy(lib):
    w1, b1, w2, b2 = leaf(lib, W1), leaf(lib, B1), leaf(lib, W2), leaf(lib, B2)
    x, labels = lib.tensor(X), lib.tensor([0, 2, 1, 1, 0])
    hidden = (x @ w1 + b1).relu()
    logits = hidden @ w2 + b2
    loss = -logits.log_softmax(dim=1)[lib.arange(5), labels].mean()
    loss.backward()
    return {"loss": loss, "w1": w1.grad, "b1": b1.grad, "w2": w2.grad, "b2": b2.grad}


def elementwise(lib):
    x = leaf(lib, POSITIVE)
    y = (x.exp() * x.log() + x.sqrt() / x.tanh() - x.sigmoid() ** 2 + (x - 1).abs() * x.relu()
         + x.clamp(0.7, 1.5) + (-x) + x**x + x.pow(3) / 7 + x**-0.5)
    y.sum().backward()
    return {"y": y, "x.grad": x.grad}


def reductions(lib):
    m = leaf(lib, M)
    parts = [m.sum(), m.sum(0), m.sum(dim=1, keepdim=True), m.mean(), m.mean(1),
             m.mean((0, 1), keepdim=True), m.max(), m.min(), m.max(dim=1).values,
             m.min(0, keepdim=True)[0], m.norm(), m.norm(dim=1), m.norm(1), m.softmax(1),
             m.log_softmax(0)]
    total = sum((p**2).sum() for p in parts)
    total.backward()
    return {**{f"part{i}": p for i, p in enumerate(parts)}, "m.grad": m.grad,
            "argmax": m.max(dim=1).indices, "argmin": m.min(dim=0).indices}


def shapes(lib):
    m = leaf(lib, M)
    parts = [m.reshape(2, 6), m.view(12), m.view(-1, 2), m.transpose(0, 1), m.permute(1, 0),
             m.T, m.unsqueeze(0), m.unsqueeze(-1).squeeze(), m.unsqueeze(1),
             m[:1].expand(5, 4), m.flatten()]
    weights = [lib.tensor(np.linspace(-1, 1, p.numel(), dtype=np.float32)).reshape(p.shape)
               for p in parts]
    total = sum((p * w).sum() for p, w in zip(parts, weights))
    total.backward()
    return {**{f"part{i}": p for i, p in enumerate(parts)}, "m.grad": m.grad}


def indexing(lib):
    m = leaf(lib, M)
    parts = [m[1], m[-1], m[1:3], m[::2], m[[0, 2, 0]], m[lib.tensor([0, 2]), lib.tensor([1, 3])],
             m[m > 0]]
    total = sum(((p + 1) ** 2).sum() for p in parts)
    total.backward()
    return {**{f"part{i}": p for i, p in enumerate(parts)}, "m.grad": m.grad}


def joining(lib):
    a, b = leaf(lib, M[:2]), leaf(lib, M[2:])
    parts = [lib.cat([a, b]), lib.cat([a, a], dim=1), lib.stack([a, a * 2]),
             lib.stack([a, b[[0, 0]]], dim=-1), lib.where(a > 0, a, b * 3),
             lib.where(a < 0.5, 1.0, a)]
    total = sum((p * p).sum() for p in parts)
    total.backward()
    return {**{f"part{i}": p for i, p in enumerate(parts)}, "a": a.grad, "b": b.grad}


def broadcasting(lib):
    column, row = leaf(lib, M[:, :1]), leaf(lib, V)
    scalar = leaf(lib, 1.5)
    y = column * row + row / (column**2 + 1) - scalar * column + row.abs() ** scalar
    y.sum().backward()
    return {"y": y, "column": column.grad, "row": row.grad, "scalar": scalar.grad}


def matrix_products(lib):
    m, v = leaf(lib, M), leaf(lib, V)
    batch = leaf(lib, BATCH)
    parts = [m @ m.T, m @ v, v @ v, lib.matmul(batch, m.T), batch @ v, m.T.mm(m), v.dot(v),
             v @ m.T]
    total = sum(p.sum() ** 2 for p in parts)
    total.backward()
    return {**{f"part{i}": p for i, p in enumerate(parts)}, "m": m.grad, "v": v.grad,
            "batch": batch.grad}


def in_place_on_non_leaves(lib):
    x, v = leaf(lib, V), leaf(lib, 2.0)
    h = x * 2
    h.add_(1)
    h[0] = v * v
    h.mul_(3)
    h[1:3] = h[1:3] + x[:2]
    h.sub_(0.5)
    h.div_(2)
    h.sum().backward()
    return {"h": h, "x": x.grad, "v": v.grad}


def higher_order(lib):
    x = leaf(lib, [0.5, 1.0, 1.5], dtype=lib.float64)
    v = lib.tensor([1.0, -1.0, 2.0], dtype=lib.float64)
    f = (x.exp() * x.tanh()).sum() + x[0] * x[1] * x[2]
    (g,) = lib.autograd.grad(f, x, create_graph=True)
    (hv,) = lib.autograd.grad((g * v).sum(), x, create_graph=True)
    (third,) = lib.autograd.grad(hv.sum(), x)
    return {"g": g, "hv": hv, "third": third}


def retained_grads_and_hooks(lib):
    x = leaf(lib, V)
    h = x * 3
    h.retain_grad()
    h.register_hook(lambda g: g * 2)
    x.register_hook(lambda g: g + 1)
    y = (h * h).sum()
    y.backward(retain_graph=True)
    first = h.grad.clone()
    y.backward()
    return {"h.grad first": first, "h.grad": h.grad, "x.grad": x.grad}


def custom_function(lib):
    class Clip(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, low):
            ctx.save_for_backward(x)
            ctx.low = low
            return x.clamp(min=low)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * (x > ctx.low), None

    x = leaf(lib, M)
    y = Clip.apply(x, 0.1) * 2
    y.sum().backward()
    return {"y": y, "x.grad": x.grad, "name": y.grad_fn.next_functions[0][0]}


def training_steps(lib):
    lib.manual_seed(0)
    w = leaf(lib, W1[:, :1])
    x, target = lib.tensor(X), lib.tensor(X[:, :1] * 2)
    losses = []
    for _ in range(5):
        loss = ((x @ w - target) ** 2).mean()
        loss.backward()
        with lib.no_grad():
            w -= 0.1 * w.grad
        w.grad.zero_()
        losses.append(loss.detach())
    return {"w": w, **{f"loss{i}": loss for i, loss in enumerate(losses)}}


def float64_program(lib):
    x = leaf(lib, M.astype(np.float64))
    y = (x.softmax(1) * x.exp()).sum(0).norm()
    y.backward()
    return {"y": y, "x.grad": x.grad}


def backward_arguments(lib):
    """backward(inputs=) with a non-leaf, an output listed twice, .grad after create_graph."""
    x, w = leaf(lib, V), leaf(lib, V * 2)
    h = x * w
    z = (h * 3).sum()
    z.backward(inputs=[h], retain_graph=True)
    z.backward(inputs=[h])  # h.grad adds up, as a leaf's would
    y = (x * 3).sum()
    lib.autograd.backward([y, y], inputs=[x], retain_graph=True)
    (twice,) = lib.autograd.grad([y, y], x)
    a, b = leaf(lib, 1.0), leaf(lib, 2.0)
    with warnings.catch_warnings():  # PyTorch warns that .grad and its graph form a cycle
        warnings.simplefilter("ignore", UserWarning)
        (a + b).backward(create_graph=True)
    (a + b).backward()  # adds into each .grad in place
    total = (x * w).sum(dim=None, keepdim=True)
    return {"h.grad": h.grad, "x.grad": x.grad, "twice": twice, "a.grad": a.grad,
            "b.grad": b.grad, "total": total}


def views_before_in_place_changes(lib):
    """Views taken before their base (or a sibling view) changes in place see the change."""
    x = leaf(lib, M)
    y = x * 2
    row, block, flat = y[0], y[1:3, :2], y.view(12)
    y.mul_(3)
    first, second = y[0:2], y[1:3]
    first.mul_(10)  # changes y[1], which second views too
    twice = lib.autograd.grad((second * second).sum(), [x, x], retain_graph=True)
    loss = (row * 2).sum() + (block**2).sum() + flat.sum() + second.sum()
    loss.backward()
    return {"row": row, "block": block, "flat": flat, "second": second, "loss": loss,
            "twice[0]": twice[0], "twice[1]": twice[1], "x.grad": x.grad}


PROGRAMS = [first_example, mlp_cross_entropy, elementwise, reductions, shapes, indexing,
            joining, broadcasting, matrix_products, in_place_on_non_leaves, higher_order,
            retained_grads_and_hooks, custom_function, training_steps, float64_program,
            backward_arguments, views_before_in_place_changes]

# Programs whose graphs PyTorch builds from other nodes: batched matmul is an UnsafeView of a
# Bmm there, and the nodes of a create_graph backward have names of their own
# ('SelectBackwardBackward0'), and a view whose base changed in place is remade there as an
# AsStridedBackward0 (minigrad takes the view again: SelectBackward0, SliceBackward0). Values
# and gradients are compared, node names are not.
NAMES_DIFFER_BY_DESIGN = {"matrix_products", "higher_order", "views_before_in_place_changes"}


# -- comparing ----------------------------------------------------------------------------------


def dtype_name(t) -> str:
    return str(t.dtype).replace("torch.", "") if not isinstance(t, mg.Tensor) else \
        mg.dtypes.NAMES[t.dtype]


def graph_names(grad_fn) -> list:
    """The node names of a backward graph, depth first along next_functions."""
    names, stack, seen = [], [grad_fn], []
    while stack:
        node = stack.pop()
        if node is None or any(node is s for s in seen):
            continue
        seen.append(node)
        names.append(type(node).__name__)
        stack.extend(child for child, _ in reversed(node.next_functions))
    return names


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_same_values_gradients_and_dtypes(torch, program):
    ours, theirs = program(mg), program(torch)
    assert list(ours) == list(theirs)
    for key in ours:
        a, b = ours[key], theirs[key]
        if isinstance(b, torch.Tensor):
            assert isinstance(a, mg.Tensor), key
            assert dtype_name(a) == dtype_name(b), key
            assert tuple(a.shape) == tuple(b.shape), key
            tolerance = 1e-10 if b.dtype == torch.float64 else 1e-5
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tolerance,
                                       atol=tolerance, err_msg=key)
        else:
            assert type(a).__name__ == type(b).__name__, key


@pytest.mark.parametrize("program", [p for p in PROGRAMS if p.__name__ not in
                                     NAMES_DIFFER_BY_DESIGN], ids=lambda p: p.__name__)
def test_same_backward_graph(torch, program):
    ours, theirs = program(mg), program(torch)
    for key in ours:
        a, b = ours[key], theirs[key]
        if isinstance(b, torch.Tensor) and b.grad_fn is not None:
            assert graph_names(a.grad_fn) == graph_names(b.grad_fn), key


@pytest.mark.parametrize(
    "expression",
    [
        "x * 2", "x + 1", "x - 1", "x / 2", "-x", "x ** 2", "x ** x", "x.sum()", "m.sum(1)",
        "x.mean()", "m.mean(0)", "x.max()", "m.max(1).values", "m.min(0)[0]", "m @ m", "m @ x",
        "x @ x", "x.exp()", "x.log()", "x.sqrt()", "x.abs()", "x.relu()", "x.tanh()",
        "x.sigmoid()", "x.clamp(0.5, 1.5)", "x.norm()", "m.softmax(1)", "m.log_softmax(0)",
        "m.reshape(4)", "m.view(4)", "m.transpose(0, 1)", "m.permute(1, 0)", "m.T",
        "x.unsqueeze(0)", "x.unsqueeze(0).squeeze()", "x.expand(3, 2)", "x[0]", "x[1:]",
        "x[[0, 0]]", "lib.cat([x, x])", "lib.stack([x, x])", "lib.where(x > 1, x, x * 2)",
        "x.clone()", "x.double()", "x.dot(x)",
        # Forms where PyTorch records a different node than the plain operator would.
        "2 - x", "2 ** x", "m.t()", "x.unsqueeze(0).squeeze(0)", "m[None]",
    ],
)
def test_grad_fn_names_match(torch, expression):
    def name(lib):
        x = leaf(lib, [1.0, 2.0])
        m = leaf(lib, [[1.0, 2.0], [3.0, 4.0]])
        return type(eval(expression, {"lib": lib, "x": x, "m": m}).grad_fn).__name__

    assert name(mg) == name(torch)


def test_the_order_in_which_hooks_fire(torch):
    def run(lib):
        order = []
        x = leaf(lib, [1.0, 2.0])
        a = x * 2
        b, c = a.exp(), a * 3
        d = b + c
        for label, t in [("a", a), ("b", b), ("c", c), ("d", d)]:
            t.register_hook(lambda g, label=label: order.append(label))
        branches = [x * k for k in range(1, 5)]
        for k, t in enumerate(branches):
            t.register_hook(lambda g, k=k: order.append(k))
        (d.sum() + a.sum() + sum(t.sum() for t in branches)).backward()
        return order

    assert run(mg) == run(torch)


# -- dtypes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "lib.tensor([1.0])", "lib.tensor([1])", "lib.tensor([True])", "lib.tensor(2.5)",
        "lib.tensor(np.array([1.0]))", "lib.tensor([1, 2]) + 1.5", "lib.tensor([1, 2]) * 2",
        "lib.tensor([1, 2]) / 2", "lib.tensor([1, 2]) ** 0.5",
        "lib.tensor([1.0]) + lib.tensor([1])", "lib.tensor([True]) + 1",
        "lib.tensor([1.0]).double() * 2.0", "lib.tensor([1.0]) + lib.tensor(1.0).double()",
        "lib.arange(3)", "lib.arange(0.0, 1.0, 0.5)",
        "lib.zeros(2)", "lib.full((2,), 3)", "lib.full((2,), 3.0)", "lib.ones(2).long()",
        "lib.randn(2)", "lib.zeros_like(lib.tensor([1, 2]))", "lib.tensor([1.0]) > 0",
        "lib.tensor(np.float64(1.5))", "lib.where(lib.tensor([True, False]), 1, 0)",
        "lib.where(lib.tensor([True, False]), 1, 0.5)",
        "lib.where(lib.tensor([True, False]), True, False)",
    ],
)
def test_dtypes_match(torch, expression):
    result = {lib.__name__: dtype_name(eval(expression, {"lib": lib, "np": np}))
              for lib in (mg, torch)}
    assert result["minigrad"] == result["torch"]


# -- printing and errors -------------------------------------------------------------------------

REPR_ARRAYS = [
    np.array(2.0), np.array([6.0, 8.0]), np.array([1e-5, 1.0]), np.array([1e5, 1.0]),
    np.array([np.nan, 1.0, np.inf]), np.array([0.0, np.nan]), np.array([-0.0, 1.0]),
    RNG.standard_normal((3, 4)), RNG.standard_normal((2, 3, 4)) * 100,
    RNG.standard_normal(2000), RNG.standard_normal((40, 40)), RNG.standard_normal((3, 400)),
    RNG.standard_normal((7, 200)) * 1e-3, np.arange(1500.0).reshape(3, 500),
    RNG.standard_normal((5, 5, 5, 5)), np.array([[1e-10, 1.0]]), np.zeros((0,)),
    np.zeros((2, 0)), np.arange(10.0) * 1000, np.array([0.001, 1.0, 1000.0]),
]


def normalize(text: str) -> str:
    """Same tokens, whatever the line breaks ('minigrad.' is longer than 'torch.')."""
    return re.sub(r",\s+", ", ", text.replace("torch.", "minigrad."))


@pytest.mark.parametrize("index", range(len(REPR_ARRAYS)))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_repr_matches(torch, index, dtype, requires_grad):
    array = REPR_ARRAYS[index].astype(dtype)
    ours = mg.tensor(array, requires_grad=requires_grad)
    theirs = torch.tensor(array, requires_grad=requires_grad)
    expected = repr(theirs).replace("torch.", "minigrad.")
    if dtype == "float32":
        assert repr(ours) == expected  # no dtype suffix: the very same text
    else:
        assert normalize(repr(ours)) == normalize(expected)
    assert normalize(repr(ours * 2)) == normalize(repr(theirs * 2))


@pytest.mark.parametrize("array", [np.array([1, -20, 300]), np.arange(3000).reshape(3, 1000),
                                   np.array([True, False]), np.array([1, 2], dtype=np.int32)])
def test_integer_and_bool_repr_matches(torch, array):
    assert repr(mg.tensor(array)) == repr(torch.tensor(array)).replace("torch.", "minigrad.")


ERRORS = {
    "backward twice": lambda lib: [(lambda y: (y.backward(), y.backward()))(
        (leaf(lib, [1.0, 2.0]).exp()).sum())],
    "implicit gradient": lambda lib: (leaf(lib, [1.0, 2.0]) * 2).backward(),
    "no grad_fn": lambda lib: lib.tensor([1.0]).sum().backward(),
    "leaf in place": lambda lib: leaf(lib, [1.0]).add_(1),
    "numpy": lambda lib: leaf(lib, [1.0]).numpy(),
    "item": lambda lib: lib.ones(2).item(),
    "broadcast": lambda lib: lib.ones(2, 3) + lib.ones(4, 3),
    "mm shapes": lambda lib: lib.ones(2, 3) @ lib.ones(2, 3),
    "view": lambda lib: lib.ones(2, 3).view(4),
    "dim range": lambda lib: lib.ones(2, 3).sum(2),
    "stack": lambda lib: lib.stack([lib.ones(2), lib.ones(3)]),
    "set requires_grad": lambda lib: setattr(leaf(lib, [1.0]) * 2, "requires_grad", False),
    "grad unused": lambda lib: lib.autograd.grad(leaf(lib, [1.0]).sum() * 1,
                                                 [leaf(lib, [1.0])]),
    "mm of a vector": lambda lib: lib.ones(3).mm(lib.ones(3, 3)),
    "mm by a vector": lambda lib: lib.ones(3, 3).mm(lib.ones(3)),
    "size range": lambda lib: lib.ones(2, 3).size(2),
    "dim twice": lambda lib: lib.ones(2, 3).sum((1, -1)),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_error_messages_begin_with_pytorchs(torch, case):
    def message(lib):
        with pytest.raises((RuntimeError, IndexError)) as error:
            ERRORS[case](lib)
        return type(error.value).__name__, str(error.value)

    (our_type, ours), (their_type, theirs) = message(mg), message(torch)
    assert our_type == their_type
    # PyTorch's first sentence, up to its own hints (minigrad adds its own after it).
    first = re.split(r"(?<=[.)])\s|\. Hint|\n", theirs.replace("torch.", ""))[0].rstrip(".")
    first = first.replace("The differentiated Tensor at index 0", "One of the differentiated "
                          "Tensors (index 0)")
    assert ours.startswith(first), (ours, theirs)
