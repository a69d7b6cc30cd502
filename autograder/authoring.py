"""Scaffolding for a new lesson master: cells with the course's nbgrader metadata.

Use it once to create ``source/NN_name/NN_name.ipynb``; from then on the master is
edited in JupyterLab (nbgrader's "Create Assignment" toolbar shows the same
metadata) and ``python -m autograder release`` regenerates the student version.

Conventions (checked by the tests): each graded function has a solution cell
``<fn>`` (signature and docstring outside the solution markers, so a blank
submission raises NotImplementedError), a visible check ``check_<fn>`` and a hidden
test ``hidden_<fn>``; every other cell is read-only.
"""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def _meta(gid, **flags):
    return {"nbgrader": {"grade": False, "solution": False, "locked": True, "grade_id": gid,
                         "schema_version": 3, **flags}}


class Lesson:
    def __init__(self, name):
        self.name = name
        self.cells = []
        self._count = 0

    def _gid(self, kind):
        self._count += 1
        return f"{kind}_{self._count:02d}"

    def md(self, text):
        self.cells.append(new_markdown_cell(text.strip("\n"), metadata=_meta(self._gid("text"))))

    def code(self, source):
        """A read-only code cell (setup, demos, plots, explorers)."""
        self.cells.append(new_code_cell(source.strip("\n"), metadata=_meta(self._gid("code"))))

    def graded(self, fn, source, check_points=1, hidden_points=2):
        """The three cells of graded function ``fn``; source has ### BEGIN/END SOLUTION."""
        self.cells.append(new_code_cell(source.strip("\n"), metadata=_meta(fn, solution=True, locked=False)))
        self.cells.append(new_code_cell(
            f'"""Check {fn} on stored cases: shapes, values and the mistakes we know."""\ncheck({fn})',
            metadata=_meta(f"check_{fn}", grade=True, points=check_points)))
        self.cells.append(new_code_cell(
            f'"""Hidden tests of {fn}: fresh random inputs and odd shapes, run when your work is graded."""\n'
            f"### BEGIN HIDDEN TESTS\nfrom solutions import {fn} as reference\n"
            f"hidden_check({fn}, reference)\n### END HIDDEN TESTS",
            metadata=_meta(f"hidden_{fn}", grade=True, points=hidden_points)))

    def notebook(self):
        return new_notebook(cells=self.cells, metadata={
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        })

    def write(self, path):
        nbformat.write(self.notebook(), str(path))
