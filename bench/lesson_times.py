"""How long each lesson takes to run top to bottom, as a student runs it.

    .venv/bin/python bench/lesson_times.py [NN_name ...]

Runs each master (with solutions) in a fresh kernel with nbclient, outside
nbgrader, so every plot and explorer draws. Prints seconds per lesson against the
goal of 10 s on this 2-core machine, as a ratio. Kernel start is reported apart.
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).parent))
from timing import table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GOAL = 10.0


def run(path):
    nb = nbformat.read(str(path), as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    with client.setup_kernel():
        started = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
    end = time.perf_counter()
    return started - start, end - started


def main(names):
    lessons = sorted(p for p in (ROOT / "source").glob("[0-9][0-9]_*") if not names or p.name in names)
    rows = []
    for lesson in lessons:
        kernel, cells = run(lesson / f"{lesson.name}.ipynb")
        rows.append([lesson.name, f"{kernel:.1f}", f"{cells:.1f}", f"{(kernel + cells) / GOAL:.2f}"])
        print(f"{lesson.name}: {kernel + cells:.1f} s", file=sys.stderr)
    print(f"Each lesson top to bottom (goal: under {GOAL:.0f} s, so a ratio under 1)")
    table(rows, ["lesson", "kernel start s", "cells s", "total / goal"])


if __name__ == "__main__":
    main(sys.argv[1:])
