"""Memory tracks: one memory carried over a whole sequence, step by step.

Shapes: ltm0 (B, H); per-step arrays (T, B, H), index t holding step t's value.
"""

import numpy as np

from .gates import remember_gate

__all__ = ["ltm_track"]


def ltm_track(ltm0, forget_factors, learned):
    """The long-term memory after every step, given each step's gates.

    ltm0 (B, H) is the memory before the first step; forget_factors (T, B, H) are
    the forget gate's factors f_t, in (0, 1); learned (T, B, H) is the learn gate's
    output N_t ⊙ i_t. Returns ltms (T, B, H) with
    LTM_t = LTM_{t-1} ⊙ f_t + learned_t, ltms[t] the memory after step t (ltm0 is
    not part of it).
    """
    forget_factors, learned = np.asarray(forget_factors), np.asarray(learned)
    ltm = np.asarray(ltm0)
    dtype = np.result_type(ltm, forget_factors, learned)
    ltms = np.empty((len(learned), *ltm.shape), dtype=dtype)
    for t, (f, new) in enumerate(zip(forget_factors, learned)):
        ltm = ltms[t] = remember_gate(ltm * f, new)
    return ltms
