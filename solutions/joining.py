"""Joining the short-term memory and the event, the first step of every gate."""

import numpy as np

__all__ = ["join", "linear"]


def join(stm, event):
    """[stm, event]: concatenation along the last axis, STM first.

    stm (B, H), event (B, X) -> (B, H + X). A weight matrix W of shape (H + X, H)
    then acts on it from the right: ``join(stm, event) @ W``.
    """
    return np.concatenate([stm, event], axis=-1)


def linear(stm, event, W, b):
    """[stm, event] @ W + b: (B, H), (B, X), (H + X, H), (H,) -> (B, H)."""
    return join(stm, event) @ W + b
