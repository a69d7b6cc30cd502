"""The course's mistakes that raise on most inputs are told what to change, by the text of
the error (lessonkit.messages.raised; the same words in the visible check, the hidden test and
the grader): a join along axis 0 (M05), W from the left (M06), time read from another axis
(M02, M03), np.dot where ⊙ belongs (M11) and math.exp on an array (M09)."""

import math

import numpy as np
import pytest

import solutions
from lessonkit.checks import run_cases


def concat_axis0(memory, event, W, b):
    return np.tanh(np.concatenate([memory, event], axis=0) @ W + b)


def weights_from_left(memory, event, W, b):
    return np.tanh(np.dot(W, np.concatenate([memory, event], axis=1).T) + b)


def time_on_axis_1(events, memory0, W, b):
    memories, memory = [], memory0
    for t in range(events.shape[1]):
        memory = solutions.rnn_cell(memory, events[:, t], W, b)
        memories.append(memory)
    return np.stack(memories)


def dot_learn_gate(stm, event, W_n, b_n, W_i, b_i):
    joined = np.concatenate([stm, event], axis=1)
    return np.dot(np.tanh(joined @ W_n + b_n), solutions.sigmoid(joined @ W_i + b_i))


def math_sigmoid(x):
    return 1 / (1 + math.exp(-x))


@pytest.mark.parametrize("fn, name, hint", [
    (concat_axis0, "rnn_cell", "np.concatenate([memory, event], axis=1)"),  # H = X: at the product
    (weights_from_left, "rnn_cell", "[M, E] (B, H + X) @ W (H + X, H)"),
    (time_on_axis_1, "rnn_forward", "Time is the first axis of events (T, B, X)"),
    (dot_learn_gate, "learn_gate", "combined unit by unit with *, not with np.dot or @"),
    (math_sigmoid, "sigmoid", "use np.exp or np.tanh"),
])
def test_a_mistake_that_raises_is_told_what_to_change(fn, name, hint):
    raised = [v for _, v in run_cases(fn, name) if v.kind == "error"]
    assert raised, f"{fn.__name__} raised on no stored case of {name}"
    assert all(hint in v.message for v in raised), raised[0].message
    assert raised[0].message.startswith(f"{fn.__name__} raised ")


def test_an_unknown_error_is_reported_as_it_is():
    def broken(memory, event, W, b):
        raise KeyError("W_q")
    (_, verdict), *_ = run_cases(broken, "rnn_cell")
    assert verdict.message == "broken raised KeyError: 'W_q'"
