"""Build the visible checks' fixtures from the reference and the misconceptions.

    python -m autograder fixtures          # rewrite lessonkit/fixtures/*.npz

For each graded function and each visible case: the inputs, the reference output,
and the output of every misconception that differs from it there. Refuses to write
fixtures in which a misconception could not be told apart from the right answer or
from another misconception, since the student would then read the wrong name.
"""

import copy

import numpy as np

from lessonkit import fixtures as store
from lessonkit.compare import compare
from lessonkit.specs import SPECS
from lessonkit.values import flatten

from .graded import GRADED, rng_for


class AmbiguousFixtures(Exception):
    """The cases cannot tell some misconception apart; add or change a case."""


def _differs(a, b, outputs):
    return not compare(a, b, outputs).ok


def build(name):
    """The list of lessonkit Case for graded function ``name``."""
    graded, spec = GRADED[name], SPECS[name]
    cases, seen = [], set()
    for index, visible in enumerate(graded.cases):
        args = visible.build(rng_for(name, index))
        args.update(spec.extras)
        expected = graded.reference(**copy.deepcopy(args))
        found = []
        for m in graded.mistakes:
            value = m.output(args)
            if value is None or not _finite(value) or not _differs(value, expected, spec.outputs):
                continue
            for other, _, other_value in found:
                if not _differs(value, other_value, spec.outputs):
                    raise AmbiguousFixtures(f"{name}, case {index}: mistakes {other} and {m.name} "
                                            "give the same output")
            found.append((m.name, m.message, value))
            seen.add(m.name)
        cases.append(store.Case(visible.what, args, expected, found))
    missing = [m.name for m in graded.mistakes if m.name not in seen and not m.warns]
    if missing:
        raise AmbiguousFixtures(f"{name}: no visible case tells apart {', '.join(missing)}")
    return cases


def _finite(value):
    try:
        return all(np.all(np.isfinite(np.asarray(p, dtype=np.float64))) for p in flatten(value))
    except (TypeError, ValueError):
        return False


def write_all(directory=store.FIXTURE_DIR, names=None):
    """Write the fixtures of ``names`` (default: every graded function); return the names."""
    names = names or list(GRADED)
    unknown = [n for n in names if n not in GRADED]
    if unknown:
        raise SystemExit(f"not graded functions: {', '.join(unknown)}; known: {', '.join(GRADED)}")
    for name in names:
        store.save(directory / f"{name}.npz", build(name))
    return names
