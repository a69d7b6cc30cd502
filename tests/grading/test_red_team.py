"""Red team of the session's new grading features (issue 12): replays, LMS names,
formulas in feedback, the copied-given-code flag, nbgrader's exchange files.

Each attack is a real submission graded by the real command in the real sandbox.
A replay (lessonkit.replay) holds, for a function built on others, what a right loop
over a right cell computes on that call's inputs: for ``rnn_forward`` that is its
answer. A submission that reads it instead of calling it cannot be told from a right
loop by its outputs, so it keeps those points (bounded by the function's own points,
never another function's); what must hold is that it is flagged, that the stored
inputs are out of reach of the student's own run, and that nothing done through a
replay changes another function's or another student's grade.
"""

import os
import time

import pytest

from autograder.grade import grade

from . import builders as b

L = "01_rnn"
FORWARD_POINTS = 3          # check_rnn_forward 1 + hidden_rnn_forward 2
ZEROS = "return np.zeros((len(events),) + memory0.shape)"


def forward(code):
    """Everything right except rnn_forward, whose body is ``code``."""
    return b.solved(L, {"rnn_forward": b.body(L, "rnn_forward", code)})


RIGHT_LOOP = """
memories, memory = [], memory0
for event in events:
    memory = rnn_cell(memory, event, W, b)
    memories.append(memory)
return np.stack(memories)"""

REPLAY_ATTACKS = {
    # name: (notebook, the score it earned, phrase in the flags)
    "replay_table_attribute": (lambda: forward(f"""
if hasattr(rnn_cell, "_recorded"):
    return np.stack([out for _, out in rnn_cell._recorded])
{ZEROS}"""), 6, "reads the replay's table"),
    "replay_table_getattr": (lambda: forward(f"""
table = getattr(rnn_cell, "_rec" + "orded", None)
if table:
    return np.stack([out for _, out in table])
{ZEROS}"""), 6, "reads an attribute by a computed name"),
    "replay_table_vars": (lambda: forward(f"""
table = vars(rnn_cell).get("_" + "recorded") if not callable(getattr(rnn_cell, "__code__", None)) else None
if table:
    return np.stack([out for _, out in table])
{ZEROS}"""), 6, "reaches into a namespace with vars()"),
    "replay_table_closure": (lambda: forward(f"""
cells = getattr(type(rnn_cell).__call__, "__closure__", None) or ()
{ZEROS}"""), 6, "touches interpreter internals (__closure__)"),
    "replay_detected": (lambda: forward(f"""
if type(rnn_cell).__name__ == "Replay":   # right only when replayed
{RIGHT_LOOP.replace(chr(10), chr(10) + '    ')}
{ZEROS}"""), 9, "uses rnn_cell other than by calling it"),
    "replay_kept_past_its_run": (lambda: b.with_cell(forward(f"""
KEPT.append(rnn_cell)
for kept in KEPT[:-1]:
    try:
        return np.stack([kept(*args.values()) for args, _ in kept._recorded])
    except Exception:
        pass
{ZEROS}"""), "KEPT = []", after="code_02"), 6, "reads the replay's table"),
    # in its replayed run it rewrites the result its own run left, to hide the credit
    "replay_forges_own_result": (lambda: forward(f"""
import glob, json
if hasattr(rnn_cell, "_recorded"):
    right = np.stack([out for _, out in rnn_cell._recorded])
    for path in glob.glob("results/*.npz"):
        meta = {{"function": "rnn_forward", "structure": "array", "dtypes": ["float64"]}}
        np.savez(path[:-4], meta=np.array(json.dumps(meta)), a0=right)
    return right
{ZEROS}"""), 6, "reads the replay's table"),
    "replay_crash_recursion": (lambda: forward(f"""
deep = []
for _ in range(100_000):
    deep = [deep]
try:
    rnn_cell(deep, deep, W, b)
except BaseException:
    pass
try:
    rnn_cell(np.zeros((2000, 2000)), events[0], W, b)
except BaseException:
    pass
{ZEROS}"""), 6, ""),
    "replay_crash_weird_types": (lambda: forward("""
class Sly(str):
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__
class Arr:
    def __array__(self, *a, **k):
        raise SystemExit("from __array__")
for bad in (Sly("x"), Arr(), {"a": Arr()}, object(), float("nan")):
    try:
        rnn_cell(bad, bad, bad, bad)
    except BaseException:
        pass
while True:            # and ignore every refusal: the function's own alarm ends it
    try:
        rnn_cell(memory0, events[0], W, b * 2)
    except BaseException:
        pass"""), 6, ""),
    # the student's own run finds the run's stored inputs (the replays of its calls among them)
    "reads_stored_inputs": (lambda: forward(f"""
import os
if os.path.exists("calls.pickle") or os.path.exists("/scratch/calls.pickle"):
{RIGHT_LOOP.replace(chr(10), chr(10) + '    ')}
{ZEROS}"""), 6, "touches the run's stored inputs"),
    "honest_wrong_forward": (lambda: forward(ZEROS), 6, ""),
    # numpy patched so that a replay takes any call of the right shape for a recorded one:
    # a loop that never carries the memory forward would then be credited
    "replay_fooled_by_patched_numpy": (lambda: b.with_cell(forward("""
return np.stack([rnn_cell(memory0, event, W, b) for event in events])"""),
        "np.allclose = lambda *a, **k: True\nnp.isclose = lambda a, b, **k: np.ones(np.shape(a), dtype=bool)",
        after="code_02"), 6, "replaces np.allclose"),
}


