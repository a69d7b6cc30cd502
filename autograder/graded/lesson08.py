"""Lesson 08, LSTM against RNN: clip_gradients, sgd_update."""

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
