"""Lesson 03's functions: the forget gate against PyTorch, and memory_half_life."""

import warnings

import numpy as np
import pytest

import solutions as ref

from .torch_cells import load, t


def test_forget_gate_is_torchs_cell_update_with_nothing_learned(torch):
    """With the candidate's weights and bias zeroed, LSTMCell's new C is exactly f ⊙ C."""
    B, X, H = 3, 5, 4
    rng = np.random.default_rng(30)
    cell = torch.nn.LSTMCell(X, H)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name)[2 * H:3 * H] = 0.0        # torch packs i, f, g, o: g is the candidate
    params = ref.lstm_from_torch(*(getattr(cell, n).detach().numpy()
                                   for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
    ltm, stm, event = rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.normal(size=(B, X))
    _, c = cell(t(torch, event), (t(torch, stm), t(torch, ltm)))
    np.testing.assert_allclose(ref.forget_gate(ltm, stm, event, params["W_f"], params["b_f"]),
                               c.detach().numpy(), rtol=0, atol=1e-12)


def test_half_life_matches_torch_lstmcell_fading(torch):
    """A torch LSTMCell that only forgets, f = 2^(-1/k) per unit, holds half its memory after k steps."""
    steps = np.array([1, 2, 5, 20])
    f = 0.5 ** (1.0 / steps)
    H = len(f)
    cell = torch.nn.LSTMCell(1, H)
    bias = np.zeros(4 * H)
    bias[H:2 * H] = np.log(f / (1 - f))                 # σ(bias) = f for the forget block
    load(torch, cell, {"weight_ih": np.zeros((4 * H, 1)), "weight_hh": np.zeros((4 * H, H)),
                       "bias_ih": bias, "bias_hh": np.zeros(4 * H)})
    c0 = np.array([[1.0, -2.0, 0.5, 3.0]])
    h, c = t(torch, np.zeros((1, H))), t(torch, c0)
    track = []
    for _ in range(steps.max()):
        h, c = cell(t(torch, np.zeros((1, 1))), (h, c))
        track.append(c.detach().numpy()[0])
    track = np.array(track)
    np.testing.assert_allclose(ref.memory_half_life(f), steps, rtol=1e-12)
    np.testing.assert_allclose(track[steps - 1, np.arange(H)], c0[0] / 2, rtol=1e-10)


def test_half_life_halves_the_memory_for_any_factor():
    f = np.random.default_rng(31).uniform(1e-6, 1 - 1e-9, size=(50, 3))
    np.testing.assert_allclose(f ** ref.memory_half_life(f), 0.5, rtol=1e-9)


def test_half_life_known_values_and_shapes():
    assert ref.memory_half_life(0.5) == pytest.approx(1.0)
    assert ref.memory_half_life(0.25) == pytest.approx(0.5)
    assert ref.memory_half_life(0.99) == pytest.approx(68.967563, rel=1e-7)
    assert np.shape(ref.memory_half_life(0.9)) == ()
    assert ref.memory_half_life(np.full((2, 3, 4), 0.7)).shape == (2, 3, 4)
    assert ref.memory_half_life([0.5, 0.5]).dtype == np.float64


def test_half_life_edges_do_not_warn():
    """f = 1 never fades (inf); factors at or near the smallest float halve almost at once."""
    f = np.array([1.0, 1 - 1e-16, 1e-300, 5e-324, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ref.memory_half_life(f)
        scalar = ref.memory_half_life(1.0)
    assert np.isposinf(got[0]) and np.isposinf(scalar)
    assert np.all(np.isfinite(got[2:])) and np.all(got[2:4] > 0) and np.all(got[2:4] < 2e-3)
    assert got[1] > 1e15 or np.isposinf(got[1])          # 1 - 1e-16 rounds to 1 or just below


def test_half_life_equals_ln2_over_one_minus_f_near_one():
    """For f close to 1, -ln f ≈ 1 - f, so the half-life is about 0.69 / (1 - f)."""
    f = 1 - np.array([1e-3, 1e-5, 1e-7])
    np.testing.assert_allclose(ref.memory_half_life(f), np.log(2) / (1 - f), rtol=1e-3)
