"""Layout conversions are exact round trips."""

import numpy as np

import solutions as ref


def test_lstm_torch_round_trip():
    params = ref.init_params(4, 3, "standard", seed=0)
    d = ref.lstm_to_torch(params)
    assert d["weight_ih"].shape == (16, 3) and d["weight_hh"].shape == (16, 4)
    back = ref.lstm_from_torch(**d)
    assert list(back) == list(ref.STANDARD_KEYS)
    for k in params:
        np.testing.assert_array_equal(back[k], params[k])


def test_lstm_to_torch_drops_only_the_lesson_use_gate():
    lesson = ref.init_params(4, 3, "lesson", seed=0)
    back = ref.lstm_from_torch(**ref.lstm_to_torch(lesson))
    assert set(lesson) - set(back) == {"W_u", "b_u"}


def test_torch_block_order_is_i_f_g_o():
    params = {k: np.zeros(s) for k, s in [("W_n", (5, 2)), ("W_i", (5, 2)), ("W_f", (5, 2)), ("W_v", (5, 2))]}
    for k, g in enumerate("ifnv"):
        params["W_" + g][:] = k + 1
        params["b_" + g] = np.full(2, k + 1.0)
    d = ref.lstm_to_torch(params)
    np.testing.assert_array_equal(d["bias_ih"], [1, 1, 2, 2, 3, 3, 4, 4])


def test_cs231n_round_trip_and_order():
    params = ref.init_params(3, 2, "standard", seed=1)
    Wx, Wh, b = ref.lstm_to_cs231n(params)
    assert Wx.shape == (2, 12) and Wh.shape == (3, 12)
    np.testing.assert_array_equal(b[6:9], params["b_v"])  # i, f, o, g
    back = ref.lstm_from_cs231n(Wx, Wh, b)
    for k in params:
        np.testing.assert_array_equal(back[k], params[k])


def test_rnn_and_gru_round_trips():
    W, b = ref.init_rnn_params(4, 3, seed=2)
    W2, b2 = ref.rnn_from_torch(**ref.rnn_to_torch(W, b))
    np.testing.assert_array_equal(W2, W)
    np.testing.assert_array_equal(b2, b)
    params = ref.init_gru_params(4, 3, seed=3)
    back = ref.gru_from_torch(**ref.gru_to_torch(params))
    for k in params:
        np.testing.assert_array_equal(back[k], params[k])
