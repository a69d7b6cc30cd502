"""What each graded function takes and returns, and how to draw inputs for it.

Shapes are written as letters: B batch, H hidden, X inputs, T time steps, Z = H + X
(the joined [stm, event]). A spec holds no answers: the visible checks use stored
fixtures, the hidden tests and the grader draw fresh inputs from these specs.
"""

from dataclasses import dataclass, field

import numpy as np

from ..testfunctions import FUNCTIONS


@dataclass(frozen=True)
class Arg:
    """One argument: its name, shape letters and the kind of values it holds.

    kinds: ``normal`` (standard normal), ``weight`` (uniform ±1.5/sqrt(H)), ``wide``
    (spanning ±1000, for functions that must not overflow), ``factor`` (in (0, 1)),
    ``positive`` (in (0.1, 3)), ``lstm_params`` / ``lstm_params_standard`` /
    ``gru_params`` (dicts of weights), ``function`` (one of
    :data:`lessonkit.testfunctions.FUNCTIONS`; shape is ignored).
    """

    name: str
    shape: str = ""
    kind: str = "normal"


@dataclass(frozen=True)
class Spec:
    name: str
    args: tuple
    outputs: tuple = ("output",)
    depends: tuple = ()
    """Graded functions this one usually calls, checked first when it fails."""
    extras: dict = field(default_factory=dict)
    """Fixed keyword arguments passed on every call."""
    variants: tuple = ({},)
    """Keyword sets that hidden tests and the grader try in turn, e.g. both LSTM variants."""

    def shape_of(self, letters, sizes):
        return tuple(sizes["H"] + sizes["X"] if c == "Z" else sizes[c] for c in letters)


def _lstm_params(rng, H, X, lesson=True):
    k = 1.0 / np.sqrt(H)
    keys = [p + g for g in "nifv" for p in ("W_", "b_")] + (["W_u", "b_u"] if lesson else [])
    shapes = {"W": (H + X, H), "b": (H,), "W_u": (H, H)}
    return {key: rng.uniform(-k, k, size=shapes["W_u" if key == "W_u" else key[0]]) for key in keys}


def _gru_params(rng, H, X):
    k = 1.0 / np.sqrt(H)
    params = {}
    for g in "rzn":
        params["W_" + g] = rng.uniform(-k, k, size=(H + X, H))
        params["b_" + g] = rng.uniform(-k, k, size=(H,))
    params["b_hn"] = rng.uniform(-k, k, size=(H,))
    return params


def draw_arg(arg, shape, rng, sizes):
    """One argument's value, drawn with ``rng``."""
    if arg.kind == "lstm_params":
        return _lstm_params(rng, sizes["H"], sizes["X"])
    if arg.kind == "lstm_params_standard":
        return _lstm_params(rng, sizes["H"], sizes["X"], lesson=False)
    if arg.kind == "gru_params":
        return _gru_params(rng, sizes["H"], sizes["X"])
    if arg.kind == "weight":
        k = 1.5 / np.sqrt(sizes["H"])
        return rng.uniform(-k, k, size=shape)
    if arg.kind == "wide":
        return rng.choice([-1.0, 1.0], size=shape) * 10.0 ** rng.uniform(-3, 3, size=shape)
    if arg.kind == "factor":
        return rng.uniform(0.05, 0.95, size=shape)
    if arg.kind == "positive":
        return float(rng.uniform(0.1, 3.0)) if shape == () else rng.uniform(0.1, 3.0, size=shape)
    if arg.kind == "function":
        return FUNCTIONS[sorted(FUNCTIONS)[int(rng.integers(len(FUNCTIONS)))]]
    if arg.kind == "normal":
        return rng.normal(size=shape)
    raise ValueError(f"unknown kind {arg.kind!r}")


def draw(spec, sizes, rng):
    """Keyword arguments for ``spec``'s function at ``sizes`` (dict of B, H, X, T)."""
    args = {a.name: draw_arg(a, spec.shape_of(a.shape, sizes), rng, sizes) for a in spec.args}
    args.update(spec.extras)
    return args


ODD_SIZES = (
    {"B": 1, "H": 3, "X": 5, "T": 1},   # batch of one, one time step, hidden < inputs
    {"B": 4, "H": 6, "X": 1, "T": 2},   # one input feature, hidden > inputs
    {"B": 2, "H": 1, "X": 2, "T": 7},   # one hidden unit, longer sequence
)
"""Sizes a hard-coded or shape-confused answer gets wrong, used by hidden tests."""


def random_sizes(rng):
    return {"B": int(rng.integers(2, 6)), "H": int(rng.integers(2, 8)),
            "X": int(rng.integers(2, 8)), "T": int(rng.integers(2, 9))}


SPECS = {}
"""Every graded function's spec by name, filled by the lesson modules below."""


def register(spec):
    SPECS[spec.name] = spec
    return spec


def _load_lessons():
    """Import every ``lessonNN`` module here; each registers its lesson's specs."""
    import importlib
    import pkgutil

    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("lesson")):
        importlib.import_module(f"{__name__}.{module}")


_load_lessons()

