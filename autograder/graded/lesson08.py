"""Lesson 08, LSTM against RNN: softmax, cross_entropy, clip_gradients, sgd_update."""

import numpy as np

import solutions

from . import case, graded, mistake

LESSON = "08_lstm_vs_rnn"

KEYS = ("W_n", "b_n", "W_i", "b_i", "W_f", "b_f", "W_v", "b_v")


def _arrays(rng, H, X, scale=1.0):
    """A dict shaped like the standard LSTM's params (or their gradients)."""
    return {k: scale * rng.normal(size=(H + X, H) if k[0] == "W" else (H,)) for k in KEYS}


def _norm(grads):
    return np.sqrt(sum(np.sum(g**2) for g in grads.values()))


# --- softmax -------------------------------------------------------------------------

graded(solutions.softmax, LESSON, takes=("BK wide",))

@case("3 shows, 4 classes: every row positive and summing to 1")
def _(rng):
    return dict(logits=2.0 * rng.normal(size=(3, 4)))


@case("scores near +1000 and -1000: no overflow (subtract each row's largest score first)")
def _(rng):
    return dict(logits=rng.normal(size=(3, 2)) + np.array([[1000.0], [-1000.0], [0.0]]))


@case("equal scores give 1/2 each, and adding the same number to a row changes nothing")
def _(rng):
    shift = rng.uniform(-5, 5, size=(4, 1))
    return dict(logits=np.array([[0.0, 0.0], [1.0, -1.0], [2.0, 0.0], [-3.0, 0.5]]) + shift)


@case("one show (B = 1), 5 classes: still one row of probabilities")
def _(rng):
    return dict(logits=rng.normal(size=(1, 5)))


@mistake("no_max_subtraction",
         "np.exp of a large score overflows (np.exp(1000.0) is inf, and inf / inf is nan). "
         "Subtract each row's largest score first, logits - logits.max(axis=-1, keepdims=True): "
         "the probabilities do not change.", warns=True)
def softmax(logits):
    e = np.exp(logits)
    return e / np.sum(e, axis=-1, keepdims=True)


@mistake("wrong_axis",
         "Your probabilities sum to 1 down each column, over the batch (axis 0). A row is one "
         "show and its scores are the classes: take the max and the sum along the last axis, "
         "axis=-1 with keepdims=True.")
