"""Runs of the grading command: re-runs, --force, a run killed midway, nbgrader
export afterwards, the command line, and collect."""

import csv
import os
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from autograder.collect import collect
from autograder.grade import grade

from . import builders as b

L01 = "01_rnn"


def _class(folder, n):
    for k in range(n):
        b.write(folder / f"s{k:02d}", L01, b.solved(L01) if k % 2 == 0 else b.student(L01))


def _grades(out):
    with open(out / "grades.csv") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def test_rerun_grades_only_what_changed_and_force_grades_all(bwrap, tmp_path):
    _class(tmp_path / "subs", 3)
    grade(L01, tmp_path / "subs", tmp_path / "out", workers=2, progress=False)
    stamps = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out" / "state").iterdir()}

    b.write(tmp_path / "subs" / "s01", L01, b.solved(L01))          # s01 finishes the work
    grade(L01, tmp_path / "subs", tmp_path / "out", workers=2, progress=False)
    after = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out" / "state").iterdir()}
    assert [n for n in after if after[n] != stamps[n]] == ["s01.json"]
    assert _grades(tmp_path / "out")["s01"]["score"] == "9"

    grade(L01, tmp_path / "subs", tmp_path / "out", workers=2, force=True, progress=False)
    forced = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out" / "state").iterdir()}
    assert all(forced[n] != after[n] for n in forced)


def test_killed_run_resumes_without_losing_or_duplicating(bwrap, tmp_path):
    _class(tmp_path / "subs", 6)
    command = [sys.executable, "-m", "autograder", "grade", L01, "--submissions", str(tmp_path / "subs"),
               "--out", str(tmp_path / "out"), "--workers", "1"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    state = tmp_path / "out" / "state"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(state.glob("*.json"))) < 2:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list(state.glob("*.json")))
    assert 2 <= done_before < 6, "the run should have been stopped midway"

    subprocess.run(command, check=True, capture_output=True)
    rows = _grades(tmp_path / "out")
    assert sorted(rows) == [f"s{k:02d}" for k in range(6)]
    assert [rows[f"s{k:02d}"]["score"] for k in range(6)] == ["9", "0"] * 3

    # nbgrader's own export reads the gradebook: one row per student, no duplicates
    export = tmp_path / "export.csv"
    subprocess.run([sys.executable, "-m", "nbgrader", "export", "--to", str(export),
                    f"--CourseDirectory.db_url=sqlite:///{tmp_path / 'out' / 'gradebook.db'}",
                    "--CourseDirectory.course_id=lstm-gate-by-gate"],
                   check=True, capture_output=True, cwd=tmp_path,
                   env={**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]})
    with open(export) as f:
        exported = list(csv.DictReader(f))
    assert sorted(r["student_id"] for r in exported) == sorted(rows)
    assert {r["student_id"]: float(r["score"]) for r in exported} == {s: float(r["score"]) for s, r in rows.items()}


def test_command_line_help_and_refusals(tmp_path):
    run = lambda *a: subprocess.run([sys.executable, "-m", "autograder", *a],  # noqa: E731
                                    capture_output=True, text=True)
    text = run("grade", "--help").stdout
    for option in ("--submissions", "--out", "--workers", "--force", "--unsafe", "grades.csv", "report.html"):
        assert option in text
    assert "collect" in run("--help").stdout
    missing = run("grade", "99_nothing", "--submissions", str(tmp_path), "--out", str(tmp_path / "o"))
    assert missing.returncode == 2 and "no lesson '99_nothing'" in missing.stderr


def test_collect_places_what_it_can_and_says_why_for_the_rest(tmp_path):
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr("smithjane_1234_5678_01_rnn.ipynb", b.to_json(b.solved(L01)))
        archive.writestr("doejohn_99_01_rnn.ipynb", b.to_json(b.student(L01)))
        archive.writestr("doejohn_100_01_rnn.ipynb", b.to_json(b.student(L01)))
        archive.writestr("notes_from_smith.txt", "hello")
        archive.writestr("README.ipynb", "{}")
    placed, problems = collect(download, L01, tmp_path / "subs")
    assert placed == 2
    assert (tmp_path / "subs" / "smithjane" / L01 / f"{L01}.ipynb").is_file()
    assert (tmp_path / "subs" / "doejohn" / L01 / f"{L01}.ipynb").is_file()
    assert any("not a notebook" in p and "notes_from_smith.txt" in p for p in problems)
    assert any("second notebook for doejohn" in p for p in problems)
    assert any("no student id" in p and "README.ipynb" in p for p in problems)
    with pytest.raises(SystemExit, match="group named student"):
        collect(download, L01, tmp_path / "x", pattern=r"^(\w+)_")
