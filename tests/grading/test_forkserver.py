"""The fork server's runs are sandboxes of their own, as one bwrap per run made them:
what one run can see of itself, of the server, of the host and of a run beside it."""

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from autograder import forkserver, host, sandbox

from .test_sandbox import RNN_CELL, calls

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the fork server serves a root grader")

LOOK = r"""
import os, socket
status = dict(l.split(":\t", 1) for l in open("/proc/self/status").read().splitlines() if ":\t" in l)
print("pid", os.getpid(), "ppid", os.getppid())
print("uid", os.getresuid(), "gid", os.getresgid(), "groups", os.getgroups())
print("caps", [status[k].strip() for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")])
print("nonewprivs", status["NoNewPrivs"].strip())
print("processes", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
print("fds", sorted(int(f) for f in os.listdir("/proc/self/fd")))
print("cgroup", sorted({l.split(":", 2)[2] for l in open("/proc/self/cgroup").read().splitlines()}))
print("scratches", os.listdir("/scratches") if os.path.exists("/scratches") else [])
print("mounts", sorted(l.split()[4] for l in open("/proc/self/mountinfo")))
print("env", sorted(os.environ))
print("interfaces", [n for _, n in socket.if_nameindex()])
s = socket.socket(); s.bind(("127.0.0.1", 0)); print("loopback", s.getsockname()[0])
open("/dev/shm/mark", "w").write("x"); open("/tmp/mark", "w").write("x")
import lessonkit, sys
for folder in (os.path.dirname(lessonkit.__file__), sys.prefix):
    try:
        open(os.path.join(folder, "planted"), "w"); print("WROTE", folder)
    except OSError as e:
        print("read-only", folder, e.errno)
"""


def _text(result):
    return "\n".join(c["text"] + (c["error"] or "") for c in result.cells)


def _field(text, name):
    return next(line[len(name) + 1:] for line in text.splitlines() if line.startswith(name + " "))


def test_a_run_is_pid_2_of_its_own_namespace_with_no_privilege_and_only_its_own_files(bwrap, tmp_path):
    result = sandbox.run([LOOK], calls(1), tmp_path / "look", lesson="01_rnn")
    text = _text(result)
    assert "Error" not in text, text
    assert _field(text, "pid") == "2 ppid 1", text                      # a pid 1 that only reaps
    uid = eval(_field(text, "uid").split(" gid")[0])
    assert uid[0] in host.uid_pool() and len(set(uid)) == 1 and "groups []" in text
    assert eval(_field(text, "caps")) == ["0000000000000000"] * 5 and _field(text, "nonewprivs") == "1"
    assert eval(_field(text, "processes")) == [1, 2], "it sees other processes than its own"
    assert eval(_field(text, "fds")) == [0, 1, 2, 3], "a descriptor of the server or the grader leaked in"
    assert eval(_field(text, "cgroup")) == ["/"], "its cgroup namespace is not rooted at its own cgroup"
    assert _field(text, "scratches") == "[]", "another run's scratch is reachable"
    mounts = eval(_field(text, "mounts"))
    assert "/scratch" in mounts and "/tmp" in mounts and "/dev/shm" in mounts and "/proc" in mounts
    assert not any("sandboxes" in m or m.startswith("/scratches") for m in mounts), mounts
    assert eval(_field(text, "env")) == sorted(sandbox.SANDBOX_ENV)
    assert _field(text, "interfaces") == "['lo']" and _field(text, "loopback") == "127.0.0.1"
    assert "WROTE" not in text and text.count("read-only ") == 2, text   # under /tmp too (a checkout there)


