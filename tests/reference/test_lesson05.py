"""Lesson 05's functions: the use gate in the lesson's form and in the standard form,
against PyTorch, and the identity that joins them."""

import warnings

import numpy as np
import pytest

import solutions as ref

from .shapes import AWKWARD, shape_id
from .torch_cells import t

TOL = 1e-12
GATES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _torch_step(torch, B, X, H, seed):
    """A torch LSTMCell with its own init, one step on random inputs: (params, stm, event, c, h)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    cell = torch.nn.LSTMCell(X, H)
    params = ref.lstm_from_torch(*(getattr(cell, n).detach().numpy() for n in GATES))
    ltm, stm, event = rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.normal(size=(B, X))
    h, c = cell(t(torch, event), (t(torch, stm), t(torch, ltm)))
    return params, stm, event, c.detach().numpy(), h.detach().numpy()


@pytest.mark.parametrize("shape", AWKWARD, ids=shape_id)
def test_standard_use_gate_is_torchs_h_given_its_new_c(torch, shape):
    """LSTMCell's h equals o ⊙ tanh(c) with torch's own new c and its output-gate block."""
    B, X, H, _ = shape
    params, stm, event, c, h = _torch_step(torch, B, X, H, seed=50)
    np.testing.assert_allclose(ref.standard_use_gate(c, stm, event, params["W_v"], params["b_v"]),
                               h, rtol=0, atol=TOL)


@pytest.mark.parametrize("shape", AWKWARD, ids=shape_id)
def test_use_gate_with_identity_and_new_ltm_is_torchs_h(torch, shape):
    """The lesson's use gate with W_u = I, b_u = 0, fed torch's new c, gives torch's h."""
    B, X, H, _ = shape
    params, stm, event, c, h = _torch_step(torch, B, X, H, seed=51)
    out = ref.use_gate(c, stm, event, np.eye(H), np.zeros(H), params["W_v"], params["b_v"])
    np.testing.assert_allclose(out, h, rtol=0, atol=TOL)


@pytest.mark.parametrize("shape", AWKWARD, ids=shape_id)
def test_use_gate_equals_torch_ops(torch, shape):
    """U = tanh(forgotten W_u + b_u), V = σ([STM, E] W_v + b_v), U ⊙ V, with a general W_u."""
    B, X, H, _ = shape
    rng = np.random.default_rng(52)
    forgotten, stm, event = rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.normal(size=(B, X))
    W_u, b_u = rng.normal(size=(H, H)), rng.normal(size=H)
    W_v, b_v = rng.normal(size=(H + X, H)), rng.normal(size=H)
    z = torch.cat([t(torch, stm), t(torch, event)], dim=-1)
    expected = torch.tanh(t(torch, forgotten) @ t(torch, W_u) + t(torch, b_u)) * \
        torch.sigmoid(z @ t(torch, W_v) + t(torch, b_v))
    np.testing.assert_allclose(ref.use_gate(forgotten, stm, event, W_u, b_u, W_v, b_v),
                               expected.numpy(), rtol=0, atol=TOL)


def test_the_identity_needs_all_three_conditions():
    """Break W_u = I, b_u = 0 or the new LTM one at a time, and the two forms part."""
    rng = np.random.default_rng(53)
    B, H, X = 3, 4, 2
    forgotten, stm, event = rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.normal(size=(B, X))
    ltm = forgotten + rng.uniform(-1, 1, size=(B, H))
    W_v, b_v = rng.normal(size=(H + X, H)), rng.normal(size=H)
    standard = ref.standard_use_gate(ltm, stm, event, W_v, b_v)
    I, zero = np.eye(H), np.zeros(H)
    assert np.array_equal(ref.use_gate(ltm, stm, event, I, zero, W_v, b_v), standard)
    for memory, W_u, b_u in ((forgotten, I, zero), (ltm, 2 * I, zero), (ltm, I, zero + 0.5)):
        assert np.max(np.abs(ref.use_gate(memory, stm, event, W_u, b_u, W_v, b_v) - standard)) > 1e-2


def test_outputs_stay_in_unit_interval_without_warnings_for_wide_memories():
    rng = np.random.default_rng(54)
    ltm = rng.choice([-1.0, 1.0], size=(4, 3)) * 10.0 ** rng.uniform(-3, 3, size=(4, 3))
    stm, event = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    W_v, b_v = rng.normal(size=(5, 3)), rng.normal(size=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outs = [ref.standard_use_gate(ltm, stm, event, W_v, b_v),
                ref.use_gate(ltm, stm, event, rng.normal(size=(3, 3)), rng.normal(size=3), W_v, b_v)]
    for out in outs:
        assert out.shape == (4, 3) and np.all(np.abs(out) <= 1)


def test_float32_stays_float32():
    rng = np.random.default_rng(55)
    f32 = lambda *shape: rng.normal(size=shape).astype(np.float32)  # noqa: E731
    assert ref.use_gate(f32(2, 3), f32(2, 3), f32(2, 4), f32(3, 3), f32(3), f32(7, 3), f32(3)).dtype == np.float32
    assert ref.standard_use_gate(f32(2, 3), f32(2, 3), f32(2, 4), f32(7, 3), f32(3)).dtype == np.float32
