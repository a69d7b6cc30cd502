"""Named fixture submissions of whole classes, graded in one batch each, against a
table of expected scores per graded check (otter-grader style)."""

import pytest

from autograder import notebooks
from autograder.grade import grade
from autograder.graded import GRADED

from ..lessons.lessons import master
from . import builders as b
from . import fixtures
from .fixtures import lesson03, lesson04, lesson05, lesson06, lesson07, lesson08, lesson09, lesson10

L01 = "01_rnn"
CELLS_01 = ["check_rnn_cell", "hidden_rnn_cell", "check_rnn_forward", "hidden_rnn_forward",
            "check_first_event_influence", "hidden_first_event_influence"]


def _01():
    solved = b.solved(L01)
    deleted = b.without_cell(solved, "first_event_influence")
    retagged = b.retagged_as_answer(solved, "check_rnn_cell")
    renamed_cell = b.rename_function(b.solution_source(L01, "rnn_cell"), "rnn_cell", "rnn_step")
    renamed_forward = b.solution_source(L01, "rnn_forward").replace("rnn_cell(", "rnn_step(")
    return {
        # name: (what goes in the folder, expected score per cell in CELLS_01, words in the messages)
        "correct": (solved, [1, 2, 1, 2, 1, 2], {}),
        "untouched": (b.student(L01), [0, 0, 0, 0, 0, 0], {"check_rnn_cell": "is not implemented yet"}),
        "partial": (b.solved(L01, skip=("rnn_forward", "first_event_influence")), [1, 2, 0, 0, 0, 0],
                    {"check_rnn_forward": "is not implemented yet"}),
        "wrong_shape": (b.solved(L01, {"first_event_influence": b.body(L01, "first_event_influence", """
alt = events.copy()
alt[0] = first_alt
return np.linalg.norm(rnn_forward(events, memory0, W, b) - rnn_forward(alt, memory0, W, b), axis=-1).T
""")}), [1, 2, 1, 2, 0, 0], {"check_first_event_influence": "(transposed?)"}),
        "nan_outputs": (b.solved(L01, {"rnn_forward": b.body(L01, "rnn_forward", """
return np.full((len(events),) + memory0.shape, np.nan)
""")}), [1, 2, 0, 0, 1, 2], {"hidden_rnn_forward": "NaN",
                             "check_first_event_influence": "The fault is in your rnn_forward"}),
        "raises": (b.solved(L01, {"first_event_influence": b.body(L01, "first_event_influence",
                                                                  "raise ValueError('not today')")}),
                   [1, 2, 1, 2, 0, 0], {"check_first_event_influence": "raised ValueError: not today"}),
        "endless_loop": (b.solved(L01, {"first_event_influence": b.body(L01, "first_event_influence", """
while True:
    pass
""")}), [1, 2, 1, 2, 0, 0], {"hidden_first_event_influence": "did not finish"}),
        "not_json": (b"{ this is not a notebook", [0, 0, 0, 0, 0, 0], {"check_rnn_cell": "could not be read"}),
        "cell_deleted": (deleted, [1, 2, 1, 2, 0, 0], {"check_first_event_influence": "not implemented"}),
        "retagged": (retagged, [1, 2, 1, 2, 1, 2], {}),
        "renamed": (b.solved(L01, {"rnn_cell": renamed_cell, "rnn_forward": renamed_forward}),
                    [0, 0, 1, 2, 1, 2], {"check_rnn_cell": "no function named rnn_cell"}),
    }


FLAGS_01 = {"retagged": "metadata of cell check_rnn_cell was changed",
            "cell_deleted": "cells were deleted: first_event_influence"}

L02 = "02_learn_gate"
CELLS_02 = ["check_sigmoid", "hidden_sigmoid", "check_learn_gate", "hidden_learn_gate"]


