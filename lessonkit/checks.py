"""Visible checks: a student's function against its stored cases.

    check(learn_gate)

shows one report (lessonkit.report_display): the reason once, a line per stored case
(what it checks, ✓ or ✗), expected beside got. Interactively a failing check only
reports; under nbgrader it raises CheckFailed (an AssertionError), so the test cell
fails with it.
"""

import copy

from . import messages, progress, report_display, stored
from .compare import call, compare, confirm_mistakes
from .replay import rerun, settle
from .report_display import CheckFailed  # noqa: F401 - raised by check and hidden_check
from .widgets import grading


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
    retried = []
    for k, case in enumerate(cases):
        again = None if verdicts[k].ok else rerun(fn, case.args, case.replays, spec, case.expected, case.mistakes)
        if again is not None:
            retried.append((k, again))
    verdicts = settle(verdicts, retried, name, spec.depends, spec.outputs)
    return list(zip(cases, verdicts))


def check(fn, name=None):
    """Run the stored cases of graded function ``fn`` and show one compact report
    (lessonkit.report_display): the reason once, a line per stored case, expected
    beside got. Interactively a failing check only reports, so Run All goes on; under
    nbgrader it raises CheckFailed, so its cell fails and scores 0. Outside nbgrader
    the result is noted in the student's progress file (lessonkit.progress)."""
    name = name or getattr(fn, "__name__", None)
    if name not in stored.available():
        raise CheckFailed(f"check() takes one of this course's graded functions; got {name!r}")
    if not callable(fn):
        return report_display.deliver(report_display.message(name, messages.not_a_function(name, fn)), grading())
    results = run_cases(fn, name)
    credited = next((v.message for _, v in results if v.kind == "by_reference"), None)
    report = report_display.build(fn, name, results, credited)
    if not grading():
        progress.record(name, results)
    return report_display.deliver(report, grading())
