"""The sandbox's boundaries, tested directly: what student code can see and do."""

import errno
import glob
import logging
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from autograder import host, sandbox
from autograder.graded import GRADED
from lessonkit import stored
from lessonkit.spec import draw

from ..lessons.lessons import ROOT

RNN_CELL = "import numpy as np\ndef rnn_cell(memory, event, W, b):\n" \
           "    return np.tanh(np.concatenate([memory, event], axis=1) @ W + b)\n"


def calls(n=2):
    rng = np.random.default_rng(0)
    return [stored.StoredCase("rnn_cell", draw(GRADED["rnn_cell"].spec, {"B": 2, "H": 3, "X": 2, "T": 1}, rng),
                                np.zeros(()), []) for _ in range(n)]


def probe(code, tmp_path):
    """Run ``code`` in the sandbox; return what it printed."""
    result = sandbox.run([code], calls(1), tmp_path / "probe")
    return result.cells[0]["text"] + (result.cells[0]["error"] or "")


def test_student_code_cannot_see_the_reference_the_masters_or_the_network(bwrap, tmp_path):
    text = probe(f"""
import os, socket
for name in ("solutions", "autograder"):
    try:
        __import__(name); print("IMPORTED", name)
    except Exception as e:
        print("no", name, type(e).__name__)
for path in ({str(ROOT / 'source')!r}, {str(ROOT / 'solutions')!r}, {str(ROOT / 'tests')!r}, "/home"):
    print(path, "visible" if os.path.exists(path) and os.listdir(path) else "hidden")
print("repository shows", sorted(os.listdir({str(ROOT)!r})))
print("interfaces", [name for _, name in socket.if_nameindex()])
try:
    socket.create_connection(("127.0.0.1", 22), timeout=1); print("NETWORK")
except OSError as e:
    print("no network", e.errno)
print("uid", os.getuid())
open("/scratch/mine.txt", "w").write("ok"); print("scratch writable")
try:
    open({str(ROOT / 'README.md')!r}, "a"); print("WROTE REPO")
except OSError as e:
    print("repo read-only", type(e).__name__)
""", tmp_path)
    assert "IMPORTED" not in text and "no solutions ModuleNotFoundError" in text
    assert "visible" not in text, text
    assert "repository shows ['.venv', 'lessonkit']" in text, text
    assert "NETWORK" not in text and "interfaces ['lo']" in text, text
    assert "uid 0" not in text and "scratch writable" in text and "WROTE REPO" not in text


def test_limits_hold(bwrap, tmp_path):
    text = probe("""
import numpy as np, os, resource
try:
    np.ones((50_000, 50_000)); print("ALLOCATED")
except MemoryError:
    print("memory limited")
print("nproc", resource.getrlimit(resource.RLIMIT_NPROC)[0], "cpu", resource.getrlimit(resource.RLIMIT_CPU)[0])
""", tmp_path)
    assert "memory limited" in text and "ALLOCATED" not in text
    assert f"nproc {sandbox.PROCESSES}" in text and f"cpu {sandbox.CPU_SECONDS}" in text


def test_a_fork_bomb_in_one_run_leaves_a_concurrent_run_alone(bwrap, tmp_path):
    bomb = "import os, time\nfor _ in range(200):\n    try:\n        os.fork()\n    except OSError:\n" \
           "        time.sleep(3)\n        break\n"
    honest_beside(bomb, tmp_path)   # asserts that the honest run got every value


def test_only_numbers_come_back(bwrap, tmp_path):
    code = RNN_CELL.replace("return np.tanh", "return 'not an array' if memory.shape[0] else np.tanh")
    result = sandbox.run([code], calls(1), tmp_path / "strings")
    value, error, _, _ = result.results[0]
    assert value is None and "not numbers" in error


# --- issue 12: the sandbox and the host -------------------------------------------------------

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="the uid pool, scratch filesystems and cgroups are root's")


