"""Explorers and plots, without a browser: they draw with the student's functions,
redraw when a slider moves, and say what to implement first in a blank notebook."""

import numpy as np
import pytest

from lessonkit.plots import figure_pixels
from lessonkit.widgets import Explorer

from .lessons import LESSONS, grading_env, master, run_in_process, student


def explorers(nb):
    with grading_env(on=False):
        results = run_in_process(nb)
    return [(gid, value) for gid, (value, _, _) in results.items()
            if isinstance(value, Explorer) and value.controls]


@pytest.mark.parametrize("lesson", [name for name in LESSONS if name != "00_index"])
def test_explorers_redraw_when_a_slider_moves(lesson):
    found = explorers(master(lesson))
    assert found, f"{lesson} has no explorer"
    for gid, explorer in found:
        assert explorer.update() == "ok", f"{lesson} {gid}: {explorer.status}"
        before = figure_pixels(explorer.figure)
        for name, control in explorer.controls.items():
            start = control.value
            if isinstance(start, bool):  # a switch (Checkbox)
                other = not start
            else:
                other = control.max if control.value != control.max else control.min
            assert explorer.update(**{name: other}) == "ok", f"{lesson} {gid} {name}={other}"
            after = figure_pixels(explorer.figure)
            assert before.shape != after.shape or not np.array_equal(before, after), \
                f"{lesson} {gid}: moving {name} did not change the figure"
            # a redraw reuses the figure's Axes: it must look as a fresh figure would (up
            # to the antialiasing of a few pixels, from layouts equal to the last digit)
            fresh = Explorer(lambda fig, _draw=explorer.draw, _values=dict(explorer.values): _draw(fig, **_values),
                             {}, figsize=explorer.figsize)
            assert fresh.update() == "ok"
            new = figure_pixels(fresh.figure)
            differ = np.mean(np.any(new != after, axis=-1)) if new.shape == after.shape else 1.0
            assert differ < 2e-4, \
                f"{lesson} {gid}: redrawn at {name}={other}, {differ:.2%} of the figure differs from a fresh one"
            explorer.update(**{name: start})


@pytest.mark.parametrize("lesson", [name for name in LESSONS if name != "00_index"])
def test_the_image_sent_is_the_figure_as_matplotlib_draws_it(lesson):
    """The shortcuts of a redraw (each axis works out its ticks once a draw, the renderer
    keeps each font's heights, each text's glyph layout and each glyph's bitmap) change no
    pixel: after every slider move, the image sent is the one matplotlib alone draws of
    the same figure, with its panels where they are, on a new canvas."""
    import io

    from PIL import Image

    for gid, explorer in explorers(master(lesson)):
        explorer.widget()
        fig = explorer.figure
        for name, control in explorer.controls.items():
            start = control.value
            other = (not start) if isinstance(start, bool) else \
                (control.max if control.value != control.max else control.min)
            for value in (other, start):
                explorer.update(**{name: value})
                sent = np.asarray(Image.open(io.BytesIO(explorer._image.value)).convert("RGB"))
                engine = fig.get_layout_engine()
                fig.set_layout_engine("none")      # the panels where the redraw put them
                plain = figure_pixels(fig)[..., :3]
                fig.set_layout_engine(engine)
                assert np.array_equal(sent, plain), f"{lesson} {gid} {name}={value}: the image differs"


def test_a_redraw_works_out_each_axis_ticks_once_and_keeps_its_glyphs(monkeypatch):
    """The shortcuts are taken with the matplotlib of requirements.txt (each one falls back
    to matplotlib's own way, silently, with another): in a redraw whose panels stay put,
    each axis computes its ticks once, and the renderer lays out and renders no text it
    drew in the last redraw."""
    from matplotlib.axis import Axis
    from matplotlib.ft2font import FT2Font

    explosion = {e.draw.__name__: e for _, e in explorers(master("08_lstm_vs_rnn"))}["draw_explosion"]
    explosion.widget()
    explosion.update(w=1.55)
    explosion.update(w=1.5)          # both values drawn once: the next moves redraw what was drawn
    renderer = explosion.figure.canvas.get_renderer()
    assert {"_get_font_height_metrics", "draw_text", "_draw_text_glyphs_and_boxes"} <= set(vars(renderer))
    counts = {"ticks": {}, "layouts": 0, "glyphs": 0}
    ticks, layout, glyph = Axis._update_ticks, FT2Font._layout, FT2Font._render_glyph

    def counted_ticks(self):
        counts["ticks"][id(self)] = counts["ticks"].get(id(self), 0) + 1
        return ticks(self)

    def counted(name, method):
        def call(self, *args, **kwargs):
            counts[name] += 1
            return method(self, *args, **kwargs)
        return call

    monkeypatch.setattr(Axis, "_update_ticks", counted_ticks)
    monkeypatch.setattr(FT2Font, "_layout", counted("layouts", layout))
    monkeypatch.setattr(FT2Font, "_render_glyph", counted("glyphs", glyph))
    passes = explosion.layout.passes
    explosion.update(w=1.55)
    assert explosion.layout.passes == passes and len(counts["ticks"]) == 6, "a redraw without a layout pass"
    assert set(counts["ticks"].values()) == {1}, counts["ticks"]
    assert counts["layouts"] == 0 and counts["glyphs"] == 0, counts


