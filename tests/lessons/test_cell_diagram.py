"""The LSTM cell diagram (lessonkit.plots.draw_cell) reads right: STM and the event are
joined once, before the gates, and that row branches to each gate's small networks;
only what is learned leaves the learn box; nothing is drawn outside the figure."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch
from matplotlib.path import Path

from lessonkit.plots import GATE_BOX, draw_cell

HIGHLIGHTS = [None, *GATE_BOX]
HALF_W, HALF_H = 1.7 / 2 + 0.08, 1.0 / 2 + 0.08   # a gate box's half size, as drawn


def drawn(highlight, size=(8, 4.2)):
    fig = Figure(figsize=size, layout="constrained")
    draw_cell(highlight=highlight, fig=fig)
    FigureCanvasAgg(fig).draw()
    return fig


def arrows(fig):
    """Each arrow as (start, end) in data coordinates (the shaft's first and farthest point)."""
    ends = []
    for patch in fig.axes[0].patches:
        if isinstance(patch, FancyArrowPatch):
            path = patch.get_path()                        # in data coordinates
            vertices = np.array([v for v, code in path.iter_segments(simplify=False, curves=False)
                                 if code != Path.CLOSEPOLY]).reshape(-1, 2)
            ends.append((vertices[0], vertices[np.argmax(np.linalg.norm(vertices - vertices[0], axis=1))]))
    return ends


def touches(point, gate, tol=0.05):
    """Whether a point lies on (or just outside) the edge of a gate's box."""
    x, y = GATE_BOX[gate]
    return abs(point[0] - x) <= HALF_W + tol and abs(point[1] - y) <= HALF_H + tol


@pytest.mark.parametrize("highlight", HIGHLIGHTS)
def test_nothing_is_clipped(highlight):
    fig = drawn(highlight)
    bounds = fig.bbox
    for artist in [*fig.axes[0].texts, fig.axes[0].title, *fig.axes[0].patches]:
        box = artist.get_window_extent()
        if box.width == 0:
            continue
        assert box.x0 >= bounds.x0 - 1 and box.x1 <= bounds.x1 + 1, f"{artist} runs off the side"
        assert box.y0 >= bounds.y0 - 1 and box.y1 <= bounds.y1 + 1, f"{artist} runs off the top or bottom"


@pytest.mark.parametrize("highlight", HIGHLIGHTS)
def test_only_the_learned_values_leave_the_learn_box(highlight):
    leaving = [(a, b) for a, b in arrows(drawn(highlight)) if touches(a, "learn")]
    assert len(leaving) == 1 and touches(leaving[0][1], "remember"), \
        "the learn box's one output, N ⊙ i, goes into the remember gate, and nothing else leaves it"


@pytest.mark.parametrize("highlight", HIGHLIGHTS)
def test_the_joined_row_feeds_forget_learn_and_use_from_below(highlight):
    row = []
    for gate in ("forget", "learn", "use"):
        feeding = [a for a, b in arrows(drawn(highlight)) if touches(b, gate) and not touches(a, "learn")
                   and a[1] < GATE_BOX[gate][1] - HALF_H]
        assert feeding, f"no branch of [STM, E] reaches the {gate} gate from below"
        row.append(min(a[1] for a in feeding))
    assert max(row) - min(row) < 1e-6, "the branches should all leave the same [STM, E] row"
    assert max(row) < GATE_BOX["learn"][1] - HALF_H, "the [STM, E] row runs below the gates, before them"


@pytest.mark.parametrize("diagram", ["lstm", "gru"])
def test_the_event_line_starts_inside_the_figure(diagram):
    """The event E_t comes in from below: its line (and every other line) ends visibly
    inside the figure, well above its bottom edge (at least 10 px at 90 dpi), instead
    of running to the edge and looking cut off."""
    from lessonkit.gru_story import draw_gru_cell

    fig = drawn(None) if diagram == "lstm" else draw_gru_cell()
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    ax = fig.axes[0]
    event = [t for t in ax.texts if t.get_text().startswith("E$_t$")]
    assert len(event) == 1, "the diagram names the event E_t once"
    for artist in [*ax.lines, *ax.patches, event[0]]:
        box = artist.get_window_extent(renderer)
        assert box.y0 >= fig.bbox.y0 + 10 * fig.dpi / 90, \
            f"{artist} reaches the bottom edge of the {diagram} diagram"
        assert box.y1 <= fig.bbox.y1 - 1, f"{artist} reaches the top edge of the {diagram} diagram"
