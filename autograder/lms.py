"""The names an LMS gives the files of a bulk download, and what they say.

What grades need to go back to the LMS, and whether a submission was late, is in
the names the LMS chose (never in what the student named their file):

- Canvas, "Download Submissions": ``<lastfirst>_<user id>_<submission id>_<file>``,
  with ``_LATE`` after the name for a late one (``smithjane_LATE_1234_5678_x.ipynb``).
  The user id is the "ID" column of Canvas's gradebook CSV.
- Moodle, "Download all submissions": a folder (or a file prefix)
  ``<Full Name>_<participant id>_assignsubmission_file_``. The participant id is the
  "Identifier" of Moodle's grading worksheet ("Participant 1234") and differs from one
  assignment to the next, so the course's id is the name (``jane-smith``; two students
  of one name are reported, not placed); the download does not say whether a
  submission was late.
- Blackboard, Grade Centre "Assignment File Download":
  ``<assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>`` beside a ``.txt``
  of the same attempt; ``_LATE`` after the time marks a late attempt. The username is
  what Grade Centre's upload matches on.

:func:`recognise` returns a :class:`Named` for such a name; ``collect`` keeps these
beside the notebooks (:data:`MANIFEST`) and the grades CSV gets them as columns.
"""

import json
import os
import re
import stat
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from .submission import write_regular

MANIFEST = "collected.json"
"""In the submissions folder: ``{student id: Named fields}`` from ``collect``."""

COLUMNS = ("lms", "lms_id", "late", "submitted")
MANIFEST_BYTES = 20_000_000
"""A manifest larger than this is not read (collect writes a few hundred bytes per student)."""


@dataclass
class Named:
    lms: str          # canvas, moodle or blackboard
    student: str      # the course's student id (a safe one, see submission.ID_PATTERN)
    lms_id: str       # the LMS's own id of the student, to send grades back
    late: bool
    submitted: str = ""  # Blackboard's attempt time, when the name has one


CANVAS = re.compile(r"^(?P<name>[A-Za-z0-9]+)(?P<late>_LATE)?_(?P<user>\d+)_(?P<submission>\d+)_")
MOODLE = re.compile(r"^(?P<name>[^_]+?)_(?P<participant>\d+)_assignsubmission_[a-z]+_")
BLACKBOARD = re.compile(r"^.+?_(?P<user>[A-Za-z0-9.@-]+)_attempt_"
                        r"(?P<when>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(?P<late>_LATE)?(?:_|\.|$)")


def _slug(name):
    """A full name as an id: its words in ASCII letters and digits, joined by '-'
    (José Núñez -> jose-nunez)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", plain))[:40] or "student"


def recognise(name):
    """The :class:`Named` of an LMS's file or folder name, or None."""
    if m := CANVAS.match(name):
        return Named("canvas", m["name"].lower(), m["user"], bool(m["late"]))
    if m := MOODLE.match(name):
        return Named("moodle", _slug(m["name"]), m["participant"], False)
    if m := BLACKBOARD.match(name):
        when = m["when"]
        submitted = f"{when[:10]} {when[11:].replace('-', ':')}"
        return Named("blackboard", m["user"], m["user"], bool(m["late"]), submitted)
    return None


def save(out, named):
    """Add ``named`` ({student: Named}) to the manifest in the submissions folder ``out``."""
    path = Path(out) / MANIFEST
    entries = read(out)
    entries.update({student: asdict(n) for student, n in named.items()})
    tmp = path.with_name(path.name + ".tmp")
    write_regular(tmp, json.dumps(entries, indent=1, sort_keys=True).encode())
    os.replace(tmp, path)


def read(out):
    """{student: {field: value}} from the manifest in ``out`` ({} when there is none)."""
    path = Path(out) / MANIFEST
    try:   # a regular file, not a link, a folder or a pipe (which would block the read)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return {}
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return {}
        data = json.loads(os.read(fd, MANIFEST_BYTES + 1)[:MANIFEST_BYTES])
    except (ValueError, RecursionError, OSError):   # not JSON, nested too deep, unreadable
        return {}
    finally:
        os.close(fd)
    if not isinstance(data, dict):
        return {}
    return {str(k): {c: str(v.get(c, ""))[:200] for c in ("lms", "lms_id", "submitted")}
            | {"late": v.get("late") is True}
            for k, v in data.items() if isinstance(v, dict)}


def columns(entry):
    """The CSV cells of one student's manifest entry (blank when collect did not see one)."""
    if not entry:
        return [""] * len(COLUMNS)
    return [entry.get("lms", ""), entry.get("lms_id", ""), "late" if entry.get("late") else "",
            entry.get("submitted", "")]
