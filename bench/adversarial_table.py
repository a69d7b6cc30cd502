"""The adversarial suite graded by stock nbgrader and by the course's command, side by side.

    .venv/bin/python bench/adversarial_table.py

Every submission starts from a wrong (or partly wrong) answer plus a trick (the
red team's replay attacks of tests/grading/test_red_team.py included); the
"expected" column is what it earned. A stock score above it means the trick worked
there.
"""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from timing import table  # noqa: E402

from autograder import stock  # noqa: E402
from autograder.grade import grade  # noqa: E402
from tests.grading import builders as b  # noqa: E402
from tests.grading.test_adversarial import HOSTILE as ADVERSARIAL  # noqa: E402
from tests.grading.test_adversarial import L  # noqa: E402
from tests.grading.test_red_team import REPLAY_ATTACKS  # noqa: E402

# the red team's attacks on replays (tests/grading/test_red_team.py), in the same form
HOSTILE = {**ADVERSARIAL, **{name: (make, None, earned, phrase)
                            for name, (make, earned, phrase) in REPLAY_ATTACKS.items()}}


def main():
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        for name, (make, extra, _, _) in HOSTILE.items():
            b.write(subs / name, L, make(), extra)
        ours = {s["student_id"]: s for s in grade(L, subs, Path(tmp) / "ours", progress=False)}
        stock_scores = {}
        for name in HOSTILE:  # one class per submission, so one broken notebook cannot stop the rest
            try:
                grades = stock.autograde(L, {name: subs / name / L}, Path(tmp) / "stock" / name)
                stock_scores[name] = f"{sum(s or 0 for s, _ in grades[name].values()):g}"
            except Exception as exc:  # noqa: BLE001 - stock's own failure is a result here
                stock_scores[name] = f"error ({type(exc).__name__})"
    rows, fooled = [], 0
    for name, (_, _, expected, _) in HOSTILE.items():
        state = ours[name]
        score = sum(v[0] or 0 for v in state["scores"].values())
        s = stock_scores[name]
        if s.replace(".", "").isdigit() and float(s) > expected:
            fooled += 1
        first_flag = next((f for f in [state.get("problem"), *state["flags"]] if f), "")
        rows.append([name, str(expected), s, f"{score:g}", first_flag[:60]])
    print(f"{len(HOSTILE)} hostile or faulty submissions of {L} (max 9 points)")
    table(rows, ["submission", "earned", "stock nbgrader", "course command", "first flag (course command)"])
    print(f"stock nbgrader gave unearned points to {fooled} of {len(HOSTILE)}; the course command to "
          f"{sum(1 for r in rows if float(r[3]) > float(r[1]))}")


if __name__ == "__main__":
    main()
