"""Properties that hold for any sizes and inputs (hypothesis), and the use-gate identity."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import solutions as ref

sizes = st.integers(1, 6)
seeds = st.integers(0, 2**32 - 1)
variants = st.sampled_from(["lesson", "standard"])


def case(B, X, H, T, seed, variant="lesson", scale=1.0):
    rng = np.random.default_rng(seed)
    params = ref.init_params(H, X, variant=variant, seed=seed)
    return (params, scale * rng.normal(size=(T, B, X)), scale * rng.normal(size=(B, H)),
            scale * rng.normal(size=(B, H)))


def test_sigmoid_has_no_overflow_warning_and_is_exact_at_extremes():
    x = np.array([-1000.0, -745.0, -40.0, 0.0, 40.0, 745.0, 1000.0, np.finfo(float).max, -np.finfo(float).max])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            y = ref.sigmoid(x)
    assert y[0] == 0.0 and y[-3] == 1.0 and y[3] == 0.5
    assert y[1] > 0.0, "sigmoid(-745) is a subnormal, not zero"
    np.testing.assert_allclose(y[2], np.exp(-40.0), rtol=1e-14)


@given(st.floats(-700, 700))
def test_sigmoid_matches_its_definition_and_symmetry(x):
    assert ref.sigmoid(x) == pytest.approx(1.0 / (1.0 + np.exp(-x)), rel=1e-12, abs=1e-300)
    assert ref.sigmoid(x) + ref.sigmoid(-x) == pytest.approx(1.0, abs=1e-15)


def test_sigmoid_keeps_float32_and_accepts_lists():
    assert ref.sigmoid(np.zeros(3, dtype=np.float32)).dtype == np.float32
    np.testing.assert_array_equal(ref.sigmoid([0, 0]), [0.5, 0.5])


@settings(max_examples=60, deadline=None)
@given(sizes, sizes, sizes, sizes, seeds, variants)
def test_shapes_hold_for_any_sizes(B, X, H, T, seed, variant):
    params, events, ltm, stm = case(B, X, H, T, seed, variant)
    W, b = ref.init_rnn_params(H, X, seed=seed)
    assert ref.rnn_cell(stm, events[0], W, b).shape == (B, H)
    assert ref.rnn_forward(events, stm, W, b).shape == (T, B, H)
    assert ref.learn_gate(stm, events[0], params["W_n"], params["b_n"], params["W_i"], params["b_i"]).shape == (B, H)
    assert ref.forget_gate(ltm, stm, events[0], params["W_f"], params["b_f"]).shape == (B, H)
    new = ref.lstm_cell(ltm, stm, events[0], params, variant)
    assert [a.shape for a in new] == [(B, H), (B, H)]
    ltms, stms = ref.lstm_forward(events, ltm, stm, params, variant)
    assert ltms.shape == stms.shape == (T, B, H)
    assert ref.gru_cell(stm, events[0], ref.init_gru_params(H, X, seed=seed)).shape == (B, H)


@settings(max_examples=60, deadline=None)
@given(sizes, sizes, sizes, seeds, st.sampled_from([0.1, 1.0, 30.0]))
def test_gates_stay_in_their_ranges(B, X, H, seed, scale):
    params, events, ltm, stm = case(B, X, H, 1, seed, scale=scale)
    event, p = events[0], params
    f = ref.forget_gate(np.ones_like(ltm), stm, event, p["W_f"], p["b_f"])   # LTM = 1 exposes f
    assert np.all((f >= 0) & (f <= 1))
    learned = ref.learn_gate(stm, event, p["W_n"], p["b_n"], p["W_i"], p["b_i"])   # N ⊙ i in (-1, 1)
    assert np.all(np.abs(learned) <= 1)
    forgotten = ref.forget_gate(ltm, stm, event, p["W_f"], p["b_f"])
    assert np.all(np.abs(forgotten) <= np.abs(ltm)), "forgetting never grows the memory"
    new_ltm = ref.remember_gate(forgotten, learned)
    assert np.all(np.abs(new_ltm) <= np.abs(ltm) + 1)
    for variant in ("lesson", "standard"):
        _, new_stm = ref.lstm_cell(ltm, stm, event, ref.init_params(H, X, variant, seed), variant)
        assert np.all(np.abs(new_stm) <= 1)
    W, b = ref.init_rnn_params(H, X, seed=seed)
    assert np.all(np.abs(ref.rnn_cell(stm, event, W, b)) <= 1)


@settings(max_examples=60, deadline=None)
@given(sizes, sizes, sizes, seeds)
def test_use_gate_identity(B, X, H, seed):
    """With W_u = I, b_u = 0 and the new LTM in place of the forgotten one, the
    lesson's use gate is the standard o ⊙ tanh(C)."""
    params, events, ltm, stm = case(B, X, H, 1, seed)
    event, p = events[0], params
    new_ltm, standard_stm = ref.lstm_cell(ltm, stm, event, params, "standard")
    identity = ref.use_gate(new_ltm, stm, event, np.eye(H), np.zeros(H), p["W_v"], p["b_v"])
    np.testing.assert_allclose(identity, standard_stm, rtol=0, atol=1e-15)
    np.testing.assert_allclose(ref.standard_use_gate(new_ltm, stm, event, p["W_v"], p["b_v"]),
                               standard_stm, rtol=0, atol=1e-15)
    # and with the forgotten old LTM, as the lesson does, they differ in general
    forgotten = ref.forget_gate(ltm, stm, event, p["W_f"], p["b_f"])
    lesson_like = ref.use_gate(forgotten, stm, event, np.eye(H), np.zeros(H), p["W_v"], p["b_v"])
    if not np.allclose(forgotten, new_ltm):
        assert not np.allclose(lesson_like, standard_stm)


