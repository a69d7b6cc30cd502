"""What is graded: each graded function's reference, visible cases and misconceptions.

One module per lesson registers, for each graded function:
- its reference, from :mod:`solutions`;
- the visible cases (``@case``): one line saying what the case checks, and a
  builder of its inputs from a seeded generator; the fixtures store their outputs;
- the named misconceptions (``@mistake``): a wrong implementation with the graded
  function's own name and signature, and the message a student reads when their
  output matches it. Each body uses only numpy (``np``) and graded functions of
  earlier cells, so that a test can plant its source text in a copy of the master.
  In the lesson module those earlier functions are the references.
"""

import copy
import inspect
import textwrap
import warnings
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Mistake:
    name: str
    message: str
    fn: object
    warns: bool = False
    """Found by the warning it prints rather than by its output (e.g. exp overflow)."""

    def output(self, args):
        """This mistake's answer on ``args`` (a copy is used), or None where it fails."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return self.fn(**copy.deepcopy(args))
            except Exception:  # noqa: BLE001 - a wrong function may fail on some inputs
                return None

    def source(self):
        """The wrong function's source, without its decorator, ready to plant."""
        lines = textwrap.dedent(inspect.getsource(self.fn)).splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("def "))
        return "\n".join(lines[start:]) + "\n"


@dataclass
class VisibleCase:
    what: str
    build: object  # rng -> kwargs


@dataclass
class Graded:
    name: str
    reference: object
    lesson: str
    cases: list = field(default_factory=list)
    mistakes: list = field(default_factory=list)


GRADED = {}


def graded(reference, lesson):
    """Register ``reference`` (a function of :mod:`solutions`) as graded in ``lesson``."""
    GRADED[reference.__name__] = Graded(reference.__name__, reference, lesson)


def case(name, what):
    """Decorator: a visible case of ``name``; the function builds its kwargs from an rng."""
    def register(build):
        GRADED[name].cases.append(VisibleCase(what, build))
        return build
    return register


def mistake(name, slug, message, warns=False):
    """Decorator: a named misconception of graded function ``name``."""
    def register(fn):
        assert fn.__name__ == name, f"a mistake of {name} must be a function named {name}"
        GRADED[name].mistakes.append(Mistake(slug, message, fn, warns))
        # Keep the module-level name bound to the reference, as it is bound to the
        # student's right answer in a notebook, so later mistakes that call it get that.
        return GRADED[name].reference
    return register


def gate_weights(rng, H, X):
    """One gate's W (H + X, H) and b (H,), uniform in ±1.5/sqrt(H): a little wider
    than PyTorch's initialisation, so that mistakes show in the outputs."""
    k = 1.5 / np.sqrt(H)
    return rng.uniform(-k, k, size=(H + X, H)), rng.uniform(-k, k, size=H)


def rng_for(name, index):
    """The fixed generator of visible case ``index`` of ``name``."""
    return np.random.default_rng([index, *name.encode()])


def _load_lessons():
    """Import every ``lessonNN`` module here; each registers its graded functions."""
    import importlib
    import pkgutil

    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("lesson")):
        importlib.import_module(f"{__name__}.{module}")


_load_lessons()
