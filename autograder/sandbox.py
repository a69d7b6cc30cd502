"""Run a submission's code in a bubblewrap sandbox and collect what it returned.

The sandboxed process sees only the system's libraries, this Python and its
virtual environment, the lessonkit package, and a scratch folder of its own: not
source/, solutions/, the gradebook, other submissions, or the network. It runs as
an unprivileged user with limits on CPU time, memory, processes and file size; the
grader bounds its wall time and output. What it returns is data to be judged
(:mod:`autograder.verdict`), never trusted.
"""

import contextlib
import fcntl
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lessonkit import stored

RUNNER = Path(__file__).with_name("sandbox_runner.py")
LESSONKIT = Path(stored.__file__).resolve().parent
WALL_SECONDS = 120
OUTPUT_LIMIT = 2_000_000        # bytes of stdout/stderr kept and read before the run is stopped
MEMORY_BYTES = 4 << 30
CPU_SECONDS = 120
FILE_BYTES = 64 << 20
PROCESSES = 24
MAX_RESULT_VALUES = 5_000_000   # numbers accepted from one call's result
UID_POOL = range(64000, 65000)  # each sandboxed run takes a uid of its own from here


class SandboxUnavailable(RuntimeError):
    """No sandbox can start here; grading refuses unless --unsafe."""


@dataclass
class RunResult:
    """What came back from one sandboxed run."""

    results: dict = field(default_factory=dict)   # call index -> (value or None, error, warning)
    cells: list = field(default_factory=list)     # per cell: error and characters printed
    events: list = field(default_factory=list)    # what went wrong with the process, in words
    died_in_cell: int | None = None
    seconds: float = 0.0
    progress_when_stopped: str | None = None  # the runner's progress file when the grader stopped it


def check_available():
    """Raise SandboxUnavailable with what to do, unless bubblewrap can start here."""
    if not shutil.which("bwrap"):
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed, so student code cannot be sandboxed. "
            "Install it (Debian/Ubuntu: sudo apt-get install bubblewrap), or pass --unsafe "
            "to grade without a sandbox (only for submissions you trust).")
    with _own_uid() if os.geteuid() == 0 else contextlib.nullcontext() as uid:
        probe = subprocess.run(_bwrap_prefix(Path(tempfile.gettempdir()), uid) + ["true"],
                               capture_output=True, text=True)
    if probe.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap is installed but cannot start a sandbox here: {probe.stderr.strip()} "
            "(unprivileged user namespaces may be disabled). Pass --unsafe to grade without one.")


def _python_roots():
    """Folders this interpreter needs: its installation and the virtual environment."""
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        roots.add(Path(sysconfig.get_paths()[key]).resolve())
    # keep only outermost folders
    return sorted(r for r in roots if not any(o != r and o in r.parents for o in roots))


@contextlib.contextmanager
def _own_uid():
    """A uid no other sandbox on this machine is using, held for one run.

    The process limit counts per uid, so a fork bomb can only exhaust its own run's
    budget. Afterwards every process left under the uid is killed before it is
    released for the next run.
    """
    locks = Path(tempfile.gettempdir()) / "lstm-gate-sandbox-uids"
    locks.mkdir(exist_ok=True)
    start = random.randrange(len(UID_POOL))
    for k in range(len(UID_POOL)):
        uid = UID_POOL[(start + k) % len(UID_POOL)]
        handle = open(locks / str(uid), "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        try:
            _kill_uid(uid)
            yield uid
        finally:
            _kill_uid(uid)
            handle.close()
        return
    raise SandboxUnavailable("all sandbox uids are in use")


def _kill_uid(uid):
    """SIGKILL every process whose real uid is ``uid``, until none is left."""
    for _ in range(50):
        found = False
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/status") as f:
                    real = next(line for line in f if line.startswith("Uid:")).split()[1]
                if int(real) == uid:
                    found = True
                    os.kill(int(pid), signal.SIGKILL)
            except (OSError, StopIteration, ValueError):
                continue
        if not found:
            return
        time.sleep(0.02)


def _bwrap_prefix(scratch, uid):
    args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid",
            "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for path in ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin", "/etc"):
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    shown = _python_roots() + [LESSONKIT]
    # bwrap would create the folders leading to these as 0700, unreadable after setpriv
    ancestors = sorted({p for path in shown for p in path.parents if str(p) != "/"}, key=lambda p: len(p.parts))
    for folder in ancestors:
        args += ["--perms", "0755", "--dir", str(folder)]
    for root in shown:
        # the venv's editable finder maps lessonkit to the repository: only that folder is shown
        args += ["--ro-bind", str(root), str(root)]
    args += ["--perms", "0755", "--dir", "/sandbox", "--ro-bind", str(RUNNER), "/sandbox/runner.py",
             "--bind", str(scratch), "/scratch",
             "--chdir", "/scratch", "--clearenv"]
    env = {"PATH": "/usr/bin:/bin", "HOME": "/scratch", "MPLBACKEND": "Agg",
           "MPLCONFIGDIR": "/scratch/.mpl", "NBGRADER_EXECUTION": "autograde",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
    for key, value in env.items():
        args += ["--setenv", key, value]
    if uid is not None:
        # bwrap as root builds the mounts; setpriv then drops to an unprivileged uid of
        # this run's own, so the process limit counts this sandbox alone.
        args += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    else:
        args += ["--unshare-user", "--"]
    return args


def _limits():
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if os.geteuid() == 0:  # for root the limit applies after setpriv drops to the sandbox uid
        resource.setrlimit(resource.RLIMIT_NPROC, (PROCESSES, PROCESSES))


def run(cells, calls, scratch, skip=(), unsafe=False, mpl_cache=None):
    """Run ``cells`` (sources) then ``calls`` (lessonkit Cases: what = function name)
    in a fresh sandbox using folder ``scratch``; return a RunResult."""
    scratch = Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "request.json").write_text(json.dumps({"cells": cells, "skip": sorted(skip)}))
    stored.save(scratch / "calls.npz", calls)
    if mpl_cache:
        shutil.copytree(mpl_cache, scratch / ".mpl", dirs_exist_ok=True)
    isolated = os.geteuid() == 0 and not unsafe
    with _own_uid() if isolated else contextlib.nullcontext() as uid:
        if uid is not None:
            for path in [scratch, *scratch.rglob("*")]:
                os.chown(path, uid, uid)
        result = _run(_command(scratch, uid, unsafe), unsafe, scratch)
    _collect(scratch, calls, result)
    return result


