"""Where results land as nbgrader expects them: its gradebook, autograded notebooks
and feedback, so `nbgrader export` and the formgrader work afterwards.

The gradebook is made by nbgrader itself (generate_assignment from the master);
grades are written by nbgrader's own SaveAutoGrades from an autograded notebook whose
test cells carry our verdicts as outputs (an error output scores 0, as in stock
nbgrader); feedback is rendered with nbgrader's feedback template after its
ClearHiddenTests preprocessor, so no hidden test source reaches a student.
"""

import copy
import functools
import os
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_output

from . import notebooks
from .nbgrader_setup import course_config, fast_gradebook_creation, put_tools_on_path


def setup(lesson, out_dir, source_root):
    """Create (or reuse) out_dir/course with the lesson's gradebook; return its db_url."""
    from nbgrader.apps import NbGraderAPI

    put_tools_on_path()
    fast_gradebook_creation()
    course = Path(out_dir) / "course"
    source = course / "source" / lesson
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(Path(source_root) / "source" / lesson, source)
    db_url = f"sqlite:///{Path(out_dir).resolve() / 'gradebook.db'}"
    config = course_config(course, db_url=db_url)
    config.CourseDirectory.release_directory = "release"
    config.Application.log_level = "ERROR"
    result = NbGraderAPI(config=config).generate_assignment(lesson, force=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader could not set up the gradebook:\n{result['log']}\n{result['error']}")
    return db_url, course / "release" / lesson / f"{lesson}.ipynb"


def autograded_notebook(released, master, sub, verdicts, cell_log):
    """The student's notebook as nbgrader's autograde would leave it, with our verdicts.

    released: the student version (its cells carry nbgrader's checksums); master: the
    source (test cells with their hidden tests); sub: the Submission (its notebook
    may be None when unreadable); verdicts: CellVerdicts; cell_log: {grade_id: error}
    of the student's answer cells in the sandbox.
    """
    nb = copy.deepcopy(released)
    theirs = {}
    added = {}
    if sub.notebook is not None:
        previous = None
        known = {notebooks.grade_id(c) for c in released.cells}
        for cell in sub.notebook.cells:
            gid = notebooks.grade_id(cell)
            if gid in known and gid not in theirs:
                theirs[gid] = cell
                previous = gid
            elif gid is None and cell.get("cell_type") in ("code", "markdown"):
                added.setdefault(previous, []).append(cell)
    by_id = {v.grade_id: v for v in verdicts}
    cells = []
    for cell in nb.cells:
        gid = notebooks.grade_id(cell)
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and gid in theirs:
            cell.source = theirs[gid].get("source", "")
        elif meta.get("grade"):
            cell.source = notebooks.find_cell(master, gid).source
        if cell.cell_type == "code":
            cell.outputs = []
            if meta.get("grade"):
                cell.outputs = [_verdict_output(by_id.get(gid), sub)]
            elif meta.get("solution") and cell_log.get(gid):
                cell.outputs = [new_output("stream", name="stderr",
                                           text=f"When graded, this cell raised {cell_log[gid]}\n")]
        cells.append(cell)
        for extra in added.get(gid, []):
            extra = copy.deepcopy(extra)
            if extra.get("cell_type") == "code":
                extra["outputs"], extra["execution_count"] = [], None
            cells.append(nbformat.from_dict(extra))
    nb.cells = cells
    return nb


def _verdict_output(verdict, sub):
    if verdict is None:
        reason = sub.problem or "this check could not run"
        return new_output("error", ename="NotGraded", evalue=reason, traceback=[reason])
    if verdict.ok:
        return new_output("stream", name="stdout", text=verdict.message + "\n")
    return new_output("error", ename="CheckFailed", evalue=verdict.message, traceback=[verdict.message])


def save_grades(nb, db_url, lesson, student):
    """Record the autograded notebook's scores in the gradebook (nbgrader's own code)."""
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import SaveAutoGrades

    with Gradebook(db_url, course_id="lstm-gate-by-gate") as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(lesson, student)
    resources = {"nbgrader": {"db_url": db_url, "assignment": lesson, "notebook": lesson,
                              "student": student}}
    SaveAutoGrades().preprocess(copy.deepcopy(nb), resources)
    with Gradebook(db_url, course_id="lstm-gate-by-gate") as gb:
        sub = gb.find_submission_notebook(lesson, lesson, student)
        return {g.name: (g.score, g.max_score) for g in sub.grades}


@functools.cache
def _feedback_exporter():
    """nbgrader's feedback exporter, built once per process."""
    import nbgrader
    from nbconvert.exporters import HTMLExporter
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades
    from traitlets.config import Config

    base = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    config = Config()
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [str(base / "templates")]
    config.HTMLExporter.extra_template_paths = [
        str(base / "static" / "node_modules" / "bootstrap" / "dist" / "css")]
    exporter = HTMLExporter(config=config)
    for pre in (GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor):
        exporter.register_preprocessor(pre, enabled=True)
    return exporter


def render_feedback(nb, db_url, lesson, student, path):
    """Write the feedback HTML: nbgrader's template, hidden tests cleared, the scores
    read back from the gradebook."""
    resources = {"nbgrader": {"db_url": db_url, "assignment": lesson, "notebook": lesson,
                              "student": student}}
    html, _ = _feedback_exporter().from_notebook_node(copy.deepcopy(nb), resources=resources)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(html)
    os.replace(tmp, path)
