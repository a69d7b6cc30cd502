"""lessonkit.autodiff against PyTorch: every operation's value and gradient in float64.

Stated tolerance: values and gradients agree with torch to a relative 1e-10
(absolute 1e-12), the difference of two float64 computations in another order.
"""

import numpy as np
import pytest

from lessonkit import autodiff as ad

RTOL, ATOL = 1e-10, 1e-12


def _pair(torch, rng, *shapes):
    arrays = [rng.normal(size=s) for s in shapes]
    return [ad.Tensor(a.copy()) for a in arrays], [torch.tensor(a, requires_grad=True) for a in arrays]


def _check(ours, theirs, loss_ours, loss_theirs):
    np.testing.assert_allclose(loss_ours.value, loss_theirs.detach().numpy(), rtol=RTOL, atol=ATOL)
    loss_ours.backward()
    loss_theirs.backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=RTOL, atol=ATOL)


def _weighted_sum(torch, rng, y_ours, y_theirs):
    """A scalar loss sum(w * y) with fixed random w, so every entry's gradient differs."""
    w = rng.normal(size=y_ours.shape)
    return _sum(y_ours * w), (y_theirs * torch.from_numpy(w)).sum()


def _sum(t):
    """Sum of all entries of a 2-D tensor, written with the engine's own operations."""
    rows, cols = t.shape
    return (np.ones((1, rows)) @ t @ np.ones((cols, 1)))[0, 0]


OPERATIONS = {
    "matmul": ((3, 4), (4, 5), lambda a, b: a @ b),
    "add with bias broadcast": ((3, 4), (4,), lambda a, b: a + b),
    "sub": ((3, 4), (3, 4), lambda a, b: a - b),
    "mul with broadcast": ((3, 4), (1, 4), lambda a, b: a * b),
    "slice": ((3, 6), None, lambda a: a[:, 1:4]),
    "neg and scalar": ((3, 4), None, lambda a: 2.0 * (-a) + 1.0),
}


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_operation_matches_torch(torch, name):
    rng = np.random.default_rng(len(name))
    s1, s2, fn = OPERATIONS[name]
    ours, theirs = _pair(torch, rng, *([s1] if s2 is None else [s1, s2]))
    y_ours, y_theirs = fn(*ours), fn(*theirs)
    np.testing.assert_allclose(y_ours.value, y_theirs.detach().numpy(), rtol=RTOL, atol=ATOL)
    _check(ours, theirs, *_weighted_sum(torch, rng, y_ours, y_theirs))


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_activation_matches_torch_even_far_out(torch, name):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4, 5)) * 3
    x[0, :2] = [-800.0, 800.0]  # no overflow warning, exact limits
    ours, theirs = ad.Tensor(x.copy()), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = getattr(ad, name)(ours), getattr(torch, name)(theirs)
    _check([ours], [theirs], *_weighted_sum(torch, rng, y_ours, y_theirs))


def test_concat_matches_torch(torch):
    rng = np.random.default_rng(3)
    ours, theirs = _pair(torch, rng, (3, 2), (3, 4))
    y_ours, y_theirs = ad.concat(ours), torch.cat(theirs, dim=-1)
    _check(ours, theirs, *_weighted_sum(torch, rng, y_ours, y_theirs))


def test_cross_entropy_matches_torch(torch):
    rng = np.random.default_rng(4)
    logits = rng.normal(size=(6, 2)) * 4
    labels = rng.integers(0, 2, size=6)
    ours, theirs = ad.Tensor(logits.copy()), torch.tensor(logits, requires_grad=True)
    _check([ours], [theirs], ad.cross_entropy(ours, labels),
           torch.nn.functional.cross_entropy(theirs, torch.from_numpy(labels)))


def test_a_value_used_twice_collects_both_gradients(torch):
    rng = np.random.default_rng(5)
    ours, theirs = _pair(torch, rng, (3, 3))
    y_ours = ours[0] * ours[0] @ ours[0] + ad.tanh(ours[0])
    y_theirs = theirs[0] * theirs[0] @ theirs[0] + torch.tanh(theirs[0])
    _check(ours, theirs, *_weighted_sum(torch, rng, y_ours, y_theirs))


