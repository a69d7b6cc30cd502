"""Lesson 10: words in and words out of a writer.

A word is an id, its index in the vocabulary (K words). ``one_hot`` turns ids into
the vectors a cell reads; ``sample`` picks the next word from the output layer's
scores (logits) at a temperature, by the inverse of the cumulative distribution, from
a uniform random number the caller draws, so the same u always gives the same word.
"""

import numpy as np

__all__ = ["one_hot", "sample"]


def one_hot(tokens, vocab_size):
    """Word ids (any shape, e.g. (T, B), ints in [0, vocab_size)) -> float64 vectors of
    shape tokens.shape + (vocab_size,), with a 1 at each id and 0 elsewhere."""
    tokens = np.asarray(tokens)
    out = np.zeros(tokens.shape + (int(vocab_size),))
    np.put_along_axis(out, tokens[..., None].astype(np.int64), 1.0, axis=-1)
    return out


def sample(logits, temperature, u):
    """One word per row, drawn from softmax(logits / temperature) with the numbers u.

    logits (B, K) scores, any finite values; temperature a positive float; u (B,)
    numbers in [0, 1). The probabilities p = softmax(logits / temperature) are
    computed without overflow (the row's largest score is subtracted first); the
    word of row b is the first k whose cumulative probability p_0 + ... + p_k is above
    u[b] (the last word if rounding leaves every sum at or below u[b]). Returns ints (B,).
    """
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    e = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    cdf = np.cumsum(e / e.sum(axis=-1, keepdims=True), axis=-1)
    picked = np.sum(cdf <= np.asarray(u, dtype=np.float64)[..., None], axis=-1)
    return np.minimum(picked, cdf.shape[-1] - 1).astype(np.int64)
