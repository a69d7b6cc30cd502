"""The bear task's shows: shapes, labels set by the first event alone, nothing else informative."""

import numpy as np
import pytest

from lessonkit import bear_task
from lessonkit.story import EVENTS


def test_batch_shapes_and_what_each_step_holds():
    events, labels = bear_task.make_batch(7, 50, np.random.default_rng(0))
    assert events.shape == (9, 50, 4) and labels.shape == (50,)
    assert set(np.unique(labels)) == {0, 1}
    for b in range(50):
        assert tuple(events[0, b]) == EVENTS[bear_task.FIRSTS[labels[b]]]
        assert tuple(events[-1, b]) == EVENTS["dog or wolf"]
        assert all(tuple(e) in {EVENTS[n] for n in bear_task.DISTRACTORS} for e in events[1:-1, b])


def test_only_the_first_event_tells_the_label():
    """Distractors are drawn independently of the label: their counts match for wolves and dogs."""
    events, labels = bear_task.make_batch(20, 4000, np.random.default_rng(1))
    for label in (0, 1):
        middle = events[1:-1, labels == label]
        share = [np.mean(np.all(middle == EVENTS[n], axis=-1)) for n in bear_task.DISTRACTORS]
        np.testing.assert_allclose(share, 1 / 3, atol=0.01)
    assert abs(labels.mean() - 0.5) < 0.03


def test_the_same_generator_gives_the_same_shows_and_gap_zero_works():
    a = bear_task.make_batch(5, 3, np.random.default_rng(2))
    b = bear_task.make_batch(5, 3, np.random.default_rng(2))
    np.testing.assert_array_equal(a[0], b[0])
    events, _ = bear_task.make_batch(0, 3, np.random.default_rng(3))
    assert events.shape == (2, 3, 4)


def test_show_names_and_their_checks():
    names = bear_task.show_names(4, "cat", seed=1)
    assert names[0] == "cat" and names[-1] == "dog or wolf" and len(names) == 6
    assert names == bear_task.show_names(4, "cat", seed=1)
    assert names[1:-1] == bear_task.show_names(4, "bear", seed=1)[1:-1]
    with pytest.raises(ValueError, match="first"):
        bear_task.show_names(3, "fox")


def test_accuracy_of_a_perfect_and_of_a_constant_predictor():
    def perfect(events):
        bear = events[0, :, 0] == 1.0
        return np.stack([bear, ~bear], axis=1).astype(float)

    np.testing.assert_array_equal(bear_task.accuracy(perfect, [1, 10, 50]), [1.0, 1.0, 1.0])
    always_wolf = bear_task.accuracy(lambda events: np.tile([1.0, 0.0], (events.shape[1], 1)), [1, 50], shows=400)
    assert np.all(np.abs(always_wolf - 0.5) < 0.1)


def test_attempt_returns_the_value_or_a_pending_that_raises_the_original_error(capsys):
    assert bear_task.attempt(lambda x: x + 1, 1) == 2

    def needs_me():
        raise NotImplementedError()

    def train():
        return needs_me()

    pending = bear_task.attempt(train)
    assert "implement needs_me above" in capsys.readouterr().out
    with pytest.raises(NotImplementedError) as info:
        pending["lstm"]
    assert info.traceback[-1].name == "needs_me"
