"""A fair examiner: correct work in other styles earns its points every time, a regrade
gives the same verdict, and changing an input in place is wrong and said so."""

import json

import pytest

from autograder.calls import calls_for, seed_for
from autograder.grade import grade
from autograder.graded import GRADED

from . import builders as b

L03, L06 = "03_forget_gate", "06_lstm_cell"

FLOAT32_CELL = '''def lstm_cell(ltm, stm, event, params, variant="lesson"):
    """One LSTM step, computed in float32."""
    p = {k: v.astype(np.float32) for k, v in params.items()}
    z = np.concatenate([stm, event], axis=1).astype(np.float32)
    sig = lambda a: 1 / (1 + np.exp(-a))
    N, i = np.tanh(z @ p["W_n"] + p["b_n"]), sig(z @ p["W_i"] + p["b_i"])
    f, V = sig(z @ p["W_f"] + p["b_f"]), sig(z @ p["W_v"] + p["b_v"])
    kept = ltm.astype(np.float32) * f
    new_ltm = kept + N * i
    if variant == "lesson":
        return new_ltm, np.tanh(kept @ p["W_u"] + p["b_u"]) * V
    return new_ltm, V * np.tanh(new_ltm)
'''

RENAMED_EINSUM_CELL = '''def lstm_cell(c, h, x, weights, kind="lesson"):
    """One LSTM step with its own parameter names, einsum and a helper of its own."""
    def gate(name, squash):
        xh = np.hstack([h, x])
        return squash(np.einsum("bz,zh->bh", xh, weights["W_" + name]) + weights["b_" + name])
    sig = lambda a: np.exp(-np.logaddexp(0, -a))
    kept = c * gate("f", sig)
    new_c = kept + gate("n", np.tanh) * gate("i", sig)
    out = gate("v", sig)
    print("step done")
    if kind == "lesson":
        return new_c, np.tanh(kept @ weights["W_u"] + weights["b_u"]) * out
    return new_c, out * np.tanh(new_c)
'''

IN_PLACE_FORGET = """z = np.concatenate([stm, event], axis=1) @ W_f + b_f
ltm *= 1 / (1 + np.exp(-z))
return ltm"""

OWN_ARRAY_IN_PLACE = """f = 1 / (1 + np.exp(-(np.concatenate([stm, event], axis=1) @ W_f + b_f)))
kept = ltm.copy()
kept *= f
return kept"""


SWAPPED_GATES_CELL = FLOAT32_CELL.replace('p["W_i"] + p["b_i"]', 'p["W_X"] + p["b_X"]').replace(
    'p["W_f"] + p["b_f"]', 'p["W_i"] + p["b_i"]').replace('p["W_X"] + p["b_X"]', 'p["W_f"] + p["b_f"]')

IN_PLACE_CELL = FLOAT32_CELL.replace("kept = ltm.astype(np.float32) * f", "ltm *= f\n    kept = ltm")


def _write_class(folder, lesson, notebooks):
    for student, nb in notebooks.items():
        b.write(folder / student, lesson, nb)


def _scores(state, prefix):
    return {gid: v[0] for gid, v in state["scores"].items() if gid.endswith(prefix)}


@pytest.fixture(scope="module")
def lesson06(bwrap, tmp_path_factory):
    root = tmp_path_factory.mktemp("fair06")
    _write_class(root / "subs", L06, {
        "float32": b.solved(L06, {"lstm_cell": FLOAT32_CELL}),
        "renamed_einsum": b.solved(L06, {"lstm_cell": RENAMED_EINSUM_CELL}),
        "wrong_cell": b.solved(L06, {"lstm_cell": SWAPPED_GATES_CELL}),
        "in_place_cell": b.solved(L06, {"lstm_cell": IN_PLACE_CELL}),
        "exiting_cell": b.solved(L06, {"lstm_cell": b.body(L06, "lstm_cell", "import os\nos._exit(1)")}),
    })
    first = {s["student_id"]: s for s in grade(L06, root / "subs", root / "out", progress=False)}
    again = {s["student_id"]: s for s in grade(L06, root / "subs", root / "out", force=True, progress=False)}
    return first, again


@pytest.mark.parametrize("student", ["float32", "renamed_einsum"])
def test_correct_cell_in_another_style_earns_full_marks(lesson06, student):
    state = lesson06[0][student]
    assert _scores(state, "lstm_cell") == {"check_lstm_cell": 1, "hidden_lstm_cell": 2}, state["messages"]


