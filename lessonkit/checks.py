"""Visible checks: a student's function against its stored cases.

    check(learn_gate)

prints one line per stored case (what it checks, then ✓ or ✗ and why) and raises
AssertionError when any case fails, so an nbgrader test cell fails with it.
"""

import copy

from . import messages, stored
from .compare import call, compare, confirm_mistakes


class CheckFailed(AssertionError):
    """A visible or hidden check failed; the message says why."""


def run_cases(fn, name):
    """[(case, Verdict)] for every stored case of ``name``, without printing."""
    spec = stored.spec(name)
    cases, judged = stored.load(name), []
    for case in cases:
        value, failure = call(fn, copy.deepcopy(case.args), spec.in_place)
        verdict = failure or compare(value, case.expected, spec.outputs, case.mistakes)
        judged.append((value, case.expected, case.mistakes, verdict))
    return list(zip(cases, confirm_mistakes(judged, spec.outputs)))


def _dependency_note(fn, name):
    """A hint when a function this one builds on fails its own check."""
    namespace = getattr(fn, "__globals__", {})
    for dep in stored.spec(name).depends:
        dep_fn = namespace.get(dep)
        if callable(dep_fn) and not all(v.ok for _, v in run_cases(dep_fn, dep)):
            return f"Note: {name} builds on {dep}, which does not pass its own check yet. Fix {dep} first."
    return None


def check(fn, name=None):
    """Run the stored cases of graded function ``fn`` and report each on one line."""
    __tracebackhide__ = True  # IPython shows the student's line and the message, not our frames
    name = name or getattr(fn, "__name__", None)
    if name not in stored.available():
        raise ValueError(f"check() takes one of this course's graded functions; got {name!r}")
    if not callable(fn):
        raise CheckFailed(messages.not_a_function(name, fn))
    results = run_cases(fn, name)
    failed = [(case, v) for case, v in results if not v.ok]
    if failed and failed[0][1].kind == "not_implemented":
        print(f"✗ {name}: {failed[0][1].message}")
        raise CheckFailed(failed[0][1].message)
    for case, verdict in results:
        print(f"✓ {case.what}" if verdict.ok else f"✗ {case.what}\n    {verdict.message}")
    if failed:
        note = _dependency_note(fn, name)
        if note:
            print(note)
        summary = f"{name}: {len(failed)} of {len(results)} checks failed. First: {failed[0][1].message}"
        raise CheckFailed(summary)
    print(f"All {len(results)} checks of {name} pass.")
