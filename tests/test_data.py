"""minigrad.data: toy data sets that are the same on every run, and batching."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import data

GENERATORS = {
    "linear_data": lambda seed: data.linear_data(50, noise=0.5, seed=seed),
    "make_moons": lambda seed: data.make_moons(60, noise=0.1, seed=seed),
    "make_spirals": lambda seed: data.make_spirals(90, classes=3, seed=seed),
    "make_blobs": lambda seed: data.make_blobs(60, centers=3, seed=seed),
}


@pytest.mark.parametrize("name", list(GENERATORS))
def test_generators_are_deterministic_per_seed(name):
    make = GENERATORS[name]
    (x1, y1), (x2, y2), (x3, _) = make(0), make(0), make(1)
    assert x1.equal(x2) and y1.equal(y2)
    assert not x1.equal(x3)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_generators_leave_minigrads_random_stream_alone(name):
    mg.manual_seed(5)
    expected = mg.rand(3)
    mg.manual_seed(5)
    GENERATORS[name](0)
    assert mg.rand(3).equal(expected)


def test_line_points_are_the_seeds_data():
    x, y = data.line_points()
    assert x.tolist() == [[1.0], [2.0], [3.0]] and y.tolist() == [[3.0], [5.0], [7.0]]
    x, y = data.line_points(1.0, 1.0, [1, 2, 3, 4])
    assert y.tolist() == [[2.0], [3.0], [4.0], [5.0]]
    assert x.dtype == mg.float32


def test_linear_data_follows_its_line():
    x, y = data.linear_data(2000, w=3.0, b=0.5, noise=2.0, x_std=10.0, seed=1)
    assert x.shape == (2000, 1) and y.shape == (2000, 1) and y.dtype == mg.float32
    assert float(x.numpy().std()) == pytest.approx(10.0, rel=0.05)
    design = np.hstack([x.numpy(), np.ones((2000, 1))])
    (slope, intercept), *_ = np.linalg.lstsq(design, y.numpy().ravel(), rcond=None)
    assert slope == pytest.approx(3.0, abs=0.02) and intercept == pytest.approx(0.5, abs=0.15)
    residual = y.numpy().ravel() - design @ [slope, intercept]
    assert float(residual.std()) == pytest.approx(2.0, rel=0.05)
    x, y = data.linear_data(10, w=[1.0, -1.0], b=0.0)
    assert x.shape == (10, 2) and y.allclose((x.numpy() @ [[1.0], [-1.0]]), atol=1e-6)


def test_moons_are_two_half_circles():
    x, y = data.make_moons(100, noise=0.0)
    assert x.shape == (100, 2) and x.dtype == mg.float32 and y.dtype == mg.int64
    points, labels = x.numpy(), y.numpy()
    assert np.bincount(labels).tolist() == [50, 50]
    upper, lower = points[labels == 0], points[labels == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-6)
    assert (upper[:, 1] >= -1e-6).all() and (lower[:, 1] <= 0.5 + 1e-6).all()
    assert len(set(labels[:10].tolist())) == 2  # shuffled: classes are mixed


def test_spirals_have_one_arm_per_class_inside_the_unit_disc():
    x, y = data.make_spirals(301, classes=4, noise=0.0)
    assert x.shape == (301, 2) and np.bincount(y.numpy()).tolist() == [76, 75, 75, 75]
    assert float(np.hypot(*x.numpy().T).max()) <= 1.0 + 1e-6


def test_blobs_cluster_around_their_centres():
    centres = [[-5.0, 0.0], [5.0, 0.0]]
    x, y = data.make_blobs(400, centers=centres, cluster_std=0.5)
    for k, centre in enumerate(centres):
        members = x.numpy()[y.numpy() == k]
        np.testing.assert_allclose(members.mean(axis=0), centre, atol=0.1)
        np.testing.assert_allclose(members.std(axis=0), [0.5, 0.5], rtol=0.1)
    x, y = data.make_blobs(30, centers=3, n_features=5)
    assert x.shape == (30, 5) and sorted(set(y.tolist())) == [0, 1, 2]


def test_tensor_dataset_indexes_every_tensor_and_checks_sizes():
    x, y = mg.arange(10).float().reshape(5, 2), mg.arange(5)
    ds = data.TensorDataset(x, y)
    assert len(ds) == 5
    sample_x, sample_y = ds[2]
    assert sample_x.tolist() == [4.0, 5.0] and sample_y.item() == 2
    with pytest.raises(ValueError, match=r"same first dimension.*\[5, 2\], \[4\]"):
        data.TensorDataset(x, mg.arange(4))


def test_dataloader_batches_in_order_with_a_short_last_batch():
    ds = data.TensorDataset(mg.arange(10).float().reshape(10, 1), mg.arange(10))
    loader = data.DataLoader(ds, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [b[1].tolist() for b in batches] == [
        [0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].shape == (4, 1)
    dropped = data.DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dropped) == 2 and len(list(dropped)) == 2


def test_dataloader_shuffles_anew_each_epoch_and_follows_manual_seed():
    ds = data.TensorDataset(mg.arange(20))
    loader = data.DataLoader(ds, batch_size=8, shuffle=True)
    mg.manual_seed(0)
    epoch1 = np.concatenate([b[0].numpy() for b in loader])
    epoch2 = np.concatenate([b[0].numpy() for b in loader])
    assert sorted(epoch1.tolist()) == list(range(20)) == sorted(epoch2.tolist())
    assert epoch1.tolist() != epoch2.tolist() and epoch1.tolist() != list(range(20))
    mg.manual_seed(0)
    assert np.concatenate([b[0].numpy() for b in loader]).tolist() == epoch1.tolist()
    own = data.DataLoader(ds, batch_size=20, shuffle=True,
                          generator=np.random.default_rng(3))
    assert next(iter(own))[0].tolist() == np.random.default_rng(3).permutation(20).tolist()


def test_dataloader_collates_a_plain_list_of_samples():
    samples = [(mg.tensor([float(i), 0.0]), i % 2) for i in range(5)]
    x, y = next(iter(data.DataLoader(samples, batch_size=3)))
    assert x.shape == (3, 2) and y.tolist() == [0, 1, 0]


def test_dataloader_refuses_a_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        data.DataLoader(data.TensorDataset(mg.zeros(3)), batch_size=0)
