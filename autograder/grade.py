"""One command from a folder of submissions to grades, feedback and a class report.

    python -m autograder grade LESSON --submissions DIR --out DIR [--workers N] [--force]

Each submission's code runs in the sandbox and its graded functions are judged
outside it, in a grading process; the writer process (writer.py) then saves it to nbgrader's gradebook, an
autograded notebook, feedback HTML and a state file. A run skips
students whose notebook and grader are unchanged since their state file was written,
so a run killed midway resumes without losing or duplicating anything.
"""

import ast
import contextlib
import csv
import hashlib
import json
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import replace
from pathlib import Path

# jsonschema, imported by nbformat, builds rfc3987_syntax's IRI grammar at import time (1-6 s
# of CPU per grading process); nbformat's notebook schemas check no IRI format, so the
# grader goes without it (jsonschema skips that format checker when it cannot import it)
sys.modules.setdefault("rfc3987_syntax", None)

from . import notebooks, sandbox, scan, submission  # noqa: E402
from .calls import as_cases, calls_for, course_secret, seed_for  # noqa: E402
from .gradebook import autograded_notebook, setup  # noqa: E402
from .graded import GRADED  # noqa: E402
from .nbgrader_setup import ROOT  # noqa: E402
from .verdict import CellVerdict, judge  # noqa: E402
from .writer import Writer, write_json  # noqa: E402

MAX_RETRIES = 3
_worker = {}
_AST_LOCK = threading.RLock()
"""One thread at a time in Python's ast (the scan): CPython 3.11's AST constructor keeps
its recursion depth per interpreter, not per thread, and two threads parsing at once
fail with "SystemError: AST constructor recursion depth mismatch"."""


def _parse_in_turn(*args, _parse=ast.parse, **kwargs):
    with _AST_LOCK:
        return _parse(*args, **kwargs)


# Every ast.parse of the grading process takes its turn, not only the scan's: Python
# 3.11 formats a traceback by parsing the failing line too (its ^^^ marks), in any thread.
ast.parse = _parse_in_turn


class GradingError(Exception):
    """A problem with the grading run itself (not with a submission)."""


class NotGraded(Exception):
    """The grader's fault, not the student's (no space, an I/O error, a sandbox that
    cannot start or import the course): the student is reported as not graded."""


def fingerprint(lesson, root=ROOT):
    """Changes whenever the master or the grading code does: then everything is regraded."""
    digest = hashlib.sha256()
    files = [Path(root) / "source" / lesson / f"{lesson}.ipynb"]
    for package in ("autograder", "lessonkit", "solutions"):
        files += sorted((Path(root) / package).rglob("*.py")) + sorted((Path(root) / package).rglob("*.npz"))
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _init_worker(context):
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the main process's: it stops the pool
    _worker.update(context)


def _label_flags(result, labels):
    flags = []
    for event in result.events:
        flags.append(f"the sandboxed process {event}")
    for entry in result.cells:
        error = entry.get("error") or ""
        label = labels[entry["cell"]]
        if error.startswith("MemoryError"):
            flags.append(f"cell {label} ran out of memory")
        elif error.startswith("TimeoutError"):
            flags.append(f"cell {label} ran too long and was stopped")
        elif error.startswith(("PermissionError", "OSError: [Errno 30]")):
            flags.append(f"cell {label} was refused by the sandbox: {error[:120]}")
        elif error.startswith("ModuleNotFoundError") and any(n in error for n in ("solutions", "autograder")):
            flags.append(f"cell {label} tried to import the reference: {error[:120]}")
        elif error.startswith("SystemExit"):
            flags.append(f"cell {label} tried to leave the interpreter ({error[:80]})")
        if entry.get("printed", 0) > 100_000:
            flags.append(f"cell {label} printed {entry['printed']:,} characters")
    return flags


