"""Explorers: sliders that redraw a figure through the student's own functions.

    explorer = Explorer(draw, {"weight": FloatSlider(...)})
    explorer            # as a cell's last line: the sliders and the figure

``draw(fig, **values)`` draws on a fresh figure using the lesson's functions. If one
of them is not implemented yet, the figure says which one to implement instead of
raising; any other error is shown in the figure too. Under nbgrader
(``NBGRADER_EXECUTION`` set) an explorer shows one line and computes nothing.
``update(**values)`` redraws as a slider move does, for tests without a browser.
"""

import io
import os
import traceback


def grading():
    """True while nbgrader executes the notebook (it sets NBGRADER_EXECUTION)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def missing_function(exc):
    """The name of the function whose body raised NotImplementedError."""
    frames = traceback.extract_tb(exc.__traceback__)
    return frames[-1].name if frames else "the function above"


def png_bytes(fig, dpi=90):
    """The figure as PNG bytes (explicit, so no matplotlib backend setup is needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(fig)  # attach a canvas that can render without any backend set up
    fig.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})  # speed over size
    return buffer.getvalue()


def _message(fig, text, color):
    fig.clear()
    fig.text(0.5, 0.5, text, ha="center", va="center", fontsize=12, color=color, wrap=True)


class Explorer:
    """Sliders (ipywidgets) driving ``draw(fig, **values)``."""

    def __init__(self, draw, controls, figsize=(8, 3.5)):
        self.draw = draw
        self.controls = dict(controls)
        self.figsize = figsize
        self._figure = None
        self.status = "not drawn"
        self._image = None
        self._widget = None

    @property
    def figure(self):
        """The matplotlib Figure, made on first use (never under nbgrader)."""
        if self._figure is None:
            from matplotlib.figure import Figure

            self._figure = Figure(figsize=self.figsize, layout="constrained")
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

    def _redraw(self, _change=None):
        self.figure.clear()
        try:
            self.draw(self.figure, **self.values)
            self.status = "ok"
        except NotImplementedError as exc:
            name = missing_function(exc)
            _message(self.figure, f"Implement {name} first (its cell is above),\n"
                                  "run that cell, then this one again.", "#b35900")
            self.status = "todo"
        except NameError as exc:  # a function whose cell was never run
            _message(self.figure, f"{exc.name} is not defined yet: implement it and run its cell\n"
                                  "(above), then move a slider.", "#b35900")
            self.status = "todo"
        except Exception as exc:  # noqa: BLE001 - show, never raise, in a widget
            _message(self.figure, f"Your code raised {type(exc).__name__}:\n{exc}", "#b00020")
            self.status = "error"
        if self._image is not None:
            self._image.value = png_bytes(self.figure)

    def widget(self):
        """The sliders above the figure, as one ipywidgets box."""
        import ipywidgets as w

        if self._widget is None:
            self._image = w.Image(format="png")
            for control in self.controls.values():
                control.continuous_update = True
                control.observe(self._redraw, names="value")
            self._widget = w.VBox([w.HBox(list(self.controls.values()),
                                          layout=w.Layout(flex_flow="row wrap")), self._image])
            self._redraw()
        return self._widget

    def _ipython_display_(self):
        from IPython.display import display

        if grading():
            print("(The sliders are off while the notebook is being graded.)")
            return
        display(self.widget())


def show(draw, figsize=(8, 3.5)):
    """Draw one static figure with ``draw(fig)`` and display it.

    Like an explorer, it says which function to implement instead of raising, and
    under nbgrader it draws nothing.
    """
    if grading():
        print("(Plots are off while the notebook is being graded.)")
        return
    explorer = Explorer(draw, {}, figsize=figsize)
    explorer.update()
    from IPython.display import Image, display

    display(Image(data=png_bytes(explorer.figure)))
