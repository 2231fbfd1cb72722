"""The learning-rate and optimizer explorers: their plain experiments, figures and sliders.

Everything here runs without a browser: the experiments are plain functions, and setting a
slider's `.value` from code fires the same observers a drag would.
"""

from __future__ import annotations

import math
import re
import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

import minigrad as mg
from minigrad import widgets as mw
from minigrad.widgets import explorers

OPTIMIZERS = ["SGD", "SGD with momentum", "RMSprop", "Adam"]


@pytest.fixture(autouse=True, scope="module")
def agg_backend():
    """Draw off screen, whatever MPLBACKEND says (make test sets the notebook's inline one)."""
    previous = matplotlib.get_backend()
    plt.switch_backend("Agg")
    yield
    plt.close("all")
    plt.switch_backend(previous)


@pytest.fixture(autouse=True)
def no_figure_left_open():
    """Every helper that draws for a widget must close its figure; the tests close theirs."""
    plt.close("all")
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    return mw.classic_data(0)


@pytest.fixture(scope="module")
def limit(data):
    return mw.stability_limit(data)


def least_squares_loss(data) -> float:
    X, y = (t.numpy().astype(np.float64).ravel() for t in data)
    A = np.stack([X, np.ones_like(X)], axis=1)
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    return float(np.mean((A @ coef - y) ** 2))


def shown(explorer) -> tuple[str, str]:
    """What the explorer's output area shows: (its summary line as text, its figure's PNG)."""
    line, picture = explorer.output.outputs
    assert line["output_type"] == picture["output_type"] == "display_data"
    assert line["data"]["text/plain"] in line["data"]["text/html"]
    return line["data"]["text/plain"], picture["data"]["image/png"]


def texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


# -- the data and its stability limit --------------------------------------------------------

def test_classic_data_is_the_documented_recipe():
    X, y = mw.classic_data(3)
    mg.manual_seed(3)
    X_expected = mg.randn(100, 1) * 10
    y_expected = 3 * X_expected + 2 * mg.randn(100, 1)
    assert X.shape == (100, 1) and y.shape == (100, 1) and X.dtype == mg.float32
    np.testing.assert_array_equal(X.numpy(), X_expected.numpy())
    np.testing.assert_array_equal(y.numpy(), y_expected.numpy())


def test_experiments_leave_the_notebooks_random_stream_alone():
    mg.manual_seed(7)
    expected = mg.randn(5).numpy()
    mg.manual_seed(7)
    mw.classic_data(1)
    mw.run_lr_experiment(0.01, steps=3, seed=2)
    np.testing.assert_array_equal(mg.randn(5).numpy(), expected)


def test_stability_limit_is_two_over_the_largest_curvature(data, limit):
    # Measure the Hessian with minigrad itself: the MSE's gradient is linear in (w, b), so
    # grad(p + e_i) - grad(p) is column i of the Hessian.
    X, y = data

    def gradient(w0: float, b0: float) -> np.ndarray:
        w = mg.tensor([w0], dtype=mg.float64, requires_grad=True)
        b = mg.tensor([b0], dtype=mg.float64, requires_grad=True)
        ((X.double() * w + b - y.double()) ** 2).mean().backward()
        return np.array([w.grad.item(), b.grad.item()])

    base = gradient(0.0, 0.0)
    hessian = np.stack([gradient(1.0, 0.0) - base, gradient(0.0, 1.0) - base], axis=1)
    np.testing.assert_allclose(mw.mse_hessian(data), hessian, rtol=1e-9)
    assert limit == pytest.approx(2 / np.linalg.eigvalsh(hessian).max(), rel=1e-9)
    # The classic example's point: lr = 0.01 is just inside the limit, 0.011 just outside.
    assert 0.01 < limit < 0.011


# -- the learning-rate experiment ------------------------------------------------------------

