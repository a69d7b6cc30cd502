"""Lesson 07's given (read-only) code agrees with the reference, and its plots show what the
text says they show."""

from pathlib import Path

import numpy as np
import pytest

import solutions
from autograder import notebooks
from lessonkit.story import encode, lstm_story_params, rnn_story_weights, story
from tests.lessons.lessons import grading_env, run_cells

MASTER = Path(__file__).resolve().parents[2] / "source" / "07_backprop" / "07_backprop.ipynb"


@pytest.fixture(scope="module")
def lesson():
    """The master's namespace after running every cell as nbgrader would (no plots)."""
    with grading_env():
        return run_cells(notebooks.read(MASTER))[0]


@pytest.mark.parametrize("variant", ["lesson", "standard"])
def test_given_cell_forward_is_the_reference_cell(lesson, variant):
    rng = np.random.default_rng(0)
    params = solutions.init_params(3, 4, variant=variant, seed=1)
    ltm, stm, event = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 4))
    parts = lesson["lstm_cell_parts"](ltm, stm, event, params, variant)
    new_ltm, new_stm = solutions.lstm_cell(ltm, stm, event, params, variant)
    np.testing.assert_allclose(parts["new_ltm"], new_ltm, rtol=0, atol=1e-14)
    np.testing.assert_allclose(parts["new_stm"], new_stm, rtol=0, atol=1e-14)


def test_given_rnn_bptt_is_the_reference_backward(lesson):
    rng = np.random.default_rng(2)
    events = rng.normal(size=(6, 2, 3))
    W, b = solutions.init_rnn_params(4, 3, seed=3)
    d_last = rng.normal(size=(2, 4))
    d_events, d_memories, dW, db = lesson["rnn_bptt"](events, W, b, d_last)
    memories, cache = solutions.rnn_forward_with_cache(events, np.zeros((2, 4)), W, b)
    upstream = np.zeros_like(memories)
    upstream[-1] = d_last
    ref_events, _, ref_dW, ref_db = solutions.rnn_backward(upstream, cache)
    for ours, ref in ((d_events, ref_events), (dW, ref_dW), (db, ref_db)):
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(d_memories[-1], d_last)


def test_given_show_helpers_with_the_solution_are_the_reference_backward(lesson):
    rng = np.random.default_rng(4)
    events = rng.normal(size=(5, 2, 3))
    params = solutions.init_params(4, 3, seed=5)
    d_last = rng.normal(size=(2, 4))
    d_events, grads = lesson["show_backward"](events, params, d_last)
    zeros = np.zeros((2, 4))
    _, stms, cache = solutions.lstm_forward_with_cache(events, zeros, zeros, params)
    d_stms = np.zeros_like(stms)
    d_stms[-1] = d_last
    ref_events, _, _, ref_grads = solutions.lstm_backward_from_cache(np.zeros_like(stms), d_stms, cache)
    np.testing.assert_allclose(d_events, ref_events, rtol=1e-10, atol=1e-13)
    for k in params:
        np.testing.assert_allclose(grads[k], ref_grads[k], rtol=1e-10, atol=1e-13, err_msg=k)
    # dL/dLTM_t after each event, from the rest of the show, against torch-free chaining of the reference
    d_ltms = lesson["ltm_gradients"](events, params, d_last)
    d_ltm, d_stm = np.zeros_like(zeros), d_last
    ltms, stms = solutions.lstm_forward(events, zeros, zeros, params)
    expected = [d_ltm]
    for t in range(4, 0, -1):
        d_ltm, d_stm, _, _ = solutions.lstm_cell_backward(d_ltm, d_stm, ltms[t - 1], stms[t - 1], events[t], params)
        expected.append(d_ltm)
    np.testing.assert_allclose(d_ltms, np.stack(expected[::-1]), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("variant", ["lesson", "standard"])
def test_the_lesson_modules_copy_of_lstm_cell_parts_is_the_masters(lesson, variant):
    """The misconceptions in autograder/graded/lesson07.py call lstm_cell_parts; theirs must be the lesson's."""
    from autograder.graded import lesson07

    rng = np.random.default_rng(6)
    params = solutions.init_params(3, 2, variant="lesson", seed=7)
    args = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 2))
    ours, theirs = lesson07.lstm_cell_parts(*args, params, variant), lesson["lstm_cell_parts"](*args, params, variant)
    assert list(ours) == list(theirs)
    for k in ours:
        np.testing.assert_array_equal(ours[k], theirs[k], err_msg=k)


def _at_bear(lesson, distance, w=0.6, forget_bias=5.0):
    events = encode(story(gap=distance - 1))
    W, b = rnn_story_weights(w=w)
    params = lstm_story_params()
    params["b_f"] = np.array([forget_bias, params["b_f"][1]])
    rnn = np.linalg.norm(lesson["rnn_bptt"](events, W, b, lesson["FOREST"])[0][0])
    lstm = np.linalg.norm(lesson["show_backward"](events, params, lesson["FOREST"])[0][0])
    return rnn, lstm


def test_the_gradient_reaching_the_bear_behaves_as_the_text_says(lesson):
    rnn1, lstm1 = _at_bear(lesson, 1)
    rnn30, lstm30 = _at_bear(lesson, 30)
    assert rnn30 < 1e-7 < 1e-5 * rnn1                 # vanishes: about 1e-8 at 30 steps
    assert 0.02 < lstm1 and 0.02 < lstm30 < 0.06      # survives, "between 0.03 and 0.05"
    _, lstm30_f_half = _at_bear(lesson, 30, forget_bias=0.0)
    assert lstm30_f_half < rnn30                       # f = 0.5 decays as fast or faster
    rnn30_saturated, _ = _at_bear(lesson, 30, w=1.5)
    assert rnn30_saturated < 1e-10                     # a latched RNN still loses the gradient


def test_worked_example_numbers(lesson):
    d_events, _, _, _ = lesson["rnn_bptt"](encode(story(gap=6)), lesson["W_rnn"], lesson["b_rnn"],
                                           lesson["FOREST"])
    ratio = abs(d_events[-1, 0, 0] / d_events[0, 0, 0])
    assert 700 < ratio < 900                           # "about 800 times smaller"
