"""The references of lesson 10's functions, one_hot and sample: known values, the
inverse-CDF's frequencies, invariances, and PyTorch's softmax and one_hot."""

import numpy as np
import pytest

import solutions as ref


def test_one_hot_known_values_and_shapes():
    tokens = np.array([[0, 3], [4, 1], [2, 2]])
    out = ref.one_hot(tokens, 5)
    assert out.shape == (3, 2, 5) and out.dtype == np.float64
    np.testing.assert_array_equal(out.sum(axis=-1), np.ones((3, 2)))
    np.testing.assert_array_equal(out.argmax(axis=-1), tokens)
    np.testing.assert_array_equal(ref.one_hot(np.array(2), 4), [0.0, 0.0, 1.0, 0.0])
    assert ref.one_hot(np.array([[1]]), 7).shape == (1, 1, 7)   # as long as vocab_size, not the data


def test_one_hot_matches_torch(torch):
    tokens = np.random.default_rng(0).integers(0, 16, size=(6, 4))
    theirs = torch.nn.functional.one_hot(torch.from_numpy(tokens), num_classes=16).numpy()
    np.testing.assert_array_equal(ref.one_hot(tokens, 16), theirs)


def test_sample_known_boundaries():
    logits = np.tile(np.log([0.1, 0.2, 0.3, 0.4]), (8, 1))
    u = np.array([0.0, 0.05, 0.0999, 0.1001, 0.29, 0.31, 0.59, 0.9999])
    np.testing.assert_array_equal(ref.sample(logits, 1.0, u), [0, 0, 0, 1, 1, 2, 2, 3])


def test_sample_frequencies_are_the_softmax_at_the_temperature(torch):
    rng = np.random.default_rng(1)
    logits = rng.normal(scale=2.0, size=5)
    n = 200_000
    for temperature in (0.4, 1.0, 2.5):
        words = ref.sample(np.tile(logits, (n, 1)), temperature, rng.uniform(size=n))
        freq = np.bincount(words, minlength=5) / n
        p = torch.softmax(torch.from_numpy(logits / temperature), dim=0).numpy()
        # binomial standard error at n = 200 000 is below 0.0012 for every p
        np.testing.assert_allclose(freq, p, atol=0.005)


def test_sample_is_shift_invariant_and_never_overflows():
    rng = np.random.default_rng(2)
    logits, u = rng.normal(size=(50, 6)), rng.uniform(size=50)
    with np.errstate(all="raise"):
        shifted = ref.sample(logits + 1e4, 0.1, u)
        np.testing.assert_array_equal(shifted, ref.sample(logits - 1e4, 0.1, u))
    np.testing.assert_array_equal(shifted, ref.sample(logits, 0.1, u))


def test_sample_low_temperature_is_argmax_and_high_is_uniform():
    rng = np.random.default_rng(3)
    logits, u = rng.normal(size=(40, 5)), rng.uniform(size=40)
    np.testing.assert_array_equal(ref.sample(logits, 1e-3, u), np.argmax(logits, axis=-1))
    np.testing.assert_array_equal(ref.sample(logits, 1e6, u), np.floor(u * 5).astype(int))


def test_sample_leaves_inputs_alone_and_returns_ints():
    logits, u = np.array([[1.0, 2.0, 3.0]]), np.array([0.999999999999])
    before = logits.copy(), u.copy()
    out = ref.sample(logits, 1.0, u)
    assert out.dtype.kind == "i" and out.shape == (1,) and 0 <= out[0] <= 2
    np.testing.assert_array_equal(logits, before[0])
    np.testing.assert_array_equal(u, before[1])


@pytest.mark.parametrize("u", [0.0, 0.5, np.nextafter(1.0, 0.0)])
def test_sample_always_returns_a_word(u):
    logits = np.array([[0.0, -800.0, 3.0, 1e-9]])
    assert 0 <= int(ref.sample(logits, 0.7, np.array([u]))[0]) < 4