@pytest.mark.parametrize("student", ["wrong_cell", "in_place_cell"])
def test_a_right_loop_over_a_wrong_cell_loses_only_the_cells_points(lesson06, student):
    """Each mistake penalised once: lstm_forward is also run with the right lstm_cell
    replayed in place of the student's, and keeps its points, saying where the fault is."""
    state = lesson06[0][student]
    assert _scores(state, "lstm_cell") == {"check_lstm_cell": 0, "hidden_lstm_cell": 0}, state["messages"]
    assert _scores(state, "lstm_forward") == {"check_lstm_forward": 1, "hidden_lstm_forward": 2}, state["messages"]
    for cell in ("check_lstm_forward", "hidden_lstm_forward"):
        assert "The fault is in your lstm_cell" in state["messages"][cell]
    if student == "in_place_cell":
        assert "in place" in state["messages"]["check_lstm_cell"]


def test_a_cell_that_kills_its_process_costs_the_loop_over_it_nothing(lesson06):
    """lstm_forward's calls with the right lstm_cell replayed run before those that call
    the student's, so a cell that ends the process takes only the cell's points."""
    state = lesson06[0]["exiting_cell"]
    assert _scores(state, "lstm_cell") == {"check_lstm_cell": 0, "hidden_lstm_cell": 0}, state["messages"]
    assert _scores(state, "lstm_forward") == {"check_lstm_forward": 1, "hidden_lstm_forward": 2}, state["messages"]


@pytest.mark.parametrize("student", ["float32", "renamed_einsum", "wrong_cell"])
def test_a_regrade_gives_the_same_scores_and_messages(lesson06, student):
    first, again = lesson06[0][student], lesson06[1][student]
    assert first["scores"] == again["scores"] and first["messages"] == again["messages"]


@pytest.fixture(scope="module")
def lesson03(bwrap, tmp_path_factory):
    root = tmp_path_factory.mktemp("fair03")
    _write_class(root / "subs", L03, {
        "in_place": b.solved(L03, {"forget_gate": b.body(L03, "forget_gate", IN_PLACE_FORGET)}),
        "own_array": b.solved(L03, {"forget_gate": b.body(L03, "forget_gate", OWN_ARRAY_IN_PLACE)}),
    })
    return {s["student_id"]: s for s in grade(L03, root / "subs", root / "out", progress=False)}


def test_changing_the_callers_ltm_loses_the_points_and_says_why(lesson03):
    state = lesson03["in_place"]
    assert _scores(state, "forget_gate") == {"check_forget_gate": 0, "hidden_forget_gate": 0}
    assert "ltm *= f" in state["messages"]["check_forget_gate"]
    assert _scores(state, "memory_half_life") == {"check_memory_half_life": 1, "hidden_memory_half_life": 2}


def test_in_place_work_on_its_own_copy_is_fine(lesson03):
    assert _scores(lesson03["own_array"], "forget_gate") == {"check_forget_gate": 1, "hidden_forget_gate": 2}


def test_the_course_secret_stays_in_the_results_folder(lesson03, tmp_path_factory):
    secrets = list(tmp_path_factory.getbasetemp().glob("fair03*/out/course_secret"))
    assert secrets and all(oct(p.stat().st_mode & 0o777) == "0o600" for p in secrets)
    assert json.dumps(lesson03).count(secrets[0].read_text().strip()) == 0


@pytest.mark.parametrize("lesson", ["01_rnn", L03, "08_lstm_vs_rnn"])
def test_in_place_misconceptions_are_named_only_by_the_change(lesson):
    """An in-place mistake's output may equal a wrong answer made another way (a correct
    first_event_influence over a zero rnn_cell gives zeros too): only the change names it."""
    in_place = {m.name for g in GRADED.values() if g.lesson == lesson for m in g.mistakes if m.changes}
    assert in_place
    named = {name for call in calls_for(lesson, seed_for("secret", "ada", lesson)) for name, _, _ in call.mistakes}
    assert not named & in_place


def test_nbgrader_export_in_the_results_folder_leaves_the_course_csv_alone(lesson03, tmp_path_factory):
    import subprocess
    import sys
    from pathlib import Path

    out = next(tmp_path_factory.getbasetemp().glob("fair03*/out"))
    ours = (out / "course_grades.csv").read_text()
    nbgrader = Path(sys.executable).with_name("nbgrader")
    subprocess.run([str(nbgrader), "export"], cwd=out, check=True, capture_output=True, timeout=300)
    assert (out / "course_grades.csv").read_text() == ours
    assert ours.startswith("student_id,lesson")
    assert (out / "grades.csv").read_text().startswith("assignment,")  # nbgrader's own, beside ours
