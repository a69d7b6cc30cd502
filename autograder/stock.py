"""Stock nbgrader, driven through its Python API in a throwaway course.

Used by the tests (a master must score full marks, a student version 0) and by the
benchmarks that compare stock grading with the course's own command.
"""

import shutil
from pathlib import Path

import nbformat

from .nbgrader_setup import ROOT, course_config, put_tools_on_path


def autograde(lesson, submissions, workdir, source_root=ROOT):
    """Grade ``submissions`` ({student_id: notebook node, notebook path or folder}) of ``lesson``.

    A folder is copied whole, files beside the notebook included, as stock nbgrader
    would find them.

    Returns {student_id: {grade_id: (score, max_score)}} read from the gradebook,
    and leaves the autograded notebooks under ``workdir/autograded``.
    """
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI

    put_tools_on_path()
    course = Path(workdir)
    shutil.copytree(Path(source_root) / "source" / lesson, course / "source" / lesson, dirs_exist_ok=True)
    db_url = f"sqlite:///{course / 'gradebook.db'}"
    config = course_config(course, db_url=db_url)
    config.CourseDirectory.release_directory = "release"
    config.Application.log_level = "ERROR"
    api = NbGraderAPI(config=config)
    _ok(api.generate_assignment(lesson, force=True), f"generate {lesson}")
    notebook = f"{lesson}.ipynb"
    for student, nb in submissions.items():
        target = course / "submitted" / student / lesson / notebook
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(nb, (str, Path)) and Path(nb).is_dir():
            shutil.copytree(nb, target.parent, dirs_exist_ok=True)
        elif isinstance(nb, (str, Path)):
            shutil.copy(nb, target)
        else:
            nbformat.write(nb, str(target))
        _ok(api.autograde(lesson, student, force=True, create=True), f"autograde {student}")
    results = {}
    with Gradebook(db_url, config.CourseDirectory.course_id) as gb:
        for student in submissions:
            sub = gb.find_submission_notebook(lesson, lesson, student)
            results[student] = {g.name: (g.score, g.max_score) for g in sub.grades}
    return results


def _ok(result, what):
    if not result["success"]:
        raise RuntimeError(f"nbgrader failed to {what}:\n{result.get('log')}\n{result.get('error')}")
