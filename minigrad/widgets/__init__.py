"""Learning-rate and optimizer explorers for lessons 07 and 08 (ipywidgets + matplotlib).

Three layers, each usable on its own:

- `experiments`: plain functions that train and return the whole history, no front end
  (`run_lr_experiment`, `stability_limit`, `run_optimizer`, ...). Tests and checked notebook
  cells call these.
- `plots`: matplotlib figures of a history (`plot_lr_history`, `plot_optimizer_path`,
  `compare_learning_rates`, `compare_optimizers`).
- `explorers`: ipywidgets sliders that call the first two (`lr_explorer`,
  `optimizer_explorer`).

`surfaces` defines the 2-D losses ("quadratic", "rosenbrock").

    from minigrad.widgets import lr_explorer, run_lr_experiment, stability_limit
    ex = lr_explorer()
    display(ex)                      # a cell tagged nbval-ignore-output
    ex.lr_slider.value = 0.011       # next cell: drive the slider from code...
    print(ex.result.summary())       # ...and print what a learner would read

A widget shows nothing in a static render of the notebook (GitHub, nbviewer), so a lesson
ends such a section with a plain figure of the default, e.g.
`fig = plot_lr_history(run_lr_experiment(0.01))`.
"""

from minigrad.widgets.experiments import (
    DIVERGENCE_FACTOR,
    OPTIMIZER_NAMES,
    SUGGESTED_LR,
    History,
    PathHistory,
    RegressionData,
    classic_data,
    make_optimizer,
    mse_hessian,
    run_lr_experiment,
    run_optimizer,
    stability_limit,
)
from minigrad.widgets.explorers import (
    LearningRateExplorer,
    OptimizerExplorer,
    lr_explorer,
    optimizer_explorer,
    show_result,
)
from minigrad.widgets.plots import (
    compare_learning_rates,
    compare_optimizers,
    plot_lr_history,
    plot_optimizer_path,
)
from minigrad.widgets.surfaces import SURFACES, Surface, get_surface

__all__ = [
    "DIVERGENCE_FACTOR", "OPTIMIZER_NAMES", "SUGGESTED_LR", "SURFACES", "History",
    "LearningRateExplorer", "OptimizerExplorer", "PathHistory", "RegressionData", "Surface",
    "classic_data", "compare_learning_rates", "compare_optimizers", "get_surface",
    "lr_explorer", "make_optimizer", "mse_hessian", "optimizer_explorer", "plot_lr_history",
    "plot_optimizer_path", "run_lr_experiment", "run_optimizer", "show_result",
    "stability_limit",
]
