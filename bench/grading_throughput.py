"""Grading throughput: stock `nbgrader autograde` against the course's command, on
the same generated submissions of lesson 01, in one run, side by side.

    .venv/bin/python bench/grading_throughput.py [--students 40] [--workers N] [--rounds 1]

Stock runs as documented: one `nbgrader autograde 01_rnn` process for the whole
class, one submission at a time, tests inside each student's kernel. The course's
command runs `python -m autograder grade` with the sandbox on (as root: a uid, a
scratch filesystem and a cgroup per submission), writing the gradebook, autograded
notebooks, feedback, course_grades.csv and report.html. Rounds alternate stock and
ours so both see the same load (the machine is shared). Prints wall seconds, CPU
seconds (the command and its waited-for children; for ours also the sandboxes'
own CPU, from their cgroups) and the ratio (goal: 10x stock's throughput).
"""

import argparse
import json
import os
import resource
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
MEASURED = """
import json, resource, sys
from autograder.__main__ import main
try:
    code = main(sys.argv[2:])
finally:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(sys.argv[1], "w") as f:
        json.dump({"rss_main_mb": me.ru_maxrss / 1024, "rss_child_mb": kids.ru_maxrss / 1024}, f)
sys.exit(code)
"""


def make_class(folder, n):
    """n submissions: right, blank, partial, and every named misconception, in turn."""
    variants = [b.solved(LESSON), b.student(LESSON), b.solved(LESSON, skip=("first_event_influence",))]
    for fn, graded in GRADED.items():
        if graded.lesson == LESSON:
            variants += [b.solved(LESSON, {fn: m.source()}) for m in graded.mistakes]
    for k in range(n):
        b.write(folder / f"student{k:04d}", LESSON, variants[k % len(variants)])


def _children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def stock(subs, work):
    """(wall, CPU) seconds for stock nbgrader to autograde the class, as one documented command."""
    course = work / f"stock{time.monotonic_ns()}"
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
    cpu, start = _children_cpu(), time.perf_counter()
    subprocess.run(nbgrader + ["autograde", LESSON, "--force"], cwd=course, env=env, check=True,
                   capture_output=True)
    return time.perf_counter() - start, _children_cpu() - cpu


def ours(subs, out, workers=None, extra=()):
    """Wall and CPU seconds, the sandboxes' CPU seconds and the command's peak RSS."""
    stats = Path(str(out) + ".stats.json")
    command = [sys.executable, "-c", MEASURED, str(stats), "grade", LESSON, "--submissions", str(subs),
               "--out", str(out), "--no-progress", *(["--workers", str(workers)] if workers else []), *extra]
    cpu, start = _children_cpu(), time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu
    if done.returncode not in (0, 1):   # 1: some students not graded (listed); still a timed run
        raise SystemExit(f"the grading command failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    if done.returncode == 1:
        print(done.stderr[-1500:], file=sys.stderr)
    states = [json.loads(p.read_text()) for p in (Path(out) / "state").glob("*.json")]
    states = [s for s in states if not s.get("not_graded")]
    sandbox_cpu = sum(s.get("sandbox_cpu_seconds") or 0 for s in states)
    return {"wall": wall, "cpu": cpu, "sandbox_cpu": sandbox_cpu, "graded": len(states),
            **json.loads(stats.read_text())}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    put_tools_on_path()
    n = args.students
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_class(work / "subs", n)
        ours(work / "subs", work / "warmup", args.workers)    # the grader's caches, as on any later run
        for k in range(args.rounds):
            load = os.getloadavg()[0]
            mine = ours(work / "subs", work / f"ours{k}", args.workers)
            t_stock, c_stock = stock(work / "subs", work)
            c_ours = mine["cpu"] + mine["sandbox_cpu"]
            rows.append([f"{k + 1}", f"{load:.1f}", "stock nbgrader autograde", f"{t_stock:.1f}", f"{t_stock / n:.3f}",
                         f"{c_stock:.1f}", f"{c_stock / n:.3f}", "1.00x", "1.00x"])
            label = f"python -m autograder grade (sandboxed; {mine['graded']} graded)"
            rows.append([f"{k + 1}", f"{load:.1f}", label, f"{mine['wall']:.1f}",
                         f"{mine['wall'] / n:.3f}", f"{c_ours:.1f}", f"{c_ours / n:.3f}",
                         f"{t_stock / mine['wall']:.2f}x", f"{c_stock / c_ours:.2f}x"])
    print(f"Grading {n} submissions of {LESSON} on {os.cpu_count()} cores (shared; load average at each round)")
    table(rows, ["round", "load", "grader", "wall s", "wall s / sub", "CPU s", "CPU s / sub",
                 "throughput vs stock (wall)", "vs stock (CPU)"])


if __name__ == "__main__":
    main()
