"""The reference of lesson 04's own function, ltm_track: the long-term memory over a sequence."""

import numpy as np
import pytest

import solutions as ref
from solutions.activations import sigmoid
from solutions.joining import linear

from .shapes import SHAPES, shape_id
from .torch_cells import t


def _case(seed, T=6, B=3, H=4):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(B, H)), rng.uniform(0.05, 0.95, size=(T, B, H)),
            rng.uniform(-1, 1, size=(T, B, H)))


def test_track_follows_the_recurrence_step_by_step():
    ltm0, f, learned = _case(0)
    ltms = ref.ltm_track(ltm0, f, learned)
    assert ltms.shape == (6, 3, 4)
    np.testing.assert_allclose(ltms[0], ltm0 * f[0] + learned[0], rtol=0, atol=1e-15)
    for k in range(1, 6):
        np.testing.assert_allclose(ltms[k], ltms[k - 1] * f[k] + learned[k], rtol=0, atol=1e-15)


def test_track_closed_forms_and_edge_sizes():
    ltm0, f, learned = _case(1)
    # nothing learned: the memory only fades, by the product of the factors so far
    np.testing.assert_allclose(ref.ltm_track(ltm0, f, np.zeros_like(learned)),
                               ltm0 * np.cumprod(f, axis=0), rtol=1e-13)
    # factors of 1: a running sum
    np.testing.assert_allclose(ref.ltm_track(ltm0, np.ones_like(f), learned),
                               ltm0 + np.cumsum(learned, axis=0), rtol=1e-13)
    # one step, and no step at all
    np.testing.assert_array_equal(ref.ltm_track(ltm0, f[:1], learned[:1])[0],
                                  ref.remember_gate(ltm0 * f[0], learned[0]))
    assert ref.ltm_track(ltm0, f[:0], learned[:0]).shape == (0, 3, 4)


def test_track_leaves_its_inputs_untouched_and_keeps_float32():
    ltm0, f, learned = _case(2)
    copies = [a.copy() for a in (ltm0, f, learned)]
    ref.ltm_track(ltm0, f, learned)
    for a, b in zip((ltm0, f, learned), copies):
        np.testing.assert_array_equal(a, b)
    assert ref.ltm_track(*(a.astype(np.float32) for a in (ltm0, f, learned))).dtype == np.float32


@pytest.mark.parametrize("variant", ["lesson", "standard"])
def test_track_is_the_ltm_of_lstm_forward_given_its_gates(variant):
    """Fed the forget factors and learned amounts of a real LSTM run, ltm_track gives its LTM track."""
    rng = np.random.default_rng(3)
    T, B, X, H = 7, 2, 3, 4
    params = ref.init_params(H, X, variant=variant, seed=3)
    events, ltm0, stm0 = rng.normal(size=(T, B, X)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    ltms, stms = ref.lstm_forward(events, ltm0, stm0, params, variant=variant)
    prev = np.concatenate([stm0[None], stms[:-1]])
    f = np.stack([sigmoid(linear(prev[k], events[k], params["W_f"], params["b_f"])) for k in range(T)])
    learned = np.stack([ref.learn_gate(prev[k], events[k], params["W_n"], params["b_n"],
                                       params["W_i"], params["b_i"]) for k in range(T)])
    np.testing.assert_allclose(ref.ltm_track(ltm0, f, learned), ltms, rtol=0, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_track_equals_torch_lstm_cell_states(torch, shape):
    """PyTorch's cell states c_t, step by step, from the gates of the same run."""
    B, X, H, T = shape
    rng = np.random.default_rng(4)
    cell = torch.nn.LSTMCell(X, H)
    params = ref.lstm_from_torch(*(getattr(cell, n).detach().numpy()
                                   for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
    events, h, c = rng.normal(size=(T, B, X)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    ltm0, f, learned, cs = c, [], [], []
    h_t, c_t = t(torch, h), t(torch, c)
    for k in range(T):
        stm = h_t.detach().numpy()
        f.append(sigmoid(linear(stm, events[k], params["W_f"], params["b_f"])))
        learned.append(ref.learn_gate(stm, events[k], params["W_n"], params["b_n"],
                                      params["W_i"], params["b_i"]))
        h_t, c_t = cell(t(torch, events[k]), (h_t, c_t))
        cs.append(c_t.detach().numpy())
    np.testing.assert_allclose(ref.ltm_track(ltm0, np.stack(f), np.stack(learned)), np.stack(cs),
                               rtol=0, atol=1e-10)
