"""Lesson 10: the show's grammar, the saved writers and the lesson's given code."""

import ast
import re
from pathlib import Path

import numpy as np
import pytest

import solutions
from autograder import make_writers, notebooks
from lessonkit import writing
from tests.lessons.lessons import grading_env, run_cells

ROOT = Path(__file__).resolve().parents[2]
MASTER = ROOT / "source" / "10_writing" / "10_writing.ipynb"


def test_every_script_keeps_its_show_and_the_grammar():
    rng = np.random.default_rng(0)
    tokens = writing.make_scripts(64, 10, rng)
    assert tokens.shape == (4 * 13, 64) and tokens.dtype.kind == "i"
    gaps = set()
    for b in range(tokens.shape[1]):
        words = writing.words(tokens[:, b])
        show = words[2]
        assert words[:2] == ["in", "the"] and show in writing.SHOWS and words[3] == "."
        lines = [words[k:k + 4] for k in range(4, len(words), 4)]
        assert all(line[3] == "." and line[2] in writing.VERBS for line in lines)
        animals = [line[1] for line in lines if line[0] == "the"]
        assert animals and all(a in writing.ANIMALS[show] for a in animals)
        assert all(line[1] in writing.FILLERS for line in lines if line[0] == "a")
        gaps.add(next(k for k, line in enumerate(lines) if line[0] == "the"))
    assert gaps == set(range(11))   # every gap from 0 to 10 occurs
    assert writing.first_animal(tokens[:, 0])[0] == writing.words(tokens[:, 0])[2]


def test_fillers_say_nothing_about_the_show():
    """Filler lines are drawn the same way in both shows, so only the opening tells them apart."""
    counts = {}
    for show in writing.SHOWS:
        rng = np.random.default_rng(1)
        text = [w for _ in range(500) for w in writing.prompt(show, 3, rng)[4:-1]]
        counts[show] = {w: text.count(w) for w in set(text)}
    assert counts["forest"] == counts["home"]


def test_consistency_of_an_oracle_a_coin_and_a_liar():
    def oracle(tokens, right=True):
        probs = np.zeros((tokens.shape[1], len(writing.VOCAB)))
        for b in range(tokens.shape[1]):
            show = writing.VOCAB[tokens[2, b]]
            if not right:
                show = "home" if show == "forest" else "forest"
            for a in writing.ANIMALS[show]:
                probs[b, writing.WORD_ID[a]] = 0.5
        return probs

    gaps = (0, 3, 9)
    np.testing.assert_allclose(writing.consistency(oracle, gaps, prompts=20), 1.0)
    np.testing.assert_allclose(writing.consistency(lambda t: oracle(t, False), gaps, prompts=20), 0.0)
    coin = lambda t: np.full((t.shape[1], len(writing.VOCAB)), 1 / len(writing.VOCAB))
    np.testing.assert_allclose(writing.consistency(coin, gaps, prompts=20), 0.5)


def test_saved_writers_were_made_by_the_script_settings():
    saved = writing.load_writers()
    info = saved["info"]
    for name in ("seed", "hidden", "steps", "learning_rate", "slow_down", "late_learning_rate", "max_norm",
                 "batch", "max_gap", "warm_up", "forget_bias", "eval_every"):
        assert info[name] == getattr(make_writers, name.upper()), name
    assert tuple(info["gaps"]) == make_writers.GAPS
    H, K = make_writers.HIDDEN, len(writing.VOCAB)
    assert saved["lstm"]["W_f"].shape == (H + K, H) and saved["rnn"]["W"].shape == (H + K, H)
    assert saved["lstm"]["W_out"].shape == saved["rnn"]["W_out"].shape == (H, K)
    assert saved["curves"]["lstm_loss"].shape == (make_writers.STEPS,)


def test_the_script_reproduces_its_first_steps():
    """The same seed gives the same training: the script's first 5 steps of the LSTM
    give the stored losses (the full run takes minutes)."""
    _, losses, _ = make_writers.train("lstm", steps=5)
    np.testing.assert_allclose(losses, writing.load_writers()["curves"]["lstm_loss"][:5], rtol=1e-9)


def test_saved_lstm_keeps_the_theme_and_the_rnn_loses_it():
    """The lesson's claim, measured on fresh prompts: at gap 10 the LSTM gives the right
    show's animals at least 90 %, the RNN of the same size at most 75 %."""
    saved = writing.load_writers()
    gaps = (1, 5, 10)
    lstm = writing.consistency(make_writers.next_word_probabilities("lstm", saved["lstm"]), gaps, seed=7)
    rnn = writing.consistency(make_writers.next_word_probabilities("rnn", saved["rnn"]), gaps, seed=7)
    assert lstm.min() > 0.9
    assert rnn[-1] < 0.75 and rnn[-1] < lstm[-1] - 0.2


@pytest.fixture(scope="module")
def lesson():
    """The master's namespace after running its cells as nbgrader would (no plots, 3 training steps)."""
    with grading_env():
        return run_cells(notebooks.read(MASTER))[0]