@pytest.fixture(scope="module")
def replay_run(bwrap, tmp_path_factory):
    root = tmp_path_factory.mktemp("red_team")
    for name, (make, _, _) in REPLAY_ATTACKS.items():
        b.write(root / "subs" / name, L, make())
    b.write(root / "subs" / "zz_honest", L, b.solved(L))
    states = grade(L, root / "subs", root / "out", workers=2, progress=False)
    return root, {s["student_id"]: s for s in states}


def _score(state):
    return sum(v[0] or 0 for v in state["scores"].values())


@pytest.mark.parametrize("name", list(REPLAY_ATTACKS))
def test_a_replay_attack_scores_what_it_earned_and_is_flagged(replay_run, name):
    _, graded = replay_run
    _, most, phrase = REPLAY_ATTACKS[name]
    state = graded[name]
    flags = " | ".join(filter(None, [state.get("problem"), state.get("error"), *state["flags"]]))
    assert not state.get("error"), state
    assert _score(state) == most, f"{name}: {_score(state)}, earned {most}\n{state['messages']}\n{flags}"
    assert phrase in flags, f"{name}: {phrase!r} not in {flags!r}"
    # never another function's points: rnn_cell and first_event_influence are right and stay so
    for gid in ("check_rnn_cell", "hidden_rnn_cell", "check_first_event_influence",
                "hidden_first_event_influence"):
        assert state["scores"][gid][0] == state["scores"][gid][1], (name, gid, state["messages"][gid])


def test_honest_wrong_loop_and_the_class_are_untouched(replay_run):
    _, graded = replay_run
    assert _score(graded["honest_wrong_forward"]) == 9 - FORWARD_POINTS
    assert _score(graded["zz_honest"]) == 9 and not graded["zz_honest"]["flags"]


def test_a_replay_that_crashes_or_spins_costs_only_its_function(replay_run):
    _, graded = replay_run
    for name in ("replay_crash_recursion", "replay_crash_weird_types"):
        assert _score(graded[name]) == 9 - FORWARD_POINTS, graded[name]["messages"]


def test_the_students_own_run_cannot_read_the_stored_inputs(replay_run):
    """calls.pickle holds the inputs and the replays of every call: the runner reads it
    and removes it (and request.json) before any student code runs."""
    _, graded = replay_run
    assert _score(graded["reads_stored_inputs"]) == 9 - FORWARD_POINTS, graded["reads_stored_inputs"]["messages"]


def test_a_forged_result_from_a_replayed_run_is_flagged_and_bounded(replay_run):
    _, graded = replay_run
    state = graded["replay_forges_own_result"]
    assert _score(state) == 9 - FORWARD_POINTS and any("replay's table" in f for f in state["flags"])
    assert state["messages"]["check_rnn_forward"].startswith("✗"), state["messages"]


# --- the scanner on its own: every way of reading a replay is flagged, honest calls are not

