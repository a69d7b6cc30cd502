"""Visible checks: a student's function against its stored cases.

    check(learn_gate)

prints one line per stored case (what it checks, then ✓ or ✗ and why) and raises
AssertionError when any case fails, so an nbgrader test cell fails with it.
"""

import copy

from . import messages, stored
from .compare import call, compare, confirm_mistakes
from .replay import retry


class CheckFailed(AssertionError):
    """A visible or hidden check failed; the message says why."""


def run_cases(fn, name):
    """[(case, Verdict)] for every stored case of ``name``, without printing.

    A case that fails but passes with the right answers of the functions ``fn``
    calls replayed in their place (lessonkit.replay) passes, with a verdict of kind
    "by_reference" whose message says where the fault is."""
    spec = stored.spec(name)
    cases, judged = stored.load(name), []
    for case in cases:
        value, failure = call(fn, copy.deepcopy(case.args), spec.in_place)
        verdict = failure or compare(value, case.expected, spec.outputs, case.mistakes)
        judged.append((value, case.expected, case.mistakes, verdict))
    verdicts = confirm_mistakes(judged, spec.outputs)
    for k, case in enumerate(cases):
        if not verdicts[k].ok:
            verdicts[k] = retry(fn, case.args, case.expected, case.replays, spec) or verdicts[k]
    return list(zip(cases, verdicts))


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
    credited = next((v for _, v in results if v.kind == "by_reference"), None)
    if credited:
        print(credited.message)
    if failed:
        summary = f"{name}: {len(failed)} of {len(results)} checks failed. First: {failed[0][1].message}"
        raise CheckFailed(summary)
    print(f"All {len(results)} checks of {name} pass.")