@settings(max_examples=40, deadline=None)
@given(sizes, sizes, sizes, sizes, seeds, variants)
def test_sequence_equals_unrolled_cell(B, X, H, T, seed, variant):
    params, events, ltm, stm = case(B, X, H, T, seed, variant)
    ltms, stms = ref.lstm_forward(events, ltm, stm, params, variant)
    for step in range(T):
        ltm, stm = ref.lstm_cell(ltm, stm, events[step], params, variant)
        np.testing.assert_allclose(ltms[step], ltm, rtol=0, atol=1e-13)
        np.testing.assert_allclose(stms[step], stm, rtol=0, atol=1e-13)
    W, b = ref.init_rnn_params(H, X, seed=seed)
    memories = ref.rnn_forward(events, stm, W, b)
    m = stm
    for step in range(T):
        m = ref.rnn_cell(m, events[step], W, b)
    np.testing.assert_allclose(memories[-1], m, rtol=0, atol=1e-13)
    np.testing.assert_allclose(ref.gru_forward(events, stm, ref.init_gru_params(H, X, seed=seed))[-1],
                               _gru_unrolled(events, stm, ref.init_gru_params(H, X, seed=seed)), atol=1e-13)


def _gru_unrolled(events, h, params):
    for e in events:
        h = ref.gru_cell(h, e, params)
    return h


def test_float32_in_float32_out():
    params = ref.init_params(4, 3, "standard", seed=0, dtype=np.float32)
    events = np.ones((5, 2, 3), dtype=np.float32)
    zeros = np.zeros((2, 4), dtype=np.float32)
    ltms, stms, cache = ref.lstm_forward_with_cache(events, zeros, zeros, params, "standard")
    assert ltms.dtype == stms.dtype == np.float32
    d_events, _, _, grads = ref.lstm_backward_from_cache(ltms, stms, cache)
    assert d_events.dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())


def test_init_params_is_seeded_and_shaped():
    a, b = ref.init_params(5, 3, seed=1), ref.init_params(5, 3, seed=1)
    assert list(a) == list(ref.LESSON_KEYS)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert a["W_n"].shape == (8, 5) and a["b_n"].shape == (5,) and a["W_u"].shape == (5, 5)
    assert list(ref.init_params(5, 3, "standard", seed=1)) == list(ref.STANDARD_KEYS)
    assert np.all(np.abs(a["W_f"]) <= 1 / np.sqrt(5))
    assert not np.array_equal(ref.init_params(5, 3, seed=2)["W_n"], a["W_n"])


def test_unknown_variant_is_refused_clearly():
    params, events, ltm, stm = case(1, 1, 1, 1, 0)
    with pytest.raises(ValueError, match='"lesson" or "standard"'):
        ref.lstm_cell(ltm, stm, events[0], params, variant="peephole")


def test_gradient_check_tells_right_from_wrong():
    x = np.random.default_rng(0).normal(size=(3, 4))
    f = lambda a: np.sum(np.sin(a))  # noqa: E731
    assert ref.gradient_check(f, x, np.cos(x)) < 1e-8
    assert ref.gradient_check(f, x, -np.sin(x)) > 0.1
    before = x.copy()
    ref.numeric_gradient(f, x)
    np.testing.assert_array_equal(x, before)
    with pytest.raises(ValueError, match="shapes differ"):
        ref.relative_error(np.zeros(2), np.zeros(3))