@pytest.mark.parametrize("code, phrase", [
    ("def rnn_forward(events, memory0, W, b):\n    return rnn_cell._recorded", "reads the replay's table"),
    ("def rnn_forward(events, memory0, W, b):\n    return getattr(rnn_cell, name)", "computed name"),
    ("def rnn_forward(events, memory0, W, b):\n    f = rnn_cell\n    return f(memory0, events[0], W, b)",
     "uses rnn_cell other than by calling it"),
    ("def rnn_forward(events, memory0, W, b):\n    return rnn_cell.__closure__", "__closure__"),
    ("def rnn_forward(events, memory0, W, b):\n    return rnn_cell.__call__.__func__", "__func__"),
    ("def f():\n    try:\n        1 / 0\n    except Exception as e:\n        return e.__traceback__.tb_frame",
     "tb_frame"),
    ("import sys\nx = sys._getframe(2)", "_getframe"),
    ("import pickle\nx = pickle.load(open('calls.pickle', 'rb'))", "the run's stored inputs"),
])
def test_the_scanner_flags_each_way_of_reading_a_replay(code, phrase):
    from autograder.scan import scan

    found = scan([code], L)
    assert any(phrase in f for f in found), found


def test_the_scanner_leaves_honest_loops_alone():
    from autograder.scan import scan

    honest = [b.solution_source(L, fn) for fn in ("rnn_cell", "rnn_forward", "first_event_influence")]
    honest.append("def rnn_forward(events, memory0, W, b):\n"
                  "    return np.stack(list(_steps(events, memory0, W, b)))\n"
                  "def _steps(events, memory, W, b):\n    for e in events:\n"
                  "        memory = rnn_cell(memory, e, W, b)\n        yield memory\n")
    assert scan(honest, L) == []


# --- LMS names in collect, and the manifest grade reads back

HOSTILE_NAMES = {
    # file name in a flat download: the id it must get (None: not placed)
    "smithjane_LATE_1234_5678_01_rnn.ipynb": "smithjane",
    "hw1_.._attempt_2026-01-05-10-00-00_01_rnn.ipynb": None,                 # Blackboard id ..
    "hw1_@cmd_attempt_2026-01-05-10-00-00_01_rnn.ipynb": None,               # formula-like id
    "=cmd|' -C calc'!A0_77_assignsubmission_file_01_rnn.ipynb": "cmd-c-calc-a0",   # Moodle: a slug
    "x" * 200 + "_1_2_01_rnn.ipynb": None,                                   # over 64 characters
    "collected.json_9_9_01_rnn.ipynb": None,                                 # the manifest's own name
    "\uff2a\uff4f\uff48\uff4e Doe_11_assignsubmission_file_a.ipynb": None,   # fullwidth = John Doe: a duplicate
    "John Doe_12_assignsubmission_file_b.ipynb": None,
    "doejohn_20_30_smithjane_1234_5678_01_rnn.ipynb": "doejohn",             # another's Canvas name after its own
}


def _download(tmp_path):
    download = tmp_path / "download"
    download.mkdir()
    notebook = nbformat_bytes()
    for name in HOSTILE_NAMES:
        (download / name).write_bytes(notebook)
    return download


def nbformat_bytes():
    import nbformat

    return nbformat.writes(b.solved(L)).encode()


def test_collect_places_only_safe_lms_ids_and_reports_the_rest(tmp_path):
    from autograder.collect import collect

    placed, problems = collect(_download(tmp_path), L, tmp_path / "subs")
    folders = sorted(p.name for p in (tmp_path / "subs").iterdir() if p.is_dir())
    assert folders == sorted(v for v in HOSTILE_NAMES.values() if v), (folders, problems)
    assert placed == len(folders) and all((tmp_path / "subs" / f / L / f"{L}.ipynb").is_file() for f in folders)
    assert not list(tmp_path.glob("*.ipynb")) and not (tmp_path / "cmd").exists()   # nothing outside --out
    text = "\n".join(problems)
    assert "john-doe: 2 notebooks give this id, so none was placed" in text
    assert "is the name of a file the grader keeps" in text and "not a valid student id" in text
    manifest = (tmp_path / "subs" / "collected.json").read_text()
    assert '"late": true' in manifest and "smithjane" in manifest


