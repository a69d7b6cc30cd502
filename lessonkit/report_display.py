"""How a check's result reaches the student: one compact display, as a tutor would show it.

:func:`lessonkit.checks.check` judges (``run_cases``); this module only presents:

- the reason first: the named hint (or the first problem) once, however many stored
  cases show it;
- a line per stored case: ✓ or ✗ and what it checks (a case whose problem differs
  from the headline says so under its line, once per distinct problem);
- expected beside got for the first case whose values are wrong, with just enough
  digits to show the difference, the differing entries marked.

In JupyterLab the report renders as HTML (``_repr_html_``), elsewhere as plain text
(``__repr__``). Interactively a failing check only displays it, so Run All goes on.
Under nbgrader (``NBGRADER_EXECUTION``) it raises :class:`CheckFailed`, whose
``_render_traceback_`` is the same plain text: IPython then shows no frame of the
course's code, in the notebook, in nbgrader's Validate dialog and in its feedback.
"""

import copy
import html
import re
import textwrap

import numpy as np

WIDTH = 74
"""Plain-text lines are wrapped to this width (Validate's dialog does not wrap)."""

OK_COLOR, BAD_COLOR, HINT_BG, DIFF_BG = "#2e7d32", "#c62828", "rgba(255, 179, 0, 0.16)", "rgba(198, 40, 40, 0.18)"


class CheckFailed(AssertionError):
    """A visible or hidden check failed; the message says why.

    IPython renders it with :meth:`_render_traceback_`: the message alone, wrapped,
    never a traceback through the course's code.
    """

    def __init__(self, message, report=None):
        super().__init__(message)
        self.report = report

    def _render_traceback_(self):
        if self.report is not None:
            return self.report.lines()
        return wrap(str(self))


def wrap(text, width=WIDTH):
    """``text`` as lines of at most ``width`` characters, keeping its line breaks and
    each line's indent."""
    lines = []
    for line in str(text).splitlines() or [""]:
        indent = line[:len(line) - len(line.lstrip())]
        lines += textwrap.wrap(line, width, subsequent_indent=indent + ("  " if line.lstrip()[:1] in "✓✗" else ""),
                               break_long_words=False, break_on_hyphens=False) or [""]
    return lines


class Comparison:
    """Expected beside got for one output of one stored case."""

    def __init__(self, case, label, expected, got, tol):
        self.case, self.label = case, label
        self.expected, self.got = expected, got
        with np.errstate(invalid="ignore"):
            self.bad = ~np.isclose(got, expected, rtol=tol[0], atol=tol[1], equal_nan=True)
        with np.errstate(invalid="ignore"):
            diff = np.nan_to_num(np.where(self.bad, np.abs(got - expected), 0.0), nan=np.inf)
        self.worst = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
        self.window = _window(expected.shape, self.worst)
        shown = [(float(expected[i]), float(got[i])) for i in np.ndindex(expected.shape)
                 if self.bad[i] and _inside(i, self.window)]
        self.digits = _digits(shown)

    def title(self):
        where = f"the {self.label} you return" if self.label else "your output"
        at = f", largest difference at index {tuple(int(i) for i in self.worst)}" if self.worst else ""
        part = "" if _whole(self.expected.shape, self.window) else " (the part around it)"
        return f"Expected and got on “{self.case}”: {where}{at}{part}"

    def rows(self):
        """[(label, [expected cells], [got cells], [bad flags])], one per shown row."""
        exp, got, bad = (a[self.window] for a in (self.expected, self.got, self.bad))
        exp, got, bad = (np.atleast_2d(a.reshape(-1, a.shape[-1]) if a.ndim else a) for a in (exp, got, bad))
        fmt = f"{{:.{self.digits}g}}"
        prefix = _row_prefix(self.window, self.expected.ndim)
        out = []
        for r in range(exp.shape[0]):
            label = prefix(r)
            out.append((label, [fmt.format(v) for v in exp[r]], [fmt.format(v) for v in got[r]], list(bad[r])))
        return out

    def lines(self):
        """Expected over got, row by row, in aligned columns (``*`` after a differing entry)."""
        rows = self.rows()
        width = max(len(c) for _, e, g, _ in rows for c in e + g) + 1
        label_w = max([len(label) for label, *_ in rows] + [0])
        out = [self.title() + "; * marks the entries that differ:"]
        for label, e, g, flags in rows:
            out.append(f"  {label:{label_w}} expected " + " ".join(f"{v} ".rjust(width + 1) for v in e))
            out.append(f"  {'':{label_w}} got      " + " ".join(
                f"{v}{'*' if f else ' '}".rjust(width + 1) for v, f in zip(g, flags)))
        return out

    def html(self):
        rows = self.rows()

        def table(which):
            body = []
            for label, e, g, flags in rows:
                cells = e if which == "expected" else g
                tds = "".join(
                    f'<td style="padding:1px 6px;text-align:right;font-family:var(--jp-code-font-family,monospace);'
                    f'{"background:" + DIFF_BG + ";font-weight:600;" if which == "got" and f else ""}">'
                    f"{html.escape(c)}</td>" for c, f in zip(cells, flags))
                head = f'<td style="padding:1px 6px;opacity:0.6">{html.escape(label)}</td>' if label.strip() else ""
                body.append(f"<tr>{head}{tds}</tr>")
            return (f'<div><div style="opacity:0.75">{which}</div>'
                    f'<table style="border-collapse:collapse;margin:0">{"".join(body)}</table></div>')

        return (f'<div style="margin-top:6px">{html.escape(self.title())}; the entries that differ are '
                f'highlighted:</div>'
                f'<div style="display:flex;gap:28px;flex-wrap:wrap;margin:2px 0 0 1.2em">'
                f'{table("expected")}{table("got")}</div>')