def run_stage(student_dir, context, execute=None):
    """Run one submission in the sandbox and judge it; runs in a thread of the main
    process (it mostly waits for the sandbox). ``execute`` runs the sandboxed part
    (default: here, ``execute_local``; with --cluster, on a Dask worker). Returns what
    the gradebook and the record stage need."""
    lesson = context["lesson"]
    master, released = context["master_nb"], context["released_nb"]
    sub = submission.read(submission.find(Path(student_dir), lesson), lesson)
    calls = calls_for(lesson, seed_for(context["secret"], sub.student, lesson))
    cell_log, flags, cpu = {}, list(sub.flags), None
    if sub.notebook is not None:
        program = submission.program(sub, master, released)
        flags = list(sub.flags) + _scan(submission.student_code(sub, master), lesson)
        labels = [label for label, _ in program]
        sources = [source for _, source in program]
        result, skip, run_flags = (execute or execute_local)(sources, as_cases(calls), labels, context)
        flags += run_flags
        cpu = result.cpu_seconds
        for entry in result.cells:
            if entry.get("error") and labels[entry["cell"]] in GRADED:
                cell_log[labels[entry["cell"]]] = entry["error"]
        for index in skip:
            if labels[index] in GRADED:
                cell_log[labels[index]] = "an exit of the interpreter, so it was skipped"
        verdicts = judge(calls, result.results)
    else:
        verdicts = [CellVerdict(c.cell, c.function, False, f"✗ {sub.problem}", None, "unreadable")
                    for c in {c.cell: c for c in calls}.values()]
    nb = autograded_notebook(released, master, sub, verdicts, cell_log)
    return {"sub": replace(sub, notebook=None), "verdicts": verdicts, "nb": nb,   # the notebook is in nb now
            "flags": list(dict.fromkeys(flags)), "cpu": cpu}


def _scan(sources, lesson):
    """scan.scan under _AST_LOCK, tried again when CPython 3.11's ast trips over another
    thread's parse anyway (a traceback formatted elsewhere parses source too)."""
    for attempt in range(5):
        try:
            with _AST_LOCK:
                return scan.scan(sources, lesson)
        except SystemError as exc:
            if "recursion depth mismatch" not in str(exc) or attempt == 4:
                raise


def execute_local(sources, cases, labels, context):
    """The sandboxed part of grading one submission, on this machine: its cells and
    calls in a fresh sandbox, again without a cell that stopped the interpreter (at
    most MAX_RETRIES times). Returns (RunResult, cells skipped, flags)."""
    flags, skip, cpu = [], set(), None
    for attempt in range(MAX_RETRIES + 1):
        result = _sandbox_run(sources, cases, skip, context, flags)
        if result.cpu_seconds is not None:
            cpu = result.cpu_seconds = (cpu or 0.0) + result.cpu_seconds
        flags += _label_flags(result, labels)
        # retry only when the process really died (a signal, an abnormal exit, or
        # stopped by the grader): the progress file alone is the student's to forge
        if result.died_in_cell is None or not result.events or attempt == MAX_RETRIES:
            break
        flags.append(f"cell {labels[result.died_in_cell]} stopped the interpreter; "
                     "graded again without it")
        skip.add(result.died_in_cell)
    return result, skip, flags


def _sandbox_run(sources, cases, skip, context, flags):
    """sandbox.run, telling the host's faults from the student's: an OSError (no space,
    an I/O error) is retried once; a runner that never reached its first cell is
    probed with a known-good program. If the probe fails too the batch stops: this
    and every later student is NotGraded, never scored 0."""
    lesson, unsafe = context["lesson"], context["unsafe"]
    broken = context.setdefault("broken", [])
    for attempt in range(2):
        if broken:
            raise NotGraded(broken[0])
        try:
            result = sandbox.run(sources, cases, skip=skip, unsafe=unsafe,
                                 mpl_cache=context["mpl_cache"], lesson=lesson)
        except (OSError, sandbox.SandboxUnavailable, sandbox.host.HostError) as exc:
            if attempt:
                raise NotGraded(f"{type(exc).__name__}: {exc}") from exc
            continue
        if result.started:
            return result
        try:
            sandbox.probe(lesson, unsafe=unsafe, mpl_cache=context["mpl_cache"])
        except sandbox.SandboxUnavailable as exc:
            broken.append(str(exc))
            raise NotGraded(str(exc)) from exc
    flags.append("the sandboxed process stopped before its first cell was recorded, twice")
    return result


