"""Shapes for the cross-checks: the awkward ones first, then seeded random ones.

Each is (B, X, H, T): batch, inputs, hidden, time steps.
"""

import numpy as np

AWKWARD = [
    (1, 1, 1, 1),    # everything one
    (1, 3, 5, 1),    # batch 1, one time step, hidden != inputs
    (4, 7, 2, 3),    # more inputs than hidden
    (2, 2, 9, 6),    # more hidden than inputs
    (1, 8, 8, 12),   # batch 1, longer sequence
]


def random_shapes(n, seed):
    rng = np.random.default_rng(seed)
    return [tuple(int(v) for v in (rng.integers(1, 7), rng.integers(1, 10),
                                   rng.integers(1, 10), rng.integers(1, 8)))
            for _ in range(n)]


SHAPES = AWKWARD + random_shapes(20, seed=2026)
SMALL_SHAPES = AWKWARD[:4] + random_shapes(4, seed=7)
"""For central differences, which cost two forward passes per parameter."""


def shape_id(shape):
    return "B{}X{}H{}T{}".format(*shape)
