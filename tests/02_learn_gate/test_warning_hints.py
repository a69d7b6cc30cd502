"""A function found only by the warning it prints is told what to change, the same words in
the visible check, the hidden test and the grader (lessonkit.messages.warned): the naive σ
(M56), np.where's two branches (M08) and a half-life that divides by ln 1 (M14)."""

import numpy as np
import pytest

import solutions
from lessonkit.checks import CheckFailed, run_cases
from lessonkit.hidden import hidden_check


def naive_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def where_sigmoid(x):
    x = np.asarray(x, dtype=float)
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def divide_half_life(f):
    f = np.asarray(f, dtype=float)
    return np.log(0.5) / np.log(f)


@pytest.mark.parametrize("fn", [naive_sigmoid, where_sigmoid])
def test_an_overflowing_sigmoid_is_told_to_take_exp_of_minus_abs_x(fn):
    failed = [v for _, v in run_cases(fn, "sigmoid") if not v.ok]
    assert failed and all(v.kind == "warning" for v in failed)
    assert "printed a warning (RuntimeWarning: overflow encountered in exp)" in failed[0].message
    assert "e = np.exp(-np.abs(x))" in failed[0].message and "np.where computes both" in failed[0].message
    with pytest.raises(CheckFailed, match=r"np\.exp\(-np\.abs\(x\)\)"):
        hidden_check(fn, solutions.sigmoid, name="sigmoid")


def test_a_half_life_that_divides_by_ln_1_is_told_to_leave_f_1_out():
    failed = [v for _, v in run_cases(divide_half_life, "memory_half_life") if not v.ok]
    warned = [v for v in failed if v.kind == "warning"]
    assert warned and "divide by zero encountered" in warned[0].message
    assert "where=f < 1, with np.inf elsewhere" in warned[0].message
