"""Optimizers with PyTorch's names, defaults and update rules (torch.optim).

    from minigrad import optim
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

Each optimizer's file states its update rule; `optimizer.py` holds what they share
(param_groups, state, zero_grad, state_dict). `lr_scheduler` changes lr over time.
"""

from minigrad.optim import lr_scheduler
from minigrad.optim.adam import Adam
from minigrad.optim.optimizer import Optimizer
from minigrad.optim.rmsprop import RMSprop
from minigrad.optim.sgd import SGD

__all__ = ["SGD", "Adam", "Optimizer", "RMSprop", "lr_scheduler"]
