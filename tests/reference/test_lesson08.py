"""The references of lesson 08's functions, softmax, cross_entropy, clip_gradients and sgd_update, against PyTorch."""

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


@pytest.mark.parametrize("B, K, scale", [(5, 2, 1.0), (3, 7, 5.0), (1, 4, 0.1), (6, 3, 300.0)])
def test_softmax_matches_torch(torch, B, K, scale):
    logits = scale * np.random.default_rng([B, K]).normal(size=(B, K))
    expected = torch.softmax(torch.from_numpy(logits), dim=-1).numpy()
    np.testing.assert_allclose(ref.softmax(logits), expected, rtol=1e-12, atol=1e-300)


def test_softmax_survives_any_finite_logits_without_a_warning():
    """Rows near +-1000 and 1e300, a row spanning 1.6e308: no overflow, rows sum to 1, shift invariance."""
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4, 3)) + np.array([[1e3], [-1e3], [1e300], [0.0]])
    logits[3] = [-8e307, 0.0, 8e307]           # a span just below the largest float
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        p = ref.softmax(logits)
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(p[3], [0.0, 0.0, 1.0])
    small = rng.normal(size=(3, 5))
    np.testing.assert_allclose(ref.softmax(small + 1e4), ref.softmax(small), rtol=1e-9)
    # two classes: p_wolf = sigma(s_0 - s_1), lesson 02's sigmoid
    two = rng.normal(size=(6, 2))
    np.testing.assert_allclose(ref.softmax(two)[:, 0], ref.sigmoid(two[:, 0] - two[:, 1]), rtol=1e-12)


@pytest.mark.parametrize("B, K, scale", [(5, 2, 1.0), (3, 7, 3.0), (1, 4, 0.1), (8, 3, 20.0)])
def test_cross_entropy_matches_torch_mean_reduction(torch, B, K, scale):
    rng = np.random.default_rng([B, K, 1])
    logits, labels = scale * rng.normal(size=(B, K)), rng.integers(0, K, size=B)
    expected = torch.nn.functional.cross_entropy(torch.from_numpy(logits), torch.from_numpy(labels)).item()
    assert ref.cross_entropy(logits, labels) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_cross_entropy_of_guessing_is_ln_k_and_does_not_grow_with_the_batch():
    for K in (2, 3, 5):
        assert ref.cross_entropy(np.full((4, K), 0.3), np.arange(4) % K) == pytest.approx(np.log(K), rel=1e-14)
    rng = np.random.default_rng(2)
    logits, labels = rng.normal(size=(3, 2)), np.array([0, 1, 1])
    twice = ref.cross_entropy(np.vstack([logits, logits]), np.concatenate([labels, labels]))
    assert twice == pytest.approx(ref.cross_entropy(logits, labels), rel=1e-14)
    # the engine's loss, the one the lesson's training differentiates, is the same number
    from lessonkit import autodiff
    assert float(autodiff.cross_entropy(logits, labels).value) == pytest.approx(
        ref.cross_entropy(logits, labels), rel=1e-14)
