"""The course's story: a nature show, a bear long ago, trees and squirrels, and now
an animal that could be a dog or a wolf.

Each event is a vector of four features. Trees and squirrels appear in forest shows
and in home shows alike, so only the bear (or the cat) says which show this is.
"""

import numpy as np

FEATURES = ("forest", "home", "animal", "scenery")

EVENTS = {
    "bear":        (1.0, 0.0, 1.0, 0.0),
    "cat":         (0.0, 1.0, 1.0, 0.0),
    "tree":        (0.0, 0.0, 0.0, 1.0),
    "squirrel":    (0.0, 0.0, 1.0, 1.0),
    "noise":       (0.0, 0.0, 0.0, 0.0),
    "dog or wolf": (0.0, 0.0, 1.0, 0.0),
}

def encode(names):
    """Events (T, 1, X) for a list of event names: a batch of one show."""
    try:
        return np.array([[EVENTS[n]] for n in names], dtype=np.float64)
    except KeyError as exc:
        raise ValueError(f"unknown event {exc.args[0]!r}; known: {', '.join(EVENTS)}") from None


def story(gap=5, first="bear"):
    """The story with ``gap`` tree/squirrel events between ``first`` and the dog-or-wolf."""
    middle = [("tree", "squirrel")[k % 2] for k in range(gap)]
    return (first, *middle, "dog or wolf")


RNN_UNITS = ("forest vs home", "animal now")


def rnn_story_weights(w=0.6):
    """A hand-wired RNN (hidden 2) that reads the story; W (6, 2), b (2,).

    Unit 0 says "forest" (+) or "home" (−): a bear pushes it up, a cat down, and
    ``w`` is how strongly it feeds itself from one step to the next. Unit 1 lights
    up for any animal seen just now and barely feeds itself.
    """
    W = np.zeros((2 + len(FEATURES), 2))
    b = np.zeros(2)
    W[0, 0] = w                      # memory of the show -> itself
    W[2, 0], W[3, 0] = 2.0, -2.0     # forest and home clues
    W[1, 1] = 0.2                    # "animal now" barely remembers
    W[4, 1], b[1] = 2.0, -0.5        # any animal
    return W, b


LSTM_UNITS = ("forest vs home", "animal now")


def lstm_story_params(variant="lesson"):
    """A hand-wired LSTM (hidden 2, inputs 4) that reads the story; params dict.

    Unit 0 learns "forest" (+) or "home" (−) only when a bear or a cat appears
    (the ignore factor opens), and keeps it for a long time (forget factor ≈ 0.993),
    except that a new clue wipes the old one. Unit 1 learns "animal now" at every
    step and forgets it almost at once. W_u = 2 I for the lesson's use gate.
    """
    H, X = 2, len(FEATURES)
    W = {g: np.zeros((H + X, H)) for g in "nifv"}
    b = {g: np.zeros(H) for g in "nifv"}
    forest, home, animal = H + 0, H + 1, H + 2      # rows of [stm, event]
    W["n"][forest, 0], W["n"][home, 0] = 3.0, -3.0  # candidate: forest (+) or home (−)
    W["n"][animal, 1], b["n"][1] = 3.0, -1.0        # candidate: an animal now
    W["i"][forest, 0] = W["i"][home, 0] = 8.0       # learn unit 0 only on a clue
    b["i"][0], b["i"][1] = -4.0, 4.0
    W["f"][forest, 0] = W["f"][home, 0] = -10.0     # a new clue wipes the old one
    b["f"][0], b["f"][1] = 5.0, -2.0                # otherwise keep unit 0, drop unit 1
    b["v"][:] = 2.0                                 # show most of both
    params = {}
    for g in "nifv":
        params["W_" + g], params["b_" + g] = W[g], b[g]
    if variant == "lesson":
        params["W_u"], params["b_u"] = 2.0 * np.eye(H), np.zeros(H)
    return params
