"""Run a submission's code in a bubblewrap sandbox and collect what it returned.

The sandboxed process sees only the system's libraries, this Python and its
virtual environment, the lessonkit package, and a scratch folder of its own: not
source/, solutions/, the gradebook, other submissions, or the network. It runs as
an unprivileged user with limits on CPU time, memory, processes and file size; the
grader bounds its wall time and output. What it returns is data to be judged
(:mod:`autograder.verdict`), never trusted.
"""

import atexit
import contextlib
import functools
import itertools
import json
import os
import pickle
import resource
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lessonkit import stored

from . import forkserver, host

RUNNER = Path(__file__).with_name("sandbox_runner.py")
FORKSERVER = Path(__file__).with_name("sandbox_forkserver.py")
LESSONKIT = Path(stored.__file__).resolve().parent
WALL_SECONDS = 120
OUTPUT_LIMIT = 2_000_000        # bytes of stdout/stderr kept and read before the run is stopped
MEMORY_BYTES = 4 << 30
CPU_SECONDS = 120
FILE_BYTES = 64 << 20
PROCESSES = 24
MAX_RESULT_BYTES = 64 * 1024 * 1024  # one result file, as written: uncompressed float64
MAX_RESULT_VALUES = 5_000_000   # numbers accepted from one call's result
# The scratch quota, the whole-sandbox cgroup limits and the uid pool (200000-200999 by
# default, $LSTM_SANDBOX_UIDS to change it) are constants of autograder/host.py.
LATER_MODULES = {"autodiff.py": "08"}   # lessonkit modules hidden before the lesson that teaches them


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
    cpu_seconds: float | None = None   # the whole sandbox's CPU time, where its cgroup counts it
    started: bool = True    # False: the runner never reached its first cell (the grader's fault, not the student's)
    output_tail: str = ""   # the last 2,000 characters it printed (the runner's own traceback, if any)


def check_available(lesson=None, mpl_cache=None):
    """Raise SandboxUnavailable with what to do, unless a sandbox starts here, imports
    the course and returns a graded function's value (see :func:`probe`)."""
    if not shutil.which("bwrap"):
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed, so student code cannot be sandboxed. "
            "Install it (Debian/Ubuntu: sudo apt-get install bubblewrap), or pass --unsafe "
            "to grade without a sandbox (only for submissions you trust).")
    compile_course()
    probe(lesson, mpl_cache=mpl_cache)


def compile_course():
    """Byte-compile lessonkit once, here, so no sandbox compiles it again (a sandbox
    cannot write its __pycache__; a later lesson's module stays hidden, .pyc included)."""
    import compileall

    with contextlib.suppress(OSError):
        compileall.compile_dir(str(LESSONKIT), quiet=2)


PROBE_PROGRAM = ["import numpy as np\nimport lessonkit\nfrom lessonkit import check, hidden_check\n",
                 "def probe_double(x):\n    return 2 * np.asarray(x)\n"]


def probe(lesson=None, unsafe=False, mpl_cache=None):
    """Run a known-good tiny program in a sandbox set up as for ``lesson`` and make one
    call of its function; raise SandboxUnavailable with the cause unless the value
    comes back right. Grading runs this before a batch, and again when a run never
    reached its first cell, to tell a broken host from a hostile submission."""
    calls = [stored.StoredCase("probe_double", {"x": np.arange(3.0)}, np.zeros(()), [])]
    for attempt in range(2):    # a fork server found dead on the first is started again
        try:
            result = run(PROBE_PROGRAM, calls, unsafe=unsafe, mpl_cache=mpl_cache, lesson=lesson)
            break
        except (OSError, host.HostError) as exc:
            if attempt:
                raise SandboxUnavailable(f"the sandbox cannot start: {exc}") from exc
    output = result.output_tail.strip().splitlines()
    errors = [c["error"] for c in result.cells if c.get("error")]
    value, error = result.results.get(0, (None, "no result"))[:2]
    if result.events or errors or value is None or not np.array_equal(value, [0.0, 2.0, 4.0]):
        cause = errors[0] if errors else (output[-1] if output else error or "; ".join(result.events))
        raise SandboxUnavailable(
            f"a sandbox started but cannot run a known-good program: {cause[:300]} "
            "(is the virtual environment installed from this clone? pip install -e .)")


