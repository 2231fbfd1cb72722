"""The dtypes minigrad supports, as numpy dtypes under PyTorch's names.

float32 is the default for floating-point data (as in PyTorch); int64 for whole numbers
from Python lists (labels, indices); bool for comparisons.
"""

from __future__ import annotations

import numpy as np

float32 = np.dtype("float32")
float64 = np.dtype("float64")
float16 = np.dtype("float16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
uint8 = np.dtype("uint8")
bool_ = np.dtype("bool")

double = float64
long = int64

#: The names PyTorch prints for each dtype, used by repr.
NAMES = {
    float32: "float32",
    float64: "float64",
    float16: "float16",
    int32: "int32",
    int64: "int64",
    uint8: "uint8",
    bool_: "bool",
}


def to_dtype(dtype) -> np.dtype:
    """Accept minigrad dtypes, numpy dtypes, Python types and names like 'float64'."""
    if dtype is None:
        return None
    if dtype is bool:
        return bool_
    if dtype is float:  # Python's float means PyTorch's default float, float32
        return float32
    if dtype is int:
        return int64
    return np.dtype(dtype)


def infer_dtype(array: np.ndarray, from_python: bool) -> np.dtype:
    """PyTorch's choice of dtype: Python floats become float32, Python ints int64.

    Arrays that arrive from numpy keep their dtype (np.float64 stays float64), as
    `torch.tensor(np_array)` does.
    """
    kind = array.dtype.kind
    if from_python:
        if kind == "f":
            return float32
        if kind in "iu":
            return int64
    return array.dtype
