"""Under real nbgrader autograde: a master scores full marks, its student version 0,
and a copy with one misconception planted per graded function loses those points."""

import pytest

from autograder import notebooks, stock
from autograder.graded import GRADED

from .lessons import GRADED_LESSONS, master, student


@pytest.mark.parametrize("lesson", GRADED_LESSONS)
def test_master_full_marks_student_zero_misconceptions_lose(lesson, tmp_path):
    planted = master(lesson)
    functions = notebooks.graded_functions(planted)
    for fn in functions:
        notebooks.find_cell(planted, fn).source = GRADED[fn].mistakes[0].source()
    grades = stock.autograde(lesson, {"master": master(lesson), "blank": student(lesson),
                                      "planted": planted}, tmp_path)

    full = grades["master"]
    assert full and all(score == top for score, top in full.values()), f"master lost points: {full}"
    assert sum(top for _, top in full.values()) == sum(
        notebooks.find_cell(master(lesson), f"{kind}_{fn}").metadata.nbgrader["points"]
        for fn in functions for kind in ("check", "hidden"))
    assert all(score == 0 for score, _ in grades["blank"].values()), grades["blank"]
    assert all(score == 0 for score, _ in grades["planted"].values()), grades["planted"]

    # the blank version ran to its end: only the test cells failed, each naming its function
    graded = notebooks.read(tmp_path / "autograded" / "blank" / lesson / f"{lesson}.ipynb")
    for cell in graded.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        gid = notebooks.grade_id(cell) or ""
        if gid.startswith("check_"):
            assert errors and "is not implemented yet" in errors[0].evalue, gid
            assert gid.removeprefix("check_") in errors[0].evalue
        elif not gid.startswith("hidden_"):
            assert not errors, f"{lesson}: cell {gid} raised {errors[0].ename}: {errors[0].evalue}"
