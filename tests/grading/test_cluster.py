"""Grading on a real Dask cluster (``grade --cluster``): a LocalCluster of several worker
processes on loopback. The same grades as a local run; a worker killed mid-batch loses
nothing; student code runs only in a sandbox on a worker; a worker without bubblewrap
refuses work with a clear message. Dask comes from requirements-grading.txt (the
test requirements include it), so in CI these never skip."""

import csv
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from autograder import cluster as grading_cluster
from autograder.grade import GradingError, grade

from . import builders as b

distributed = pytest.importorskip("distributed", reason="pip install -r requirements-grading.txt")
L01 = "01_rnn"


def _class(folder, n):
    """Right, blank and partly done submissions, and one of each named mistake."""
    from autograder.graded import GRADED

    variants = [b.solved(L01), b.student(L01), b.solved(L01, skip=("first_event_influence",))]
    variants += [b.solved(L01, {fn: m.source()}) for fn, g in GRADED.items() if g.lesson == L01 for m in g.mistakes]
    for k in range(n):
        b.write(folder / f"s{k:02d}", L01, variants[k % len(variants)])


def _rows(out):
    with open(out / "course_grades.csv") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def _scratch_mounts():
    with open("/proc/self/mounts") as f:
        return {line.split()[1] for line in f if "/grade-" in line.split()[1]}


