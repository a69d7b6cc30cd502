"""Cells with the course's nbgrader metadata, for a new master or an existing one.

    from autograder.authoring import add_graded_function
    add_graded_function("source/03_forget_gate/03_forget_gate.ipynb", "forget_fraction",
                        SOURCE, after="hidden_forget_gate", intro="## 3 · What fraction is kept")

then ``python -m autograder sync 03_forget_gate``. From then on the master is edited in
JupyterLab (nbgrader's "Create Assignment" toolbar shows the same metadata).

Conventions (checked by tests/lessons/test_structure.py; see source/README.md): each
graded function has a solution cell ``<fn>`` (signature and docstring outside the
solution markers, so a blank submission raises NotImplementedError), a visible check
``check_<fn>`` and a hidden test ``hidden_<fn>``, in the order the lesson module
declares the functions; every other cell is read-only, with the id ``text_NN`` or
``code_NN`` from one counter per notebook.
"""

import copy
import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from . import notebooks

CHECK_POINTS, HIDDEN_POINTS = 1, 2


def _meta(gid, **flags):
    return {"nbgrader": {"grade": False, "solution": False, "locked": True, "grade_id": gid,
                         "schema_version": 3, **flags}}


def next_number(nb):
    """The next free number of the ``text_NN`` / ``code_NN`` counter of ``nb``."""
    numbers = [int(m.group(1)) for c in nb.cells
               if (m := re.fullmatch(r"(?:text|code)_(\d+)", notebooks.grade_id(c) or ""))]
    return max(numbers, default=0) + 1


def text_cell(text, number):
    return new_markdown_cell(text.strip("\n"), metadata=_meta(f"text_{number:02d}"))


def code_cell(source, number):
    """A read-only code cell (setup, demos, plots, explorers)."""
    return new_code_cell(source.strip("\n"), metadata=_meta(f"code_{number:02d}"))


def graded_cells(fn, source, check_points=CHECK_POINTS, hidden_points=HIDDEN_POINTS):
    """The three cells of graded function ``fn``; ``source`` has ### BEGIN/END SOLUTION."""
    if "### BEGIN SOLUTION" not in source or not source.lstrip().startswith(f"def {fn}("):
        raise ValueError(f"the source of {fn} must start with `def {fn}(` and hold ### BEGIN SOLUTION")
    return [
        new_code_cell(source.strip("\n"), metadata=_meta(fn, solution=True, locked=False)),
        new_code_cell(f"# Check {fn} on stored cases: shapes, values and the mistakes we know.\n"
                      f"check({fn})",
                      metadata=_meta(f"check_{fn}", grade=True, points=check_points)),
        new_code_cell(f"# Hidden tests of {fn}: fresh random inputs and odd shapes, run when your work "
                      f"is graded.\n### BEGIN HIDDEN TESTS\nfrom solutions import {fn} as reference\n\n"
                      f"hidden_check({fn}, reference)\n### END HIDDEN TESTS",
                      metadata=_meta(f"hidden_{fn}", grade=True, points=hidden_points)),
    ]


def add_graded_function(master_path, fn, source, after, intro=None,
                        check_points=CHECK_POINTS, hidden_points=HIDDEN_POINTS):
    """Insert ``fn``'s cells (after a markdown ``intro``, if given) right after the cell
    whose grade_id is ``after``, in the master at ``master_path``; write it back."""
    nb = notebooks.read(master_path)
    if any(notebooks.grade_id(c) in (fn, f"check_{fn}", f"hidden_{fn}") for c in nb.cells):
        raise ValueError(f"{master_path} already has cells of {fn}")
    position = nb.cells.index(notebooks.find_cell(nb, after)) + 1
    cells = ([text_cell(intro, next_number(nb))] if intro else []) + \
        graded_cells(fn, source, check_points, hidden_points)
    nb.cells[position:position] = cells
    nbformat.write(nb, str(master_path))
    return nb


class Lesson:
    """A new master, cell by cell: ``md``, ``code``, ``graded``, then ``write``."""

    def __init__(self, name):
        self.name = name
        self.nb = new_notebook(metadata=copy.deepcopy(notebooks.KERNEL_METADATA))

    def md(self, text):
        self.nb.cells.append(text_cell(text, next_number(self.nb)))

    def code(self, source):
        self.nb.cells.append(code_cell(source, next_number(self.nb)))

    def graded(self, fn, source, check_points=CHECK_POINTS, hidden_points=HIDDEN_POINTS):
        self.nb.cells.extend(graded_cells(fn, source, check_points, hidden_points))

    def write(self, path):
        nbformat.write(self.nb, str(path))
