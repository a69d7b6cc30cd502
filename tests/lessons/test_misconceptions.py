"""Each named misconception, planted in a copy of the master, gets its own message from
the visible check and fails the hidden test."""

import pytest

from autograder.graded import GRADED
from lessonkit.checks import CheckFailed

from .lessons import grading_env, master, run_in_process

CASES = [(g.lesson, fn, m) for fn, g in GRADED.items() for m in g.mistakes]


@pytest.mark.parametrize("lesson, fn, mistake", CASES, ids=[f"{fn}-{m.name}" for _, fn, m in CASES])
def test_planted_misconception_is_named_and_loses_hidden_points(lesson, fn, mistake):
    with grading_env():
        results = run_in_process(master(lesson), replace={fn: mistake.source()}, upto=f"hidden_{fn}")
    _, error, printed = results[f"check_{fn}"]
    assert isinstance(error, CheckFailed), f"the visible check of {fn} passed with {mistake.name}"
    printed += str(error)  # under nbgrader the report is the exception's message, shown once
    if mistake.warns:
        assert "printed a warning" in printed
    else:
        assert mistake.message in printed, f"{mistake.name} not named; the check said:\n{printed}"
        others = [m.message for m in GRADED[fn].mistakes if m is not mistake]
        assert not any(message in printed for message in others), "another misconception was named"
    _, hidden_error, _ = results[f"hidden_{fn}"]
    assert isinstance(hidden_error, CheckFailed), f"the hidden test of {fn} passed with {mistake.name}"


@pytest.mark.parametrize("fn", sorted(GRADED))
def test_master_passes_checks_in_process(fn):
    with grading_env():
        results = run_in_process(master(GRADED[fn].lesson), upto=f"hidden_{fn}")
    for gid in (f"check_{fn}", f"hidden_{fn}"):
        assert results[gid][1] is None, f"{gid}: {results[gid][1]}"
