"""What a graded function takes and returns, and how hidden tests draw inputs for it.

A spec is declared once, beside the graded function's cases and misconceptions, in
``autograder/graded/lessonNN.py``; ``python -m autograder sync`` stores it with the
function's stored cases (``lessonkit/data/cases/<fn>.npz``), where the student-side
hidden check reads it. A spec holds no answers.

Shapes are written as letters: B batch, H hidden, X inputs, T time steps, K classes
(the scores of a head), Z = H + X (the joined [stm, event]), G = 4H (PyTorch's four LSTM
gate blocks, stacked).
"""

from dataclasses import asdict, dataclass

import numpy as np

from .testfunctions import FUNCTIONS

KINDS = ("normal", "weight", "wide", "factor", "positive", "lstm_params", "lstm_params_standard",
         "gru_params", "function", "label", "bound", "classes", "uniform", "logits", "temperature")


@dataclass(frozen=True)
class Arg:
    """One argument: its name, shape letters and the kind of values it holds.

    kinds: ``normal`` (standard normal), ``weight`` (uniform ±1.5/sqrt(H)), ``wide``
    (spanning ±1000, for functions that must not overflow: magnitudes from 1e-3 to 1e3,
    and every array holds one entry above +750 and one below -750, where np.exp of it,
    or of minus it, overflows), ``factor`` (in (0, 1)),
    ``positive`` (in (0.1, 3)), ``lstm_params`` / ``lstm_params_standard`` /
    ``gru_params`` (dicts of weights from :mod:`solutions.params`' initialisers),
    ``function`` (one of :data:`lessonkit.testfunctions.FUNCTIONS`; no shape),
    ``label`` (integers in [0, K), e.g. the right class of each row), ``bound`` (a
    positive float set against the global norm of the arguments drawn before it, the
    square root of the sum of the squares of all their entries: below that norm in
    some hidden calls and above it in the others, so that a threshold on the norm, as
    in clipping, is always seen from both sides; no shape), ``classes`` (the int K, e.g. a
    vocabulary's size; no shape), ``uniform`` (in [0, 1), e.g. the random numbers a
    sampler is handed), ``logits`` (scores of scale 2, about half of the rows shifted by
    ±3000 to ±10000, which a softmax must survive without overflow), ``temperature`` (a
    positive float, below 1 in some hidden calls and above 1 in the others; no shape).
    """

    name: str
    shape: str = ""
    kind: str = "normal"

    @classmethod
    def parse(cls, name, text):
        """``Arg`` from a declaration such as ``"ZH weight"``, ``"BH"`` or ``"lstm_params"``:
        upper-case letters are the shape, a lower-case word the kind."""
        shape, kind = "", "normal"
        for word in text.split():
            if word.isupper():
                shape = word
            elif word in KINDS:
                kind = word
            else:
                raise ValueError(f"argument {name}: {word!r} is neither shape letters nor one of {KINDS}")
        return cls(name, shape, kind)


@dataclass(frozen=True)
class Spec:
    name: str
    args: tuple
    outputs: tuple = ("output",)
    """Names of the items of a tuple output, e.g. ("ltm", "stm"), used in messages."""
    depends: tuple = ()
    """Graded functions this one calls (in its lesson), checked first when it fails."""
    variants: tuple = ({},)
    """Keyword sets that hidden tests and the grader try in turn, e.g. both LSTM variants."""
    in_place: tuple = ()
    """Named in-place misconceptions: (argument, slug, message) for a function that changes
    that argument instead of returning a new array."""

    def shape_of(self, letters, sizes):
        return tuple(sizes["H"] + sizes["X"] if c == "Z" else 4 * sizes["H"] if c == "G" else sizes[c]
                     for c in letters)

    def to_json(self):
        return asdict(self)

    @classmethod
    def from_json(cls, data):
        return cls(data["name"], tuple(Arg(**a) for a in data["args"]), tuple(data["outputs"]),
                   tuple(data["depends"]), tuple(data["variants"]),
                   tuple(tuple(m) for m in data.get("in_place", ())))


def global_norm(values):
    """The square root of the sum of the squares of every entry of ``values`` (arrays,
    dicts of arrays or floats)."""
    total = 0.0
    for v in values:
        for part in (v.values() if isinstance(v, dict) else [v]):
            total += float(np.sum(np.square(part)))
    return float(np.sqrt(total))


BOUND_FACTORS = {"below": (0.3, 0.8), "above": (1.25, 3.0)}
"""A ``bound`` argument is the global norm of the arguments before it times a factor from
one of these ranges: "below" (the norm is above the bound) or "above" (it is below)."""


TEMPERATURES = {"below": (0.25, 0.9), "above": (1.2, 3.0)}
"""A ``temperature`` argument is drawn from one of these ranges, alternately (see :func:`hidden_inputs`)."""