@pytest.mark.parametrize("lesson", [name for name in LESSONS if name != "00_index"])
def test_blank_lesson_explorers_ask_for_the_function(lesson):
    for gid, explorer in explorers(student(lesson)):
        assert explorer.update() == "todo", f"{lesson} {gid}: {explorer.status}"
        text = " ".join(t.get_text() for t in explorer.figure.texts)
        assert text.startswith("Implement ") and "first" in text


# what a fresh notebook's explorer asks for: the first function it uses that is still to
# write, in the lesson's order (not the one that happens to raise first: lesson 06's
# lstm_forward calls lstm_cell; lesson 08's training clips before it computes the loss)
FIRST_TO_WRITE = {
    "06_lstm_cell": {"draw_story": "lstm_cell"},
    "08_lstm_vs_rnn": {"draw_head": "softmax", "draw_explosion": "clip_gradients",
                       "draw_clipping": "softmax", "draw_contest": "softmax"},
}
# with every function written but this one (its cell replaced by the blank version)
ONLY_MISSING = {"06_lstm_cell": ("lstm_forward", {"draw_story": "lstm_forward"}),
                "08_lstm_vs_rnn": ("cross_entropy", {"draw_head": "cross_entropy",
                                                     "draw_clipping": "cross_entropy",
                                                     "draw_contest": "cross_entropy"})}


def _asked_for(explorer):
    text = " ".join(t.get_text() for t in explorer.figure.texts)
    return text.split()[1] if text.startswith("Implement ") else text


@pytest.mark.parametrize("lesson", sorted(FIRST_TO_WRITE))
def test_a_fresh_explorer_names_the_first_function_to_write(lesson):
    found = {e.draw.__name__: e for _, e in explorers(student(lesson))}
    assert found.keys() == FIRST_TO_WRITE[lesson].keys()
    for name, first in FIRST_TO_WRITE[lesson].items():
        assert found[name].update() == "todo"
        assert _asked_for(found[name]) == first, f"{lesson} {name}: {_asked_for(found[name])}"
    if lesson == "08_lstm_vs_rnn":   # the training cell, too, names the first function it needs
        with grading_env(on=False):
            printed = run_in_process(student(lesson), upto="code_12", stop_on_error=False)["code_12"][2]
        assert "implement softmax above" in printed, printed


@pytest.mark.parametrize("lesson", sorted(ONLY_MISSING))
def test_an_explorer_names_the_one_function_still_missing(lesson):
    missing, expected = ONLY_MISSING[lesson]
    blank = f"def {missing}(*args, **kwargs):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    with grading_env(on=False):
        results = run_in_process(master(lesson), replace={missing: blank}, stop_on_error=False)
    found = {v.draw.__name__: v for v, _, _ in results.values() if isinstance(v, Explorer) and v.controls}
    for name, asked in expected.items():
        assert found[name].update() == "todo"
        assert _asked_for(found[name]) == asked, f"{lesson} {name}: {_asked_for(found[name])}"
    assert found.get("draw_explosion") is None or found["draw_explosion"].update() == "ok"


def _story_explorer():
    """Lesson 01's story explorer (draw_story), run in this process."""
    return dict(explorers(master("01_rnn")))["code_08"]


