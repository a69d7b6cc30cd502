"""Every lesson follows the course's anatomy, and lessons/ is what nbgrader makes of source/."""

import filecmp
import inspect
import json

import pytest

import solutions
from autograder import notebooks
from autograder.graded import GRADED
from autograder.nbgrader_setup import CODE_STUB
from autograder.release import generate
from autograder.sync import build
from lessonkit import stored

from .lessons import GRADED_LESSONS, LESSONS, ROOT, master, student


def test_index_and_lessons_exist():
    assert "00_index" in LESSONS
    assert [name[:2] for name in LESSONS] == sorted(name[:2] for name in LESSONS)


@pytest.mark.parametrize("lesson", LESSONS)
def test_master_is_clean(lesson):
    for path in (ROOT / "source" / lesson).glob("*.ipynb"):
        assert notebooks.is_clean(notebooks.read(path)), f"{path} has outputs or widget state: " \
            f"run `python -m autograder sync {lesson}`"


@pytest.mark.parametrize("lesson", LESSONS)
def test_student_version_is_what_nbgrader_generates(lesson, tmp_path):
    generate([lesson], ROOT, out_dir=tmp_path)
    ours, theirs = ROOT / "lessons" / lesson, tmp_path / lesson
    compared = filecmp.dircmp(ours, theirs)
    assert not (compared.left_only or compared.right_only), f"{lesson}: files differ"
    for name in compared.common_files:
        if name.endswith(".ipynb"):
            assert json.loads((ours / name).read_text()) == json.loads((theirs / name).read_text()), \
                f"lessons/{lesson}/{name} drifted from source/: run `python -m autograder sync {lesson}`"
        else:
            assert (ours / name).read_bytes() == (theirs / name).read_bytes(), \
                f"lessons/{lesson}/{name} drifted: run `python -m autograder sync {lesson}`"


@pytest.mark.parametrize("lesson", GRADED_LESSONS)
def test_graded_cells_follow_the_convention(lesson):
    nb, released = master(lesson), student(lesson)
    functions = notebooks.graded_functions(nb)
    assert functions == [g.name for g in GRADED.values() if g.lesson == lesson]
    for fn in functions:
        for gid in (f"check_{fn}", f"hidden_{fn}"):
            cell = notebooks.find_cell(nb, gid)
            assert cell.metadata.nbgrader["grade"] and cell.metadata.nbgrader["points"] > 0
            assert cell.source.startswith("# "), f"{gid} opens with a one-line comment (a docstring would echo)"
        # signature and docstring stay outside the solution, so a blank answer raises
        blank = notebooks.find_cell(released, fn).source
        body = [line.strip() for line in blank.splitlines()]
        assert blank.startswith(f"def {fn}(") and '"""' in blank
        assert all(line in body for line in CODE_STUB.splitlines()), f"{fn}: no stub in the student version"
        assert "BEGIN HIDDEN TESTS" not in notebooks.find_cell(released, f"hidden_{fn}").source


@pytest.mark.parametrize("fn", sorted(GRADED))
def test_graded_function_has_reference_spec_stored_cases_and_mistakes(fn):
    graded = GRADED[fn]
    assert getattr(solutions, fn) is graded.reference
    assert fn in stored.available(), f"{fn} has no stored cases: run `python -m autograder sync {graded.lesson}`"
    assert stored.spec(fn) == graded.spec, \
        f"the stored spec of {fn} drifted: run `python -m autograder sync {graded.lesson}`"
    assert len(graded.mistakes) >= 3, f"{fn} needs at least three named misconceptions"
    # the lesson's function has the reference's signature
    namespace = {}
    source = notebooks.find_cell(master(graded.lesson), fn).source
    exec(source.split("    ### BEGIN SOLUTION")[0] + "    pass\n", {"np": None}, namespace)  # noqa: S102
    assert inspect.signature(namespace[fn]) == inspect.signature(graded.reference)


@pytest.mark.parametrize("fn", sorted(GRADED))
def test_stored_cases_are_what_the_reference_gives_today(fn):
    """Equal within lessonkit.stored.ULPS: a CPU's own exp or tanh may round differently."""
    lesson = GRADED[fn].lesson
    ours, theirs = stored.encode(stored.load(fn), GRADED[fn].spec), stored.encode(build(fn), GRADED[fn].spec)
    advice = f"run `python -m autograder sync {lesson}`"
    assert ours[1] == theirs[1], f"{fn}: the cases, messages or spec changed; {advice}"
    drifted = stored.differences(ours[0], theirs[0])
    assert not drifted, f"{fn}: stored values drifted by more than {stored.ULPS} ulps in " \
        f"{', '.join(drifted[:5])}{' ...' if len(drifted) > 5 else ''}; {advice}"


def test_index_lists_every_lesson_with_a_working_link():
    import re

    text = "\n".join(c.source for c in master("00_index").cells if c.cell_type == "markdown")
    links = re.findall(r"\]\(\.\./([0-9]{2}_\w+)/([0-9]{2}_\w+)\.ipynb\)", text)
    assert [folder for folder, _ in links] == [name for name in LESSONS if name != "00_index"]
    for folder, name in links:
        assert folder == name and (ROOT / "lessons" / folder / f"{name}.ipynb").is_file()
