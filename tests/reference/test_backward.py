"""Every backward function matches central differences and PyTorch autograd.

The loss is a fixed random weighting of every output, so the upstream gradient
on each output is that weighting. Central differences use float64 and h = 1e-6;
a correct gradient then has relative error far below the 1e-6 required here.
"""

import numpy as np
import pytest

import solutions as ref

from .shapes import SHAPES, SMALL_SHAPES, shape_id
from .torch_cells import CELLS, load, random_lstm_case, t

NUMERIC_TOL = 1e-6
AUTOGRAD_TOL = 1e-10
VARIANTS = ["lesson", "standard"]


def assert_close_relative(analytic, numeric, name):
    err = ref.relative_error(analytic, numeric)
    assert err <= NUMERIC_TOL, f"{name}: relative error {err:.2e} > {NUMERIC_TOL:.0e}"


def assert_autograd(ours, tensor, name):
    np.testing.assert_allclose(ours, tensor.grad.numpy(), rtol=0, atol=AUTOGRAD_TOL, err_msg=name)


# --- RNN -----------------------------------------------------------------------

@pytest.mark.parametrize("shape", SMALL_SHAPES, ids=shape_id)
def test_rnn_cell_backward_numeric(shape):
    B, X, H, _ = shape
    rng = np.random.default_rng(10)
    W, b = ref.init_rnn_params(H, X, seed=11)
    memory, event, up = rng.normal(size=(B, H)), rng.normal(size=(B, X)), rng.normal(size=(B, H))
    d_memory, d_event, dW, db = ref.rnn_cell_backward(up, memory, event, W, b)
    loss = lambda: np.sum(ref.rnn_cell(memory, event, W, b) * up)  # noqa: E731
    for name, x, g in [("memory", memory, d_memory), ("event", event, d_event), ("W", W, dW), ("b", b, db)]:
        assert_close_relative(g, ref.numeric_gradient(lambda _: loss(), x), name)


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_rnn_backward_equals_autograd(torch, shape):
    B, X, H, T = shape
    rng = np.random.default_rng(12)
    W, b = ref.init_rnn_params(H, X, seed=13)
    events, memory0, up = rng.normal(size=(T, B, X)), rng.normal(size=(B, H)), rng.normal(size=(T, B, H))
    memories, cache = ref.rnn_forward_with_cache(events, memory0, W, b)
    d_events, d_memory0, dW, db = ref.rnn_backward(up, cache)

    tW, tb, te, tm = t(torch, W, True), t(torch, b, True), t(torch, events, True), t(torch, memory0, True)
    m, loss = tm, 0
    for step in range(T):
        m = torch.tanh(torch.cat([m, te[step]], -1) @ tW + tb)
        loss = loss + (m * t(torch, up[step])).sum()
    loss.backward()
    for name, ours, tensor in [("events", d_events, te), ("memory0", d_memory0, tm), ("W", dW, tW), ("b", db, tb)]:
        assert_autograd(ours, tensor, name)
    # the cell's backward, chained by hand, agrees with the sequence's
    carry, dW_sum = np.zeros((B, H)), np.zeros_like(W)
    for step in range(T - 1, -1, -1):
        prev = memory0 if step == 0 else memories[step - 1]
        carry, _, dW_step, _ = ref.rnn_cell_backward(up[step] + carry, prev, events[step], W, b)
        dW_sum += dW_step
    np.testing.assert_allclose(carry, d_memory0, atol=1e-12)
    np.testing.assert_allclose(dW_sum, dW, atol=1e-12)


@pytest.mark.parametrize("shape", SMALL_SHAPES, ids=shape_id)
def test_rnn_backward_numeric(shape):
    B, X, H, T = shape
    rng = np.random.default_rng(14)
    W, b = ref.init_rnn_params(H, X, seed=15)
    events, memory0, up = rng.normal(size=(T, B, X)), rng.normal(size=(B, H)), rng.normal(size=(T, B, H))
    _, cache = ref.rnn_forward_with_cache(events, memory0, W, b)
    grads = ref.rnn_backward(up, cache)
    loss = lambda: np.sum(ref.rnn_forward(events, memory0, W, b) * up)  # noqa: E731
    for name, x, g in zip(["events", "memory0", "W", "b"], [events, memory0, W, b], grads):
        assert_close_relative(g, ref.numeric_gradient(lambda _: loss(), x), name)


