"""The course's command line: ``python -m autograder --help``."""

import argparse
import sys
from pathlib import Path


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=(
        "Maintain and grade the course. Run from the repository's root."))
    sub = parser.add_subparsers(dest="command", required=True)
    sync = sub.add_parser("sync", help="bring generated files up to date", description=(
        "Rebuild the stored cases (lessonkit/data/cases) of the named lessons' graded "
        "functions from solutions/ and autograder/graded/, rewriting a file only when its "
        "content changed; strip outputs from the masters in source/ and regenerate the "
        "student versions in lessons/ and the index with nbgrader. A no-op on a clean checkout."))
    sync.add_argument("lessons", nargs="*", help="lesson folders, e.g. 03_forget_gate (default: all)")
    grade = sub.add_parser("grade", help="grade a folder of submissions", description=(
        "Grade every student folder in --submissions (nbgrader's layout: "
        "DIR/<student_id>/<LESSON>/<LESSON>.ipynb). Each notebook's code runs in a "
        "bubblewrap sandbox (no network, no access to the reference, hidden tests or "
        "other students' files; limits on time, memory, processes and output); its graded "
        "functions are judged outside the sandbox on fresh random inputs. Writes to --out: "
        "course_grades.csv, feedback/<student>/<LESSON>/<LESSON>.html, report.html, nbgrader's "
        "gradebook.db (so `nbgrader export` works), autograded/ notebooks and state/. "
        "A re-run grades only new or changed submissions. As root, each sandbox runs under a uid of "
        "its own from the range in $LSTM_SANDBOX_UIDS (FIRST-LAST, default 200000-200999; it must "
        "not meet systemd's DynamicUser range 61184-65519 or an existing user), with a scratch "
        "filesystem of 256 MB and 4096 files and a cgroup for its memory, processes and CPU; one fork "
        "server per lesson has imported numpy, matplotlib and lessonkit once and forks each sandbox "
        "(docs/design.md §5.2). "
        "A student the grader could not grade (no space, an I/O error, a sandbox that cannot "
        "start) is listed as 'not graded: <cause>', never scored 0, and the command exits 1. "
        "Ctrl-C stops a run; the same command resumes it with the students not yet graded. "
        "With --cluster, the sandboxed runs go to the workers of a Dask cluster (each worker "
        "sandboxes with bubblewrap or refuses work; one that dies mid-batch loses nothing: its "
        "submissions run again elsewhere), and verdicts, gradebook and feedback are still made "
        "here. Install Dask with pip install -r requirements-grading.txt (instructors only)."))
    grade.add_argument("lesson", help="the lesson folder, e.g. 01_rnn")
    grade.add_argument("--submissions", required=True, type=Path, help="folder of student folders")
    grade.add_argument("--out", required=True, type=Path, help="folder for the results")
    grade.add_argument("--workers", type=int, default=None,
                       help="cores to grade on (default: all): two grading processes per core, since each "
                            "mostly waits for its sandbox; one more process writes the gradebook and feedback")
    grade.add_argument("--force", action="store_true", help="regrade everything, changed or not")
    grade.add_argument("--unsafe", action="store_true", help=(
        "grade without a sandbox when bubblewrap cannot start (only for submissions you trust)"))
    grade.add_argument("--cluster", metavar="ADDRESS", default=None, help=(
        "run the sandboxes on the Dask cluster whose scheduler is at ADDRESS (e.g. "
        "tcp://10.0.0.5:8786; a Slurm or PBS cluster via dask-jobqueue, see the README); "
        "the workers need the same checkout and environment, and bubblewrap"))
    grade.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    collect = sub.add_parser("collect", help="turn an LMS download into nbgrader's layout", description=(
        "Place each notebook of an LMS download (a folder or a .zip of files named after "
        "students) at OUT/<student_id>/<LESSON>/<LESSON>.ipynb. The student id is the part "
        "of the file name before the first underscore, or the group 'student' of --pattern."))
    collect.add_argument("download", type=Path, help="the downloaded folder or .zip")
    collect.add_argument("--lesson", required=True, help="the lesson folder, e.g. 01_rnn")
    collect.add_argument("--out", required=True, type=Path, help="the submissions folder to fill")
    collect.add_argument("--pattern", default=None, help=r"a regular expression with a group named student")
    args = parser.parse_args(argv)

    if args.command == "sync":
        from .sync import sync as run_sync

        changed = run_sync(args.lessons)
        print(f"stored cases rewritten: {', '.join(changed) or 'none (all up to date)'}; "
              "student versions regenerated")
    elif args.command == "grade":
        if not args.unsafe and args.cluster is None:
            _prestart(args.lesson, args.out)
        from .grade import GradingError
        from .grade import grade as run_grade
        from .sandbox import SandboxUnavailable

        if args.unsafe:
            print("WARNING: grading without a sandbox (--unsafe): student code runs with your "
                  "permissions and can read the reference and hidden tests.", file=sys.stderr)
        try:
            states = run_grade(args.lesson, args.submissions, args.out, args.workers, args.force, args.unsafe,
                               progress=not args.no_progress, cluster=args.cluster)
        except (GradingError, SandboxUnavailable) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("interrupted: the same command resumes with the students not yet graded", file=sys.stderr)
            return 130
        from .grade import not_graded

        failed = not_graded(states)
        flagged = sum(1 for s in states if (s.get("flags") or s.get("error")) and not s.get("not_graded"))
        print(f"graded {len(states) - len(failed)} students; {flagged} flagged. Results in {args.out}: "
              "course_grades.csv, report.html, feedback/")
        if failed:
            print(f"error: {len(failed)} students were not graded, through no fault of theirs "
                  "(grade again once the cause is fixed):", file=sys.stderr)
            for student, cause in failed:
                print(f"  {student}: {cause}", file=sys.stderr)
            return 1
    elif args.command == "collect":
        from .collect import collect as run_collect

        placed, problems = run_collect(args.download, args.lesson, args.out, args.pattern)
        for line in problems:
            print(f"skipped: {line}", file=sys.stderr)
        print(f"placed {placed} notebooks in {args.out}")
        return 1 if problems and not placed else 0
    return 0


def _prestart(lesson, out):
    """The lesson's fork server, started before the grader imports what it needs, so that
    its own imports (numpy, matplotlib, lessonkit) run beside those; ``grade`` reuses it.
    Any problem is left for the grader's probe to report."""
    if (Path(__file__).resolve().parent.parent / "source" / lesson / f"{lesson}.ipynb").is_file():
        from . import sandbox

        try:
            sandbox.prestart(lesson, sandbox.font_cache(out))
        except (OSError, sandbox.SandboxUnavailable):
            pass


if __name__ == "__main__":
    sys.exit(main())