def _lstm_in_engine(events, p, H):
    B = events.shape[1]
    ltm = stm = ad.constant(np.zeros((B, H)))
    for event in events:
        joined = ad.concat([stm, ad.constant(event)])
        N = ad.tanh(joined @ p["W_n"] + p["b_n"])
        i = ad.sigmoid(joined @ p["W_i"] + p["b_i"])
        f = ad.sigmoid(joined @ p["W_f"] + p["b_f"])
        V = ad.sigmoid(joined @ p["W_v"] + p["b_v"])
        ltm = ltm * f + N * i
        stm = V * ad.tanh(ltm)
    return stm @ p["W_out"] + p["b_out"]


def test_a_whole_lstm_with_a_classifier_matches_torch_nn_lstm(torch):
    """60 steps back through time: the engine's gradients are torch's, for every array."""
    import solutions

    H, X, T, B = 5, 4, 60, 7
    rng = np.random.default_rng(6)
    arrays = solutions.init_params(H, X, "standard", seed=6)
    arrays["b_f"] = arrays["b_f"] + 2.0
    arrays["W_out"], arrays["b_out"] = rng.normal(size=(H, 2)), rng.normal(size=2)
    events, labels = rng.normal(size=(T, B, X)), rng.integers(0, 2, size=B)

    params = ad.parameters(arrays)
    loss = ad.cross_entropy(_lstm_in_engine(events, params, H), labels)
    loss.backward()
    grads = ad.gradients(params)

    layer = torch.nn.LSTM(X, H)
    with torch.no_grad():
        for name, value in solutions.lstm_to_torch({k: arrays[k] for k in solutions.STANDARD_KEYS}).items():
            getattr(layer, name + "_l0").copy_(torch.from_numpy(value))
    W_out = torch.tensor(arrays["W_out"], requires_grad=True)
    b_out = torch.tensor(arrays["b_out"], requires_grad=True)
    out, _ = layer(torch.from_numpy(events))
    t_loss = torch.nn.functional.cross_entropy(out[-1] @ W_out + b_out, torch.from_numpy(labels))
    t_loss.backward()
    np.testing.assert_allclose(loss.value, t_loss.item(), rtol=RTOL)
    grad = {name: getattr(layer, name + "_l0").grad.numpy()
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    # both torch biases get the same gradient, the gradient of our one b: take it once
    t_grads = solutions.lstm_from_torch(grad["weight_ih"], grad["weight_hh"], grad["bias_ih"],
                                        np.zeros_like(grad["bias_hh"]))
    for key in solutions.STANDARD_KEYS:
        np.testing.assert_allclose(grads[key], t_grads[key], rtol=RTOL, atol=ATOL, err_msg=key)
    np.testing.assert_allclose(grads["W_out"], W_out.grad.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(grads["b_out"], b_out.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_constants_collect_no_gradient_and_backward_starts_afresh():
    W = ad.Tensor(np.eye(2))
    x = ad.constant(np.ones((1, 2)))
    loss = _sum(x @ W)
    loss.backward()
    first = W.grad.copy()
    loss.backward()
    np.testing.assert_array_equal(W.grad, first)
    assert x.grad is None or not x.needs_grad
    with pytest.raises(ValueError, match="scalar"):
        (x @ W).backward()


def test_gradients_are_copies_and_zero_where_unused():
    params = ad.parameters({"a": np.ones((2, 2)), "unused": np.ones(3)})
    loss = _sum(params["a"] * params["a"])
    loss.backward()
    grads = ad.gradients(params)
    np.testing.assert_array_equal(grads["a"], 2 * np.ones((2, 2)))
    np.testing.assert_array_equal(grads["unused"], np.zeros(3))
    grads["a"][0, 0] = 99.0
    assert params["a"].grad[0, 0] == 2.0
