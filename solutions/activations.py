"""The logistic function, shared by every gate.

It works elementwise on arrays of any shape and keeps the input's dtype
(float32 stays float32, everything else becomes float64).
"""

import numpy as np

__all__ = ["sigmoid"]


def _as_float(x):
    x = np.asarray(x)
    return x if x.dtype in (np.float32, np.float64) else x.astype(np.float64)


def sigmoid(x):
    """σ(x) = 1 / (1 + exp(-x)), elementwise, any shape.

    Never raises an overflow warning for finite input: exp is only ever taken of
    -|x| <= 0, so sigmoid(±1000) is exactly 1.0 / 0.0 without a warning.
    """
    x = _as_float(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)

