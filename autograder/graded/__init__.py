"""What is graded: one declaration per graded function, in its lesson's module.

A lesson module ``lessonNN.py`` declares each graded function once, in a section:

    graded(solutions.forget_gate, LESSON, takes=("BH", "BH", "BX", "ZH weight", "H weight"))

    @case("a batch of 3, hidden 4 and inputs 2: shape (3, 4) and values")
    def _(rng): ...          # the visible case's inputs, built from a seeded rng

    @mistake("tanh_for_sigmoid", "Your forget factor uses tanh where σ belongs. ...")
    def forget_gate(ltm, stm, event, W_f, b_f): ...   # a named misconception

- ``graded`` takes the reference from :mod:`solutions` and the argument shapes and
  kinds in the order of the reference's signature (:meth:`lessonkit.spec.Arg.parse`),
  whose parameter names the spec takes; the spec is stored beside the function's
  stored cases by ``python -m autograder sync``.
- ``@case`` and ``@mistake`` belong to the graded function declared last above them.
  A visible case says in one line what it checks; include isolation cases that zero
  every term but one.
- A misconception is a wrong implementation with the graded function's own name and
  signature, and the message a student reads when their output matches it. Its body
  uses only numpy (``np``) and graded functions of earlier cells, so that a test can
  plant its source text in a copy of the master; in the lesson module those earlier
  functions are the references.
"""

import copy
import inspect
import textwrap
import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from lessonkit.spec import Arg, Spec


@dataclass
class Mistake:
    name: str
    message: str
    fn: object
    warns: bool = False
    """Found by the warning it prints rather than by its output (e.g. exp overflow)."""
    changes: str | None = None
    """Found by the argument it changes in place (its output may be right)."""

    def output(self, args):
        """This mistake's answer on ``args`` (a copy is used), or None where it fails, and
        always None for a mistake recognised by the argument it changes: its output may
        equal another wrong answer (or the right one) and must not name it."""
        if self.changes:
            return None
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
class CaseBuilder:
    what: str
    build: object  # rng -> kwargs


@dataclass
class Graded:
    name: str
    reference: object
    lesson: str
    declared: Spec
    """The spec as ``graded`` declared it; :attr:`spec` adds the in-place misconceptions."""
    cases: list = field(default_factory=list)
    mistakes: list = field(default_factory=list)

    @property
    def spec(self):
        return replace(self.declared, in_place=tuple(
            (m.changes, m.name, m.message) for m in self.mistakes if m.changes))

    def answer(self, args):
        """(the reference's output on ``args``, its calls of the graded functions it
        builds on as ``{name: lessonkit.replay.Recorded}``) — see lessonkit.replay."""
        from lessonkit.replay import recording

        depends = self.declared.depends
        missing = [d for d in depends if d not in self.reference.__globals__]
        if missing:
            raise TypeError(f"the reference {self.name} does not call {', '.join(missing)} by name")
        with recording(self.reference, depends) as calls:
            expected = self.reference(**copy.deepcopy(args))
        silent = [d for d in depends if not calls[d].calls]
        if silent:
            raise TypeError(f"the reference {self.name} never called {', '.join(silent)} here: "
                            "write it in terms of the functions it depends on")
        return expected, calls

    def ordered(self, args):
        """``args`` in the order of the reference's parameters (calls are positional)."""
        names = list(inspect.signature(self.reference).parameters)
        extra = [k for k in args if k not in names]
        if extra:
            raise TypeError(f"{self.name} has no parameter {', '.join(extra)}")
        return {k: args[k] for k in names if k in args}


GRADED = {}
_current = []  # the graded function declared last: @case and @mistake belong to it


def graded(reference, lesson, takes, outputs=("output",), depends=(), variants=({},)):
    """Declare ``reference`` (a function of :mod:`solutions`) graded in ``lesson``.

    takes: one declaration per parameter of the reference, in its order: shape letters
    and/or a kind, e.g. ``"ZH weight"`` (see :class:`lessonkit.spec.Arg`). Parameters
    after these (with defaults, like ``variant``) are set by ``variants`` only.
    outputs: names of a tuple output's items; depends: graded functions it calls;
    variants: keyword sets the hidden tests try in turn.
    """
    names = list(inspect.signature(reference).parameters)
    if len(takes) > len(names):
        raise TypeError(f"{reference.__name__} takes {len(names)} arguments, {len(takes)} declared")
    spec = Spec(reference.__name__, tuple(Arg.parse(n, t) for n, t in zip(names, takes)),
                tuple(outputs), tuple(depends), tuple(variants))
    GRADED[reference.__name__] = entry = Graded(reference.__name__, reference, lesson, spec)
    _current[:] = [entry]
    return reference


def case(what):
    """Decorator: a visible case of the graded function declared last; the decorated
    function builds its kwargs from an rng."""
    def register(build):
        _current[0].cases.append(CaseBuilder(what, build))
        return build
    return register


def mistake(slug, message, warns=False, changes=None):
    """Decorator: a named misconception of the graded function declared last.

    warns: it is recognised by the warning it prints; changes: by the argument of that
    name it changes in place (its message is then stored in the spec)."""
    def register(fn):
        entry = _current[0]
        assert fn.__name__ == entry.name, f"a mistake of {entry.name} must be a function named {entry.name}"
        entry.mistakes.append(Mistake(slug, message, fn, warns, changes))
        # Keep the module-level name bound to the reference, as it is bound to the
        # student's right answer in a notebook, so later mistakes that call it get that.
        return entry.reference
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
