"""Neural-network building blocks with PyTorch's names (torch.nn).

    from minigrad import nn
    import minigrad.nn.functional as F

    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    loss = nn.CrossEntropyLoss()(model(x), labels)

`Module` and `Parameter` are the bookkeeping (module.py, parameter.py); `functional.py`
holds the math of every layer and loss; the classes in layers.py and losses.py wrap it;
`init` chooses initial weights, `utils` clips gradients, and `save`/`load` write and read
parameters. Everything is built on minigrad's Tensor and Function: no layer computes a
gradient that the autograd engine does not.
"""

from minigrad.nn import functional, init, utils
from minigrad.nn.layers import (
    Dropout,
    Embedding,
    Flatten,
    Identity,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from minigrad.nn.losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.nn.serialization import load, save

__all__ = [
    "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Embedding", "Flatten", "Identity",
    "Linear", "MSELoss", "Module", "Parameter", "ReLU", "Sequential", "Sigmoid", "Tanh",
    "functional", "init", "load", "save", "utils",
]
