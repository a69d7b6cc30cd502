"""The comparison-and-diagnosis engine: one verdict on one output.

Shared by the visible checks in the lessons, the hidden tests and the grader, so a
student reads the same words wherever a mistake is found. A value is an array or a
tuple of arrays (for functions that return several, like ``lstm_cell``).
"""

import copy
import warnings
from dataclasses import dataclass

import numpy as np

from . import messages

TOLERANCES = {"float64": (1e-6, 1e-8), "float32": (1e-4, 1e-5)}
"""(rtol, atol) by the dtype of the returned array. float32 keeps about 7 digits, and
a sequence of steps loses a few more, so a correct float32 answer differs from the
float64 reference by up to ~1e-6; float16 and other small floats are judged as float32.
``python -m autograder sync`` checks that every named misconception stays apart from the
right answer and from the others at the float32 tolerance (the looser one)."""


@dataclass
class Verdict:
    """``ok`` and, when not ok, what went wrong in one message.

    kind is one of: ok, not_implemented, error, warning, changed_input, type, shape,
    nan, mistake (a named misconception, in ``mistake``), wrong.
    """

    ok: bool
    kind: str
    message: str = ""
    mistake: str | None = None
    changed: tuple = ()
    """For kind "changed_input": the arguments the function changed in place."""


OK = Verdict(True, "ok")


