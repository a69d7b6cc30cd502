"""The gradebook's only writer: one process of the grading command that saves judged
submissions to nbgrader's gradebook, a batch per transaction, then writes each one's
autograded notebook, feedback page and state file.

    writer = Writer(where)                   # forked before any thread of the grader exists
    future = writer.submit(batch)            # batch: [(student, judged)] from grade.run_stage
    future.result()                          # {student: state dict, or why it failed (str)}
    writer.close()

It is forked with only the grader's light modules and imports nbgrader and nbconvert
itself, while the first sandboxes run, so the grader's main process never waits for
those imports (~1.3 s) and never blocks on a transaction. It serves one grading run
(``where``: its lesson, results folder, gradebook and fingerprint) and keeps that
run's Gradebook open. It leaves when its grader does.
"""

import collections
import json
import multiprocessing
import os
import signal
import threading
from concurrent.futures import Future
from pathlib import Path

from . import submission
from .gradebook import open_gradebook, render_feedback, save_grades_batch


class WriterStopped(Exception):
    """The writer process ended before it answered (the grader's fault, not a student's)."""


class Writer:
    """The grading command's side of the writer process. Submit one batch at a time:
    a batch is sent while the writer reads, so the send never waits for a transaction."""

    def __init__(self, where):
        context = multiprocessing.get_context("fork")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(theirs, self._conn, os.getpid(), where),
                                        name="gradebook writer", daemon=True)
        self._process.start()
        theirs.close()
        self._waiting = collections.deque()
        self._lock = threading.Lock()
        self._stopped = None
        self._reader = None

    def submit(self, batch):
        """A Future of ``write_batch(batch, ...)`` in the writer process."""
        future = Future()
        with self._lock:
            if self._reader is None:   # a thread only now: the grader forks nothing after the writer's first batch
                self._reader = threading.Thread(target=self._read, name="gradebook writer's answers", daemon=True)
                self._reader.start()
            if self._stopped is None:
                self._waiting.append(future)
                try:
                    self._conn.send(batch)
                    return future
                except (OSError, ValueError) as exc:
                    self._waiting.remove(future)
                    self._stopped = WriterStopped(f"the gradebook writer stopped ({exc})")
        future.set_exception(self._stopped)
        return future

    def _read(self):
        while True:
            try:
                answer = self._conn.recv()
            except (EOFError, OSError):
                break
            self._waiting.popleft().set_result(answer)
        self._process.join(1)
        with self._lock:
            self._stopped = self._stopped or WriterStopped(
                f"the gradebook writer stopped (exit code {self._process.exitcode})")
            while self._waiting:
                self._waiting.popleft().set_exception(self._stopped)

    def close(self):
        try:
            self._conn.send(None)
        except (OSError, ValueError):
            pass
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()
        if self._reader is not None:
            self._reader.join(5)


def _serve(conn, theirs, grader, where):
    """The writer process: its imports, then one answer per batch until None or until
    its grader is gone."""
    theirs.close()   # its copy of the grader's end, so that a grader that dies is seen
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the grader's: it closes the writer after this batch
    _preload()
    with open_gradebook(where["db_url"]) as gb:
        try:
            while True:
                while not conn.poll(1.0):
                    if os.getppid() != grader:
                        return
                batch = conn.recv()
                if batch is None:
                    return
                conn.send(write_batch(batch, where, gb))
        except (EOFError, OSError):
            return


def _preload():
    """nbgrader's gradebook and preprocessors, nbconvert's and the feedback page's parts
    (one tiny page's parts rendered): imported once, before the first batch."""
    import warnings

    import nbgrader.api  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401

    from .gradebook import _code_html, _markdown_html, _prepared_head

    warnings.filterwarnings("ignore", message="Object of type <Submitted")  # nbgrader's own
    _prepared_head()
    _markdown_html("*one* $x$")
    _code_html("x = 1")


def write_batch(batch, where, gb):
    """Save ``batch`` ([(student, judged)]) to the open Gradebook ``gb`` in one
    transaction, then record each student (see ``record``). Returns {student: state,
    or the reason it is not graded (str)}."""
    try:
        saved = save_batch(batch, gb, where["lesson"])
    except Exception as exc:  # noqa: BLE001 - every student of the batch is reported
        saved = {name: exc for name, _ in batch}
    answers = {}
    for name, judged in batch:
        try:
            if isinstance(saved[name], Exception):
                raise saved[name]
            answers[name] = record(judged, saved[name], where)
        except Exception as exc:  # noqa: BLE001
            answers[name] = f"{type(exc).__name__}: {exc}"
    return answers


def save_batch(batch, gb, lesson):
    """Grades of ``batch`` ([(name, judged)]) into the open gradebook ``gb`` in one
    transaction; when it fails, one student at a time, so one bad notebook costs only
    its own student. Returns {name: scores or the exception}."""
    try:
        return save_grades_batch([(name, judged["nb"]) for name, judged in batch], gb, lesson)
    except Exception:  # noqa: BLE001 - retried one by one below; each failure is reported
        if len(batch) == 1:
            raise
    saved = {}
    for name, judged in batch:
        try:
            saved[name] = save_grades_batch([(name, judged["nb"])], gb, lesson)[name]
        except Exception as exc:  # noqa: BLE001
            saved[name] = exc
    return saved


def record(judged, scores, where):
    """Write one judged submission, whose grades are in the gradebook (``scores``),
    where nbgrader expects it: autograded notebook, feedback; then its state file."""
    lesson, out = where["lesson"], Path(where["out"])
    sub, verdicts, nb = judged["sub"], judged["verdicts"], judged["nb"]
    graded_path = out / "autograded" / sub.student / lesson / f"{lesson}.ipynb"
    graded_path.parent.mkdir(parents=True, exist_ok=True)
    nbgrader_write(nb, graded_path)
    render_feedback(nb, where["db_url"], lesson, sub.student,
                    out / "feedback" / sub.student / lesson / f"{lesson}.html", scores=scores)
    copy_nbgrader_files(sub, lesson, out / "feedback" / sub.student / lesson)
    state = {
        "student_id": sub.student, "lesson": lesson, "notebook_sha256": judged["notebook_sha256"],
        "fingerprint": where["fingerprint"], "problem": sub.problem,
        "scores": {gid: list(v) for gid, v in scores.items()},
        "messages": {v.grade_id: v.message for v in verdicts},
        "mistakes": {v.grade_id: v.mistake for v in verdicts if v.mistake},
        "flags": judged["flags"],
        "sandbox_cpu_seconds": judged["cpu"],
    }
    write_json(out / "state" / f"{sub.student}.json", state)
    return state


def nbgrader_write(nb, path):
    import nbformat

    tmp = Path(str(path) + ".tmp")
    nbformat.write(nb, str(tmp))
    os.replace(tmp, path)


def write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False))
    os.replace(tmp, path)


def copy_nbgrader_files(sub, lesson, feedback_dir):
    """nbgrader's timestamp and submission secret beside the feedback page, as nbgrader's
    generate_feedback leaves them, so ``nbgrader release_feedback`` can release it
    through the exchange (docs/hub.md). Regular files only, and small."""
    for name in submission.NBGRADER_FILES:
        source = sub.root / lesson / name
        if not source.is_file() or source.is_symlink():
            continue
        try:
            data = submission.read_regular(source, limit=4096, base=sub.root)
        except (submission.Unreadable, OSError):
            continue
        submission.write_regular(feedback_dir / name, data)
