"""How fast the long-term memory fades when only the forget gate acts on it.

A forget factor f in (0, 1] keeps the fraction f of a memory unit at each step, so
after t steps the unit holds LTM ⊙ f^t. Elementwise, any shape, float64.
"""

import numpy as np

__all__ = ["memory_half_life"]


def memory_half_life(f):
    """Steps after which LTM ⊙ f^t has halved: t = ln(1/2) / ln(f), elementwise.

    f: forget factors in (0, 1], any shape -> half-lives, same shape, real numbers
    of steps (not rounded). f = 1 never fades: inf, without a warning (ln 1 = 0 is
    never divided by). Factors near 0 give half-lives near 0, without a warning.
    """
    f = np.asarray(f, dtype=np.float64)
    return np.divide(np.log(0.5), np.log(f), out=np.full(f.shape, np.inf), where=f < 1)