# --- LSTM cell ---------------------------------------------------------------------

def _cell_case(shape, variant, seed):
    B, X, H, _ = shape
    params, events, ltm, stm = random_lstm_case(B, X, H, 1, variant, seed)
    rng = np.random.default_rng(seed + 100)
    return params, events[0], ltm, stm, rng.normal(size=(B, H)), rng.normal(size=(B, H))


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("shape", SMALL_SHAPES, ids=shape_id)
def test_lstm_cell_backward_numeric(shape, variant):
    params, event, ltm, stm, up_c, up_h = _cell_case(shape, variant, seed=16)
    d_ltm, d_stm, d_event, grads = ref.lstm_cell_backward(up_c, up_h, ltm, stm, event, params, variant)

    def loss(_):
        c, h = ref.lstm_cell(ltm, stm, event, params, variant)
        return np.sum(c * up_c) + np.sum(h * up_h)

    assert set(grads) == set(params)
    for name, x, g in [("ltm", ltm, d_ltm), ("stm", stm, d_stm), ("event", event, d_event)] + [
            (k, params[k], grads[k]) for k in params]:
        assert g.shape == x.shape, name
        assert_close_relative(g, ref.numeric_gradient(loss, x), name)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_lstm_cell_backward_equals_autograd(torch, shape, variant):
    params, event, ltm, stm, up_c, up_h = _cell_case(shape, variant, seed=17)
    d_ltm, d_stm, d_event, grads = ref.lstm_cell_backward(up_c, up_h, ltm, stm, event, params, variant)
    p = {k: t(torch, v, True) for k, v in params.items()}
    tc, th, te = t(torch, ltm, True), t(torch, stm, True), t(torch, event, True)
    if variant == "standard":  # torch's own LSTMCell, not our transcription
        cell = load(torch, torch.nn.LSTMCell(event.shape[1], ltm.shape[1]), ref.lstm_to_torch(params))
        h, c = cell(te, (th, tc))
    else:
        c, h = CELLS[variant](torch, tc, th, te, p)
    ((c * t(torch, up_c)).sum() + (h * t(torch, up_h)).sum()).backward()
    for name, ours, tensor in [("ltm", d_ltm, tc), ("stm", d_stm, th), ("event", d_event, te)]:
        assert_autograd(ours, tensor, name)
    if variant == "standard":
        torch_grads = ref.lstm_from_torch(*(getattr(cell, n).grad.numpy()
                                            for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
        for k in torch_grads:
            # bias_ih and bias_hh each receive the full bias gradient; lstm_from_torch sums them
            expected = torch_grads[k] / 2 if k.startswith("b_") else torch_grads[k]
            np.testing.assert_allclose(grads[k], expected, rtol=0, atol=AUTOGRAD_TOL, err_msg=k)
    else:
        for k in params:
            assert_autograd(grads[k], p[k], k)


# --- LSTM sequence -----------------------------------------------------------------

def _sequence_case(shape, variant, seed):
    B, X, H, T = shape
    params, events, ltm0, stm0 = random_lstm_case(B, X, H, T, variant, seed)
    rng = np.random.default_rng(seed + 100)
    return params, events, ltm0, stm0, rng.normal(size=(T, B, H)), rng.normal(size=(T, B, H))


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_lstm_backward_equals_autograd(torch, shape, variant):
    params, events, ltm0, stm0, up_c, up_h = _sequence_case(shape, variant, seed=18)
    _, _, cache = ref.lstm_forward_with_cache(events, ltm0, stm0, params, variant)
    d_events, d_ltm0, d_stm0, grads = ref.lstm_backward_from_cache(up_c, up_h, cache)

    p = {k: t(torch, v, True) for k, v in params.items()}
    te, tc0, th0 = t(torch, events, True), t(torch, ltm0, True), t(torch, stm0, True)
    c, h, loss = tc0, th0, 0
    for step in range(events.shape[0]):
        c, h = CELLS[variant](torch, c, h, te[step], p)
        loss = loss + (c * t(torch, up_c[step])).sum() + (h * t(torch, up_h[step])).sum()
    loss.backward()
    for name, ours, tensor in [("events", d_events, te), ("ltm0", d_ltm0, tc0), ("stm0", d_stm0, th0)]:
        assert_autograd(ours, tensor, name)
    assert list(grads) == list(params)
    for k in params:
        assert_autograd(grads[k], p[k], k)


@pytest.mark.parametrize("shape", SHAPES[:8], ids=shape_id)
def test_lstm_backward_equals_torch_lstm_layer(torch, shape):
    """The standard variant's BPTT against torch.nn.LSTM's own backward (output h only)."""
    params, events, ltm0, stm0, _, up_h = _sequence_case(shape, "standard", seed=19)
    _, _, cache = ref.lstm_forward_with_cache(events, ltm0, stm0, params, "standard")
    d_events, d_ltm0, d_stm0, _ = ref.lstm_backward_from_cache(np.zeros_like(up_h), up_h, cache)
    layer = load(torch, torch.nn.LSTM(events.shape[2], ltm0.shape[1]), ref.lstm_to_torch(params), "_l0")
    te, tc0, th0 = t(torch, events, True), t(torch, ltm0[None], True), t(torch, stm0[None], True)
    out, _ = layer(te, (th0, tc0))
    (out * t(torch, up_h)).sum().backward()
    np.testing.assert_allclose(d_events, te.grad.numpy(), rtol=0, atol=AUTOGRAD_TOL)
    np.testing.assert_allclose(d_ltm0, tc0.grad.numpy()[0], rtol=0, atol=AUTOGRAD_TOL)
    np.testing.assert_allclose(d_stm0, th0.grad.numpy()[0], rtol=0, atol=AUTOGRAD_TOL)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("shape", SMALL_SHAPES, ids=shape_id)
def test_lstm_backward_numeric_and_chained_cells(shape, variant):
    params, events, ltm0, stm0, up_c, up_h = _sequence_case(shape, variant, seed=20)
    ltms, stms, cache = ref.lstm_forward_with_cache(events, ltm0, stm0, params, variant)
    d_events, d_ltm0, d_stm0, grads = ref.lstm_backward_from_cache(up_c, up_h, cache)

    def loss(_):
        c, h = ref.lstm_forward(events, ltm0, stm0, params, variant)
        return np.sum(c * up_c) + np.sum(h * up_h)

    for name, x, g in [("events", events, d_events), ("ltm0", ltm0, d_ltm0), ("stm0", stm0, d_stm0)] + [
            (k, params[k], grads[k]) for k in params]:
        assert_close_relative(g, ref.numeric_gradient(loss, x), name)

    # the same gradients by chaining the readable cell backward through time
    dc, dh = np.zeros_like(ltm0), np.zeros_like(stm0)
    total = {k: np.zeros_like(v) for k, v in params.items()}
    for step in range(events.shape[0] - 1, -1, -1):
        c_prev = ltm0 if step == 0 else ltms[step - 1]
        h_prev = stm0 if step == 0 else stms[step - 1]
        dc, dh, _, g = ref.lstm_cell_backward(up_c[step] + dc, up_h[step] + dh, c_prev, h_prev,
                                              events[step], params, variant)
        for k in total:
            total[k] += g[k]
    np.testing.assert_allclose(dc, d_ltm0, atol=1e-12)
    np.testing.assert_allclose(dh, d_stm0, atol=1e-12)
    for k in total:
        np.testing.assert_allclose(total[k], grads[k], atol=1e-12, err_msg=k)
