"""How fast is minigrad's engine? Three workloads, four implementations, one table.

    python benchmarks/bench_engine.py            (or `make bench`)
    python benchmarks/bench_engine.py --repeat 9

Each workload runs in:
  numpy floor   the same computation written by hand in numpy, backward included: the least
                time any engine built on numpy can take; minigrad's overhead is the ratio to it
  minigrad      the engine under test
  torch         PyTorch (CPU), where installed
  micrograd     Karpathy's scalar engine (pip install micrograd), where installed and feasible

The workloads:
  chain   10,000 scalar ops (y = y*0.999, y = y + 0.001, alternating), forward and backward:
          almost no arithmetic, so the time is the per-op overhead of recording and replaying
  mlp     an MLP 784-256-10 on a batch of 128: forward, cross-entropy, backward, SGD step
  demo    micrograd's own demo: MLP 2-16-16-1 on 100 "moons" points, SVM max-margin loss plus
          L2 regularization, one forward, backward and update step

Every time is the best of --repeat runs after a warm-up run. By default it is the CPU time
of this process (--clock cpu), which other programs running on the machine do not inflate;
--clock wall measures elapsed time instead. Every library computes on one thread (set
OMP_NUM_THREADS / OPENBLAS_NUM_THREADS to change that): on a busy two-core machine a
multi-threaded BLAS can be a hundred times slower than a single thread, which would measure
the machine's load rather than the engines.

Targets, printed with the numbers: mlp within 1.25x of the numpy floor; chain per-op
overhead no higher than torch's; demo at least 1000x faster than micrograd. Nothing here
asserts a time: the table is the result.
"""

from __future__ import annotations

import os

# Before numpy (and its BLAS) loads: one thread, unless the caller chose otherwise.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402

try:
    import torch

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
except ImportError:  # the torch column is left empty
    torch = None

try:
    from micrograd.engine import Value
    from micrograd.nn import MLP as MicroMLP
except ImportError:  # the micrograd column is left empty
    Value = MicroMLP = None

CHAIN_OPS = 10_000
MUL, ADD = 0.999, 0.001


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
clock = CLOCKS["cpu"]


def best_time(run: Callable[[], object], repeat: int) -> float:
    """Seconds for one call of run: the best of `repeat` calls after one warm-up call."""
    run()
    best = math.inf
    for _ in range(repeat):
        start = clock()
        run()
        best = min(best, clock() - start)
    return best


# -- chain: per-op overhead -------------------------------------------------------------------


