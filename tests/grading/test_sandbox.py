"""The sandbox's boundaries, tested directly: what student code can see and do."""

import threading

import numpy as np

from autograder import sandbox
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
    results = {}
    threads = [threading.Thread(target=lambda: results.setdefault(
        "bomb", sandbox.run([bomb, RNN_CELL], calls(), tmp_path / "bomb"))),
               threading.Thread(target=lambda: results.setdefault(
                   "honest", sandbox.run([RNN_CELL], calls(), tmp_path / "honest")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    honest = results["honest"]
    assert all(value is not None and error is None for value, error, _ in honest.results.values()), honest


def test_only_numbers_come_back(bwrap, tmp_path):
    code = RNN_CELL.replace("return np.tanh", "return 'not an array' if memory.shape[0] else np.tanh")
    result = sandbox.run([code], calls(1), tmp_path / "strings")
    value, error, _ = result.results[0]
    assert value is None and "not numbers" in error
