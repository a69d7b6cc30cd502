"""The pieces of one training step that act on whole parameter sets.

Parameters and gradients are dicts of arrays with the same keys and shapes (for an
LSTM: ``W_n b_n W_i b_i W_f b_f W_v b_v``, plus whatever a model adds, such as a
classification head). Each function returns a new dict and leaves its inputs as
they were.
"""

import numpy as np

__all__ = ["clip_gradients", "sgd_update"]


def clip_gradients(grads, max_norm):
    """Scale all gradients by one factor so that their global norm is at most max_norm.

    grads: dict of arrays (any shapes); max_norm: a positive float. The global norm
    is the square root of the sum of the squares of every entry of every array.
    Returns a new dict with the same keys and shapes: grads unchanged if the norm is
    at most max_norm, else every array times max_norm / norm.
    """
    norm = np.sqrt(sum(np.sum(np.square(g)) for g in grads.values()))
    scale = max_norm / norm if norm > max_norm else 1.0
    return {key: g * scale for key, g in grads.items()}


def sgd_update(params, grads, learning_rate):
    """One step of gradient descent: a new dict with params[k] - learning_rate * grads[k].

    params and grads: dicts of arrays with the same keys and shapes; learning_rate:
    a positive float. The arrays of params are not modified.
    """
    return {key: params[key] - learning_rate * grads[key] for key in params}
