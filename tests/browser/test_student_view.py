"""The student's view (issue 13), in real JupyterLab and Chromium: the page run.py opens,
a notebook that is not modified by opening it, Run All that reaches the last cell, a
failing check that shows its hint once and no traceback, and Validate's dialog that
opens on the reason."""

import importlib.util
import re

import pytest
from playwright.sync_api import expect

from autograder.graded import GRADED

from .conftest import shot
from .lab import ROOT, code_cell, lab_server, open_notebook, replace_source, run_all, wait_idle

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
LESSON = "lessons/02_learn_gate/02_learn_gate.ipynb"


def _run_py():
    spec = importlib.util.spec_from_file_location("course_run", ROOT / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def landing_lab(chromium, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("landing")
    with lab_server(workdir, args=_run_py().lab_arguments([])) as server:
        yield (*server, workdir)


def _dirty(page):
    """Marked modified, on the Python the notebooks' language_info names (on another
    patch release the kernel fills in another version: modified once, by design)."""
    import platform

    from autograder.notebooks import KERNEL_METADATA

    if platform.python_version() != KERNEL_METADATA["language_info"]["version"]:
        return False
    return page.locator(".jp-mod-current.jp-mod-dirty, .lm-TabBar-tab.jp-mod-current.jp-mod-dirty").count() > 0


def test_run_py_opens_the_index_with_the_lessons_in_the_file_browser(landing_lab, page):
    _, _, root, workdir = landing_lab
    opener = next((workdir / "runtime").glob("jpserver-*-open.html")).read_text()
    url = re.search(r'url=([^"]+)"', opener).group(1).replace("&amp;", "&")
    assert "00_index/00_index.ipynb" in url, url
    page.goto(url)
    page.wait_for_function(
        f"""() => document.querySelectorAll('{PANEL} .jp-Cell').length > 1
                 && !/No Kernel|Starting|Connecting/.test(
                     document.querySelector('{PANEL} .jp-KernelName')?.innerText ?? 'No Kernel')""",
        timeout=120_000)
    wait_idle(page)
    expect(page.locator(".lm-TabBar-tab.jp-mod-current")).to_contain_text("00_index.ipynb")
    listing = page.locator(".jp-DirListing-content")
    expect(listing).to_contain_text("01_rnn", timeout=30_000)
    names = listing.locator(".jp-DirListing-itemText").all_inner_texts()
    lessons = sorted(p.name for p in (root / "lessons").iterdir() if p.is_dir())
    assert names == lessons, f"the file browser shows {names}, not the lesson folders in order"
    assert not (root / "lessons" / "README.md").exists()
    page.wait_for_timeout(2000)  # the kernel has filled in its metadata by now
    assert not _dirty(page), "opening the index marked it modified"
    expect(page.locator(PANEL)).to_contain_text("Your progress", timeout=30_000)
    shot(page, "13_landing")


def test_run_all_reaches_the_last_cell_and_opening_leaves_the_notebook_unmodified(lab, page):
    base, token, _ = lab
    open_notebook(page, base, token, LESSON)
    page.wait_for_timeout(2000)
    assert not _dirty(page), "opening a lesson marked it modified (kernelspec or language_info differ)"
    run_all(page)
    last = code_cell(page, 'lesson_progress("02_learn_gate")')
    last.scroll_into_view_if_needed()
    expect(last).to_contain_text("graded functions pass their checks", timeout=240_000)
    wait_idle(page)
    expect(last).to_contain_text(re.compile(r"sigmoid\s+not implemented yet"))
    panel = page.locator(PANEL)
    assert panel.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count() == 0, \
        "a cell raised during Run All"
    assert "Traceback" not in panel.inner_text()
    hidden = code_cell(page, "# Hidden tests of sigmoid")
    assert hidden.locator(".jp-OutputArea-output").count() == 0, "a hidden-test cell printed something"
    shot(page, "13_run_all_last_cell", last)
    check = code_cell(page, "check(sigmoid)")
    check.scroll_into_view_if_needed()
    expect(check).to_contain_text("sigmoid is not implemented yet")
    shot(page, "13_blank_check", check)


def test_a_failing_check_shows_its_hint_once_and_validate_opens_on_the_reason(lab, page):
    base, token, _ = lab
    mistake = GRADED["sigmoid"].mistakes[0]
    open_notebook(page, base, token, LESSON)
    setup = code_cell(page, "from lessonkit import check")
    setup.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    wait_idle(page)
    cell = code_cell(page, "def sigmoid(")
    cell.scroll_into_view_if_needed()
    replace_source(page, cell, mistake.source())
    page.keyboard.press("Shift+Enter")  # the answer, then its check
    page.keyboard.press("Shift+Enter")
    check = code_cell(page, "check(sigmoid)")
    check.scroll_into_view_if_needed()
    output = check.locator(".jp-OutputArea")
    expect(output).to_contain_text(mistake.message[:40], timeout=120_000)
    wait_idle(page)
    text = output.inner_text()
    flat = " ".join(text.split())
    assert flat.count(" ".join(mistake.message.split())) == 1, text
    assert "Traceback" not in text and "checks.py" not in text and "lessonkit" not in text
    assert check.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count() == 0
    for case in GRADED["sigmoid"].cases:
        assert " ".join(case.what.split()) in flat
    shot(page, "13_failing_check", check)

    page.keyboard.press("Control+s")
    page.wait_for_timeout(1000)
    page.locator(f"{PANEL} .jp-Toolbar").get_by_text("Validate").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=120_000)
    page.wait_for_function("() => !document.querySelector('.jp-Dialog').innerText.includes('Validating')",
                           timeout=240_000)
    shot(page, "13_validate", dialog)
    errors = dialog.locator("#validation-message .jp-RenderedText pre")
    first_error = errors.nth(1).inner_text()  # (source, error) pairs: the first failed cell's error
    assert first_error.splitlines()[0].startswith("✗ "), first_error
    assert " ".join(mistake.message.split())[:60] in " ".join(first_error.split()), first_error
    whole = dialog.inner_text()
    assert "Traceback" not in whole and "checks.py" not in whole and "lessonkit/" not in whole


def test_the_index_shows_the_progress_the_checks_noted(lab, page):
    """After the tests above ran lesson 02's checks in this server (sigmoid fails, as
    planted), the index's progress cell shows it, read from the file beside the lessons."""
    base, token, root = lab
    notes = root / "lessons" / ".course_progress.json"
    assert notes.is_file(), "the checks noted no progress beside the lessons"
    open_notebook(page, base, token, "lessons/00_index/00_index.ipynb")
    cell = code_cell(page, "course_progress()")
    for attempt in range(3):  # a click lost while the notebook still renders: try again
        cell.scroll_into_view_if_needed()
        cell.locator(".cm-content").click()
        page.keyboard.press("Shift+Enter")
        try:
            expect(cell.locator(".jp-InputPrompt")).to_contain_text(re.compile(r"\[(\*|\d+)\]"), timeout=15_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    expect(cell).to_contain_text("Your progress:", timeout=120_000)
    expect(cell).to_contain_text(re.compile(r"sigmoid\s+fails \d+ of \d+ checks"))
    expect(cell).to_contain_text(re.compile(r"rnn_cell\s+not checked yet"))
    shot(page, "13_index_progress", cell)