def honest_beside(attack, tmp_path, lesson=None):
    """Run ``attack`` and an honest rnn_cell at the same time; return both results."""
    results = {}
    threads = [threading.Thread(target=lambda: results.setdefault(
        "attack", sandbox.run([attack, RNN_CELL], calls(), tmp_path / "attack", lesson=lesson))),
               threading.Thread(target=lambda: results.setdefault(
                   "honest", sandbox.run([RNN_CELL], calls(), tmp_path / "honest", lesson=lesson)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    honest = results["honest"]
    assert all(r[0] is not None and r[1] is None for r in honest.results.values()), honest
    return results["attack"]


@as_root
def test_filling_the_disk_stops_at_the_runs_own_quota_and_an_honest_run_is_untouched(bwrap, tmp_path):
    fill = """
import os, time
st = os.statvfs('/scratch'); print('quota', st.f_blocks * st.f_frsize, 'files', st.f_files)
print('tmp shares it', os.stat('/tmp').st_dev == os.stat('/scratch').st_dev)
try:
    fd = os.open('/scratch/huge', os.O_CREAT | os.O_WRONLY); os.posix_fallocate(fd, 0, 2 << 30); print('RESERVED 2 GB')
except OSError as e:
    print('2 GB refused', e.errno)
reserved, start = 0, time.monotonic()
for k in range(100):
    try:
        fd = os.open(f'/tmp/f{k}', os.O_CREAT | os.O_WRONLY); os.posix_fallocate(fd, 0, 32 << 20); os.close(fd)
        reserved += 32 << 20
    except OSError as e:
        print('full after', reserved, 'errno', e.errno, 'in', round(time.monotonic() - start, 3)); break
made = 0
for k in range(5000):
    try:
        open(f'/scratch/n{k}', 'w').close(); made += 1
    except OSError as e:
        print('inodes out after', made, 'errno', e.errno); break
for name in os.listdir('/scratch') + ['../tmp/' + n for n in os.listdir('/tmp')]:
    if name.startswith(('n', 'f', 'huge', '../tmp/f')):
        os.remove(os.path.join('/scratch', name))   # room again for the runner's own records
"""
    free = shutil.disk_usage(tmp_path).free
    attack = honest_beside(fill, tmp_path)
    text = attack.cells[0]["text"] + (attack.cells[0]["error"] or "")
    print(text)
    assert f"quota {host.SCRATCH_BYTES}" in text and f"files {host.SCRATCH_FILES}" in text, text
    assert "tmp shares it True" in text and "RESERVED 2 GB" not in text
    assert f"errno {errno.ENOSPC}" in text and "inodes out after" in text, text
    reserved = int(text.split("full after ")[1].split()[0])
    made = int(text.split("inodes out after ")[1].split()[0])
    assert reserved <= host.SCRATCH_BYTES and made < host.SCRATCH_FILES
    assert shutil.disk_usage(tmp_path).free > free - (100 << 20), "the grader's disk was filled"
    left = [p for server in sandbox._servers.values() for p in server.root.iterdir()]
    assert not any(os.path.ismount(p) or any(p.iterdir()) for p in left), "a scratch filesystem was left"


def test_the_sandbox_sees_only_the_lessons_runtime_packages(bwrap, tmp_path):
    import site
    import sysconfig

    base = [p for p in host.site_dirs() if p != Path(sysconfig.get_paths()["purelib"]).resolve()]
    code = f"""
import sys
sys.path += {[str(p) for p in base] + site.getsitepackages()!r}
for name in ("torch", "hypothesis", "playwright", "pytest", "scipy", "sympy", "functorch"):
    try:
        __import__(name); print("IMPORTED", name)
    except ImportError:
        print("hidden", name)
import numpy, matplotlib, ipywidgets, lessonkit; print("runtime ok")
import os
print("base listing", sum(len(os.listdir(p)) for p in {[str(p) for p in base]!r} if os.path.isdir(p)))
for lesson_module in ("lessonkit.autodiff",):
    try:
        from lessonkit.autodiff import Tensor; print("AUTODIFF")
    except ImportError:
        print("no autodiff")
"""
    early = sandbox.run([code], calls(1), tmp_path / "lesson07", lesson="07_backprop")
    text = early.cells[0]["text"] + (early.cells[0]["error"] or "")
    assert "IMPORTED" not in text and "runtime ok" in text and "base listing 0" in text, text
    assert "no autodiff" in text, text
    late = sandbox.run([code], calls(1), tmp_path / "lesson08", lesson="08_lstm_vs_rnn")
    assert "AUTODIFF" in late.cells[0]["text"], late.cells


def test_using_a_library_or_a_later_lessons_code_is_flagged_in_plain_words():
    from autograder.scan import scan

    flags = scan(["import torch\nfrom scipy.special import expit", "from lessonkit.autodiff import Tensor"],
                 "07_backprop")
    assert "uses PyTorch (not allowed in this lesson)" in flags
    assert "uses SciPy (not allowed in this lesson)" in flags
    assert "uses the course's autodiff engine of lesson 08 (not allowed in this lesson)" in flags
    assert scan(["from lessonkit.autodiff import Tensor"], "08_lstm_vs_rnn") == []


def test_state_folders_must_be_private_and_planted_links_are_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "link").symlink_to(elsewhere)
    with pytest.raises(host.HostError, match="not a folder"):
        host.private_dir(tmp_path / "link")
    (tmp_path / "open").mkdir(mode=0o755)
    os.chmod(tmp_path / "open", 0o755)
    with pytest.raises(host.HostError, match="mode 0700"):
        host.private_dir(tmp_path / "open")
    state = host.private_dir(tmp_path / "state")
    assert os.stat(state).st_mode & 0o777 == 0o700
    # a lock file planted as a link to a file the grader owns: refused, the file untouched
    victim = tmp_path / "victim"
    victim.write_text("precious")
    host.private_dir(state / "uids")
    pool = range(200500, 200501)
    (state / "uids" / "200500").symlink_to(victim)
    with pytest.raises(host.HostError, match="is a link"):
        with host.own_uid(pool, state):
            pass
    assert victim.read_text() == "precious"


def test_the_uid_range_is_checked(monkeypatch):
    assert host.uid_pool("") == range(200000, 201000)
    assert host.uid_pool("300000-300009") == range(300000, 300010)
    with pytest.raises(host.HostError, match="DynamicUser"):
        host.uid_pool("64000-64999")
    with pytest.raises(host.HostError, match="FIRST-LAST"):
        host.uid_pool("lots")
    monkeypatch.setattr(host.pwd, "getpwall", lambda: [type("U", (), {"pw_uid": 200123})()])
    with pytest.raises(host.HostError, match="existing users"):
        host.uid_pool("200000-200999")
    monkeypatch.setenv(host.UID_ENV, "64000-64100")
    with pytest.raises(host.HostError, match="DynamicUser"):
        host.uid_pool()


@as_root
def test_a_uid_that_owns_a_process_is_skipped_never_killed(tmp_path):
    busy = 200700
    other = subprocess.Popen(["setpriv", f"--reuid={busy}", f"--regid={busy}", "--clear-groups", "sleep", "30"])
    try:
        for _ in range(100):
            if host._uid_processes(busy):
                break
            time.sleep(0.02)
        with host.own_uid(range(busy, busy + 2), tmp_path / "state") as uid:
            assert uid == busy + 1
        with pytest.raises(host.HostError, match="in use or own processes"):
            with host.own_uid(range(busy, busy + 1), tmp_path / "state"):
                pass
        assert other.poll() is None, "a process that was not the sandbox's was killed"
    finally:
        other.kill()
        other.wait()


@as_root
def test_the_whole_sandbox_shares_one_memory_and_process_budget(bwrap, tmp_path, monkeypatch):
    if host.cgroup_fallback_reason():
        pytest.skip(f"no cgroup on this host: {host.cgroup_fallback_reason()}")
    monkeypatch.setattr(host, "SANDBOX_MEMORY", 600 << 20)
    monkeypatch.setattr(host, "SANDBOX_PROCESSES", 12)
    # four children of 250 MB each: every one is under RLIMIT_AS, together over the sandbox's 600 MB
    hogs = """
import os, time
kids = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        import numpy as np
        hog = np.ones((250 << 20) // 8); time.sleep(2); os._exit(0)
    kids.append(pid)
print("hogs", [os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in kids])
forks = 0
for _ in range(40):
    try:
        if os.fork() == 0:
            time.sleep(2); os._exit(0)
        forks += 1
    except OSError:
        break
print("forks", forks)
"""
    mine = f"{host.CGROUP_NAME}-run-{os.getpid()}-"   # other graders may run beside this test
    attack = honest_beside(hogs, tmp_path)
    text = attack.cells[0]["text"] + (attack.cells[0]["error"] or "")
    print(text)
    statuses = eval(text.split("hogs ")[1].split("\n")[0])
    assert -9 in statuses, text                      # the kernel stopped the sandbox at its budget
    assert int(text.split("forks ")[1].split()[0]) < 12, text
    assert any("GB of memory" in e for e in attack.events), attack.events
    left = glob.glob(f"/sys/fs/cgroup/*/{mine}*") + glob.glob(f"/sys/fs/cgroup/*/*/{mine}*") \
        + glob.glob(f"/sys/fs/cgroup/{host.CGROUP_NAME}/run-{os.getpid()}-*") \
        + glob.glob(f"/sys/fs/cgroup/unified/{host.CGROUP_NAME}/run-{os.getpid()}-*")
    assert not left, f"cgroups left behind: {left}"


@as_root
def test_a_cgroup_holds_memory_processes_and_cpu_and_is_removed(tmp_path):
    if host.cgroup_fallback_reason():
        pytest.skip(f"no cgroup on this host: {host.cgroup_fallback_reason()}")
    group = host.make_cgroup()
    limits = {}
    for folder in group.folders:
        for name in ("memory.max", "memory.limit_in_bytes", "pids.max", "cpu.max", "cpu.cfs_quota_us"):
            if os.path.exists(f"{folder}/{name}"):
                limits[name] = open(f"{folder}/{name}").read().split()[0]
    assert str(host.SANDBOX_MEMORY) in (limits.get("memory.max"), limits.get("memory.limit_in_bytes"))
    assert limits["pids.max"] == str(host.SANDBOX_PROCESSES)
    assert str(host.SANDBOX_CPUS * 100000) in (limits.get("cpu.max"), limits.get("cpu.cfs_quota_us"))
    child = subprocess.Popen(["sleep", "30"], preexec_fn=group.enter)
    assert all(str(child.pid) in open(f"{f}/cgroup.procs").read() for f in group.folders)
    group.remove()
    assert child.wait(5) == -9 and not any(os.path.exists(f) for f in group.folders)


def test_without_a_cgroup_the_limits_are_per_process_and_a_log_line_says_so(bwrap, tmp_path, monkeypatch,
                                                                          caplog):
    monkeypatch.setattr(host, "_make", lambda name: (_ for _ in ()).throw(OSError("no cgroup here")))
    monkeypatch.setattr(host, "_fallback_logged", [])
    with caplog.at_level(logging.WARNING, logger="autograder.sandbox"):
        result = sandbox.run([RNN_CELL], calls(), tmp_path / "plain")
    assert all(r[0] is not None for r in result.results.values())
    assert any("no cgroup for the whole sandbox (no cgroup here)" in r.message and "RLIMIT_AS" in r.message
               for r in caplog.records), caplog.text
    assert "docs/design.md" in docs_section_5(), "the fallback is documented"


def docs_section_5():
    text = (ROOT / "docs" / "design.md").read_text()
    section = text.split("\n## §5 ")[1].split("\n## §6 ")[0]
    assert "RLIMIT_AS" in section and "cgroup" in section
    return "docs/design.md"


def test_a_sandbox_that_cannot_import_the_course_refuses_before_the_batch(bwrap, tmp_path, monkeypatch, capsys):
    from autograder.__main__ import main

    from . import builders as b

    b.write(tmp_path / "subs" / "ada", "01_rnn", b.solved("01_rnn"))
    elsewhere = tmp_path / "not_lessonkit"   # as an environment installed from another clone
    elsewhere.mkdir()
    monkeypatch.setattr(sandbox, "LESSONKIT", elsewhere)
    code = main(["grade", "01_rnn", "--submissions", str(tmp_path / "subs"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "No module named 'lessonkit'" in err, err
    assert not (tmp_path / "out" / "course_grades.csv").exists()


def test_an_infrastructure_failure_is_not_graded_never_a_zero(bwrap, tmp_path, monkeypatch, capsys):
    import csv

    from autograder.__main__ import main

    from . import builders as b

    for name in ("ada", "bob", "cy"):
        b.write(tmp_path / "subs" / name, "01_rnn", b.solved("01_rnn"))
    real_run = sandbox.run

    def flaky(cells, cases, scratch=None, **kw):
        if "bob" in threading.current_thread().name:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_run(cells, cases, scratch, **kw)

    monkeypatch.setattr(sandbox, "run", lambda *a, **kw: flaky(*a, **kw))
    import autograder.grade as grade_module

    real_stage = grade_module.run_stage
    monkeypatch.setattr(grade_module, "run_stage", lambda d, c: (
        threading.current_thread().__setattr__("name", os.path.basename(d)), real_stage(d, c))[1])
    code = main(["grade", "01_rnn", "--submissions", str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                 "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 1 and "bob: OSError: [Errno 28] No space left on device" in err, err
    rows = {r["student_id"]: r for r in csv.DictReader(open(tmp_path / "out" / "course_grades.csv"))}
    assert rows["bob"]["flags"].startswith("not graded: OSError: [Errno 28] No space left on device")
    assert rows["bob"]["score"] == rows["bob"]["check_rnn_cell"] == ""   # not a zero
    assert rows["ada"]["score"] == rows["cy"]["score"] == "9" and not rows["ada"]["flags"]
    state = (tmp_path / "out" / "state" / "bob.json").read_text()
    assert "not graded" in state and "fingerprint" not in state   # graded again next run


def test_a_runner_that_stops_starting_mid_batch_stops_the_batch(bwrap, tmp_path, monkeypatch):
    from autograder.grade import grade, not_graded

    from . import builders as b

    for name in ("ada", "bob"):
        b.write(tmp_path / "subs" / name, "01_rnn", b.solved("01_rnn"))
    # it broke after the check
    monkeypatch.setattr(sandbox, "check_available", lambda lesson=None, mpl_cache=None: None)
    elsewhere = tmp_path / "not_lessonkit"
    elsewhere.mkdir()
    monkeypatch.setattr(sandbox, "LESSONKIT", elsewhere)
    states = grade("01_rnn", tmp_path / "subs", tmp_path / "out", workers=1, progress=False)
    failed = dict(not_graded(states))
    assert set(failed) == {"ada", "bob"}, states
    assert all("No module named 'lessonkit'" in cause for cause in failed.values()), failed
    assert all(not s["scores"] for s in states)


def test_unsafe_grading_runs_each_submission_as_a_process_of_its_own_and_scores_the_same(tmp_path):
    """--unsafe (for trusted submissions) skips the sandbox, not the grading: one process
    per run (sandbox._Process), its limits set, the same scores."""
    import csv

    from autograder.grade import grade

    from . import builders as b

    b.write(tmp_path / "subs" / "ada", "01_rnn", b.solved("01_rnn"))
    b.write(tmp_path / "subs" / "bob", "01_rnn", b.student("01_rnn"))
    grade("01_rnn", tmp_path / "subs", tmp_path / "out", workers=1, unsafe=True, progress=False)
    rows = {r["student_id"]: r for r in csv.DictReader(open(tmp_path / "out" / "course_grades.csv"))}
    assert rows["ada"]["score"] == "9" and rows["bob"]["score"] == "0", rows
    text = probe_unsafe("import resource\nprint('cpu', resource.getrlimit(resource.RLIMIT_CPU)[0])", tmp_path)
    assert f"cpu {sandbox.CPU_SECONDS}" in text, text


def probe_unsafe(code, tmp_path):
    result = sandbox.run([code], calls(1), tmp_path / "unsafe", unsafe=True)
    return result.cells[0]["text"] + (result.cells[0]["error"] or "")
