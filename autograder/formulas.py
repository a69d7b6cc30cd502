"""Formulas in the feedback pages, readable offline and without a script.

A feedback page carries a Content Security Policy that allows no script (student
text is hostile), so MathJax cannot typeset it. Instead the TeX between ``$ … $`` and
``$$ … $$`` of each rendered markdown cell is turned into MathML here, which the
browser draws itself, with latex2mathml (an instructor-side package,
requirements-grading.txt). The result then passes the same allowlist as the rest
of the markdown (``gradebook.sanitise``), with MathML's presentation elements added.
Without latex2mathml, or for TeX it cannot read, the formula stays TeX text.
"""

import html
import re

MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)
LITERAL = re.compile(r"(<pre\b.*?</pre>|<code\b.*?</code>)", re.S)
ALIGNED = re.compile(r"\\begin\{aligned\}(.*?)\\end\{aligned\}", re.S)

TAGS = {"math", "mrow", "mi", "mo", "mn", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac",
        "msqrt", "mroot", "mstyle", "mtable", "mtr", "mtd", "munder", "mover", "munderover", "mpadded",
        "mphantom", "menclose"}
ATTRIBUTES = ["display", "xmlns", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace",
              "minsize", "maxsize", "width", "height", "depth", "linebreak", "columnalign", "rowalign",
              "columnspacing", "rowspacing", "displaystyle", "scriptlevel", "accent", "accentunder",
              "movablelimits", "symmetric", "notation", "columnlines", "rowlines", "frame"]


def _as_array(match):
    """latex2mathml reads no ``aligned``: the same rows as an array, a column per ``&``."""
    rows = match.group(1).replace("&&", "&\\qquad").split("\\\\")
    columns = max(row.count("&") for row in rows) + 1
    return "\\begin{array}{r" + "l" * (columns - 1) + "}" + "\\\\".join(rows) + "\\end{array}"


MAX_FORMULAS = 200
"""Formulas of one cell turned into MathML; the rest stay TeX text (the allowlist's cost
grows faster than linearly in the number of MathML elements: 4,000 formulas took 8 s)."""
MAX_TEX = 2_000
"""Characters of one formula; a longer one stays TeX text (the ``aligned`` rewrite and
latex2mathml are not linear in it)."""


def _mathml(match, convert, budget):
    block = match.group(1) is not None
    tex = html.unescape(match.group(1) if block else match.group(2))
    if len(tex) > MAX_TEX or budget[0] <= 0:
        return match.group(0)
    budget[0] -= 1
    try:
        return convert(ALIGNED.sub(_as_array, tex), display="block" if block else "inline")
    except Exception:  # noqa: BLE001 - TeX it cannot read stays as it was written
        return match.group(0)


def to_mathml(markup):
    """``markup`` (rendered markdown HTML) with its TeX formulas as MathML; code and
    preformatted text are left alone."""
    try:
        from latex2mathml.converter import convert
    except ImportError:
        return markup
    parts, budget = LITERAL.split(markup), [MAX_FORMULAS]
    for i in range(0, len(parts), 2):
        parts[i] = MATH.sub(lambda m: _mathml(m, convert, budget), parts[i])
    return "".join(parts)
