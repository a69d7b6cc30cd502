"""The path a hub class takes, with real users and nbgrader's exchange: the instructor
releases a lesson, two students fetch it, work and submit; the instructor collects with
nbgrader, grades with the course's command and releases the feedback, which each
student fetches: their own, with their own score."""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.grade import GRADES_CSV, grade

from ..grading import builders as b
from .conftest import ROOT, as_user, real_users

L01 = "01_rnn"
COURSE = "lstm-hub-test"


def _instructor(args, cwd):
    """nbgrader as the instructor (root here), with the course's tools on PATH (nbgrader
    runs alembic to make its gradebook)."""
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    nbgrader = Path(sys.executable).with_name("nbgrader")
    done = subprocess.run([str(nbgrader), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def students(hub_base):
    with real_users(["lstm-hub-ada", "lstm-hub-bo"]) as names:
        yield names


@pytest.fixture(scope="module")
def hub_class(bwrap, hub_base, students, class_python):
    exchange = hub_base / "exchange"
    exchange.mkdir(mode=0o777)
    exchange.chmod(0o777)  # nbgrader's exchange: every user writes into its inbound folder
    course = hub_base / "course"
    (course / "release" / L01).mkdir(parents=True)
    shutil.copy(ROOT / "lessons" / L01 / f"{L01}.ipynb", course / "release" / L01)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = {COURSE!r}\n"
        f"c.CourseDirectory.root = {str(course)!r}\nc.Exchange.root = {str(exchange)!r}\n")
    _instructor(["release_assignment", L01], course)

    ada, bo = students
    no_tanh = b.body(L01, "rnn_cell", "return np.concatenate([memory, event], axis=1) @ W + b")
    work = {ada: b.solved(L01), bo: b.solved(L01, {"rnn_cell": no_tanh})}
    student_nbgrader = [class_python, "-m", "nbgrader"]
    for user, nb in work.items():
        fetched = as_user(user, [*student_nbgrader, "fetch_assignment", L01, "--course", COURSE,
                                 f"--Exchange.root={exchange}"])
        assert fetched.returncode == 0, fetched.stderr[-2000:]
        home = Path(f"/home/{user}")
        assert nbformat.read(home / L01 / f"{L01}.ipynb", as_version=4).cells  # the released lesson
        mine = home / L01 / f"{L01}.ipynb"
        mine.write_text(b.to_json(nb))
        shutil.chown(mine, user, user)
        submitted = as_user(user, [*student_nbgrader, "submit", L01, "--course", COURSE, f"--Exchange.root={exchange}"])
        assert submitted.returncode == 0, submitted.stderr[-2000:]

    _instructor(["collect", L01], course)
    results = hub_base / "results"
    states = {s["student_id"]: s for s in grade(L01, course / "submitted", results, progress=False)}
    _instructor(["release_feedback", L01, "--course", COURSE, f"--Exchange.root={exchange}"], results)
    feedback = {}
    for user in students:
        got = as_user(user, [*student_nbgrader, "fetch_feedback", L01, "--course", COURSE,
                             f"--Exchange.root={exchange}"])
        assert got.returncode == 0, got.stderr[-2000:]
        pages = list(Path(f"/home/{user}/{L01}/feedback").glob(f"*/{L01}.html"))
        feedback[user] = [p.read_text() for p in pages]
    return states, feedback, results


def test_each_student_is_graded_and_fetches_their_own_feedback(hub_class, students):
    """One test, so pytest-xdist runs the whole path in one worker: two workers would
    each create and remove the same users."""
    states, feedback, results = hub_class
    ada, bo = students
    assert set(states) == {ada, bo}
    assert sum(v[0] for v in states[ada]["scores"].values()) == 9
    assert states[bo]["scores"]["check_rnn_cell"][0] == 0 and states[bo]["scores"]["check_rnn_forward"][0] == 1
    assert not states[ada]["flags"]   # nbgrader's own files beside the notebook are not the student's
    rows = (results / GRADES_CSV).read_text().splitlines()
    assert rows[1].startswith(f"{ada},{L01},") and rows[2].startswith(f"{bo},{L01},")

    assert len(feedback[ada]) == 1 and len(feedback[bo]) == 1
    assert "(Score: 9 / 9)" in feedback[ada][0]
    assert "(Score: 6 / 9)" in feedback[bo][0]
    assert "wrap it in np.tanh" in feedback[bo][0] and "wrap it in np.tanh" not in feedback[ada][0]
    assert "Content-Security-Policy" in feedback[bo][0]