def test_history_records_every_step_from_the_seeded_start():
    history = mw.run_lr_experiment(0.005, steps=40, seed=4)
    assert history.steps == 40 and history.diverged_at is None
    assert len(history.losses) == len(history.params) == 41
    mg.manual_seed(4)
    assert history.params[0] == pytest.approx((mg.randn(1).item(), mg.randn(1).item()))
    assert history.final_loss == history.losses[-1]
    again = mw.run_lr_experiment(0.005, steps=40, seed=4)
    assert again.losses == history.losses and again.params == history.params
    assert mw.run_lr_experiment(0.005, steps=40, seed=5).losses != history.losses


def test_default_data_is_the_classic_data_for_the_same_seed():
    given = mw.run_lr_experiment(0.008, steps=20, seed=2, data=mw.classic_data(2))
    assert mw.run_lr_experiment(0.008, steps=20, seed=2).losses == given.losses


def test_each_step_is_plain_gradient_descent_on_the_mse(data):
    # One update by hand: dL/dw = 2·mean((w·x + b − y)·x), dL/db = 2·mean(w·x + b − y).
    lr = 0.004
    history = mw.run_lr_experiment(lr, steps=3, data=data)
    x, t = (a.numpy().astype(np.float64).ravel() for a in data)
    for (w, b), (w_next, b_next), loss in zip(history.params, history.params[1:],
                                              history.losses):
        residual = w * x + b - t
        assert loss == pytest.approx(np.mean(residual**2), rel=1e-5)
        assert w_next == pytest.approx(w - lr * 2 * np.mean(residual * x), rel=1e-5)
        assert b_next == pytest.approx(b - lr * 2 * np.mean(residual), rel=1e-4, abs=1e-6)


def test_converges_below_the_stability_limit(data, limit):
    history = mw.run_lr_experiment(0.95 * limit, steps=400, data=data)
    assert history.diverged_at is None
    assert history.final_loss == pytest.approx(least_squares_loss(data), rel=1e-3)
    w, b = history.params[-1]
    assert w == pytest.approx(3, abs=0.1)
    assert re.fullmatch(r"lr=0\.0102: loss \d+\.\d{4} after 400 steps", history.summary())


def test_diverges_above_the_stability_limit_and_says_when(data, limit):
    history = mw.run_lr_experiment(1.05 * limit, steps=400, data=data)
    step = history.diverged_at
    assert step is not None and 0 < step <= 400
    assert len(history.losses) == step + 1  # the run stops where it diverged
    assert history.losses[step] > mw.DIVERGENCE_FACTOR * history.losses[0]
    assert history.losses[step - 1] <= mw.DIVERGENCE_FACTOR * history.losses[0]
    assert history.final_loss == math.inf
    assert history.summary() == f"lr=0.0113: diverged at step {step}"


def test_huge_learning_rate_diverges_quietly_and_still_draws(data):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning reaches the notebook
        history = mw.run_lr_experiment(10.0, steps=100, data=data)
        fig = mw.plot_lr_history(history)
    assert history.diverged_at is not None and history.diverged_at < 10
    assert history.summary() == f"lr=10.0000: diverged at step {history.diverged_at}"
    assert texts(fig).count(f"diverged at step {history.diverged_at}") == 2
    loss_line = fig.axes[0].get_lines()[0]
    assert np.isfinite(loss_line.get_ydata()).sum() >= 2  # a curve, not an empty plot


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(ValueError, match="learning rate must be a positive number"):
        mw.run_lr_experiment(0.0)
    with pytest.raises(ValueError, match="learning rate must be a positive number"):
        mw.run_optimizer("Adam", "quadratic", float("nan"), 10)
    with pytest.raises(ValueError, match="steps must be a whole number"):
        mw.run_lr_experiment(0.01, steps=-1)
    with pytest.raises(ValueError, match=r"got X \(100, 1\) and y \(99, 1\)"):
        mw.run_lr_experiment(0.01, data=(np.zeros((100, 1)), np.zeros((99, 1))))
    with pytest.raises(ValueError, match="unknown optimizer 'adam'; choose one of 'SGD'"):
        mw.run_optimizer("adam", "rosenbrock", 0.01, 10)
    with pytest.raises(ValueError, match="unknown surface 'banana'"):
        mw.run_optimizer("Adam", "banana", 0.01, 10)


