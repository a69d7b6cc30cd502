"""Explorers: sliders that redraw a figure through the student's own functions.

    explorer = Explorer(draw, {"weight": FloatSlider(...)})
    explorer            # as a cell's last line: the sliders and the figure

``draw(fig, **values)`` draws on a fresh figure using the lesson's functions. If one
of them is not implemented yet, the figure says which one to implement instead of
raising: the first still to write of ``needs`` (the functions it uses, in the lesson's
order) if given, else the one that raised. Any other error is shown in the figure too. Under nbgrader
(``NBGRADER_EXECUTION`` set) an explorer shows one line and computes nothing.
``update(**values)`` redraws as a slider move does, for tests without a browser.

Crisp: a figure of ``figsize`` inches is shown ``CSS_DPI`` CSS pixels per inch wide
(8 in: 720 px), never stretched, and rendered at the browser's device pixel ratio,
which a tiny probe in the widget reports to the kernel (1 until it has). Fast: a
slider sends its value when it is released (one redraw per move, none during a
drag); the figure is drawn once per redraw, the constrained layout is worked out
once per arrangement of panels and reused while only data and values change, and the
figure's Axes and their tick objects are kept from one redraw to the next
(:func:`recycling_figure`) instead of being built again; while a redraw is drawn each
axis works out its ticks once and the renderer keeps each font's heights, each text's
glyph layout and each glyph's bitmap (:mod:`lessonkit.drawing_shortcuts`), with the same
pixels as matplotlib alone draws.
"""

import io
import os
import traceback

from .drawing_shortcuts import TicksOnce, keep_what_it_drew

CSS_DPI = 90          # CSS pixels per figure inch: an 8-inch figure is 720 px wide
STATIC_RATIO = 2.0    # pixel ratio of static plots (show), which have no probe
_ratio = {"last": 1.0}  # the last ratio a browser reported: new explorers start with it


