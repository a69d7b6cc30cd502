"""Formulas in the feedback pages render offline, with no script: TeX becomes MathML,
which passes the same allowlist as the rest of a student's markdown."""

import glob
import re

import nbformat
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from autograder.formulas import MATH
from autograder.gradebook import WRAP, _with_csp, sanitise


def _rendered(markdown):
    return sanitise(markdown2html_mistune(markdown))


def test_tex_becomes_mathml_and_student_tex_cannot_smuggle_markup():
    page = _rendered(r"$f = \sigma(a_f)$ and $$\begin{aligned} N &= \tanh(a_n) && \text{new}\\ i &= \sigma(a_i)"
                     r"\end{aligned}$$ then $\text{<script>alert(1)</script>}$ <img src=x onerror=alert(1)> "
                     r"and `code $a$`")
    assert page.count("<math") == 3 and page.count("<mtr>") == 2 and "<mi>&#x003C3;</mi>" in page
    assert "<script" not in page and "onerror" not in page
    assert "<code>code $a$</code>" in page


def test_every_formula_of_every_lesson_renders():
    left = []
    for path in sorted(glob.glob("source/*/*.ipynb")):
        for cell in nbformat.read(path, 4).cells:
            if cell.cell_type == "markdown":
                text = re.sub(r"<code.*?</code>|<pre.*?</pre>", "", _rendered(cell.source), flags=re.S)
                left += [f"{path}: {m.group(0)[:80]}" for m in MATH.finditer(text)]
    assert not left, left


def test_long_lines_wrap_in_a_feedback_page():
    assert WRAP in _with_csp("<html><head></head><body><pre>" + "x" * 5000 + "</pre></body></html>")
    assert "white-space:pre-wrap" in WRAP
