"""Bring every generated file up to date: ``python -m autograder sync [NN_name ...]``.

For the named lessons (default: all), it
1. builds each graded function's stored cases and spec (``lessonkit/data/cases/<fn>.npz``)
   from the reference and the lesson module, rewriting a file only when its content
   really changed (values within :data:`lessonkit.stored.ULPS` of the stored ones count
   as unchanged, so another CPU's rounding leaves the repository clean);
2. strips outputs from the masters and regenerates the student versions in
   ``lessons/`` (and the index, ``00_index``) with nbgrader.

On a clean checkout it changes nothing. It refuses stored cases in which a
misconception cannot be told apart from the right answer or from another
misconception, since the student would then read the wrong name.
"""

import copy

import numpy as np

from lessonkit import stored
from lessonkit.compare import call, compare
from lessonkit.values import flatten

from .graded import GRADED, rng_for
from .release import lesson_names, release

INDEX = "00_index"


class AmbiguousCases(Exception):
    """The visible cases cannot tell some misconception apart; add or change a case."""


def _differs(a, b, outputs):
    """Told apart even at the looser float32 tolerance."""
    return not compare(a, b, outputs, loosest=True).ok


def _finite(value):
    try:
        return all(np.all(np.isfinite(np.asarray(p, dtype=np.float64))) for p in flatten(value))
    except (TypeError, ValueError):
        return False


def build(name):
    """The stored cases of graded function ``name``: a list of StoredCase."""
    graded = GRADED[name]
    outputs = graded.spec.outputs
    cases, seen = [], set()
    for index, visible in enumerate(graded.cases):
        args = graded.ordered(visible.build(rng_for(name, index)))
        expected, replays = graded.answer(args)
        found = []
        for m in graded.mistakes:
            if m.changes:
                _, failure = call(m.fn, copy.deepcopy(args))
                if failure and m.changes in failure.changed:
                    seen.add(m.name)
                continue
            value = m.output(args)
            if value is None or not _finite(value) or not _differs(value, expected, outputs):
                continue
            for other, _, other_value in found:
                if not _differs(value, other_value, outputs):
                    raise AmbiguousCases(f"{name}, case {index}: mistakes {other} and {m.name} "
                                         "give the same output")
            found.append((m.name, m.message, value))
            seen.add(m.name)
        cases.append(stored.StoredCase(visible.what, args, expected, found, replays))
    missing = [m.name for m in graded.mistakes if m.name not in seen and not m.warns]
    if missing:
        raise AmbiguousCases(f"{name}: no visible case tells apart {', '.join(missing)}")
    return cases


def functions_of(lessons):
    return [name for name, g in GRADED.items() if g.lesson in lessons]


def write_cases(lessons, directory=stored.CASES_DIR):
    """Write the stored cases of every graded function of ``lessons``; return the names
    of the files that changed."""
    directory.mkdir(parents=True, exist_ok=True)
    return [name for name in functions_of(lessons)
            if stored.save(directory / f"{name}.npz", build(name), GRADED[name].spec)]


def sync(lessons=None):
    """Update the stored cases and student versions of ``lessons`` (default: all);
    return the stored-case files that changed."""
    known = lesson_names()
    lessons = list(lessons or known)
    unknown = [name for name in lessons if name not in known]
    if unknown:
        raise SystemExit(f"no lesson {', '.join(unknown)}; lessons: {', '.join(known)}")
    changed = write_cases(lessons)
    release(sorted(set(lessons) | {INDEX}))
    return changed
