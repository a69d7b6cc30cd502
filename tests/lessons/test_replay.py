"""Each mistake penalised once, in the notebook: a loop over a wrong cell passes its
own check and hidden test with the right cell replayed, and says where the fault is."""

import numpy as np
import pytest

import solutions
from autograder.graded import GRADED
from lessonkit import stored
from lessonkit.checks import run_cases
from lessonkit.hidden import hidden_check
from lessonkit.replay import Deviated, Replay, recording, replaying


def _namespace(**functions):
    """Functions defined as in a notebook: they find each other in one namespace."""
    namespace = {"np": np}
    for source in functions.values():
        exec(source, namespace)  # noqa: S102 - test code standing in for a notebook cell
    return namespace


WRONG_CELL = "def rnn_cell(memory, event, W, b):\n    return np.concatenate([memory, event], axis=1) @ W + b\n"
LOOP = """def rnn_forward(ev, m0, weights, bias):
    m, out = m0, []
    for e in ev:
        m = rnn_cell(memory=m.astype(np.float32), event=e, W=weights, b=bias)  # keywords, float32
        out.append(m)
    return np.array(out)
"""
LATE_LOOP = """def rnn_forward(events, memory0, W, b):
    out, m = [], memory0
    for e in events:
        out.append(m)
        m = rnn_cell(m, e, W, b)
    return np.stack(out)
"""


def test_a_right_loop_over_a_wrong_cell_passes_and_names_the_cell():
    ns = _namespace(cell=WRONG_CELL, loop=LOOP)
    verdicts = [v for _, v in run_cases(ns["rnn_forward"], "rnn_forward")]
    assert all(v.ok and v.kind == "by_reference" for v in verdicts)
    assert "The fault is in your rnn_cell" in verdicts[0].message
    assert ns["rnn_cell"].__name__ == "rnn_cell" and not isinstance(ns["rnn_cell"], Replay)  # put back
    assert not all(v.ok for _, v in run_cases(ns["rnn_cell"], "rnn_cell"))
    hidden_check(ns["rnn_forward"], solutions.rnn_forward)


def test_a_wrong_loop_still_fails_with_the_right_cell_replayed():
    ns = _namespace(cell=WRONG_CELL, loop=LATE_LOOP)
    assert not any(v.ok for _, v in run_cases(ns["rnn_forward"], "rnn_forward"))
    with pytest.raises(AssertionError):
        hidden_check(ns["rnn_forward"], solutions.rnn_forward)


def test_a_replay_answers_only_the_calls_the_reference_makes():
    rng = np.random.default_rng(0)
    events, memory0 = rng.normal(size=(3, 2, 2)), rng.normal(size=(2, 4))
    W, b = rng.normal(size=(6, 4)), rng.normal(size=4)
    with recording(solutions.rnn_forward, ["rnn_cell"]) as calls:
        expected = solutions.rnn_forward(events, memory0, W, b)
    assert len(calls["rnn_cell"].calls) == 3
    replay = Replay("rnn_cell", calls["rnn_cell"])
    first = replay(memory0, events[0], W, b)
    assert np.allclose(first, expected[0])
    first[:] = 99.0  # the caller's edits do not reach the recording
    assert np.allclose(replay(memory0, events[0], W, b), expected[0])
    with pytest.raises(Deviated):
        replay(memory0 + 0.1, events[0], W, b)
    with pytest.raises(Deviated):
        replay(memory0, events[0], W)  # b left out, and it has no default


def test_a_left_out_default_matches_and_a_different_one_does_not():
    rng = np.random.default_rng(1)
    params = solutions.init_params(3, 2, "standard", 0)
    events, zeros = rng.normal(size=(2, 1, 2)), np.zeros((1, 3))
    with recording(solutions.lstm_forward, ["lstm_cell"]) as calls:
        solutions.lstm_forward(events, zeros, zeros, params, "standard")
    replay = Replay("lstm_cell", calls["lstm_cell"])
    replay(zeros, zeros, events[0], params, "standard")
    with pytest.raises(Deviated):
        replay(zeros, zeros, events[0], params)  # the lesson variant was never asked for
    with recording(solutions.lstm_forward, ["lstm_cell"]) as calls:
        solutions.lstm_forward(events, zeros, zeros, solutions.init_params(3, 2, "lesson", 0))
    Replay("lstm_cell", calls["lstm_cell"])(zeros, zeros, events[0], solutions.init_params(3, 2, "lesson", 0))


def test_replaying_puts_back_what_was_there_and_removes_what_was_not():
    ns = _namespace(loop=LOOP)
    with replaying(ns["rnn_forward"], {"rnn_cell": recording_of_one_call()}):
        assert isinstance(ns["rnn_cell"], Replay)
    assert "rnn_cell" not in ns


def recording_of_one_call():
    rng = np.random.default_rng(2)
    with recording(solutions.rnn_forward, ["rnn_cell"]) as calls:
        solutions.rnn_forward(rng.normal(size=(1, 1, 2)), np.zeros((1, 3)), rng.normal(size=(5, 3)), np.zeros(3))
    return calls["rnn_cell"]


@pytest.mark.parametrize("name", sorted(n for n, g in GRADED.items() if g.declared.depends))
def test_every_case_of_a_function_that_builds_on_others_carries_its_replays(name):
    depends = GRADED[name].declared.depends
    assert all(set(case.replays) == set(depends) and all(r.calls for r in case.replays.values())
               for case in stored.load(name))


def test_a_wrong_loop_over_a_wrong_cell_is_told_the_loops_mistake_and_that_the_cell_is_wrong_too():
    ns = _namespace(cell=WRONG_CELL, loop=LATE_LOOP)
    verdicts = [v for _, v in run_cases(ns["rnn_forward"], "rnn_forward")]
    named = [v for v in verdicts if v.kind == "mistake"]
    assert named and all(v.mistake == "one_step_late" for v in named)
    assert "your rnn_cell is wrong too" in named[0].message


def test_recordings_in_threads_at_once_each_get_their_own_calls():
    """The grader computes answers for several submissions in threads: one thread's
    recording must neither take another's calls nor leave the module patched."""
    from concurrent.futures import ThreadPoolExecutor

    import solutions.rnn

    def record(seed):
        rng = np.random.default_rng(seed)
        T = 2 + seed % 5
        with recording(solutions.rnn_forward, ["rnn_cell"]) as calls:
            solutions.rnn_forward(rng.normal(size=(T, 2, 2)), rng.normal(size=(2, 3)),
                                  rng.normal(size=(5, 3)), rng.normal(size=3))
        return T, len(calls["rnn_cell"].calls)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(record, range(64)))
    assert all(T == n for T, n in results)
    assert solutions.rnn.rnn_cell.__module__ == "solutions.rnn" and not hasattr(solutions.rnn.rnn_cell, "__wrapped__")
