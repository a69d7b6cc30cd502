"""The lesson's four LSTM gates, one function each.

Names follow the course (docs/design.md §3): LTM = long-term memory, STM = short-term
memory, E = event. Shapes: ltm and stm (B, H), event (B, X), every W (H + X, H)
acting on [stm, event] (except W_u, (H, H), acting on the kept LTM, K = LTM ⊙ f), every
b (H,).
"""

import numpy as np

from .activations import sigmoid
from .joining import linear

__all__ = ["forget_gate", "learn_gate", "remember_gate", "standard_use_gate", "use_gate"]


def learn_gate(stm, event, W_n, b_n, W_i, b_i):
    """What we learn from the recent past and the event: N ⊙ i, shape (B, H).

    N = tanh([STM, E] W_n + b_n) is the new information (the candidate), in (-1, 1);
    i = σ([STM, E] W_i + b_i) is the ignore factor, in (0, 1).
    """
    return np.tanh(linear(stm, event, W_n, b_n)) * sigmoid(linear(stm, event, W_i, b_i))


def forget_gate(ltm, stm, event, W_f, b_f):
    """What the long-term memory keeps: LTM ⊙ f, shape (B, H).

    f = σ([STM, E] W_f + b_f) is the forget factor, in (0, 1): 1 keeps, 0 forgets.
    """
    return ltm * sigmoid(linear(stm, event, W_f, b_f))


def remember_gate(kept, learned):
    """The new long-term memory: what we kept (K = LTM ⊙ f) plus what we learned, (B, H)."""
    return kept + learned


def use_gate(kept, stm, event, W_u, b_u, W_v, b_v):
    """The new short-term memory in the lesson's form: U ⊙ V, shape (B, H).

    U = tanh(kept W_u + b_u) reads what the long-term memory kept, K = LTM ⊙ f (B, H),
    through W_u (H, H); V = σ([STM, E] W_v + b_v) chooses what to output.
    """
    return np.tanh(kept @ W_u + b_u) * sigmoid(linear(stm, event, W_v, b_v))


def standard_use_gate(ltm, stm, event, W_v, b_v):
    """The standard cell's output h = o ⊙ tanh(C), shape (B, H).

    ``ltm`` is the *new* long-term memory C_t; o = σ([STM, E] W_v + b_v) is the
    lesson's V. It equals ``use_gate(ltm, stm, event, I, 0, W_v, b_v)``: the
    lesson's use gate with W_u = I, b_u = 0 and the new LTM in place of the
    kept old one.
    """
    return sigmoid(linear(stm, event, W_v, b_v)) * np.tanh(ltm)
