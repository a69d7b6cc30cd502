"""Where the time of grading ONE submission goes, stage by stage, sandbox on.

    .venv/bin/python bench/grading_profile.py [--repeat 5]

Each stage is timed on its own (median of --repeat, after one warm-up) for one solved
lesson-01 submission: a run's sandbox with nothing to run (scratch filesystem, uid,
cgroup, the fork server's fork into namespaces of its own), the lesson's cells, the
calls, and in the grader: reading the notebook, drawing the inputs and
computing the expected values, the verdict, the gradebook write (per student, in a
batch of 40) and the feedback page. Wall seconds; the sandbox's CPU seconds where its
cgroup counts them. The one-off costs of a grading run (imports, nbgrader's
generate_assignment, the fork server's start and the probe) are printed apart.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from timing import table  # noqa: E402

LESSON = "01_rnn"


def timed(fn, repeat):
    """Median (wall, CPU) seconds of ``fn()``: CPU of this process, or the sandbox's own
    CPU from its cgroup when ``fn`` returns it."""
    fn()
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        value = fn()
        walls.append(time.perf_counter() - start)
        own = getattr(value, "cpu_seconds", value if isinstance(value, float) else None)
        cpus.append(own if own is not None else time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main():
    warnings.filterwarnings("ignore", message="Object of type <Submitted")  # nbgrader's own, as the writer does
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    once = {}
    start = time.perf_counter()
    import autograder.grade  # noqa: F401
    once["the grading command's imports (its main process)"] = time.perf_counter() - start
    start = time.perf_counter()
    from autograder import writer
    writer._preload()
    once["the writer process's imports (nbgrader, nbconvert; beside the probe)"] = time.perf_counter() - start
    from autograder import gradebook, notebooks, sandbox, submission
    from autograder.calls import as_cases, calls_for, seed_for
    from autograder.nbgrader_setup import ROOT as COURSE
    from autograder.verdict import judge
    from tests.grading import builders as b

    work = Path(tempfile.mkdtemp(prefix="grading-profile-"))
    b.write(work / "subs" / "s0", LESSON, b.solved(LESSON))
    start = time.perf_counter()
    db_url, released_path = gradebook.setup(LESSON, work / "out", COURSE)
    once["gradebook and release (nbgrader generate_assignment)"] = time.perf_counter() - start
    mpl = sandbox.font_cache(work / "out")
    start = time.perf_counter()
    sandbox.check_available(LESSON, mpl)
    once["the fork server's start (its imports) and the probe sandbox"] = time.perf_counter() - start
    master = notebooks.read(COURSE / "source" / LESSON / f"{LESSON}.ipynb")
    released = notebooks.read(released_path)
    secret = b"profile"
    sub = submission.read(submission.find(work / "subs" / "s0", LESSON))
    calls = calls_for(LESSON, seed_for(secret, sub.student, LESSON))
    cases = as_cases(calls)
    program = [s for _, s in submission.program(sub, master, released)]
    runs = iter(range(1_000_000))

    def sandboxed(cells, with_calls=True):
        return sandbox.run(cells, cases if with_calls else [], work / f"run{next(runs)}", mpl_cache=mpl,
                           lesson=LESSON)

    rows, cpu = [], {}
    t_empty = timed(lambda: sandboxed([], with_calls=False), args.repeat)
    t_cells = timed(lambda: sandboxed(program, with_calls=False), args.repeat)
    t_full = timed(lambda: sandboxed(program), args.repeat)
    result = sandbox.run(program, cases, work / "cpu", mpl_cache=mpl, lesson=LESSON)
    cpu["sandbox"] = result.cpu_seconds

    def minus(a, b):
        return a[0] - b[0], a[1] - b[1]

    rows.append(["a run's sandbox (scratch tmpfs, uid, cgroup; the fork server's fork: namespaces, "
                 "mounts, privileges dropped; the runner)", t_empty])
    rows.append(["the lesson's cells (numpy, matplotlib, ipywidgets, lessonkit imported by the fork server)",
                 minus(t_cells, t_empty)])
    rows.append(["the calls (a forked child per graded function)", minus(t_full, t_cells)])
    rows.append(["read and check the notebook", timed(
        lambda: submission.read(submission.find(work / "subs" / "s0", LESSON)), args.repeat)])
    rows.append(["draw the inputs, compute expected values and misconceptions", timed(
        lambda: calls_for(LESSON, seed_for(secret, sub.student, LESSON)), args.repeat)])
    rows.append(["compare with the master, build the program, scan", timed(
        lambda: submission.program(sub, master, released), args.repeat)])
    rows.append(["verdict (judge)", timed(lambda: judge(calls, result.results), args.repeat)])
    verdicts = judge(calls, result.results)
    nb = gradebook.autograded_notebook(released, master, sub, verdicts, {})
    rows.append(["autograded notebook built", timed(
        lambda: gradebook.autograded_notebook(released, master, sub, verdicts, {}), args.repeat)])
    students = iter(range(1_000_000))
    rows.append(["gradebook write, one student alone", timed(
        lambda: gradebook.save_grades(nb, db_url, LESSON, f"a{next(students)}"), args.repeat)])
    gb = gradebook.open_gradebook(db_url).__enter__()   # one for the run, as grading keeps it
    batch = timed(lambda: gradebook.save_grades_batch(
        [(f"b{next(students)}", nb) for _ in range(40)], gb, LESSON), max(1, args.repeat // 2))
    rows.append(["gradebook write, per student in a batch of 40 (as grading does)", (batch[0] / 40, batch[1] / 40)])
    scores = gradebook.read_scores(db_url, LESSON, "a0")
    rows.append(["autograded notebook written",
                 timed(lambda: writer.nbgrader_write(nb, work / "nb.ipynb"), args.repeat)])
    rows.append(["feedback page (prepared template)", timed(
        lambda: gradebook.render_feedback(nb, db_url, LESSON, "a0", work / "f.html", scores=scores), args.repeat)])
    kept = [(name, w, c) for name, (w, c) in rows if "one student alone" not in name]
    wall, cpu_total = sum(w for _, w, _ in kept), sum(c for _, _, c in kept)
    print(f"One solved {LESSON} submission, sandbox on (median of {args.repeat}); load {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    table([[name, f"{w:.3f}", f"{c:.3f}", f"{100 * c / cpu_total:.0f} %"] for name, (w, c) in rows]
          + [["total per submission (batched gradebook write)", f"{wall:.3f}", f"{cpu_total:.3f}", "100 %"]],
          ["stage", "wall s", "CPU s", "share of CPU"])
    if cpu["sandbox"] is not None:
        print(f"CPU time of the whole sandbox (its cgroup): {cpu['sandbox']:.3f} s")
    print()
    table([[name, f"{seconds:.2f}"] for name, seconds in once.items()], ["once per grading run", "seconds"])


if __name__ == "__main__":
    main()
