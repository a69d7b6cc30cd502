"""The references of lesson 08's functions, clip_gradients and sgd_update, against PyTorch."""

import numpy as np
import pytest

import solutions as ref


def _grads(seed, scale=1.0, H=4, X=3):
    return {k: scale * v for k, v in ref.init_params(H, X, "lesson", seed=seed).items()}


@pytest.mark.parametrize("scale, max_norm", [(1.0, 0.5), (1.0, 2.0), (10.0, 1.0), (0.01, 1.0)])
def test_clip_gradients_matches_torch_clip_grad_norm(torch, scale, max_norm):
    grads = _grads(0, scale)
    tensors = [torch.zeros(g.shape, requires_grad=True) for g in grads.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.from_numpy(g.copy())
    torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    ours = ref.clip_gradients(grads, max_norm)
    assert list(ours) == list(grads)
    # torch divides by (norm + 1e-6): agreement to 1e-6 relative, no closer
    for t, key in zip(tensors, grads):
        np.testing.assert_allclose(ours[key], t.grad.numpy(), rtol=1e-6, atol=0)


def test_clip_gradients_keeps_direction_caps_the_norm_and_leaves_inputs_alone():
    grads = _grads(1, scale=5.0)
    before = {k: v.copy() for k, v in grads.items()}
    clipped = ref.clip_gradients(grads, 1.5)
    norm = np.sqrt(sum(np.sum(g**2) for g in clipped.values()))
    assert norm == pytest.approx(1.5, rel=1e-12)
    factor = clipped["W_n"].flat[0] / grads["W_n"].flat[0]
    for key in grads:
        np.testing.assert_allclose(clipped[key], factor * grads[key], rtol=1e-12)
        np.testing.assert_array_equal(grads[key], before[key])
    small = _grads(2, scale=1e-3)
    assert all(np.array_equal(ref.clip_gradients(small, 1.0)[k], small[k]) for k in small)
    zero = {k: np.zeros_like(v) for k, v in small.items()}
    assert all(np.array_equal(ref.clip_gradients(zero, 1.0)[k], zero[k]) for k in zero)


@pytest.mark.parametrize("learning_rate", [0.01, 0.5, 2.0])
def test_sgd_update_matches_torch_optim_sgd(torch, learning_rate):
    params, grads = _grads(3), _grads(4)
    tensors = [torch.tensor(p, requires_grad=True) for p in params.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.from_numpy(g.copy())
    torch.optim.SGD(tensors, lr=learning_rate).step()
    ours = ref.sgd_update(params, grads, learning_rate)
    for t, key in zip(tensors, params):
        np.testing.assert_allclose(ours[key], t.detach().numpy(), rtol=1e-15, atol=1e-15)


def test_sgd_update_returns_new_arrays():
    params, grads = _grads(5), _grads(6)
    before = {k: v.copy() for k, v in params.items()}
    new = ref.sgd_update(params, grads, 0.1)
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])
        assert new[key] is not params[key]
