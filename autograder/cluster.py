"""Grading beyond one machine: the sandboxed runs on a Dask distributed cluster.

    python -m autograder grade LESSON --submissions DIR --out OUT --cluster tcp://HOST:8786

Only the sandboxed part of grading one submission (``grade.execute_local``: its cells
and calls in a fresh bubblewrap sandbox, retried without a cell that stopped the
interpreter) runs on a worker. Everything that decides or records a grade stays on
the machine that runs the command: the course secret and the hidden inputs' expected
values (a worker receives the inputs only, as the sandbox does), the verdicts, the
gradebook, the autograded notebooks, the feedback and the state files.

A worker must hold the same checkout and environment as the grading machine (a shared
filesystem on a Slurm or PBS cluster); when grading starts, each worker proves it can
run a probe sandbox of its own and has the same grading code (``code_stamp``), or
it is left out and the command says why. A worker without
bubblewrap refuses work: it never runs student code outside a sandbox, since the
cluster path has no ``--unsafe``. Tasks are pure: a worker that dies mid-batch loses
nothing, Dask runs its submissions again on another worker (at most
``distributed.scheduler.allowed-failures`` times, 3 by default). Dask is an
instructor-side dependency (``pip install -r requirements-grading.txt`` or
``pip install .[cluster]``), never a student's.
"""

import hashlib
import os
import shutil
import socket
import tempfile
from pathlib import Path

_worker_state = {}
PROTOCOL_FILES = ["autograder/sandbox_runner.py", "autograder/sandbox.py", "autograder/host.py",
                  "autograder/forkserver.py", "autograder/sandbox_forkserver.py",
                  "autograder/grade.py", "autograder/cluster.py", "lessonkit/stored.py", "lessonkit/values.py"]
"""What a worker runs for the grading machine and the format of what it returns: a
worker whose copies differ is left out (the grader's whole fingerprint would also
change with every edit of a lesson while a batch runs)."""


def code_stamp():
    """A hash of the PROTOCOL_FILES of this checkout."""
    from .nbgrader_setup import ROOT

    digest = hashlib.sha256()
    for name in PROTOCOL_FILES:
        path = Path(ROOT) / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"missing") + b"\0")
    return digest.hexdigest()[:16]


class WorkerRefused(RuntimeError):
    """A worker that cannot sandbox student code refuses the task; args: (address, why)."""


def _where():
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return socket.gethostname()


def _no_bwrap_message(where):
    return (f"worker {where} refuses to grade: bubblewrap (bwrap) is not on its PATH "
            f"({os.environ.get('PATH', '')}), so it cannot sandbox student code. Install it on that "
            "machine (Debian/Ubuntu: apt-get install bubblewrap) or start the worker without it in the pool.")


def worker_check(lesson, stamp):
    """Run on each worker when grading starts: None if it can grade ``lesson`` (bwrap
    on its PATH, the same grading code (``code_stamp``), a probe sandbox that imports
    the course and makes one call), else why not, in words for the instructor."""
    from . import sandbox

    where = _where()
    if not shutil.which("bwrap"):
        return _no_bwrap_message(where)
    mine = code_stamp()
    if mine != stamp:
        return (f"worker {where} refuses to grade: its grading code differs from the grading machine's "
                f"({mine}, expected {stamp}, over {', '.join(PROTOCOL_FILES)}); install the same checkout there")
    try:
        sandbox.check_available(lesson)
    except sandbox.SandboxUnavailable as exc:
        return f"worker {where} refuses to grade: {exc}"
    return None


def run_on_worker(sources, cases, labels, lesson):
    """The task: one submission's sandboxed run on this worker (``grade.execute_local``,
    never unsandboxed). Returns (RunResult, cells skipped, flags)."""
    from . import sandbox
    from .grade import execute_local

    where = _where()
    if not shutil.which("bwrap"):
        raise WorkerRefused(where, _no_bwrap_message(where))
    if "mpl_cache" not in _worker_state:
        _worker_state["mpl_cache"] = sandbox.font_cache(tempfile.mkdtemp(prefix="lstm-grade-worker-"))
    context = {"lesson": lesson, "unsafe": False, "mpl_cache": _worker_state["mpl_cache"],
               "broken": _worker_state.setdefault(("broken", lesson), [])}
    return execute_local(sources, cases, labels, context)


class Cluster:
    """The grading command's side of a Dask cluster: which workers may grade, and one
    submission's sandboxed run sent to them."""

    def __init__(self, address, timeout=30):
        try:
            from distributed import Client
        except ImportError as exc:
            from .grade import GradingError

            raise GradingError("--cluster needs Dask on the grading machine and the workers: "
                               "pip install -r requirements-grading.txt") from exc
        self.address = address
        self.client = address if hasattr(address, "submit") else Client(address, timeout=timeout,
                                                                         set_as_default=False)
        self.workers, self.refused, self.threads = [], {}, 1

    def check(self, lesson, stamp):
        """Ask every worker for ``worker_check``; keep those that can grade, report the
        others on stderr; refuse (GradingError) when none can."""
        import sys

        from .grade import GradingError

        info = self.client.scheduler_info()["workers"]
        if not info:
            raise GradingError(f"the Dask cluster at {self.address} has no workers")
        futures = {w: self.client.submit(worker_check, lesson, stamp, workers=[w], allow_other_workers=False,
                                         pure=False, key=f"lstm-grade-check-{w}-{os.getpid()}")
                   for w in info}
        answers = {w: f.result() for w, f in futures.items()}
        self.refused = {w: why for w, why in answers.items() if why}
        self.workers = sorted(w for w, why in answers.items() if not why)
        for why in self.refused.values():
            print(f"warning: {why}", file=sys.stderr)
        if not self.workers:
            raise GradingError(f"no worker of the Dask cluster at {self.address} can grade: "
                               + "; ".join(self.refused.values()))
        self.threads = sum(info[w].get("nthreads", 1) for w in self.workers)

    def execute(self, sources, cases, labels, context):
        """grade.execute_local on a worker that passed the check; a worker that refuses
        (it lost bubblewrap since) is dropped and the run sent to another."""
        from .grade import NotGraded

        while True:
            workers = list(self.workers)
            if not workers:
                raise NotGraded("no worker of the cluster can sandbox: " + "; ".join(self.refused.values()))
            future = self.client.submit(run_on_worker, sources, cases, labels, context["lesson"], pure=False,
                                        workers=workers, allow_other_workers=False)
            try:
                return future.result()
            except WorkerRefused as exc:
                where, why = exc.args[:2]
                self.refused[where] = why
                self.workers = [w for w in self.workers if w != where]

    def close(self):
        if not hasattr(self.address, "submit"):
            self.client.close()