@functools.cache
def _python_roots():
    """Folders this interpreter needs: its installation and the virtual environment."""
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        roots.add(Path(sysconfig.get_paths()[key]).resolve())
    # keep only outermost folders
    return sorted(r for r in roots if not any(o != r and o in r.parents for o in roots))


SANDBOX_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/scratch", "MPLBACKEND": "Agg",
               "MPLCONFIGDIR": "/scratch/.mpl", "NBGRADER_EXECUTION": "autograde",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
BWRAP_UNSHARE = ["--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid", "--unshare-net",
                 "--unshare-uts"]
# what the fork server needs to build each run's sandbox; never held by a run (sandbox_forkserver.py)
FORKSERVER_CAPS = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_DAC_READ_SEARCH",
                   "CAP_NET_ADMIN")


def _shown_under_tmp():
    """The folders a sandbox shows that lie under /tmp (a checkout or virtual environment
    there): a run's own /tmp covers /tmp, so each is bound back on top of it."""
    return [str(p) for p in _python_roots() + [LESSONKIT] if Path("/tmp") in p.parents]


def _hidden(lesson):
    """The lessonkit modules a sandbox of ``lesson`` does not show (a later lesson's)."""
    return tuple(name for name, first in LATER_MODULES.items() if lesson is not None and lesson[:2] < first)


def _bwrap_mounts(lesson):
    """bwrap's read-only view of the system, this Python, the runtime packages and lessonkit."""
    args = ["--proc", "/proc", "--dev", "/dev", "--size", str(16 << 20), "--tmpfs", "/dev/shm"]
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
    # only the runtime's packages (requirements.txt's closure), no base or system site-packages
    args += host.package_mounts()
    for name in _hidden(lesson):
        for path in [LESSONKIT / name, *LESSONKIT.glob(f"__pycache__/{name[:-3]}.*.pyc")]:
            if path.exists():
                args += ["--ro-bind", "/dev/null", str(path)]
    args += ["--perms", "0755", "--dir", "/sandbox", "--ro-bind", str(RUNNER), "/sandbox/runner.py"]
    return args


def _bwrap_prefix(scratch, lesson=None):
    """One bwrap per run, for a grader that is not root: in a user namespace of its own,
    with a bounded tmpfs at /tmp (as root, runs come from the fork server instead)."""
    # /tmp first: a checkout or virtual environment under /tmp is mounted on top of it
    args = ["bwrap", *BWRAP_UNSHARE, "--unshare-cgroup-try",
            "--size", str(host.SCRATCH_BYTES), "--perms", "1777", "--tmpfs", "/tmp", *_bwrap_mounts(lesson),
            "--bind", str(scratch), "/scratch", "--chdir", "/scratch", "--clearenv"]
    for key, value in SANDBOX_ENV.items():
        args += ["--setenv", key, value]
    return args + ["--unshare-user", "--"]


def _forkserver_command(lesson, mpl_cache):
    """The bwrap command of a fork server for ``lesson``'s sandbox: (root, fd) -> argv."""
    def command(root, fd):
        args = ["bwrap", *BWRAP_UNSHARE,
                "--size", str(host.SCRATCH_BYTES), "--perms", "1777", "--tmpfs", "/tmp", *_bwrap_mounts(lesson),
                "--ro-bind", str(FORKSERVER), "/sandbox/forkserver.py",
                "--perms", "0755", "--tmpfs", "/scratch", "--bind", str(root), "/scratches", "--chdir", "/"]
        if mpl_cache:
            args += ["--ro-bind", str(mpl_cache), "/sandbox/mpl"]
        args += ["--clearenv"]
        for key, value in SANDBOX_ENV.items():
            args += ["--setenv", key, value]
        for cap in FORKSERVER_CAPS:
            args += ["--cap-add", cap]
        hidden = [name[:-3] for name in _hidden(lesson)]
        return args + ["--", sys.executable, "/sandbox/forkserver.py", str(fd), "--hide", *hidden]
    return command


