"""The plain recurrent cell: M_t = tanh([M_{t-1}, E_t] W + b).

Shapes: memory (B, H), event (B, X), W (H + X, H), b (H,).
"""

import numpy as np

from .joining import join, linear

__all__ = [
    "first_event_influence",
    "rnn_backward",
    "rnn_cell",
    "rnn_cell_backward",
    "rnn_forward",
    "rnn_forward_with_cache",
]


def rnn_cell(memory, event, W, b):
    """One step: (B, H), (B, X), (H + X, H), (H,) -> new memory (B, H)."""
    return np.tanh(linear(memory, event, W, b))


def rnn_forward(events, memory0, W, b):
    """Unroll the cell over a sequence.

    events (T, B, X), memory0 (B, H) -> memories (T, B, H), where memories[t] is the
    memory after seeing events[t]. Written over :func:`rnn_cell`, as the lesson's is,
    so the grader can judge a student's loop with the right cell (lessonkit.replay);
    :func:`rnn_forward_with_cache` is the fast one for training.
    """
    memory, memories = memory0, []
    for event in events:
        memory = rnn_cell(memory, event, W, b)
        memories.append(memory)
    return np.stack(memories)


def rnn_forward_with_cache(events, memory0, W, b):
    """:func:`rnn_forward`, plus the cache that :func:`rnn_backward` needs."""
    events = np.asarray(events)
    T, B, X = events.shape
    H = memory0.shape[-1]
    W_h, W_x = W[:H], W[H:]
    # The event part of every step in one matrix product; only M @ W_h stays in the loop.
    pre = (events.reshape(T * B, X) @ W_x + b).reshape(T, B, H)
    memories = np.empty((T, B, H), dtype=pre.dtype)
    memory = memory0
    for t in range(T):
        memory = np.tanh(pre[t] + memory @ W_h, out=memories[t])
    return memories, (events, memory0, W, memories)


def rnn_cell_backward(d_memory, memory, event, W, b):
    """Gradients of one step, given the upstream gradient on its output.

    d_memory (B, H) is dLoss/dM_t; memory (B, H) is M_{t-1}, the step's input.
    Returns (d_memory_prev (B, H), d_event (B, X), dW (H + X, H), db (H,)).
    """
    H = memory.shape[-1]
    z = join(memory, event)
    new = np.tanh(z @ W + b)
    da = d_memory * (1.0 - new**2)
    dz = da @ W.T
    return dz[:, :H], dz[:, H:], z.T @ da, da.sum(axis=0)


def rnn_backward(d_memories, cache):
    """Backpropagation through time for :func:`rnn_forward`.

    d_memories (T, B, H) is dLoss/dmemories[t] for every step (zeros where a step's
    output is unused); cache comes from :func:`rnn_forward_with_cache`.
    Returns (d_events (T, B, X), d_memory0 (B, H), dW (H + X, H), db (H,)).
    """
    events, memory0, W, memories = cache
    T, B, X = events.shape
    H = memory0.shape[-1]
    W_h_T = W[:H].T
    deriv = 1.0 - memories**2
    da = np.empty_like(memories)
    carry = np.zeros_like(memory0)
    for t in range(T - 1, -1, -1):
        np.multiply(d_memories[t] + carry, deriv[t], out=da[t])
        carry = da[t] @ W_h_T
    prev = np.concatenate([memory0[None], memories[:-1]])
    da2 = da.reshape(T * B, H)
    dW = np.concatenate([prev.reshape(T * B, H).T @ da2, events.reshape(T * B, X).T @ da2])
    d_events = (da2 @ W[H:].T).reshape(T, B, X)
    return d_events, carry, dW, da2.sum(axis=0)


def first_event_influence(events, first_alt, memory0, W, b):
    """How much the memory still depends on the first event, after each step.

    Runs the RNN twice: on ``events`` (T, B, X), and on a copy whose first event is
    ``first_alt`` (B, X) instead (a cat where there was a bear). Returns (T, B): the
    Euclidean distance over the hidden units between the two runs' memories after
    each step. When it shrinks towards 0 the first event has been forgotten.
    """
    alt = np.array(events, copy=True)
    alt[0] = first_alt
    difference = rnn_forward(events, memory0, W, b) - rnn_forward(alt, memory0, W, b)
    return np.linalg.norm(difference, axis=-1)