def test_compare_learning_rates_draws_one_curve_per_rate(data, limit):
    lrs = [1e-4, 0.01, 0.02]
    fig, histories = mw.compare_learning_rates(lrs, steps=60, data=data)
    assert [h.lr for h in histories] == lrs
    assert [h.diverged for h in histories] == [False, False, True]
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == [h.summary() for h in histories]
    assert legend[2].startswith("lr=0.0200: diverged at step ")
    assert f"{limit:.4g}" in fig.axes[0].get_title()


# -- optimizers on 2-D surfaces --------------------------------------------------------------

def test_quadratic_surface_converges_below_two_over_l_and_diverges_above():
    surface = mw.SURFACES["quadratic"]
    assert surface.stability_limit == pytest.approx(2 / 25)
    below = mw.run_optimizer("SGD", "quadratic", 0.95 * surface.stability_limit, 400)
    above = mw.run_optimizer("SGD", "quadratic", 1.05 * surface.stability_limit, 400)
    assert below.diverged_at is None and below.final_loss < 1e-6 * below.losses[0]
    assert above.diverged_at is not None
    assert above.summary() == f"SGD, lr=0.0840: diverged at step {above.diverged_at}"


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_reduces_rosenbrocks_loss(name):
    assert mw.OPTIMIZER_NAMES == tuple(OPTIMIZERS)
    history = mw.run_optimizer(name, "rosenbrock", mw.SUGGESTED_LR[("rosenbrock", name)], 500)
    assert history.path[0] == pytest.approx((-1.2, 1.0))
    assert history.losses[0] == pytest.approx(24.2)
    assert history.diverged_at is None
    assert history.final_loss < 0.1 * history.losses[0]
    start, end = np.array(history.path[0]), np.array(history.path[-1])
    assert np.linalg.norm(end - 1) < np.linalg.norm(start - 1)  # nearer the minimum (1, 1)


def reference_path(name, lr, steps, momentum, alpha, betas, eps=1e-8):
    """PyTorch's update rules, written out in numpy, on Rosenbrock from (-1.2, 1)."""
    p = np.array([-1.2, 1.0])
    velocity = square_avg = exp_avg = exp_avg_sq = np.zeros(2)
    path = [tuple(p)]
    for t in range(1, steps + 1):
        x, y = p
        g = np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])
        if name == "SGD":
            p = p - lr * g
        elif name == "SGD with momentum":
            velocity = g if t == 1 else momentum * velocity + g
            p = p - lr * velocity
        elif name == "RMSprop":
            square_avg = alpha * square_avg + (1 - alpha) * g**2
            p = p - lr * g / (np.sqrt(square_avg) + eps)
        else:
            exp_avg = betas[0] * exp_avg + (1 - betas[0]) * g
            exp_avg_sq = betas[1] * exp_avg_sq + (1 - betas[1]) * g**2
            corrected = exp_avg / (1 - betas[0] ** t)
            p = p - lr * corrected / (np.sqrt(exp_avg_sq / (1 - betas[1] ** t)) + eps)
        path.append(tuple(p))
    return path


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_optimizer_gets_its_own_settings(name):
    settings = {"momentum": 0.5, "alpha": 0.9, "betas": (0.7, 0.95)}
    history = mw.run_optimizer(name, "rosenbrock", 2e-4 if "SGD" in name else 0.02, 6,
                               **settings)
    expected = reference_path(name, history.lr, 6, **settings)
    np.testing.assert_allclose(history.path, expected, rtol=2e-5, atol=1e-6)


def test_plot_optimizer_path_draws_the_path_and_the_loss():
    history = mw.run_optimizer("Adam", "quadratic", 0.1, 50)
    fig = mw.plot_optimizer_path(history)
    ax_path, ax_loss = fig.axes[:2]
    path_line = next(line for line in ax_path.get_lines() if line.get_label() == "Adam")
    np.testing.assert_allclose(np.column_stack(path_line.get_data()), history.path)
    np.testing.assert_allclose(ax_loss.get_lines()[0].get_ydata(), history.losses)
    assert ax_loss.get_yscale() == "log"
    assert fig.texts[0].get_text() == history.summary()


