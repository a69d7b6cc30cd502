"""The fork server: one interpreter per batch, inside the grading sandbox, that has
imported numpy, matplotlib, ipywidgets and lessonkit once and forks a process per
submission. Each fork puts itself in a sandbox of its own before any of the
submission's code runs (docs/design.md §5.2): new mount, pid, network, IPC, UTS and
cgroup namespaces; only its own scratch filesystem at /scratch and /tmp; a fresh /proc,
/dev/pts and /dev/shm; its run's cgroup and limits; its own uid, no capabilities, no
new privileges. The sandbox runner (sandbox_runner.py) then runs in that process.

    python forkserver.py SOCKET_FD [--hide MODULE ...]

It runs as root in bubblewrap, with only the capabilities it needs to build those
sandboxes (MOUNT_CAPS), and never reads a submission: requests come from the grader on
a SOCK_SEQPACKET socket, a JSON header {"name", "uid", "limits", "env"} with the file
descriptors [output, status, cgroup.procs ...]. The fork writes the runner's exit code
(or a setup error) to the status descriptor.
"""

import array
import contextlib
import ctypes
import gc
import importlib
import json
import os
import pkgutil
import shutil
import signal
import socket
import sys
import threading
import traceback

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
SYS_CAPSET = {"x86_64": 126, "aarch64": 91}.get(os.uname().machine)   # capset(2); else: refuse
SETUP_FAILED = 70           # status of a fork that could not build its sandbox
PRELOADED = ("numpy", "matplotlib", "matplotlib.pyplot", "ipywidgets")


def _ok(result, what):
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def _b(text):
    return None if text is None else text.encode()


def mount(source, target, fstype=None, flags=0, data=None):
    _ok(libc.mount(_b(source), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data)), f"mount {target}")


def umount(target):
    _ok(libc.umount2(_b(target), MNT_DETACH), f"umount {target}")


def prctl(option, arg=0):
    _ok(libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0), f"prctl {option}")


def preload(hidden):
    """Import what every lesson's first cell imports, and every lessonkit module the
    lesson may see, before any submission exists (``hidden``: a later lesson's modules)."""
    for name in PRELOADED:
        importlib.import_module(name)
    import lessonkit

    for info in pkgutil.iter_modules(lessonkit.__path__):
        if info.name not in hidden:
            try:
                importlib.import_module(f"lessonkit.{info.name}")
            except Exception:  # noqa: BLE001 - a cell that imports it fails as it would have anyway
                pass


def _loopback_up():
    """As bwrap's --unshare-net: the new network namespace has its loopback up."""
    import fcntl
    import struct

    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, siocgifflags, request))[1]
        fcntl.ioctl(s, siocsifflags, struct.pack("16sH14x", b"lo", flags | iff_up))


def _own_namespaces(name, keep):
    """Namespaces of this fork's own; /scratch and /tmp are its run's scratch
    filesystem, and no other run's is reachable. ``keep``: folders the sandbox shows
    under /tmp (a checkout there), bound back, read-only, on top of the run's /tmp."""
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"bad scratch name {name!r}")
    kept = [p for p in keep if p.startswith("/tmp/") and ".." not in p.split("/")]
    _ok(libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP),
        "unshare")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    scratch = f"/scratches/{name}"
    holds = []
    for k, path in enumerate(kept):   # held on the server's own /scratch until the run's /tmp is in place
        hold = f"/scratch/.hold-{name}-{k}"
        os.mkdir(hold)
        mount(path, hold, None, MS_BIND | MS_REC)
        holds.append(hold)
    mount(f"{scratch}/.tmp", "/tmp", None, MS_BIND)
    for path, hold in zip(kept, holds):    # the grader made these folders, root's, in the run's /tmp
        mount(hold, path, None, MS_BIND | MS_REC)
        mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        umount(hold)
        os.rmdir(hold)
    mount(scratch, "/scratch", None, MS_BIND | MS_REC)
    umount("/scratches")
    mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"size={16 << 20},mode=1777")
    mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620")
    _loopback_up()


def _fresh_proc():
    """A /proc of the new pid namespace, its writable corners read-only (as bwrap's --proc)."""
    umount("/proc")
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for corner in ("sys", "sysrq-trigger", "irq", "bus"):
        path = f"/proc/{corner}"
        if os.path.exists(path):
            mount(path, path, None, MS_BIND | MS_REC)
            mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)