@pytest.mark.parametrize("forged", ["[" * 200_000 + "]" * 200_000, "folder", "fifo", "huge", "link",
                                    '{"zz_honest": {"lms": "=HYPERLINK(\\"http://x\\")", "lms_id": "+1",'
                                    ' "late": "no", "submitted": "@SUM(1)"}}'])
def test_a_forged_manifest_neither_stops_grade_nor_runs_in_a_spreadsheet(tmp_path, forged):
    import csv

    from autograder import lms
    from autograder.grade import write_csv

    subs = tmp_path / "subs"
    subs.mkdir()
    path = subs / lms.MANIFEST
    if forged == "folder":
        path.mkdir()
    elif forged == "fifo":
        os.mkfifo(path)
    elif forged == "huge":
        with open(path, "w") as f:
            f.write('{"a": "' + "x" * (lms.MANIFEST_BYTES + 10) + '"}')
    elif forged == "link":
        (tmp_path / "elsewhere.json").write_text('{"zz_honest": {"lms": "canvas", "lms_id": "=1+1"}}')
        path.symlink_to(tmp_path / "elsewhere.json")
    else:
        path.write_text(forged)
    start = time.monotonic()
    collected = lms.read(subs)
    assert time.monotonic() - start < 5
    state = {"student_id": "zz_honest", "lesson": L, "scores": {}, "flags": [], "problem": None}
    released = _released()
    write_csv([state], tmp_path / "grades.csv", L, released, collected)
    with open(tmp_path / "grades.csv") as f:
        for row in csv.reader(f):
            for cell in row:
                assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), row
    if forged.startswith("{"):
        assert collected["zz_honest"]["late"] is False   # only a real true is late


def _released():
    from autograder.nbgrader_setup import ROOT

    return ROOT / "lessons" / L / f"{L}.ipynb"


# --- formulas: TeX that latex2mathml turns into MathML must pass the allowlist, fast

HOSTILE_TEX = [
    r"$\href{javascript:alert(1)}{x}$",
    r"$\style{background:url(javascript:alert(1))}{x}$",
    r"$\text{<script>alert(1)</script>}$",
    r"$\text{<img src=x onerror=alert(1)>}$",
    r'$\mathrm{x" onmouseover="alert(1)}$',
    r"$$\class{x}{y}\cssId{z}{w}\unicode{x3C}script\unicode{x3E}$$",
    r"$\color{red}{x}\mathbin{\href{data:text/html,<script>alert(1)</script>}{y}}$",
    r"$\begin{array}{l}<script>\\</script>\end{array}$",
]


@pytest.mark.parametrize("tex", HOSTILE_TEX)
def test_hostile_tex_leaves_no_script_link_or_handler(tex):
    from autograder.gradebook import sanitise

    page = sanitise(f"<p>{tex}</p>").lower()
    assert "<script" not in page and "javascript:" not in page and "data:text" not in page, page
    for attribute in ("href=", "xlink:href", "style=", " on", "class=", "id="):
        assert not any(attribute in tag for tag in _tags(page)), (attribute, page)


def _tags(page):
    import re

    return re.findall(r"<[a-z][^>]*>", page)


CELL = 20_000   # gradebook.MARKDOWN_CHARS: a longer markdown cell is shown as text


