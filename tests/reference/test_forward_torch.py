"""Every forward function equals PyTorch's in float64 to 1e-10."""

import numpy as np
import pytest

import solutions as ref

from .shapes import SHAPES, shape_id
from .torch_cells import CELLS, load, random_lstm_case, t

TOL = 1e-10
pytestmark = pytest.mark.parametrize("shape", SHAPES, ids=shape_id)


def test_rnn_cell_equals_torch_rnncell(torch, shape):
    B, X, H, _ = shape
    rng = np.random.default_rng(1)
    W, b = ref.init_rnn_params(H, X, seed=2)
    memory, event = rng.normal(size=(B, H)), rng.normal(size=(B, X))
    cell = load(torch, torch.nn.RNNCell(X, H), ref.rnn_to_torch(W, b))
    expected = cell(t(torch, event), t(torch, memory)).detach().numpy()
    np.testing.assert_allclose(ref.rnn_cell(memory, event, W, b), expected, rtol=0, atol=TOL)


def test_rnn_forward_equals_torch_rnn(torch, shape):
    B, X, H, T = shape
    rng = np.random.default_rng(3)
    layer = torch.nn.RNN(X, H)
    W, b = ref.rnn_from_torch(*(getattr(layer, n + "_l0").detach().numpy()
                                 for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
    events, memory0 = rng.normal(size=(T, B, X)), rng.normal(size=(B, H))
    expected, _ = layer(t(torch, events), t(torch, memory0[None]))
    np.testing.assert_allclose(ref.rnn_forward(events, memory0, W, b),
                               expected.detach().numpy(), rtol=0, atol=TOL)


def test_lstm_cell_equals_torch_lstmcell(torch, shape):
    B, X, H, _ = shape
    params, events, ltm, stm = random_lstm_case(B, X, H, 1, "standard", seed=4)
    cell = load(torch, torch.nn.LSTMCell(X, H), ref.lstm_to_torch(params))
    h, c = cell(t(torch, events[0]), (t(torch, stm), t(torch, ltm)))
    new_ltm, new_stm = ref.lstm_cell(ltm, stm, events[0], params, variant="standard")
    np.testing.assert_allclose(new_ltm, c.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(new_stm, h.detach().numpy(), rtol=0, atol=TOL)


def test_lstm_params_from_torch_reproduce_torch(torch, shape):
    """Torch's own random init, converted with lstm_from_torch, gives torch's numbers."""
    B, X, H, _ = shape
    rng = np.random.default_rng(5)
    cell = torch.nn.LSTMCell(X, H)
    params = ref.lstm_from_torch(*(getattr(cell, n).detach().numpy()
                                   for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
    ltm, stm, event = rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.normal(size=(B, X))
    h, c = cell(t(torch, event), (t(torch, stm), t(torch, ltm)))
    new_ltm, new_stm = ref.lstm_cell(ltm, stm, event, params, variant="standard")
    np.testing.assert_allclose(new_ltm, c.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(new_stm, h.detach().numpy(), rtol=0, atol=TOL)


def test_lstm_forward_equals_torch_lstm(torch, shape):
    B, X, H, T = shape
    params, events, ltm0, stm0 = random_lstm_case(B, X, H, T, "standard", seed=6)
    layer = load(torch, torch.nn.LSTM(X, H), ref.lstm_to_torch(params), suffix="_l0")
    out, (h_n, c_n) = layer(t(torch, events), (t(torch, stm0[None]), t(torch, ltm0[None])))
    ltms, stms = ref.lstm_forward(events, ltm0, stm0, params, variant="standard")
    np.testing.assert_allclose(stms, out.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(ltms[-1], c_n[0].detach().numpy(), rtol=0, atol=TOL)


@pytest.mark.parametrize("variant", ["lesson", "standard"])
def test_lstm_forward_equals_torch_unrolled_cell(torch, shape, variant):
    """Both variants, against the cell written in torch ops and unrolled."""
    B, X, H, T = shape
    params, events, ltm0, stm0 = random_lstm_case(B, X, H, T, variant, seed=7)
    p = {k: t(torch, v) for k, v in params.items()}
    ltm, stm = t(torch, ltm0), t(torch, stm0)
    ltms, stms = ref.lstm_forward(events, ltm0, stm0, params, variant=variant)
    for step in range(T):
        ltm, stm = CELLS[variant](torch, ltm, stm, t(torch, events[step]), p)
        np.testing.assert_allclose(ltms[step], ltm.numpy(), rtol=0, atol=TOL)
        np.testing.assert_allclose(stms[step], stm.numpy(), rtol=0, atol=TOL)


def test_gru_cell_equals_torch_grucell(torch, shape):
    B, X, H, _ = shape
    rng = np.random.default_rng(8)
    cell = torch.nn.GRUCell(X, H)
    arrays = {n: getattr(cell, n).detach().numpy() for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    params = ref.gru_from_torch(**arrays)
    h, x = rng.normal(size=(B, H)), rng.normal(size=(B, X))
    expected = cell(t(torch, x), t(torch, h)).detach().numpy()
    np.testing.assert_allclose(ref.gru_cell(h, x, params), expected, rtol=0, atol=TOL)
    # and back: our own init, loaded into torch, gives our numbers
    own = ref.init_gru_params(H, X, seed=9)
    load(torch, cell, ref.gru_to_torch(own))
    np.testing.assert_allclose(ref.gru_cell(h, x, own), cell(t(torch, x), t(torch, h)).detach().numpy(),
                               rtol=0, atol=TOL)