def _02():
    deleted = b.without_cell(b.solved(L02), "learn_gate")
    retagged = b.retagged_as_answer(b.solved(L02), "check_sigmoid")
    renamed_sigmoid = b.rename_function(b.solution_source(L02, "sigmoid"), "sigmoid", "logistic")
    renamed_gate = b.solution_source(L02, "learn_gate").replace("sigmoid(", "logistic(")
    return {
        "correct": (b.solved(L02), [1, 2, 1, 2], {}),
        "untouched": (b.student(L02), [0, 0, 0, 0], {"check_sigmoid": "is not implemented yet"}),
        "partial": (b.solved(L02, skip=("learn_gate",)), [1, 2, 0, 0], {"check_learn_gate": "not implemented"}),
        "naive_sigmoid_warns": (b.solved(L02, {"sigmoid": b.body(L02, "sigmoid", "return 1 / (1 + np.exp(-x))")}),
                                [0, 0, 1, 2], {"check_sigmoid": "printed a warning"}),
        "wrong_shape": (b.solved(L02, {"learn_gate": b.body(L02, "learn_gate", """
joined = np.concatenate([stm, event], axis=1)
return (np.tanh(joined @ W_n + b_n) * sigmoid(joined @ W_i + b_i)).T""")}), [1, 2, 0, 0],
                        {"check_learn_gate": "(transposed?)"}),
        "nan_outputs": (b.solved(L02, {"learn_gate": b.body(L02, "learn_gate",
                                                            "return np.full((len(stm), len(b_n)), np.nan)")}),
                        [1, 2, 0, 0], {"hidden_learn_gate": "NaN"}),
        "raises": (b.solved(L02, {"learn_gate": b.body(L02, "learn_gate", "raise KeyError('W_x')")}),
                   [1, 2, 0, 0], {"check_learn_gate": "raised KeyError"}),
        "endless_loop": (b.solved(L02, {"learn_gate": b.body(L02, "learn_gate", "while True:\n    pass")}),
                         [1, 2, 0, 0], {"hidden_learn_gate": "did not finish"}),
        "not_json": (b"\x00\x01 binary junk", [0, 0, 0, 0], {"check_sigmoid": "could not be read"}),
        "cell_deleted": (deleted, [1, 2, 0, 0], {"check_learn_gate": "not implemented"}),
        "retagged": (retagged, [1, 2, 1, 2], {}),
        "renamed": (b.solved(L02, {"sigmoid": renamed_sigmoid, "learn_gate": renamed_gate}), [0, 0, 1, 2],
                    {"check_sigmoid": "no function named sigmoid"}),
    }


FLAGS_02 = {"retagged": "metadata of cell check_sigmoid was changed",
            "cell_deleted": "cells were deleted: learn_gate"}
TABLES = {L01: (CELLS_01, _01, FLAGS_01), L02: (CELLS_02, _02, FLAGS_02)}


def _mistake_fixtures(lesson):
    """One submission per named misconception: that mistake planted, the rest right.
    It loses the cells of its function only: a function that calls it is judged with the
    reference in its place too, and is right that way (issue 11: each mistake penalised once)."""
    points = {notebooks.grade_id(c): c.metadata.nbgrader["points"] for c in master(lesson).cells
              if c.metadata.get("nbgrader", {}).get("grade")}
    out = {}
    for fn, graded in GRADED.items():
        if graded.lesson != lesson:
            continue
        for m in graded.mistakes:
            expected = {gid: 0 if gid.split("_", 1)[1] == fn else p for gid, p in points.items()}
            out[f"{fn}-{m.name}"] = (b.solved(lesson, {fn: m.source()}), fn, m, expected)
    return out


@pytest.fixture(scope="module")
def graded(bwrap, tmp_path_factory):
    """Each lesson's class of fixtures, graded in one batch per lesson."""
    results = {}
    for lesson, (_, make_table, _) in TABLES.items():
        root = tmp_path_factory.mktemp(f"class{lesson[:2]}")
        table, mistakes = make_table(), _mistake_fixtures(lesson)
        for name, (content, *_rest) in table.items():
            b.write(root / "subs" / name, lesson, content)
        for name, (nb, *_rest) in mistakes.items():
            b.write(root / "subs" / name, lesson, nb)
        states = grade(lesson, root / "subs", root / "out", workers=2, progress=False)
        results[lesson] = ({s["student_id"]: s for s in states}, table, mistakes, root)
    return results


NAMED = [(lesson, name) for lesson, (_, make, _) in TABLES.items() for name in make()]
MISTAKES = [(lesson, name) for lesson in TABLES for name in _mistake_fixtures(lesson)]


@pytest.mark.parametrize("lesson, name", NAMED, ids=[f"{lesson[:2]}-{name}" for lesson, name in NAMED])
def test_named_fixture_gets_its_score_and_message(graded, lesson, name):
    states, table, _, _ = graded[lesson]
    cells, _, flags = TABLES[lesson]
    _, expected, words = table[name]
    state = states[name]
    got = [state["scores"].get(gid, [None])[0] for gid in cells]
    assert got == expected, f"{name}: {got} != {expected}\n{state.get('messages')}"
    for gid, text in words.items():
        assert text in state["messages"][gid], f"{name} {gid}: {state['messages'][gid]!r}"
    if name in flags:
        assert any(flags[name] in f for f in state["flags"]), state["flags"]
    elif name != "not_json":
        assert not state["flags"], f"{name} flagged: {state['flags']}"


@pytest.mark.parametrize("lesson, name", MISTAKES, ids=[f"{lesson[:2]}-{name}" for lesson, name in MISTAKES])
def test_each_misconception_is_named_in_feedback_and_loses_its_points(graded, lesson, name):
    states, _, mistakes, root = graded[lesson]
    _, fn, mistake, expected = mistakes[name]
    state = states[name]
    assert {gid: v[0] for gid, v in state["scores"].items()} == expected
    if mistake.warns:
        assert "printed a warning" in state["messages"][f"check_{fn}"]
    else:
        assert mistake.message in state["messages"][f"check_{fn}"]
        assert state["mistakes"][f"check_{fn}"] == mistake.name
    html = (root / "out" / "feedback" / name / lesson / f"{lesson}.html").read_text()
    assert "hidden_check(" not in html and "BEGIN HIDDEN TESTS" not in html


