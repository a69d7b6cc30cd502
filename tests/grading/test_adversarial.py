"""Hostile and faulty submissions: none scores a point it did not earn, each is flagged
in words an instructor can act on, and none disturbs another student's grade.

Most start from a wrong answer (rnn_cell with σ where tanh belongs; the two functions
built on it keep their points with the right cell replayed: an honest score of 6) and
add a trick that would lift it under stock nbgrader. The table gives the score each must get and a phrase its
flags must contain.
"""

import csv
import time

import nbformat
import pytest

from autograder import gradebook, notebooks
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


def markdown_plus(text, after=SETUP):
    nb = b.solved(L)
    index = next(i for i, c in enumerate(nb.cells) if notebooks.grade_id(c) == after) + 1
    nb.cells.insert(index, nbformat.v4.new_markdown_cell(text))
    return nb


def code_above_first_cell():
    nb = b.solved(L)
    nb.cells.insert(0, nbformat.v4.new_code_cell("ABOVE_THE_FIRST_CELL = 'ran above the first cell'"))
    return nb


def comma_in_cell_tag():
    nb = b.with_cell(b.solved(L), "notes = 'my own cell'", after=SETUP)
    next(c for c in nb.cells if c.source == "notes = 'my own cell'").metadata["tags"] = ["mine,notes"]
    return nb


XSS = "<script>alert('xss')</script>\n\n<img src=x onerror=alert(1)>\n\n[link](javascript:alert(2))"
SECRET = "INSTRUCTOR-ONLY-SECRET-7f3a"
WRONG = 6   # a wrong rnn_cell alone costs its 3 points: rnn_forward and first_event_influence,
# right over it, keep theirs (lessonkit.replay); so "a wrong rnn_cell plus a trick" earns 6
BIG_CODE = 15_000_000   # characters of one code cell, as in the report that took 523 s

