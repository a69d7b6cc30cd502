"""Parameter dictionaries and their seeded initialisers.

An LSTM's ``params`` has keys ``W_n b_n W_i b_i W_f b_f W_v b_v`` (plus ``W_u b_u``
for the lesson's variant). Each gate's W is (H + X, H) acting on [stm, event],
each b is (H,); W_u is (H, H) acting on the kept long-term memory, K = LTM ⊙ f.
"""

import numpy as np

__all__ = ["GATES", "LESSON_KEYS", "STANDARD_KEYS", "init_gru_params", "init_params", "init_rnn_params"]

GATES = ("n", "i", "f", "v")
"""Gate letters in packing order: candidate N, ignore i, forget f, output V."""

STANDARD_KEYS = tuple(k for g in GATES for k in ("W_" + g, "b_" + g))
LESSON_KEYS = STANDARD_KEYS + ("W_u", "b_u")
VARIANTS = ("lesson", "standard")


def check_variant(variant):
    """Raise ValueError unless ``variant`` is "lesson" or "standard"."""
    if variant not in VARIANTS:
        raise ValueError(f'variant must be "lesson" or "standard", got {variant!r}')


def _uniform(rng, k, shape, dtype):
    return rng.uniform(-k, k, size=shape).astype(dtype)


def init_params(hidden, inputs, variant="lesson", seed=None, dtype=np.float64):
    """LSTM params drawn uniformly from ±1/sqrt(hidden), as PyTorch does.

    The same seed gives the same arrays; the lesson variant's eight shared
    arrays equal the standard variant's for the same seed.
    """
    check_variant(variant)
    rng = np.random.default_rng(seed)
    k = 1.0 / np.sqrt(hidden)
    params = {}
    for g in GATES:
        params["W_" + g] = _uniform(rng, k, (hidden + inputs, hidden), dtype)
        params["b_" + g] = _uniform(rng, k, (hidden,), dtype)
    if variant == "lesson":
        params["W_u"] = _uniform(rng, k, (hidden, hidden), dtype)
        params["b_u"] = _uniform(rng, k, (hidden,), dtype)
    return params


def init_rnn_params(hidden, inputs, seed=None, dtype=np.float64):
    """RNN (W (H + X, H), b (H,)) drawn uniformly from ±1/sqrt(hidden)."""
    rng = np.random.default_rng(seed)
    k = 1.0 / np.sqrt(hidden)
    return _uniform(rng, k, (hidden + inputs, hidden), dtype), _uniform(rng, k, (hidden,), dtype)


def init_gru_params(hidden, inputs, seed=None, dtype=np.float64):
    """GRU params (see :mod:`solutions.gru`) drawn uniformly from ±1/sqrt(hidden)."""
    rng = np.random.default_rng(seed)
    k = 1.0 / np.sqrt(hidden)
    params = {}
    for g in ("r", "z", "n"):
        params["W_" + g] = _uniform(rng, k, (hidden + inputs, hidden), dtype)
        params["b_" + g] = _uniform(rng, k, (hidden,), dtype)
    params["b_hn"] = _uniform(rng, k, (hidden,), dtype)
    return params
