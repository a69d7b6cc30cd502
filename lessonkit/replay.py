"""Each mistake penalised once: a function judged with the right answers of the
functions it calls.

A graded function that builds on others (its spec's ``depends``, e.g. ``rnn_forward``
calls ``rnn_cell``) is also run with a *replay* in place of each function it calls.
The replay answers exactly the calls the reference makes on the same inputs, with
the reference's answers, recorded where the reference runs (``python -m autograder
sync`` for the visible cases, the grader for its calls, the hidden test cell for its
own). A loop that is right earns its points that way even when the student's cell is
wrong, and the message says where the fault is; a loop that passes other inputs meets
a replay that refuses them (:class:`Deviated`), so it gains nothing.

A replay only holds what a right loop over a right cell computes anyway, on the
inputs of this call: never the expected values of the called function's own checks.
Shapes: ``calls`` is ``{name: Recorded}``: the called function's parameter defaults
and its calls, each ``(args, output)`` with ``args`` a dict in the function's
parameter order (defaults filled in) and ``output`` what it returned.
"""

import contextlib
import copy
import functools
import inspect
import threading
from dataclasses import dataclass, field

import numpy as np

TOLERANCE = (1e-4, 1e-5)
"""(rtol, atol) for recognising a recorded call: float32's, so a loop that casts its
inputs to float32 is still recognised (lessonkit.compare.TOLERANCES)."""


class Deviated(Exception):
    """The function called a replayed function with inputs the right one never passes."""


@dataclass
class Recorded:
    """The calls made to one function: ``calls`` [(args, output)], and the defaults
    (numbers and strings) of its parameters, which a caller may leave out."""

    defaults: dict = field(default_factory=dict)
    calls: list = field(default_factory=list)


_RECORDING = threading.RLock()
"""One recording at a time: it swaps module globals that every thread shares (the
grader computes the answers of several submissions in threads at once)."""


@contextlib.contextmanager
def recording(reference, depends):
    """Record the calls ``reference`` makes, through its module's globals, to the
    functions named in ``depends``; yields ``{name: Recorded}``, filled as the
    reference runs. Threads take turns (:data:`_RECORDING`)."""
    with _RECORDING, _recording(reference, depends) as calls:
        yield calls


@contextlib.contextmanager
def _recording(reference, depends):
    namespace = reference.__globals__
    saved = {name: namespace[name] for name in depends}
    calls = {}

    def recorder(name, fn):
        signature = inspect.signature(fn)
        calls[name] = Recorded({k: p.default for k, p in signature.parameters.items()
                                if isinstance(p.default, (bool, int, float, str))})

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            recorded = copy.deepcopy(dict(bound.arguments))
            output = fn(*args, **kwargs)
            calls[name].calls.append((recorded, copy.deepcopy(output)))
            return output
        return wrapper

    try:
        for name, fn in saved.items():
            namespace[name] = recorder(name, fn)
        yield calls
    finally:
        namespace.update(saved)


_asarray, _float64, _ndarray = np.asarray, np.float64, np.ndarray
"""Taken when the module is imported (the sandbox's runner imports it before any of the
submission's code runs): a submission that replaces ``np.allclose`` or ``np.asarray``
must not make a replay accept inputs the right loop never passes."""


def _same(a, b):
    if isinstance(a, dict) or isinstance(b, dict):
        return (type(a) is dict and type(b) is dict and a.keys() == b.keys()
                and all(_same(a[k], b[k]) for k in a))
    if isinstance(a, str) or isinstance(b, str):
        return type(a) is str and type(b) is str and str.__eq__(a, b)
    try:
        a, b = _asarray(a, dtype=_float64), _asarray(b, dtype=_float64)
    except (TypeError, ValueError, RecursionError):
        return False
    if type(a) is not _ndarray or type(b) is not _ndarray or a.shape != b.shape:
        return False
    rtol, atol = TOLERANCE   # np.allclose's rule, with ndarray's own operators
    close = ((a - b).__abs__() <= atol + rtol * b.__abs__()) | (a == b) | ((a != a) & (b != b))
    return bool(close.all())


