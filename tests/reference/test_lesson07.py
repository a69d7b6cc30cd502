"""Lesson 07's references: lstm_backward (the graded loop) against PyTorch autograd,
torch.nn.LSTM, the packed lstm_backward_from_cache and central differences; and the
numbers the lesson states about gradient checks.

rnn_cell_backward, lstm_cell_backward and the packed backward are also tested in
test_backward.py and test_properties.py.
"""

import numpy as np
import pytest

import solutions as ref
from lessonkit.testfunctions import FUNCTIONS

from .shapes import SHAPES, SMALL_SHAPES, shape_id
from .torch_cells import CELLS, load, t

VARIANTS = ["lesson", "standard"]


def _sequence(shape, seed, params_variant="lesson"):
    """Lesson-variant params by default: the standard cell must then give W_u, b_u zero gradients."""
    B, X, H, T = shape
    rng = np.random.default_rng(seed)
    params = ref.init_params(H, X, variant=params_variant, seed=seed)
    return dict(d_ltms=rng.normal(size=(T, B, H)), d_stms=rng.normal(size=(T, B, H)),
                events=rng.normal(size=(T, B, X)), ltm0=rng.normal(size=(B, H)), stm0=rng.normal(size=(B, H)),
                params=params)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_lstm_backward_equals_torch_autograd(torch, shape, variant):
    a = _sequence(shape, seed=31)
    d_ltm0, d_stm0, d_events, grads = ref.lstm_backward(**a, variant=variant)
    p = {k: t(torch, v, True) for k, v in a["params"].items()}
    te, tc0, th0 = t(torch, a["events"], True), t(torch, a["ltm0"], True), t(torch, a["stm0"], True)
    c, h, loss = tc0, th0, 0
    for step in range(len(a["events"])):
        c, h = CELLS[variant](torch, c, h, te[step], p)
        loss = loss + (c * t(torch, a["d_ltms"][step])).sum() + (h * t(torch, a["d_stms"][step])).sum()
    loss.backward()
    for name, ours, tensor in [("d_ltm0", d_ltm0, tc0), ("d_stm0", d_stm0, th0), ("d_events", d_events, te)]:
        np.testing.assert_allclose(ours, tensor.grad.numpy(), rtol=0, atol=1e-10, err_msg=name)
    assert list(grads) == list(a["params"])
    for k in a["params"]:
        expected = p[k].grad.numpy() if p[k].grad is not None else np.zeros_like(a["params"][k])
        np.testing.assert_allclose(grads[k], expected, rtol=0, atol=1e-10, err_msg=k)
    if variant == "standard":   # the standard cell does not use W_u, b_u
        assert not np.any(grads["W_u"]) and not np.any(grads["b_u"])


