"""Grading throughput: stock `nbgrader autograde` against the course's command, on
the same 40 generated submissions of lesson 01, in one run.

    .venv/bin/python bench/grading_throughput.py [--students 40] [--workers N]

Stock runs as documented: one `nbgrader autograde 01_rnn` process for the whole
class, one submission at a time, tests inside each student's kernel. The course's
command runs `python -m autograder grade` with the sandbox on. Prints seconds,
submissions per second and the ratio (goal: at least 3x stock's throughput).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from timing import table  # noqa: E402

from autograder.graded import GRADED  # noqa: E402
from autograder.nbgrader_setup import put_tools_on_path  # noqa: E402
from tests.grading import builders as b  # noqa: E402

LESSON = "01_rnn"


def make_class(folder, n):
    """n submissions: right, blank, partial, and every named misconception, in turn."""
    variants = [b.solved(LESSON), b.student(LESSON), b.solved(LESSON, skip=("first_event_influence",))]
    for fn, graded in GRADED.items():
        if graded.lesson == LESSON:
            variants += [b.solved(LESSON, {fn: m.source()}) for m in graded.mistakes]
    for k in range(n):
        b.write(folder / f"student{k:03d}", LESSON, variants[k % len(variants)])


def stock(subs, work):
    """Seconds for stock nbgrader to autograde the class, as one documented command."""
    course = work / "stock"
    (course / "source").mkdir(parents=True)
    subprocess.run(["cp", "-r", str(ROOT / "source" / LESSON), str(course / "source")], check=True)
    (course / "nbgrader_config.py").write_text(
        "from autograder.nbgrader_setup import configure\n"
        f"configure(get_config(), root={str(course)!r}, db_url='sqlite:///{course}/gradebook.db')\n"
        "get_config().CourseDirectory.release_directory = 'release'\n")
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run(nbgrader + ["generate_assignment", LESSON, "--force"], cwd=course, env=env, check=True,
                   capture_output=True)
    subprocess.run(["cp", "-r", str(subs), str(course / "submitted")], check=True)
    start = time.perf_counter()
    subprocess.run(nbgrader + ["autograde", LESSON, "--force"], cwd=course, env=env, check=True,
                   capture_output=True)
    return time.perf_counter() - start


def ours(subs, work, workers):
    start = time.perf_counter()
    command = [sys.executable, "-m", "autograder", "grade", LESSON, "--submissions", str(subs),
               "--out", str(work / "ours")] + (["--workers", str(workers)] if workers else [])
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    put_tools_on_path()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_class(work / "subs", args.students)
        t_stock = stock(work / "subs", work)
        t_ours = ours(work / "subs", work, args.workers)
    n = args.students
    print(f"Grading {n} submissions of {LESSON} on {os.cpu_count()} cores")
    table([["stock nbgrader autograde", f"{t_stock:.1f}", f"{t_stock / n:.2f}", f"{n / t_stock:.2f}", "1.00x"],
           ["python -m autograder grade (sandboxed)", f"{t_ours:.1f}", f"{t_ours / n:.2f}", f"{n / t_ours:.2f}",
            f"{t_stock / t_ours:.2f}x"]],
          ["grader", "seconds", "s / submission", "submissions / s", "throughput vs stock"])


if __name__ == "__main__":
    main()
