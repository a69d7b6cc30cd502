"""Hidden inputs on both sides of every threshold (issue 14, E12). clip_gradients' hidden
calls see the norm below and above max_norm, so a clip that always rescales to max_norm
(scaling small gradients up) fails every run, in the notebook's hidden check and in the
course's grader, while PyTorch's form of the clip passes; softmax's hidden logits always
hold a score whose exp overflows, so a softmax without the max subtracted fails every run."""

import numpy as np
import pytest

import solutions
from autograder.calls import calls_for
from autograder.graded import GRADED
from lessonkit import stored
from lessonkit.checks import CheckFailed
from lessonkit.hidden import hidden_check
from lessonkit.spec import global_norm, hidden_inputs

RUNS = 200


def always_rescaled(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    return {key: g * max_norm / norm for key, g in grads.items()}


def torch_form(grads, max_norm):
    """torch.nn.utils.clip_grad_norm_'s coefficient: right, and must pass."""
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    scale = min(1.0, max_norm / (norm + 1e-6))
    return {key: g * scale for key, g in grads.items()}


@pytest.mark.parametrize("seed", range(RUNS))
def test_every_hidden_run_has_a_norm_below_and_above_max_norm(seed):
    inputs = hidden_inputs(GRADED["clip_gradients"].spec, np.random.default_rng(seed))
    ratios = [global_norm([args["grads"]]) / args["max_norm"] for _, args in inputs]
    assert min(ratios) < 0.85 and max(ratios) > 1.2, ratios


def test_the_stored_spec_is_the_declared_one():
    assert stored.spec("clip_gradients") == GRADED["clip_gradients"].spec


def test_always_rescaling_fails_the_notebooks_hidden_check_every_run():
    for _ in range(RUNS):
        with pytest.raises(CheckFailed, match="norm below max_norm"):
            hidden_check(always_rescaled, solutions.clip_gradients)


def test_pytorchs_form_of_the_clip_passes_every_run():
    for _ in range(RUNS):
        hidden_check(torch_form, solutions.clip_gradients)


def test_the_graders_hidden_calls_name_always_rescaled_for_every_student():
    for seed in range(40):
        hidden = [c for c in calls_for("08_lstm_vs_rnn", np.random.default_rng(seed))
                  if c.cell == "hidden_clip_gradients"]
        named = [c for c in hidden if "always_rescaled" in [m[0] for m in c.mistakes]]
        assert len(named) >= 3, f"seed {seed}: always_rescaled shows in {len(named)} hidden calls"


def no_max_subtraction(logits):
    e = np.exp(logits)
    return e / np.sum(e, axis=-1, keepdims=True)


def test_a_softmax_without_the_max_fails_the_hidden_check_every_run():
    """Every 'wide' array holds an entry above +750 and one below -750: np.exp overflows."""
    for _ in range(RUNS):
        with pytest.raises(CheckFailed, match="overflow|invalid value"):
            hidden_check(no_max_subtraction, solutions.softmax)
    for _ in range(20):
        hidden_check(solutions.softmax, solutions.softmax)