@pytest.mark.parametrize("shape", SHAPES[:8], ids=shape_id)
def test_standard_lstm_backward_equals_torch_nn_lstm(torch, shape):
    """torch.nn.LSTM's own backward, with the loss on every step's h and the final c."""
    a = _sequence(shape, seed=32, params_variant="standard")
    a["d_ltms"][:-1] = 0.0                      # nn.LSTM returns the last c only
    d_ltm0, d_stm0, d_events, _ = ref.lstm_backward(**a, variant="standard")
    layer = load(torch, torch.nn.LSTM(a["events"].shape[2], a["ltm0"].shape[1]),
                 ref.lstm_to_torch(a["params"]), "_l0")
    te, tc0, th0 = t(torch, a["events"], True), t(torch, a["ltm0"][None], True), t(torch, a["stm0"][None], True)
    out, (_, c_last) = layer(te, (th0, tc0))
    ((out * t(torch, a["d_stms"])).sum() + (c_last[0] * t(torch, a["d_ltms"][-1])).sum()).backward()
    np.testing.assert_allclose(d_events, te.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(d_ltm0, tc0.grad.numpy()[0], rtol=0, atol=1e-10)
    np.testing.assert_allclose(d_stm0, th0.grad.numpy()[0], rtol=0, atol=1e-10)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("shape", SHAPES[:10], ids=shape_id)
def test_lstm_backward_equals_the_packed_backward(shape, variant):
    a = _sequence(shape, seed=33, params_variant=variant)
    d_ltm0, d_stm0, d_events, grads = ref.lstm_backward(**a, variant=variant)
    _, _, cache = ref.lstm_forward_with_cache(a["events"], a["ltm0"], a["stm0"], a["params"], variant)
    p_events, p_ltm0, p_stm0, p_grads = ref.lstm_backward_from_cache(a["d_ltms"], a["d_stms"], cache)
    for ours, packed in ((d_ltm0, p_ltm0), (d_stm0, p_stm0), (d_events, p_events)):
        np.testing.assert_allclose(ours, packed, rtol=1e-10, atol=1e-12)
    for k in a["params"]:
        np.testing.assert_allclose(grads[k], p_grads[k], rtol=1e-10, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("shape", SMALL_SHAPES[:5], ids=shape_id)
def test_lstm_backward_central_differences(shape, variant):
    a = _sequence(shape, seed=34)
    d_ltm0, d_stm0, d_events, grads = ref.lstm_backward(**a, variant=variant)

    def loss(_):
        ltms, stms = ref.lstm_forward(a["events"], a["ltm0"], a["stm0"], a["params"], variant)
        return np.sum(ltms * a["d_ltms"]) + np.sum(stms * a["d_stms"])

    arrays = [("events", a["events"], d_events), ("ltm0", a["ltm0"], d_ltm0), ("stm0", a["stm0"], d_stm0)]
    for name, x, analytic in arrays + [(k, a["params"][k], grads[k]) for k in a["params"]]:
        numeric = ref.numeric_gradient(loss, x)
        if not np.any(numeric) and not np.any(analytic):   # W_u, b_u of the standard cell
            continue
        assert ref.relative_error(analytic, numeric) < 1e-6, name


def test_lstm_backward_calls_the_cell_once_per_step_last_step_first(monkeypatch):
    """The grader records these calls to replay them (lessonkit.replay): the reference must make them."""
    import solutions.lstm as module

    a = _sequence((2, 3, 4, 5), seed=35)
    seen = []
    real = module.lstm_cell_backward

    def spy(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
        seen.append(event.copy())
        return real(d_ltm, d_stm, ltm, stm, event, params, variant)

    monkeypatch.setattr(module, "lstm_cell_backward", spy)
    ref.lstm_backward(**a)
    np.testing.assert_array_equal(np.stack(seen), a["events"][::-1])


@pytest.mark.parametrize("shape", SMALL_SHAPES, ids=shape_id)
def test_rnn_cell_backward_equals_torch_autograd(torch, shape):
    B, X, H, _ = shape
    rng = np.random.default_rng(36)
    W, b = ref.init_rnn_params(H, X, seed=37)
    memory, event, up = rng.normal(size=(B, H)), rng.normal(size=(B, X)), rng.normal(size=(B, H))
    d_memory, d_event, dW, db = ref.rnn_cell_backward(up, memory, event, W, b)
    tm, te, tW, tb = (t(torch, v, True) for v in (memory, event, W, b))
    (torch.tanh(torch.cat([tm, te], dim=-1) @ tW + tb) * t(torch, up)).sum().backward()
    for ours, tensor in ((d_memory, tm), (d_event, te), (dW, tW), (db, tb)):
        np.testing.assert_allclose(ours, tensor.grad.numpy(), rtol=0, atol=1e-12)


def _exact_gradient(name, x):
    if name == "sum_of_sines":
        return np.cos(x)
    if name == "weighted_squares":
        return np.arange(1, x.size + 1).reshape(x.shape) * x
    if name == "log_sum_exp":
        e = np.exp(x - x.max())
        return e / e.sum()
    return (1 - np.tanh(x) ** 2) * np.roll(x, 1) + np.roll(np.tanh(x), -1)   # squashed_product


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_exact_gradients_check_far_below_1e_7_at_h_1e_6(name):
    x = np.random.default_rng(0).normal(size=(3, 4))
    assert ref.gradient_check(FUNCTIONS[name], x, _exact_gradient(name, x)) < 1e-8


def test_torch_autograd_agrees_with_the_exact_gradients(torch):
    x = np.random.default_rng(1).normal(size=(3, 4))
    torch_fns = {
        "sum_of_sines": lambda t: torch.sin(t).sum(),
        "weighted_squares": lambda t: (torch.arange(1, 13, dtype=t.dtype).reshape(3, 4) * t**2).sum() / 2,
        "log_sum_exp": lambda t: torch.logsumexp(t.reshape(-1), 0),
        "squashed_product": lambda t: (torch.tanh(t) * torch.roll(t.reshape(-1), 1).reshape(3, 4)).sum(),
    }
    for name, fn in torch_fns.items():
        t = torch.tensor(x, requires_grad=True)
        fn(t).backward()
        np.testing.assert_allclose(_exact_gradient(name, x), t.grad.numpy(), rtol=1e-12, atol=1e-14,
                                   err_msg=name)
        assert abs(float(fn(torch.tensor(x))) - FUNCTIONS[name](x)) < 1e-12


def test_central_differences_beat_forward_ones_by_orders_of_magnitude():
    x = np.random.default_rng(2).normal(size=(3, 4))
    f, h = FUNCTIONS["sum_of_sines"], 1e-6
    forward = np.array([(f(x + h * e) - f(x)) / h for e in np.eye(x.size).reshape(x.size, *x.shape)])
    forward_error = ref.relative_error(np.cos(x), forward.reshape(x.shape))
    assert forward_error > 1e-7 > 1e3 * ref.gradient_check(f, x, np.cos(x), h)


def test_float32_leaves_hardly_a_digit_at_h_1e_6_and_no_step_saves_it():
    x = np.random.default_rng(3).normal(size=(3, 4))
    in_float32 = lambda v: float(np.sum(np.sin(v.astype(np.float32))))   # noqa: E731
    assert ref.gradient_check(in_float32, x.copy(), np.cos(x), 1e-6) > 1e-3
    assert min(ref.gradient_check(in_float32, x.copy(), np.cos(x), h) for h in 10.0 ** np.arange(-12, -0.5, 0.5)) > 1e-6


def test_large_step_error_is_about_h_squared_over_6():
    x = np.random.default_rng(4).normal(size=(4, 2))
    error = ref.gradient_check(FUNCTIONS["sum_of_sines"], x, np.cos(x), 0.1)
    assert error == pytest.approx(0.1**2 / 6, rel=1e-2)


def test_gradient_check_leaves_x_exactly_as_it_was_and_both_zero_is_zero():
    x = np.random.default_rng(5).normal(size=(2, 3)) * 1e3
    before = x.copy()
    ref.gradient_check(FUNCTIONS["squashed_product"], x, np.zeros_like(x), 0.37)
    np.testing.assert_array_equal(x, before)
    assert ref.gradient_check(FUNCTIONS["weighted_squares"], np.zeros((2, 2)), np.zeros((2, 2))) == 0.0
