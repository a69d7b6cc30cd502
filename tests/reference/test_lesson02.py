"""The references of lesson 02, sigmoid and learn_gate, against PyTorch and their isolation cases."""

import warnings

import numpy as np

import solutions as ref


def _gate(seed, B=3, H=4, X=2):
    rng = np.random.default_rng(seed)
    k = 1.5 / np.sqrt(H)
    W_n, W_i = rng.uniform(-k, k, size=(2, H + X, H))
    b_n, b_i = rng.uniform(-k, k, size=(2, H))
    return rng.normal(size=(B, H)), rng.normal(size=(B, X)), W_n, b_n, W_i, b_i


def test_sigmoid_matches_torch_over_the_whole_float_range(torch):
    x = np.concatenate([np.linspace(-800, 800, 4001), [-1e300, -745.0, 0.0, 745.0, 1e300]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = ref.sigmoid(x)
    np.testing.assert_allclose(ours, torch.sigmoid(torch.from_numpy(x)).numpy(), rtol=1e-14, atol=1e-300)


def test_sigmoid_keeps_any_shape():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    assert ref.sigmoid(x).shape == x.shape


def test_learn_gate_matches_torch(torch):
    stm, event, W_n, b_n, W_i, b_i = _gate(1)
    t = {k: torch.from_numpy(v) for k, v in dict(stm=stm, event=event, W_n=W_n, b_n=b_n, W_i=W_i, b_i=b_i).items()}
    z = torch.cat([t["stm"], t["event"]], dim=1)
    expected = torch.tanh(z @ t["W_n"] + t["b_n"]) * torch.sigmoid(z @ t["W_i"] + t["b_i"])
    np.testing.assert_allclose(ref.learn_gate(stm, event, W_n, b_n, W_i, b_i), expected.numpy(), rtol=1e-13)


def test_learn_gate_isolation_cases():
    stm, event, W_n, b_n, W_i, b_i = _gate(2, B=2, H=3, X=5)
    joined = np.concatenate([stm, event], axis=1)
    # ignore factor wide open: N alone
    wide_open = ref.learn_gate(stm, event, W_n, b_n, np.zeros_like(W_i), np.full(3, 40.0))
    np.testing.assert_allclose(wide_open, np.tanh(joined @ W_n + b_n), rtol=1e-15)
    # candidate fixed at 1: i alone
    only_i = ref.learn_gate(stm, event, np.zeros_like(W_n), np.full(3, 40.0), W_i, b_i)
    np.testing.assert_allclose(only_i, 1 / (1 + np.exp(-(joined @ W_i + b_i))), rtol=1e-14)
    # ignore factor shut: nothing is learned
    shut = ref.learn_gate(stm, event, W_n, b_n, np.zeros_like(W_i), np.full(3, -40.0))
    assert np.all(np.abs(shut) < 1e-17)
    # the STM rows act on the STM only
    zero_stm = ref.learn_gate(np.zeros_like(stm), event, W_n, b_n, W_i, b_i)
    cut = (slice(3, None), slice(None))
    np.testing.assert_allclose(zero_stm, ref.learn_gate(np.zeros((2, 0)), event, W_n[cut], b_n, W_i[cut], b_i))
