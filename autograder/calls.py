"""The calls a grading run makes to a submission's graded functions.

For every graded function of a lesson, two groups, one per nbgrader test cell:
- ``check_<fn>``: the visible cases' structure (isolation cases and all) drawn
  afresh, so a copy of the stored fixtures does not pass;
- ``hidden_<fn>``: random sizes and the odd ones (batch 1, hidden ≠ inputs, one step).
Inputs come from a seed derived from the course's secret, the student and the lesson
(:func:`seed_for`): the same notebook is regraded on the same inputs, different
students get different ones, and no student can predict theirs. Expected values and
the outputs of the known misconceptions are computed here, outside the sandbox.

A function that builds on others (``depends``) gets each call twice: once as it is,
and once with the reference's answers of the functions it calls replayed in their
place (``replays``, :mod:`lessonkit.replay`), so a right loop over a wrong cell still
earns its points. Only the replayed calls go into the sandbox, never an expected value.
"""

import hashlib
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
    mistakes: Sequence = ()        # (name, message, value), see _Mistakes
    replays: dict = field(default_factory=dict)    # {function: Recorded}, see lessonkit.replay
    retry_of: int | None = None
    """For the run with replays: the index of the call it repeats."""


class _Mistakes(Sequence):
    """(name, message, value) of the known misconceptions that differ from the answer on
    one call's inputs, worked out on first use: a call answered right, or one that
    raised, never needs them (most calls of a class)."""

    def __init__(self, graded, args, expected, outputs):
        self._inputs, self._found = (graded, args, expected, outputs), None

    def _all(self):
        if self._found is None:
            self._found, self._inputs = _mistake_outputs(*self._inputs), None
        return self._found

    def __getitem__(self, index):
        return self._all()[index]

    def __len__(self):
        return len(self._all())


def _mistake_outputs(graded, args, expected, outputs):
    from lessonkit.compare import compare

    found = []
    for m in graded.mistakes:
        value = m.output(args)
        if value is not None and not compare(value, expected, outputs).ok:
            found.append((m.name, m.message, value))
    return found


def course_secret(folder):
    """The course's secret, kept in ``folder/course_secret`` (created once, mode 0600).
    The folder is the instructor's results folder, which no sandbox can see."""
    path = Path(folder) / "course_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def seed_for(secret, student, lesson):
    """The generator of one student's hidden inputs for one lesson."""
    digest = hashlib.sha256(f"{secret}\0{student}\0{lesson}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def calls_for(lesson, rng=None, hidden_trials=3):
    """All calls for the graded functions of ``lesson``, in notebook order."""
    rng = rng or np.random.default_rng(int.from_bytes(os.urandom(8), "little"))
    calls = []
    for name, graded in GRADED.items():
        if graded.lesson != lesson:
            continue
        spec = graded.spec
        groups = [(f"check_{name}", case.what, graded.ordered(case.build(rng))) for case in graded.cases]
        groups += [(f"hidden_{name}", f"hidden test: {what}", args)
                   for what, args in hidden_inputs(spec, rng, hidden_trials)]
        for cell, what, args in groups:
            expected, replays = graded.answer(args)
            mistakes = _Mistakes(graded, args, expected, spec.outputs)
            calls.append(Call(name, cell, what, args, expected, mistakes))
            if replays:
                calls.append(Call(name, cell, what, args, expected, mistakes, replays, retry_of=len(calls) - 1))
    return calls


def as_cases(calls):
    """The calls as lessonkit Cases for the sandbox: inputs (and replays), no answers."""
    return [stored.StoredCase(c.function, c.args, np.zeros(()), [], c.replays) for c in calls]
