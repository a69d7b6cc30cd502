"""The numbers lesson 07 states about gradient checks, held to the reference.

Lesson 07 adds no reference function (lstm_cell_backward and gradient_check are tested in
test_backward.py and test_properties.py); these tests pin the claims its text makes.
"""

import numpy as np
import pytest

import solutions as ref
from lessonkit.testfunctions import FUNCTIONS


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