def softmax(logits):
    e = np.exp(logits - np.max(logits, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


@mistake("whole_batch_sum",
         "You divided by the sum over the whole batch, so all rows together sum to 1. Each row "
         "is one show's probabilities: divide by the row's own sum, "
         "np.sum(e, axis=-1, keepdims=True).")
def softmax(logits):
    e = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
    return e / np.sum(e)


@mistake("not_normalised",
         "Your rows do not sum to 1: you returned the exps. Divide each row by its sum, "
         "e / np.sum(e, axis=-1, keepdims=True).")
def softmax(logits):
    return np.exp(logits - np.max(logits, axis=-1, keepdims=True))


# --- cross_entropy -------------------------------------------------------------------

graded(solutions.cross_entropy, LESSON, takes=("BK", "B label"), depends=("softmax",))

@case("positive scores, 3 shows, 4 classes: the log is of a probability, not of a score")
def _(rng):
    return dict(logits=rng.uniform(0.5, 3.0, size=(3, 4)), labels=np.array([2, 0, 3]))


@case("4 shows, 2 classes: the mean of -ln p of each show's right class")
def _(rng):
    # scores kept positive (a shift changes no probability), so a log of the scores does not warn
    return dict(logits=2.0 * rng.normal(size=(4, 2)) + 10.0, labels=np.array([0, 1, 1, 1]))


@case("all scores equal, 3 classes: every answer costs ln 3, the loss of guessing")
def _(rng):
    return dict(logits=np.full((5, 3), rng.uniform(1.0, 5.0)), labels=rng.integers(0, 3, size=5))


@case("sure and right (score +8 on the right class) costs almost nothing; sure and wrong costs about 8")
def _(rng):
    logits = np.zeros((3, 2))
    logits[[0, 1, 2], [0, 1, 1]] = 8.0
    return dict(logits=logits + rng.uniform(0.9, 1.1, size=(3, 2)), labels=np.array([0, 1, 0]))


@mistake("summed_not_mean",
         "Your loss grows with the batch: you summed -ln p over the shows. The loss is their "
         "mean, so that it does not depend on the batch size: -np.mean(...), or divide the "
         "sum by B.")
def cross_entropy(logits, labels):
    p = softmax(logits)
    return float(-np.sum(np.log(p[np.arange(len(labels)), labels])))


@mistake("every_label_column",
         "p[:, labels] takes, for every show, the column of every label in the batch (a B x B "
         "table), so you averaged over wrong answers too. Take one entry per row, the right "
         "class of that show: p[np.arange(B), labels].")
def cross_entropy(logits, labels):
    p = softmax(logits)
    return float(-np.mean(np.log(p[:, labels])))


@mistake("all_classes",
         "You averaged -ln p over every class of every show. Only the probability of the right "
         "class counts: pick p[np.arange(B), labels], then take -np.mean of its log.")
def cross_entropy(logits, labels):
    return float(-np.mean(np.log(softmax(logits))))


@mistake("log_of_logits",
         "You took the log of the scores. The loss is minus the log of a probability: "
         "p = softmax(logits) first, then -np.mean(np.log(p[np.arange(B), labels])).")
def cross_entropy(logits, labels):
    return float(-np.mean(np.log(logits[np.arange(len(labels)), labels])))


@mistake("no_minus",
         "Your loss is negative: ln p is at most 0, so the loss is minus its mean, "
         "-np.mean(np.log(p[np.arange(B), labels])).")
def cross_entropy(logits, labels):
    p = softmax(logits)
    return float(np.mean(np.log(p[np.arange(len(labels)), labels])))


# --- clip_gradients ----------------------------------------------------------------

graded(solutions.clip_gradients, LESSON, takes=("lstm_params", "bound"))

@case("a gradient far above max_norm = 1: every array scaled by the same factor")
def _(rng):
    return dict(grads=_arrays(rng, 4, 2), max_norm=1.0)


@case("a small gradient (global norm 0.5, below max_norm = 2) comes back unchanged")
def _(rng):
    grads = _arrays(rng, 3, 2)
    return dict(grads={k: 0.5 * g / _norm(grads) for k, g in grads.items()}, max_norm=2.0)


@case("only W_f is non-zero: it alone sets the norm, and only it changes")
def _(rng):
    grads = {k: np.zeros_like(g) for k, g in _arrays(rng, 3, 2).items()}
    grads["W_f"] = rng.normal(size=grads["W_f"].shape)
    return dict(grads=grads, max_norm=0.5)


@case("only W_f is above max_norm = 1.5 on its own: still one global factor for all")
def _(rng):
    grads = _arrays(rng, 2, 3)
    grads = {k: g / np.sqrt(np.sum(g**2)) for k, g in grads.items()}  # each array has norm 1
    W_f = grads["W_f"].copy()
    W_f[0, 0] = 0.0
    W_f = W_f / np.sqrt(np.sum(W_f**2))
    W_f[0, 0] = np.sqrt(3.0)            # W_f alone has norm 2, and one entry above 1.5
    grads["W_f"] = W_f
    return dict(grads=grads, max_norm=1.5)


@mistake("per_array_norm",
         "You clipped each array by its own norm. Clipping uses one global norm, the square root "
         "of the sum of squares over every entry of every array, and one factor for all arrays.")
def clip_gradients(grads, max_norm):
    clipped = {}
    for key, g in grads.items():
        norm = np.sqrt(np.sum(g**2))
        clipped[key] = g * max_norm / norm if norm > max_norm else g
    return clipped


@mistake("clip_by_value",
         "You clipped each entry to [-max_norm, max_norm]. That changes the gradient's direction; "
         "scale every array by max_norm / norm instead, where norm is the global norm.")
def clip_gradients(grads, max_norm):
    return {key: np.clip(g, -max_norm, max_norm) for key, g in grads.items()}


@mistake("squared_norm",
         "Your norm is the sum of squares without the square root. The global norm is "
         "np.sqrt of the sum of the squares of all entries.")
def clip_gradients(grads, max_norm):
    norm = sum(np.sum(g**2) for g in grads.values())
    return {key: g * max_norm / norm if norm > max_norm else g for key, g in grads.items()}


@mistake("unit_norm",
         "Your clipped gradients have norm 1, not max_norm: multiply by max_norm / norm, "
         "not just divide by the norm.")
def clip_gradients(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    return {key: g / norm if norm > max_norm else g for key, g in grads.items()}


@mistake("always_rescaled",
         "You rescaled the gradients to norm max_norm also when their global norm was already "
         "below it, which makes small gradients larger. Clip only when the norm is above "
         "max_norm: scale = max_norm / norm if norm > max_norm else 1.0.")
def clip_gradients(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    return {key: g * max_norm / norm for key, g in grads.items()}


@mistake("sum_of_array_norms",
         "Your norm is the sum of the arrays' norms, which is larger than the global norm. "
         "The global norm is the square root of the sum of the squares of every entry of "
         "every array: np.sqrt(sum(np.sum(g**2) for g in grads.values())).")
def clip_gradients(grads, max_norm):
    norm = sum(np.sqrt(np.sum(g**2)) for g in grads.values())
    scale = max_norm / norm if norm > max_norm else 1.0
    return {key: g * scale for key, g in grads.items()}


@mistake("loop_rebinding",
         "Your gradients came back unchanged although their norm is above max_norm: "
         "g = g * scale inside a loop over grads.values() only renames the loop variable, the "
         "dict still holds the old arrays. Build and return a new dict: "
         "{key: g * scale for key, g in grads.items()}.")
def clip_gradients(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    for g in grads.values():
        if norm > max_norm:
            g = g * max_norm / norm
    return grads


@mistake("grads_scaled_in_place",
         "You scaled the gradients in place (g *= scale), so the caller's gradients are changed: "
         "the unclipped ones are lost for the loss-and-norm plots. Build a new dict: "
         "{key: g * scale for key, g in grads.items()}.", changes="grads")
def clip_gradients(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    if norm > max_norm:
        for g in grads.values():
            g *= max_norm / norm
    return grads


# --- sgd_update ----------------------------------------------------------------------

graded(solutions.sgd_update, LESSON, takes=("lstm_params", "lstm_params", "positive"))

@case("learning rate 0.1: every array takes a step down its gradient")
def _(rng):
    return dict(params=_arrays(rng, 4, 2), grads=_arrays(rng, 4, 2), learning_rate=0.1)


@case("zero gradients leave the params as they were")
def _(rng):
    params = _arrays(rng, 3, 2)
    return dict(params=params, grads={k: np.zeros_like(v) for k, v in params.items()}, learning_rate=0.5)


@case("only b_f has a gradient: only b_f moves (learning rate 0.25)")
def _(rng):
    params = _arrays(rng, 2, 3)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    grads["b_f"] = rng.normal(size=2)
    return dict(params=params, grads=grads, learning_rate=0.25)


@mistake("gradient_ascent",
         "You added the gradient. The gradient points uphill, towards a larger loss: "
         "subtract it, params[k] - learning_rate * grads[k].")
def sgd_update(params, grads, learning_rate):
    return {key: params[key] + learning_rate * grads[key] for key in params}


@mistake("no_learning_rate",
         "You subtracted the whole gradient. Scale it by the learning rate first: "
         "params[k] - learning_rate * grads[k].")
def sgd_update(params, grads, learning_rate):
    return {key: params[key] - grads[key] for key in params}


@mistake("returned_step",
         "You returned the step, -learning_rate * grads[k], instead of the new params. "
         "Add the step to the params: params[k] - learning_rate * grads[k].")
def sgd_update(params, grads, learning_rate):
    return {key: -learning_rate * grads[key] for key in params}


@mistake("weights_only",
         "Your update moved the weights W_ but not the biases b_. Every array in params "
         "learns, biases included: loop over all keys.")
def sgd_update(params, grads, learning_rate):
    return {key: params[key] - learning_rate * grads[key] if key.startswith("W") else params[key]
            for key in params}


@mistake("params_updated_in_place",
         "You updated the parameters in place (params[k] -= ...), so the caller's parameters "
         "change too: the untrained model you keep for comparison silently becomes the trained "
         "one. Return a new dict: {k: params[k] - learning_rate * grads[k] for k in params}.",
         changes="params")
def sgd_update(params, grads, learning_rate):
    for k in params:
        params[k] -= learning_rate * grads[k]
    return params
