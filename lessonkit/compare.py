"""The comparison-and-diagnosis engine: one verdict on one output.

Shared by the visible checks in the lessons, the hidden tests and the grader, so a
student reads the same words wherever a mistake is found. A value is an array or a
tuple of arrays (for functions that return several, like ``lstm_cell``).
"""

import warnings
from dataclasses import dataclass

import numpy as np

from . import messages

RTOL = 1e-6
ATOL = 1e-8


@dataclass
class Verdict:
    """``ok`` and, when not ok, what went wrong in one message.

    kind is one of: ok, not_implemented, error, warning, type, shape, nan,
    mistake (a named misconception, in ``mistake``), wrong.
    """

    ok: bool
    kind: str
    message: str = ""
    mistake: str | None = None


OK = Verdict(True, "ok")


def call(fn, args):
    """Run ``fn(**args)``; return (value, None) or (None, failing Verdict).

    Warnings count as failures: nbgrader scores a test cell that writes to stderr
    as 0, so a warning is worth knowing about before grading.
    """
    name = getattr(fn, "__name__", "your function")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = fn(**args)
        except NotImplementedError:
            return None, Verdict(False, "not_implemented", messages.not_implemented(name))
        except Exception as exc:  # noqa: BLE001 - any student error becomes a message
            return None, Verdict(False, "error", messages.raised(name, f"{type(exc).__name__}: {exc}"))
    for w in caught:
        return None, Verdict(False, "warning", messages.warned(name, f"{w.category.__name__}: {w.message}"))
    return value, None


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


def _close(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=RTOL, atol=ATOL)


def _to_array(part):
    try:
        arr = np.asarray(part, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return arr


def compare(got, expected, outputs=("output",), mistakes=()):
    """Verdict for ``got`` against ``expected``.

    Values are arrays, tuples of values or dicts of arrays (see lessonkit.values).
    outputs names the items of a tuple value (("ltm", "stm")). mistakes is a sequence
    of (name, message, value): known wrong answers on the same inputs; the first one
    ``got`` matches names the misconception.
    """
    try:
        exp_parts = _labelled(expected, expected, outputs)
        got_parts = _labelled(got, expected, outputs)
    except _Mismatch as exc:
        return _match_mistake(got, expected, outputs, mistakes) or Verdict(False, "type", str(exc))
    arrays = []
    for label, part in got_parts:
        arr = _to_array(part)
        if part is None or arr is None:
            return Verdict(False, "type", f"{_where(label)}: expected an array, got {_kind(part)}")
        arrays.append(arr)

    found = _match_mistake(got, expected, outputs, mistakes)
    if found:
        return found

    for (label, exp), arr in zip(exp_parts, arrays):
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
        if not np.allclose(arr, exp, rtol=RTOL, atol=ATOL):
            with np.errstate(invalid="ignore"):  # inf - inf where both are inf
                diff = np.where(arr == exp, 0.0, np.abs(arr - exp))
            diff = np.nan_to_num(diff, nan=0.0, posinf=np.inf)
            idx = np.unravel_index(int(np.argmax(diff)), diff.shape) if arr.ndim else ()
            at = f" at index {tuple(int(i) for i in idx)}" if arr.ndim else ""
            return Verdict(False, "wrong", f"{where}: values differ; the largest difference is{at}: "
                                           f"expected {exp[idx]:.6g}, got {arr[idx]:.6g}")
    return OK


def _same(got, value, outputs):
    """Does ``got`` equal ``value`` in structure, shapes and values?"""
    try:
        a = _labelled(got, value, outputs)
    except _Mismatch:
        return False
    b = _labelled(value, value, outputs)
    for (_, x), (_, y) in zip(a, b):
        x = _to_array(x)
        if x is None or not _close(x, np.asarray(y, dtype=np.float64)):
            return False
    return True


def _match_mistake(got, expected, outputs, mistakes):
    """The Verdict of the first known mistake ``got`` matches, unless it is also right."""
    for name, message, value in mistakes:
        if _same(got, value, outputs) and not _same(got, expected, outputs):
            return Verdict(False, "mistake", message, mistake=name)
    return None