def test_compare_optimizers_races_all_four_from_one_start():
    fig, histories = mw.compare_optimizers("rosenbrock", steps=50)
    assert [h.optimizer for h in histories] == OPTIMIZERS
    assert all(h.path[0] == histories[0].path[0] for h in histories)


# -- the widgets, driven from code -----------------------------------------------------------

def test_lr_explorer_starts_at_the_default_and_follows_its_sliders():
    ex = mw.lr_explorer()
    assert isinstance(ex.lr_slider, explorers.widgets.FloatLogSlider)
    assert ex.lr_slider.continuous_update is False and ex.steps_slider.continuous_update is False
    assert ex.lr_slider.base**ex.lr_slider.min == pytest.approx(1e-4)
    assert ex.lr_slider.base**ex.lr_slider.max == pytest.approx(10)
    assert ex.result.summary() == mw.run_lr_experiment(0.01, steps=100).summary()
    first_line, first_png = shown(ex)
    assert first_line == ex.result.summary()

    ex.lr_slider.value = 0.002
    assert ex.result.lr == 0.002
    assert ex.result.summary() == mw.run_lr_experiment(0.002, steps=100).summary()
    line, png = shown(ex)
    assert line == ex.result.summary() != first_line
    assert png != first_png

    ex.steps_slider.value = 30
    assert len(ex.result.losses) == 31
    assert plt.get_fignums() == []  # each redraw closed its figure


def test_lr_explorer_reports_the_divergence_step(limit):
    ex = mw.lr_explorer(steps=400)
    ex.lr_slider.value = 1.05 * limit
    step = ex.result.diverged_at
    assert step is not None
    assert shown(ex)[0] == f"lr=0.0113: diverged at step {step}"
    assert "crimson" in ex.output.outputs[0]["data"]["text/html"]  # shown in red


def test_lr_explorer_draws_the_same_picture_every_time():
    assert shown(mw.lr_explorer(steps=50)) == shown(mw.lr_explorer(steps=50))


def test_optimizer_explorer_switches_optimizer_with_its_suggested_rate(monkeypatch):
    ox = mw.optimizer_explorer()
    assert ox.result.optimizer == "SGD" and ox.result.surface.name == "rosenbrock"
    assert ox.momentum_slider.disabled and ox.beta1_slider.disabled
    runs = []
    real_run = explorers.run_optimizer
    monkeypatch.setattr(explorers, "run_optimizer",
                        lambda *args, **kwargs: runs.append(args) or real_run(*args, **kwargs))

    ox.optimizer_dropdown.value = "Adam"
    assert len(runs) == 1  # one run, although the lr slider moved too
    assert ox.lr_slider.value == mw.SUGGESTED_LR[("rosenbrock", "Adam")]
    assert ox.result.summary() == mw.run_optimizer(
        "Adam", "rosenbrock", ox.lr_slider.value, ox.steps_slider.value).summary()
    assert not ox.beta1_slider.disabled and ox.momentum_slider.disabled

    ox.beta1_slider.value = 0.5
    expected = mw.run_optimizer("Adam", "rosenbrock", ox.lr_slider.value,
                                ox.steps_slider.value, betas=(0.5, 0.999))
    assert ox.result.path == expected.path


def test_optimizer_explorer_reports_divergence_on_the_quadratic():
    ox = mw.optimizer_explorer("quadratic", steps=400)
    ox.lr_slider.value = 1.05 * mw.SURFACES["quadratic"].stability_limit
    assert ox.result.diverged_at is not None
    assert shown(ox)[0] == f"SGD, lr=0.0840: diverged at step {ox.result.diverged_at}"
    ox.surface_dropdown.value = "rosenbrock"
    assert ox.lr_slider.value == mw.SUGGESTED_LR[("rosenbrock", "SGD")]
    assert ox.result.surface.name == "rosenbrock" and not ox.result.diverged