def _notebook_hash(student_dir, lesson):
    sub = submission.find(student_dir, lesson)
    if sub.path is None:
        return "missing"
    try:
        return hashlib.sha256(submission.notebook_bytes(sub)).hexdigest()
    except submission.Unreadable:
        return "unreadable"


def grade(lesson, submissions, out, workers=None, force=False, unsafe=False, root=ROOT, progress=True,
          cluster=None):
    """Grade every student folder in ``submissions``; return their states, sorted by student.

    ``cluster``: the address of a Dask scheduler (or a ``cluster.Cluster``): the
    sandboxed runs go to its workers; everything else happens here."""
    owned = None
    if cluster is not None and not unsafe:
        from .cluster import Cluster

        if not isinstance(cluster, Cluster):
            cluster = owned = Cluster(cluster)
    try:
        return _grade(lesson, submissions, out, workers, force, unsafe, root, progress, cluster)
    finally:
        if owned is not None:
            owned.close()


def _grade(lesson, submissions, out, workers, force, unsafe, root, progress, cluster):
    submissions, out = Path(submissions), Path(out)
    if not (Path(root) / "source" / lesson / f"{lesson}.ipynb").is_file():
        known = sorted(p.name for p in (Path(root) / "source").glob("[0-9][0-9]_*"))
        raise GradingError(f"no lesson {lesson!r}; lessons: {', '.join(known)}")
    if not any(g.lesson == lesson for g in GRADED.values()):
        raise GradingError(f"lesson {lesson} has no graded functions")
    if not submissions.is_dir():
        raise GradingError(f"no folder {submissions}")
    if cluster is not None and unsafe:
        raise GradingError("--cluster always sandboxes: it cannot be combined with --unsafe")
    steps = _progress(4, 0, progress, desc="preparing", unit="step")
    steps.set_postfix_str("matplotlib's font cache")
    out.mkdir(parents=True, exist_ok=True)
    mpl_cache = sandbox.font_cache(out)
    if cluster is None and not unsafe:
        sandbox.prestart(lesson, mpl_cache)    # its imports, on another core, while this process goes on
    steps.update(1)
    steps.set_postfix_str("gradebook and release")
    db_url, released = setup(lesson, out, root)
    steps.update(1)
    steps.set_postfix_str("what changed since the last run")
    students, refused = [], []
    for p in sorted(submissions.iterdir()):
        if p.name.startswith(".") or not (p.is_symlink() or p.is_dir()):
            continue
        problem = submission.id_problem(p.name)
        if problem:
            refused.append(f"a folder in {submissions} was not graded: {problem}")
        else:
            students.append(p)
    for line in refused:
        print(f"skipped: {line}", file=sys.stderr)
    stamp = fingerprint(lesson, root)
    hashes = {p.name: _notebook_hash(p, lesson) for p in students}
    states, pending = {}, []
    for p in students:
        old = _read_state(out / "state" / f"{p.name}.json")
        if not force and old and old.get("fingerprint") == stamp and old.get("notebook_sha256") == hashes[p.name]:
            states[p.name] = old
        else:
            pending.append(p)
    context = {"lesson": lesson, "unsafe": unsafe, "mpl_cache": mpl_cache, "secret": course_secret(out),
               "master_nb": notebooks.read(Path(root) / "source" / lesson / f"{lesson}.ipynb"),
               "released_nb": notebooks.read(released)}
    where = {"lesson": lesson, "out": str(out), "db_url": db_url, "fingerprint": stamp}
    steps.update(1)
    with contextlib.ExitStack() as stack:
        if pending:   # forked first: it imports nbgrader while the probe runs
            writer = Writer(where)
            stack.callback(writer.close)
            _warm_up(lesson, context["secret"])
        steps.set_postfix_str("probe sandbox" if cluster is None else "each worker's probe sandbox")
        if cluster is not None:
            from .cluster import code_stamp

            cluster.check(lesson, code_stamp())   # every worker probes its own sandbox
        elif not unsafe:
            sandbox.check_available(lesson, mpl_cache)   # also waits until the fork server is ready
        else:
            sandbox.probe(lesson, unsafe=True, mpl_cache=mpl_cache)
        steps.update(1)
        steps.close()
        if pending:
            pool, processes = (None, 0) if cluster is not None else _stage_pool(stack, context, workers, len(pending))
            _grade_pending(pending, context, where, hashes, pool, processes, writer, states, len(students),
                           progress, cluster)
    ordered = [states[p.name] for p in students]
    from .lms import read as collected

    write_csv(ordered, out / GRADES_CSV, lesson, released, collected(submissions))
    from .report import write_report

    write_report(ordered, out / "report.html", lesson, refused=refused)
    return ordered