class Replay:
    """Stands in for the function ``name``: answers the recorded calls, refuses others.

    The table is not an attribute (no ``__dict__``, a closure of ``_answer``): code
    that reads it instead of calling the replay needs the interpreter's internals
    (``__closure__``, ``gc``), which the grader's scan flags (autograder.scan)."""

    __slots__ = ("__name__", "_answer")

    def __init__(self, name, recorded):
        self.__name__ = name
        self._answer = _answerer(name, recorded.defaults, recorded.calls)

    def __call__(self, *args, **kwargs):
        return self._answer(args, kwargs)


def _answerer(name, defaults, table):
    position = [0]

    def matches(recorded, args, kwargs):
        names = list(recorded)
        if len(args) > len(names) or any(k not in recorded for k in kwargs):
            return False
        given = dict(zip(names, args))
        if any(k in given for k in kwargs):
            return False
        given.update(kwargs)
        for k in names:
            if k not in given and k not in defaults:
                return False
            if not _same(recorded[k], given.get(k, defaults.get(k))):
                return False
        return True

    def answer(args, kwargs):
        for offset in range(len(table)):  # usually the next one, in order
            index = (position[0] + offset) % len(table)
            recorded_args, output = table[index]
            if matches(recorded_args, args, kwargs):
                position[0] = index + 1
                return copy.deepcopy(output)
        raise Deviated(f"{name} was called with inputs the right answer never passes")

    return answer


@contextlib.contextmanager
def replaying(fn, calls):
    """Run with a :class:`Replay` in ``fn``'s globals in place of each function of
    ``calls``; the student's own functions are put back afterwards."""
    namespace = getattr(fn, "__globals__", None)
    if namespace is None or not calls:
        yield False
        return
    missing = object()
    saved = {name: namespace.get(name, missing) for name in calls}
    try:
        for name, recorded in calls.items():
            namespace[name] = Replay(name, recorded)
        yield True
    finally:
        for name, old in saved.items():
            if old is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = old


def credited(name, depends):
    """The verdict of a call that is right with the right ``depends`` replayed."""
    from . import messages
    from .compare import Verdict

    return Verdict(True, "by_reference", messages.right_with_reference(name, list(depends)))


def rerun(fn, args, calls, spec, expected, mistakes=()):
    """``fn`` on ``args`` with ``calls`` replayed, judged against ``expected`` and the
    known ``mistakes``: the (got, expected, mistakes, Verdict) that :func:`settle` takes,
    or None when there is nothing to replay."""
    from .compare import call, compare

    if not calls:
        return None
    with replaying(fn, calls) as replayed:
        if not replayed:
            return None
        value, failure = call(fn, copy.deepcopy(args), spec.in_place)
    return value, expected, mistakes, failure or compare(value, expected, spec.outputs, mistakes)


def settle(verdicts, retried, name, depends, outputs):
    """The verdicts of a function's calls, given its replayed runs.

    retried: [(index of the call, (got, expected, mistakes, Verdict) of its replayed
    run)]. A failing call that is right replayed is :func:`credited`; one whose
    replayed output is a named misconception (confirmed over the replayed runs, as
    lessonkit.compare.confirm_mistakes does) is told that mistake, and that the
    functions it calls are wrong too. Returns the new list."""
    from dataclasses import replace

    from . import messages
    from .compare import confirm_mistakes

    verdicts = list(verdicts)
    confirmed = confirm_mistakes([judged for _, judged in retried], outputs)
    for (k, _), v in zip(retried, confirmed):
        if verdicts[k].ok:
            continue
        if v.ok:
            verdicts[k] = credited(name, depends)
        elif v.kind == "mistake" and verdicts[k].kind != "mistake":
            verdicts[k] = replace(v, message=v.message + " " + messages.also_wrong(list(depends)))
    return verdicts
