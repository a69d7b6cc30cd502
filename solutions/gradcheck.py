"""Numeric gradients by central differences, to check analytic ones.

Use float64: with h = 1e-6 the truncation error is O(h²) ≈ 1e-12 and the
rounding error O(ε/h) ≈ 1e-10, so a correct gradient has relative error well
below 1e-7 and a wrong one is usually above 1e-2.
"""

import numpy as np

__all__ = ["gradient_check", "numeric_gradient", "relative_error"]


def numeric_gradient(f, x, h=1e-6):
    """d f(x) / dx by central differences, same shape as x.

    f maps an array shaped like x to a scalar. x is perturbed in place one entry
    at a time and restored exactly afterwards.
    """
    x = np.asarray(x)
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = float(f(x))
        x[idx] = old - h
        f_minus = float(f(x))
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b):
    """||a - b|| / max(||a||, ||b||), with Euclidean norms over all entries.

    Norm-wise rather than entry by entry, so that entries near zero, where any
    numeric gradient is mostly rounding noise, do not decide the verdict.
    Returns a float: 0.0 for identical arrays (also both zero).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0.0 else float(np.linalg.norm(a - b) / scale)


def gradient_check(f, x, analytic, h=1e-6):
    """Relative error between ``analytic`` and the numeric gradient of f at x."""
    return relative_error(analytic, numeric_gradient(f, x, h))