def test_an_explorer_image_has_one_pixel_per_screen_pixel():
    import ipywidgets

    from lessonkit.widgets import CSS_DPI, render

    explorer = _story_explorer()
    box = explorer.widget()
    image = box.children[1]
    width = round(explorer.figsize[0] * CSS_DPI)
    assert image.layout.width == f"{width}px" and image.layout.max_width == "100%"
    for control in explorer.controls.values():
        assert control.continuous_update is False      # a drag redraws once, on release
    for ratio in (1, 1.25, 2):
        png, size = render(explorer.figure, ratio, explorer.layout)
        assert size[0] == round(width * ratio)
        assert abs(size[1] - explorer.figsize[1] * CSS_DPI * ratio) <= 1
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # the browser reports its pixel ratio through the hidden text box: the image follows
    probe = [c for c in box.children if isinstance(c, ipywidgets.Text)][0]
    probe.value = "2"
    assert explorer.ratio == 2 and explorer.image_size[0] == 2 * width
    probe.value = "not a number"
    assert explorer.ratio == 2


def test_a_long_slider_label_is_never_cut_short():
    explorer = _story_explorer()
    explorer.controls["gap"].description = "steps shown"
    explorer._widget = None
    explorer.widget()
    assert explorer.controls["gap"].style.description_width == "initial"


def test_the_layout_is_worked_out_once_and_reused_exactly():
    """Moving a slider reuses the constrained layout of the first draw, and the image is
    then the one a full layout pass gives."""
    from lessonkit.widgets import Layout, render

    explorer = _story_explorer()
    explorer.widget()
    first = explorer._image.value
    for value in (0.9, 1.2, 0.6):
        explorer.update(w=value)
    assert explorer.layout.passes == 1
    assert explorer._image.value == first           # back at w = 0.6: the same bytes
    fresh, _ = render(explorer.figure, explorer.ratio, Layout())
    assert fresh == first


def test_a_text_that_would_stick_out_gets_a_real_layout_pass():
    from lessonkit.widgets import Layout, render

    explorer = _story_explorer()
    explorer.update()
    layout = Layout()
    render(explorer.figure, 1, layout)
    # same arrangement, but a y label far wider than the margin found for it
    explorer.figure.clear()
    explorer.draw(explorer.figure, **explorer.values)
    explorer.figure.axes[0].set_ylabel("M", fontsize=40)
    before = layout.passes
    render(explorer.figure, 1, layout)
    assert layout.passes == before + 1


def test_lesson_06_title_shows_how_far_the_forget_factor_is_from_1():
    story = {e.draw.__name__: e for _, e in explorers(master("06_lstm_cell"))}["draw_story"]
    for bias, shown in ((10.0, "0.999955"), (5.0, "0.9933"), (-2.0, "0.119")):
        assert story.update(forget_bias=bias) == "ok"
        title = story.figure._suptitle.get_text()
        assert f"σ({bias:+.1f}) = {shown} per step" in title, title


def overlapping_labels(fig):
    """[(axes index, axis, label, label)] of tick labels drawn over each other (after a draw)."""
    renderer = fig.canvas.get_renderer()
    found = []
    for k, ax in enumerate(fig.axes):
        for axis in (ax.xaxis, ax.yaxis):
            ticks = [t for t in axis._update_ticks() if t.label1.get_visible() and t.label1.get_text()]
            boxes = [(t.label1.get_text(), t.label1.get_window_extent(renderer)) for t in ticks]
            found += [(k, axis.axis_name, a, b) for i, (a, box_a) in enumerate(boxes)
                      for b, box_b in boxes[i + 1:] if box_a.overlaps(box_b)]
    return found


def test_lesson_08_explosion_tick_labels_never_crowd():
    """At input scale 1 the gradient norms vary less than a decade: the log axes still
    span two decades, labelled at powers of ten only (no 1.1×10⁰, 1.2×10⁰, ... on top
    of each other)."""
    from lessonkit.widgets import render

    explosion = {e.draw.__name__: e for _, e in explorers(master("08_lstm_vs_rnn"))}["draw_explosion"]
    for w in (0.5, 1.0, 1.5, 2.0):
        for scale in (-6.0, -3.0, 0.0):
            assert explosion.update(w=w, log10_input_scale=scale) == "ok"
            render(explosion.figure, 1.0, explosion.layout)
            assert not overlapping_labels(explosion.figure), (w, scale, overlapping_labels(explosion.figure))
            for ax in explosion.figure.axes[:2]:
                low, high = ax.get_ylim()
                assert high / low >= 100, f"w={w}, log10 input {scale}: a log axis spans {high / low:.3g}x"