def call(fn, args, in_place=()):
    """Run ``fn`` on ``args`` (a dict in the order of the function's parameters, passed
    positionally, so a student's own parameter names do not matter); return
    (value, None) or (None, failing Verdict).

    Warnings count as failures: nbgrader scores a test cell that writes to stderr
    as 0, so a warning is worth knowing about before grading. So does changing an
    argument in place: the caller's arrays must be left as they were; ``in_place`` is
    the spec's named in-place misconceptions (see :func:`changed_input`).
    """
    name = getattr(fn, "__name__", "your function")
    before = copy.deepcopy(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = fn(*args.values())
        except NotImplementedError:
            return None, Verdict(False, "not_implemented", messages.not_implemented(name))
        except Exception as exc:  # noqa: BLE001 - any student error becomes a message
            return None, Verdict(False, "error", messages.raised(name, f"{type(exc).__name__}: {exc}"))
    for w in caught:
        return None, Verdict(False, "warning", messages.warned(name, f"{w.category.__name__}: {w.message}"))
    changed = changed_arguments(before, args)
    if changed:
        return None, changed_input(name, changed, in_place)
    return value, None


def changed_arguments(before, after):
    """Names of the arguments whose arrays differ between ``before`` and ``after``."""
    changed = []
    for key, old in before.items():
        new = after.get(key)
        olds, news = (old, new) if isinstance(old, dict) else ({"": old}, {"": new})
        if not isinstance(news, dict) or olds.keys() != news.keys():
            changed.append(key)
            continue
        for k, o in olds.items():
            if isinstance(o, (np.ndarray, list)) and not np.array_equal(np.asarray(o), np.asarray(news[k]),
                                                                        equal_nan=True):
                changed.append(key)
                break
    return tuple(changed)


def changed_input(name, changed, in_place=()):
    """The Verdict for a function that changed ``changed`` in place; ``in_place`` is the
    spec's named in-place misconceptions, (argument, slug, message)."""
    for argument, slug, message in in_place:
        if argument in changed:
            return Verdict(False, "changed_input", message, mistake=slug, changed=tuple(changed))
    return Verdict(False, "changed_input", messages.changed_input(name, changed), changed=tuple(changed))


class _Mismatch(Exception):
    """got does not have the structure of expected; the message says how."""


def _labelled(value, like, outputs, prefix=""):
    """[(label, part)] of ``value`` following the structure of ``like``.

    Tuples are labelled by ``outputs`` (("ltm", "stm")), dicts by their keys.
    """
    if isinstance(like, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(like):
            names = ", ".join(outputs) if len(outputs) == len(like) else f"{len(like)} values"
            raise _Mismatch(f"expected {len(like)} values ({names}) as a tuple, got {_kind(value)}")
        labels = outputs if len(outputs) == len(like) else [f"item {k}" for k in range(len(like))]
        return [pair for v, l, lab in zip(value, like, labels) for pair in _labelled(v, l, (), lab)]
    if isinstance(like, dict):
        if not isinstance(value, dict):
            raise _Mismatch(f"{_where(prefix)}: expected a dict with keys {', '.join(like)}, got {_kind(value)}")
        missing = [k for k in like if k not in value]
        if missing:
            raise _Mismatch(f"{_where(prefix)}: the dict you return lacks {', '.join(missing)}")
        return [(f"{prefix} {k}".strip(), value[k]) for k in like]
    return [(prefix, value)]


def _kind(value):
    return "None (did you forget to return?)" if value is None else type(value).__name__


def _where(label):
    return f"the {label} you return" if label else "the output"


def tolerance(part):
    """(rtol, atol) for a returned ``part``, by its dtype (see TOLERANCES)."""
    dtype = getattr(part, "dtype", None)
    small = dtype is not None and dtype.kind == "f" and dtype.itemsize < 8
    return TOLERANCES["float32" if small else "float64"]


def _close(a, b, tol=TOLERANCES["float64"]):
    return a.shape == b.shape and np.allclose(a, b, rtol=tol[0], atol=tol[1])


def _digits(a, b):
    """``a`` and ``b`` formatted with the fewest significant digits (6 or more) that show
    their difference."""
    for n in range(6, 18):
        x, y = f"{a:.{n}g}", f"{b:.{n}g}"
        if x != y:
            return x, y
    return f"{a!r}", f"{b!r}"


def _to_array(part):
    try:
        arr = np.asarray(part, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return arr


def compare(got, expected, outputs=("output",), mistakes=(), loosest=False):
    """Verdict for ``got`` against ``expected``.

    Values are arrays, tuples of values or dicts of arrays (see lessonkit.values).
    outputs names the items of a tuple value (("ltm", "stm")). mistakes is a sequence
    of (name, message, value): known wrong answers on the same inputs; the first one
    ``got`` matches names the misconception. Each returned array is judged at the
    tolerance of its dtype (``loosest``: at float32's, whatever its dtype).
    """
    try:
        exp_parts = _labelled(expected, expected, outputs)
        got_parts = _labelled(got, expected, outputs)
    except _Mismatch as exc:
        return _match_mistake(got, expected, outputs, mistakes) or Verdict(False, "type", str(exc))
    arrays, tols = [], []
    for label, part in got_parts:
        arr = _to_array(part)
        if part is None or arr is None:
            return Verdict(False, "type", f"{_where(label)}: expected an array, got {_kind(part)}")
        arrays.append(arr)
        tols.append(TOLERANCES["float32"] if loosest else tolerance(part))

    found = _match_mistake(got, expected, outputs, mistakes)
    if found:
        return found

    for (label, exp), arr, tol in zip(exp_parts, arrays, tols):
        exp = np.asarray(exp, dtype=np.float64)
        where = _where(label)
        if arr.shape != exp.shape:
            hint = " (transposed?)" if arr.shape == exp.shape[::-1] and arr.ndim > 1 else ""
            return Verdict(False, "shape", f"{where}: expected shape {exp.shape}, got {arr.shape}{hint}")
        bad = ~np.isfinite(arr) & np.isfinite(exp)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0]) if arr.ndim else ()
            return Verdict(False, "nan", f"{where}: {int(bad.sum())} entries are NaN or infinite "
                                         f"(first at index {idx}); expected finite numbers")
        if not np.allclose(arr, exp, rtol=tol[0], atol=tol[1]):
            with np.errstate(invalid="ignore"):  # inf - inf where both are inf
                diff = np.where(arr == exp, 0.0, np.abs(arr - exp))
            diff = np.nan_to_num(diff, nan=0.0, posinf=np.inf)
            idx = np.unravel_index(int(np.argmax(diff)), diff.shape) if arr.ndim else ()
            at = f" at index {tuple(int(i) for i in idx)}" if arr.ndim else ""
            shown_exp, shown_got = _digits(float(exp[idx]), float(arr[idx]))
            return Verdict(False, "wrong", f"{where}: values differ; the largest difference is{at}: "
                                           f"expected {shown_exp}, got {shown_got}")
    return OK


def _same(got, value, outputs):
    """Does ``got`` equal ``value`` in structure, shapes and values?"""
    try:
        a = _labelled(got, value, outputs)
    except _Mismatch:
        return False
    b = _labelled(value, value, outputs)
    for (_, x), (_, y) in zip(a, b):
        tol = tolerance(x)
        x = _to_array(x)
        if x is None or not _close(x, np.asarray(y, dtype=np.float64), tol):
            return False
    return True


def _match_mistake(got, expected, outputs, mistakes):
    """The Verdict of the first known mistake ``got`` matches, unless it is also right."""
    for name, message, value in mistakes:
        if _same(got, value, outputs) and not _same(got, expected, outputs):
            return Verdict(False, "mistake", message, mistake=name)
    return None


def confirm_mistakes(judged, outputs=("output",)):
    """Keep a named misconception only where it explains the function's failures.

    judged: [(got, expected, mistakes, Verdict)] for one function's cases. A verdict
    naming misconception M keeps it when the output matched M's value on every case
    where M's value is known (no case contradicts it) and on at least one case where no
    other misconception gives the same value (a degenerate case alone, such as one step
    or all ones, does not tell mistakes apart); otherwise it becomes the generic verdict
    that says where and how the values differ. Returns the list of Verdicts.
    """
    accepted = {}

    def explains(slug):
        if slug not in accepted:
            telling = False
            for got, _, mistakes, _ in judged:
                values = {name: value for name, _, value in mistakes}
                if slug not in values or got is None:  # a call that raised or warned tells nothing here
                    continue
                if not _same(got, values[slug], outputs):
                    accepted[slug] = False
                    return False
                others = [v for name, v in values.items() if name != slug]
                telling = telling or not any(_same(values[slug], v, outputs) for v in others)
            accepted[slug] = telling
        return accepted[slug]

    verdicts = []
    for got, expected, _, verdict in judged:
        if verdict.kind == "mistake" and not explains(verdict.mistake):
            verdict = compare(got, expected, outputs)
        verdicts.append(verdict)
    return verdicts
