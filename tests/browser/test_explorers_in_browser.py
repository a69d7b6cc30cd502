"""Explorers as a student sees them, in JupyterLab in Chromium: the image is shown at
its figure's own width, with one image pixel per screen pixel (at pixel ratio 1 and
2), a slider move redraws it, and a drag redraws it once, when the mouse is released."""

import nbformat
import pytest

from ..grading import builders as b
from .conftest import shot
from .explorers import COUNT_REDRAWS, explorer_cells, image_of, image_state, wait_crisp
from .lab import open_notebook, run_all, wait_idle

SOLVED = "lessons/01_rnn/01_rnn_solved.ipynb"
CSS_WIDTH = 720            # draw_story's figure: 8 inches at lessonkit.widgets.CSS_DPI = 90


@pytest.fixture(scope="module")
def solved_lab(lab):
    base, token, root = lab
    nbformat.write(b.solved("01_rnn"), str(root / SOLVED))
    return base, token


@pytest.mark.parametrize("ratio", [1, 2])
def test_a_slider_move_redraws_a_crisp_image(solved_lab, browser, ratio):
    base, token = solved_lab
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=ratio)
    page = context.new_page()
    try:
        open_notebook(page, base, token, SOLVED)
        run_all(page)
        wait_idle(page)
        explorers = dict(explorer_cells(page))
        assert "draw_story" in explorers, list(explorers)
        cell = explorers["draw_story"]
        cell.scroll_into_view_if_needed()
        image = image_of(cell)
        before = wait_crisp(page, image)
        assert before["ratio"] == ratio
        # shown at the figure's own width, not stretched to the notebook's
        assert abs(before["cssWidth"] - CSS_WIDTH) <= 0.5, before
        assert abs(before["naturalWidth"] - CSS_WIDTH * ratio) <= 1, before
        assert abs(before["naturalHeight"] - before["cssHeight"] * ratio) <= 1, before
        shot(page, f"explorer_dpr{ratio}_before", image)

        handle = cell.locator(".noUi-handle").first
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("([el, old]) => el.getAttribute('src') !== old && el.complete",
                               arg=[image.element_handle(), before["src"]], timeout=60_000)
        after = wait_crisp(page, image)
        assert after["hash"] != before["hash"], "the slider moved but the image bytes did not change"
        assert abs(after["naturalWidth"] - CSS_WIDTH * ratio) <= 1, after
        shot(page, f"explorer_dpr{ratio}_after", image)
    finally:
        context.close()


def test_a_drag_redraws_once_after_release(solved_lab, page):
    base, token = solved_lab
    open_notebook(page, base, token, SOLVED)
    run_all(page)
    wait_idle(page)
    cell = dict(explorer_cells(page))["draw_story"]
    cell.scroll_into_view_if_needed()
    image = image_of(cell)
    wait_crisp(page, image)
    page.wait_for_timeout(1000)
    image.evaluate(COUNT_REDRAWS, "drag")
    box = cell.locator(".noUi-handle").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 16):                       # a drag of 150 px, in 15 steps
        page.mouse.move(x - 10 * step, y)
        page.wait_for_timeout(60)
    page.wait_for_timeout(1500)
    during = page.evaluate("window.__redraws['drag']")
    page.mouse.up()
    page.wait_for_function("() => window.__redraws['drag'] >= 1", timeout=60_000)
    wait_idle(page)
    page.wait_for_timeout(2000)
    assert during == 0, f"the image was redrawn {during} times while the slider was still held"
    assert page.evaluate("window.__redraws['drag']") == 1
    assert image_state(image)["complete"]