def _command(scratch, uid, unsafe):
    if unsafe:
        return [sys.executable, str(RUNNER), str(scratch)]
    return _bwrap_prefix(scratch, uid) + [sys.executable, "/sandbox/runner.py", "/scratch"]


def _run(command, unsafe, scratch):
    if unsafe:
        env = {**os.environ, "NBGRADER_EXECUTION": "autograde", "MPLBACKEND": "Agg",
               "OPENBLAS_NUM_THREADS": "1", "MPLCONFIGDIR": str(scratch / ".mpl")}
    else:
        env = None
    result = RunResult()
    start = time.monotonic()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                          preexec_fn=_limits, start_new_session=True) as proc:
        _drain(proc, result, scratch)
    result.seconds = time.monotonic() - start
    return result


def _drain(proc, result, scratch):
    """Read the sandbox's output within the wall and size limits; kill it otherwise.

    Which cell was running is read before the kill: once its output is no longer read,
    the runner blocks in that cell, but after the kill, while it dies, it may get a
    broken pipe there and start the next cell."""
    import selectors

    total = 0
    deadline = time.monotonic() + WALL_SECONDS
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            result.events.append(f"ran longer than {WALL_SECONDS} s and was stopped")
            break
        if selector.select(timeout=min(left, 1.0)):
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            total += len(chunk)
            if total > OUTPUT_LIMIT:
                result.events.append(f"printed more than {OUTPUT_LIMIT // 1_000_000} MB and was stopped")
                break
    if proc.poll() is None:
        result.progress_when_stopped = _progress(scratch)
    try:
        os.killpg(proc.pid, 9)
    except ProcessLookupError:
        pass
    code = proc.wait()
    if code < 0:
        name = {9: "SIGKILL", 24: "SIGXCPU (CPU time limit)", 11: "SIGSEGV", 6: "SIGABRT"}.get(-code, -code)
        if not result.events:
            result.events.append(f"was killed by signal {name}")
    elif code not in (0, 3):
        result.events.append(f"left the interpreter with exit code {code}")


def _collect(scratch, calls, result):
    try:
        result.cells = json.loads((scratch / "cells.json").read_text())
    except (OSError, ValueError):
        result.cells = []
    progress = result.progress_when_stopped
    if progress is None:
        progress = _progress(scratch)
    if progress.isdigit() and result.events:  # the file alone is forgeable: only if the process died
        result.died_in_cell = int(progress)
    for index in range(len(calls)):
        result.results[index] = _read_result(scratch / "results" / f"{index}.npz")


def _progress(scratch):
    try:
        return (scratch / "progress").read_text().strip()
    except OSError:
        return ""


def _read_result(path):
    """(value, error, warning) from one result file; never trusts its contents."""
    from lessonkit.values import unflatten

    if not path.is_file():
        return None, "no result (the function did not finish)", None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if not isinstance(meta, dict):
                raise ValueError("bad record")
            if meta.get("error"):
                return None, str(meta["error"])[:500], None
            arrays, count = [], 0
            for k in range(len(data.files) - 1):
                arr = data[f"a{k}"]
                if arr.dtype != np.float64:
                    raise ValueError("not float64")
                count += arr.size
                if count > MAX_RESULT_VALUES:
                    raise ValueError("too large")
                arrays.append(arr)
            value = unflatten(_checked_structure(meta["structure"], len(arrays)), arrays)
            warning = meta.get("warning")
            return value, None, str(warning)[:300] if warning else None
    except Exception as exc:  # noqa: BLE001 - a forged or broken file is the student's loss
        return None, f"an unreadable result ({type(exc).__name__})", None


def _checked_structure(desc, n_arrays):
    """Validate a structure description from the sandbox against the arrays sent."""
    def count(d, depth=0):
        if depth > 4:
            raise ValueError("too deep")
        if d == "array":
            return 1
        if isinstance(d, dict) and list(d) == ["tuple"] and isinstance(d["tuple"], list):
            return sum(count(x, depth + 1) for x in d["tuple"])
        if isinstance(d, dict) and list(d) == ["dict"] and all(isinstance(k, str) for k in d["dict"]):
            return len(d["dict"])
        raise ValueError("bad structure")
    if count(desc) != n_arrays:
        raise ValueError("structure does not match the arrays")
    return desc
