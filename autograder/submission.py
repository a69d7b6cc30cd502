"""One submission against its master: what the student changed, and what to run.

Only the submission's notebook is used. Read-only cells always run as the master
has them, test cells never run inside the sandbox (their verdicts are reached
outside), and the student's answers and added cells run in their place. Everything
the student changed that they should not have is reported as a flag.
"""

import errno
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import notebooks

MAX_NOTEBOOK_BYTES = 20_000_000
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
"""Student ids the grader accepts: they name folders and files and start CSV rows."""
RESERVED_IDS = {"collected.json", "collected.json.tmp"}
"""Names of the grader's own files in a submissions folder (autograder.lms.MANIFEST)."""


def id_problem(name):
    """None if ``name`` is a safe student id, else why not (never quoting control characters)."""
    if name in RESERVED_IDS:
        return f"{name!r} is the name of a file the grader keeps beside the submissions, not a student id"
    if ID_PATTERN.fullmatch(name):
        return None
    shown = "a name with control characters" if any(ord(c) < 32 or ord(c) == 127 for c in name) \
        else repr(name[:80])
    return (f"{shown} is not a valid student id (letters, digits and . _ @ -, starting with a "
            "letter or digit, at most 64 characters)")


class Unreadable(Exception):
    """A submission file that is not read; the message never quotes its contents."""


@dataclass
class Submission:
    student: str
    path: Path | None
    notebook: object = None          # the parsed notebook, or None when unreadable
    problem: str | None = None       # why it could not be read
    flags: list = field(default_factory=list)
    ignored_files: list = field(default_factory=list)
    root: Path | None = None         # the student's folder, below which the notebook is read


def _walk(folder):
    """(regular files, links, other entries) under ``folder``, relative to it; links are
    neither followed nor read."""
    files, links, others = [], [], []
    for top, dirs, names in os.walk(folder, followlinks=False):
        for name in dirs + names:
            path = Path(top) / name
            mode = path.lstat().st_mode
            rel = path.relative_to(folder)
            if stat.S_ISLNK(mode):
                links.append(rel)
            elif stat.S_ISREG(mode):
                files.append(rel)
            elif not stat.S_ISDIR(mode):
                others.append(rel)
    return sorted(files), sorted(links), sorted(others)


def _is_link(path):
    try:
        return stat.S_ISLNK(path.lstat().st_mode)
    except OSError:
        return False


NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")
"""What ``nbgrader collect`` puts beside a notebook: not the student's files, and what
``nbgrader release_feedback`` needs beside the feedback page (see writer.record)."""


def find(student_dir, lesson):
    """The submission of one student: the lesson's notebook, other files ignored.

    Only regular files inside the student's folder count: a folder or file that is a
    link is never followed (it could lead to another student's notebook or to an
    instructor's file) and is flagged."""
    student_dir = Path(student_dir)
    sub = Submission(student_dir.name, None, root=student_dir)
    folder = student_dir / lesson
    for path, what in ((student_dir, "the student's folder"), (folder, f"the folder {lesson}")):
        if _is_link(path):
            sub.problem = f"{what} is a link; links are not followed, only regular files are read"
            sub.flags.append(f"{what} is a link (not followed)")
            return sub
    files, links, others = _walk(folder) if folder.is_dir() else ([], [], [])
    checkpoints = lambda p: ".ipynb_checkpoints" in p.parts  # noqa: E731
    wanted = Path(f"{lesson}.ipynb")
    notebooks_found = [p for p in files if p.suffix == ".ipynb" and not checkpoints(p)]
    path = wanted if wanted in files else (notebooks_found[0] if len(notebooks_found) == 1 else None)
    sub.path = None if path is None else folder / path
    sub.ignored_files = [str(p) for p in files + others
                         if p != path and not checkpoints(p) and str(p) not in NBGRADER_FILES]
    if links:
        sub.flags.append("links were not followed: " + ", ".join(str(p) for p in links[:8]))
    if path is None:
        if wanted in links:
            sub.problem = (f"the notebook {lesson}.ipynb is a link; links are not followed, "
                           "only regular files are read")
        elif not notebooks_found:
            sub.problem = f"no notebook {lesson}.ipynb in {folder}"
        else:
            sub.problem = (f"several notebooks and none named {lesson}.ipynb: "
                           + ", ".join(p.name for p in notebooks_found))
    if sub.ignored_files:
        sub.flags.append("files beside the notebook were ignored: " + ", ".join(sub.ignored_files[:8]))
    return sub


