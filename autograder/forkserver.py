"""The grader's side of the fork server (sandbox_forkserver.py): started once per
lesson and grading process, it saves every submission the interpreter's start and
its imports of numpy, matplotlib, ipywidgets and lessonkit (0.3 of 0.5 CPU s).

Each run still gets everything it had with one bwrap per run (docs/design.md §5.2):
a scratch filesystem, a uid and a cgroup of its own, made here, and namespaces of its
own, made by its fork before any of its code runs. The scratch filesystems are mounted
under the server's folder, which is shared into the server's sandbox (mount
propagation), so a run's scratch appears there once mounted here; each fork keeps its
own and unmounts the rest.
"""

import array
import contextlib
import json
import os
import select
import socket
import stat
import subprocess
import tempfile
import threading
from pathlib import Path

from . import host

MS_BIND, MS_SHARED = 4096, 1 << 20
PREFIX = "lstm-sandboxes-"     # + the grader's pid: a folder of a killed grader is swept by the next
START_SECONDS = 60
STATUS_SECONDS = 10      # for a run's exit code, once it was stopped or its output ended


class ForkServer:
    """One fork server, serving runs of one lesson's sandbox (``command(root, fd)``:
    the bwrap command that starts it with the socket ``fd`` and ``root`` at /scratches)."""

    def __init__(self, command):
        """Start the server (``command(root, fd)``: its bwrap command); :meth:`ready` waits for it."""
        sweep(Path(tempfile.gettempdir()))
        self.root = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        self._lock = threading.Lock()
        self.sock = self._log = None
        self.owner = os.getpid()   # a forked process of the grader may use it, never stop it
        try:
            host.mount(self.root, self.root, flags=MS_BIND)
            host.mount(None, self.root, flags=MS_SHARED)   # the runs' scratch filesystems appear in the server
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            self.sock, self._log = ours, tempfile.TemporaryFile()
            with theirs:
                self.proc = subprocess.Popen(command(self.root, theirs.fileno()), pass_fds=[theirs.fileno()],
                                             stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
                                             start_new_session=True)
        except BaseException:
            self.close()
            raise

    def ready(self):
        """Wait until the server has made its imports; raise OSError with its last line if it cannot.
        Only its owner waits: the one "ready" is its to read, and a forked process's
        requests queue in the socket until the server reads them."""
        with self._lock:
            if self._log is None or os.getpid() != self.owner:
                return
            self.sock.settimeout(START_SECONDS)
            try:
                ready = self.sock.recv(16)
            except OSError:
                ready = b""
            self.sock.settimeout(None)
            log, self._log = self._log, None
        with log:
            if ready != b"ready":
                log.seek(0)
                lines = log.read().decode(errors="replace").strip().splitlines()
                self.close()
                raise OSError(f"the fork server did not start: {lines[-1] if lines else 'no output'}")

    def alive(self):
        if self.sock is None:
            return False
        if os.getpid() != self.owner:     # not this process's child: it can only ask whether it exists
            try:
                os.kill(self.proc.pid, 0)
            except ProcessLookupError:
                return False
            return True
        return self.proc.poll() is None

    def start(self, name, uid, limits, env, cgroup, keep=()):
        """Fork a run over scratch filesystem ``self.root / name`` (mounted, owned by
        ``uid``; ``keep``: what the sandbox shows under /tmp, which the run's /tmp would
        cover); returns its Forked handle."""
        out_r, out_w = os.pipe()
        status_r, status_w = os.pipe()
        fds = [out_w, status_w]
        try:
            if cgroup is not None:
                fds += [os.open(os.path.join(f, "cgroup.procs"), os.O_WRONLY | os.O_CLOEXEC) for f in cgroup.folders]
            header = json.dumps({"name": name, "uid": uid, "limits": limits, "env": env,
                                 "keep": list(keep)}).encode()
            with self._lock:
                try:
                    self.sock.sendmsg([header], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
                except OSError:       # the server is gone: the caller's retry starts another
                    self.sock.close()
                    self.sock = None
                    raise
        except BaseException:
            os.close(out_r)
            os.close(status_r)
            raise
        finally:
            for fd in fds:
                os.close(fd)
        return Forked(out_r, status_r, uid, cgroup)

    def close(self):
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if os.getpid() != self.owner:
            return
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    os.killpg(proc.pid, 9)
                proc.wait()
        host._libc.umount2(bytes(self.root), host.MNT_DETACH)
        _remove(self.root)


def sweep(folder):
    """Unmount and remove what a fork server's grader left in ``folder`` when it was
    killed (no atexit): its folder, named after its pid, with the runs' scratch
    filesystems still mounted. Only root's own folders, and only of dead processes."""
    for path in folder.glob(f"{PREFIX}*-*"):
        pid = path.name[len(PREFIX):].split("-")[0]
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if not pid.isdigit() or info.st_uid != os.geteuid() or not stat.S_ISDIR(info.st_mode) or \
                os.path.exists(f"/proc/{pid}"):
            continue
        host._libc.umount2(bytes(path), host.MNT_DETACH)     # the folder's bind and the mounts under it
        _remove(path)


def _remove(folder):
    """``folder`` and the empty folders in it (another grader may be sweeping it too)."""
    with contextlib.suppress(OSError):
        for leftover in folder.iterdir():
            with contextlib.suppress(OSError):
                leftover.rmdir()
        folder.rmdir()


class Forked:
    """A run the fork server started: its output, and its exit code once it ended."""

    def __init__(self, out, status, uid, cgroup):
        self.out, self.status, self.uid, self.cgroup = out, status, uid, cgroup
        self.code = None

    def fileno(self):
        return self.out

    def poll(self):
        if self.code is None and select.select([self.status], [], [], 0)[0]:
            self._read()
        return self.code

    def settle(self):
        """Its output has ended: wait briefly for its exit code."""
        if self.code is None and select.select([self.status], [], [], 2)[0]:
            self._read()

    def kill(self):
        if self.cgroup is not None:
            self.cgroup.kill()
        else:
            host._kill_uid(self.uid)

    def wait(self):
        if self.code is None:
            if select.select([self.status], [], [], STATUS_SECONDS)[0]:
                self._read()
            else:
                self.code = -9
        for fd in (self.out, self.status):
            with contextlib.suppress(OSError):
                os.close(fd)
        return self.code

    def _read(self):
        text = os.read(self.status, 32).decode(errors="replace").strip()
        self.code = int(text) if text.lstrip("-").isdigit() else -9   # no report: killed with the run
