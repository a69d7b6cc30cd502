"""Hostile and faulty submissions: none scores a point it did not earn, each is flagged
in words an instructor can act on, and none disturbs another student's grade.

Most start from a wrong answer (rnn_cell with σ where tanh belongs, which also sinks
the two functions built on it: an honest score of 0) and add a trick that would lift
it under stock nbgrader. The table gives the score each must get and a phrase its
flags must contain.
"""

import pytest

from autograder import notebooks
from autograder.grade import grade
from autograder.graded import GRADED

from . import builders as b

L = "01_rnn"
SETUP = "code_02"       # the lesson's import cell, after which student cells are added


def wrong():
    return b.solved(L, {"rnn_cell": GRADED["rnn_cell"].mistakes[0].source()})


def wrong_plus(code, after=SETUP):
    return b.with_cell(wrong(), code, after=after)


def solved_plus(code, after=SETUP):
    return b.with_cell(b.solved(L), code, after=after)


def one_function(fn, code):
    """Everything right except ``fn``, whose body is ``code``."""
    return b.solved(L, {fn: b.body(L, fn, code)})


def edited_test_cell():
    nb = wrong()
    notebooks.find_cell(nb, "check_rnn_cell").source = '"""Check."""\npass'
    notebooks.find_cell(nb, "hidden_rnn_cell").source = '"""Hidden."""\npass'
    return nb


def inflated_points():
    nb = wrong()
    for gid in ("check_rnn_cell", "hidden_rnn_cell"):
        notebooks.find_cell(nb, gid).metadata.nbgrader["points"] = 100
    return nb


def untagged_test_cell():
    nb = wrong()
    cell = notebooks.find_cell(nb, "check_rnn_cell")
    del cell.metadata["nbgrader"]
    cell.source = "pass"
    return nb


def duplicated_solution_cell():
    nb = b.solved(L)
    wrong_cell = notebooks.find_cell(wrong(), "rnn_cell")
    nb.cells.append(wrong_cell)
    return nb


