"""How a check's result reaches the student (lessonkit.report_display) and the progress
notes (lessonkit.progress): the reason once, a line per case, expected beside got, no
frame of the course's code; interactive checks never raise, graded ones do."""

import json
import os

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import solutions
from autograder.graded import GRADED
from lessonkit import check, progress
from lessonkit.checks import CheckFailed
from lessonkit.report_display import WIDTH

from .lessons import grading_env


def planted(fn, index=0):
    """The graded function ``fn`` with its misconception ``index`` planted, and the message."""
    mistake = GRADED[fn].mistakes[index]
    others = [name for name in dir(solutions) if name != fn and not name.startswith("_")]
    namespace = {"np": np, **{name: getattr(solutions, name) for name in others}}
    exec(mistake.source(), namespace)  # noqa: S102 - the lesson module's own wrong function
    return namespace[fn], mistake.message


@pytest.fixture
def notes(tmp_path, monkeypatch):
    where = tmp_path / progress.FILE_NAME
    monkeypatch.setenv("LESSONKIT_PROGRESS_FILE", str(where))
    return where


def test_interactive_failing_check_reports_once_and_does_not_raise(notes, capsys):
    wrong, message = planted("learn_gate")
    with grading_env(on=False):
        assert check(wrong) is None
    text = capsys.readouterr().out
    assert text.startswith(f"✗ {message[:40]}")
    assert text.replace("\n  ", " ").count(message[:60]) == 1, text
    for case in GRADED["learn_gate"].cases:
        assert case.what.split(":")[0][:30] in text.replace("\n    ", " ")
    assert "Traceback" not in text and "lessonkit" not in text
    assert "expected" in text and "got" in text and "*" in text
    assert json.loads(notes.read_text())["functions"]["learn_gate"]["status"] == "fail"


def test_graded_failing_check_raises_with_the_reason_first_and_no_frames(notes):
    wrong, message = planted("rnn_forward")
    with grading_env(), pytest.raises(CheckFailed) as caught:
        check(wrong)
    lines = caught.value._render_traceback_()
    assert lines[0].startswith("✗ ") and " ".join(lines).count(message[:50]) == 1
    assert all(len(line) <= WIDTH for line in lines), [line for line in lines if len(line) > WIDTH]
    assert not any("Traceback" in line or ".py" in line for line in lines)
    assert message in str(caught.value)
    assert not notes.exists(), "no progress is noted while nbgrader executes"


def test_html_has_a_line_per_case_the_hint_once_and_the_differing_entries_marked():
    from lessonkit import report_display
    from lessonkit.checks import run_cases

    wrong, message = planted("lstm_cell")
    report = report_display.build(wrong, "lstm_cell", run_cases(wrong, "lstm_cell"))
    page = report._repr_html_()
    import html

    assert page.count(html.escape(message)) == 1
    assert page.count("<li>") == len(GRADED["lstm_cell"].cases)
    assert "rgba(198, 40, 40" in page, "the differing entries of got are highlighted"
    assert repr(report).splitlines()[0].startswith("✗ ")


def test_not_implemented_is_one_line():
    def rnn_cell(memory, event, W, b):
        raise NotImplementedError()

    with grading_env(), pytest.raises(CheckFailed) as caught:
        check(rnn_cell)
    text = "\n".join(caught.value._render_traceback_())
    assert text.startswith("✗ rnn_cell is not implemented yet") and "✓" not in text and "checks of" not in text


def test_passing_check_lists_every_case(notes, capsys):
    with grading_env(on=False):
        check(solutions.sigmoid)
    text = capsys.readouterr().out
    assert text.startswith(f"✓ All {len(GRADED['sigmoid'].cases)} checks of sigmoid pass.")
    assert text.count("  ✓ ") == len(GRADED["sigmoid"].cases)
    assert json.loads(notes.read_text())["functions"]["sigmoid"]["status"] == "pass"


def test_progress_file_survives_corruption_and_sits_beside_the_lessons(tmp_path, monkeypatch):
    monkeypatch.delenv("LESSONKIT_PROGRESS_FILE")
    lesson = tmp_path / "lessons" / "02_learn_gate"
    lesson.mkdir(parents=True)
    assert progress.path(lesson) == tmp_path / "lessons" / progress.FILE_NAME
    assert progress.path(tmp_path) == tmp_path / progress.FILE_NAME
    where = progress.path(lesson)
    where.write_text("{not json")
    assert progress.read(where) == {"functions": {}}
    from lessonkit.checks import run_cases

    progress.record("sigmoid", run_cases(solutions.sigmoid, "sigmoid"), where)
    assert json.loads(where.read_text())["functions"]["sigmoid"]["status"] == "pass"
    assert [p.name for p in where.parent.iterdir() if p.is_file()] == [progress.FILE_NAME], "no temporary left"


def test_course_and_lesson_progress_show_each_function(notes, capsys):
    from lessonkit.checks import run_cases

    progress.record("rnn_cell", run_cases(solutions.rnn_cell, "rnn_cell"))
    with grading_env(on=False):
        progress.course_progress()
        progress.lesson_progress("01_rnn", {"rnn_cell": solutions.rnn_cell, "rnn_forward": planted("rnn_forward")[0]})
    text = capsys.readouterr().out
    assert "✓ rnn_cell: passes its checks" in text and "· sigmoid: not checked yet" in text
    assert "✗ rnn_forward: fails" in text and "first_event_influence: not defined yet" in text
    with grading_env():
        progress.lesson_progress("01_rnn", {})
    assert "off while the notebook is being graded" in capsys.readouterr().out