@pytest.fixture(scope="module")
def local_cluster(bwrap, tmp_path_factory):
    from distributed import Client, LocalCluster

    before = _scratch_mounts()
    with LocalCluster(n_workers=3, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as lc, Client(lc) as client:
        client.wait_for_workers(3, timeout=120)
        yield lc, client
    # a worker killed mid-run cannot unmount its scratch filesystem: the test tidies up
    for path in _scratch_mounts() - before:
        subprocess.run(["umount", "-l", path], check=False)


def test_the_cluster_gives_the_same_grades_as_a_local_run(local_cluster, tmp_path):
    lc, _ = local_cluster
    _class(tmp_path / "subs", 9)
    local = grade(L01, tmp_path / "subs", tmp_path / "local", workers=2, progress=False)
    (tmp_path / "remote").mkdir()
    shutil.copy(tmp_path / "local" / "course_secret", tmp_path / "remote" / "course_secret")  # the same inputs
    start = time.monotonic()
    remote = grade(L01, tmp_path / "subs", tmp_path / "remote", progress=False, cluster=lc.scheduler_address)
    print(f"9 submissions on 3 Dask workers: {time.monotonic() - start:.1f} s")
    assert [s["student_id"] for s in remote] == [s["student_id"] for s in local]
    for mine, theirs in zip(local, remote):
        assert not theirs.get("not_graded"), theirs
        assert theirs["scores"] == mine["scores"] and theirs["messages"] == mine["messages"], mine["student_id"]
        assert theirs["flags"] == mine["flags"]
    assert _rows(tmp_path / "remote") == _rows(tmp_path / "local")
    assert {s["scores"] and sum(v[0] for v in s["scores"].values()) for s in remote} >= {0, 9}
    for name in ("s00", "s05"):   # feedback and autograded notebooks are written where the command runs
        assert (tmp_path / "remote" / "feedback" / name / L01 / f"{L01}.html").is_file()
        assert (tmp_path / "remote" / "autograded" / name / L01 / f"{L01}.ipynb").is_file()


def test_a_worker_killed_mid_batch_loses_nothing(local_cluster, tmp_path):
    lc, client = local_cluster
    client.wait_for_workers(3, timeout=120)
    _class(tmp_path / "subs", 12)
    done = {}
    run = threading.Thread(target=lambda: done.update(states=grade(
        L01, tmp_path / "subs", tmp_path / "out", progress=False, cluster=lc.scheduler_address)))
    start = time.monotonic()
    run.start()
    victim, busy = None, []
    while time.monotonic() - start < 300 and victim is None and run.is_alive():
        processing = client.processing()
        busy = [w for w, keys in processing.items() if any("run_on_worker" in str(k) for k in keys)]
        if busy:
            victim = busy[0]
            killed_tasks = [k for k in processing[victim] if "run_on_worker" in str(k)]
        else:
            time.sleep(0.05)
    assert victim is not None, "no submission was ever running on a worker"
    pid = client.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic() - start
    run.join(600)
    assert not run.is_alive()
    states = done["states"]
    print(f"killed {victim} (pid {pid}) {killed_at:.1f} s in, with {len(killed_tasks)} submission(s) running; "
          f"12 graded in {time.monotonic() - start:.1f} s")
    assert killed_tasks
    assert len(states) == 12 and not [s for s in states if s.get("not_graded")]
    expected = {"s00": 9, "s01": 0}
    for s in states:
        if s["student_id"] in expected:
            assert sum(v[0] for v in s["scores"].values()) == expected[s["student_id"]]
    assert len(list((tmp_path / "out" / "state").glob("*.json"))) == 12
    assert len(_rows(tmp_path / "out")) == 12


ESCAPE = '''
import os
marker = {marker!r}
for path in (marker, "/tmp/lstm-cluster-escaped"):
    try:
        with open(path, "w") as f:
            f.write("student code ran outside the sandbox")
    except OSError:
        pass
seen = os.path.exists({solutions!r})
raise RuntimeError(f"EVIDENCE uid={{os.getuid()}} solutions_visible={{seen}} cwd={{os.getcwd()}}")
'''


def test_no_student_code_runs_outside_a_sandbox_on_a_worker(local_cluster, tmp_path):
    from autograder.nbgrader_setup import ROOT

    lc, client = local_cluster
    marker = tmp_path / "escaped"
    hostile = b.with_cell(b.solved(L01), ESCAPE.format(marker=str(marker), solutions=str(ROOT / "solutions")),
                          after="rnn_cell")
    b.write(tmp_path / "subs" / "hostile", L01, hostile)
    b.write(tmp_path / "subs" / "honest", L01, b.solved(L01))
    states = {s["student_id"]: s for s in grade(L01, tmp_path / "subs", tmp_path / "out", progress=False,
                                                 cluster=lc.scheduler_address)}
    assert not marker.exists() and not os.path.exists("/tmp/lstm-cluster-escaped")
    assert sum(v[0] for v in states["honest"]["scores"].values()) == 9
    # what the code saw, as a worker's run of that program records it (inside the sandbox)
    from autograder import notebooks, sandbox, submission

    sub = submission.read(submission.find(tmp_path / "subs" / "hostile", L01))
    master = notebooks.read(ROOT / "source" / L01 / f"{L01}.ipynb")
    released = notebooks.read(tmp_path / "out" / "course" / "release" / L01 / f"{L01}.ipynb")
    program = submission.program(sub, master, released)
    result, _, _ = client.submit(grading_cluster.run_on_worker, [s for _, s in program], [],
                                 [label for label, _ in program], L01, pure=False).result()
    assert isinstance(result, sandbox.RunResult)
    evidence = next(c["error"] for c in result.cells if c.get("error") and "EVIDENCE" in c["error"])
    uid = int(evidence.split("uid=")[1].split()[0])
    assert uid != os.getuid() and uid >= 1000, evidence          # a sandbox uid, not the worker's
    assert "solutions_visible=False" in evidence and "cwd=/scratch" in evidence, evidence
    assert not marker.exists() and not os.path.exists("/tmp/lstm-cluster-escaped")


def test_a_worker_without_bubblewrap_refuses_work_with_a_clear_message(bwrap, tmp_path):
    from distributed import Client, LocalCluster

    empty = tmp_path / "no-bwrap-path"
    empty.mkdir()
    _class(tmp_path / "subs", 2)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as lc, Client(lc) as client:
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", lc.scheduler_address, "--nthreads", "1",
             "--no-nanny", "--name", "no-bwrap", "--no-dashboard"],
            env={**os.environ, "PATH": str(empty)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd=tmp_path)
        try:
            client.wait_for_workers(2, timeout=120)
            bad = next(w for w, info in client.scheduler_info()["workers"].items() if info.get("name") == "no-bwrap")
            # a task sent to it anyway is refused, never run unsandboxed
            with pytest.raises(grading_cluster.WorkerRefused, match="bubblewrap \\(bwrap\\) is not on its PATH"):
                client.submit(grading_cluster.run_on_worker, ["print(1)"], [], ["x"], L01, workers=[bad],
                              allow_other_workers=False, pure=False).result()
            # grading goes on with the workers that can sandbox, and says which one refused
            command = subprocess.run(
                [sys.executable, "-m", "autograder", "grade", L01, "--submissions", str(tmp_path / "subs"),
                 "--out", str(tmp_path / "out"), "--cluster", lc.scheduler_address, "--no-progress"],
                capture_output=True, text=True, timeout=600)
            assert command.returncode == 0, command.stderr
            assert f"worker {bad} refuses to grade: bubblewrap (bwrap) is not on its PATH" in command.stderr
            assert "apt-get install bubblewrap" in command.stderr
            assert sorted(_rows(tmp_path / "out")) == ["s00", "s01"]
            # with only that worker left, the command refuses with the cause
            lc.scale(0)
            deadline = time.monotonic() + 120
            while len(client.scheduler_info()["workers"]) > 1 and time.monotonic() < deadline:
                time.sleep(0.2)
            with pytest.raises(GradingError, match="no worker of the Dask cluster .* can grade: .*bubblewrap"):
                grade(L01, tmp_path / "subs", tmp_path / "out2", progress=False, cluster=lc.scheduler_address)
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
