"""The calls a grading run makes to a submission's graded functions.

For every graded function of a lesson, two groups, one per nbgrader test cell:
- ``check_<fn>``: the visible cases' structure (isolation cases and all) drawn
  afresh, so a copy of the stored fixtures does not pass;
- ``hidden_<fn>``: random sizes and the odd ones (batch 1, hidden ≠ inputs, one step).
Inputs come from an unpredictable seed; expected values and the outputs of the known
misconceptions are computed here, outside the sandbox.
"""

import copy
import os
from dataclasses import dataclass, field

import numpy as np

from lessonkit import stored
from lessonkit.spec import hidden_inputs

from .graded import GRADED


@dataclass
class Call:
    function: str
    cell: str            # the nbgrader grade_id this call counts for
    what: str            # one line: what the call checks
    args: dict
    expected: object
    mistakes: list = field(default_factory=list)  # (name, message, value)


def _mistake_outputs(graded, args, expected, outputs):
    from lessonkit.compare import compare

    found = []
    for m in graded.mistakes:
        value = m.output(args)
        if value is not None and not compare(value, expected, outputs).ok:
            found.append((m.name, m.message, value))
    return found


def calls_for(lesson, rng=None, hidden_trials=3):
    """All calls for the graded functions of ``lesson``, in notebook order."""
    rng = rng or np.random.default_rng(int.from_bytes(os.urandom(8), "little"))
    calls = []
    for name, graded in GRADED.items():
        if graded.lesson != lesson:
            continue
        spec = graded.spec
        groups = [(f"check_{name}", case.what, case.build(rng)) for case in graded.cases]
        groups += [(f"hidden_{name}", f"hidden test: {what}", args)
                   for what, args in hidden_inputs(spec, rng, hidden_trials)]
        for cell, what, args in groups:
            expected = graded.reference(**copy.deepcopy(args))
            calls.append(Call(name, cell, what, args, expected,
                              _mistake_outputs(graded, args, expected, spec.outputs)))
    return calls


def as_cases(calls):
    """The calls as lessonkit Cases for the sandbox: inputs only, no answers."""
    return [stored.StoredCase(c.function, c.args, np.zeros(()), []) for c in calls]
