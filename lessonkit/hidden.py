"""Hidden tests for stock nbgrader: fresh random inputs and odd shapes.

A lesson's hidden test cell runs, at grading time,

    from solutions import learn_gate as reference
    hidden_check(learn_gate, reference)

Inputs come from an unpredictable seed, so a hard-coded answer fails. They are drawn
by :func:`lessonkit.spec.hidden_inputs` from the stored spec, as the course's own
grader draws its hidden calls; that grader does not rely on this cell and reaches its
verdict outside the student's process (see autograder).
"""

import copy
import os

import numpy as np

from . import stored
from .checks import CheckFailed
from .compare import call, compare
from .replay import recording, rerun, settle
from .spec import hidden_inputs


def hidden_check(fn, reference, name=None, trials=3):
    """Compare ``fn`` with ``reference`` on fresh inputs; raise CheckFailed on the first miss."""
    __tracebackhide__ = True
    name = name or reference.__name__
    spec = stored.spec(name)
    rng = np.random.default_rng(int.from_bytes(os.urandom(8), "little"))
    for what, args in hidden_inputs(spec, rng, trials):
        with recording(reference, spec.depends) as replays:
            expected = reference(**copy.deepcopy(args))
        value, failure = call(fn, copy.deepcopy(args), spec.in_place)
        verdict = failure or compare(value, expected, spec.outputs)
        again = None if verdict.ok else rerun(fn, args, replays, spec, expected)
        if again is not None:
            verdict = settle([verdict], [(0, again)], name, spec.depends, spec.outputs)[0]
        if not verdict.ok:
            raise CheckFailed(f"hidden test of {name} ({what}): {verdict.message}")