def test_lesson_09_parameter_labels_stay_inside_the_frame():
    """Each bar's label (its count and its share of the standard LSTM) ends inside the axes."""
    from matplotlib.figure import Figure

    from lessonkit.widgets import render

    from .lessons import run_cells

    with grading_env():   # only the definitions: nothing is drawn while grading
        namespace, _ = run_cells(master("09_gru"), skip_tests=True)
    fig = Figure(figsize=(8, 2.8), layout="constrained")
    namespace["draw_counts"](fig)
    render(fig, 1.0)
    ax = fig.axes[0]
    assert len(ax.texts) == 4
    for text in ax.texts:
        box, frame = text.get_window_extent(fig.canvas.get_renderer()), ax.get_window_extent()
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 - 2, f"{text.get_text()!r} runs past the frame"


def test_a_redraw_keeps_its_axes_only_while_the_panels_repeat():
    """The explorer's figure hands back the last drawing's Axes (cleared as new) for the
    same subplots calls, makes new ones for other calls, and keeps none it did not use."""
    import ipywidgets

    from lessonkit.widgets import Explorer

    def draw(fig, panels, odd):
        if panels == 0:
            raise ValueError("no panels")
        axes = fig.subplots(1, panels, squeeze=False)[0]
        for k, ax in enumerate(axes):
            ax.plot([1, 2], [1, k + 2])
            if odd:
                ax.axis("off")
                ax.set_aspect("equal")
                ax.set_xscale("log")
                ax.tick_params(labelcolor="red", length=9)
        fig.suptitle(f"{panels} panels")

    explorer = Explorer(draw, {"panels": ipywidgets.IntSlider(value=2, min=0, max=3),
                               "odd": ipywidgets.Checkbox(value=True)})
    assert explorer.update() == "ok"
    first = list(explorer.figure.axes)
    assert explorer.update(odd=False) == "ok" and explorer.figure.axes == first, "same calls: same Axes"
    for ax in first:   # nothing of the last drawing is left on the Axes it hands back
        assert ax.axison and ax.get_aspect() == "auto" and ax.get_xscale() == "linear"
        assert all(t.label1.get_color() != "red" and t.tick1line.get_markersize() != 9
                   for t in ax.xaxis.majorTicks)
    assert explorer.update(panels=1) == "ok"
    one = explorer.figure.axes
    assert len(one) == 1 and not any(ax is old for ax in one for old in first), "other calls: new Axes"
    assert explorer.update(panels=3) == "ok"
    assert len(explorer.figure.axes) == 3 and not any(ax is one[0] for ax in explorer.figure.axes)
    assert [t.get_text() for t in explorer.figure.texts] == ["3 panels"], "one title, the last"
    assert explorer.update(panels=0) == "error"
    assert explorer.figure.axes == [] and len(explorer.figure.texts) == 1, "the message alone"


def test_a_slow_redraw_first_shows_what_it_is_doing():
    """An explorer given slow= shows its message at once, before a long drawing starts
    (lesson 08 trains a new seed for seconds), and nothing extra for a quick one."""
    import ipywidgets

    from lessonkit.widgets import Explorer

    sent, seen = [], []   # the texts of each image sent; (seed, images sent so far) per drawing

    def draw(fig, seed):
        seen.append((seed, len(sent)))
        fig.add_subplot().plot([0, 1], [0, seed])

    explorer = Explorer(draw, {"seed": ipywidgets.IntSlider(value=0, min=0, max=3)},
                        slow=lambda seed: f"training seed {seed}" if seed >= 2 else None)
    explorer.widget()
    explorer._image.observe(lambda change: sent.append([t.get_text() for t in explorer.figure.texts]),
                            names="value")
    explorer.update(seed=1)
    explorer.update(seed=2)
    assert seen == [(0, 0), (1, 0), (2, 2)], "the message image is sent before the slow drawing, and only then"
    assert sent == [[], ["training seed 2 …"], []]
    assert len(explorer.figure.axes) == 1


def test_remembered_results_are_computed_anew_when_a_function_is_run_again():
    """remembered keeps a result per argument while the notebook's functions stay the
    same; running a function's cell again (a new function object) drops every result."""
    from lessonkit.widgets import remembered

    namespace = {"remembered": remembered, "calls": []}
    exec("def square(x):\n    return x * x\n\n"
         "@remembered\ndef area(x):\n    calls.append(x)\n    return square(x)\n", namespace)
    area = namespace["area"]
    assert [area(2), area(3), area(2)] == [4, 9, 4] and namespace["calls"] == [2, 3], "kept per argument"
    exec("def square(x):\n    return x * x + 1\n", namespace)   # the student fixes a cell and runs it
    assert area(2) == 5 and namespace["calls"] == [2, 3, 2], "a redefined function: computed anew"
