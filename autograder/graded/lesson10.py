"""Lesson 10, a model that writes: one_hot, sample."""

import numpy as np

import solutions
from lessonkit.writing import VOCAB, ids

from . import case, graded, mistake

LESSON = "10_writing"
K_WORDS = len(VOCAB)


# --- one_hot ---------------------------------------------------------------------------

graded(solutions.one_hot, LESSON, takes=("TB label", "classes"))

@case("3 words of 2 scripts, a vocabulary of 5: shape (3, 2, 5), one 1 per word, at its id")
def _(rng):
    return dict(tokens=np.array([[0, 3], [4, 1], [2, 2]]), vocab_size=5)


@case("the opening 'in the forest .' as ids (1, 2, 3, 0) of the show's 16 words, batch of one")
def _(rng):
    return dict(tokens=ids("in the forest .")[:, None], vocab_size=K_WORDS)


@case("random ids of 4 scripts of 6 words, vocabulary 16: ids near 0 and near 15")
def _(rng):
    tokens = rng.integers(0, K_WORDS, size=(6, 4))
    tokens[0, 0], tokens[5, 3] = 0, K_WORDS - 1
    return dict(tokens=tokens, vocab_size=K_WORDS)


@case("T = B = vocabulary = 3: a wrongly ordered answer has the right shape here")
def _(rng):
    return dict(tokens=np.array([[0, 1, 1], [2, 0, 2], [1, 1, 0]]), vocab_size=3)


@case("one word (T = B = 1), id 2 of a vocabulary of 4 that the data does not use up")
def _(rng):
    return dict(tokens=np.array([[2]]), vocab_size=4)


@mistake("off_by_one",
         "Your 1s sit one place too early: ids count from 0 (word 0 is '.'), so the 1 of word k "
         "goes at index k, not k - 1. For example np.eye(vocab_size)[tokens].")
def one_hot(tokens, vocab_size):
    return np.eye(vocab_size)[tokens - 1]


@mistake("vocab_from_data",
         "Your vectors are only as long as the largest id in this batch (tokens.max() + 1). Every "
         "word's vector must have vocab_size entries, whichever words this batch happens to hold: "
         "the cell's weights expect exactly vocab_size inputs.")
def one_hot(tokens, vocab_size):
    return np.eye(tokens.max() + 1)[tokens]


@mistake("batch_first",
         "Your answer is (B, T, vocab_size): batch first. The course keeps time first, as the "
         "tokens come: the vector of tokens[t, b] goes at [t, b, :], shape tokens.shape + (vocab_size,).")
def one_hot(tokens, vocab_size):
    return np.eye(vocab_size)[tokens.T]


@mistake("vocab_first",
         "Your answer puts the vocabulary first, (vocab_size, T, B): you picked columns of the "
         "identity (np.eye(vocab_size)[:, tokens]). The one-hot vector is the last axis: "
         "np.eye(vocab_size)[tokens] has shape tokens.shape + (vocab_size,).")
def one_hot(tokens, vocab_size):
    return np.eye(vocab_size)[:, tokens]


# --- sample ----------------------------------------------------------------------------

graded(solutions.sample, LESSON, takes=("BK logits", "temperature", "B uniform"))

_PROBS = np.log([0.1, 0.2, 0.3, 0.4])
_BOUNDARIES_U = np.array([0.05, 0.15, 0.29, 0.31, 0.59, 0.61, 0.95, 0.12, 0.45, 0.75])


def _rows(rng, B=10, K=6, scale=2.0):
    return scale * rng.normal(size=(B, K)), rng.uniform(0, 1, size=B)


@case("temperature 1, 10 rows of 6 scores: the first word whose running sum of probabilities passes u")
def _(rng):
    logits, u = _rows(rng)
    return dict(logits=logits, temperature=1.0, u=u)


