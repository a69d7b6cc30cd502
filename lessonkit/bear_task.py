"""The bear task: does the network still know, at the end of the show, how it began?

Each show opens with a forest animal (a bear) or a home animal (a cat), then G
distractor events that appear in both kinds of show (trees, squirrels, noise),
then the ambiguous animal. The label is *wolf* after a bear and *dog* after a cat:
only the first event decides it, G + 1 steps before the question is asked.

Events use the story's four features (:mod:`lessonkit.story`). Nothing here is a
graded function of any lesson.
"""

import numpy as np

from .story import EVENTS

CLASSES = ("wolf", "dog")
"""Label 0 is wolf (the show opened with a bear), label 1 is dog (it opened with a cat)."""
FIRSTS = ("bear", "cat")
DISTRACTORS = ("tree", "squirrel", "noise")
LAST = "dog or wolf"

_FIRST = np.array([EVENTS[n] for n in FIRSTS])
_DISTRACTOR = np.array([EVENTS[n] for n in DISTRACTORS])
_LAST = np.array(EVENTS[LAST])


def make_batch(gap, batch, rng):
    """``batch`` shows with ``gap`` distractors each, half opening with a bear on average.

    Returns events (gap + 2, batch, 4) and labels (batch,) of integers (0 wolf, 1 dog).
    """
    labels = rng.integers(0, 2, size=batch)
    events = np.empty((gap + 2, batch, _FIRST.shape[1]))
    events[0] = _FIRST[labels]
    events[1:-1] = _DISTRACTOR[rng.integers(0, len(DISTRACTORS), size=(gap, batch))]
    events[-1] = _LAST
    return events, labels


def show_names(gap, first="bear", seed=0):
    """The event names of one show: ``first``, ``gap`` distractors drawn with ``seed``, the question."""
    if first not in FIRSTS:
        raise ValueError(f"first must be one of {FIRSTS}, got {first!r}")
    rng = np.random.default_rng(seed)
    middle = [DISTRACTORS[k] for k in rng.integers(0, len(DISTRACTORS), size=gap)]
    return [first, *middle, LAST]


def accuracy(predict, gaps, shows=200, seed=1):
    """Fraction of correct answers of ``predict(events) -> logits (B, 2)`` at each gap.

    The same fresh test shows (drawn with ``seed``) for every model; returns an array
    with one accuracy per gap.
    """
    result = []
    for gap in gaps:
        events, labels = make_batch(gap, shows, np.random.default_rng([seed, gap]))
        result.append(float(np.mean(np.argmax(predict(events), axis=-1) == labels)))
    return np.array(result)


class Pending:
    """Stands for a result that could not be computed because a function is missing.

    Using it in any way raises the original NotImplementedError again, so a plot or
    an explorer that needs the result says which function to implement first.
    """

    def __init__(self, error):
        self.error = error

    def _raise(self, *_args, **_kwargs):
        raise self.error

    __getitem__ = __getattr__ = __iter__ = __call__ = _raise


def attempt(fn, *args, needs=(), **kwargs):
    """``fn(*args, **kwargs)``, or a :class:`Pending` if a function it calls raises
    NotImplementedError (it prints which one: the first still to write of ``needs``,
    the lesson's functions ``fn`` uses in the lesson's order, if given)."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as error:
        from .widgets import first_missing, missing_function

        name = first_missing(needs, getattr(fn, "__globals__", {})) or missing_function(error)
        print(f"Not run yet: implement {name} above, run its cell, then run this one again.")
        return Pending(error)
