"""The course's pictures: the memory-track plot and the cell diagram.

The memory-track plot is the course's signature: long-term memory (the elephant)
above, short-term memory (the fish) below, the events along the time axis, the same
colours and layout in every lesson. Functions draw onto a matplotlib Figure they are
given (or a new one) and return it; nothing here computes a graded function.
"""

import numpy as np

# matplotlib is imported where a picture is drawn, not here: under nbgrader nothing
# is drawn, and a grading sandbox then starts without it.

LTM_COLOR = "#1d4e89"     # long-term memory, the elephant: deep blue
STM_COLOR = "#e76f51"     # short-term memory, the fish: coral
MEMORY_COLOR = "#6a4c93"  # the RNN's single memory: purple
EVENT_COLOR = "#2a9d8f"   # events: teal
MUTED = "#b8b8b8"
UNIT_STYLES = ("-", "--", ":", "-.")

TRACKS = {  # key: (short label, panel title, colour)
    "ltm": ("LTM", "long-term memory (LTM), the elephant", LTM_COLOR),
    "stm": ("STM", "short-term memory (STM), the fish", STM_COLOR),
    "memory": ("M", "memory (M), the RNN's only one", MEMORY_COLOR),
}


def _new_figure(fig, size):
    from matplotlib.figure import Figure

    if fig is None:
        return Figure(figsize=size, layout="constrained")
    fig.clear()
    return fig


MOST_EVENT_LABELS = 24   # a longer show names every k-th event (and the last), so labels never overlap


def _event_ticks(T, most=MOST_EVENT_LABELS):
    """The steps (1..T) whose events are named along the time axis: all of them up to
    ``most``, else every k-th from the first, and always the last."""
    every = -(-T // most)
    ticks = list(range(1, T + 1, every))
    if ticks[-1] != T:
        if T - ticks[-1] < every / 2:
            ticks[-1] = T
        else:
            ticks.append(T)
    return ticks


def memory_track(events, ltm=None, stm=None, memory=None, unit_names=None, fig=None, title=None):
    """Plot memory tracks over a story.

    events: list of T event names (the x axis). ltm, stm, memory: (T, H) arrays for
    one sequence (pass ``x[:, 0]`` for the first of a batch), any of them may be
    None. unit_names: names of the H hidden units for the legend. A show of more
    than MOST_EVENT_LABELS events names every k-th event along the time axis, and the last.
    """
    given = [(key, np.asarray(v)) for key, v in (("ltm", ltm), ("stm", stm), ("memory", memory))
             if v is not None]
    if not given:
        raise ValueError("memory_track needs at least one of ltm, stm, memory")
    fig = _new_figure(fig, (8, 1.2 + 1.9 * len(given)))
    axes = fig.subplots(len(given), 1, sharex=True, squeeze=False)[:, 0]
    T = len(events)
    steps = np.arange(1, T + 1)
    for ax, (key, values) in zip(axes, given):
        label, panel, color = TRACKS[key]
        if values.ndim != 2 or values.shape[0] != T:
            raise ValueError(f"{key} should have shape ({T}, H), one row per event; got {values.shape}")
        for h in range(values.shape[1]):
            name = unit_names[h] if unit_names else f"unit {h}"
            ax.plot(steps, values[:, h], UNIT_STYLES[h % len(UNIT_STYLES)], color=color,
                    marker="o", markersize=4, label=name, alpha=1.0 if h < 4 else 0.5)
        ax.axhline(0, color=MUTED, linewidth=0.8, zorder=0)
        ax.set_ylabel(label, color=color, fontsize=10)
        ax.set_title(panel, loc="left", color=color, fontsize=10)
        if key != "ltm":
            ax.set_ylim(-1.1, 1.1)
        ax.grid(axis="x", color="#eeeeee")
        if values.shape[1] <= 6:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    bottom = axes[-1]
    shown = _event_ticks(T)
    bottom.set_xticks(shown, [events[t - 1] for t in shown], rotation=30, ha="right", fontsize=9,
                      color=EVENT_COLOR)
    bottom.set_xlabel("events, in the order the show presents them", color=EVENT_COLOR)
    bottom.set_xlim(0.5, T + 0.5)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


# --- the cell diagram ---------------------------------------------------------------

GATE_COLORS = {"forget": "#c0392b", "learn": "#27ae60", "remember": "#2980b9", "use": "#8e44ad"}
GATE_TEXT = {
    "forget": "forget\nLTM ⊙ f",
    "learn": "learn\nN ⊙ i",
    "remember": "remember\n+",
    "use": "use\nU ⊙ V",
}
# where each gate sits on a 10 x 6 canvas: LTM runs along the top, [STM, E] along the bottom
GATE_BOX = {"forget": (2.4, 4.55), "learn": (5.6, 2.65), "remember": (5.6, 4.55), "use": (8.0, 2.65)}


def _diagram(fig, size, height):
    """A fresh figure with one bare axes, 10 units wide and ``height`` tall, for drawing."""
    fig = _new_figure(fig, size)
    ax = fig.add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, height)
    ax.axis("off")
    return fig, ax