GRADES_CSV = "course_grades.csv"
"""The class's grades in OUT: not nbgrader's ``grades.csv``, which ``nbgrader export``
writes in the folder it runs in and would otherwise overwrite."""

BATCH_STUDENTS = 100     # at most this many students' grades in one gradebook transaction


def _stage_here(student_dir):
    """run_stage in a grading process, with the context it was started with."""
    return run_stage(student_dir, _worker)


def _warm_up(lesson, secret):
    """What every grading process computes on its first submission, made once here, while
    the fork server makes its imports, so that the processes forked later inherit it:
    the scan's table of the functions the course gives (every lesson read and parsed)
    and the lesson's reference and inputs' generator."""
    scan.given_functions()
    calls_for(lesson, seed_for(secret, "", lesson))


def _stage_pool(stack, context, workers, pending):
    """The grading processes (``2 × workers``: each mostly waits for its sandbox), forked
    from this process, so they share its fork server and what it has imported."""
    workers = max(1, min(workers or os.cpu_count() or 1, pending))
    processes = min(2 * workers, pending)
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"),
                               initializer=_init_worker, initargs=(context,))
    stack.callback(pool.shutdown, wait=True, cancel_futures=True)   # what is not running yet, after Ctrl-C
    list(pool.map(abs, range(processes)))   # every process forked now
    return pool, processes


def _grade_pending(pending, context, where, hashes, pool, processes, writer, states, total, progress,
                   cluster=None):
    """A pipeline. The grading processes (``pool``, of ``processes``) run each submission in its sandbox and
    judge it, at most twice as many submissions in flight as processes; with ``cluster``,
    threads here send the sandboxed runs to the cluster's workers (two per worker thread)
    and judge them. The writer process saves what is judged to the gradebook and writes
    the autograded notebooks, feedback and state files: one batch at a time, of what was
    judged while it wrote the last (at most BATCH_STUDENTS), so this process never waits
    for a transaction and feedback is recorded as the batch goes."""
    lesson = context["lesson"]
    bar = _progress(total, total - len(pending), progress)
    todo = list(reversed(pending))
    with contextlib.ExitStack() as stack:
        if cluster is not None:
            window = 2 * cluster.threads
            threads = stack.enter_context(ThreadPoolExecutor(min(window, len(pending))))

            def stage(path):
                return threads.submit(run_stage, str(path), context, cluster.execute)
        else:
            window = 2 * processes

            def stage(path):
                return pool.submit(_stage_here, str(path))
        running, writing, batch = {}, {}, []
        while todo or running or writing or batch:
            while todo and len(running) < window:
                path = todo.pop()
                running[stage(path)] = path.name
            if batch and not writing:
                sent, batch = batch[:BATCH_STUDENTS], batch[BATCH_STUDENTS:]
                writing[writer.submit(sent)] = [name for name, _ in sent]
                continue
            done, _ = wait(set(running) | set(writing), return_when=FIRST_COMPLETED)
            for future in done:
                if future in running:
                    name = running.pop(future)
                    try:
                        batch.append((name, {**future.result(), "notebook_sha256": hashes[name]}))
                    except Exception as exc:  # noqa: BLE001 - the batch goes on; reported
                        states[name] = _failed(name, lesson, exc, where["out"])
                        bar.update(1)
                    continue
                names = writing.pop(future)
                try:
                    answers = future.result()
                except Exception as exc:  # noqa: BLE001 - the writer stopped: these are not graded
                    answers = {name: f"{type(exc).__name__}: {exc}" for name in names}
                for name in names:
                    answer = answers[name]
                    states[name] = (answer if isinstance(answer, dict)
                                    else _failed(name, lesson, NotGraded(answer), where["out"]))
                    bar.update(1)
    bar.close()


