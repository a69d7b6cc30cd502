"""report.html: how the class did, in pictures, and what needs an instructor's eye.

Score distribution, pass rate per graded check, the named misconceptions with the
students who made each (counted once per student, however many checks showed it),
the failures that match no named misconception as a group of their own, and every
integrity flag with the student it concerns. The charts are HTML bars, each with its
number written beside it: crisp at any zoom, readable by a screen reader, and no
plotting library in the grading command.
"""

import html
import math

from lessonkit.plots import LTM_COLOR, MEMORY_COLOR, STM_COLOR

from .gradebook import CSP
from .graded import GRADED

STYLE = ("<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
         "td,th{padding:.3em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"
         "table{border-collapse:collapse;width:100%}td:last-child{min-width:24em}"
         "figure{margin:1.5em 0}figcaption{font-weight:bold;margin-bottom:.4em}"
         ".bars th{font-weight:normal;white-space:nowrap;width:1%}.bars th,.bars td{border:0;padding:.15em .6em}"
         ".bars td.bar{width:70%}.bars td.bar span{display:block;height:1.1em}"
         ".bars td:last-child{min-width:0;white-space:nowrap}</style>")


def _bars(title, rows, color, top=None):
    """A horizontal bar chart: ``rows`` [(label, value, text written beside the bar)],
    bars scaled to ``top`` (default: the largest value)."""
    top = top or max((value for _, value, _ in rows), default=0) or 1
    body = "".join(f'<tr><th scope="row">{html.escape(label)}</th><td class="bar"><span style="width:'
                   f'{100 * value / top:.1f}%;background:{color}"></span></td><td>{html.escape(text)}</td></tr>'
                   for label, value, text in rows)
    return f'<figure><figcaption>{html.escape(title)}</figcaption><table class="bars">{body}</table></figure>'


def _score_bars(totals, max_score):
    counts = [0] * (int(math.floor(max_score)) + 1)
    for total in totals:
        counts[min(len(counts) - 1, max(0, int(math.floor(total))))] += 1
    return _bars("score distribution", [(f"{k:g} of {max_score:g}", n, f"{n} student{'s' * (n != 1)}")
                                        for k, n in enumerate(counts)], LTM_COLOR)


def _pass_bars(cells, states):
    rows = []
    for gid in cells:
        got = [s.get("scores", {}).get(gid) for s in states]
        passed = sum(1 for score in got if score and score[0] == score[1])
        rate = 100 * passed / max(len(states), 1)
        rows.append((gid, rate, f"{rate:.0f} % passing"))
    return _bars("pass rate per graded check", rows, STM_COLOR, top=100)


def _mistake_bars(counts):
    return _bars("most frequent named misconceptions",
                 [(f"{fn}: {name}", len(who), f"{len(who)} student{'s' * (len(who) != 1)}")
                  for (fn, name), who in counts], MEMORY_COLOR)


def _failed(state, gid):
    got, out_of = (state.get("scores", {}).get(gid) or [0, 0])
    return (got or 0) < out_of


def _who_made_which(states):
    """({(function, misconception): {students}}, {function: {student: first message}})
    for the failures that were named and those that were not, one entry per student."""
    named, unmatched = {}, {}
    for s in states:
        student, names = s["student_id"], s.get("mistakes") or {}
        functions_named = set()
        for gid, name in names.items():
            fn = gid.split("_", 1)[1]
            named.setdefault((fn, name), set()).add(student)
            functions_named.add(fn)
        for gid in s.get("scores", {}):
            fn = gid.split("_", 1)[1]
            if _failed(s, gid) and fn not in functions_named:
                unmatched.setdefault(fn, {}).setdefault(student, (s.get("messages") or {}).get(gid, ""))
    return named, unmatched


def _names(students):
    return ", ".join(html.escape(s) for s in sorted(students))


def write_report(states, path, lesson, refused=()):
    """``refused``: lines about submission folders that were not graded (bad student ids)."""
    cells, seen = [], set()
    for s in states:
        for gid in s.get("scores", {}):
            if gid not in seen:
                seen.add(gid)
                cells.append(gid)
    totals = [sum((v[0] or 0) for v in s.get("scores", {}).values()) for s in states]
    max_score = max((sum(v[1] for v in s.get("scores", {}).values()) for s in states), default=0)
    mistakes, unmatched = _who_made_which(states)
    messages = {(fn, m.name): m.message for fn, g in GRADED.items() for m in g.mistakes}

    parts = [f"<!doctype html><meta charset='utf-8'>{CSP}<title>{html.escape(lesson)}: class report</title>", STYLE,
             f"<h1>{html.escape(lesson)}: class report</h1>",
             f"<p>{len(states)} students; mean score {sum(totals) / max(len(totals), 1):.1f} "
             f"of {max_score:g}.</p>"]
    if states:
        parts.append(_score_bars(totals, max_score))
    if cells:
        parts.append(_pass_bars(cells, states))
    ranked = sorted(mistakes.items(), key=lambda item: (-len(item[1]), item[0]))
    parts.append("<h2>Named misconceptions</h2>")
    if ranked:
        parts.append(_mistake_bars(ranked[:10]))
        if len(ranked) > 10:
            parts.append(f"<p>The chart shows the 10 most frequent of {len(ranked)}; the table lists all.</p>")
        parts.append("<table><tr><th>function</th><th>misconception</th><th>students</th><th>who</th>"
                     "<th>what they read</th></tr>")
        for (fn, name), who in ranked:
            parts.append(f"<tr><td>{html.escape(fn)}</td><td>{html.escape(name)}</td><td>{len(who)}</td>"
                         f"<td>{_names(who)}</td><td>{html.escape(messages.get((fn, name), ''))}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>None recognised.</p>")
    parts.append("<h2>Failures that match no named misconception</h2>")
    if unmatched:
        parts.append("<p>Worth a look: a mistake many students share here may deserve a name.</p>"
                     "<table><tr><th>function</th><th>students</th><th>who, and the first thing they read</th></tr>")
        for fn, who in sorted(unmatched.items(), key=lambda item: (-len(item[1]), item[0])):
            parts.append(f"<tr><td>{html.escape(fn)}</td><td>{len(who)}</td><td><ul>"
                         + "".join(f"<li>{html.escape(student)}: {html.escape(message[:300])}</li>"
                                   for student, message in sorted(who.items()))
                         + "</ul></td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    flagged = [s for s in states if s.get("flags") or s.get("error") or s.get("problem")]
    parts.append(f"<h2>Integrity and problems ({len(flagged)} students)</h2>")
    if flagged:
        parts.append("<table><tr><th>student</th><th>what was detected</th></tr>")
        for s in flagged:
            items = [x for x in [s.get("error"), s.get("problem"), *s.get("flags", [])] if x]
            parts.append(f"<tr><td>{html.escape(s['student_id'])}</td><td><ul>"
                         + "".join(f"<li>{html.escape(x)}</li>" for x in items) + "</ul></td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>Nothing detected.</p>")
    if refused:
        parts.append(f"<h2>Not graded ({len(refused)} folders)</h2><ul>"
                     + "".join(f"<li>{html.escape(x)}</li>" for x in refused) + "</ul>")
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(parts))
    tmp.replace(path)
