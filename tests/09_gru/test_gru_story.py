"""Lesson 09's hand-wired GRU reads the story as the lesson says, in numpy and in PyTorch."""

import numpy as np
import pytest

import solutions as ref
from lessonkit.gru_story import draw_gru_cell, gru_memory_track, gru_story_params
from lessonkit.plots import figure_pixels
from lessonkit.story import encode, story

CAT_SHOW = ("bear", "tree", "squirrel", "cat", "tree", "squirrel", "tree", "dog or wolf")


def track(names, params):
    return ref.gru_forward(encode(names), np.zeros((1, 2)), params)[:, 0]


def test_story_params_have_the_gru_keys_and_shapes():
    params = gru_story_params()
    like = ref.init_gru_params(2, 4, seed=0)
    assert list(params) == list(like)
    assert all(params[k].shape == like[k].shape for k in like)


@pytest.mark.parametrize("keep", [0.0, 2.5, 5.0, 8.0])
def test_forest_unit_shrinks_by_sigma_keep_per_step(keep):
    # gap trees and squirrels, then the dog or wolf: gap + 1 steps without a clue
    gap = 10
    hs = track(story(gap=gap), gru_story_params(keep=keep))
    assert hs[0, 0] == pytest.approx(np.tanh(3.0), abs=1e-3)
    z = 1 / (1 + np.exp(-keep))
    assert hs[-1, 0] == pytest.approx(hs[0, 0] * z ** (gap + 1), rel=1e-3, abs=1e-6)


def test_animal_unit_follows_the_screen():
    hs = track(story(gap=6), gru_story_params())
    animal = encode(story(gap=6))[:, 0, 2]
    assert np.all(hs[animal == 1, 1] > 0.9) and np.all(hs[animal == 0, 1] < -0.7)


def test_reset_lets_the_cat_in_and_no_reset_keeps_forest():
    assert track(CAT_SHOW, gru_story_params(w=4.0, reset_at_clue=1.0))[-1, 0] > 0.5
    assert track(CAT_SHOW, gru_story_params(w=4.0, reset_at_clue=0.0))[-1, 0] < -0.9
    # without a memory part in the candidate the reset factor changes nothing
    np.testing.assert_allclose(track(CAT_SHOW, gru_story_params(w=0.0, reset_at_clue=1.0)),
                               track(CAT_SHOW, gru_story_params(w=0.0, reset_at_clue=0.0)), atol=1e-12)


def test_story_weights_give_the_same_track_in_torch(torch):
    params = gru_story_params(w=2.0, reset_at_clue=0.3)
    cell = torch.nn.GRUCell(4, 2)
    with torch.no_grad():
        for name, value in ref.gru_to_torch(params).items():
            getattr(cell, name).copy_(torch.tensor(value))
    h = torch.zeros(1, 2)
    ours = track(CAT_SHOW, params)
    for t, x in enumerate(encode(CAT_SHOW)):
        h = cell(torch.tensor(x), h)
        np.testing.assert_allclose(h.detach().numpy()[0], ours[t], atol=1e-12)


def test_pictures_draw():
    assert figure_pixels(draw_gru_cell()).std() > 0
    fig = gru_memory_track(list(story(gap=3)), np.zeros((5, 2)), title="t")
    assert "GRU" in fig.axes[0].get_title(loc="left")
