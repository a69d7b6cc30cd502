"""Lesson 06's layout conversions against PyTorch itself: lstm_to_torch packs the course's
params so that torch.nn.LSTMCell computes the course's standard cell, lstm_from_torch
unpacks a PyTorch cell (both biases non-zero, as torch initialises them) into params that
reproduce it, and every named porting mistake really gives PyTorch other numbers."""

import numpy as np
import pytest

import solutions as ref
from autograder.graded import GRADED

from .shapes import SMALL_SHAPES, shape_id
from .torch_cells import load, t

TOL = 1e-10
NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _case(shape, seed):
    B, X, H, _ = shape
    rng = np.random.default_rng(seed)
    params = ref.init_params(H, X, variant="standard", seed=seed)
    for g in "nifv":   # biases that are not zero, so a doubled or dropped bias shows
        params["b_" + g] = rng.uniform(-1, 1, size=H)
    return params, rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.normal(size=(B, X))


def _torch_step(torch, arrays, ltm, stm, event):
    X, H = arrays["weight_ih"].shape[1], arrays["weight_hh"].shape[1]
    cell = load(torch, torch.nn.LSTMCell(X, H), arrays)
    h, c = cell(t(torch, event), (t(torch, stm), t(torch, ltm)))
    return c.detach().numpy(), h.detach().numpy()


@pytest.mark.parametrize("shape", SMALL_SHAPES, ids=shape_id)
def test_packed_params_make_lstmcell_compute_the_course_cell(torch, shape):
    params, ltm, stm, event = _case(shape, 1)
    packed = ref.lstm_to_torch(params)
    H, X = params["b_n"].shape[0], event.shape[1]
    cell = torch.nn.LSTMCell(X, H)
    for name in NAMES:   # the shapes are PyTorch's own
        assert packed[name].shape == tuple(getattr(cell, name).shape), name
    c, h = _torch_step(torch, packed, ltm, stm, event)
    new_ltm, new_stm = ref.lstm_cell(ltm, stm, event, params, variant="standard")
    np.testing.assert_allclose(new_ltm, c, rtol=0, atol=TOL)
    np.testing.assert_allclose(new_stm, h, rtol=0, atol=TOL)


@pytest.mark.parametrize("shape", SMALL_SHAPES, ids=shape_id)
def test_unpacked_torch_cell_runs_in_the_course_cell(torch, shape):
    B, X, H, _ = shape
    rng = np.random.default_rng(2)
    torch.manual_seed(3)
    cell = torch.nn.LSTMCell(X, H)   # torch's init: bias_ih and bias_hh both non-zero
    arrays = {n: getattr(cell, n).detach().numpy() for n in NAMES}
    assert np.abs(arrays["bias_hh"]).max() > 0
    params = ref.lstm_from_torch(*(arrays[n] for n in NAMES))
    ltm, stm, event = rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.normal(size=(B, X))
    c, h = _torch_step(torch, arrays, ltm, stm, event)
    new_ltm, new_stm = ref.lstm_cell(ltm, stm, event, params, variant="standard")
    np.testing.assert_allclose(new_ltm, c, rtol=0, atol=TOL)
    np.testing.assert_allclose(new_stm, h, rtol=0, atol=TOL)
    again = ref.lstm_to_torch(params)   # a round trip moves the bias into bias_ih only
    np.testing.assert_allclose(again["bias_ih"], arrays["bias_ih"] + arrays["bias_hh"], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(again["weight_ih"], arrays["weight_ih"])
    np.testing.assert_array_equal(again["weight_hh"], arrays["weight_hh"])


@pytest.mark.parametrize("slug", [m.name for m in GRADED["lstm_to_torch"].mistakes])
def test_each_packing_mistake_gives_pytorch_other_numbers(torch, slug):
    """Loaded into LSTMCell, a wrongly packed set of weights does not compute the course's
    cell (or does not even fit the cell's shapes)."""
    params, ltm, stm, event = _case((3, 2, 3, 1), 4)   # H = 3, X = 2
    wrong = next(m for m in GRADED["lstm_to_torch"].mistakes if m.name == slug).fn(params)
    new_ltm, new_stm = ref.lstm_cell(ltm, stm, event, params, variant="standard")
    try:
        c, h = _torch_step(torch, wrong, ltm, stm, event)
    except RuntimeError:   # the shapes do not fit PyTorch's (transposed, ih/hh swapped)
        return
    assert not (np.allclose(c, new_ltm) and np.allclose(h, new_stm)), slug


@pytest.mark.parametrize("slug", [m.name for m in GRADED["lstm_from_torch"].mistakes])
def test_each_unpacking_mistake_computes_another_cell(torch, slug):
    torch.manual_seed(5)
    cell = torch.nn.LSTMCell(2, 3)
    arrays = {n: getattr(cell, n).detach().numpy() for n in NAMES}
    rng = np.random.default_rng(6)
    ltm, stm, event = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    c, h = _torch_step(torch, arrays, ltm, stm, event)
    wrong = next(m for m in GRADED["lstm_from_torch"].mistakes if m.name == slug).fn(
        *(arrays[n] for n in NAMES))
    try:
        new_ltm, new_stm = ref.lstm_cell(ltm, stm, event, wrong, variant="standard")
    except ValueError:   # a transposed W does not fit [STM, E]
        return
    assert not (np.allclose(c, new_ltm) and np.allclose(h, new_stm)), slug