def _box(ax, xy, text, color, active, w=1.7, h=1.0):
    from matplotlib.patches import FancyBboxPatch

    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.08",
                                facecolor=color if active else "white",
                                edgecolor=color if active else MUTED, linewidth=2 if active else 1.2))
    ax.text(x, y, text, ha="center", va="center", fontsize=9,
            color="white" if active else "#555555", weight="bold" if active else "normal")


def _arrow(ax, start, end, color, width=1.6, style="-|>"):
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12,
                                 color=color, linewidth=width, shrinkA=0, shrinkB=0))


def draw_cell(highlight=None, fig=None):
    """The lesson's LSTM cell with its four gates; ``highlight`` one of them.

    highlight: "forget", "learn", "remember", "use" or None (all in colour).
    STM and the event are joined once into the row [STM, E], which branches to the
    small networks of the forget (f), learn (N, i) and use (V) gates; the use gate's U
    also reads the forgotten LTM, LTM ⊙ f, taken off the top line before the sum.
    """
    if highlight not in (None, *GATE_BOX):
        raise ValueError(f"highlight must be one of {', '.join(GATE_BOX)} or None")
    fig, ax = _diagram(fig, (8, 4.2), 6)
    from matplotlib.patches import FancyBboxPatch

    wire, text = "#888888", "#555555"
    ax.add_patch(FancyBboxPatch((1.0, 0.45), 8.0, 4.95, boxstyle="round,pad=0.1",
                                facecolor="#fafafa", edgecolor="#dddddd"))
    edge_x, edge_y = 1.7 / 2 + 0.08, 1.0 / 2 + 0.08      # a box's half size, with _box's rounding
    (x_forget, y_top), (x_learn, y_low) = GATE_BOX["forget"], GATE_BOX["learn"]
    x_remember, x_use = GATE_BOX["remember"][0], GATE_BOX["use"][0]
    y_row, x_join, x_tap, y_tap = 1.0, 1.3, 3.9, 3.6
    # the long-term memory along the top: forget, then remember
    _arrow(ax, (0.0, y_top), (x_forget - edge_x, y_top), LTM_COLOR, 2.5)
    _arrow(ax, (x_forget + edge_x, y_top), (x_remember - edge_x, y_top), LTM_COLOR, 2.5)
    _arrow(ax, (x_remember + edge_x, y_top), (10.0, y_top), LTM_COLOR, 2.5)
    ax.text(0.05, y_top + 0.25, "LTM$_{t-1}$", color=LTM_COLOR, fontsize=10)
    ax.text(9.15, y_top + 0.25, "LTM$_t$", color=LTM_COLOR, fontsize=10)
    # STM and the event are joined once, STM first, into the row every gate reads ...
    ax.plot([0.0, x_join], [y_row, y_row], color=STM_COLOR, linewidth=2.5, solid_capstyle="butt")
    ax.text(0.05, y_row + 0.25, "STM$_{t-1}$", color=STM_COLOR, fontsize=10)
    # the event comes in from below: its line starts inside the figure, at a dot beside its name
    ax.set_ylim(-0.3, 6)
    ax.plot([x_join, x_join], [0.05, y_row], color=EVENT_COLOR, linewidth=2.0, solid_capstyle="butt")
    ax.plot([x_join], [0.05], "o", color=EVENT_COLOR, markersize=5)
    ax.text(x_join + 0.15, 0.05, "E$_t$ (event)", color=EVENT_COLOR, fontsize=10, va="center")
    ax.plot([x_join, x_use], [y_row, y_row], color=wire, linewidth=1.6, solid_capstyle="butt")
    ax.plot([x_join, x_forget, x_learn], [y_row] * 3, "o", color=wire, markersize=5)
    ax.text(x_forget + 0.3, y_row + 0.1, "[STM$_{t-1}$, E$_t$]", color=text, fontsize=9, va="bottom")
    ax.text(x_forget + 0.3, y_row - 0.1, "joined once, read by every gate", color=text, fontsize=8.5,
            va="top")
    # ... and branches to each gate's small networks
    for x, y_end, label in ((x_forget, y_top - edge_y, "f"), (x_learn, y_low - edge_y, "N, i"),
                            (x_use, y_low - edge_y, "V")):
        _arrow(ax, (x, y_row), (x, y_end), wire)
        ax.text(x + 0.1, (y_row + y_end) / 2 + (0.35 if x == x_forget else 0.1), label, color=text,
                fontsize=9, style="italic", va="center")
    # the use gate's U reads the forgotten LTM, taken off the top line before the remember gate
    # (it hops over the learn gate's arrow: a crossing, not a junction)
    hop = np.linspace(np.pi, 0.0, 25)
    ax.plot([x_tap, x_tap, *(x_learn + 0.16 * np.cos(hop)), x_use],
            [y_top, y_tap, *(y_tap + 0.2 * np.sin(hop)), y_tap], color=LTM_COLOR, linewidth=1.4)
    ax.plot([x_tap], [y_top], "o", color=LTM_COLOR, markersize=5)
    _arrow(ax, (x_use, y_tap), (x_use, y_low + edge_y), LTM_COLOR, 1.4)
    ax.text(x_use - 0.2, y_tap + 0.08, "LTM$_{t-1}$ ⊙ f", color=LTM_COLOR, fontsize=8.5,
            ha="right", va="bottom")
    # what is learned goes up into the sum
    _arrow(ax, (x_learn, y_low + edge_y), (x_remember, y_top - edge_y), wire)
    # the new short-term memory leaves the use gate
    _arrow(ax, (x_use + edge_x, y_low), (10.0, y_low), STM_COLOR, 2.5)
    ax.text(9.15, y_low + 0.25, "STM$_t$", color=STM_COLOR, fontsize=10)
    for gate, xy in GATE_BOX.items():
        _box(ax, xy, GATE_TEXT[gate], GATE_COLORS[gate], highlight in (None, gate))
    caption = "the LSTM cell, gate by gate" if highlight is None else f"this lesson: the {highlight} gate"
    ax.set_title(caption, fontsize=11)
    return fig


def draw_rnn_cell(fig=None):
    """The plain RNN cell: memory and event joined, squashed by tanh."""
    fig, ax = _diagram(fig, (7, 2.8), 4)
    _arrow(ax, (0.0, 2.4), (3.9, 2.4), MEMORY_COLOR, 2.5)
    ax.text(0.1, 2.65, "M$_{t-1}$ (memory)", color=MEMORY_COLOR, fontsize=10)
    _arrow(ax, (5.0, 0.0), (5.0, 1.8), EVENT_COLOR, 2.0)
    ax.text(5.15, 0.2, "E$_t$ (event)", color=EVENT_COLOR, fontsize=10)
    _box(ax, (5.0, 2.4), "tanh([M, E] W + b)", MEMORY_COLOR, True, w=2.6, h=1.0)
    _arrow(ax, (6.35, 2.4), (10.0, 2.4), MEMORY_COLOR, 2.5)
    ax.text(8.0, 2.65, "M$_t$ (memory,\nand prediction)", color=MEMORY_COLOR, fontsize=10)
    ax.set_title("the RNN cell: one memory, squashed at every step", fontsize=11)
    return fig


def figure_pixels(fig):
    """The figure rendered to an (h, w, 4) uint8 array (for comparing redraws)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()
