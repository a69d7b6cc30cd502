"""The course as a student meets it: JupyterLab in Chromium, from the index to a
passing check, a slider that redraws, and nbgrader's Validate button."""

import numpy as np
from playwright.sync_api import expect

from autograder.graded import GRADED

from ..grading.builders import solution_source
from .conftest import shot
from .lab import code_cell, dismiss_dialogs, open_notebook, replace_source, run_all, wait_idle

LESSON = "lessons/01_rnn/01_rnn.ipynb"


def _png_pixels(path):
    from matplotlib.image import imread

    return imread(str(path))


def test_index_opens_with_the_lesson_map(lab, page):
    base, token, _ = lab
    open_notebook(page, base, token, "lessons/00_index/00_index.ipynb")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    for lesson in ("01 · The RNN", "05 · The use gate", "09 · The GRU", "How to work through a lesson"):
        expect(panel).to_contain_text(lesson, timeout=30_000)
    # the learners' settings: no formgrader in the menus or launcher
    assert page.locator("text=Formgrader").count() == 0
    shot(page, "00_index")


def test_a_student_works_through_lesson_01(lab, page):
    base, token, _ = lab
    open_notebook(page, base, token, LESSON)
    run_all(page)
    # Run All runs on past the failing checks; the first names the function to implement
    check = code_cell(page, "check(rnn_cell)")
    page.wait_for_timeout(1000)
    wait_idle(page)
    check.scroll_into_view_if_needed()
    expect(check).to_contain_text("rnn_cell is not implemented yet", timeout=120_000)
    shot(page, "01_blank_check", check)

    def answer(fn, check_text):
        """Type the answer into the editor, run it and its check."""
        dismiss_dialogs(page)
        cell = code_cell(page, f"def {fn}(")
        cell.scroll_into_view_if_needed()
        replace_source(page, cell, solution_source("01_rnn", fn))
        page.keyboard.press("Shift+Enter")     # run the answer, move to its check
        page.keyboard.press("Shift+Enter")     # run the check
        result = code_cell(page, f"check({fn})")
        result.scroll_into_view_if_needed()
        expect(result).to_contain_text(check_text, timeout=120_000)

    def run_explorer():
        story = code_cell(page, "def draw_story(")
        story.scroll_into_view_if_needed()
        story.locator(".cm-content").click()
        page.keyboard.press("Shift+Enter")
        image = story.locator("img").first
        image.wait_for(timeout=60_000)
        wait_idle(page)
        page.wait_for_timeout(300)
        return story, image

    answer("rnn_cell", f"All {len(GRADED['rnn_cell'].cases)} checks of rnn_cell pass.")
    story, image = run_explorer()
    todo = shot(page, "01_explorer_asks_for_rnn_forward", image)

    answer("rnn_forward", f"All {len(GRADED['rnn_forward'].cases)} checks of rnn_forward pass.")
    shot(page, "01_check_passes", code_cell(page, "check(rnn_forward)"))
    story, image = run_explorer()
    before = shot(page, "01_explorer_before", image)
    assert not np.array_equal(_png_pixels(todo), _png_pixels(before)) if _png_pixels(todo).shape == \
        _png_pixels(before).shape else True
    handle = story.locator(".noUi-handle").first
    handle.focus()
    old_src = image.get_attribute("src")
    for _ in range(6):
        page.keyboard.press("ArrowLeft")
    page.wait_for_function("([el, old]) => el.getAttribute('src') !== old",
                           arg=[image.element_handle(), old_src], timeout=20_000)
    wait_idle(page)
    page.wait_for_timeout(300)
    after = shot(page, "01_explorer_after", image)
    a, b = _png_pixels(before), _png_pixels(after)
    assert a.shape != b.shape or not np.array_equal(a, b), "the plot did not change when the slider moved"

    # nbgrader's Validate button runs the notebook as the grader would and reports
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar").get_by_text("Validate").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=120_000)
    page.wait_for_function("() => !document.querySelector('.jp-Dialog').innerText.includes('Validating')",
                           timeout=120_000)
    text = dialog.inner_text()
    shot(page, "01_validate", dialog)
    assert "first_event_influence" in text or "failed" in text.lower(), text