def test_two_runs_at_once_see_nothing_of_each_other(bwrap, tmp_path):
    probe = """
import os, time
open("/dev/shm/{me}", "w").write("x"); open("/tmp/{me}", "w").write("x"); open("/scratch/{me}", "w").write("x")
time.sleep(1.5)
print("shm", sorted(os.listdir("/dev/shm")), "tmp", sorted(f for f in os.listdir("/tmp") if f in "ab"),
      "scratch", sorted(f for f in os.listdir("/scratch") if f in "ab"),
      "processes", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
"""
    results = {}
    threads = [threading.Thread(target=lambda me=me: results.setdefault(me, sandbox.run(
        [probe.format(me=me)], calls(1), tmp_path / me, lesson="01_rnn"))) for me in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for me in "ab":
        text = _text(results[me])
        assert f"shm ['{me}'] tmp ['{me}'] scratch ['{me}']" in text, text
        assert "processes [1, 2]" in text, text


def test_a_run_cannot_reach_the_server_nor_leave_anything_for_the_next(bwrap, tmp_path):
    attack = """
import os, signal
for pid in range(1, 200):
    try:
        os.kill(pid, signal.SIGKILL); print("KILLED", pid)
    except (ProcessLookupError, PermissionError):
        pass
for path in ("/scratches", "/sandbox/mpl", "/sandbox/forkserver.py"):
    try:
        open(os.path.join(path, "planted") if not path.endswith(".py") else path, "a"); print("WROTE", path)
    except OSError:
        pass
"""
    sandbox.run([attack], calls(1), tmp_path / "attack", lesson="01_rnn")
    after = sandbox.run([RNN_CELL], calls(2), tmp_path / "after", lesson="01_rnn")
    assert all(r[0] is not None and r[1] is None for r in after.results.values()), after
    server = sandbox._fork_server("01_rnn", None)
    assert server.alive() and not list(server.root.glob("*/planted"))


def test_a_graders_folder_left_by_a_kill_is_swept_by_the_next(bwrap, tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    folder = tmp_path / f"{forkserver.PREFIX}{dead.pid}-x"
    (folder / "run-1").mkdir(parents=True)
    host.mount(folder, folder, flags=forkserver.MS_BIND)
    with host.scratch_fs(folder / "run-1"):
        (folder / "run-1" / "left").write_text("x")
        alive = tmp_path / f"{forkserver.PREFIX}{os.getpid()}-y"
        alive.mkdir()
        forkserver.sweep(tmp_path)
    assert not folder.exists() and alive.exists(), "a dead grader's folder stays, or a live one's went"
    assert not any(str(tmp_path) in line for line in Path("/proc/self/mountinfo").read_text().splitlines())


def test_a_server_that_cannot_start_says_why(bwrap):
    server = forkserver.ForkServer(lambda root, fd: ["sh", "-c", "echo no numpy here >&2; exit 1"])
    with pytest.raises(OSError, match="the fork server did not start: no numpy here"):
        server.ready()
    assert not server.root.exists()


def test_the_server_stops_with_its_grader(bwrap, tmp_path):
    program = ("from autograder import sandbox\nfrom tests.grading.test_sandbox import RNN_CELL, calls\n"
               "sandbox.run([RNN_CELL], calls(1), '/tmp/x', lesson='01_rnn')\n"
               "import os, time\nprint(sandbox._fork_server('01_rnn', None).proc.pid, flush=True)\n"
               "time.sleep(60)\n")
    grader = subprocess.Popen([os.sys.executable, "-c", program], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[2])
    bwrap_pid = int(grader.stdout.readline())
    grader.kill()
    grader.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and os.path.exists(f"/proc/{bwrap_pid}"):
        time.sleep(0.1)
    assert not os.path.exists(f"/proc/{bwrap_pid}"), "the fork server outlived its grader"


def test_a_right_function_that_waits_is_not_too_slow_and_a_busy_loop_is_stopped_by_cpu_time(bwrap, tmp_path):
    """The per-function limit counts CPU seconds, so a loaded machine (wall time) costs nothing."""
    from autograder import sandbox_runner

    slow = RNN_CELL.replace("    return", f"    import time; time.sleep({sandbox_runner.FUNCTION_CPU_SECONDS + 1})\n"
                                         "    return")
    waited = sandbox.run([slow], calls(1), tmp_path / "slow", lesson="01_rnn")
    assert waited.results[0][0] is not None and waited.results[0][1] is None, waited.results
    busy = RNN_CELL.replace("    return", "    while True:\n        pass\n    return")
    start = time.monotonic()
    stopped = sandbox.run([busy], calls(1), tmp_path / "busy", lesson="01_rnn")
    assert stopped.results[0][0] is None and "did not finish" in stopped.results[0][1]
    assert time.monotonic() - start < sandbox_runner.FUNCTION_WALL_SECONDS, "stopped by the wall clock, not by CPU"


@pytest.mark.parametrize("owner", ["this process", "the process it was forked from"])
def test_a_server_that_died_is_replaced_and_the_next_run_is_graded(bwrap, tmp_path, owner):
    from autograder.grade import _sandbox_run

    sandbox.run([RNN_CELL], calls(1), tmp_path / "first", lesson="01_rnn")
    server = sandbox._fork_server("01_rnn", None)
    if owner != "this process":
        server.owner = -1          # as in a grading process, which may use the server but not restart it
    os.killpg(server.proc.pid, 9)
    server.proc.wait()
    context = {"lesson": "01_rnn", "unsafe": False, "mpl_cache": None}
    result = _sandbox_run([RNN_CELL], calls(2), set(), context, [])
    assert all(r[0] is not None and r[1] is None for r in result.results.values()), result.results
    assert sandbox._fork_server("01_rnn", None) is not server


def test_a_fork_that_cannot_build_its_sandbox_says_so_and_the_server_goes_on(bwrap, tmp_path):
    from autograder import sandbox_forkserver

    sandbox.run([RNN_CELL], calls(1), tmp_path / "first", lesson="01_rnn")
    server = sandbox._fork_server("01_rnn", None)
    forked = server.start("no-such-scratch", 200999, sandbox._limit_values(), sandbox.SANDBOX_ENV, None)
    output = b""
    while chunk := os.read(forked.fileno(), 65536):
        output += chunk
    assert forked.wait() == sandbox_forkserver.SETUP_FAILED and b"sandbox setup:" in output, output
    after = sandbox.run([RNN_CELL], calls(1), tmp_path / "after", lesson="01_rnn")
    assert after.results[0][0] is not None and server.alive()
