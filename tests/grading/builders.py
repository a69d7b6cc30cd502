"""Fixture submissions, built from a lesson's student version so they follow it.

A fixture is a function that returns what to put in a student's folder: a notebook
(or raw bytes) and, optionally, other files. The tables in the tests say what score
and message each one must get.
"""

import copy
import json
import os
import re

import nbformat

from autograder import notebooks

from ..lessons.lessons import master, student


def solution_source(lesson, fn):
    """The master's answer for ``fn`` without the solution markers."""
    source = notebooks.find_cell(master(lesson), fn).source
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def solved(lesson, replace=None, skip=()):
    """The student version with every answer filled in, except ``replace`` (fn -> source)
    and ``skip`` (left blank)."""
    nb = student(lesson)
    for fn in notebooks.graded_functions(master(lesson)):
        if fn in skip:
            continue
        notebooks.find_cell(nb, fn).source = (replace or {}).get(fn) or solution_source(lesson, fn)
    return nb


def signature(lesson, fn):
    """The def line and docstring of ``fn``'s answer cell (everything before the body)."""
    return notebooks.find_cell(student(lesson), fn).source.split("    # YOUR CODE HERE")[0]


def body(lesson, fn, code):
    """An answer for ``fn``: its signature and docstring, then ``code`` (indented)."""
    return signature(lesson, fn) + "\n".join("    " + line for line in code.strip("\n").splitlines()) + "\n"


def with_cell(nb, source, after=None):
    """Add a code cell of the student's own (no nbgrader metadata) after grade_id ``after``."""
    nb = copy.deepcopy(nb)
    cell = nbformat.v4.new_code_cell(source)
    index = len(nb.cells)
    if after:
        index = next(i for i, c in enumerate(nb.cells) if notebooks.grade_id(c) == after) + 1
    nb.cells.insert(index, cell)
    return nb


def without_cell(nb, gid):
    """The notebook with the cell ``gid`` deleted."""
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if notebooks.grade_id(c) != gid]
    return nb


def retagged_as_answer(nb, gid, source="pass"):
    """The notebook with test cell ``gid`` retagged as an answer cell and emptied."""
    nb = copy.deepcopy(nb)
    cell = notebooks.find_cell(nb, gid)
    cell.metadata.nbgrader.update(solution=True, grade=False, locked=False)
    cell.source = source
    return nb


class Link:
    """A submission that is a symbolic link: ``level`` "notebook" (the notebook file),
    "lesson" (the lesson folder) or "student" (the student's folder) points to
    ``target``, a path relative to the submissions folder."""

    def __init__(self, target, level="notebook"):
        self.target, self.level = target, level


def write(folder, lesson, content, extra_files=None):
    target = folder / lesson / f"{lesson}.ipynb"
    if isinstance(content, Link):
        link = {"notebook": target, "lesson": folder / lesson, "student": folder}[content.level]
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(folder.parent / content.target, link.parent), link)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        nbformat.write(content, str(target))
    for name, data in (extra_files or {}).items():
        (folder / lesson / name).write_text(data)


def rename_function(source, fn, new):
    return re.sub(rf"def {fn}\(", f"def {new}(", source, count=1)


def to_json(nb):
    return json.dumps(nb)
