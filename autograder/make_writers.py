"""Lesson 10's saved writers: an LSTM and an RNN of the same size, trained on the show's scripts.

    .venv/bin/python -m autograder.make_writers     # a few minutes on one core; rewrites the file below

Both are trained exactly as the lesson trains its small live writer, with the course's
reference functions (:mod:`solutions`, the same math as the student's lessons 06 to 08):
one-hot words in, the cell at every step, an output layer and a softmax at every step,
the mean cross-entropy of the next word, backpropagation through time, clipping by the
global norm and a plain gradient step. Same seed, hidden size, scripts, learning rate,
clipping and number of steps for both. Stored in ``lessonkit/data/writers.npz`` and
read by :func:`lessonkit.writing.load_writers`: each network's parameters, its loss at
every step, and its theme consistency (:func:`lessonkit.writing.consistency`) every
``EVAL_EVERY`` steps.
"""

import sys
import time

import numpy as np

import solutions
from lessonkit import writing

SEED = 0
HIDDEN = 16
STEPS = 1600
LEARNING_RATE = 3.0
SLOW_DOWN = 1000
LATE_LEARNING_RATE = 1.0
"""From step SLOW_DOWN on, the learning rate is LATE_LEARNING_RATE: at 3.0 throughout, the LSTM
lost what it had learned around step 1500 (its consistency at gap 10 fell from 0.997 to 0.5)."""
MAX_NORM = 1.0
BATCH = 32
MAX_GAP = 10
WARM_UP = 400
"""Steps with gaps of 0 to 2 lines only; then the longest gap grows by a line every 50 steps up to MAX_GAP."""
FORGET_BIAS = 2.0
EVAL_EVERY = 100
GAPS = (1, 5, 10)
VOCAB = len(writing.VOCAB)


def softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def init(kind, seed=SEED, hidden=HIDDEN):
    """Starting weights: the cell's from solutions' initialisers (the LSTM's forget bias
    raised by FORGET_BIAS) and an output layer W_out (H, V), b_out (V,)."""
    rng = np.random.default_rng(seed)
    if kind == "lstm":
        params = solutions.init_params(hidden, VOCAB, variant="standard", seed=rng)
        params["b_f"] = params["b_f"] + FORGET_BIAS
    else:
        W, b = solutions.init_rnn_params(hidden, VOCAB, seed=rng)
        params = {"W": W, "b": b}
    k = 1.0 / np.sqrt(hidden)
    params["W_out"] = rng.uniform(-k, k, size=(hidden, VOCAB))
    params["b_out"] = np.zeros(VOCAB)
    return params


def cell_params(params):
    return {k: v for k, v in params.items() if not k.endswith("_out")}


def memories(kind, params, events):
    """The STM (the RNN's memory) after every event, (T, B, H)."""
    B, H = events.shape[1], params["W_out"].shape[0]
    zero = np.zeros((B, H))
    if kind == "lstm":
        return solutions.lstm_forward(events, zero, zero, cell_params(params), "standard")[1]
    return solutions.rnn_forward(events, zero, params["W"], params["b"])


def loss_and_gradients(kind, params, tokens):
    """Mean cross-entropy of each next word of ``tokens`` (T + 1, B), and its gradients."""
    events, targets = np.eye(VOCAB)[tokens[:-1]], tokens[1:]
    T, B = targets.shape
    H = params["W_out"].shape[0]
    zero = np.zeros((B, H))
    if kind == "lstm":
        _, stms, cache = solutions.lstm_forward_with_cache(events, zero, zero, cell_params(params), "standard")
    else:
        stms, cache = solutions.rnn_forward_with_cache(events, zero, params["W"], params["b"])
    probs = softmax(stms @ params["W_out"] + params["b_out"])
    picked = np.take_along_axis(probs, targets[..., None], axis=-1)[..., 0]
    loss = float(-np.mean(np.log(picked)))
    d_logits = (probs - np.eye(VOCAB)[targets]) / (T * B)
    grads = {"W_out": np.einsum("tbh,tbv->hv", stms, d_logits), "b_out": d_logits.sum(axis=(0, 1))}
    d_stms = d_logits @ params["W_out"].T
    if kind == "lstm":
        grads.update(solutions.lstm_backward_from_cache(np.zeros_like(d_stms), d_stms, cache)[3])
    else:
        _, _, grads["W"], grads["b"] = solutions.rnn_backward(d_stms, cache)
    return loss, {k: grads[k] for k in params}


def next_word_probabilities(kind, params):
    def probabilities(tokens):
        stms = memories(kind, params, np.eye(VOCAB)[tokens])
        return softmax(stms[-1] @ params["W_out"] + params["b_out"])
    return probabilities


def max_gap(step):
    """The longest gap of the scripts at a training step: short first, then growing."""
    return min(MAX_GAP, 2 + max(0, step - WARM_UP) // 50)


def train(kind, steps=STEPS, log=None):
    rng = np.random.default_rng(SEED)
    params = init(kind)
    losses, evals = [], []
    for step in range(1, steps + 1):
        loss, grads = loss_and_gradients(kind, params, writing.make_scripts(BATCH, max_gap(step), rng))
        rate = LEARNING_RATE if step < SLOW_DOWN else LATE_LEARNING_RATE
        params = solutions.sgd_update(params, solutions.clip_gradients(grads, MAX_NORM), rate)
        losses.append(loss)
        if step % EVAL_EVERY == 0:
            evals.append(writing.consistency(next_word_probabilities(kind, params), GAPS))
            if log:
                log(f"{kind} step {step}: loss {np.mean(losses[-EVAL_EVERY:]):.3f}, "
                    f"consistency at gaps {GAPS}: {np.round(evals[-1], 3)}")
    return params, np.array(losses), np.array(evals)


def compute(log=None):
    settings = ("SEED", "HIDDEN", "STEPS", "LEARNING_RATE", "SLOW_DOWN", "LATE_LEARNING_RATE", "MAX_NORM",
                "BATCH", "MAX_GAP", "WARM_UP", "FORGET_BIAS", "EVAL_EVERY", "GAPS")
    arrays = {f"info/{name.lower()}": np.array(globals()[name]) for name in settings}
    for kind in ("lstm", "rnn"):
        params, losses, evals = train(kind, log=log)
        arrays.update({f"{kind}/{k}": v for k, v in params.items()})
        arrays[f"curves/{kind}_loss"] = losses
        arrays[f"curves/{kind}_consistency"] = evals
    return arrays


def main():
    start = time.process_time()
    arrays = compute(log=lambda line: print(line, flush=True))
    np.savez_compressed(writing.DATA, **arrays)
    print(f"wrote {writing.DATA} in {time.process_time() - start:.0f} s of CPU time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
