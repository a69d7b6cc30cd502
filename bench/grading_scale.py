"""Does grading cost grow linearly? The course's command on 40, 200 and 1,000
generated submissions of lesson 01 (sandbox on, gradebook and feedback written).

    .venv/bin/python bench/grading_scale.py [--sizes 40 200 1000] [--workers N]

Prints, per class size: wall seconds per submission, CPU seconds per submission (the
command and its grading processes, plus the sandboxes' own, from their cgroups), and the peak
resident memory of the grading command's main process and of its largest grading
process. Both should stay flat as the class grows.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from grading_throughput import LESSON, make_class, ours  # noqa: E402
from timing import table  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 200, 1000])
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_class(work / "warm", 3)
        ours(work / "warm", work / "warm-out", args.workers)
        for n in args.sizes:
            make_class(work / f"subs{n}", n)
            load = os.getloadavg()[0]
            m = ours(work / f"subs{n}", work / f"out{n}", args.workers)
            rows.append([f"{n} ({m['graded']} graded)", f"{load:.1f}", f"{m['wall']:.1f}", f"{m['wall'] / n:.3f}",
                         f"{(m['cpu'] + m['sandbox_cpu']) / n:.3f}", f"{m['rss_main_mb']:.0f}",
                         f"{m['rss_child_mb']:.0f}"])
            print(*rows[-1], flush=True)
    print(f"python -m autograder grade {LESSON}, sandbox on, {os.cpu_count()} cores (shared)")
    table(rows, ["submissions", "load", "wall s", "wall s / sub", "CPU s / sub", "peak RSS main MB",
                 "peak RSS grading process MB"])


if __name__ == "__main__":
    main()
