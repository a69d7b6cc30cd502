"""From an LMS download to nbgrader's submissions layout.

An LMS (Canvas, Moodle, ...) hands out a folder or a .zip, either flat, of files named
after their students (``smithjane_1234_5678_01_rnn.ipynb``), or with one folder per
student (``smithjane_1234_assignsubmission_file_/whatever.ipynb``). Each notebook goes
to ``OUT/<student_id>/<LESSON>/<LESSON>.ipynb``; anything that cannot be placed gets a
line saying why.

The student id comes from a name the LMS chose: the folder's name when the notebook is
in a folder (the file name inside is the student's choice), else the file name's
prefix. Canvas, Moodle and Blackboard names are recognised (:mod:`autograder.lms`):
the LMS's own student id and its late marker are kept in ``OUT/collected.json`` and
become columns of the grades CSV, so grades can go back to the LMS. Ids must be safe
(``submission.ID_PATTERN``); nothing is written outside OUT; links are not followed;
a notebook over 20 MB (counted while it is read) is refused; a bad entry is reported
and the rest go on; when two entries give one id, neither is placed.
"""

import contextlib
import os
import re
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from . import lms
from .submission import MAX_NOTEBOOK_BYTES, Unreadable, id_problem, read_capped, read_regular, write_regular

DEFAULT_PATTERN = r"^(?P<student>[A-Za-z0-9.\-]+?)_"
SKIPPED_FOLDERS = {".ipynb_checkpoints", "__MACOSX"}


def _shown(name):
    """An entry's name for a message: printable, at most 80 characters."""
    text = "".join(c if c.isprintable() else "?" for c in str(name))
    return text if len(text) <= 80 else text[:77] + "..."


def _read_zip_entry(archive, info, limit=MAX_NOTEBOOK_BYTES):
    """The entry's bytes, counted while they are decompressed (the header may lie)."""
    with archive.open(info) as src:
        return read_capped(src.read, limit)


def _entries(download, problems, stack):
    """(parts of the path inside the download, reader) for every file; links and entries
    that point outside the download are reported in ``problems`` instead."""
    if download.is_file() and zipfile.is_zipfile(download):
        archive = stack.enter_context(zipfile.ZipFile(download))
        for info in archive.infolist():
            if info.is_dir():
                continue
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            if not parts or info.filename.startswith("/") or ".." in parts:
                problems.append(f"{_shown(info.filename)}: a path outside the download; not placed")
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                problems.append(f"{_shown(info.filename)}: a link; links are not followed")
                continue
            yield parts, (lambda info=info: _read_zip_entry(archive, info))
    elif download.is_dir() and not download.is_symlink():
        for top, dirs, names in os.walk(download, followlinks=False):
            dirs.sort()
            for name in sorted(dirs + names):
                path = Path(top) / name
                rel = path.relative_to(download)
                mode = path.lstat().st_mode
                if stat.S_ISLNK(mode):
                    problems.append(f"{_shown(rel)}: a link; links are not followed")
                elif stat.S_ISREG(mode):
                    yield rel.parts, (lambda path=path: read_regular(path, base=download))
    else:
        raise SystemExit(f"{download} is neither a folder nor a .zip file")


def _student(parts, regex, custom):
    """(student id, lms.Named or None, None) or (None, None, why not), from the LMS's
    name for the entry; a ``custom`` pattern (--pattern) takes precedence."""
    name = parts[0] if len(parts) > 1 else parts[-1]
    named = None if custom else lms.recognise(name)
    if named:
        problem = id_problem(named.student)
        return (None, None, problem) if problem else (named.student, named, None)
    match = regex.search(name)
    if match and match.group("student"):
        student = match.group("student")
    elif len(parts) > 1 and not id_problem(name):
        student = name   # a folder named by the student id alone
    else:
        where = "folder" if len(parts) > 1 else "file"
        return None, None, f"no student id found in the {where} name (see --pattern)"
    problem = id_problem(student)
    return (None, None, problem) if problem else (student, None, None)


def _write(out, student, lesson, data):
    """Write one notebook below ``out``, never through a link and never outside it."""
    root = out.resolve()
    target = root / student / lesson / f"{lesson}.ipynb"
    for path in (root / student, root / student / lesson):
        if path.is_symlink():
            raise Unreadable(f"{path} is a link")
        path.mkdir(exist_ok=True)
    if not target.resolve().parent.is_relative_to(root):
        raise Unreadable("the target is outside the output folder")
    write_regular(target, data)


def collect(download, lesson, out, pattern=None):
    """Place the notebooks; return (number placed, [problem lines])."""
    regex = re.compile(pattern or DEFAULT_PATTERN)
    if "student" not in regex.groupindex:
        raise SystemExit("--pattern needs a group named student, e.g. ^(?P<student>[^_]+)_")
    download, out = Path(download), Path(out)
    with contextlib.ExitStack() as stack:
        return _collect(download, lesson, out, regex, pattern is not None, stack)


def _collect(download, lesson, out, regex, custom, stack):
    problems, by_student = [], {}
    for parts, reader in _entries(download, problems, stack):
        shown = _shown("/".join(parts))
        if SKIPPED_FOLDERS & set(parts[:-1]):
            continue
        if not parts[-1].endswith(".ipynb"):
            problems.append(f"{shown}: not a notebook (.ipynb)")
            continue
        student, named, problem = _student(parts, regex, custom)
        if problem:
            problems.append(f"{shown}: {problem}")
            continue
        by_student.setdefault(student, []).append((shown, reader, named))
    out.mkdir(parents=True, exist_ok=True)
    placed, seen = 0, {}
    for student, entries in by_student.items():
        if len(entries) > 1:
            problems.append(f"{student}: {len(entries)} notebooks give this id, so none was placed: "
                            + ", ".join(shown for shown, _, _ in entries[:8]))
            continue
        shown, reader, named = entries[0]
        try:
            _write(out, student, lesson, reader())
            placed += 1
            if named:
                seen[student] = named
        except Unreadable as exc:
            problems.append(f"{shown}: not placed ({exc})")
        except (OSError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, ValueError,
                EOFError) as exc:
            problems.append(f"{shown}: not placed ({type(exc).__name__})")
    if seen:
        lms.save(out, seen)
    return placed, problems
