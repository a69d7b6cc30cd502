"""Where results land as nbgrader expects them: its gradebook, autograded notebooks
and feedback, so `nbgrader export` and the formgrader work afterwards.

The gradebook is made by nbgrader itself (generate_assignment from the master);
grades are written by nbgrader's own SaveAutoGrades from an autograded notebook whose
test cells carry our verdicts as outputs (an error output scores 0, as in stock
nbgrader); feedback is rendered with nbgrader's feedback template after its
ClearHiddenTests preprocessor, so no hidden test source reaches a student.

Student text is hostile: every markdown cell is rendered and then sanitised with an
allowlist (bleach), a cell over its size cap is kept truncated, with a note, and shown
as text (nbconvert's markdown renderer is quadratic on some inputs, and a huge code
cell made a huge page), each feedback page carries a Content Security Policy that
forbids scripts (so formulas stay as TeX text: nbconvert's template would load MathJax
from a CDN), and saving grades and rendering each have a deadline. Cells the student
added are rebuilt from their type and source alone: their metadata is not copied.
"""

import contextlib
import copy
import functools
import html
import os
import shutil
import signal
import threading
from pathlib import Path

from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

from . import notebooks
from .nbgrader_setup import course_config, fast_gradebook_creation, put_tools_on_path

CSP = ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
       "style-src 'unsafe-inline'; img-src data:; font-src data:; form-action 'none'; base-uri 'none'\">")
"""No scripts, no requests: a page of student text that cannot run anything."""
WRAP = "<style>pre{white-space:pre-wrap;overflow-wrap:anywhere}</style>"
"""Long messages and lines of code wrap in the feedback page instead of scrolling sideways."""
CODE_CHARS = 100_000        # characters of one code cell kept in the autograded notebook and feedback
MARKDOWN_CHARS = 20_000     # characters of one markdown cell rendered as markdown
SAVE_SECONDS = 120          # deadline for writing one student's grades to the gradebook
RENDER_SECONDS = 60         # deadline for rendering one feedback page; then a plain-text page
ALLOWED_TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
                "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
                "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"}
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "class"], "img": ["src", "alt", "title"],
                      "h1": ["id"], "h2": ["id"], "h3": ["id"], "h4": ["id"], "h5": ["id"], "h6": ["id"],
                      "div": ["class"], "span": ["class"], "code": ["class"], "pre": ["class"],
                      "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = {"http", "https", "mailto"}


class DeadlineExceeded(Exception):
    """Saving or rendering one student's results took too long."""


@contextlib.contextmanager
def deadline(seconds, what):
    """Raise DeadlineExceeded in the block after ``seconds`` (main thread only: the
    recorders are processes whose work runs there; elsewhere no deadline is set)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(_signum, _frame):
        raise DeadlineExceeded(f"{what} took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _truncated(cell):
    """Characters of ``cell``'s source not shown, or 0."""
    return cell.get("metadata", {}).get("autograder", {}).get("hidden_characters", 0)


def capped_cell(cell_type, source):
    """A fresh cell (no metadata of the student's) holding ``source``, cut to its cap
    with a note if it is longer."""
    cap = CODE_CHARS if cell_type == "code" else MARKDOWN_CHARS
    hidden = max(0, len(source) - cap)
    if cell_type == "code":
        cell = new_code_cell(source[:cap] + (f"\n# [{hidden:,} more characters of this cell are not shown here; "
                                              "the whole cell was graded]" if hidden else ""))
    else:
        cell = new_markdown_cell(source[:cap])
    if hidden:
        cell.metadata["autograder"] = {"hidden_characters": hidden}
    return cell


def _cap(cell):
    """Cut an existing cell's source to its cap, in place (once)."""
    if not _truncated(cell):
        cut = capped_cell(cell.get("cell_type"), cell.get("source", ""))
        if _truncated(cut):
            cell["source"] = cut.source
            cell.setdefault("metadata", {})["autograder"] = cut.metadata["autograder"]


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
    added = {}   # grade_id of the cell they follow (None: above the first) -> cells
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

    def add_theirs(gid):
        for extra in added.get(gid, []):
            # type and source only: the student's metadata (tags nbformat rejects, nbgrader
            # keys, attachments) stays out of what nbgrader validates and renders
            cells.append(capped_cell(extra.get("cell_type"), extra.get("source", "")))

    add_theirs(None)
    for cell in nb.cells:
        gid = notebooks.grade_id(cell)
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and gid in theirs:
            cell.source = theirs[gid].get("source", "")
            _cap(cell)
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
        add_theirs(gid)
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
    with deadline(SAVE_SECONDS, "saving the grades"):
        SaveAutoGrades().preprocess(copy.deepcopy(nb), resources)
    with Gradebook(db_url, course_id="lstm-gate-by-gate") as gb:
        sub = gb.find_submission_notebook(lesson, lesson, student)
        return {g.name: (g.score, g.max_score) for g in sub.grades}


