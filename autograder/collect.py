"""From an LMS download to nbgrader's submissions layout.

An LMS (Canvas, Moodle, ...) hands out a folder or a .zip of files named after their
students, e.g. ``smithjane_1234_5678_01_rnn.ipynb``. Each notebook goes to
``OUT/<student_id>/<LESSON>/<LESSON>.ipynb``; anything that cannot be placed gets a
line saying why.
"""

import re
import shutil
import tempfile
import zipfile
from pathlib import Path

DEFAULT_PATTERN = r"^(?P<student>[A-Za-z0-9.\-]+?)_"


def _files(download, tmp):
    download = Path(download)
    if download.is_file() and zipfile.is_zipfile(download):
        with zipfile.ZipFile(download) as archive:
            for info in archive.infolist():
                name = Path(info.filename)
                if info.is_dir() or name.is_absolute() or ".." in name.parts:
                    continue
                target = Path(tmp) / name.name
                with archive.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                yield target
    elif download.is_dir():
        yield from sorted(p for p in download.rglob("*") if p.is_file())
    else:
        raise SystemExit(f"{download} is neither a folder nor a .zip file")


def collect(download, lesson, out, pattern=None):
    """Place the notebooks; return (number placed, [problem lines])."""
    regex = re.compile(pattern or DEFAULT_PATTERN)
    if "student" not in regex.groupindex:
        raise SystemExit("--pattern needs a group named student, e.g. ^(?P<student>[^_]+)_")
    placed, problems, seen = 0, [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in _files(download, tmp):
            if path.suffix != ".ipynb":
                problems.append(f"{path.name}: not a notebook (.ipynb)")
                continue
            match = regex.search(path.name)
            if not match or not match.group("student"):
                problems.append(f"{path.name}: no student id found in the name (see --pattern)")
                continue
            student = match.group("student")
            if student in seen:
                problems.append(f"{path.name}: a second notebook for {student} (kept {seen[student]})")
                continue
            target = Path(out) / student / lesson / f"{lesson}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            seen[student] = path.name
            placed += 1
    return placed, problems