@case("known probabilities 0.1, 0.2, 0.3, 0.4 at temperature 1: u just below and just above each sum")
def _(rng):
    return dict(logits=np.tile(_PROBS, (len(_BOUNDARIES_U), 1)), temperature=1.0, u=_BOUNDARIES_U)


@case("temperature 0.5 sharpens: the likely words get likelier")
def _(rng):
    logits, u = _rows(rng)
    return dict(logits=logits, temperature=0.5, u=u)


@case("temperature 2.5 flattens: unlikely words are drawn more often")
def _(rng):
    logits, u = _rows(rng)
    return dict(logits=logits, temperature=2.5, u=u)


@case("the same probabilities 0.1 ... 0.4 at temperature 2: the sums move, so do the words")
def _(rng):
    return dict(logits=np.tile(_PROBS, (len(_BOUNDARIES_U), 1)), temperature=2.0, u=_BOUNDARIES_U)


@case("scores near +5000 and -5000 at temperature 0.7: the softmax must not overflow (lesson 08)")
def _(rng):
    logits, u = _rows(rng, B=8, K=5)
    logits[::2] += 5000.0
    logits[1::2] -= 5000.0
    return dict(logits=logits, temperature=0.7, u=u)


@mistake("temperature_after_softmax",
         "You divided the probabilities by the temperature, after the softmax, so they no longer "
         "sum to 1. The temperature divides the scores, before the softmax: "
         "p = softmax(logits / temperature).")
def sample(logits, temperature, u):
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    cdf = np.cumsum(e / e.sum(axis=-1, keepdims=True) / temperature, axis=-1)
    return np.minimum(np.sum(cdf <= u[:, None], axis=-1), logits.shape[-1] - 1)


@mistake("temperature_multiplies",
         "You multiplied the scores by the temperature. Divide them: softmax(logits / temperature), "
         "so that a temperature below 1 sharpens the distribution and one above 1 flattens it.")
def sample(logits, temperature, u):
    s = logits * temperature
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    cdf = np.cumsum(e / e.sum(axis=-1, keepdims=True), axis=-1)
    return np.minimum(np.sum(cdf <= u[:, None], axis=-1), logits.shape[-1] - 1)


@mistake("argmax",
         "You returned the most likely word (argmax) and never used u: that is greedy decoding, "
         "not sampling. Draw the word: the first k whose running sum of probabilities "
         "p_0 + ... + p_k is above u.")
def sample(logits, temperature, u):
    return np.argmax(logits / temperature, axis=-1)


@mistake("not_normalised",
         "Your running sums are of exp(scores) that were never divided by their total, so they "
         "are not probabilities and soon pass any u. Normalise first: p = e / e.sum(axis=-1, "
         "keepdims=True), then cumulative sums from 0 to 1.")
def sample(logits, temperature, u):
    cdf = np.cumsum(np.exp(logits / temperature), axis=-1)
    return np.minimum(np.sum(cdf <= u[:, None], axis=-1), logits.shape[-1] - 1)


@mistake("cumsum_flattened",
         "Your running sums run on from one row into the next: np.cumsum without axis flattens "
         "the whole batch. Sum along each row: np.cumsum(p, axis=-1).")
def sample(logits, temperature, u):
    s = logits / temperature
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    cdf = np.cumsum(e / e.sum(axis=-1, keepdims=True)).reshape(logits.shape)
    return np.minimum(np.sum(cdf <= u[:, None], axis=-1), logits.shape[-1] - 1)


@mistake("softmax_overflows",
         "exp(logits / temperature) overflows for scores above about 700 times the temperature, "
         "and numpy warns. Subtract each row's largest score first (lesson 08): the "
         "probabilities do not change, and the largest exponent becomes exp(0) = 1.", warns=True)
def sample(logits, temperature, u):
    e = np.exp(logits / temperature)
    cdf = np.cumsum(e / e.sum(axis=-1, keepdims=True), axis=-1)
    return np.minimum(np.sum(cdf <= u[:, None], axis=-1), logits.shape[-1] - 1)