def draw_arg(arg, shape, rng, sizes):
    """One argument's value, drawn with ``rng`` (a ``bound`` is set by :func:`draw`)."""
    if arg.kind in ("lstm_params", "lstm_params_standard", "gru_params"):
        # solutions' own initialisers, handed this generator (default_rng returns it as is)
        from solutions.params import init_gru_params, init_params

        if arg.kind == "gru_params":
            return init_gru_params(sizes["H"], sizes["X"], seed=rng)
        variant = "standard" if arg.kind == "lstm_params_standard" else "lesson"
        return init_params(sizes["H"], sizes["X"], variant=variant, seed=rng)
    if arg.kind == "weight":
        k = 1.5 / np.sqrt(sizes["H"])
        return rng.uniform(-k, k, size=shape)
    if arg.kind == "wide":
        values = rng.choice([-1.0, 1.0], size=shape) * 10.0 ** rng.uniform(-3, 3, size=shape)
        flat = values.reshape(-1)                    # a view: sets entries of values
        where = rng.permutation(flat.size)[:2]
        flat[where] = np.array([1.0, -1.0])[:len(where)] * rng.uniform(750, 1000, size=len(where))
        return values
    if arg.kind == "factor":
        return rng.uniform(0.05, 0.95, size=shape)
    if arg.kind == "positive":
        return float(rng.uniform(0.1, 3.0)) if shape == () else rng.uniform(0.1, 3.0, size=shape)
    if arg.kind == "function":
        return FUNCTIONS[sorted(FUNCTIONS)[int(rng.integers(len(FUNCTIONS)))]]
    if arg.kind == "label":
        return rng.integers(0, sizes["K"], size=shape)
    if arg.kind == "classes":
        # a vocabulary larger than the labels drawn: its last ids may be missing from a
        # batch, so a length taken from the data (labels.max() + 1) is seen to be wrong
        return int(sizes["K"]) + 1 + int(rng.integers(0, 3))
    if arg.kind == "uniform":
        return rng.uniform(0.0, 1.0, size=shape)
    if arg.kind == "logits":
        shift = rng.choice([-1.0, 1.0], size=shape[:-1] + (1,)) * rng.uniform(3000, 10000, size=shape[:-1] + (1,))
        return 2.0 * rng.normal(size=shape) + np.where(rng.random(size=shape[:-1] + (1,)) < 0.5, shift, 0.0)
    if arg.kind == "normal":
        return rng.normal(size=shape)
    raise ValueError(f"unknown kind {arg.kind!r}")


def draw(spec, sizes, rng, side="below"):
    """Keyword arguments for ``spec``'s function at ``sizes`` (dict of B, H, X, T, K);
    ``side`` ("below" or "above") places each ``bound`` argument against the norm."""
    args = {}
    for a in spec.args:
        if a.kind == "bound":
            low, high = BOUND_FACTORS[side]
            args[a.name] = global_norm(args.values()) * float(rng.uniform(low, high))
        elif a.kind == "temperature":
            args[a.name] = float(rng.uniform(*TEMPERATURES[side]))
        else:
            args[a.name] = draw_arg(a, spec.shape_of(a.shape, sizes), rng, sizes)
    return args


ODD_SIZES = (
    {"B": 1, "H": 3, "X": 5, "T": 1, "K": 3},   # batch of one, one time step, hidden < inputs
    {"B": 4, "H": 6, "X": 1, "T": 2, "K": 2},   # one input feature, hidden > inputs
    {"B": 2, "H": 1, "X": 2, "T": 7, "K": 5},   # one hidden unit, longer sequence
)
"""Sizes a hard-coded or shape-confused answer gets wrong, used by hidden tests."""


def random_sizes(rng):
    return {"B": int(rng.integers(2, 6)), "H": int(rng.integers(2, 8)),
            "X": int(rng.integers(2, 8)), "T": int(rng.integers(2, 9)), "K": int(rng.integers(2, 7))}


DRAW_ROWS = 8
"""A function given random numbers per row (a ``uniform`` argument: lesson 10's sample)
returns one discrete draw per row, which a wrong distribution still matches on many
rows: its random sizes get this many times the rows. With 2-5 rows, each of sample's
named misconceptions passed a hidden test once in 150-650; with 8 times as many, none
did in 20,000."""


def hidden_inputs(spec, rng, trials=3):
    """[(what, kwargs)] of a hidden test: ``trials`` random sizes and the odd ones, for
    every variant. The one generator behind the notebook's hidden check (stock nbgrader)
    and the course's grader. A ``bound`` argument alternates between below and above the
    norm it is set against, so each variant sees both sides (three calls each)."""
    draws = any(a.kind == "uniform" for a in spec.args)
    inputs = []
    for variant in spec.variants:
        randoms = [random_sizes(rng) for _ in range(trials)]
        if draws:
            for sizes in randoms:
                sizes["B"] *= DRAW_ROWS
        for index, sizes in enumerate(randoms + list(ODD_SIZES)):
            side = ("below", "above")[index % 2]
            what = ", ".join([f"{k} {v}" for k, v in sizes.items()] + [f"{k}={v!r}" for k, v in variant.items()])
            what += "".join(f", norm {'above' if side == 'below' else 'below'} {a.name}"
                            for a in spec.args if a.kind == "bound")
            inputs.append((what, {**draw(spec, sizes, rng, side), **variant}))
    return inputs
