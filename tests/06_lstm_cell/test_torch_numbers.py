"""The PyTorch numbers lesson 06 compares with: still torch's, and read back as stored."""

import numpy as np

import solutions
from autograder import make_torch_numbers
from lessonkit.torch_numbers import TORCH_LSTMCELL, lstmcell_numbers

TOL = 1e-10


def test_stored_numbers_are_what_torch_computes(torch):
    fresh = make_torch_numbers.compute(torch)
    with np.load(TORCH_LSTMCELL, allow_pickle=False) as data:
        stored = dict(data)
    assert sorted(stored) == sorted([*fresh, "meta"])
    for key, value in fresh.items():
        if key in ("torch/c", "torch/h"):  # torch's outputs: the same to the last bits or nearly
            np.testing.assert_allclose(stored[key], value, rtol=0, atol=1e-14, err_msg=key)
        else:                              # inputs and weights: exactly
            np.testing.assert_array_equal(stored[key], value, err_msg=key)


def test_stored_weights_are_the_params_in_torchs_layout():
    numbers = lstmcell_numbers()
    assert list(numbers["params"]) == list(solutions.STANDARD_KEYS)
    converted = solutions.lstm_to_torch(numbers["params"])
    assert list(converted) == list(numbers["torch_weights"])
    for key, value in converted.items():
        np.testing.assert_array_equal(numbers["torch_weights"][key], value)


def test_loader_gives_float64_arrays_of_the_stated_sizes():
    numbers = lstmcell_numbers()
    sizes = numbers["about"]["sizes"]
    T, B, X, H = (sizes[k] for k in "TBXH")
    assert numbers["events"].shape == (T, B, X)
    assert numbers["ltm0"].shape == numbers["stm0"].shape == (B, H)
    assert numbers["ltms"].shape == numbers["stms"].shape == (T, B, H)
    assert all(a.dtype == np.float64 for a in (numbers["events"], numbers["ltms"], numbers["stms"]))
    assert len({T, B, X, H}) == 4, "sizes all differ, so a mixed-up axis cannot pass"


def test_reference_standard_cell_agrees_with_stored_torch_numbers():
    n = lstmcell_numbers()
    ltm, stm = solutions.lstm_cell(n["ltm0"], n["stm0"], n["events"][0], n["params"], variant="standard")
    np.testing.assert_allclose(ltm, n["ltms"][0], rtol=0, atol=TOL)
    np.testing.assert_allclose(stm, n["stms"][0], rtol=0, atol=TOL)
    ltms, stms = solutions.lstm_forward(n["events"], n["ltm0"], n["stm0"], n["params"], variant="standard")
    np.testing.assert_allclose(ltms, n["ltms"], rtol=0, atol=TOL)
    np.testing.assert_allclose(stms, n["stms"], rtol=0, atol=TOL)


def test_the_lesson_variant_does_not_agree_so_the_comparison_has_teeth():
    n = lstmcell_numbers()
    params = dict(n["params"], W_u=np.eye(n["ltm0"].shape[1]), b_u=np.zeros(n["ltm0"].shape[1]))
    _, stms = solutions.lstm_forward(n["events"], n["ltm0"], n["stm0"], params, variant="lesson")
    assert np.abs(stms - n["stms"]).max() > 1e-3
