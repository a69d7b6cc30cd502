"""Lesson 10's text: scripts of the nature show, from a small grammar, and the saved writers.

Every script opens with a scene that sets the show, ``in the forest .`` or ``in the
home .``, and goes on one line at a time, four words a line. A *filler* line
(``a squirrel runs .``, ``a bird sings .``) fits either show. An *animal* line names one
of the show's own animals: ``the bear sleeps .`` or ``the wolf eats .`` in a forest
show, ``the cat ...`` or ``the dog ...`` in a home show. A training script has ``G``
filler lines (the *gap*) before its first animal line, so a writer that wants to name
the right animal there must have kept the first scene for ``4 G + 1`` words.

Words are numbered by their place in :data:`VOCAB`; a script is an int array of word
ids. This module holds no answer to a graded function: the lesson's ``one_hot`` and
``sample`` are passed in where they are needed (:func:`write`).
"""

from pathlib import Path

import numpy as np

VOCAB = (".", "in", "the", "forest", "home", "a", "squirrel", "bird",
         "bear", "wolf", "cat", "dog", "runs", "sleeps", "eats", "sings")
"""The writer's words; a word's id is its index here."""
WORD_ID = {w: k for k, w in enumerate(VOCAB)}
SHOWS = ("forest", "home")
ANIMALS = {"forest": ("bear", "wolf"), "home": ("cat", "dog")}
"""The animals of each show; an animal line names one of them."""
FILLERS = ("squirrel", "bird")
"""Subjects of filler lines: they live in both shows, so they say nothing about the show."""
VERBS = ("runs", "sleeps", "eats", "sings")
WORDS_PER_LINE = 4
ANIMAL_LINE_RATE = 0.3
"""After the first animal line, the chance that a line is an animal line."""

DATA = Path(__file__).parent / "data" / "writers.npz"


def ids(words):
    """Word ids (int array) of a text (a string of words separated by spaces) or a list of words."""
    words = words.split() if isinstance(words, str) else list(words)
    try:
        return np.array([WORD_ID[w] for w in words], dtype=np.int64)
    except KeyError as exc:
        raise ValueError(f"unknown word {exc.args[0]!r}; the writer knows: {' '.join(VOCAB)}") from None


def words(token_ids):
    """The words of a sequence of ids, as a list."""
    return [VOCAB[int(k)] for k in np.asarray(token_ids).ravel()]


def text(token_ids):
    """A script as readable text: one line per line of the show."""
    out, line = [], []
    for w in words(token_ids):
        line.append(w)
        if w == ".":
            out.append(" ".join(line))
            line = []
    if line:
        out.append(" ".join(line))
    return "\n".join(out)


def opening(show):
    return ["in", "the", show, "."]


def filler_line(rng):
    return ["a", FILLERS[int(rng.integers(len(FILLERS)))], VERBS[int(rng.integers(len(VERBS)))], "."]


def animal_line(show, rng):
    animals = ANIMALS[show]
    return ["the", animals[int(rng.integers(len(animals)))], VERBS[int(rng.integers(len(VERBS)))], "."]


def script(show, gap, lines, rng):
    """One script as a list of words: the opening, ``gap`` filler lines, an animal line,
    then random lines (animal lines at :data:`ANIMAL_LINE_RATE`) up to ``lines`` lines
    after the opening."""
    out = opening(show)
    for k in range(lines):
        if k < gap:
            out += filler_line(rng)
        elif k == gap or rng.random() < ANIMAL_LINE_RATE:
            out += animal_line(show, rng)
        else:
            out += filler_line(rng)
    return out


def make_scripts(batch, max_gap, rng, lines=None):
    """A batch of training scripts: word ids (T, B), time first as in every lesson.

    Each script draws its show (forest or home, evenly) and its gap (0 to ``max_gap``
    filler lines before the first animal line); all have ``lines`` lines after the
    opening (default ``max_gap + 2``), so T = 4 (lines + 1)."""
    lines = max_gap + 2 if lines is None else lines
    columns = []
    for _ in range(batch):
        show = SHOWS[int(rng.integers(2))]
        columns.append(ids(script(show, int(rng.integers(0, max_gap + 1)), lines, rng)))
    return np.stack(columns, axis=1)


def prompt(show, gap, rng):
    """The words a writer reads before it names an animal ``gap`` lines after the opening:
    the opening, ``gap`` filler lines and ``the``."""
    out = opening(show)
    for _ in range(gap):
        out += filler_line(rng)
    return out + ["the"]


def animal_probabilities(probs, show):
    """Of the probability a writer gives to the four animals (``probs`` (..., V)), the share
    on the right show's animals: P(right animal | some animal)."""
    right = sum(probs[..., WORD_ID[a]] for a in ANIMALS[show])
    other = sum(probs[..., WORD_ID[a]] for s in SHOWS if s != show for a in ANIMALS[s])
    return right / (right + other)


def consistency(next_probs, gaps, prompts=100, seed=1):
    """How often a writer names an animal of the right show, ``gap`` lines after the opening.

    next_probs(ids (T, B)) -> the writer's probabilities for the word after the last one, (B, V).
    For each gap, ``prompts`` prompts (half forest, half home, random fillers) end in ``the``;
    the score is the average share the writer gives to the right show's animals among the
    four animals: 1 always right, 0.5 a coin. Returns an array, one score per gap."""
    rng = np.random.default_rng(seed)
    scores = []
    for gap in gaps:
        shows = [SHOWS[k % 2] for k in range(prompts)]
        batch = np.stack([ids(prompt(show, gap, rng)) for show in shows], axis=1)
        probs = next_probs(batch)
        scores.append(float(np.mean([animal_probabilities(probs[b], show) for b, show in enumerate(shows)])))
    return np.array(scores)


def first_animal(token_ids):
    """(show, first animal, its line) of a script written from the opening, or None for
    either when the script has no opening or no animal."""
    w = words(token_ids)
    show = w[2] if len(w) > 2 and w[2] in SHOWS else None
    for k, word in enumerate(w[4:], start=4):
        if any(word in a for a in ANIMALS.values()):
            return show, word, (k - 4) // WORDS_PER_LINE + 1
    return show, None, None


def load_writers(path=DATA):
    """The saved writers (written by ``python -m autograder.make_writers``): a dict with
    "lstm" and "rnn" (each a dict of parameters: the cell's plus W_out, b_out), "info" (how
    they were trained) and "curves" (each one's loss at every step, ``<kind>_loss``, and its
    consistency at ``info["gaps"]`` every ``info["eval_every"]`` steps, ``<kind>_consistency``)."""
    with np.load(path, allow_pickle=False) as data:
        data = dict(data)
    out = {}
    for key, value in data.items():
        kind, _, name = key.partition("/")
        out.setdefault(kind, {})[name] = value.item() if value.ndim == 0 else value
    return out
