"""Judging what a sandboxed submission returned, one nbgrader test cell at a time.

Uses the same engine as the students' visible checks (lessonkit.compare), so
feedback reads the same; but the values judged here came back from the sandbox and
the expected ones never went in.
"""

from dataclasses import dataclass

from lessonkit import messages
from lessonkit.compare import Verdict, changed_input, compare, confirm_mistakes
from lessonkit.replay import settle

from .graded import GRADED


@dataclass
class CellVerdict:
    grade_id: str
    function: str
    ok: bool
    message: str          # for the student: what was checked and, if failed, what went wrong
    mistake: str | None   # a named misconception, when one was recognised
    kind: str


def judge_call(call, returned):
    """Verdict for one call, from the sandbox's (value, error, warning, changed arguments)."""
    value, error, warning, changed = returned
    name, spec = call.function, GRADED[call.function].spec
    if error == "NotImplementedError":
        return Verdict(False, "not_implemented", messages.not_implemented(name))
    if error:
        return Verdict(False, "error", messages.raised(name, error))
    if warning:
        return Verdict(False, "warning", messages.warned(name, warning))
    if changed:
        return changed_input(name, changed, spec.in_place)
    return compare(value, call.expected, spec.outputs, call.mistakes)


def _value(returned):
    """The value a call returned, or None if it raised or warned: as in the notebook's
    check (lessonkit.compare.call), such a call tells nothing about which mistake it is,
    and its value (a NaN from a log of a negative score, say) must not contradict one."""
    value, error, warning, _ = returned
    return None if error or warning else value


def judge(calls, results):
    """One CellVerdict per test cell, in order; a cell passes when all its calls do.

    A call that fails as it is but passes with the right functions it calls replayed
    in place of the student's (its ``retry_of`` call) passes: the fault is counted
    where it is, once. A failing cell reports a recognised misconception if any of its
    calls showed one, else its first failure."""
    by_function, retries = {}, {}
    for index, call in enumerate(calls):
        if call.retry_of is None:
            by_function.setdefault(call.function, []).append(index)
        else:
            retries[call.retry_of] = index
    verdict_of = {}
    for name, indices in by_function.items():
        spec = GRADED[name].spec
        judged = [(_value(results[i]), calls[i].expected, calls[i].mistakes, judge_call(calls[i], results[i]))
                  for i in indices]
        verdicts = confirm_mistakes(judged, spec.outputs)
        retried = [(k, (_value(results[retries[i]]), calls[i].expected, calls[i].mistakes,
                        judge_call(calls[retries[i]], results[retries[i]])))
                   for k, i in enumerate(indices) if i in retries]
        verdict_of.update(zip(indices, settle(verdicts, retried, name, spec.depends, spec.outputs)))
    cells = {}
    for index, call in enumerate(calls):
        if call.retry_of is None:
            cells.setdefault(call.cell, []).append((call, verdict_of[index]))
    verdicts = []
    for grade_id, judged in cells.items():
        failed = [(c, v) for c, v in judged if not v.ok]
        function = judged[0][0].function
        if not failed:
            by_reference = next((v for _, v in judged if v.kind == "by_reference"), None)
            message = f"✓ {function}: all {len(judged)} checks pass."
            if by_reference:
                called = " and ".join(GRADED[function].declared.depends)
                message = (f"✓ {function}: all {len(judged)} checks pass with the right {called} in place "
                           f"of yours. {by_reference.message}")
            verdicts.append(CellVerdict(grade_id, function, True, message, None,
                                        by_reference.kind if by_reference else "ok"))
            continue
        # a named misconception says more than whichever failure came first
        call, v = next(((c, v) for c, v in failed if v.mistake), failed[0])
        hidden = grade_id.startswith("hidden_")
        where = "a hidden test" if hidden else call.what
        verdicts.append(CellVerdict(grade_id, function, False,
                                    f"✗ {function}, {where}: {v.message}", v.mistake, v.kind))
    return verdicts
