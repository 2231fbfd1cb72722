"""Optimizer: the base of SGD, Adam and RMSprop (torch.optim.Optimizer).

An optimizer does not compute gradients: `loss.backward()` does. It reads each
parameter's `.grad` and changes the parameter in place:

    optimizer.zero_grad()      # forget last step's gradients
    loss = criterion(model(x), y)
    loss.backward()            # fill p.grad for every parameter
    optimizer.step()           # p ← p - (something computed from p.grad and the state)

The step runs under `no_grad`, so the update is not recorded in any graph: the
parameters stay leaves and the next forward pass starts a fresh graph.

Parameters come in `param_groups`: a list of dicts, each holding some parameters
('params') and the hyper-parameters that apply to them ('lr', ...). Most code has one
group; changing `optimizer.param_groups[0]['lr']` changes the learning rate (this is what
a scheduler does). Per-parameter memory (momentum buffers, running averages) lives in
`optimizer.state[p]`.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable

from minigrad.autograd.grad_mode import enable_grad, no_grad
from minigrad.nn.module import _zero_grad
from minigrad.tensor import Tensor


class Optimizer:
    """Base class: holds param_groups and state, and loops over the parameters in `step`.

    A subclass states its update rule for one parameter in `_update(param, grad, state,
    group)`; `step` calls it, under no_grad, for every parameter that has a gradient.
    (Overriding `step` itself, PyTorch's way, works too.)
    """

    def __init__(self, params, defaults: dict) -> None:
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict] = defaultdict(dict)
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got minigrad.{params._type_name()}. Wrap a single tensor in a "
                "list: [w]."
            )
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyper-parameters (missing ones: defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    f"{type(param).__name__}"
                )
            if not param.is_leaf:
                raise ValueError(
                    "can't optimize a non-leaf Tensor (it was computed from other tensors: "
                    "optimize the leaves it came from, or make it a leaf with .detach()"
                    ".requires_grad_())"
                )
        if len({id(p) for p in params}) != len(params):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, "
                "this will cause an error",
                UserWarning,
                stacklevel=3,
            )
        group = {**param_group, "params": params}
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        known = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in known for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient before the next backward.

        backward *adds* into `.grad`, so without this each step would use the sum of all
        gradients so far. set_to_none=True (the default) drops them (`p.grad` becomes
        None); False zeroes them in place.
        """
        for group in self.param_groups:
            for param in group["params"]:
                _zero_grad(param, set_to_none)

    def step(self, closure: Callable[[], Tensor] | None = None):
        """Update every parameter that has a gradient, reading nothing but `.grad`.

        `closure`, if given, re-evaluates the model and returns the loss (it is called with
        recording on, and step returns what it returned).
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is None:
                        continue
                    state = self.state.get(param, {})
                    self._update(param, param.grad, state, group)
                    if state:  # plain SGD keeps no state, and its state_dict shows none
                        self.state[param] = state
        return loss

    def _update(self, param: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        """Change `param` in place from `grad`; keep what later steps need in `state`."""
        raise NotImplementedError(f"{type(self).__name__} does not define its update rule")

    # -- saving and loading --------------------------------------------------------------

    def state_dict(self) -> dict:
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}.

        Parameters are named by their position (0, 1, ... across the groups), as in
        PyTorch, so the dict can be loaded into an optimizer over a rebuilt model.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            for param in group["params"]:
                index.setdefault(id(param), len(index))
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(param)]: values for param, values in self.state.items()
            if id(param) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and per-parameter state saved by `state_dict()`.

        The tensors are copied, so the loaded optimizer does not share buffers with the
        dict it was given.
        """
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for ours, saved in zip(self.param_groups, saved_groups):
            if len(ours["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size "
                    "of optimizer's group"
                )
        by_index = {
            index: param
            for ours, saved in zip(self.param_groups, saved_groups)
            for index, param in zip(saved["params"], ours["params"])
        }
        self.state = defaultdict(dict)
        for index, values in state_dict["state"].items():
            param = by_index[index]
            self.state[param] = {
                key: _copy_state_value(key, value, param) for key, value in values.items()
            }
        for ours, saved in zip(self.param_groups, saved_groups):
            for key, value in saved.items():
                if key != "params":
                    ours[key] = copy.deepcopy(value)

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _copy_state_value(key: str, value, param: Tensor):
    """A copy of one state entry; float buffers take the parameter's dtype (not 'step')."""
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    value = value.detach().clone()
    return value if key == "step" else value.to(param.dtype)


def check_non_negative(name: str, value: float) -> None:
    """PyTorch's checks of hyper-parameters: 'Invalid learning rate: -0.1'."""
    if not value >= 0.0:
        raise ValueError(f"Invalid {name}: {value}")