def _drop_privileges(uid):
    """As setpriv --reuid --regid --clear-groups --inh-caps=-all --bounding-set=-all
    --no-new-privs, then checked from /proc/self/status."""
    last_cap = int(open("/proc/sys/kernel/cap_last_cap").read())
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    for cap in range(last_cap + 1):
        prctl(PR_CAPBSET_DROP, cap)
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    os.setresuid(uid, uid, uid)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)      # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()                        # effective, permitted, inheritable: none
    if SYS_CAPSET is None:
        raise OSError(f"capset's syscall number on {os.uname().machine} is not known here")
    _ok(libc.syscall(SYS_CAPSET, header, data), "capset")
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\t" in line)
    caps = [status[k].strip() for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")]
    if os.getresuid() != (uid,) * 3 or os.getresgid() != (uid,) * 3 or os.getgroups() or \
            any(int(c, 16) for c in caps) or status["NoNewPrivs"].strip() != "1":
        raise OSError(f"privileges not dropped: {os.getresuid()} {caps}")


def _become_the_run(header, out):
    """This process, the sandbox's pid 2, becomes the sandbox runner of one submission."""
    os.setsid()
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    import resource

    for key, value in header["limits"].items():
        resource.setrlimit(getattr(resource, f"RLIMIT_{key.upper()}"), (value, value))
    os.environ.clear()
    os.environ.update(header["env"])
    os.chdir("/scratch")
    _drop_privileges(int(header["uid"]))
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)       # cleared by the change of uid
    import numpy as np

    np.random.seed()     # not the fork server's state: as a fresh interpreter would be
    import runner

    code = 0
    try:
        runner.main("/scratch")
    except BaseException:  # noqa: BLE001 - as the runner's own __main__
        traceback.print_exc()
        code = 3
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _init(header, out, status):
    """pid 1 of the run's pid namespace (as bwrap's): starts the run, reaps what it
    leaves, reports its exit code. Never runs the submission's code itself."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _fresh_proc()
    run = os.fork()
    if run == 0:
        os.close(status)
        try:
            _become_the_run(header, out)
        except BaseException:  # noqa: BLE001
            os.write(2, f"sandbox setup: {traceback.format_exc(limit=2)}".encode())
            os._exit(SETUP_FAILED)
    os.close(out)
    while True:
        pid, wait_status = os.waitpid(-1, 0)
        if pid == run:
            os.write(status, str(os.waitstatus_to_exitcode(wait_status)).encode())
            os._exit(0)


def _fork_run(header, fds, server):
    out, status, *cgroups = fds
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        server.close()
        for fd in cgroups:          # the whole run in its cgroup, from here on
            os.write(fd, b"0")
            os.close(fd)
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        _own_namespaces(header["name"], header.get("keep", ()))
        init = os.fork()
        if init == 0:
            _init(header, out, status)
        os.close(out)
        os.close(status)
        os.waitpid(init, 0)
        os._exit(0)
    except BaseException:  # noqa: BLE001 - the grader reads it as the host's failure
        with contextlib.suppress(BaseException):
            os.write(out, f"sandbox setup: {traceback.format_exc(limit=2)}".encode())
            os.write(status, str(SETUP_FAILED).encode())
    finally:
        os._exit(SETUP_FAILED)     # a fork never returns to the server's loop


def serve(fd, hidden):
    server = socket.socket(fileno=fd)
    mpl = "/sandbox/mpl"
    if os.path.isdir(mpl):       # the grader's font cache: matplotlib does not rebuild it here
        shutil.copytree(mpl, os.environ["MPLCONFIGDIR"], dirs_exist_ok=True)
    preload(hidden)
    import runner  # noqa: F401 - the sandbox runner itself, compiled once here

    if threading.active_count() != 1:
        raise RuntimeError("an import started a thread: forking would be unsafe")
    gc.freeze()    # the imported modules' objects: never scanned again, so a fork's collector leaves their pages shared
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)      # forks are reaped at once; they report on their own
    server.sendall(b"ready")
    while True:
        fds = array.array("i")
        message, ancillary, _, _ = server.recvmsg(65536, socket.CMSG_SPACE(16 * fds.itemsize))
        if not message:
            return          # the grader closed its end
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
        try:
            _fork_run(json.loads(message), list(fds), server)
        finally:
            for fd in fds:
                os.close(fd)


if __name__ == "__main__":
    hide = sys.argv[sys.argv.index("--hide") + 1:] if "--hide" in sys.argv else []
    serve(int(sys.argv[1]), set(hide))