def test_given_cell_functions_are_the_references(lesson):
    rng = np.random.default_rng(0)
    for variant in ("lesson", "standard"):
        params = solutions.init_params(3, 4, variant=variant, seed=1)
        ltm, stm, event = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 4))
        for ours, ref in zip(lesson["lstm_cell"](ltm, stm, event, params, variant),
                             solutions.lstm_cell(ltm, stm, event, params, variant)):
            np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-14)
        d_ltm, d_stm = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
        ours = lesson["lstm_cell_backward"](d_ltm, d_stm, ltm, stm, event, params, variant)
        ref = solutions.lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant)
        for a, b in zip(ours[:3], ref[:3]):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
        for k in params:
            np.testing.assert_allclose(ours[3][k], ref[3][k], rtol=1e-10, atol=1e-13)
    grads = {"a": rng.normal(size=(3, 2)) * 5, "b": rng.normal(size=4)}
    for k, v in lesson["clip_gradients"](grads, 1.0).items():
        np.testing.assert_allclose(v, solutions.clip_gradients(grads, 1.0)[k], rtol=1e-12)
    W, b = solutions.init_rnn_params(3, 4, seed=2)
    np.testing.assert_allclose(lesson["rnn_cell"](stm, event, W, b), solutions.rnn_cell(stm, event, W, b),
                               rtol=1e-12, atol=1e-14)


def test_writer_loss_is_the_script_loss_and_its_gradient_checks(lesson):
    """The notebook's writer_loss (with the master's one_hot) gives the training script's
    loss and gradients, and its gradients agree with central differences."""
    rng = np.random.default_rng(4)
    tokens = writing.make_scripts(3, 1, rng, lines=2)
    params = lesson["init_writer"](4, seed=5)
    loss, grads = lesson["writer_loss"](params, tokens)
    ref_loss, ref_grads = make_writers.loss_and_gradients("lstm", params, tokens)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    for k in params:
        np.testing.assert_allclose(grads[k], ref_grads[k], rtol=1e-9, atol=1e-12)
    # a loss near ln 16 with gradients near 1e-4: central differences at h = 1e-6 carry a
    # rounding error of about 1e-10 / 1e-4, so 1e-5 here (a wrong term is off by far more)
    for k in ("W_f", "W_out", "b_n"):
        f = lambda v, k=k: lesson["writer_loss"]({**params, k: v}, tokens)[0]
        assert solutions.gradient_check(f, params[k].copy(), grads[k]) < 1e-5, k


def test_the_writers_of_the_notebook_are_the_scripts(lesson):
    """The notebook's step-by-step writer (its step with the master's one_hot) gives the
    probabilities the script measured with."""
    saved = writing.load_writers()
    tokens = np.stack([writing.ids(writing.prompt(s, 4, np.random.default_rng(6))) for s in writing.SHOWS], axis=1)
    for kind in ("lstm", "rnn"):
        state = lesson["start"](kind, saved[kind], 2)
        for word in tokens:
            state, logits = lesson["step"](kind, saved[kind], state, word)
        ref = make_writers.next_word_probabilities(kind, saved[kind])(tokens)
        np.testing.assert_allclose(lesson["softmax"](logits), ref, rtol=1e-9, atol=1e-12)


def test_write_is_reproducible_and_follows_sample(lesson):
    saved = writing.load_writers()
    a = lesson["write"]("lstm", saved["lstm"], 1.0, lines=5, scripts=3, seed=1)
    b = lesson["write"]("lstm", saved["lstm"], 1.0, lines=5, scripts=3, seed=1)
    assert a.shape == (24, 3)
    np.testing.assert_array_equal(a, b)
    assert all(writing.words(a[:2, k]) == ["in", "the"] for k in range(3))


def test_numbers_in_the_text_are_the_measured_ones(lesson):
    """The lesson's sentences quote the consistency at gaps 1, 5 and 10 at temperature 1 as
    the notebook's own measurement (with the master's sample) gives them."""
    nb = notebooks.read(MASTER)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    quoted = re.search(r"LSTM keeps the right show's animal in (\d+) %, (\d+) % and (\d+) %.*?"
                       r"RNN of the same size is at (\d+) %, (\d+) % and (\d+) %", text, re.S)
    assert quoted, "the results paragraph is missing"
    saved = lesson["saved"]
    measured = [round(100 * lesson["consistency"](kind, saved[kind], gap, 1.0))
                for kind in ("lstm", "rnn") for gap in (1, 5, 10)]
    assert [int(q) for q in quoted.groups()] == measured


def test_given_code_does_not_import_solutions():
    nb = notebooks.read(MASTER)
    for cell in nb.cells:
        if cell.cell_type != "code" or "BEGIN HIDDEN TESTS" in cell.source:
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not any(n.split(".")[0] in ("solutions", "autograder") for n in names), cell.source[:60]
