"""Saving parameters to a file and reading them back, without pickle.

    nn.save(model.state_dict(), "model.npz")
    model.load_state_dict(nn.load("model.npz"))

This is PyTorch's idiom with `torch.save`/`torch.load`. The file is a NumPy `.npz`
archive: a zip file holding one `.npy` array per parameter, named by its state_dict key.
Unlike a pickle, loading it runs no code, so a file from anywhere is safe to open. It
holds values only: the model is rebuilt by your code, and `load_state_dict` checks that
every name and shape in the file matches it.
"""

from __future__ import annotations

import os
import zipfile
from collections import OrderedDict

import numpy as np

from minigrad.tensor import Tensor

__all__ = ["load", "save"]


def save(obj, path: str | os.PathLike) -> None:
    """Write a state_dict (or a Module's state_dict) to `path`, exactly at that name."""
    from minigrad.nn.module import Module

    state = obj.state_dict() if isinstance(obj, Module) else obj
    if not isinstance(state, dict):
        raise TypeError(
            f"save() expects a state_dict (a dict of name -> Tensor) or a Module, got "
            f"{type(obj).__name__}"
        )
    for name, value in state.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"save(): the value of '{name}' is a {type(value).__name__}, "
                            "not a Tensor; only tensors can be saved")
    # np.savez would append '.npz' to a name without it; writing the zip ourselves keeps the
    # file name the caller chose, and it is the same format (np.load reads it).
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in state.items():
            with archive.open(name + ".npy", "w") as member:
                array = np.require(value.detach().array, requirements="C")  # (0-d stays 0-d)
                np.lib.format.write_array(member, array, allow_pickle=False)


def load(path: str | os.PathLike) -> OrderedDict:
    """Read a file written by `save` into a state_dict of tensors, in the saved order."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(
            f"{os.fspath(path)!r} is not a parameter file written by minigrad.nn.save "
            f"(a .npz archive): {error}"
        ) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(
            f"{os.fspath(path)!r} holds a single array, not a parameter file written by "
            "minigrad.nn.save (a .npz archive of named arrays)"
        )
    with archive:
        return OrderedDict((name, Tensor._wrap(archive[name])) for name in archive.files)
