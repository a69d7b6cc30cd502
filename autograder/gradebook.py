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
from .host import cache_dir
from .nbgrader_setup import COURSE_ID, course_config, fast_gradebook_creation, put_tools_on_path

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
    writer is a process whose work runs there; elsewhere no deadline is set)."""
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


def _release_key(lesson, source):
    import hashlib
    import importlib.metadata

    digest = hashlib.sha256(f"{lesson}\0{importlib.metadata.version('nbgrader')}\0".encode())
    digest.update(Path(__file__).with_name("nbgrader_setup.py").read_bytes())
    for path in sorted(p for p in Path(source).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(source)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:24]


def setup(lesson, out_dir, source_root):
    """Create (or reuse) out_dir/course with the lesson's gradebook; return its db_url
    and the released notebook.

    nbgrader's generate_assignment makes both from the master (~2 s). Its result for a
    master is kept in the grader's cache: a new results folder gets a copy of that
    fresh gradebook and release; a results folder whose release was made from the same
    master is used as it is (its gradebook keeps its students)."""
    course = Path(out_dir) / "course"
    source = course / "source" / lesson
    release = course / "release" / lesson
    db = Path(out_dir).resolve() / "gradebook.db"
    db_url = f"sqlite:///{db}"
    key = _release_key(lesson, Path(source_root) / "source" / lesson)
    stamp = course / f".release-{lesson}"
    released = release / f"{lesson}.ipynb"
    if db.is_file() and released.is_file() and stamp.is_file() and stamp.read_text() == key:
        return db_url, released
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(Path(source_root) / "source" / lesson, source)
    cache = cache_dir("release", key)
    if not db.exists() and cache is not None and (cache / "done").is_file():
        shutil.rmtree(release, ignore_errors=True)
        shutil.copytree(cache / "release", release)
        shutil.copyfile(cache / "gradebook.db", f"{db}.tmp")
        os.replace(f"{db}.tmp", db)
        stamp.write_text(key)
        return db_url, released
    fresh = not db.exists()
    from nbgrader.apps import NbGraderAPI

    put_tools_on_path()
    fast_gradebook_creation()
    config = course_config(course, db_url=db_url)
    config.CourseDirectory.release_directory = "release"
    config.Application.log_level = "ERROR"
    result = NbGraderAPI(config=config).generate_assignment(lesson, force=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader could not set up the gradebook:\n{result['log']}\n{result['error']}")
    stamp.write_text(key)
    if fresh and cache is not None:
        with contextlib.suppress(OSError):
            shutil.rmtree(cache / "release", ignore_errors=True)
            shutil.copytree(release, cache / "release")
            shutil.copyfile(db, cache / "gradebook.db")
            (cache / "done").touch()
    return db_url, released


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


def open_gradebook(db_url):
    """nbgrader's Gradebook on ``db_url`` (a context manager). A grading run keeps one
    open for all its batches: SQLAlchemy compiles each of nbgrader's queries once per
    engine, and a Gradebook per batch compiled them all again (about 60 % of a small
    batch's time)."""
    from nbgrader.api import Gradebook

    return Gradebook(db_url, course_id=COURSE_ID)


def save_grades(nb, db_url, lesson, student):
    """Record one autograded notebook's scores in the gradebook (nbgrader's own code)."""
    with open_gradebook(db_url) as gb:
        return save_grades_batch([(student, nb)], gb, lesson)[student]


class _Deferred:
    """A gradebook session whose commits wait: nbgrader's methods commit after every
    row; a batch commits once, at its end."""

    def __init__(self, session):
        self._session = session

    def commit(self):
        pass

    def __getattr__(self, name):
        return getattr(self._session, name)


def _save_cells(nb, submitted, log):
    """SaveAutoGrades' preprocess_cell (nbgrader 0.9.6, preprocessors/saveautogrades.py),
    on the submitted notebook's own grade and comment rows instead of a query per cell."""
    from nbgrader import utils

    cells = submitted.notebook
    graded = {c.id: c.name for c in [*cells.grade_cells, *cells.task_cells]}
    answered = {c.id: c.name for c in [*cells.solution_cells, *cells.task_cells]}
    grades = {graded[g.cell_id]: g for g in submitted.grades}
    comments = {answered[c.cell_id]: c for c in submitted.comments}
    for cell in nb.cells:
        if utils.is_grade(cell):
            grade = grades[cell.metadata["nbgrader"]["grade_id"]]
            grade.auto_score, _ = utils.determine_grade(cell, log)
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        if utils.is_solution(cell) or utils.is_task(cell):
            comment = comments[cell.metadata["nbgrader"]["grade_id"]]
            if cell.metadata.nbgrader.get("checksum", None) == utils.compute_checksum(cell) \
                    and not utils.is_task(cell):
                comment.auto_comment = "No response."
            else:
                comment.auto_comment = None


def save_grades_batch(items, gb, lesson):
    """Record the scores of ``items`` ([(student, autograded notebook)]) in the open
    Gradebook ``gb`` (see open_gradebook) in one transaction, with nbgrader's Gradebook
    (students, submissions) and SaveAutoGrades' rules for each cell; return
    {student: {grade_id: (score, max_score)}} as read back from it. Nothing is kept if
    any student's notebook fails (the caller then saves them one by one)."""
    import logging

    log = logging.getLogger("autograder.gradebook")
    scores, rows = {}, []
    with deadline(SAVE_SECONDS + len(items), "saving the grades"):
        session = gb.db
        gb.db = _Deferred(session)
        try:
            for student, nb in items:
                gb.update_or_create_student(student)
                submission = gb.update_or_create_submission(lesson, student)
                session.flush()
                submitted = next(n for n in submission.notebooks if n.name == lesson)
                _save_cells(nb, submitted, log)
                rows.append((student, submitted))
            session.commit()
            for student, submitted in rows:
                scores[student] = {g.name: (g.score, g.max_score) for g in submitted.grades}
        except BaseException:
            session.rollback()
            raise
        finally:
            gb.db = session
    return scores


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


def read_scores(db_url, lesson, student):
    """{grade_id: (score, max_score)} of one student, from the gradebook."""
    with open_gradebook(db_url) as gb:
        sub = gb.find_submission_notebook(lesson, lesson, student)
        return {g.name: (g.score, g.max_score) for g in sub.grades}


def render_feedback(nb, db_url, lesson, student, path, scores=None):
    """Write the feedback HTML from the prepared template (``feedback_page``): hidden
    tests cleared, the scores given (else read back from the gradebook); every cell
    within its cap, and a Content Security Policy. Past the deadline, a plain page of
    the cells as text instead."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        _cap(cell)
    try:
        with deadline(RENDER_SECONDS, "rendering the feedback"):
            if scores is None:
                scores = read_scores(db_url, lesson, student)
            page = feedback_page(nb, lesson, scores)
    except DeadlineExceeded:
        page = _plain_feedback(nb, lesson)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(_with_csp(page))
    os.replace(tmp, path)


@functools.cache
def _prepared_head():
    """The head of nbgrader's feedback page (its bootstrap and notebook styles, pygments'
    classes), rendered by nbconvert with nbgrader's feedback template once per version
    of nbconvert, nbgrader and this file (kept in the grader's cache); every student's
    page reuses it. Its MathJax loader is dropped (the Content Security Policy would
    block it anyway)."""
    import hashlib
    import importlib.metadata
    import json
    import re

    key = hashlib.sha256("\0".join([importlib.metadata.version("nbconvert"), importlib.metadata.version("nbgrader"),
                                     Path(__file__).read_text()]).encode()).hexdigest()[:24]
    cache = cache_dir("feedback-head")
    stored = cache / f"{key}.json" if cache is not None else None
    if stored is not None:
        with contextlib.suppress(OSError, ValueError):
            before, after = json.loads(stored.read_text())
            return before, after
    import nbformat

    exporter = _feedback_exporter()
    resources = {"nbgrader": {"notebook": "NOTEBOOK_TITLE", "score": 0, "max_score": 0, "late_penalty": 0}}
    plain = copy.copy(exporter)
    # GetGrades and ClearHiddenTests need a gradebook and cells; the CSS header (pygments' colours) stays
    plain._preprocessors = [pre for pre in exporter._preprocessors
                            if type(pre).__name__ == "CSSHTMLHeaderPreprocessor" and pre.enabled]
    page, _ = type(exporter).from_notebook_node(plain, nbformat.v4.new_notebook(), resources=resources)
    head = page[:page.index("<body")]
    head = re.sub(r"<script\b.*?</script>", "", head, flags=re.S | re.I)
    before, after = head.split("NOTEBOOK_TITLE", 1)
    if stored is not None:
        with contextlib.suppress(OSError):
            stored.with_suffix(".tmp").write_text(json.dumps([before, after]))
            os.replace(stored.with_suffix(".tmp"), stored)
    return before, after


@functools.lru_cache(maxsize=4096)
def _markdown_html(source):
    """A markdown cell's sanitised HTML; the same master cell is rendered once per process."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return sanitise(markdown2html_mistune(source))


@functools.lru_cache(maxsize=4096)
def _code_html(source):
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return highlight(source, PythonLexer(), HtmlFormatter(cssclass="highlight hl-ipython3"))


def _points(value):
    return f"{float(value or 0):g}"


def _nbgrader_panel(meta, inner, scores):
    """nbgrader's panel around an answer or grade cell, with its score."""
    gid = html.escape(str(meta.get("grade_id", "")))
    if meta.get("grade"):
        score, points = scores.get(meta.get("grade_id"), (0, meta.get("points", 0)))
        right = f'<span class="pull-right">Score: {_points(score)} / {_points(points)} <a href="#top">(Top)</a></span>'
    else:
        right = '<span class="pull-right"><a href="#top">(Top)</a></span>'
    label = ("Student's answer" if meta.get("solution")
             else f"Grade cell: <code>{gid}</code>")
    anchor = f'<a name="{gid}"></a>' if meta.get("grade") else ""
    return (f'<div class="panel panel-primary nbgrader_cell">{anchor}<div class="panel-heading">'
            f'<span class="nbgrader-label">{label}</span>{right}</div><div class="panel-body">{inner}</div></div>')


def _output_html(output):
    kind = output.get("output_type")
    if kind == "stream":
        cls = "output_stream output_stderr" if output.get("name") == "stderr" else "output_stream output_stdout"
        text = output.get("text", "")
    elif kind == "error":
        cls = "output_error"
        text = "\n".join(output.get("traceback") or [f"{output.get('ename')}: {output.get('evalue')}"])
    else:
        return ""
    return (f'<div class="output_area"><div class="prompt"></div><div class="output_subarea output_text {cls}">'
            f"<pre>{html.escape(str(text))}</pre></div></div>")


def feedback_page(nb, lesson, scores):
    """One student's feedback page, linear in the notebook's size: nbgrader's feedback
    layout (the score, a table of contents of the graded cells, each cell in its panel)
    with the head prepared once (``_prepared_head``), hidden tests cleared by nbgrader's
    ClearHiddenTests, markdown sanitised, each cell within its cap."""
    from nbgrader.preprocessors import ClearHiddenTests

    nb, _ = ClearHiddenTests().preprocess(copy.deepcopy(nb), {})
    before, after = _prepared_head()
    total = sum(float(s or 0) for s, _ in scores.values())
    possible = sum(float(m or 0) for _, m in scores.values())
    toc, body = [], []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
        source, hidden = cell.get("source", ""), _truncated(cell)
        if meta.get("grade") and meta.get("grade_id") in scores:
            score, points = scores[meta["grade_id"]]
            kind = "Test cell" if not meta.get("solution") else "Coding free-response"
            toc.append(f'<li><a href="#{html.escape(str(meta["grade_id"]))}">{kind}</a> '
                       f"(Score: {_points(score)} / {_points(points)})</li>")
        if cell.get("cell_type") == "markdown":
            rendered = (_as_text(source[:MARKDOWN_CHARS], hidden + max(0, len(source) - MARKDOWN_CHARS))
                        if hidden or len(source) > MARKDOWN_CHARS else _markdown_html(source))
            inner = f'<div class="text_cell_render border-box-sizing rendered_html">{rendered}</div>'
            inner = (_nbgrader_panel(meta, inner, scores) if meta.get("solution") or meta.get("grade")
                     else f'<div class="inner_cell">{inner}</div>')
            body.append(f'<div class="cell border-box-sizing text_cell rendered"><div class="prompt input_prompt">'
                        f"</div>{inner}</div>")
        elif cell.get("cell_type") == "code":
            code = _code_html(source) if not hidden else _as_text(source, hidden)
            inner = f'<div class="input_area">{code}</div>'
            inner = (_nbgrader_panel(meta, inner, scores) if meta.get("solution") or meta.get("grade")
                     else f'<div class="inner_cell">{inner}</div>')
            outputs = "".join(_output_html(o) for o in cell.get("outputs", []))
            body.append('<div class="cell border-box-sizing code_cell rendered"><div class="input">'
                        f'<div class="prompt input_prompt">In&nbsp;[&nbsp;]:</div>{inner}</div>'
                        + (f'<div class="output_wrapper"><div class="output">{outputs}</div></div>' if outputs else "")
                        + "</div>")
    title = html.escape(lesson)
    return (f"{before}{title}{after}<body><a name=\"top\"></a><div class=\"container\">"
            "<div class=\"panel panel-default\">"
            f'<div class="panel-heading"><h4>{title} (Score: {total:g} / {possible:g})</h4><div id="toc"><ol>'
            + "".join(toc) + '</ol></div></div><div class="panel-body"><div id="notebook" class="border-box-sizing">'
            '<div class="container" id="notebook-container">' + "\n".join(body)
            + "</div></div></div></div></div></body>\n</html>\n")


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
