"""Lesson 09's optional cell: the student's gru_cell against torch.nn.GRUCell on the same
weights. It runs the real PyTorch when it is there, says how to install it when it is not,
and does nothing while nbgrader grades."""

import sys

from autograder.graded import GRADED
from tests.lessons.lessons import grading_env, master, run_in_process, student

LESSON, CELL = "09_gru", "code_15"


def _printed(nb, replace=None):
    with grading_env(on=False):
        results = run_in_process(nb, replace=replace, upto=CELL)
    _, error, printed = results[CELL]
    assert error is None, error
    return printed


def test_the_right_gru_cell_agrees_with_torch(torch):
    printed = _printed(master(LESSON))
    assert printed.startswith("✓ your gru_cell against torch.nn.GRUCell"), printed
    gap = float(printed.rsplit("largest difference", 1)[1])
    assert gap < 1e-10


def test_a_wrong_gru_cell_is_told_it_differs(torch):
    wrong = next(m for m in GRADED["gru_cell"].mistakes if m.name == "r_z_swapped")
    printed = _printed(master(LESSON), replace={"gru_cell": wrong.source()})
    assert printed.startswith("✗ your gru_cell against torch.nn.GRUCell"), printed
    assert float(printed.rsplit("largest difference", 1)[1]) > 1e-3


def test_the_blank_student_version_asks_for_gru_cell_first(torch):
    assert "Implement gru_cell in section 2 first" in _printed(student(LESSON))


def test_without_torch_it_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)   # import torch raises ImportError
    printed = _printed(master(LESSON))
    assert "PyTorch is not installed" in printed and "%pip install torch" in printed


def test_it_does_nothing_while_grading(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)   # it must not even try to import torch
    with grading_env():
        results = run_in_process(master(LESSON), upto=CELL)
    _, error, printed = results[CELL]
    assert error is None
    assert printed.strip() == "(the PyTorch comparison does not run while your work is graded)"