@pytest.mark.parametrize("tex", [
    "$" + "{" * 1900 + "x" + "}" * 1900 + "$",                           # deep nesting
    "$$" + r"\frac{" * 600 + "1" + "}{2}" * 600 + "$$",
    "$$" + r"\begin{aligned}" * (CELL // 16) + "$$",                      # no \end: each one a scan
    "$x$ " * (CELL // 4),                                                 # many small formulas
    "".join(f"$x_{{{k}}}$ " for k in range(CELL // 11)),
    "$$" + "x^" * (CELL // 2 - 4) + "y$$",
])
def test_huge_or_nested_tex_renders_in_bounded_time(tex):
    """One markdown cell at the size cap: its formulas cost at most a second or two
    (five such cells used to fill the page's whole 60 s rendering deadline)."""
    from autograder.gradebook import sanitise

    assert len(tex) <= CELL
    start = time.monotonic()
    page = sanitise(f"<p>{tex}</p>")
    assert time.monotonic() - start < 4, f"{len(tex)} characters took {time.monotonic() - start:.1f} s"
    assert "<script" not in page


def test_formulas_beyond_the_cap_stay_tex_text():
    from autograder import formulas

    page = formulas.to_mathml("<p>" + "$x$ " * (formulas.MAX_FORMULAS + 5) + "</p>")
    assert page.count("<math") == formulas.MAX_FORMULAS and page.count("$x$") == 5


# --- the copied-given-code flag must not catch an honest student writing the natural code

NATURAL = {
    "02_learn_gate": [
        "def sigmoid(a):\n    return 1 / (1 + np.exp(-a))\n",
        "def sigmoid(a):\n    a = np.asarray(a, dtype=float)\n    out = np.empty_like(a)\n"
        "    pos = a >= 0\n    out[pos] = 1 / (1 + np.exp(-a[pos]))\n    e = np.exp(a[~pos])\n"
        "    out[~pos] = e / (1 + e)\n    return out\n",
        "def sigmoid(a):\n    e = np.exp(-np.abs(a))\n    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))\n",
        "def sigmoid(a):\n    return 0.5 * (1 + np.tanh(a / 2))\n",
        'def sigmoid(a):\n    """σ without overflow."""\n    return 0.5 * (1.0 + np.tanh(0.5 * a))\n',  # = lesson 07's
    ],
    "01_rnn": [   # = lesson 10's given rnn_cell, the one line everyone writes
        'def rnn_cell(memory, event, W, b):\n    """Mine."""\n'
        "    return np.tanh(np.concatenate([memory, event], axis=1) @ W + b)\n",
    ],
    "06_lstm_cell": [
        "def lstm_cell(ltm, stm, event, params, variant=\"lesson\"):\n"
        "    joined = np.concatenate([stm, event], axis=1)\n"
        "    f = sigmoid(joined @ params['W_f'] + params['b_f'])\n"
        "    i = sigmoid(joined @ params['W_i'] + params['b_i'])\n"
        "    n = np.tanh(joined @ params['W_n'] + params['b_n'])\n"
        "    v = sigmoid(joined @ params['W_v'] + params['b_v'])\n"
        "    new_ltm = ltm * f + i * n\n"
        "    return new_ltm, v * np.tanh(new_ltm)\n",
    ],
}


@pytest.mark.parametrize("lesson, source", [(k, s) for k, v in NATURAL.items() for s in v])
def test_natural_code_is_not_taken_for_a_copy_of_given_code(lesson, source):
    from autograder.scan import scan

    assert not any("copy of code" in f for f in scan([source], lesson)), scan([source], lesson)


# --- nbgrader's exchange files beside a submission: a link, huge, a folder, a pipe

@pytest.mark.parametrize("kind", ["link", "huge", "folder", "fifo", "plain"])
def test_nbgrader_files_are_copied_only_when_small_regular_files(tmp_path, kind):
    from autograder import submission
    from autograder.writer import copy_nbgrader_files

    root = tmp_path / "subs" / "s1"
    (root / L).mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("INSTRUCTOR-ONLY")
    for name in submission.NBGRADER_FILES:
        path = root / L / name
        if kind == "link":
            path.symlink_to(tmp_path / "secret.txt")
        elif kind == "huge":
            with open(path, "wb") as f:
                f.truncate(1 << 30)   # sparse: a GiB that takes no space
        elif kind == "folder":
            path.mkdir()
        elif kind == "fifo":
            os.mkfifo(path)
        else:
            path.write_text("2026-01-05 10:00:00.000000 UTC")
    sub = submission.find(root, L)
    out = tmp_path / "feedback"
    out.mkdir()
    start = time.monotonic()
    copy_nbgrader_files(sub, L, out)
    assert time.monotonic() - start < 5
    copied = sorted(p.name for p in out.iterdir())
    if kind == "plain":
        assert copied == sorted(submission.NBGRADER_FILES)
    else:
        assert copied == [], copied
    assert not any("INSTRUCTOR-ONLY" in p.read_text() for p in out.iterdir() if p.is_file())