HOSTILE = {
    # name: (content, extra files, expected total score, phrase in the flags)
    "test_cells_edited": (edited_test_cell, None, 0, "test cell check_rnn_cell was edited"),
    "points_inflated": (inflated_points, None, 0, "metadata of cell check_rnn_cell was changed"),
    "test_cell_untagged": (untagged_test_cell, None, 0, "cells were deleted: check_rnn_cell"),
    "solution_cell_duplicated": (duplicated_solution_cell, None, 9, "appears twice"),
    "patch_builtins_abs": (lambda: wrong_plus("import builtins\nbuiltins.abs = lambda x: 0 * x"), None, 0,
                           "imports builtins"),
    "patch_numpy_allclose": (lambda: wrong_plus("np.allclose = lambda *a, **k: True\n"
                                                "np.isclose = lambda a, b, **k: np.ones_like(a, dtype=bool)"),
                             None, 0, "replaces np.allclose"),
    "patch_numpy_testing": (lambda: wrong_plus("import numpy.testing\n"
                                               "numpy.testing.assert_allclose = lambda *a, **k: None"),
                            None, 0, "replaces numpy.testing.assert_allclose"),
    "patch_random_generators": (lambda: wrong_plus(
        "import os\n_rng = np.random.default_rng\nnp.random.default_rng = lambda *a, **k: _rng(0)\n"
        "os.urandom = lambda n: bytes(n)"), None, 0, "replaces np.random.default_rng"),
    "patch_check_library": (lambda: wrong_plus(
        "import lessonkit.compare, lessonkit.checks\nlessonkit.compare.compare = lambda *a, **k: None\n"
        "lessonkit.checks.compare = lessonkit.compare.compare"), None, 0, "replaces lessonkit.compare.compare"),
    "redefine_check": (lambda: wrong_plus("def check(fn):\n    print('All checks pass.')\n"
                                          "hidden_check = lambda *a, **k: None"), None, 0,
                       "redefines the course's check"),
    "shadow_numpy_module": (wrong, {"numpy.py": "raise SystemExit('shadowed')\n"}, 0,
                            "files beside the notebook were ignored: numpy.py"),
    "shadow_lessonkit_module": (wrong, {"lessonkit.py": "def check(f): pass\ndef hidden_check(*a): pass\n"},
                                0, "ignored: lessonkit.py"),
    "import_reference": (lambda: b.solved(L, {"rnn_cell": b.body(L, "rnn_cell", """
from solutions import rnn_cell as reference
return reference(memory, event, W, b)""")}), None, 0, "tried to import the course's solutions package"),
    "import_reference_computed": (lambda: b.solved(L, {"rnn_cell": b.body(L, "rnn_cell", """
import importlib
return importlib.import_module("sol" + "utions").rnn_cell(memory, event, W, b)""")}), None, 0,
                                  "imports modules by computed names"),
    "import_reference_dunder": (lambda: b.solved(L, {"rnn_cell": b.body(L, "rnn_cell", """
return __import__("".join(["s", "olutions"])).rnn_cell(memory, event, W, b)""")}), None, 0,
                                "runs code built at run time (__import__)"),
    "read_hidden_tests": (lambda: wrong_plus(
        "import glob\nhidden = [open(p).read() for p in glob.glob('/work/**/source/**/*.ipynb', recursive=True)]\n"
        "leak = open('../../source/01_rnn/01_rnn.ipynb').read()"), None, 0, "opens a file outside its work"),
    "read_gradebook": (lambda: wrong_plus("data = open('/work/main/gradebook.db', 'rb').read()"), None, 0,
                       "mentions grading material"),
    "read_fixtures_to_hardcode": (lambda: b.solved(L, {"rnn_cell": b.body(L, "rnn_cell", """
from lessonkit import stored
for case in stored.load("rnn_cell"):
    if np.array_equal(case.args["memory"], memory) and np.array_equal(case.args["event"], event):
        return case.expected
return np.zeros((memory.shape[0], W.shape[1]))""")}), None, 0, "imports the course's checking code"),
    "os_exit_in_cell": (lambda: solved_plus("import os\nos._exit(0)", after="first_event_influence"), None, 9,
                        "stopped the interpreter"),
    "sigkill_in_function": (lambda: one_function("first_event_influence",
                                                 "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
                            None, 6, "os.kill"),
    "system_exit_in_function": (lambda: one_function("rnn_forward", "raise SystemExit('bye')"), None, 3,
                                "raises SystemExit"),
    "exit_in_cell": (lambda: solved_plus("exit()", after="rnn_forward"), None, 9, "calls exit()"),
    "endless_loop_in_cell": (lambda: solved_plus("while True:\n    pass", after="rnn_cell"), None, 9,
                             "ran too long"),
    "loop_ignoring_alarm": (lambda: one_function("first_event_influence", """
import signal
signal.signal(signal.SIGALRM, signal.SIG_IGN)
while True:
    pass"""), None, 6, "handles or sends signals"),
    "memory_bomb": (lambda: solved_plus("hog = np.ones((40_000, 40_000))", after="rnn_cell"), None, 9,
                    "ran out of memory"),
    "output_flood_print": (lambda: solved_plus("for _ in range(200_000):\n    print('spam ' * 20)"), None, 9,
                           "printed"),
    "output_flood_raw": (lambda: solved_plus("import os\nfor _ in range(2000):\n    os.write(1, b'x' * 10_000)"),
                         None, 9, "printed more than"),
    "fork_bomb": (lambda: one_function("first_event_influence", """
import os
while True:
    try:
        if os.fork() == 0:
            while True:
                pass
    except OSError:
        break
return np.zeros((len(events), memory0.shape[0]))"""), None, 6, "os.fork"),
    "spawn_process": (lambda: solved_plus("import subprocess\nsubprocess.run(['sleep', '1000'])"), None, 9,
                      "starts other programs"),
    "ipython_custom_exc": (lambda: wrong_plus(
        "get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)"), None, 0, "reaches into IPython"),
    "ipython_rewrite_outputs": (lambda: wrong_plus(
        "ip = get_ipython()\nip.events.register('post_run_cell', lambda r: setattr(r, 'error_in_exec', None))"),
                                None, 0, "reaches into IPython"),
    "behaves_differently_when_graded": (lambda: b.solved(L, {"rnn_cell": b.body(L, "rnn_cell", """
import os
if os.environ.get("NBGRADER_EXECUTION"):
    return np.tanh(np.concatenate([memory, event], axis=1) @ W + b) * 0 + 0.5
return np.tanh(np.concatenate([memory, event], axis=1) @ W + b)""")}), None, 0, "looks for nbgrader"),
    "fake_sys_modules": (lambda: wrong_plus(
        "import sys, types\nfake = types.ModuleType('solutions')\nsys.modules['solutions'] = fake"), None, 0,
                         "writes to sys.modules"),
    "huge_notebook": (lambda: b"{" + b" " * 21_000_000 + b"}", None, 0, "could not be read"),
}


@pytest.fixture(scope="module")
def graded(bwrap, tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    for name, (make, extra, _, _) in HOSTILE.items():
        b.write(root / "subs" / name, L, make(), extra)
    b.write(root / "subs" / "zz_honest", L, b.solved(L))   # graded in the same batch
    states = grade(L, root / "subs", root / "out", workers=2, progress=False)
    return {s["student_id"]: s for s in states}


def test_the_suite_is_large_enough():
    assert len(HOSTILE) >= 25


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_submission_scores_only_what_it_earned_and_is_flagged(graded, name):
    _, _, expected, phrase = HOSTILE[name]
    state = graded[name]
    score = sum(v[0] or 0 for v in state["scores"].values())
    flags = " | ".join(filter(None, [state.get("problem"), state.get("error"), *state["flags"]]))
    assert score == expected, f"{name}: scored {score}, expected {expected}; flags: {flags}\n{state['messages']}"
    assert phrase in flags, f"{name}: {phrase!r} not in {flags!r}"


def test_an_honest_student_in_the_same_batch_is_untouched(graded):
    honest = graded["zz_honest"]
    assert sum(v[0] for v in honest["scores"].values()) == 9 and not honest["flags"]