def grading():
    """True while nbgrader executes the notebook (it sets NBGRADER_EXECUTION)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def missing_function(exc):
    """The name of the function whose body raised NotImplementedError."""
    frames = traceback.extract_tb(exc.__traceback__)
    return frames[-1].name if frames else "the function above"


def first_missing(names, namespace):
    """The first of ``names`` (functions, in the order the lesson teaches them) that
    ``namespace`` does not define yet or whose body still raises NotImplementedError
    (the student's version before it is written); None if every one is written."""
    for name in names:
        function = namespace.get(name)
        code = getattr(function, "__code__", None)
        if function is None or (code is not None and "NotImplementedError" in code.co_names):
            return name
    return None


def remembered(compute):
    """``compute`` with its results kept, by its arguments (the slider values it is given)
    and by the notebook's functions as they are now: moving a slider back shows the same
    figure at once, and running a function's cell again (a new function object) makes
    every result be computed anew. For pure computations with hashable arguments."""
    import functools
    import types

    kept, version = {}, [None]

    @functools.wraps(compute)
    def remembering(*args):
        functions = tuple(v for v in compute.__globals__.values() if isinstance(v, types.FunctionType))
        if version[0] is None or len(functions) != len(version[0]) or any(
                a is not b for a, b in zip(functions, version[0])):
            kept.clear()
            version[0] = functions    # held, so that no new function can take an old one's id
        if args not in kept:
            if len(kept) >= 256:
                kept.pop(next(iter(kept)))
            kept[args] = compute(*args)
        return kept[args]

    return remembering


def css_size(figsize):
    """The figure's size on screen in CSS pixels, (width, height)."""
    return round(figsize[0] * CSS_DPI), round(figsize[1] * CSS_DPI)


def render(fig, ratio=1.0, layout=None):
    """The figure as PNG bytes, ``ratio`` device pixels per CSS pixel.

    Drawn once on the Agg canvas (no matplotlib backend needed, no second layout pass
    as savefig makes), encoded as an RGB PNG at low compression (speed over size).
    ``layout``, a :class:`Layout`, reuses the constrained layout of earlier redraws.
    Returns (png bytes, (width, height) in device pixels).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    width_in, _ = fig.get_size_inches()
    css_width = round(width_in * CSS_DPI)
    fig.set_dpi((round(css_width * ratio) + 0.01) / width_in)  # whole device pixels, exactly
    # one canvas per figure: its renderer, and matplotlib's cache of text sizes tied
    # to it, live from one redraw to the next
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    keep_what_it_drew(canvas.get_renderer())
    if layout is not None:
        layout.apply(fig, canvas)
    else:
        canvas.draw()
    size = canvas.get_width_height()
    image = Image.frombuffer("RGBA", size, canvas.buffer_rgba()).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=1)
    return buffer.getvalue(), size


def png_bytes(fig, dpi=CSS_DPI):
    """The figure as PNG bytes at ``dpi`` (kept for callers that want one file)."""
    return render(fig, dpi / CSS_DPI)[0]


def _legend_width(legend):
    """What of a legend the layout depends on: nothing when it sits inside its axes
    (placed by ``loc`` alone), its longest label when anchored outside."""
    if legend is None:
        return None
    if getattr(legend, "_bbox_to_anchor", None) is None:
        return "inside"
    return max((len(t.get_text()) for t in legend.get_texts()), default=0)


class Layout:
    """The constrained layout of an explorer's figure, worked out once per arrangement.

    A redraw makes new axes; when they are arranged as last time (same panels, same
    number of lines in titles and labels, legends and tick labels of the same length),
    the positions found last time are set directly and the figure is drawn without a
    layout engine: the layout pass costs as much as drawing itself. Any text that
    would then stick out of the figure triggers a real layout pass after all.
    """

    def __init__(self):
        self.key = None
        self.positions = None
        self.suptitle = None
        self.clipped = False
        self.passes = 0     # how many real layout passes were made (for tests)

    @staticmethod
    def arrangement(fig):
        def lines(text):
            return text.count("\n") + 1 if text else 0

        def fixed_labels(axis):
            seq = getattr(axis.get_major_formatter(), "seq", None)
            return max((len(str(s)) for s in seq), default=0) if seq is not None else -1

        panels = []
        for ax in fig.axes:
            spec = ax.get_subplotspec()
            legend = ax.get_legend()
            panels.append((type(ax).__name__,
                           None if spec is None else (spec.get_geometry(), spec.rowspan, spec.colspan),
                           lines(ax.get_title("left")), lines(ax.get_title()), lines(ax.get_title("right")),
                           lines(ax.get_xlabel()), lines(ax.get_ylabel()),
                           ax.get_xscale(), ax.get_yscale(), ax.xaxis.get_visible(), ax.axison,
                           fixed_labels(ax.xaxis), fixed_labels(ax.yaxis),
                           _legend_width(legend)))
        title = fig._suptitle
        return (tuple(fig.get_size_inches()), tuple(panels),
                None if title is None else lines(title.get_text()), len(fig.texts))

    def apply(self, fig, canvas):
        """Lay the figure out (reusing the last layout when it fits) and draw it."""
        key = self.arrangement(fig)
        if key == self.key:
            for ax, position in zip(fig.axes, self.positions):
                ax._set_position(position)
            if self.suptitle is not None:
                fig._suptitle.set_position(self.suptitle[0])
                fig._suptitle.set_verticalalignment(self.suptitle[1])
            engine = fig.get_layout_engine()
            fig.set_layout_engine("none")
            with TicksOnce(fig):
                canvas.draw()
                fits = self.clipped or not self._sticks_out(fig, canvas.get_renderer())
            fig.set_layout_engine(engine)
            if fits:
                return
        fig.set_layout_engine("constrained")
        canvas.draw()
        self.passes += 1
        self.clipped = self._sticks_out(fig, canvas.get_renderer())  # then a new pass would not help
        self.key = key
        self.positions = [ax.get_position(original=True).frozen() for ax in fig.axes]
        title = fig._suptitle
        self.suptitle = None if title is None else (title.get_position(), title.get_verticalalignment())

    @staticmethod
    def _sticks_out(fig, renderer):
        """Whether a title, label or tick label drawn last reaches past the figure's edge."""
        edge = fig.bbox
        texts = []
        for ax in fig.axes:
            texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
            for axis in (ax.xaxis, ax.yaxis):   # the ticks drawn: those inside the view
                texts += [label for tick in axis._update_ticks() for label in (tick.label1, tick.label2)]
        if fig._suptitle is not None:
            texts.append(fig._suptitle)
        for text in texts:
            if not text.get_visible() or not text.get_text():
                continue
            box = text.get_window_extent(renderer)
            if box.x0 < edge.x0 - 0.5 or box.y0 < edge.y0 - 0.5 or box.x1 > edge.x1 + 0.5 \
                    or box.y1 > edge.y1 + 0.5:
                return True
        return False


def _axes_of(made):
    """The Axes in what subplots() or add_subplot() returned (one, or an array of them)."""
    return list(made.flat) if hasattr(made, "flat") else [made]


def _keep_ticks():
    """Stands in for an Axis's reset_ticks while :func:`_reset_axes` clears its Axes."""


_LINE_STYLE = ("_linestyle", "_linewidth", "_color", "_gapcolor", "_markersize", "_markerfacecolor",
               "_markerfacecoloralt", "_markeredgecolor", "_markeredgewidth", "_unscaled_dash_pattern",
               "_dash_pattern", "_dashcapstyle", "_dashjoinstyle", "_solidcapstyle", "_solidjoinstyle",
               "_marker", "_drawstyle")
_TICK_STYLE = ("_loc", "_size", "_width", "_base_pad", "_labelrotation", "_zorder", "_tickdir")


def _copy_tick(axis, src, dest):
    """Axis._copy_tick_props without its deep copy of each line's MarkerStyle (immutable
    since matplotlib 3.6, so shared): the same properties, a tenth of the time."""
    from matplotlib.artist import Artist

    try:
        for a, b in ((src.tick1line, dest.tick1line), (src.tick2line, dest.tick2line),
                     (src.gridline, dest.gridline)):
            Artist.update_from(b, a)
            for name in _LINE_STYLE:
                setattr(b, name, getattr(a, name))
        for name in _TICK_STYLE:
            setattr(dest, name, getattr(src, name))
    except AttributeError:   # another matplotlib than requirements.txt's: its own, slower copy
        axis._copy_tick_props(src, dest)
        return
    dest.label1.update_from(src.label1)
    dest.label2.update_from(src.label2)
    Artist.update_from(dest, src)


def _reset_axes(ax):
    """``ax`` as a fresh Axes would be: cleared (cla), and the settings cla leaves alone.

    Its tick objects are kept (making them is the dearest part of a new Axes; cla alone
    makes three first ticks per list), each set back to the properties of a tick made
    with the new Axes' tick settings (cla keeps what tick_params set, a label colour say)."""
    axes = list(ax._axis_map.values())
    kept = [(axis.majorTicks, axis.minorTicks) for axis in axes]
    for axis in axes:   # out of cla's way: it would clip each tick to its new patch, one by one
        axis.reset_ticks = _keep_ticks
        axis.majorTicks, axis.minorTicks = [], []
    try:
        ax.cla()
    finally:
        for axis, (major, minor) in zip(axes, kept):
            del axis.reset_ticks
            axis.majorTicks, axis.minorTicks = major, minor
    for axis in axes:
        axis._major_tick_kw, axis._minor_tick_kw = (dict(kw) for kw in ax._lessonkit_tick_kw[axis.axis_name])
        if not hasattr(axis, "_lessonkit_fresh"):   # made once, with the new Axes' settings
            axis._lessonkit_fresh = (axis._get_tick(major=True), axis._get_tick(major=False))
            for fresh in axis._lessonkit_fresh:
                fresh.set_clip_path(ax.patch)
        for ticks, fresh in zip((axis.majorTicks, axis.minorTicks), axis._lessonkit_fresh):
            for tick in ticks:    # (with its clip path: cla's new patch is the same rectangle)
                _copy_tick(axis, fresh, tick)
    ax.axison = True
    ax.set_aspect("auto")
    ax.set_adjustable("box")
    ax.set_anchor("C")
    ax.set_box_aspect(None)
    ax.set_frame_on(True)
    ax.set_zorder(0)


_RECYCLING = {}


def recycling_figure(figsize):
    """A matplotlib Figure that keeps its Axes from one redraw to the next.

    A redraw clears the figure and makes its panels again with the same calls
    (``fig.subplots(1, 2)``, ``fig.add_subplot()``, ...): building an Axes and its tick
    objects costs as much as drawing it. Here ``clear()`` keeps the Axes aside, and
    each ``subplots``/``add_subplot`` call that repeats, in order, the call of the
    last drawing returns the same Axes, cleared as new (``cla``); any other call makes
    new ones. :meth:`finish` removes the Axes no call took back.
    """
    if "class" not in _RECYCLING:
        from matplotlib.figure import Figure

        class RecyclingFigure(Figure):
            _calls, _last = (), ()   # Figure.__init__ clears the figure

            def clear(self, keep_observers=False):
                if not hasattr(self, "_axobservers"):   # the first time, from Figure.__init__
                    return Figure.clear(self, keep_observers)
                if self._calls or not self._last:
                    self._last = [*self._calls] + [(None, ax) for ax in self.axes if not any(
                        ax in _axes_of(made) for _, made in self._calls)]
                self._calls = []
                # the rest as Figure.clear does it
                self.suppressComposite = None
                self.artists, self.lines, self.patches, self.texts, self.images, self.legends = \
                    [], [], [], [], [], []
                self.subplotpars.reset()
                self._suptitle = self._supxlabel = self._supylabel = None
                self.stale = True

            def _again(self, key, make):
                k = len(self._calls)
                if k < len(self._last) and self._last[k][0] == key:
                    made = self._last[k][1]
                    for ax in _axes_of(made):
                        _reset_axes(ax)
                else:
                    made = make()
                    for ax in _axes_of(made):   # its tick settings as made, for _reset_axes
                        ax._lessonkit_tick_kw = {axis.axis_name: (dict(axis._major_tick_kw),
                                                                  dict(axis._minor_tick_kw))
                                                 for axis in ax._axis_map.values()}
                self._calls = [*self._calls, (key, made)]
                return made

            def subplots(self, *args, **kwargs):
                return self._again(("subplots", repr(args), repr(sorted(kwargs.items()))),
                                   lambda: Figure.subplots(self, *args, **kwargs))

            def add_subplot(self, *args, **kwargs):
                return self._again(("add_subplot", repr(args), repr(sorted(kwargs.items()))),
                                   lambda: Figure.add_subplot(self, *args, **kwargs))

            def finish(self):
                """Remove the Axes of earlier drawings that this one did not take back."""
                taken = [ax for _, made in self._calls for ax in _axes_of(made)]
                for ax in list(self.axes):
                    if not any(ax is t for t in taken) and any(ax is old for _, made in self._last
                                                               for old in _axes_of(made)):
                        self.delaxes(ax)
                self._last = []

        _RECYCLING["class"] = RecyclingFigure
    return _RECYCLING["class"](figsize=figsize, layout="constrained")


def _message(fig, text, color):
    fig.clear()
    fig.text(0.5, 0.5, text, ha="center", va="center", fontsize=12, color=color, wrap=True)


# Reports window.devicePixelRatio to the kernel through a hidden text box, again
# whenever it changes (browser zoom, another screen). An HTML widget's content is set
# as innerHTML, so the handler of an image that cannot load runs; nothing is fetched.
_PROBE = (
    '<img alt="" src="data:," style="display:none" onerror="(function probe(tries) {'
    "var box = document.querySelector('.BOX input');"
    "if (!box) { if (tries < 50) setTimeout(function () { probe(tries + 1); }, 100); return; }"
    "var ratio = window.devicePixelRatio || 1;"
    "box.value = String(ratio); box.dispatchEvent(new Event('input', {bubbles: true}));"
    "window.matchMedia('(resolution: ' + ratio + 'dppx)')"
    ".addEventListener('change', function () { probe(0); }, {once: true});"
    '})(0)">'
)


class Explorer:
    """Sliders (ipywidgets) driving ``draw(fig, **values)``."""

    def __init__(self, draw, controls, figsize=(8, 3.5), continuous=False, needs=(), slow=None):
        self.draw = draw
        self.controls = dict(controls)
        # slow(**values): what a long redraw at these values is doing ("training ..."),
        # shown at once while it runs; None when the redraw is quick
        self.slow = slow
        # the lesson's functions the figure uses, in the lesson's order: on a fresh
        # notebook it names the first of them still to write, not the one that raised
        self.needs = tuple(needs)
        self.figsize = figsize
        self.continuous = continuous   # True: redraw while a slider is dragged
        self._figure = None
        self.status = "not drawn"
        self.ratio = _ratio["last"]
        self.layout = Layout()
        self.image_size = None         # (width, height) in device pixels of the last image
        self._image = None
        self._widget = None

    @property
    def figure(self):
        """The matplotlib Figure, made on first use (never under nbgrader)."""
        if self._figure is None:
            self._figure = recycling_figure(self.figsize)
        return self._figure

    @property
    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def update(self, **values):
        """Set the given controls and redraw; returns the status: ok, todo or error."""
        for name, value in values.items():
            self.controls[name].value = value  # observed: redraws when displayed
        if self._image is None:
            self._redraw()
        return self.status

    def image(self):
        """The figure as it is now, as PNG bytes at the current pixel ratio."""
        png, self.image_size = render(self.figure, self.ratio, self.layout)
        return png

    def _redraw(self, _change=None):
        fig = self.figure
        doing = self.slow(**self.values) if self.slow is not None and self._image is not None else None
        if doing:   # say so at once: the image is sent before the long drawing starts
            fig.clear()
            _message(fig, f"{doing} …", "#555555")
            fig.finish()
            self._image.value = self.image()
        fig.clear()
        fig.set_size_inches(self.figsize)
        fig.set_layout_engine("constrained")
        try:
            self.draw(fig, **self.values)
            self.status = "ok"
        except NotImplementedError as exc:
            name = first_missing(self.needs, getattr(self.draw, "__globals__", {})) or missing_function(exc)
            _message(fig, f"Implement {name} first (its cell is above),\n"
                          "run that cell, then this one again.", "#b35900")
            self.status = "todo"
        except NameError as exc:  # a function whose cell was never run
            _message(fig, f"{exc.name} is not defined yet: implement it and run its cell\n"
                          "(above), then move a slider.", "#b35900")
            self.status = "todo"
        except Exception as exc:  # noqa: BLE001 - show, never raise, in a widget
            _message(fig, f"Your code raised {type(exc).__name__}:\n{exc}", "#b00020")
            self.status = "error"
        fig.finish()
        if self._image is not None:
            self._image.value = self.image()

    def _ratio_reported(self, change):
        try:
            ratio = round(min(max(float(change["new"]), 0.5), 4.0), 3)
        except (TypeError, ValueError):
            return
        _ratio["last"] = ratio
        if ratio != self.ratio:
            self.ratio = ratio
            if self._image is not None:
                self._image.value = self.image()   # same figure, more (or fewer) pixels

    def widget(self):
        """The sliders above the figure, as one ipywidgets box."""
        import ipywidgets as w

        if self._widget is None:
            width, _ = css_size(self.figsize)
            # a fixed CSS width (the box would stretch the image to its own width),
            # narrower only when the notebook is; the height follows the image
            self._image = w.Image(format="png", layout=w.Layout(width=f"{width}px", max_width="100%",
                                                                height="auto"))
            for control in self.controls.values():
                control.continuous_update = self.continuous
                if getattr(control, "description", "") and len(control.description) > 8:
                    control.style.description_width = "initial"   # never cut a label short
                control.observe(self._redraw, names="value")
            name = f"lessonkit-ratio-{id(self):x}"
            ratio = w.Text(layout=w.Layout(display="none"))
            ratio.add_class(name)
            ratio.observe(self._ratio_reported, names="value")
            probe = w.HTML(_PROBE.replace("BOX", name), layout=w.Layout(display="none"))
            self._widget = w.VBox([w.HBox(list(self.controls.values()), layout=w.Layout(flex_flow="row wrap")),
                                   self._image, ratio, probe])
            self._widget.add_class("lessonkit-explorer")
            self._widget.add_class(f"lessonkit-draws-{getattr(self.draw, '__name__', 'figure')}")  # for tests
            self._redraw()
        return self._widget

    def _ipython_display_(self):
        from IPython.display import display

        if grading():
            print("(The sliders are off while the notebook is being graded.)")
            return
        display(self.widget())


def show(draw, figsize=(8, 3.5), needs=()):
    """Draw one static figure with ``draw(fig)`` and display it.

    Like an explorer, it says which function to implement instead of raising (the first
    still to write of ``needs``, if given), and
    under nbgrader it draws nothing. Rendered at twice (or the browser's reported
    ratio of) the CSS size it is shown at, so it is crisp on high-density screens.
    """
    if grading():
        print("(Plots are off while the notebook is being graded.)")
        return
    explorer = Explorer(draw, {}, figsize=figsize, needs=needs)
    explorer.update()
    from IPython.display import Image, display

    png, _ = render(explorer.figure, max(STATIC_RATIO, _ratio["last"]))
    display(Image(data=png, width=css_size(figsize)[0]))
