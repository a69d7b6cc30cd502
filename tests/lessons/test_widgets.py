"""Explorers and plots, without a browser: they draw with the student's functions,
redraw when a slider moves, and say what to implement first in a blank notebook."""

import numpy as np
import pytest

from lessonkit.plots import figure_pixels
from lessonkit.widgets import Explorer

from .lessons import LESSONS, grading_env, master, run_in_process, student


def explorers(nb):
    with grading_env(on=False):
        results = run_in_process(nb)
    return [(gid, value) for gid, (value, _, _) in results.items()
            if isinstance(value, Explorer) and value.controls]


@pytest.mark.parametrize("lesson", [name for name in LESSONS if name != "00_index"])
def test_explorers_redraw_when_a_slider_moves(lesson):
    found = explorers(master(lesson))
    assert found, f"{lesson} has no explorer"
    for gid, explorer in found:
        assert explorer.update() == "ok", f"{lesson} {gid}: {explorer.status}"
        before = figure_pixels(explorer.figure)
        for name, control in explorer.controls.items():
            start = control.value
            other = control.max if control.value != control.max else control.min
            assert explorer.update(**{name: other}) == "ok", f"{lesson} {gid} {name}={other}"
            after = figure_pixels(explorer.figure)
            assert before.shape != after.shape or not np.array_equal(before, after), \
                f"{lesson} {gid}: moving {name} did not change the figure"
            explorer.update(**{name: start})


@pytest.mark.parametrize("lesson", [name for name in LESSONS if name != "00_index"])
def test_blank_lesson_explorers_ask_for_the_function(lesson):
    for gid, explorer in explorers(student(lesson)):
        assert explorer.update() == "todo", f"{lesson} {gid}: {explorer.status}"
        text = " ".join(t.get_text() for t in explorer.figure.texts)
        assert text.startswith("Implement ") and "first" in text