_servers, _servers_lock = {}, threading.Lock()


def _fork_server(lesson, mpl_cache, wait=True):
    """This process's fork server for ``lesson``'s sandbox, started on first use;
    ``wait``: once it is ready."""
    key = (_hidden(lesson), str(LESSONKIT), str(RUNNER), host.package_mounts())
    with _servers_lock:
        server = _servers.get(key)
        if server is None or not server.alive():
            if server is not None:
                server.close()
            server = _servers[key] = forkserver.ForkServer(_forkserver_command(lesson, mpl_cache))
    if wait:
        server.ready()
    return server


def font_cache(out):
    """Build matplotlib's font cache once per machine and matplotlib version (in the
    user's cache folder, else in ``out``), so each sandbox starts without rebuilding it."""
    import importlib.metadata

    version = importlib.metadata.version("matplotlib")
    for cache in (host.cache_dir(f"matplotlib-{version}"), Path(out) / ".cache" / "matplotlib"):
        if cache is None:
            continue
        if any(cache.glob("fontlist-*.json")):
            return str(cache)
        try:
            cache.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                           env={**os.environ, "MPLCONFIGDIR": str(cache)}, check=True)
        except (OSError, subprocess.CalledProcessError):
            continue
        if any(cache.glob("fontlist-*.json")):
            return str(cache)
    raise SandboxUnavailable("matplotlib's font cache cannot be built (no writable cache folder)")


def prestart(lesson, mpl_cache=None):
    """Start the fork server for ``lesson`` now, so that its imports overlap the
    grader's own; a server that cannot start is reported by the probe."""
    if os.geteuid() == 0 and shutil.which("bwrap"):
        with contextlib.suppress(OSError, host.HostError):
            _fork_server(lesson, mpl_cache, wait=False)


@atexit.register
def close_servers():
    """Stop this process's fork servers (at exit, or when a test changed the sandbox)."""
    with _servers_lock:
        for server in _servers.values():
            server.close()
        _servers.clear()


def _limit_values():
    """A run's per-process limits, by RLIMIT_<NAME>; nproc counts the run's own uid, so it is
    set only where the run has one (the fork server's runs)."""
    return {"cpu": CPU_SECONDS, "as": MEMORY_BYTES, "fsize": FILE_BYTES, "core": 0, "nproc": PROCESSES}


def _limits(cgroup=None):
    """Between fork and exec of a run started as a process of its own (--unsafe, or a
    grader that is not root): its cgroup, then its limits."""
    if cgroup is not None:
        cgroup.enter()
    for name, value in _limit_values().items():
        if name != "nproc":
            resource.setrlimit(getattr(resource, f"RLIMIT_{name.upper()}"), (value, value))


