"""Explorers in a real JupyterLab: find them, read their image, move a slider and
time the redraw. Shared by tests/browser/test_explorers_in_browser.py and
bench/browser_latency.py."""

import re
import statistics
import time

# the image as the page shows it: CSS size, device pixels, pixel ratio, a hash of its bytes
IMAGE_STATE = """async (el) => {
    const bytes = new Uint8Array(await (await fetch(el.src)).arrayBuffer());
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return {src: el.src, complete: el.complete, cssWidth: el.getBoundingClientRect().width,
            cssHeight: el.getBoundingClientRect().height, naturalWidth: el.naturalWidth,
            naturalHeight: el.naturalHeight, ratio: window.devicePixelRatio,
            hash: Array.from(digest.slice(0, 8)).map(b => b.toString(16).padStart(2, '0')).join('')};
}"""

# counts changes of the image's src from now on (window.__redraws[key])
COUNT_REDRAWS = """(el, key) => {
    window.__redraws = window.__redraws || {};
    window.__redraws[key] = 0;
    new MutationObserver(() => { window.__redraws[key] += 1; })
        .observe(el, {attributes: true, attributeFilter: ['src']});
}"""


def explorer_cells(page):
    """[(name, cell locator)] of every code cell showing an explorer, in notebook order;
    the name is its draw function's, which the explorer gives its box as a class."""
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell",
                         has=page.locator(".lessonkit-explorer"))
    found = []
    for k in range(cells.count()):
        cell = cells.nth(k)
        classes = cell.locator(".lessonkit-explorer").first.get_attribute("class")
        match = re.search(r"lessonkit-draws-(\S+)", classes)
        found.append((match.group(1) if match else f"explorer {k + 1}", cell))
    return found


def image_of(cell):
    return cell.locator(".lessonkit-explorer img.widget-image").first


def image_state(image):
    return image.evaluate(IMAGE_STATE)


def wait_crisp(page, image, timeout=60_000):
    """Until the image is loaded with one device pixel per screen pixel (the ratio
    probe's redraw has arrived); returns its state."""
    page.wait_for_function(
        """(el) => el.complete && el.naturalWidth > 0
                   && Math.abs(el.naturalWidth - el.getBoundingClientRect().width * window.devicePixelRatio) <= 1""",
        arg=image.element_handle(), timeout=timeout)
    return image_state(image)


def move_and_time(page, cell, moves=6, timeout=30_000):
    """Press an arrow key on each slider of the explorer in turn (right, left, ...), and
    time each press until the redrawn image is shown. Returns the seconds of each move."""
    image = image_of(cell)
    handles = cell.locator(".lessonkit-explorer .noUi-handle")
    latencies = []
    for h in range(handles.count()):
        handle = handles.nth(h)
        handle.scroll_into_view_if_needed()
        handle.focus()
        at_max = float(handle.get_attribute("aria-valuenow")) >= float(handle.get_attribute("aria-valuemax"))
        keys = ("ArrowLeft", "ArrowRight") if at_max else ("ArrowRight", "ArrowLeft")
        for k in range(moves):
            old = image.get_attribute("src")
            start = time.perf_counter()
            page.keyboard.press(keys[k % 2])
            page.wait_for_function("([el, old]) => el.getAttribute('src') !== old && el.complete",
                                   arg=[image.element_handle(), old], timeout=timeout)
            latencies.append(time.perf_counter() - start)
    return latencies


def summary(latencies):
    return statistics.median(latencies), max(latencies)
