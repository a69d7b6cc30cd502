"""The reference of lesson 01's own function, first_event_influence."""

import numpy as np

import solutions as ref


def _case(seed, T=6, B=3, X=2, H=4, scale=1.0):
    rng = np.random.default_rng(seed)
    W, b = ref.init_rnn_params(H, X, seed=seed)
    return rng.normal(size=(T, B, X)), rng.normal(size=(B, X)), rng.normal(size=(B, H)), scale * W, b


def test_influence_is_the_distance_between_two_runs():
    events, alt, m0, W, b = _case(0)
    changed = events.copy()
    changed[0] = alt
    expected = np.sqrt(((ref.rnn_forward(events, m0, W, b) - ref.rnn_forward(changed, m0, W, b)) ** 2).sum(-1))
    np.testing.assert_allclose(ref.first_event_influence(events, alt, m0, W, b), expected, atol=1e-15)


def test_influence_leaves_events_untouched_and_is_zero_for_the_same_first_event():
    events, alt, m0, W, b = _case(1)
    before = events.copy()
    ref.first_event_influence(events, alt, m0, W, b)
    np.testing.assert_array_equal(events, before)
    assert np.all(ref.first_event_influence(events, events[0], m0, W, b) == 0)


def test_influence_decays_geometrically_with_small_recurrent_weights():
    events, alt, m0, W, b = _case(2, T=30, scale=0.3)
    influence = ref.first_event_influence(events, alt, m0, W, b)
    assert influence.shape == (30, 3)
    assert np.all(influence[-1] < 1e-6 * influence[0])