def _failed(name, lesson, exc, out):
    """The state of a student the grader could not grade: the grader's fault, never a 0.
    Its state file has no fingerprint, so the next run grades the student again."""
    cause = str(exc) if isinstance(exc, NotGraded) else f"{type(exc).__name__}: {exc}"
    state = {"student_id": name, "lesson": lesson, "scores": {}, "flags": [],
             "error": f"not graded: {cause}", "not_graded": cause}
    try:
        write_json(Path(out) / "state" / f"{name}.json", state)
    except OSError:
        pass   # a full disk: the state is still in course_grades.csv and the command's exit status
    return state


def not_graded(states):
    """The students the grader failed (its fault, not theirs), with the cause."""
    return [(s["student_id"], s["not_graded"]) for s in states if s.get("not_graded")]


def _progress(total, done, enabled, desc="grading", unit="student"):
    from tqdm import tqdm

    tqdm.monitor_interval = 0   # no monitor thread: the grader forks after its first bar
    return tqdm(total=total, initial=done, unit=unit, desc=desc, disable=not enabled, file=sys.stderr)


def _read_state(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _graded_cells(released_path):
    """(grade_id, points) of the test cells, in notebook order."""
    nb = notebooks.read(released_path)
    return [(notebooks.grade_id(c), c.metadata.nbgrader.get("points", 0)) for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]


def csv_safe(cell):
    """A CSV cell a spreadsheet will not run as a formula: one starting with = + - @,
    a tab or a carriage return gets a leading single quote."""
    cell = str(cell)
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def write_csv(states, path, lesson, released_path, collected=None):
    """course_grades.csv: one row per student, one column per graded check; every cell
    neutralised with csv_safe. ``collected``: what ``collect`` read in the LMS's names
    ({student: entry}, see autograder.lms); when there is any, the LMS's id of each
    student and its late marker follow the lesson, so grades can go back to the LMS."""
    from . import lms

    cells = _graded_cells(released_path)
    max_score = sum(points for _, points in cells)
    extra = list(lms.COLUMNS) if collected else []
    tmp = Path(str(path) + ".tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([csv_safe(x) for x in ["student_id", "lesson", *extra, *[gid for gid, _ in cells],
                                               "score", "max_score", "flags"]])
        for s in states:
            if s.get("not_graded"):  # the grader's failure, not the student's zero: no scores
                shown, total, flags = [""] * len(cells), "", [s["error"]]
            else:
                scores = s.get("scores", {})
                row = [float(scores.get(gid, [0, points])[0] or 0) for gid, points in cells]
                shown, total = [f"{x:g}" for x in row], f"{sum(row):g}"
                flags = [x for x in (s.get("problem"), s.get("error")) if x] + list(s.get("flags", []))
            known = lms.columns(collected.get(s["student_id"])) if collected else []
            writer.writerow([csv_safe(x) for x in [s["student_id"], lesson, *known, *shown, total,
                                                   f"{max_score:g}", "; ".join(flags)]])
    os.replace(tmp, path)
