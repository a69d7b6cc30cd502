"""The student's progress across lessons: which graded functions pass their visible checks.

Every visible check run in JupyterLab notes its result in a small JSON file in the
student's own folder, beside the lessons (``.course_progress.json`` in the folder that
holds ``01_rnn/``, ``02_learn_gate/``, ...; ``$LESSONKIT_PROGRESS_FILE`` if set). The
index notebook reads it (:func:`course_progress`) and each lesson's last cell shows
its own checks (:func:`lesson_progress`).

It is a convenience for the student and nothing else: it is never written while
nbgrader executes a notebook (``NBGRADER_EXECUTION``), and no grader reads it (the
course's grader judges the functions themselves, on fresh inputs). The file is written
atomically (a temporary file, then a rename); a missing, unreadable or corrupt file
reads as no progress and is replaced on the next write.
"""

import contextlib
import datetime
import functools
import html
import json
import os
import re
import tempfile
from pathlib import Path

FILE_NAME = ".course_progress.json"
LESSON = re.compile(r"\d\d_\w+")


def lessons_folder(cwd=None):
    """The folder that holds the lesson folders: the kernel's folder's parent when it runs
    in a lesson (JupyterLab starts it in the notebook's folder), else ``cwd`` or its
    ``lessons/``, else the course's own ``lessons/``; None if there is none."""
    here = Path(cwd or os.getcwd())
    for folder in (here.parent if LESSON.fullmatch(here.name) else here, here / "lessons",
                   Path(__file__).resolve().parents[1] / "lessons"):
        if any(folder.glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb")):
            return folder
    return None


def _lesson_entry(notebook, graded):
    """{"lesson", "title", "functions"} read from a lesson notebook's cells, or None."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    title, functions = notebook.stem, []
    for cell in cells:
        source = "".join(cell.get("source", ""))
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "markdown" and title == notebook.stem and source.lstrip().startswith("#"):
            title = source.lstrip().splitlines()[0].lstrip("#").strip()
        if cell.get("cell_type") == "code" and meta.get("solution") and meta.get("grade_id") in graded:
            functions.append(meta["grade_id"])
    return {"lesson": notebook.stem, "title": title, "functions": functions} if functions else None


def course(cwd=None):
    """[{"lesson", "title", "functions"}] of every lesson with graded functions, read from
    the lesson notebooks themselves (the student's own folder), in order."""
    from . import stored

    folder = lessons_folder(cwd)
    if folder is None:
        return []
    notebooks = tuple((str(nb), nb.stat().st_mtime_ns) for nb in sorted(folder.glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))
                      if nb.parent.name == nb.stem)
    return [dict(entry, functions=list(entry["functions"])) for entry in _entries(notebooks, tuple(stored.available()))]


@functools.lru_cache(maxsize=8)
def _entries(notebooks, graded):
    """The entries of ``notebooks`` ((path, mtime) pairs: a saved notebook is read again)."""
    found = (_lesson_entry(Path(path), set(graded)) for path, _ in notebooks)
    return tuple(entry for entry in found if entry)


def lesson_of(name):
    return next((entry["lesson"] for entry in course() if name in entry["functions"]), None)


def path(cwd=None):
    """Where the progress file is: beside the lesson folders when the kernel runs in
    one of them (JupyterLab starts it in the notebook's folder), else in ``cwd``."""
    override = os.environ.get("LESSONKIT_PROGRESS_FILE")
    if override:
        return Path(override)
    cwd = Path(cwd or os.getcwd())
    return (cwd.parent if LESSON.fullmatch(cwd.name) else cwd) / FILE_NAME


def read(where=None):
    """{"functions": {name: entry}} from the progress file; empty when it is missing or
    cannot be read."""
    try:
        data = json.loads(Path(where or path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"functions": {}}
    functions = data.get("functions") if isinstance(data, dict) else None
    if not isinstance(functions, dict):
        return {"functions": {}}
    return {"functions": {k: v for k, v in functions.items() if isinstance(v, dict)}}


def _write(data, where):
    where = Path(where)
    fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=where.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, where)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def record(name, results, where=None):
    """Note the visible check of graded function ``name``: ``results`` are its
    [(case, Verdict)]. Never under nbgrader; a folder that cannot be written is skipped
    silently (the check itself matters, not this note)."""
    from .widgets import grading

    if grading():
        return
    passed = sum(1 for _, v in results if v.ok)
    first = next((v for _, v in results if not v.ok), None)
    entry = {"lesson": lesson_of(name), "passed": passed, "total": len(results),
             "status": "pass" if first is None else ("todo" if first.kind == "not_implemented" else "fail"),
             "when": datetime.datetime.now().isoformat(timespec="seconds")}
    where = Path(where or path())
    with contextlib.suppress(OSError):
        data = read(where)
        data["functions"][name] = entry
        _write(data, where)


MARK = {"pass": ("✓", "#2e7d32"), "fail": ("✗", "#c62828"), "todo": ("○", "#b35900"), None: ("·", "#888888")}
WORDS = {"pass": "passes its checks", "fail": "fails {failed} of {total} checks", "todo": "not implemented yet",
         None: "not checked yet"}


def _describe(entry):
    status = entry.get("status") if entry else None
    status = status if status in MARK else None
    words = WORDS[status]
    if status == "fail":
        words = words.format(failed=entry.get("total", 0) - entry.get("passed", 0), total=entry.get("total", 0))
    return status, words


class Table:
    """Rows of (lesson title, [(function, status, words)]), as HTML and as text."""

    def __init__(self, title, rows, footer=""):
        self.title, self.rows, self.footer = title, rows, footer

    def __repr__(self):
        lines = [self.title]
        for heading, items in self.rows:
            if heading:
                lines.append(heading)
            for fn, status, words in items:
                lines.append(f"  {MARK[status][0]} {fn}: {words}")
        if self.footer:
            lines.append(self.footer)
        return "\n".join(lines)

    __str__ = __repr__

    def _repr_html_(self):
        esc = html.escape
        out = [f'<div class="course-progress" style="line-height:1.45"><div style="font-weight:600">'
               f"{esc(self.title)}</div><table style=\"border-collapse:collapse;margin:4px 0\">"]
        for heading, items in self.rows:
            cells = " ".join(
                f'<span style="margin-right:16px;white-space:nowrap;display:inline-block" title="{esc(words)}">'
                f'<span style="color:{MARK[status][1]};font-weight:700">{MARK[status][0]}</span> '
                f"<code>{esc(fn)}</code> <span style=\"opacity:0.7\">{esc(words)}</span></span>"
                for fn, status, words in items)
            head = (f'<td style="padding:2px 14px 2px 4px;vertical-align:top;white-space:nowrap;text-align:left">'
                    f"{esc(re.split(r'[,:]', heading)[0])}</td>") if heading else ""
            out.append(f'<tr>{head}<td style="padding:2px 4px;text-align:left;vertical-align:top">{cells}</td></tr>')
        out.append("</table>")
        if self.footer:
            out.append(f'<div style="opacity:0.75">{esc(self.footer)}</div>')
        out.append("</div>")
        return "".join(out)


def _show(table):
    from IPython import get_ipython
    from IPython.display import display

    if get_ipython() is None:
        print(table)
    else:
        display(table)


def course_progress(where=None):
    """For the index: per lesson, which graded functions pass their visible checks,
    as the student's own checks last found them."""
    from .widgets import grading

    if grading():
        print("(Your progress is not shown while the notebook is being graded.)")
        return None
    notes = read(where)["functions"]
    rows = []
    for entry in course():
        rows.append((entry["title"], [(fn, *_describe(notes.get(fn))) for fn in entry["functions"]]))
    done = sum(1 for entry in course() for fn in entry["functions"] if (notes.get(fn) or {}).get("status") == "pass")
    total = sum(len(entry["functions"]) for entry in course())
    table = Table(f"Your progress: {done} of {total} graded functions pass their checks", rows,
                  "Each lesson's checks update this as you run them; run this cell again to refresh it. "
                  "It is only for you: grading runs your functions afresh and never reads it.")
    _show(table)
    return None


def lesson_progress(lesson, namespace=None):
    """For a lesson's last cell: run the visible check of each of ``lesson``'s graded
    functions on what the notebook defines now, and show which pass (no exception,
    whatever fails). ``namespace`` defaults to the notebook's (IPython's user namespace)."""
    from .checks import run_cases
    from .widgets import grading

    if grading():
        print("(The summary of your checks is off while the notebook is being graded.)")
        return None
    entry = next((e for e in course() if e["lesson"] == lesson), None)
    if entry is None:
        raise ValueError(f"lesson_progress takes a lesson folder with graded functions, e.g. 01_rnn; got {lesson!r}")
    if namespace is None:
        from IPython import get_ipython

        shell = get_ipython()
        namespace = shell.user_ns if shell is not None else {}
    items = []
    for fn in entry["functions"]:
        function = namespace.get(fn)
        if not callable(function):
            items.append((fn, None, "not defined yet: run its cell"))
            continue
        try:
            results = run_cases(function, fn)
        except Exception as exc:  # noqa: BLE001 - a summary never raises
            items.append((fn, "fail", f"its check could not run ({type(exc).__name__})"))
            continue
        record(fn, results)
        first = next((v for _, v in results if not v.ok), None)
        status = "pass" if first is None else ("todo" if first.kind == "not_implemented" else "fail")
        items.append((fn, *_describe({"status": status, "passed": sum(v.ok for _, v in results),
                                      "total": len(results)})))
    done = sum(1 for _, status, _ in items if status == "pass")
    last = entry["lesson"] == course()[-1]["lesson"]
    finished = ("All done, and this was the course's last lesson: the index (00_index) shows every "
                "lesson's checks." if last else "All done: on to the next lesson.")
    footer = (finished if done == len(items) else
              "Scroll up to the first function that does not pass yet: its check says what to change.")
    _show(Table(f"{entry['title']}: {done} of {len(items)} graded functions pass their checks",
                [("", items)], footer))
    return None