def chain_numpy() -> float:
    """Forward through 0-d float32 arrays, then the chain rule by hand, op by op."""
    y = np.array(1.0, dtype=np.float32)
    mul, add = np.float32(MUL), np.float32(ADD)
    ops = []
    for _ in range(CHAIN_OPS // 2):
        y = y * mul
        ops.append(mul)  # d(y*c)/dy = c
        y = y + add
        ops.append(None)  # d(y+c)/dy = 1
    grad = np.array(1.0, dtype=np.float32)
    for local in reversed(ops):
        if local is not None:
            grad = grad * local
    return float(grad)


def chain_tensors(lib) -> float:
    """The chain in minigrad or torch: the same code, only `lib` differs."""
    x = lib.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(CHAIN_OPS // 2):
        y = y * MUL
        y = y + ADD
    y.backward()
    return x.grad.item()


def chain_micrograd() -> float:
    # micrograd's backward sorts the graph recursively: a 10,000-deep chain needs more stack.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * CHAIN_OPS))
    try:
        x = Value(1.0)
        y = x
        for _ in range(CHAIN_OPS // 2):
            y = y * MUL
            y = y + ADD
        y.backward()
        return x.grad
    finally:
        sys.setrecursionlimit(limit)


# -- mlp: an MLP 784-256-10 training step -------------------------------------------------------

BATCH, N_IN, N_HIDDEN, N_OUT, LR = 128, 784, 256, 10, 0.01


def mlp_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, N_IN)).astype(np.float32)
    labels = rng.integers(0, N_OUT, BATCH)
    params = [
        (rng.standard_normal((N_IN, N_HIDDEN)) / math.sqrt(N_IN)).astype(np.float32),
        np.zeros(N_HIDDEN, dtype=np.float32),
        (rng.standard_normal((N_HIDDEN, N_OUT)) / math.sqrt(N_HIDDEN)).astype(np.float32),
        np.zeros(N_OUT, dtype=np.float32),
    ]
    return x, labels, params


class MlpNumpy:
    """The floor: forward, a stable log-softmax cross-entropy, backward by hand, SGD."""

    def __init__(self) -> None:
        self.x, self.labels, self.params = mlp_data()
        self.rows = np.arange(BATCH)

    def step(self) -> tuple[float, list]:
        w1, b1, w2, b2 = self.params
        pre = self.x @ w1 + b1
        hidden = np.maximum(pre, 0)
        logits = hidden @ w2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        log_probs = shifted - np.log(total)
        loss = -log_probs[self.rows, self.labels].mean()
        # backward: d loss / d logits = (softmax - onehot) / batch
        grad_logits = exp / total
        grad_logits[self.rows, self.labels] -= 1
        grad_logits /= BATCH
        grad_w2 = hidden.T @ grad_logits
        grad_b2 = grad_logits.sum(axis=0)
        grad_hidden = grad_logits @ w2.T
        grad_pre = grad_hidden * (pre > 0)
        grad_w1 = self.x.T @ grad_pre
        grad_b1 = grad_pre.sum(axis=0)
        grads = [grad_w1, grad_b1, grad_w2, grad_b2]
        for p, g in zip(self.params, grads):
            p -= LR * g
        return float(loss), grads


class MlpTensors:
    """The same step for minigrad and torch: the code is identical, only `lib` differs."""

    def __init__(self, lib) -> None:
        self.lib = lib
        x, labels, params = mlp_data()
        self.x, self.labels = lib.tensor(x), lib.tensor(labels)
        self.rows = lib.arange(BATCH)
        self.params = [lib.tensor(p, requires_grad=True) for p in params]

    def step(self) -> tuple[float, list]:
        w1, b1, w2, b2 = self.params
        hidden = (self.x @ w1 + b1).relu()
        logits = hidden @ w2 + b2
        loss = -logits.log_softmax(dim=1)[self.rows, self.labels].mean()
        loss.backward()
        grads = [p.grad for p in self.params]
        with self.lib.no_grad():
            for p in self.params:
                p -= LR * p.grad
                p.grad = None
        return loss.item(), grads


# -- demo: micrograd's own demo, one step -------------------------------------------------------

N_POINTS, ALPHA, DEMO_LR = 100, 1e-4, 0.001


def make_moons(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's make_moons), labels -1 and +1."""
    rng = np.random.default_rng(seed)
    n_outer = n // 2
    outer = np.linspace(0, np.pi, n_outer)
    inner = np.linspace(0, np.pi, n - n_outer)
    points = np.concatenate([
        np.stack([np.cos(outer), np.sin(outer)], axis=1),
        np.stack([1 - np.cos(inner), 0.5 - np.sin(inner)], axis=1),
    ])
    points += rng.normal(scale=noise, size=points.shape)
    labels = np.concatenate([-np.ones(n_outer), np.ones(n - n_outer)])
    return points, labels


def demo_weights() -> list[tuple[np.ndarray, np.ndarray]]:
    """(weights, biases) of each layer, drawn like micrograd's (uniform in [-1, 1], bias 0)."""
    rng = np.random.default_rng(1337)
    sizes = [2, 16, 16, 1]
    return [(rng.uniform(-1, 1, (n_in, n_out)), np.zeros(n_out))
            for n_in, n_out in zip(sizes, sizes[1:])]


class DemoMicrograd:
    """The demo with micrograd's own API: a list of Values per point, loss summed in Python."""

    def __init__(self) -> None:
        self.points, self.labels = make_moons(N_POINTS, 0.1, seed=1)
        self.model = MicroMLP(2, [16, 16, 1])
        for layer, (w, b) in zip(self.model.layers, demo_weights()):
            for j, neuron in enumerate(layer.neurons):
                for i, weight in enumerate(neuron.w):
                    weight.data = float(w[i, j])
                neuron.b.data = float(b[j])

    def step(self) -> float:
        inputs = [[Value(float(v)) for v in row] for row in self.points]
        scores = [self.model(x) for x in inputs]
        margins = [(1 + -float(label) * score).relu()
                   for label, score in zip(self.labels, scores)]
        data_loss = sum(margins) * (1.0 / len(margins))
        reg_loss = ALPHA * sum(p * p for p in self.model.parameters())
        loss = data_loss + reg_loss
        self.model.zero_grad()
        loss.backward()
        for p in self.model.parameters():
            p.data -= DEMO_LR * p.grad
        return loss.data


class DemoNumpy:
    """The floor: the same network and loss on the whole batch at once, backward by hand."""

    def __init__(self) -> None:
        points, labels = make_moons(N_POINTS, 0.1, seed=1)
        self.points = points.astype(np.float32)
        self.labels = labels.astype(np.float32)[:, None]
        self.params = [a.astype(np.float32) for layer in demo_weights() for a in layer]

    def step(self) -> float:
        w1, b1, w2, b2, w3, b3 = self.params
        pre1 = self.points @ w1 + b1
        h1 = np.maximum(pre1, 0)
        pre2 = h1 @ w2 + b2
        h2 = np.maximum(pre2, 0)
        scores = h2 @ w3 + b3
        margin = 1 - self.labels * scores
        data_loss = np.maximum(margin, 0).mean()
        reg_loss = ALPHA * sum((p * p).sum() for p in self.params)
        grad_scores = (margin > 0) * -self.labels / N_POINTS
        grad_w3 = h2.T @ grad_scores
        grad_b3 = grad_scores.sum(0)
        grad_pre2 = (grad_scores @ w3.T) * (pre2 > 0)
        grad_w2 = h1.T @ grad_pre2
        grad_b2 = grad_pre2.sum(0)
        grad_pre1 = (grad_pre2 @ w2.T) * (pre1 > 0)
        grad_w1 = self.points.T @ grad_pre1
        grad_b1 = grad_pre1.sum(0)
        for p, g in zip(self.params, [grad_w1, grad_b1, grad_w2, grad_b2, grad_w3, grad_b3]):
            p -= DEMO_LR * (g + 2 * ALPHA * p)
        return float(data_loss + reg_loss)


class DemoTensors:
    """The demo on the whole batch at once, for minigrad and for torch (same names)."""

    def __init__(self, lib) -> None:
        self.lib = lib
        points, labels = make_moons(N_POINTS, 0.1, seed=1)
        self.points = lib.tensor(points.astype(np.float32))
        self.labels = lib.tensor(labels.astype(np.float32)).reshape(-1, 1)
        self.params = [lib.tensor(a.astype(np.float32), requires_grad=True)
                       for layer in demo_weights() for a in layer]

    def step(self) -> float:
        w1, b1, w2, b2, w3, b3 = self.params
        hidden = (self.points @ w1 + b1).relu()
        hidden = (hidden @ w2 + b2).relu()
        scores = hidden @ w3 + b3
        data_loss = (1 - self.labels * scores).relu().mean()
        reg_loss = ALPHA * sum((p * p).sum() for p in self.params)
        loss = data_loss + reg_loss
        loss.backward()
        with self.lib.no_grad():
            for p in self.params:
                p -= DEMO_LR * p.grad
                p.grad = None
        return loss.item()


# -- checks: every implementation computes the same thing ---------------------------------------


def check_agreement() -> list[str]:
    """One step of each workload in each implementation must give the same numbers."""
    notes = []
    expected_chain = MUL ** (CHAIN_OPS // 2)
    chains = {"numpy": chain_numpy(), "minigrad": chain_tensors(mg)}
    if torch is not None:
        chains["torch"] = chain_tensors(torch)
    if Value is not None:
        chains["micrograd"] = chain_micrograd()
    for name, value in chains.items():
        if not math.isclose(value, expected_chain, rel_tol=1e-3):
            raise AssertionError(f"chain: {name} gives dy/dx = {value}, expected {expected_chain}")
    notes.append(f"chain: dy/dx = {expected_chain:.6f} in every implementation")

    floor_loss, floor_grads = MlpNumpy().step()
    ours_loss, ours_grads = MlpTensors(mg).step()
    worst = max(float(np.abs(g.numpy() - f).max()) for g, f in zip(ours_grads, floor_grads))
    if not math.isclose(floor_loss, ours_loss, rel_tol=1e-5) or worst > 1e-5:
        raise AssertionError(f"mlp: minigrad and the numpy floor disagree ({worst})")
    notes.append(f"mlp: loss {ours_loss:.6f}, minigrad and numpy gradients within {worst:.1e}")

    losses = {"numpy": DemoNumpy().step(), "minigrad": DemoTensors(mg).step()}
    if torch is not None:
        losses["torch"] = DemoTensors(torch).step()
    if Value is not None:
        losses["micrograd"] = DemoMicrograd().step()
    for name, value in losses.items():
        if not math.isclose(value, losses["numpy"], rel_tol=1e-5):
            raise AssertionError(f"demo: {name} loss {value} != numpy's {losses['numpy']}")
    notes.append(f"demo: loss {losses['minigrad']:.6f} in every implementation")
    return notes


# -- the table --------------------------------------------------------------------------------


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def fmt_ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None else f"{a / b:.2f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per entry (best kept)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu: this process's CPU time (default); wall: elapsed time")
    args = parser.parse_args()
    global clock
    clock = CLOCKS[args.clock]

    print(f"minigrad {mg.__version__}, numpy {np.__version__}, Python {platform.python_version()}"
          f", torch {torch.__version__ if torch else 'not installed'}, micrograd "
          f"{'installed' if Value else 'not installed'}; {args.clock} time, "
          f"{os.environ['OMP_NUM_THREADS']} thread(s), best of {args.repeat}")
    for note in check_agreement():
        print("checked:", note)

    mlp = {"numpy": MlpNumpy(), "minigrad": MlpTensors(mg)}
    demo = {"numpy": DemoNumpy(), "minigrad": DemoTensors(mg)}
    chain = {"numpy": chain_numpy, "minigrad": lambda: chain_tensors(mg)}
    if torch is not None:
        mlp["torch"], demo["torch"] = MlpTensors(torch), DemoTensors(torch)
        chain["torch"] = lambda: chain_tensors(torch)
    if Value is not None:
        demo["micrograd"], chain["micrograd"] = DemoMicrograd(), chain_micrograd
        # mlp in micrograd: 25 million scalar multiplications per step, minutes per run.

    # Python's cycle collector now and then walks every object it tracks. Importing torch
    # adds some 150,000 of them, which would slow the Python engines (minigrad, micrograd)
    # only because torch was imported to compare with: freeze what exists before timing.
    gc.collect()
    gc.freeze()

    rows = {
        f"chain: {CHAIN_OPS:,} scalar ops, fwd+bwd": {k: best_time(f, args.repeat)
                                                      for k, f in chain.items()},
        f"mlp: 784-256-10, batch {BATCH}, CE + SGD": {k: best_time(m.step, args.repeat)
                                                       for k, m in mlp.items()},
        "demo: micrograd's MLP 2-16-16-1, 100 pts": {
            k: best_time(m.step, 1 if k == "micrograd" else args.repeat)
            for k, m in demo.items()},
    }

    names = ["numpy", "minigrad", "torch", "micrograd"]
    header = (f"{'workload':<42}" + "".join(f"{n:>12}" for n in names)
              + f"{'mg/floor':>10}{'mg/torch':>10}{'micro/mg':>10}")
    print()
    print(header)
    print("-" * len(header))
    for label, times in rows.items():
        t = {n: times.get(n) for n in names}
        print(f"{label:<42}" + "".join(f"{fmt_time(t[n]):>12}" for n in names)
              + f"{fmt_ratio(t['minigrad'], t['numpy']):>10}"
              + f"{fmt_ratio(t['minigrad'], t['torch']):>10}"
              + f"{fmt_ratio(t['micrograd'], t['minigrad']):>10}")
    chain_times = rows[next(iter(rows))]
    per_op = {n: chain_times[n] / CHAIN_OPS if n in chain_times else None for n in names}
    print(f"{'  chain, per op':<42}" + "".join(f"{fmt_time(per_op[n]):>12}" for n in names))
    # Where the per-op time goes: a graph of Python objects gives the cycle collector work
    # that a graph in C++ (torch's) does not. Paused, the rest of the overhead remains.
    gc.disable()
    try:
        paused = {n: best_time(f, args.repeat) / CHAIN_OPS for n, f in chain.items()}
    finally:
        gc.enable()
    print(f"{'  chain, per op, garbage collector paused':<42}"
          + "".join(f"{fmt_time(paused.get(n)):>12}" for n in names)
          + f"{'':>10}{fmt_ratio(paused['minigrad'], paused.get('torch')):>10}"
          + f"{fmt_ratio(paused.get('micrograd'), paused['minigrad']):>10}")

    chain_t, mlp_t, demo_t = rows.values()
    print()
    print("targets:")
    report_target("mlp step within 1.25x of the numpy floor",
                  mlp_t["minigrad"] / mlp_t["numpy"], lambda r: r <= 1.25)
    report_target("chain per-op overhead at most torch's",
                  chain_t["minigrad"] / chain_t["torch"] if "torch" in chain_t else None,
                  lambda r: r <= 1.0, missing="torch not installed")
    report_target("demo at least 1000x faster than micrograd",
                  demo_t["micrograd"] / demo_t["minigrad"] if "micrograd" in demo_t else None,
                  lambda r: r >= 1000, missing="micrograd not installed", fmt=",.0f")


def report_target(label: str, ratio: float | None, met: Callable[[float], bool],
                  missing: str = "", fmt: str = ".2f") -> None:
    """One line of the targets: the measured ratio and whether it meets the target."""
    result = missing if ratio is None else (
        f"{ratio:{fmt}}x  {'met' if met(ratio) else 'NOT met'}")
    print(f"  {label + ':':<44}{result}")

if __name__ == "__main__":
    main()