HOSTILE = {
    # name: (content, extra files, expected total score, phrase in the flags)
    "test_cells_edited": (edited_test_cell, None, WRONG, "test cell check_rnn_cell was edited"),
    "points_inflated": (inflated_points, None, WRONG, "metadata of cell check_rnn_cell was changed"),
    "test_cell_untagged": (untagged_test_cell, None, WRONG, "cells were deleted: check_rnn_cell"),
    "solution_cell_duplicated": (duplicated_solution_cell, None, 9, "appears twice"),
    "patch_builtins_abs": (lambda: wrong_plus("import builtins\nbuiltins.abs = lambda x: 0 * x"), None, WRONG,
                           "imports builtins"),
    "patch_numpy_allclose": (lambda: wrong_plus("np.allclose = lambda *a, **k: True\n"
                                                "np.isclose = lambda a, b, **k: np.ones_like(a, dtype=bool)"),
                             None, WRONG, "replaces np.allclose"),
    "patch_numpy_testing": (lambda: wrong_plus("import numpy.testing\n"
                                               "numpy.testing.assert_allclose = lambda *a, **k: None"),
                            None, WRONG, "replaces numpy.testing.assert_allclose"),
    "patch_random_generators": (lambda: wrong_plus(
        "import os\n_rng = np.random.default_rng\nnp.random.default_rng = lambda *a, **k: _rng(0)\n"
        "os.urandom = lambda n: bytes(n)"), None, WRONG, "replaces np.random.default_rng"),
    "patch_check_library": (lambda: wrong_plus(
        "import lessonkit.compare, lessonkit.checks\nlessonkit.compare.compare = lambda *a, **k: None\n"
        "lessonkit.checks.compare = lessonkit.compare.compare"), None, WRONG, "replaces lessonkit.compare.compare"),
    "redefine_check": (lambda: wrong_plus("def check(fn):\n    print('All checks pass.')\n"
                                          "hidden_check = lambda *a, **k: None"), None, WRONG,
                       "redefines the course's check"),
    "shadow_numpy_module": (wrong, {"numpy.py": "raise SystemExit('shadowed')\n"}, WRONG,
                            "files beside the notebook were ignored: numpy.py"),
    "shadow_lessonkit_module": (wrong, {"lessonkit.py": "def check(f): pass\ndef hidden_check(*a): pass\n"},
                                WRONG, "ignored: lessonkit.py"),
    "import_reference": (lambda: b.solved(L, {"rnn_cell": b.body(L, "rnn_cell", """
from solutions import rnn_cell as reference
return reference(memory, event, W, b)""")}), None, WRONG, "tried to import the course's solutions package"),
    "import_reference_computed": (lambda: b.solved(L, {"rnn_cell": b.body(L, "rnn_cell", """
import importlib
return importlib.import_module("sol" + "utions").rnn_cell(memory, event, W, b)""")}), None, WRONG,
                                  "imports modules by computed names"),
    "import_reference_dunder": (lambda: b.solved(L, {"rnn_cell": b.body(L, "rnn_cell", """
return __import__("".join(["s", "olutions"])).rnn_cell(memory, event, W, b)""")}), None, WRONG,
                                "runs code built at run time (__import__)"),
    "read_hidden_tests": (lambda: wrong_plus(
        "import glob\nhidden = [open(p).read() for p in glob.glob('/work/**/source/**/*.ipynb', recursive=True)]\n"
        "leak = open('../../source/01_rnn/01_rnn.ipynb').read()"), None, WRONG, "opens a file outside its work"),
    "read_gradebook": (lambda: wrong_plus("data = open('/work/main/gradebook.db', 'rb').read()"), None, WRONG,
                       "mentions grading material"),
    "read_fixtures_to_hardcode": (lambda: b.solved(L, {"rnn_cell": b.body(L, "rnn_cell", """
from lessonkit import stored
for case in stored.load("rnn_cell"):
    if np.array_equal(case.args["memory"], memory) and np.array_equal(case.args["event"], event):
        return case.expected
return np.zeros((memory.shape[0], W.shape[1]))""")}), None, WRONG, "imports the course's checking code"),
    "os_exit_in_cell": (lambda: solved_plus("import os\nos._exit(1)", after="first_event_influence"), None, 9,
                        "stopped the interpreter"),
    # a "successful" exit, or the runner's own failure code, inside a cell: the runner never
    # wrote "done" over that cell's number, so it died there (a call cannot forge it)
    "os_exit_zero_in_cell": (lambda: solved_plus("from os import _exit\n_exit(0)", after="first_event_influence"),
                             None, 9, "stopped the interpreter"),
    "os_exit_three_in_cell": (lambda: solved_plus("import os\nos._exit(3)", after="first_event_influence"),
                              None, 9, "stopped the interpreter"),
    "forged_progress_file": (lambda: solved_plus(
        "_real_rnn_cell = rnn_cell\ndef rnn_cell(*args, **kwargs):\n"
        "    with open('progress', 'w') as f:\n        f.write('0')\n    return _real_rnn_cell(*args, **kwargs)",
        after="rnn_cell"), None, 9, ""),
    "sigkill_in_function": (lambda: one_function("first_event_influence",
                                                 "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
                            None, 6, "os.kill"),
    "system_exit_in_function": (lambda: one_function("rnn_forward", "raise SystemExit('bye')"), None, WRONG,
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
        "get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)"), None, WRONG, "reaches into IPython"),
    "ipython_rewrite_outputs": (lambda: wrong_plus(
        "ip = get_ipython()\nip.events.register('post_run_cell', lambda r: setattr(r, 'error_in_exec', None))"),
                                None, WRONG, "reaches into IPython"),
    "behaves_differently_when_graded": (lambda: b.solved(L, {"rnn_cell": b.body(L, "rnn_cell", """
import os
if os.environ.get("NBGRADER_EXECUTION"):
    return np.tanh(np.concatenate([memory, event], axis=1) @ W + b) * 0 + 0.5
return np.tanh(np.concatenate([memory, event], axis=1) @ W + b)""")}), None, WRONG, "looks for nbgrader"),
    "fake_sys_modules": (lambda: wrong_plus(
        "import sys, types\nfake = types.ModuleType('solutions')\nsys.modules['solutions'] = fake"), None, WRONG,
                         "writes to sys.modules"),
    "huge_notebook": (lambda: b"{" + b" " * 21_000_000 + b"}", None, 0, "could not be read"),
    # answers from a library or a later lesson: none is in the sandbox, and the flags say so
    "answer_from_torch": (lambda: b.solved(L, {"rnn_cell": b.body(L, "rnn_cell", """
import torch
x = torch.from_numpy(np.concatenate([memory, event], axis=1))
return torch.tanh(x @ torch.from_numpy(W) + torch.from_numpy(b)).numpy()""")}), None, WRONG,
                          "uses PyTorch (not allowed in this lesson)"),
    "answer_from_scipy": (lambda: b.solved(L, {"rnn_cell": b.body(L, "rnn_cell", """
import sys
sys.path.append("/usr/lib/python3/dist-packages")
from scipy.special import expit
return 2 * expit(2 * (np.concatenate([memory, event], axis=1) @ W + b)) - 1""")}), None, WRONG,
                          "uses SciPy (not allowed in this lesson)"),
    "answer_from_autodiff": (lambda: b.solved(L, {"rnn_cell": b.body(L, "rnn_cell", """
from lessonkit.autodiff import constant, tanh
return tanh(constant(np.concatenate([memory, event], axis=1) @ W + b)).value""")}), None, WRONG,
                             "uses the course's autodiff engine of lesson 08 (not allowed in this lesson)"),
    # filling the disk: stopped at the run's own quota (its own records lost with it), flagged
    "fill_the_disk": (lambda: solved_plus("""
import os
try:
    for k in range(100):
        fd = os.open(f"/tmp/fill{k}", os.O_CREAT | os.O_WRONLY)
        os.posix_fallocate(fd, 0, 32 << 20)
        os.close(fd)
except OSError:
    pass
try:
    for k in range(5000):
        open(f"/scratch/n{k}", "w").close()
except OSError:
    pass"""), None, 0, "filled its scratch space"),
    "patch_with_setattr": (lambda: wrong_plus("setattr(np, 'allclose', lambda *a, **k: True)"), None, WRONG,
                           "replaces attributes with setattr"),
    "patch_from_import": (lambda: wrong_plus("from numpy import testing\n"
                                             "testing.assert_allclose = lambda *a, **k: None"), None, WRONG,
                          "which is numpy.testing.assert_allclose"),
    "patch_builtins_alias": (lambda: wrong_plus("import builtins as bi\nbi.abs = lambda x: 0 * x"), None, WRONG,
                             "which is builtins.abs"),
    "patch_from_builtins": (lambda: wrong_plus("from builtins import abs as _abs\nimport builtins as _b\n"
                                               "setattr(_b, 'abs', lambda x: 0 * x)"), None, WRONG,
                            "imports builtins"),
    "sys_path_edit": (lambda: wrong_plus("from sys import path\npath.insert(0, '/scratch')"), None, WRONG,
                      "changes the import system (sys.path)"),
    "globals_trick": (lambda: wrong_plus("globals()['check'] = lambda fn: None"), None, WRONG,
                      "reaches into a namespace with globals()"),
    "vars_trick": (lambda: wrong_plus("vars(np)['allclose'] = lambda *a, **k: True"), None, WRONG,
                   "writes to a namespace through vars(np)"),
    "link_to_other_student": (lambda: b.Link(f"zz_honest/{L}/{L}.ipynb"), None, 0, "is a link"),
    "link_to_instructor_file": (lambda: b.Link("../instructor/key.txt"), None, 0, "is a link"),
    "lesson_folder_is_link": (lambda: b.Link(f"zz_honest/{L}", level="lesson"), None, 0, "is a link"),
    "student_folder_is_link": (lambda: b.Link("zz_honest", level="student"), None, 0, "is a link"),
    "link_beside_notebook": (wrong, None, WRONG, "links were not followed: key.txt"),
    "markdown_script": (lambda: markdown_plus(XSS), None, 9, ""),
    "markdown_quadratic": (lambda: markdown_plus("[a](" * 75_000), None, 9, ""),
    "huge_code_cell": (lambda: solved_plus(("#" + "x" * 99 + "\n") * (BIG_CODE // 100)), None, 9, ""),
    "code_above_first_cell": (code_above_first_cell, None, 9, ""),
    "comma_in_cell_tag": (comma_in_cell_tag, None, 9, ""),
}
MUST_NOT_FLAG = {"forged_progress_file": "graded again", "link_to_instructor_file": SECRET}
"""Phrases that must not appear in a submission's flags, problem or error."""


@pytest.fixture(scope="module")
def hostile_run(bwrap, tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    (root / "instructor").mkdir()
    (root / "instructor" / "key.txt").write_text(SECRET + "\nsecond line\n")
    for name, (make, extra, _, _) in HOSTILE.items():
        b.write(root / "subs" / name, L, make(), extra)
    b.write(root / "subs" / "zz_honest", L, b.solved(L))   # graded in the same batch
    (root / "subs" / "link_beside_notebook" / L / "key.txt").symlink_to(root / "instructor" / "key.txt")
    start = time.monotonic()
    states = grade(L, root / "subs", root / "out", workers=2, progress=False)
    return root, {s["student_id"]: s for s in states}, time.monotonic() - start


@pytest.fixture(scope="module")
def graded(hostile_run):
    return hostile_run[1]


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


@pytest.mark.parametrize("name", list(MUST_NOT_FLAG))
def test_what_must_not_be_flagged(graded, name):
    state = graded[name]
    text = " | ".join(filter(None, [state.get("problem"), state.get("error"), *state["flags"]]))
    assert MUST_NOT_FLAG[name] not in text, text


def _outputs(root):
    out = root / "out"
    yield out / "course_grades.csv"
    yield out / "report.html"
    yield from (out / "feedback").rglob("*.html")
    yield from (out / "autograded").rglob("*.ipynb")
    yield from (out / "state").glob("*.json")


def test_no_output_quotes_a_linked_file(hostile_run):
    root, graded, _ = hostile_run
    for path in _outputs(root):
        assert SECRET not in path.read_text(errors="replace"), path
    # the link to another student's notebook did not score that student's marks
    assert graded["zz_honest"]["scores"] and not graded["link_to_other_student"]["scores"].get("check_rnn_cell", [0])[0]


def test_feedback_is_sanitised_and_forbids_scripts(hostile_run):
    root, _, _ = hostile_run
    out = root / "out"
    for path in [*(out / "feedback").rglob("*.html"), out / "report.html"]:
        page = path.read_text()
        assert '<meta http-equiv="Content-Security-Policy"' in page and "default-src 'none'" in page, path
        assert page.find("Content-Security-Policy") < page.find("<script") or "<script" not in page, path
    page = (out / "feedback" / "markdown_script" / L / f"{L}.html").read_text()
    assert "alert('xss')" in page or "alert(&#39;xss&#39;)" in page    # shown, as text
    assert "<script>alert" not in page and "onerror" not in page and 'href="javascript' not in page


def test_huge_cells_are_capped_and_grading_stays_linear(hostile_run):
    root, graded, seconds = hostile_run
    out = root / "out"
    for name in ("huge_code_cell", "markdown_quadratic"):
        feedback = out / "feedback" / name / L / f"{L}.html"
        autograded = out / "autograded" / name / L / f"{L}.ipynb"
        assert feedback.stat().st_size < 3_000_000 and autograded.stat().st_size < 1_000_000, name
        assert "more characters of this cell are not shown" in feedback.read_text(), name
    assert seconds < 600, f"the hostile batch took {seconds:.0f} s"


def test_feedback_rendering_has_a_deadline(hostile_run, monkeypatch, tmp_path):
    root, _, _ = hostile_run
    out = root / "out"
    nb = notebooks.read(out / "autograded" / "markdown_script" / L / f"{L}.ipynb")
    db_url = f"sqlite:///{out / 'gradebook.db'}"
    monkeypatch.setattr(gradebook, "RENDER_SECONDS", 0.001)
    start = time.monotonic()
    gradebook.render_feedback(nb, db_url, L, "markdown_script", tmp_path / "f.html")
    page = (tmp_path / "f.html").read_text()
    assert time.monotonic() - start < 10 and "took too long to render" in page
    assert "Content-Security-Policy" in page and "<script>alert" not in page


def test_added_cells_are_kept_where_the_student_put_them(hostile_run):
    root, _, _ = hostile_run
    out = root / "out"
    nb = notebooks.read(out / "autograded" / "code_above_first_cell" / L / f"{L}.ipynb")
    assert "ABOVE_THE_FIRST_CELL" in nb.cells[0].source
    assert "ABOVE_THE_FIRST_CELL" in (out / "feedback" / "code_above_first_cell" / L / f"{L}.html").read_text()
    with open(out / "course_grades.csv") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert rows["comma_in_cell_tag"]["score"] == "9" and rows["code_above_first_cell"]["score"] == "9"


def test_an_answer_copied_from_code_another_lesson_gives_is_flagged():
    """Later lessons give earlier lessons' answers as read-only code: lesson 10 gives an
    lstm_forward. A lesson 06 answer that is that code (another docstring, other
    comments) is flagged; one written another way is not, and neither is a one-line
    answer that equals a given one-liner (lesson 07's sigmoid): an honest student
    writes that too (the red team's finding)."""
    import ast

    from autograder.scan import given_functions, scan

    given = next(src for src in _code_cells("10_writing") if "def lstm_forward(" in src)
    node = next(n for n in ast.parse(given).body if isinstance(n, ast.FunctionDef) and n.name == "lstm_forward")
    has_docstring = isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    node.body[: 1 if has_docstring else 0] = [ast.Expr(ast.Constant("My own loop."))]
    copied = ast.unparse(node)
    assert ("10_writing", "lstm_forward") in given_functions().values()
    assert any("a copy of code that lesson 10_writing gives" in f for f in scan([copied], "06_lstm_cell"))
    own = ("def lstm_forward(events, ltm0, stm0, params, variant='lesson'):\n    out = []\n"
           "    ltm, stm = ltm0, stm0\n    for e in events:\n"
           "        ltm, stm = lstm_cell(ltm, stm, e, params, variant)\n        out.append((ltm, stm))\n"
           "    return np.stack([a for a, _ in out]), np.stack([s for _, s in out])\n")
    assert not any("copy of code" in f for f in scan([own], "06_lstm_cell"))
    one_liner = 'def sigmoid(a):\n    """Mine."""\n    return 0.5 * (1.0 + np.tanh(0.5 * a))\n'
    assert not any("copy of code" in f for f in scan([one_liner], "02_learn_gate"))


def _code_cells(lesson):
    import nbformat

    from autograder.nbgrader_setup import ROOT

    nb = nbformat.read(ROOT / "lessons" / lesson / f"{lesson}.ipynb", as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]
