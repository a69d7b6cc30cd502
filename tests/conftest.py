"""Shared pytest setup.

In CI (``CI=true``) a skipped test is a failure: every tool a test needs must be
installed by ``.ci/run``. Locally, tests that need an optional tool skip with a
message saying how to install it.
"""

import os
import tempfile

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"

# checks the tests run note the student's progress in a scratch file, not in the repository
os.environ.setdefault("LESSONKIT_PROGRESS_FILE",
                      os.path.join(tempfile.mkdtemp(prefix="lessonkit-progress-"), ".course_progress.json"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may skip: {reason}"


@pytest.fixture(scope="session")
def torch():
    """PyTorch in float64, or a skip that says how to get it."""
    try:
        import torch
    except ImportError:
        pytest.skip("PyTorch cross-checks need torch: .venv/bin/pip install torch==2.13.0")
    torch.set_default_dtype(torch.float64)
    return torch


# --- one marker per lesson: `pytest -m lesson03` selects every test that matters for it ---

def _lesson_index():
    from autograder.graded import GRADED
    from autograder.release import lesson_names

    lessons = lesson_names()
    by_number = {name[:2]: name for name in lessons}
    functions = {fn: g.lesson for fn, g in GRADED.items()}
    return lessons, by_number, functions


def _lessons_of(item, lessons, by_number, functions):
    """The lessons a test is about: from its folder (tests/NN_name/), its module
    (test_lessonNN.py), its parameters (a lesson, a graded function, "NN-..." ids) or a
    graded function named in the test's own name."""
    found = set()
    path = item.path
    for part in path.parts:
        if part[:2] in by_number and part[2:3] == "_":
            found.add(by_number[part[:2]])
    if path.stem.startswith("test_lesson") and path.stem[11:13] in by_number:
        found.add(by_number[path.stem[11:13]])
    callspec = getattr(item, "callspec", None)
    values = list(callspec.params.values()) if callspec else []
    for value in values:
        if isinstance(value, str):
            if value in lessons:
                found.add(value)
            elif value in functions:
                found.add(functions[value])
    if callspec and callspec.id[:2] in by_number and callspec.id[2:3] == "-":
        found.add(by_number[callspec.id[:2]])
    named = [fn for fn in functions if fn in item.name]
    if named:
        found.add(functions[max(named, key=len)])
    return found


def pytest_configure(config):
    from autograder.release import lesson_names

    for name in lesson_names():
        config.addinivalue_line("markers", f"lesson{name[:2]}: tests that matter for lesson {name}")


def pytest_collection_modifyitems(config, items):
    index = _lesson_index()
    for item in items:
        for lesson in _lessons_of(item, *index):
            item.add_marker(getattr(pytest.mark, f"lesson{lesson[:2]}"))
