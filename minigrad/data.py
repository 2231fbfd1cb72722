"""Toy data sets and batching: everything the lessons train on, made on the spot.

No file and no download: each data set is computed from a formula and a seed, so every
run of a lesson sees the same numbers on any machine, offline.

    lesson 07 (training loops)   line_points, linear_data
    lesson 08 (optimizers)       linear_data, make_blobs, DataLoader (accumulation)
    lesson 09 (a small network)  make_moons, make_spirals, make_blobs, DataLoader

Every generator takes a `seed` and uses its own numpy generator, so calling one does not
change minigrad's global random stream (and vice versa). Features come back as float32
tensors, class labels as int64 tensors: what `nn.Linear` and `nn.CrossEntropyLoss` take.

`TensorDataset` and `DataLoader` have PyTorch's names and behaviour: a DataLoader cuts a
data set into batches, reshuffled every epoch when shuffle=True.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np

from minigrad import random
from minigrad.ops import stack
from minigrad.tensor import Tensor, tensor

__all__ = [
    "DataLoader", "TensorDataset", "line_points", "linear_data", "make_blobs", "make_moons",
    "make_spirals",
]


def _features(array: np.ndarray) -> Tensor:
    return tensor(np.asarray(array, dtype=np.float32))


def _labels(array: np.ndarray) -> Tensor:
    return tensor(np.asarray(array, dtype=np.int64))


# -- regression --------------------------------------------------------------------------

def line_points(w: float = 2.0, b: float = 1.0,
                xs: Sequence[float] = (1.0, 2.0, 3.0)) -> tuple[Tensor, Tensor]:
    """Points exactly on the line y = w·x + b, as column tensors of shape (n, 1).

    The defaults are the seeds' first example: x = [1, 2, 3], y = [3, 5, 7] (y = 2x + 1).
    `line_points(1.0, 1.0, [1, 2, 3, 4])` gives the other one: y = x + 1 on x = 1..4.
    Column shape (n, 1) because nn.Linear(1, 1) reads one feature per row.
    """
    x = np.asarray(xs, dtype=np.float64).reshape(-1, 1)
    return _features(x), _features(w * x + b)


def linear_data(n: int = 100, w: float | Sequence[float] = 2.0, b: float = 1.0,
                noise: float = 0.0, x_std: float = 1.0,
                seed: int = 0) -> tuple[Tensor, Tensor]:
    """n noisy samples of y = x·w + b, with x ~ N(0, x_std²) and noise ~ N(0, noise²).

    x has shape (n, d) where d is the number of weights (1 for a number), y has (n, 1).
    The seeds' "y = 3x + noise" example is `linear_data(100, w=3.0, b=0.0, noise=2.0,
    x_std=10.0)`. Inputs spread ±10 make the MSE surface steep: gradient descent is
    stable only for lr below about 1/mean(x²) ≈ 0.01, so the seeds' lr = 0.01 sits near
    the edge; where exactly depends on the draw (lesson 07 computes it).
    """
    rng = np.random.default_rng(seed)
    weights = np.atleast_1d(np.asarray(w, dtype=np.float64))
    x = rng.standard_normal((n, weights.size)) * x_std
    y = x @ weights.reshape(-1, 1) + b + rng.standard_normal((n, 1)) * noise
    return _features(x), _features(y)


# -- classification ----------------------------------------------------------------------

def _shuffled(rng: np.random.Generator, x: np.ndarray, y: np.ndarray):
    """Mix the classes, so that any first k samples contain every class."""
    order = rng.permutation(len(x))
    return x[order], y[order]


def make_moons(n_samples: int = 200, noise: float = 0.1,
               seed: int = 0) -> tuple[Tensor, Tensor]:
    """Two interleaving half circles in 2-D, labels 0 and 1: no line separates them.

    The upper moon is the half circle of radius 1 around (0, 0), the lower one the same
    half circle flipped and shifted to (1, 0.5). Gaussian noise of std `noise` is added
    to every point. A linear model gets 85-90 % right; a small MLP separates them.
    """
    rng = np.random.default_rng(seed)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    t_upper = np.linspace(0, math.pi, n_upper)
    t_lower = np.linspace(0, math.pi, n_lower)
    upper = np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1)
    lower = np.stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)
    x = np.concatenate([upper, lower]) + rng.normal(0.0, noise, (n_samples, 2))
    y = np.concatenate([np.zeros(n_upper), np.ones(n_lower)])
    x, y = _shuffled(rng, x, y)
    return _features(x), _labels(y)


def make_spirals(n_samples: int = 300, classes: int = 3, noise: float = 0.2,
                 seed: int = 0) -> tuple[Tensor, Tensor]:
    """`classes` spiral arms winding out from the origin in 2-D, one class per arm.

    Arm k has points at radius r ∈ [0, 1] and angle 4·k + 4·r (radians) plus Gaussian
    noise of std `noise` on the angle. Harder than moons: it needs a wider network.
    """
    rng = np.random.default_rng(seed)
    sizes = [n_samples // classes + (k < n_samples % classes) for k in range(classes)]
    points, labels = [], []
    for k, size in enumerate(sizes):
        radius = np.linspace(0.0, 1.0, size)
        angle = np.linspace(4.0 * k, 4.0 * (k + 1), size) + rng.normal(0.0, noise, size)
        points.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        labels.append(np.full(size, k))
    x, y = _shuffled(rng, np.concatenate(points), np.concatenate(labels))
    return _features(x), _labels(y)


def make_blobs(n_samples: int = 200, centers: int | Sequence[Sequence[float]] = 3,
               n_features: int = 2, cluster_std: float = 1.0,
               center_box: tuple[float, float] = (-10.0, 10.0),
               seed: int = 0) -> tuple[Tensor, Tensor]:
    """Gaussian clouds, one class per cloud: the easiest classification data.

    `centers` is a number of clouds, whose centres are drawn uniformly in `center_box`,
    or the list of centres itself. Each point is its centre plus N(0, cluster_std²) noise
    in every coordinate.
    """
    rng = np.random.default_rng(seed)
    if isinstance(centers, int):
        centre_points = rng.uniform(*center_box, size=(centers, n_features))
    else:
        centre_points = np.asarray(centers, dtype=np.float64)
        if centre_points.ndim != 2:
            raise ValueError(
                f"centers must be a number or a list of points, got shape {centre_points.shape}"
            )
        n_features = centre_points.shape[1]
    count = len(centre_points)
    sizes = [n_samples // count + (k < n_samples % count) for k in range(count)]
    x = np.concatenate([
        centre + rng.normal(0.0, cluster_std, (size, n_features))
        for centre, size in zip(centre_points, sizes)
    ])
    y = np.concatenate([np.full(size, k) for k, size in enumerate(sizes)])
    x, y = _shuffled(rng, x, y)
    return _features(x), _labels(y)


# -- batching ----------------------------------------------------------------------------

class TensorDataset:
    """Tensors that share their first dimension, read sample by sample: ds[i] = (x[i], y[i])."""

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = ", ".join(str(list(t.shape)) for t in tensors)
            raise ValueError(
                f"Size mismatch between tensors: every tensor needs the same first dimension "
                f"(one row per sample), got shapes {shapes}"
            )
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


def _collate(samples: list):
    """Stack a list of samples into one batch: tuples field by field, numbers into tensors."""
    first = samples[0]
    if isinstance(first, Tensor):
        return stack(samples)
    if isinstance(first, (tuple, list)):
        return tuple(_collate([s[i] for s in samples]) for i in range(len(first)))
    return tensor(samples)


class DataLoader:
    """Iterate over a data set in batches: `for x, y in DataLoader(ds, batch_size=32)`.

    With shuffle=True the order is a new random permutation every epoch (every `for`
    loop over the loader), drawn from `generator` if given (a numpy Generator), else
    from minigrad's generator, so `minigrad.manual_seed` makes it repeatable. The last
    batch is smaller when the size does not divide evenly, unless drop_last=True.
    """

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, generator: np.random.Generator | None = None) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(
                "batch_size should be a positive integer value, but got "
                f"batch_size={batch_size}"
            )
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self.generator if self.generator is not None else random.generator()
        return rng.permutation(n)

    def __iter__(self) -> Iterator:
        order = self._order()
        for start in range(0, len(order), self.batch_size):
            indices = order[start:start + self.batch_size]
            if self.drop_last and len(indices) < self.batch_size:
                return
            if isinstance(self.dataset, TensorDataset):
                yield self.dataset[tensor(indices)]  # one gather per tensor
            else:
                yield _collate([self.dataset[int(i)] for i in indices])

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
