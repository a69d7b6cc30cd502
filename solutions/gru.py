"""The gated recurrent unit, with PyTorch's ``GRUCell`` equations.

One memory M (B, H) instead of two (``h`` in PyTorch), the event E (B, X) (``x``).
With [M, E] the concatenation, memory first:

    r = σ([M, E] W_r + b_r)                       reset factor
    z = σ([M, E] W_z + b_z)                       keep factor
    N = tanh(E W_n[H:] + b_n + r ⊙ (M W_n[:H] + b_hn))   candidate
    M' = (1 - z) ⊙ N + z ⊙ M

``params`` keys: ``W_r b_r W_z b_z W_n b_n b_hn``; each W (H + X, H), each b (H,).
The candidate keeps two biases because r multiplies only the memory's part.
"""

import numpy as np

from .activations import sigmoid
from .joining import linear

__all__ = ["gru_cell", "gru_forward"]


def gru_cell(memory, event, params):
    """One GRU step: memory (B, H), event (B, X) -> new memory (B, H)."""
    H = memory.shape[-1]
    W_n = params["W_n"]
    r = sigmoid(linear(memory, event, params["W_r"], params["b_r"]))
    z = sigmoid(linear(memory, event, params["W_z"], params["b_z"]))
    N = np.tanh(event @ W_n[H:] + params["b_n"] + r * (memory @ W_n[:H] + params["b_hn"]))
    return (1.0 - z) * N + z * memory


def gru_forward(events, memory0, params):
    """Unroll :func:`gru_cell`: events (T, B, X), memory0 (B, H) -> memories (T, B, H)."""
    memories = []
    memory = memory0
    for event in events:
        memory = gru_cell(memory, event, params)
        memories.append(memory)
    return np.stack(memories)