def run(cells, calls, scratch=None, skip=(), unsafe=False, mpl_cache=None, lesson=None):
    """Run ``cells`` (sources) then ``calls`` (lessonkit Cases: what = function name)
    in a fresh sandbox set up as for ``lesson``; return a RunResult.

    As root, the run's scratch filesystem (host.scratch_fs) is mounted under the fork
    server's folder and unmounted once the results are read; otherwise the run's folder
    is ``scratch``, or a temporary folder removed afterwards."""
    with _prepared(cells, calls, scratch, skip, unsafe, mpl_cache, lesson) as (start, scratch, cgroup):
        result = RunResult()
        started = time.monotonic()
        _drain(start(), result, scratch)
        result.seconds = time.monotonic() - started
        if cgroup is not None:
            result.cpu_seconds = cgroup.cpu_seconds()
        if cgroup is not None and cgroup.out_of_memory():
            result.events.append(f"used more than {host.SANDBOX_MEMORY >> 30} GB of memory and was stopped")
        result.started = _progress(scratch) != "" or (scratch / "cells.json").exists()
        _collect(scratch, calls, result)
        if host.is_full(scratch):   # its own records may be lost with it: the student's doing, flagged
            result.events.append(f"filled its scratch space ({host.SCRATCH_BYTES >> 20} MB or "
                                 f"{host.SCRATCH_FILES} files) and ran out of room")
    return result


_names = itertools.count()


@contextlib.contextmanager
def _prepared(cells, calls, scratch, skip, unsafe, mpl_cache, lesson):
    """The scratch filesystem with the run's inputs, a uid and a cgroup of the run's own,
    and how to start the run: (start() -> process, scratch, cgroup); all released afterwards."""
    isolated = os.geteuid() == 0 and not unsafe
    with contextlib.ExitStack() as stack:
        if isolated:
            server = _fork_server(lesson, mpl_cache)
            name = f"run-{os.getpid()}-{next(_names)}"
            scratch = stack.enter_context(host.scratch_fs(server.root / name))
        elif scratch is None:
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="grade-")))
        else:
            scratch = Path(scratch)
            scratch.mkdir(parents=True, exist_ok=True)
        (scratch / "request.json").write_text(json.dumps({"cells": cells, "skip": sorted(skip)}))
        # the grader's own data for the runner, read before any student code runs (never pickles back)
        (scratch / "calls.pickle").write_bytes(pickle.dumps(calls, protocol=5))
        uid = None
        if isolated:
            (scratch / ".tmp").mkdir()
            uid = stack.enter_context(host.own_uid())
            for path in [scratch, *scratch.rglob("*")]:
                os.chown(path, uid, uid)
            for shown in _shown_under_tmp():   # root's folders in the run's /tmp, where they are mounted
                (scratch / ".tmp" / Path(shown).relative_to("/tmp")).mkdir(parents=True)
        elif mpl_cache:
            shutil.copytree(mpl_cache, scratch / ".mpl", dirs_exist_ok=True)
        cgroup = host.make_cgroup() if os.geteuid() == 0 else None
        if cgroup is not None:
            stack.callback(cgroup.remove)
        if isolated:
            def start():
                return server.start(name, uid, _limit_values(), SANDBOX_ENV, cgroup, _shown_under_tmp())
        else:
            def start():
                return _Process(_command(scratch, unsafe, lesson), _env(unsafe, scratch), cgroup)
        yield start, scratch, cgroup


def _command(scratch, unsafe, lesson=None):
    if unsafe:
        return [sys.executable, str(RUNNER), str(scratch)]
    return _bwrap_prefix(scratch, lesson) + [sys.executable, "/sandbox/runner.py", "/scratch"]


def _env(unsafe, scratch):
    if unsafe:
        return {**os.environ, "NBGRADER_EXECUTION": "autograde", "MPLBACKEND": "Agg",
                "OPENBLAS_NUM_THREADS": "1", "MPLCONFIGDIR": str(scratch / ".mpl")}
    return None


class _Process:
    """A run started as a process of its own (one bwrap per run, or --unsafe)."""

    def __init__(self, command, env, cgroup):
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                     preexec_fn=lambda: _limits(cgroup), start_new_session=True)

    def fileno(self):
        return self.proc.stdout.fileno()

    def poll(self):
        return self.proc.poll()

    def settle(self):
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(2)

    def kill(self):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, 9)

    def wait(self):
        code = self.proc.wait()
        self.proc.stdout.close()
        return code