def read_capped(read, limit):
    """Bytes from ``read(n)`` until it returns nothing, counted as they come (a header or
    a stat may lie); Unreadable past ``limit``."""
    chunks, size = [], 0
    while size <= limit:
        chunk = read(min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise Unreadable(f"it is over {limit // 1_000_000} MB; notebooks here are far smaller")
    return b"".join(chunks)


def write_regular(path, data):
    """Write ``data`` (bytes) to ``path`` as a regular file (mode 0644), never through a
    link planted there."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def read_regular(path, limit=MAX_NOTEBOOK_BYTES, base=None):
    """The bytes of ``path``, a regular file, never through a link: each folder below
    ``base`` (default: the file's own folder) and the file itself are opened with
    O_NOFOLLOW. More than ``limit`` bytes, or anything else: Unreadable."""
    path = Path(path)
    base = Path(base) if base is not None else path.parent
    parts = path.relative_to(base).parts
    flags = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fds = []
    try:
        try:
            fds.append(os.open(base, flags | os.O_DIRECTORY))
            for part in parts[:-1]:
                fds.append(os.open(part, flags | os.O_DIRECTORY, dir_fd=fds[-1]))
            fds.append(os.open(parts[-1], flags | os.O_NONBLOCK, dir_fd=fds[-1]))
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise Unreadable("it is a link; links are not followed, only regular files are read") from None
            raise Unreadable(f"it could not be opened ({errno.errorcode.get(exc.errno, 'error')})") from None
        if not stat.S_ISREG(os.fstat(fds[-1]).st_mode):
            raise Unreadable("it is not a regular file")
        return read_capped(lambda n: os.read(fds[-1], n), limit)
    finally:
        for fd in fds:
            os.close(fd)


def notebook_bytes(sub):
    """The submitted notebook's bytes (see read_regular), read below the student's folder."""
    return read_regular(sub.path, base=sub.root)


def another_lesson(notebook, lesson):
    """The lesson whose graded cells ``notebook`` holds, when it holds none of ``lesson``'s
    (a notebook uploaded for the wrong assignment), else None."""
    from .graded import GRADED

    def lesson_of(gid):
        name = gid.removeprefix("check_").removeprefix("hidden_")
        return GRADED[name].lesson if name in GRADED else None

    found = [lesson_of(notebooks.grade_id(c)) for c in notebook.cells
             if isinstance(c, dict) and notebooks.grade_id(c)]
    found = [x for x in found if x]
    if not found or lesson in found:
        return None
    return max(set(found), key=found.count)


def read(sub, lesson=None):
    """Parse the notebook; on failure set ``problem`` in words a student understands.
    The words never quote the file: it might not be the student's. With ``lesson``,
    a notebook of another lesson is such a problem too, and says which it is."""
    if sub.path is None:
        return sub
    try:
        raw = notebook_bytes(sub)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Unreadable(f"it is not UTF-8 text (byte {exc.start})") from None
        try:
            sub.notebook = nbformat.reads(text, as_version=4)
        except json.JSONDecodeError as exc:
            raise Unreadable(f"it is not valid JSON (line {exc.lineno}, column {exc.colno})") from None
        except nbformat.reader.NotJSONError:
            raise Unreadable("it is not JSON") from None
        except Exception as exc:  # noqa: BLE001 - nbformat's messages may quote the file
            raise Unreadable(f"it is not a notebook nbformat can read ({type(exc).__name__})") from None
        if not isinstance(sub.notebook.get("cells"), list):
            raise Unreadable("it has no list of cells")
        for cell in sub.notebook.cells:
            if not isinstance(cell, dict) or not isinstance(cell.get("source", ""), str):
                raise Unreadable("a cell's source is not text")
        other = lesson and another_lesson(sub.notebook, lesson)
        if other:
            sub.notebook = None
            sub.problem = (f"this is the notebook of lesson {other}, not of {lesson}: it was uploaded "
                           f"for the wrong assignment. Upload your {lesson}.ipynb")
    except Unreadable as exc:
        sub.notebook = None
        sub.problem = f"the notebook could not be read ({exc})"
    return sub


def _meta(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return {k: meta.get(k) for k in ("grade", "solution", "locked", "points", "grade_id")}


def compare_with_master(sub, released):
    """Flag deleted, retagged and edited cells against the student version the student
    received; return {grade_id: student's cell}."""
    master_cells = {notebooks.grade_id(c): c for c in released.cells if notebooks.grade_id(c)}
    theirs, seen = {}, set()
    for cell in sub.notebook.cells:
        gid = notebooks.grade_id(cell)
        if gid is None:
            continue
        if gid in seen:
            sub.flags.append(f"cell {gid} appears twice (copied cell metadata)")
            continue
        seen.add(gid)
        theirs[gid] = cell
        if gid not in master_cells:
            sub.flags.append(f"a cell carries the unknown id {gid} (metadata edited)")
            continue
        mine = master_cells[gid]
        if _meta(cell) != _meta(mine) or cell.get("cell_type") != mine.cell_type:
            sub.flags.append(f"the nbgrader metadata of cell {gid} was changed (retagged)")
        is_test = mine.metadata.nbgrader.get("grade")
        if not mine.metadata.nbgrader.get("solution") and cell.get("source") != mine.source:
            sub.flags.append(f"the test cell {gid} was edited" if is_test
                             else f"the read-only cell {gid} was edited")
    deleted = [gid for gid in master_cells if gid not in theirs]
    if deleted:
        sub.flags.append("cells were deleted: " + ", ".join(deleted[:8]))
    return theirs


def program(sub, master, released):
    """The code cells the sandbox runs, in order: [(label, source)].

    Master order; a solution cell holds the student's source (the blank stub if they
    deleted it); test cells are left out; cells the student added run after the
    master cell they followed.
    """
    theirs = compare_with_master(sub, released)
    added_after, previous = {}, None
    for cell in sub.notebook.cells:
        gid = notebooks.grade_id(cell)
        if gid is not None and gid in {notebooks.grade_id(c) for c in master.cells}:
            previous = gid
        elif cell.get("cell_type") == "code" and gid is None:
            added_after.setdefault(previous, []).append(cell.get("source", ""))
    cells = [("added by the student", s) for s in added_after.get(None, [])]
    for cell in master.cells:
        gid = notebooks.grade_id(cell)
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and not meta.get("grade"):
            if meta.get("solution"):
                source = theirs[gid].get("source", "") if gid in theirs else notebooks.find_cell(released, gid).source
            else:
                source = cell.source
            cells.append((gid, source))
        cells += [("added by the student", s) for s in added_after.get(gid, [])]
    return cells


def student_code(sub, master):
    """The sources the student wrote: answer cells and added code cells."""
    solution_ids = {notebooks.grade_id(c) for c in master.cells if c.metadata.get("nbgrader", {}).get("solution")}
    return [c.get("source", "") for c in sub.notebook.cells if c.get("cell_type") == "code"
            and (notebooks.grade_id(c) in solution_ids or notebooks.grade_id(c) is None)]
