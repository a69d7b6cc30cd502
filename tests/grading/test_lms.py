"""From an LMS download to grades that can go back to the LMS: each LMS's names are
read for its own student id and late marker, and a notebook of another lesson is
reported as such."""

import csv
import zipfile

import pytest

from autograder.collect import collect
from autograder.grade import GRADES_CSV, grade
from autograder.lms import recognise

from . import builders as b

L01, L02 = "01_rnn", "02_learn_gate"


@pytest.mark.parametrize("name, lms, student, lms_id, late, submitted", [
    ("smithjane_1234_5678_01_rnn.ipynb", "canvas", "smithjane", "1234", False, ""),
    ("smithjane_LATE_1234_5678_lesson.ipynb", "canvas", "smithjane", "1234", True, ""),
    ("Jane Smith_1234567_assignsubmission_file_", "moodle", "jane-smith", "1234567", False, ""),
    ("José Ñúñez_88_assignsubmission_file_01_rnn.ipynb", "moodle", "jose-nunez", "88", False, ""),
    ("Lesson 01_jsmith_attempt_2026-11-30-23-59-07_01_rnn.ipynb", "blackboard", "jsmith", "jsmith", False,
     "2026-11-30 23:59:07"),
    ("HW1_jsmith_attempt_2026-12-01-00-10-00_LATE_01_rnn.ipynb", "blackboard", "jsmith", "jsmith", True,
     "2026-12-01 00:10:00"),
])
def test_each_lms_name_gives_its_student_id_and_late_marker(name, lms, student, lms_id, late, submitted):
    named = recognise(name)
    assert (named.lms, named.lms_id, named.late, named.submitted) == (lms, lms_id, late, submitted)
    assert named.student == student


def test_other_names_are_not_taken_for_an_lms(tmp_path):
    assert recognise("doejohn_01_rnn.ipynb") is None and recognise("01_rnn.ipynb") is None


def test_grades_keep_the_lms_ids_and_late_markers_and_a_wrong_lesson_says_so(bwrap, tmp_path):
    download = tmp_path / "submissions.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr("smithjane_LATE_1234_5678_01_rnn.ipynb", b.to_json(b.solved(L01)))
        archive.writestr("doejohn_99_100_01_rnn.ipynb", b.to_json(b.solved(L02)))  # lesson 02's notebook
        archive.writestr("leeann_7_8_rnn.ipynb", b.to_json(b.solved(L01)))
    placed, problems = collect(download, L01, tmp_path / "subs")
    assert placed == 3 and not problems
    states = {s["student_id"]: s for s in grade(L01, tmp_path / "subs", tmp_path / "out", progress=False)}
    with open(tmp_path / "out" / GRADES_CSV, newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert [rows[s]["lms_id"] for s in ("smithjane", "doejohn", "leeann")] == ["1234", "99", "7"]
    assert rows["smithjane"]["late"] == "late" and rows["leeann"]["late"] == ""
    assert rows["smithjane"]["lms"] == "canvas" and rows["smithjane"]["score"] == rows["smithjane"]["max_score"]
    assert rows["doejohn"]["score"] == "0"
    message = states["doejohn"]["messages"]["check_rnn_cell"]
    assert "notebook of lesson 02_learn_gate, not of 01_rnn" in message and "not implemented" not in message
