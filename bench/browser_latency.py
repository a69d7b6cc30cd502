"""Every explorer of every lesson: slider move -> redrawn image, against the 200 ms goal.

    .venv/bin/python bench/browser_latency.py            # both tables, every lesson
    .venv/bin/python bench/browser_latency.py --kernel   # the kernel's redraw time only
    .venv/bin/python bench/browser_latency.py 03 09      # only lessons whose name has 03 or 09

Browser: JupyterLab on loopback and Debian's Chromium (as the browser tests), each lesson
opened with its answers filled in, Run All, then for every explorer each slider is moved
MOVES times by an arrow key (right, left, ...), each time waiting until the redrawn
image is shown. Kernel: the same explorers run in this process (no browser, no comm);
each move is one redraw at the given pixel ratio, timed in wall and in CPU seconds.
On a shared machine the wall times are inflated by the other processes; the kernel's
CPU time is the steadier figure.
"""

import os
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

MOVES = 4          # per slider
NEW_VALUES = 3     # per slider, kernel side: moves to values not shown before
GOAL = 0.2         # seconds from a slider move to the redrawn image


def lessons(only):
    from tests.lessons.lessons import LESSONS

    return [name for name in LESSONS if name != "00_index" and (not only or any(o in name for o in only))]


def _next_value(control, k):
    """A value one step away from the control's (right, left, ... ; back off at an end)."""
    if hasattr(control, "step") and hasattr(control, "max"):
        step = control.step if k % 2 == 0 else -control.step
        value = control.value + step
        return value if control.min <= value <= control.max else control.value - step
    if hasattr(control, "options"):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return values[(values.index(control.value) + 1) % len(values)]
    return not control.value


def _unseen_values(control, count):
    """Up to ``count`` values of a slider that the moves above never reached (2, 3, ... steps
    away from where they left it, on whichever side has room)."""
    if not (hasattr(control, "step") and hasattr(control, "max")):
        return []
    values = []
    for k in range(2, 2 + 2 * count):
        for value in (control.value + k * control.step, control.value - k * control.step):
            if control.min <= value <= control.max and len(values) < count:
                values.append(value)
        if len(values) >= count:
            break
    return values


def kernel_table(names, ratio):
    """Each explorer's redraw in this process: [(explorer, wall median, cpu median, cpu slowest,
    cpu median of NEW_VALUES more moves per slider to values not shown before)]. An explorer
    may keep what it computed per slider value (lessonkit.widgets.remembered), so a move back
    to a value is quicker than a move to a new one; the last column is the new values' alone
    (for lesson 08's seed slider, a new seed is trained: seconds)."""
    from lessonkit.widgets import Explorer
    from tests.lessons.lessons import grading_env, master, run_in_process

    rows = []
    for lesson in names:
        with grading_env(on=False):
            results = run_in_process(master(lesson))
        for value, _, _ in results.values():
            if not (isinstance(value, Explorer) and value.controls):
                continue
            value.ratio = ratio
            value.widget()                          # as displayed: every move redraws the image
            wall, cpu, fresh = [], [], []
            for control in value.controls.values():
                for k in range(MOVES):
                    new = _next_value(control, k)
                    start, start_cpu = time.perf_counter(), time.process_time()
                    control.value = new
                    wall.append(time.perf_counter() - start)
                    cpu.append(time.process_time() - start_cpu)
            for control in value.controls.values():    # then each slider to values not shown yet
                for new in _unseen_values(control, NEW_VALUES):
                    start_cpu = time.process_time()
                    control.value = new
                    fresh.append(time.process_time() - start_cpu)
            rows.append((f"{lesson[:2]} {value.draw.__name__}", statistics.median(wall),
                         statistics.median(cpu), max(cpu), statistics.median(fresh) if fresh else float("nan")))
    return rows


def browser_table(names, ratio):
    """Each explorer in Chromium: [(explorer, median, slowest)] of slider move -> image shown."""
    from playwright.sync_api import sync_playwright

    from tests.browser.explorers import explorer_cells, image_of, move_and_time
    from tests.browser.lab import lab_server, launch, open_notebook, run_all, wait_idle
    from tests.grading import builders as b

    rows = []
    with tempfile.TemporaryDirectory() as tmp, lab_server(tmp) as (base, token, root), \
            sync_playwright() as p:
        browser = launch(p)
        for lesson in names:
            path = f"lessons/{lesson}/{lesson}_solved.ipynb"
            nbformat.write(b.solved(lesson), str(root / path))
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=ratio)
            page = context.new_page()
            open_notebook(page, base, token, path)
            run_all(page)
            page.wait_for_timeout(2000)
            wait_idle(page, timeout=600_000)
            for name, cell in explorer_cells(page):
                cell.scroll_into_view_if_needed()
                image = image_of(cell)    # loaded (crisp unless wider than the notebook, then shrunk)
                page.wait_for_function("(el) => el.complete && el.naturalWidth > 0",
                                       arg=image.element_handle(), timeout=60_000)
                latencies = move_and_time(page, cell, moves=MOVES)
                rows.append((f"{lesson[:2]} {name}", statistics.median(latencies), max(latencies)))
                print(f"  {rows[-1][0]}: median {rows[-1][1] * 1000:.0f} ms", flush=True)
            context.close()
        browser.close()
    return rows


def main(argv):
    kernel_only = "--kernel" in argv
    ratio = 2.0 if "--ratio=2" in argv else 1.0
    names = lessons([a for a in argv if not a.startswith("--")])
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    rows = kernel_table(names, ratio)
    kernel = {name: (cpu, new) for name, _, cpu, _, new in rows}
    print(f"\nKernel side: one redraw per slider move ({MOVES} per slider), pixel ratio {ratio:g}, no browser")
    table([[name, f"{wall * 1000:.0f}", f"{cpu * 1000:.0f}", f"{slowest * 1000:.0f}", f"{new * 1000:.0f}",
            f"{GOAL * 1000:.0f}"] for name, wall, cpu, slowest, new in rows],
          ["explorer", "median wall ms", "median CPU ms", "slowest CPU ms", "new values: median CPU ms",
           "goal ms"])
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    sys.stdout.flush()
    if kernel_only:
        return
    rows = browser_table(names, ratio)
    print(f"\nChromium (headless, pixel ratio {ratio:g}), JupyterLab on this machine: slider move -> "
          f"redrawn image ({MOVES} moves per slider)")
    table([[name, f"{median * 1000:.0f}", f"{slowest * 1000:.0f}", f"{GOAL * 1000:.0f}",
            "yes" if median <= GOAL else "NO",
            f"{kernel[name][0] * 1000:.0f} ({kernel[name][1] * 1000:.0f})" if name in kernel else ""]
           for name, median, slowest in rows],
          ["explorer", "median ms", "slowest ms", "goal ms", "within", "kernel CPU median ms (new values)"])
    within = sum(median <= GOAL for _, median, _ in rows)
    print(f"{within} of {len(rows)} explorers within {GOAL * 1000:.0f} ms (median)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main(sys.argv[1:])
