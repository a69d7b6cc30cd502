"""What the lesson tests share: the list of lessons and running their cells in-process."""

import contextlib
import io
import os
from pathlib import Path

from autograder import notebooks
from autograder.graded import GRADED
from autograder.release import lesson_names

ROOT = Path(__file__).resolve().parents[2]
LESSONS = lesson_names(ROOT)
GRADED_LESSONS = [name for name in LESSONS if any(g.lesson == name for g in GRADED.values())]


def master(lesson):
    return notebooks.read(ROOT / "source" / lesson / f"{lesson}.ipynb")


def student(lesson):
    return notebooks.read(ROOT / "lessons" / lesson / f"{lesson}.ipynb")


@contextlib.contextmanager
def grading_env(on=True):
    """Set or clear NBGRADER_EXECUTION, as nbgrader does while it grades."""
    old = os.environ.pop("NBGRADER_EXECUTION", None)
    if on:
        os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        yield
    finally:
        os.environ.pop("NBGRADER_EXECUTION", None)
        if old is not None:
            os.environ["NBGRADER_EXECUTION"] = old


def run_cells(nb, replace=None, upto=None, stop_on_error=True, skip_tests=False):
    """The tests' one notebook runner: run the code cells in one namespace, in-process.

    replace maps grade_ids to new sources (a planted mistake); upto stops after that
    cell; skip_tests leaves out the check and hidden cells. A failing test cell is
    recorded; any other failing cell raises when stop_on_error.
    Returns (namespace, {grade_id or index: (value, error, stdout)}).
    """
    namespace = {"__name__": "__lesson__"}
    results = {}
    for gid, source in notebooks.code_cells(nb, replace, upto):
        is_test = str(gid).startswith(("check_", "hidden_"))
        if is_test and skip_tests:
            continue
        out = io.StringIO()
        value = error = None
        with contextlib.redirect_stdout(out):
            try:
                value = notebooks.run_source(source, namespace)
            except Exception as exc:  # noqa: BLE001 - recorded for the test to judge
                error = exc
        results[gid] = (value, error, out.getvalue())
        if error is not None and stop_on_error and not is_test:
            raise error
    return namespace, results


def run_in_process(nb, replace=None, upto=None, stop_on_error=True):
    """{grade_id: (value, error, stdout)} of :func:`run_cells`."""
    return run_cells(nb, replace, upto, stop_on_error)[1]