def _drain(proc, result, scratch):
    """Read the sandbox's output within the wall and size limits; kill it otherwise.

    Which cell was running is read before the kill: once its output is no longer read,
    the runner blocks in that cell, but after the kill, while it dies, it may get a
    broken pipe there and start the next cell."""
    import selectors

    total, tail = 0, b""
    deadline = time.monotonic() + WALL_SECONDS
    selector = selectors.DefaultSelector()
    selector.register(proc.fileno(), selectors.EVENT_READ)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            result.events.append(f"ran longer than {WALL_SECONDS} s and was stopped")
            break
        if selector.select(timeout=min(left, 1.0)):
            chunk = os.read(proc.fileno(), 65536)
            if not chunk:
                proc.settle()     # the output ended: the process is ending too
                break
            total += len(chunk)
            tail = (tail + chunk)[-2000:]
            if total > OUTPUT_LIMIT:
                result.events.append(f"printed more than {OUTPUT_LIMIT // 1_000_000} MB and was stopped")
                break
    selector.close()
    if proc.poll() is None:
        result.progress_when_stopped = _progress(scratch)
    proc.kill()
    code = proc.wait()
    result.output_tail = tail.decode(errors="replace")
    if code < 0:
        name = {9: "SIGKILL", 24: "SIGXCPU (CPU time limit)", 11: "SIGSEGV", 6: "SIGABRT"}.get(-code, -code)
        if not result.events:
            result.events.append(f"was killed by signal {name}")
    elif code not in (0, 3):
        result.events.append(f"left the interpreter with exit code {code}")
    elif _progress(scratch).isdigit():   # the runner's own exit codes, but it never reached the calls
        result.events.append(f"left the interpreter inside a cell (exit code {code})")


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
    """(value, error, warning, changed arguments) from one result file.

    Never trusts its contents: the file must be a regular file (not a link), at most
    MAX_RESULT_BYTES, an uncompressed npz whose members' declared sizes add up to no
    more than the file (so nothing inflates in the grader's memory), holding float64
    arrays of MAX_RESULT_VALUES values at most and a JSON record."""
    import zipfile

    from lessonkit.values import unflatten

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None, "no result (the function did not finish)", None, ()
    except OSError as exc:
        return None, f"an unreadable result ({type(exc).__name__})", None, ()
    try:
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_RESULT_BYTES:
                raise ValueError("not a small regular file")
            with zipfile.ZipFile(f) as archive:
                members = archive.infolist()
                if any(m.compress_type != zipfile.ZIP_STORED for m in members) or \
                        sum(m.file_size for m in members) > info.st_size:
                    raise ValueError("compressed or inflated")

                def read(name):   # as np.load(allow_pickle=False) reads a member
                    with archive.open(f"{name}.npy") as member:
                        return np.lib.format.read_array(member, allow_pickle=False)

                meta = json.loads(str(read("meta")))
                if not isinstance(meta, dict):
                    raise ValueError("bad record")
                if meta.get("error"):
                    return None, str(meta["error"])[:500], None, ()
                dtypes = meta.get("dtypes") or []
                arrays, count = [], 0
                for k in range(len(members) - 1):
                    arr = read(f"a{k}")
                    if arr.dtype != np.float64:
                        raise ValueError("not float64")
                    count += arr.size
                    if count > MAX_RESULT_VALUES:
                        raise ValueError("too large")
                    # float32 values came as float64 exactly; judged at float32's tolerance
                    arrays.append(arr.astype(np.float32) if k < len(dtypes) and dtypes[k] == "float32" else arr)
                value = unflatten(_checked_structure(meta["structure"], len(arrays)), arrays)
                warning = meta.get("warning")
                changed = tuple(str(c)[:40] for c in meta.get("changed") or [])[:10]
                return value, None, str(warning)[:300] if warning else None, changed
    except Exception as exc:  # noqa: BLE001 - a forged or broken file is the student's loss
        return None, f"an unreadable result ({type(exc).__name__})", None, ()


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
