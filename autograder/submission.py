"""One submission against its master: what the student changed, and what to run.

Only the submission's notebook is used. Read-only cells always run as the master
has them, test cells never run inside the sandbox (their verdicts are reached
outside), and the student's answers and added cells run in their place. Everything
the student changed that they should not have is reported as a flag.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import notebooks


@dataclass
class Submission:
    student: str
    path: Path | None
    notebook: object = None          # the parsed notebook, or None when unreadable
    problem: str | None = None       # why it could not be read
    flags: list = field(default_factory=list)
    ignored_files: list = field(default_factory=list)


def find(student_dir, lesson):
    """The submission of one student: the lesson's notebook, other files ignored."""
    student = student_dir.name
    folder = student_dir / lesson
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    wanted = folder / f"{lesson}.ipynb"
    notebooks_found = [p for p in files if p.suffix == ".ipynb" and ".ipynb_checkpoints" not in p.parts]
    path = wanted if wanted in files else (notebooks_found[0] if len(notebooks_found) == 1 else None)
    sub = Submission(student, path)
    sub.ignored_files = [str(p.relative_to(folder)) for p in files if p != path
                         and ".ipynb_checkpoints" not in p.parts]
    if path is None:
        sub.problem = (f"no notebook {lesson}.ipynb in {folder}" if not notebooks_found else
                       f"several notebooks and none named {lesson}.ipynb: "
                       + ", ".join(p.name for p in notebooks_found))
    if sub.ignored_files:
        sub.flags.append("files beside the notebook were ignored: " + ", ".join(sub.ignored_files[:8]))
    return sub


def read(sub):
    """Parse the notebook; on failure set ``problem`` in words a student understands."""
    if sub.path is None:
        return sub
    try:
        raw = sub.path.read_bytes()
        if len(raw) > 20_000_000:
            raise ValueError(f"it is {len(raw) // 1_000_000} MB; notebooks here are far smaller")
        sub.notebook = nbformat.reads(raw.decode("utf-8"), as_version=4)
        if not isinstance(sub.notebook.get("cells"), list):
            raise ValueError("it has no list of cells")
        for cell in sub.notebook.cells:
            if not isinstance(cell.get("source", ""), str):
                raise ValueError("a cell's source is not text")
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError, KeyError, TypeError,
            AttributeError, nbformat.reader.NotJSONError) as exc:
        sub.notebook = None
        sub.problem = f"the notebook could not be read ({type(exc).__name__}: {str(exc)[:200]})"
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
