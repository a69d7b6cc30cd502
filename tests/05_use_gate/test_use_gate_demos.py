"""Lesson 05's demos tell the story they claim: the fish says wolf after a bear and dog
after a cat, the two forms agree only under the stated condition, and a blank notebook
says what to implement instead of raising."""

import numpy as np
import pytest

from autograder import notebooks
from tests.lessons.lessons import ROOT, grading_env, run_cells

LESSON = "05_use_gate"


def _run(folder):
    """Run the notebook's code cells (no hidden tests) with plots off; return (namespace, stdout by cell)."""
    nb = notebooks.read(ROOT / folder / LESSON / f"{LESSON}.ipynb")
    with grading_env():
        namespace, results = run_cells(nb, skip_tests=True)
    return namespace, {gid: printed for gid, (_, _, printed) in results.items()}


@pytest.fixture(scope="module")
def master():
    return _run("source")


def test_the_fish_says_wolf_after_a_bear_and_dog_after_a_cat(master):
    ns, _ = master
    bear = ns["fish"](ns["story"](gap=6), keep=0.95, w_u=1.0, w_v=6.0)
    cat = ns["fish"](ns["story"](gap=6, first="cat"), keep=0.95, w_u=1.0, w_v=6.0)
    assert bear.shape == (8, 1, 1)
    assert ns["guess"](bear[-1, 0, 0]) == "wolf" and ns["guess"](cat[-1, 0, 0]) == "dog"
    np.testing.assert_allclose(bear, -cat, atol=1e-15)
    faded = ns["fish"](ns["story"](gap=20), keep=0.5, w_u=1.0, w_v=6.0)
    assert ns["guess"](faded[-1, 0, 0]) == "cannot tell"


def test_the_fish_is_silent_at_trees_and_at_the_bear_itself(master):
    ns, _ = master
    names = ns["story"](gap=6)
    stm = ns["fish"](names, keep=0.95, w_u=1.0, w_v=6.0)[:, 0, 0]
    assert abs(stm[0]) < 1e-12, "the lesson's U reads the memory from before the bear"
    trees = [k for k, name in enumerate(names) if name == "tree"]
    animals = [k for k, name in enumerate(names) if name in ("squirrel", "dog or wolf")]
    assert max(abs(stm[k]) for k in trees) < 0.05 < 0.5 < min(stm[k] for k in animals)


def test_the_two_forms_part_only_at_the_bear(master):
    ns, _ = master
    names = ns["story"](gap=6)
    events = ns["encode"](names)
    forgotten, ltm = ns["elephant"](names, 0.95)
    W_u, b_u, W_v, b_v = ns["story_weights"](1.0, 6.0)
    stm = np.zeros((1, 1))
    lesson = np.array([ns["use_gate"](forgotten[t], stm, events[t], W_u, b_u, W_v, b_v)[0, 0]
                       for t in range(len(names))])
    standard = np.array([ns["standard_use_gate"](ltm[t], stm, events[t], W_v, b_v)[0, 0]
                         for t in range(len(names))])
    differ = np.abs(lesson - standard) > 1e-12
    assert differ.tolist() == [True] + [False] * (len(names) - 1)


def test_the_agreement_demo_agrees_once_then_differs(master):
    _, printed = master
    text = next(out for out in printed.values() if "largest difference" in out)
    verdicts = [line.split()[-1] for line in text.strip().splitlines()[1:]]
    assert verdicts == ["agree", "differ", "differ", "differ"]


def test_blank_notebook_demo_asks_for_the_function():
    _, printed = _run("lessons")
    assert any(out.startswith("Implement use_gate first") for out in printed.values())
