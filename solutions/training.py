"""The loss of a classification head, and the pieces of one training step that act on
whole parameter sets.

A head's scores, the logits, are an array (B, K): one row per batch item, one score
per class. ``softmax`` turns each row into probabilities; ``cross_entropy`` is the
mean over the batch of minus the log of the probability given to the right class.

Parameters and gradients are dicts of arrays with the same keys and shapes (for an
LSTM: ``W_n b_n W_i b_i W_f b_f W_v b_v``, plus whatever a model adds, such as a
classification head). Each function returns a new dict and leaves its inputs as
they were.
"""

import numpy as np

__all__ = ["softmax", "cross_entropy", "clip_gradients", "sgd_update"]


def softmax(logits):
    """Probabilities from scores, row by row: p[b, k] = exp(s[b, k]) / sum_j exp(s[b, j]).

    logits (B, K), any finite values. The row's largest score is subtracted first
    (which leaves p unchanged), so no exp overflows. Returns (B, K), each row positive
    (or 0 where a score is far below the row's largest) and summing to 1.
    """
    shifted = logits - np.max(logits, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def cross_entropy(logits, labels):
    """The mean over the batch of -ln p[b, labels[b]], with p = softmax(logits).

    logits (B, K) scores; labels (B,) integers in [0, K), the right class of each row.
    Returns a float. (A probability that rounds to 0, for a right class scored some 745
    below the row's best, gives an infinite loss; the lesson's scores are far smaller.)
    """
    p = softmax(logits)
    return float(-np.mean(np.log(p[np.arange(len(labels)), labels])))


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
