"""Lesson 09's pictures and hand-wired weights: the GRU reads the story.

Nothing here computes a GRU step: the lesson runs the student's own ``gru_cell``
with these weights. ``gru_story_params`` holds weights only (a params dict with
the keys of the course's GRU: ``W_r b_r W_z b_z W_n b_n b_hn``).
"""

import numpy as np

from .plots import EVENT_COLOR, MEMORY_COLOR, _arrow, _box, _diagram, memory_track
from .story import FEATURES

GRU_UNITS = ("forest vs home", "animal now")

RESET_COLOR = "#d68910"    # the reset gate r: amber, new in this lesson
KEEP_COLOR = "#c0392b"     # the keep gate z: the forget gate's red, since it plays that part
NEW_COLOR = "#27ae60"      # the candidate N: the learn gate's green
MIX_COLOR = "#2980b9"      # the mix: the remember gate's blue


def _logit(p):
    p = float(np.clip(p, 1e-4, 1 - 1e-4))
    return float(np.log(p / (1 - p)))


def gru_story_params(keep=5.0, w=0.0, reset_at_clue=0.0):
    """A hand-wired GRU (hidden 2, inputs 4) that reads the story; params dict.

    Unit 0, *forest vs home*: its keep factor is z = σ(keep) between clues and
    almost 0 when a bear or a cat appears, so a clue is written in (candidate
    +0.995 for forest, −0.995 for home) and then kept. ``w`` is the weight of the
    memory's part of its candidate (the part the reset factor multiplies), and
    ``reset_at_clue`` the reset factor r when a clue appears (σ(5) ≈ 0.993 otherwise).
    Unit 1, *animal now*: z ≈ 0.02 at every step, so it is rewritten every step
    with "an animal is on screen now" (+0.96) or "no animal" (−0.76).
    """
    H, X = 2, len(FEATURES)
    forest, home, animal = H + 0, H + 1, H + 2        # rows of [M, E]
    p = {k: np.zeros((H + X, H) if k.startswith("W") else H)
         for k in ("W_r", "b_r", "W_z", "b_z", "W_n", "b_n", "b_hn")}
    # unit 0: keep between clues, write on a clue
    p["b_z"][0] = keep
    p["W_z"][forest, 0] = p["W_z"][home, 0] = -10.0 - keep
    p["W_n"][forest, 0], p["W_n"][home, 0] = 3.0, -3.0
    p["W_n"][0, 0] = w                                  # memory's part of the candidate
    p["b_r"][0] = 5.0
    p["W_r"][forest, 0] = p["W_r"][home, 0] = _logit(reset_at_clue) - 5.0
    # unit 1: rewritten at every step
    p["b_z"][1] = -4.0
    p["W_n"][animal, 1], p["b_n"][1] = 3.0, -1.0
    return p


def gru_memory_track(events, memories, fig=None, title=None, unit_names=GRU_UNITS):
    """The course's memory track for the GRU's one memory M: memories (T, H) for one show."""
    fig = memory_track(events, memory=memories, unit_names=unit_names, fig=fig, title=title)
    ax = fig.axes[0]
    ax.set_title("memory M, the GRU's only one (elephant and fish in one vector)",
                 loc="left", color=MEMORY_COLOR, fontsize=10)
    ax.set_ylabel("M", color=MEMORY_COLOR, fontsize=10)
    return fig


def draw_gru_cell(fig=None):
    """The GRU cell: one memory line, reset r, keep z, candidate N and the mix."""
    fig, ax = _diagram(fig, (8, 4.2), 6)
    ax.set_ylim(-0.45, 5.75)       # room below the panel's edge and the lowest labels (never clipped)
    ax.add_patch(_panel())
    # the memory line along the top, through the mix
    _arrow(ax, (0.0, 4.6), (6.45, 4.6), MEMORY_COLOR, 2.5)
    _arrow(ax, (8.75, 4.6), (10.0, 4.6), MEMORY_COLOR, 2.5)
    ax.text(0.05, 4.85, "M$_{t-1}$", color=MEMORY_COLOR, fontsize=10)
    ax.text(9.2, 4.85, "M$_t$", color=MEMORY_COLOR, fontsize=10)
    ax.text(1.9, 4.75, "kept where z ≈ 1, rewritten where z ≈ 0", color=MEMORY_COLOR, fontsize=8.5)
    # the memory and the event feed the gates
    _arrow(ax, (1.1, 4.6), (1.1, 2.6), MEMORY_COLOR, 1.6)
    # the event comes in from below: its line starts inside the figure, at a dot beside its name
    _arrow(ax, (0.3, -0.15), (0.3, 2.4), EVENT_COLOR, 2.0, style="-")
    ax.plot([0.3], [-0.15], "o", color=EVENT_COLOR, markersize=5)
    ax.text(0.45, -0.15, "E$_t$ (event)", color=EVENT_COLOR, fontsize=10, va="center")
    ax.plot([0.3, 6.9], [2.4, 2.4], color="#888888", linewidth=1.2)
    ax.text(1.2, 2.5, "[M, E]", color="#555555", fontsize=9)
    for x in (2.1, 4.3, 6.9):
        _arrow(ax, (x, 2.4), (x, 1.95), "#888888")
    _box(ax, (2.1, 1.4), "reset\nr = σ(·)", RESET_COLOR, True, w=1.6)
    _box(ax, (4.3, 1.4), "keep\nz = σ(·)", KEEP_COLOR, True, w=1.6)
    _box(ax, (6.9, 1.4), "candidate\nN = tanh(·)", NEW_COLOR, True, w=1.9)
    # r reaches into the candidate; z and n go up to the mix
    _arrow(ax, (2.1, 0.85), (2.1, 0.45), "#888888", style="-")
    ax.plot([2.1, 6.9], [0.45, 0.45], color=RESET_COLOR, linewidth=1.4)
    _arrow(ax, (6.9, 0.45), (6.9, 0.85), RESET_COLOR, 1.4)
    ax.text(3.6, 0.15, "r scales only the memory's part of N", color=RESET_COLOR, fontsize=8.5)
    _arrow(ax, (4.3, 1.95), (7.0, 4.0), KEEP_COLOR, 1.6)
    _arrow(ax, (7.3, 1.95), (7.6, 4.0), NEW_COLOR, 1.6)
    ax.text(5.0, 3.0, "z", color=KEEP_COLOR, fontsize=10, weight="bold")
    ax.text(7.55, 3.0, "N", color=NEW_COLOR, fontsize=10, weight="bold")
    _box(ax, (7.6, 4.6), "mix\nz ⊙ M + (1−z) ⊙ N", MIX_COLOR, True, w=2.1, h=1.0)
    ax.set_title("the GRU cell: one memory, a keep gate that also writes, a reset gate", fontsize=11)
    return fig


def _panel():
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch((0.7, 0.05), 8.7, 5.4, boxstyle="round,pad=0.1",
                          facecolor="#fafafa", edgecolor="#dddddd")


__all__ = ["GRU_UNITS", "draw_gru_cell", "gru_memory_track", "gru_story_params"]
