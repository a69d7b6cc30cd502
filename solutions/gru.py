"""The gated recurrent unit, with PyTorch's ``GRUCell`` equations.

One memory h (B, H) instead of two. With [h, x] the concatenation, STM first:

    r = σ([h, x] W_r + b_r)                       reset factor
    z = σ([h, x] W_z + b_z)                       keep factor
    n = tanh(x W_n[H:] + b_n + r ⊙ (h W_n[:H] + b_hn))   candidate
    h' = (1 - z) ⊙ n + z ⊙ h

``params`` keys: ``W_r b_r W_z b_z W_n b_n b_hn``; each W (H + X, H), each b (H,).
The candidate keeps two biases because r multiplies only the memory's part.
"""

import numpy as np

from .activations import sigmoid
from .joining import linear

__all__ = ["gru_cell", "gru_forward"]


def gru_cell(h, x, params):
    """One GRU step: h (B, H), x (B, X) -> new h (B, H)."""
    H = h.shape[-1]
    W_n = params["W_n"]
    r = sigmoid(linear(h, x, params["W_r"], params["b_r"]))
    z = sigmoid(linear(h, x, params["W_z"], params["b_z"]))
    n = np.tanh(x @ W_n[H:] + params["b_n"] + r * (h @ W_n[:H] + params["b_hn"]))
    return (1.0 - z) * n + z * h


def gru_forward(xs, h0, params):
    """Unroll :func:`gru_cell`: xs (T, B, X), h0 (B, H) -> hs (T, B, H)."""
    hs = []
    h = h0
    for x in xs:
        h = gru_cell(h, x, params)
        hs.append(h)
    return np.stack(hs)