def sanitise(markup):
    """Student HTML with only allowlisted tags, attributes and link protocols; the rest
    is escaped, so it shows as text. Its TeX formulas become MathML first
    (autograder.formulas), which passes the same allowlist with MathML's elements."""
    import bleach

    from . import formulas

    return bleach.clean(formulas.to_mathml(markup), tags=ALLOWED_TAGS | formulas.TAGS,
                        attributes=ALLOWED_ATTRIBUTES | {tag: formulas.ATTRIBUTES for tag in formulas.TAGS},
                        protocols=ALLOWED_PROTOCOLS, strip_comments=True)


def _as_text(source, hidden):
    note = (f"<p><em>[{hidden:,} more characters of this cell are not shown: it is too long to "
            "render]</em></p>") if hidden else ""
    return f"<pre>{html.escape(source)}</pre>{note}"


def _with_csp(page):
    """The page with the Content Security Policy as the first thing in its head (and
    the style that wraps long lines)."""
    head = page.find("<head>")
    if head < 0:
        return CSP + WRAP + page
    return page[:head + 6] + "\n" + CSP + WRAP + page[head + 6:]


@functools.cache
def _feedback_exporter():
    """nbgrader's feedback exporter, built once per process."""
    import nbgrader
    from jinja2 import pass_context
    from nbconvert.exporters import HTMLExporter
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades
    from traitlets.config import Config

    class FeedbackExporter(HTMLExporter):
        @pass_context
        def markdown2html(self, context, source):
            hidden = _truncated(context.get("cell", {}))
            if hidden or len(source) > MARKDOWN_CHARS:
                return _as_text(source[:MARKDOWN_CHARS], hidden + max(0, len(source) - MARKDOWN_CHARS))
            return sanitise(HTMLExporter.markdown2html(self, context, source))

    base = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    config = Config()
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [str(base / "templates")]
    config.HTMLExporter.extra_template_paths = [
        str(base / "static" / "node_modules" / "bootstrap" / "dist" / "css")]
    exporter = FeedbackExporter(config=config)
    for pre in (GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor):
        exporter.register_preprocessor(pre, enabled=True)
    return exporter


def render_feedback(nb, db_url, lesson, student, path):
    """Write the feedback HTML: nbgrader's template, hidden tests cleared, the scores
    read back from the gradebook; every cell within its cap, and a Content Security
    Policy. Past the deadline, a plain page of the cells as text instead."""
    resources = {"nbgrader": {"db_url": db_url, "assignment": lesson, "notebook": lesson,
                              "student": student}}
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        _cap(cell)
    try:
        with deadline(RENDER_SECONDS, "rendering the feedback"):
            page, _ = _feedback_exporter().from_notebook_node(copy.deepcopy(nb), resources=resources)
    except DeadlineExceeded:
        page = _plain_feedback(nb, lesson)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(_with_csp(page))
    os.replace(tmp, path)


def _plain_feedback(nb, lesson):
    """Feedback without nbconvert, in time linear in the notebook: each cell as text,
    hidden tests left out, each check's verdict."""
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(lesson)}</title></head>"
             f"<body><h1>{html.escape(lesson)}</h1><p>This feedback is shown as plain text: the "
             "notebook took too long to render.</p>"]
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            texts = [o.get("text") or o.get("evalue") or "" for o in cell.get("outputs", [])]
            parts.append(f"<h3>{html.escape(str(meta.get('grade_id')))}</h3>"
                         f"<pre>{html.escape(''.join(texts))}</pre>")
        else:
            parts.append(_as_text(cell.get("source", ""), _truncated(cell)))
    return "\n".join(parts + ["</body></html>"])
