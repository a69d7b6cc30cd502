"""The authoring helper adds a graded function's cells to a master as the conventions want."""

import shutil

import pytest

from autograder import authoring, notebooks
from autograder.nbgrader_setup import CODE_STUB
from autograder.release import generate

from .lessons import ROOT

SOURCE = '''def kept_fraction(f):
    """The mean of the forget factors f, any shape; a float."""
    ### BEGIN SOLUTION
    return float(f.mean())
    ### END SOLUTION'''


def test_cells_go_after_the_named_cell_with_fresh_ids_and_nbgrader_makes_a_stub(tmp_path):
    lesson = "03_forget_gate"
    shutil.copytree(ROOT / "source" / lesson, tmp_path / "source" / lesson)
    path = tmp_path / "source" / lesson / f"{lesson}.ipynb"
    before = notebooks.read(path)
    free = authoring.next_number(before)

    nb = authoring.add_graded_function(path, "kept_fraction", SOURCE, after="hidden_forget_gate",
                                       intro="## What fraction is kept")
    ids = [notebooks.grade_id(c) for c in nb.cells]
    at = ids.index("hidden_forget_gate")
    assert ids[at + 1: at + 5] == [f"text_{free:02d}", "kept_fraction", "check_kept_fraction",
                                   "hidden_kept_fraction"]
    assert len(ids) == len(set(ids)) == len(before.cells) + 4
    meta = {gid: notebooks.find_cell(nb, gid).metadata.nbgrader for gid in ids[at + 1: at + 5]}
    assert meta["kept_fraction"]["solution"] and not meta["kept_fraction"]["locked"]
    assert meta["check_kept_fraction"]["grade"] and meta["check_kept_fraction"]["points"] == 1
    assert meta["hidden_kept_fraction"]["points"] == 2 and meta[f"text_{free:02d}"]["locked"]
    assert notebooks.graded_functions(nb) == ["forget_gate", "kept_fraction", "memory_half_life"]

    generate([lesson], tmp_path, out_dir=tmp_path / "lessons")
    released = notebooks.read(tmp_path / "lessons" / lesson / f"{lesson}.ipynb")
    stub = notebooks.find_cell(released, "kept_fraction").source
    assert stub.startswith("def kept_fraction(f):") and CODE_STUB.splitlines()[1] in stub
    assert "BEGIN HIDDEN TESTS" not in notebooks.find_cell(released, "hidden_kept_fraction").source

    with pytest.raises(ValueError, match="already has cells"):
        authoring.add_graded_function(path, "kept_fraction", SOURCE, after="text_01")


def test_a_source_without_solution_markers_is_refused():
    with pytest.raises(ValueError, match="BEGIN SOLUTION"):
        authoring.graded_cells("f", "def f(x):\n    return x")
