"""The hidden test of sigmoid catches the naive formula on every run, not just on lucky ones.

Its spec draws a 4-D array of values between ±0.001 and ±1000, so that every run holds
entries below -710, where exp(-x) overflows and the naive 1 / (1 + exp(-x)) warns.
"""

import numpy as np
import pytest

import solutions
from lessonkit.checks import CheckFailed
from lessonkit.hidden import hidden_check


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_naive_sigmoid_fails_every_hidden_run():
    for _ in range(200):
        with pytest.raises(CheckFailed, match="printed a warning"):
            hidden_check(sigmoid, solutions.sigmoid)


def test_reference_sigmoid_passes_the_hidden_runs():
    for _ in range(20):
        hidden_check(solutions.sigmoid, solutions.sigmoid)
