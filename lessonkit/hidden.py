"""Hidden tests for stock nbgrader: fresh random inputs and odd shapes.

A lesson's hidden test cell runs, at grading time,

    from solutions import learn_gate as reference
    hidden_check(learn_gate, reference)

Inputs come from an unpredictable seed, so a hard-coded answer fails. The
course's own grading command does not rely on this cell: it reaches its verdict
outside the student's process (see autograder).
"""

import copy
import os

import numpy as np

from .checks import CheckFailed
from .compare import call, compare
from .specs import ODD_SIZES, SPECS, draw, random_sizes


def hidden_check(fn, reference, name=None, trials=3):
    """Compare ``fn`` with ``reference`` on fresh inputs; raise CheckFailed on the first miss."""
    __tracebackhide__ = True
    name = name or reference.__name__
    spec = SPECS[name]
    rng = np.random.default_rng(int.from_bytes(os.urandom(8), "little"))
    for variant in spec.variants:
        for sizes in [random_sizes(rng) for _ in range(trials)] + list(ODD_SIZES):
            args = {**draw(spec, sizes, rng), **variant}
            expected = reference(**copy.deepcopy(args))
            value, failure = call(fn, copy.deepcopy(args))
            verdict = failure or compare(value, expected, spec.outputs)
            if not verdict.ok:
                shown = ", ".join([f"{k} {v}" for k, v in sizes.items()] + [f"{k}={v!r}" for k, v in variant.items()])
                raise CheckFailed(f"hidden test of {name} ({shown}): {verdict.message}")