def _digits(pairs):
    """The fewest significant digits (at least 4, at most 12) that tell every shown
    expected value from its got value."""
    for n in range(4, 13):
        if all(f"{a:.{n}g}" != f"{b:.{n}g}" for a, b in pairs):
            return n
    return 12


MAX_COLS, MAX_ROWS = 6, 4


def _window(shape, worst):
    """Index slices: the whole array when small, else rows and columns around ``worst``."""
    if not shape:
        return ()
    window = []
    for axis, size in enumerate(shape):
        last = axis == len(shape) - 1
        limit = MAX_COLS if last else (MAX_ROWS if axis == len(shape) - 2 else 1)
        if size <= limit:
            window.append(slice(0, size))
        else:
            start = min(max(int(worst[axis]) - limit // 2, 0), size - limit)
            window.append(slice(start, start + limit))
    return tuple(window)


def _inside(index, window):
    return all(s.start <= i < s.stop for i, s in zip(index, window))


def _whole(shape, window):
    return all(s.start == 0 and s.stop == n for s, n in zip(window, shape))


def _row_prefix(window, ndim):
    """A label for each shown row: its index before the last axis ("row 2", "[0, 1]")."""
    if ndim <= 1:
        return lambda r: ""
    lead = [range(s.start, s.stop) for s in window[:-1]]
    labels = [list(i) for i in np.ndindex(*[len(r) for r in lead])]
    names = [[lead[a][k] for a, k in enumerate(idx)] for idx in labels]
    if ndim == 2:
        return lambda r: f"row {names[r][0]}"
    return lambda r: "[" + ", ".join(str(i) for i in names[r]) + ", :]"


def comparison(fn, spec, case, verdict):
    """The :class:`Comparison` for a case whose values are wrong, or None (the call
    fails, the structure or shape differs, or nothing differs at the tolerance)."""
    from .compare import _labelled, call, tolerance

    if verdict.kind not in ("mistake", "wrong"):
        return None
    value, failure = call(fn, copy.deepcopy(case.args), spec.in_place)
    if failure is not None:
        return None
    try:
        got_parts = _labelled(value, case.expected, spec.outputs)
        exp_parts = _labelled(case.expected, case.expected, spec.outputs)
    except Exception:  # noqa: BLE001 - a structure the message already explains
        return None
    for (label, exp), (_, got) in zip(exp_parts, got_parts):
        try:
            e, g = np.asarray(exp, dtype=np.float64), np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        if e.shape != g.shape:
            return None
        found = Comparison(case.what, label, e, g, tolerance(got))
        if found.bad.any():
            return found
    return None


class CheckReport:
    """The result of one visible check, ready to display (HTML or text) or raise.

    rows: [(ok, what, problem or None, kind)], one per stored case; headline: the
    reason, shown once; note: an extra line (e.g. a function it builds on fails);
    comparison: expected beside got.
    """

    def __init__(self, name, rows, headline="", note=None, comparison=None):
        self.name, self.rows, self.headline = name, rows, headline
        self.note, self.comparison = note, comparison

    @property
    def ok(self):
        return bool(self.rows) and all(row[0] for row in self.rows)

    @property
    def failed(self):
        return sum(1 for row in self.rows if not row[0])

    def summary(self):
        if self.ok:
            return f"All {len(self.rows)} checks of {self.name} pass."
        return f"{self.failed} of {len(self.rows)} checks of {self.name} fail:"

    def _show_rows(self):
        """No case lines when every case stopped before its values could be compared
        for the same reason as the headline (a function not implemented yet)."""
        return bool(self.rows) and not all(kind == "not_implemented" for *_, kind in self.rows)

    def _row_lines(self):
        """(mark, what, problem to show under it or None): each problem once, and the
        headline's not again."""
        head = next((self._kind_key(r) for r in self.rows if not r[0] and r[2] == self.headline), None)
        shown, out = {head}, []
        for row in self.rows:
            ok, what, problem, _ = row
            extra = None
            if not ok and problem and self._kind_key(row) not in shown:
                shown.add(self._kind_key(row))
                extra = problem
            out.append(("✓" if ok else "✗", what, extra))
        return out

    @staticmethod
    def _kind_key(row):
        """Rows with the same key tell the same thing: values that differ (the comparison
        shows where) or one named misconception; any other problem by its words, its
        numbers aside (one error raised on cases of other sizes says the same thing)."""
        _, _, problem, kind = row
        if kind in ("wrong", "nan"):
            return kind
        return kind, re.sub(r"\d+", "#", problem) if kind in ("error", "warning", "shape") and problem else problem

    def text(self):
        """The plain text, unwrapped, the reason first."""
        parts = [f"✓ {self.summary()}" if self.ok else f"✗ {self.headline}"] + ([self.note] if self.note else [])
        if self._show_rows():
            if not self.ok:
                parts.append(self.summary())
            for mark, what, extra in self._row_lines():
                parts.append(f"  {mark} {what}")
                if extra:
                    parts.append(f"      {extra}")
        if self.comparison is not None:
            parts += self.comparison.lines()
        return "\n".join(parts)

    def lines(self):
        """The plain text, wrapped to :data:`WIDTH` (Validate's dialog does not wrap)."""
        return [wrapped for line in self.text().splitlines() for wrapped in wrap(line)]

    def __repr__(self):
        return "\n".join(self.lines())

    __str__ = __repr__

    def _repr_html_(self):
        color = OK_COLOR if self.ok else BAD_COLOR
        esc = html.escape
        parts = [f'<div class="course-check" style="border-left:4px solid {color};padding:4px 10px;'
                 f'margin:2px 0;line-height:1.45">']
        if self.ok:
            parts.append(f'<div style="font-weight:600;color:{color}">✓ {esc(self.summary())}</div>')
        else:
            parts.append(f'<div style="padding:5px 8px;background:{HINT_BG};border-radius:3px">'
                         f'<span style="color:{color};font-weight:700">✗ </span>{esc(self.headline)}</div>')
        if self.note:
            parts.append(f'<div style="margin-top:4px">{esc(self.note)}</div>')
        if self._show_rows():
            if not self.ok:
                parts.append(f'<div style="margin-top:6px">{esc(self.summary())}</div>')
            items = []
            for mark, what, extra in self._row_lines():
                c = OK_COLOR if mark == "✓" else BAD_COLOR
                sub = f'<div style="margin-left:1.4em;opacity:0.85">{esc(extra)}</div>' if extra else ""
                items.append(f'<li><span style="color:{c};font-weight:700">{mark}</span> {esc(what)}{sub}</li>')
            parts.append(f'<ul style="list-style:none;padding-left:0.6em;margin:2px 0">{"".join(items)}</ul>')
        if self.comparison is not None:
            parts.append(self.comparison.html())
        parts.append("</div>")
        return "".join(parts)


def build(fn, name, results, note=None):
    """The :class:`CheckReport` of ``fn`` from ``results``, [(case, Verdict)] of
    :func:`lessonkit.checks.run_cases`."""
    from . import stored

    rows = [(v.ok, case.what, None if v.ok else v.message, v.kind) for case, v in results]
    failed = [(case, v) for case, v in results if not v.ok]
    if not failed:
        return CheckReport(name, rows, note=note)
    spec, shown = stored.spec(name), None
    for case, verdict in failed:
        shown = comparison(fn, spec, case, verdict)
        if shown is not None:
            break
    # the reason: a named misconception says most, then the first problem found
    reason = next((v for _, v in failed if v.kind == "mistake"), failed[0][1])
    return CheckReport(name, rows, reason.message, note, shown)


def message(name, text):
    """A report that is only a reason (e.g. the name is not a function)."""
    return CheckReport(name, [], text)


def deliver(report, grading):
    """Show ``report``; under nbgrader (``grading``) a failing one raises instead."""
    if grading and not report.ok:
        raise CheckFailed(report.text(), report)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with the course's Jupyter
        print(report)
        return
    if get_ipython() is None:
        print(report)
    else:
        display(report)