def test_only_the_last_lesson_says_it_is_the_last(notes, capsys):
    """A lesson whose functions all pass sends the student on to the next lesson, except
    the course's last one, which has no next lesson."""
    entries = progress.course()
    for entry in (entries[0], entries[-1]):
        with grading_env(on=False):
            progress.lesson_progress(entry["lesson"], {fn: getattr(solutions, fn) for fn in entry["functions"]})
        text = capsys.readouterr().out
        assert f"{len(entry['functions'])} of {len(entry['functions'])} graded functions pass" in text
        if entry is entries[-1]:
            assert "next lesson" not in text and "last lesson" in text, text
        else:
            assert "on to the next lesson" in text, text


def test_the_course_is_read_from_the_lesson_notebooks():
    from lessonkit import stored

    found = {entry["lesson"]: entry["functions"] for entry in progress.course()}
    assert {"01_rnn", "02_learn_gate", "09_gru"} <= found.keys()
    for lesson, functions in found.items():
        assert functions == [fn for fn, g in GRADED.items() if g.lesson == lesson and fn in stored.available()]
    assert progress.course()[0]["title"].startswith("01 · ")


def test_a_real_kernel_shows_no_frame_of_the_course(tmp_path):
    """IPython renders CheckFailed by its _render_traceback_: under nbgrader the error
    output is the report; interactively there is no error at all."""
    mistake = GRADED["sigmoid"].mistakes[0].source()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import numpy as np\n" + mistake),
                                         nbformat.v4.new_code_cell("from lessonkit import check"),
                                         nbformat.v4.new_code_cell("check(sigmoid)")])
    for graded in (True, False):
        with grading_env(on=graded):
            os.environ["LESSONKIT_PROGRESS_FILE"] = str(tmp_path / "notes.json")
            ran = NotebookClient(nbformat.from_dict(nb), timeout=120, allow_errors=True, kernel_name="python3",
                                 resources={"metadata": {"path": str(tmp_path)}}).execute()
        outputs = ran.cells[2].outputs
        errors = [o for o in outputs if o.output_type == "error"]
        if graded:
            assert len(errors) == 1 and errors[0].traceback[0].startswith("✗ "), errors
            shown = "\n".join(errors[0].traceback)
        else:
            assert not errors and outputs[0].output_type == "display_data"
            assert {"text/html", "text/plain"} <= set(outputs[0].data)
            shown = outputs[0].data["text/plain"] + outputs[0].data["text/html"]
        assert "Traceback" not in shown and "lessonkit" not in shown and "checks.py" not in shown


def test_stored_metadata_is_what_the_python3_kernel_fills_in():
    """JupyterLab marks a notebook modified when its kernel's kernelspec or language_info
    differ from the stored ones (tests/browser/test_student_view.py sees no dot)."""
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_client.kernelspec import KernelSpecManager

    from autograder import notebooks

    from .lessons import LESSONS, ROOT, master, student

    spec = KernelSpecManager().get_kernel_spec("python3")
    assert notebooks.KERNEL_METADATA["kernelspec"] == {"display_name": spec.display_name,
                                                       "language": spec.language, "name": "python3"}
    stored = dict(notebooks.KERNEL_METADATA["language_info"])
    # the patch release is the one thing another Python fills in differently: such a
    # notebook shows as modified once on that Python, as notebooks.KERNEL_METADATA says
    running = dict(IPythonKernel.language_info)
    if running.get("version") != stored.get("version"):
        running.pop("version"), stored.pop("version")
    assert stored == running
    for lesson in LESSONS:
        if (ROOT / "lessons" / lesson).is_dir():
            for nb in (master(lesson), student(lesson)):
                assert {k: nb.metadata.get(k) for k in notebooks.KERNEL_METADATA} == notebooks.KERNEL_METADATA, \
                    f"{lesson}: run `python -m autograder sync {lesson}`"


def test_the_students_tree_holds_only_the_lesson_folders():
    from .lessons import ROOT

    stray = [p.name for p in (ROOT / "lessons").iterdir() if not p.is_dir() and not p.name.startswith(".")]
    assert not stray, f"lessons/ is what the student sees: move {stray} to source/ or docs/"


def _lessons_with_student_versions():
    from .lessons import LESSONS, ROOT

    return [lesson for lesson in LESSONS if (ROOT / "lessons" / lesson).is_dir()]


@pytest.mark.parametrize("lesson", _lessons_with_student_versions())
def test_a_fresh_student_version_runs_to_its_last_cell(lesson, notes):
    """Outside nbgrader no cell of a blank notebook raises: the checks report, the
    explorers and plots say what to implement, and Run All reaches the end, where a
    graded lesson shows which of its checks pass."""
    import matplotlib

    matplotlib.use("Agg")
    from .lessons import run_cells, student

    nb = student(lesson)
    with grading_env(on=False):
        _, results = run_cells(nb, stop_on_error=False)
    raised = {gid: f"{type(e).__name__}: {e}" for gid, (_, e, _) in results.items() if e is not None}
    assert not raised, raised
    if any(g.lesson == lesson for g in GRADED.values()):
        last = [c for c in nb.cells if c.cell_type == "code"][-1].source
        assert f'lesson_progress("{lesson}")' in last, \
            f"{lesson} must end with a code cell calling lesson_progress({lesson!r}) (source/README.md)"


def test_an_error_raised_on_cases_of_other_sizes_is_shown_once():
    """The same mistake raises with other numbers in its message on each case: the
    report says it once, at the top, not again under every case."""
    import numpy as np

    from lessonkit import report_display
    from lessonkit.checks import run_cases

    def lstm_cell(ltm, stm, event, params, variant="lesson"):
        np.concatenate([stm, event], axis=0)
        return ltm, stm

    text = report_display.build(lstm_cell, "lstm_cell", run_cases(lstm_cell, "lstm_cell")).text()
    assert text.count("np.concatenate joins along axis 0") == 1, text
