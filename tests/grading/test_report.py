"""The class report counts students, not test cells, and shows what matched no name."""

from autograder.report import write_report


def _state(student, scores, mistakes=(), messages=None):
    return {"student_id": student, "scores": scores, "mistakes": dict(mistakes),
            "messages": messages or {}, "flags": []}


def test_a_misconception_is_counted_once_per_student_and_lists_who(tmp_path):
    named = {"check_forget_gate": "tanh_for_sigmoid", "hidden_forget_gate": "tanh_for_sigmoid"}
    failing = {"check_forget_gate": [0, 1], "hidden_forget_gate": [0, 2]}
    states = [
        _state("ada", failing, named),
        _state("bob", failing, named),
        _state("cy", failing, messages={"check_forget_gate": "✗ forget_gate: values <b>differ</b>"}),
        _state("dee", {"check_forget_gate": [1, 1], "hidden_forget_gate": [2, 2]}),
    ]
    path = tmp_path / "report.html"
    write_report(states, path, "03_forget_gate")
    page = path.read_text()
    row = page[page.index("<td>tanh_for_sigmoid</td>"):]
    assert row.startswith("<td>tanh_for_sigmoid</td><td>2</td><td>ada, bob</td>")
    unmatched = page[page.index("match no named misconception"):]
    assert "<td>forget_gate</td><td>1</td>" in unmatched and "cy: ✗ forget_gate: values &lt;b&gt;differ" in unmatched
    assert "dee" not in page


def test_the_charts_write_their_numbers_and_scale_their_bars(tmp_path):
    states = [_state("ada", {"check_forget_gate": [1, 1], "hidden_forget_gate": [2, 2]}),
              _state("bob", {"check_forget_gate": [0, 1], "hidden_forget_gate": [0, 2]},
                     {"check_forget_gate": "tanh_for_sigmoid"}),
              _state("cy", {"check_forget_gate": [1, 1], "hidden_forget_gate": [0, 2]})]
    path = tmp_path / "report.html"
    write_report(states, path, "03_forget_gate")
    page = path.read_text()
    scores = page[page.index("score distribution"):page.index("pass rate per graded check")]
    assert ">0 of 3</th>" in scores and ">3 of 3</th>" in scores and scores.count("1 student<") == 3
    passing = page[page.index("pass rate per graded check"):page.index("Named misconceptions")]
    assert "width:66.7%" in passing and "67 % passing" in passing and "width:33.3%" in passing
    named = page[page.index("most frequent named misconceptions"):]
    assert "forget_gate: tanh_for_sigmoid</th>" in named and "width:100.0%" in named
    assert "<img" not in page and "<script" not in page
