"""In a real browser: time from opening a lesson to its first plot, and from a
slider move to the redrawn plot (median of 20 moves). Goal: redraw within 200 ms.

    .venv/bin/python bench/browser_latency.py

Starts JupyterLab on loopback and Debian's Chromium (as the browser tests do),
opens lesson 01 with its answers filled in, runs all cells and moves the story
explorer's `w` slider one step at a time.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from timing import table  # noqa: E402

from tests.browser.lab import code_cell, lab_server, launch, open_notebook, run_all, wait_idle  # noqa: E402
from tests.grading import builders as b  # noqa: E402

MOVES = 20


def main():
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, lab_server(tmp) as (base, token, root):
        nbformat.write(b.solved("01_rnn"), str(root / "lessons" / "01_rnn" / "01_rnn_solved.ipynb"))
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            start = time.perf_counter()
            open_notebook(page, base, token, "lessons/01_rnn/01_rnn_solved.ipynb")
            run_all(page)
            page.locator(".jp-OutputArea-output img").first.wait_for(timeout=120_000)
            first_plot = time.perf_counter() - start
            wait_idle(page)

            story = code_cell(page, "def draw_story(")
            story.scroll_into_view_if_needed()
            image = story.locator("img").first
            image.wait_for()
            handle = story.locator(".noUi-handle").first
            handle.focus()
            latencies = []
            for k in range(MOVES):
                old = image.get_attribute("src")
                t0 = time.perf_counter()
                page.keyboard.press("ArrowLeft" if k % 2 else "ArrowRight")
                page.wait_for_function("([el, old]) => el.getAttribute('src') !== old && el.complete",
                                       arg=[image.element_handle(), old], timeout=10_000)
                latencies.append(time.perf_counter() - t0)
            browser.close()
    median = statistics.median(latencies)
    print("Lesson 01 in JupyterLab, Chromium headless, this machine")
    table([["open the lesson, Run All, first plot shown", f"{first_plot * 1000:.0f}", "-"],
           [f"slider move -> redrawn plot (median of {MOVES})", f"{median * 1000:.0f}", f"{median / 0.2:.2f}"],
           ["slowest of the moves", f"{max(latencies) * 1000:.0f}", f"{max(latencies) / 0.2:.2f}"]],
          ["measure", "ms", "vs 200 ms goal"])


if __name__ == "__main__":
    main()