@pytest.mark.parametrize("lesson", list(TABLES))
def test_outputs_are_where_instructors_expect_them(graded, lesson):
    states, table, mistakes, root = graded[lesson]
    out = root / "out"
    rows = (out / "course_grades.csv").read_text().splitlines()
    assert rows[0].split(",")[:2] == ["student_id", "lesson"] and rows[0].endswith("score,max_score,flags")
    assert len(rows) == 1 + len(table) + len(mistakes)
    assert "score distribution" in (out / "report.html").read_text()
    for name in table:
        assert (out / "feedback" / name / lesson / f"{lesson}.html").is_file()


# --- lessons 03 to 09: hand-written classes in tests/grading/fixtures/lessonNN.py ---------

ROW_TABLES = {m.LESSON: m for m in (lesson03, lesson04, lesson05, lesson06, lesson07, lesson08, lesson09,
                                     lesson10)}


@pytest.fixture(scope="module")
def graded_rows(bwrap, tmp_path_factory):
    """lesson -> (states by student, output folder): each lesson's table graded in one
    batch, the first time one of its rows is asked for."""
    batches = {}

    def batch(lesson):
        if lesson not in batches:
            root = tmp_path_factory.mktemp(f"table{lesson[:2]}")
            for row in ROW_TABLES[lesson].ROWS:
                b.write(root / "subs" / row.name, lesson, fixtures.notebook(lesson, row))
            # one course secret for every run, so that each row meets the same hidden inputs
            (root / "out").mkdir()
            (root / "out" / "course_secret").write_text(f"fixture-tables-{lesson}\n")
            states = grade(lesson, root / "subs", root / "out", workers=2, progress=False)
            batches[lesson] = ({s["student_id"]: s for s in states}, root / "out")
        return batches[lesson]
    return batch


ROWS = [pytest.param(lesson, row, id=f"{lesson[:2]}-{row.name}",
                     marks=[pytest.mark.xfail(strict=True, reason=row.xfail)] if row.xfail else [])
        for lesson, module in ROW_TABLES.items() for row in module.ROWS]


@pytest.mark.parametrize("lesson, row", ROWS)
def test_hand_written_submission_gets_a_fair_score_and_message(graded_rows, lesson, row):
    states, _ = graded_rows(lesson)
    cells, state = ROW_TABLES[lesson].CELLS, states[row.name]
    got = [state["scores"].get(gid, [None])[0] for gid in cells]
    assert got == row.scores, f"{row.name}: {got} != {row.scores}\n{state.get('messages') or state.get('error')}"
    for gid, phrase in row.says.items():
        assert phrase in state["messages"][gid], f"{row.name} {gid}: {state['messages'][gid]!r}"
    for gid, mistake in row.named.items():
        assert state["mistakes"].get(gid) == mistake, f"{row.name} {gid}: {state['messages'][gid]!r}"
    for gid, points in zip(cells, got):
        if points:
            assert gid not in state["mistakes"], f"{row.name} {gid} passed but names {state['mistakes'][gid]}"
    assert not state["flags"], f"{row.name} flagged: {state['flags']}"


@pytest.mark.parametrize("lesson", list(ROW_TABLES))
def test_every_graded_function_and_misconception_has_rows(lesson):
    """At least three right answers per graded function, one of them in float32, and a
    hand-written submission for each named misconception."""
    module = ROW_TABLES[lesson]
    named = {m for row in module.ROWS for m in [*row.named.values(), row.plants]}
    for fn, entry in GRADED.items():
        if entry.lesson != lesson:
            continue
        mine = [i for i, c in enumerate(module.CELLS) if c.split("_", 1)[1] == fn]
        assert mine, f"CELLS of {lesson} lack {fn}'s cells"
        right = [row for row in module.ROWS if fn in row.answers
                 and all(row.scores[i] == fixtures.full(module.CELLS)[i] for i in mine)]
        assert len(right) >= 3, f"{fn}: {len(right)} right answers"
        assert any("float32" in row.answers[fn] for row in right), f"{fn}: no right answer in float32"
        # a mistake found by the warning it prints (warns=True) is told by that warning, not by name
        missing = [m.name for m in entry.mistakes if m.name not in named and not m.warns]
        assert not missing, f"{fn}: no row for {', '.join(missing)}"


def test_every_graded_lesson_has_a_table():
    lessons = {g.lesson for g in GRADED.values()}
    assert lessons - set(TABLES) - set(ROW_TABLES) == set()
