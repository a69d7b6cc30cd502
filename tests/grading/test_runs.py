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
from autograder.grade import csv_safe, grade, write_csv

from . import builders as b

L01 = "01_rnn"


def _class(folder, n):
    for k in range(n):
        b.write(folder / f"s{k:02d}", L01, b.solved(L01) if k % 2 == 0 else b.student(L01))


def _grades(out):
    with open(out / "course_grades.csv") as f:
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
    n = 40   # grading is fast: enough students that the kill lands midway
    _class(tmp_path / "subs", n)
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
    assert 2 <= done_before < n, "the run should have been stopped midway"

    subprocess.run(command, check=True, capture_output=True)
    rows = _grades(tmp_path / "out")
    assert sorted(rows) == [f"s{k:02d}" for k in range(n)]
    assert [rows[f"s{k:02d}"]["score"] for k in range(n)] == ["9", "0"] * (n // 2)

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


def test_a_writer_that_dies_leaves_its_students_not_graded_and_a_rerun_grades_them(bwrap, tmp_path):
    """The gradebook writer is one process: killed midway, the students it had not
    recorded are the grader's failure (never a 0), and the next run grades them."""
    import multiprocessing
    import threading

    from autograder.grade import not_graded

    n = 16
    _class(tmp_path / "subs", n)
    state = tmp_path / "out" / "state"

    def kill_the_writer():
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and len(list(state.glob("*.json"))) < 1:
            time.sleep(0.01)
        for child in multiprocessing.active_children():
            if child.name == "gradebook writer":
                os.kill(child.pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_the_writer)
    killer.start()
    states = grade(L01, tmp_path / "subs", tmp_path / "out", workers=1, progress=False)
    killer.join()
    failed = dict(not_graded(states))
    assert 0 < len(failed) < n, "the writer should have been killed midway"
    assert all("gradebook writer stopped" in cause for cause in failed.values()), failed
    assert all(s.get("scores") for s in states if s["student_id"] not in failed)

    again = grade(L01, tmp_path / "subs", tmp_path / "out", workers=1, progress=False)
    assert not not_graded(again)
    rows = _grades(tmp_path / "out")
    assert [rows[f"s{k:02d}"]["score"] for k in range(n)] == ["9", "0"] * (n // 2)


def test_command_line_help_and_refusals(tmp_path):
    run = lambda *a: subprocess.run([sys.executable, "-m", "autograder", *a],  # noqa: E731
                                    capture_output=True, text=True)
    text = run("grade", "--help").stdout
    for option in ("--submissions", "--out", "--workers", "--force", "--unsafe", "course_grades.csv", "report.html"):
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
    assert placed == 1
    assert (tmp_path / "subs" / "smithjane" / L01 / f"{L01}.ipynb").is_file()
    assert not (tmp_path / "subs" / "doejohn").exists()      # two notebooks give doejohn: neither placed
    assert any("not a notebook" in p and "notes_from_smith.txt" in p for p in problems)
    assert any(p.startswith("doejohn: 2 notebooks") and "doejohn_99_01_rnn.ipynb" in p
               and "doejohn_100_01_rnn.ipynb" in p for p in problems)
    assert any("no student id" in p and "README.ipynb" in p for p in problems)
    with pytest.raises(SystemExit, match="group named student"):
        collect(download, L01, tmp_path / "x", pattern=r"^(\w+)_")


def test_collect_never_writes_outside_out_and_survives_bad_entries(tmp_path):
    download, out = tmp_path / "download.zip", tmp_path / "deep" / "subs"
    with zipfile.ZipFile(download, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(".._01_rnn.ipynb", b.to_json(b.student(L01)))            # id ".."
        archive.writestr("../../escape_1_01_rnn.ipynb", b.to_json(b.student(L01)))
        archive.writestr("-cmd_1_01_rnn.ipynb", b.to_json(b.student(L01)))
        archive.writestr("longname_" + "x" * 300 + ".ipynb", b.to_json(b.student(L01)))
        with archive.open("bomb_1_01_rnn.ipynb", "w") as entry:                  # 25 MB of zeros, ~25 kB here
            for _ in range(25):
                entry.write(bytes(1 << 20))
        archive.writestr("okstudent_1_01_rnn.ipynb", b.to_json(b.solved(L01)))
    assert download.stat().st_size < 200_000
    placed, problems = collect(download, L01, out)
    assert placed == 2 and sorted(p.name for p in out.iterdir()) == ["collected.json", "longname", "okstudent"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", "download.zip"]
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["subs"]
    assert any("'..' is not a valid student id" in p for p in problems)
    assert any("'-cmd' is not a valid student id" in p for p in problems)
    assert any("outside the download" in p for p in problems)
    assert any(p.startswith("bomb_1_01_rnn.ipynb: not placed (it is over 20 MB") for p in problems)


def test_collect_takes_ids_from_the_lms_folders_and_not_through_links(tmp_path):
    download = tmp_path / "download"
    for folder, name, nb in [("smithjane_11_assignsubmission_file_", "doejohn_1_01_rnn.ipynb", b.student(L01)),
                             ("doejohn_12_assignsubmission_file_", "mine.ipynb", b.solved(L01)),
                             ("leeann", "01_rnn.ipynb", b.solved(L01))]:
        (download / folder).mkdir(parents=True)
        (download / folder / name).write_text(b.to_json(nb))
    (tmp_path / "secret.ipynb").write_text("SECRET first line")
    (download / "kimlee_13_assignsubmission_file_").mkdir()
    (download / "kimlee_13_assignsubmission_file_" / "a.ipynb").symlink_to(tmp_path / "secret.ipynb")
    (download / "parkmin_14_01_rnn.ipynb").symlink_to(tmp_path / "secret.ipynb")
    placed, problems = collect(download, L01, tmp_path / "subs")
    assert placed == 3
    assert sorted(p.name for p in (tmp_path / "subs").iterdir()) == ["collected.json", "doejohn", "leeann", "smithjane"]
    # smithjane's folder holds a file she named after doejohn: it is still hers
    assert (tmp_path / "subs" / "smithjane" / L01 / f"{L01}.ipynb").read_text() == b.to_json(b.student(L01))
    assert (tmp_path / "subs" / "doejohn" / L01 / f"{L01}.ipynb").read_text() == b.to_json(b.solved(L01))
    assert sum("a link; links are not followed" in p for p in problems) == 2
    assert not any("SECRET" in p for p in problems)


def test_csv_cells_a_spreadsheet_could_run_are_neutralised(tmp_path):
    from autograder.nbgrader_setup import ROOT

    assert [csv_safe(x) for x in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "ok", "9"]] == \
        ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "ok", "9"]
    states = [{"student_id": "=HYPERLINK(\"http://evil\")", "scores": {}, "flags": ["=cmd|' /C calc'!A0", "x"],
               "problem": "+problem", "error": None}]
    write_csv(states, tmp_path / "grades.csv", "@lesson", ROOT / "lessons" / L01 / f"{L01}.ipynb")
    with open(tmp_path / "grades.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[1][0] == "'=HYPERLINK(\"http://evil\")" and rows[1][1] == "'@lesson"
    assert rows[1][-1].startswith("'+problem; =cmd")
    assert not any(cell[:1] in "=+-@\t\r" for row in rows for cell in row if cell)


def test_grade_refuses_unsafe_student_ids(bwrap, tmp_path, capsys):
    for name in ("=1+1", "-x", "@SUM(A1)", "bell\x07ring", "ok_student"):
        b.write(tmp_path / "subs" / name, L01, b.student(L01))
    states = grade(L01, tmp_path / "subs", tmp_path / "out", workers=1, progress=False)
    assert [s["student_id"] for s in states] == ["ok_student"]
    assert list(_grades(tmp_path / "out")) == ["ok_student"]
    err = capsys.readouterr().err
    report = (tmp_path / "out" / "report.html").read_text()
    for text in (err, report):
        assert text.count("is not a valid student id") == 4
        assert "a name with control characters" in text and "\x07" not in text
    assert "&#x27;=1+1&#x27; is not a valid student id" in report
