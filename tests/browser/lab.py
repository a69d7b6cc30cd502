"""Driving a real JupyterLab in real Chromium: a server on loopback over a copy of
the course, and Playwright on Debian's Chromium (no browser download).

Shared by the browser tests and bench/browser_latency.py.
"""

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]


def chromium_path():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url, proc, log_path, what, seconds):
    """Until ``url`` answers; if ``proc`` exits or ``seconds`` pass first, raise with its log."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError as exc:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start:\n" + Path(log_path).read_text()) from exc
            time.sleep(0.3)


def stop_group(proc, seconds):
    """SIGTERM ``proc``'s process group, SIGKILL it if it is still there after ``seconds``."""
    os.killpg(proc.pid, 15)
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)


@contextlib.contextmanager
def lab_server(workdir, args=()):
    """JupyterLab over a copy of lessons/ in ``workdir``, with the learners' settings
    and ``args`` (e.g. run.py's); its runtime files (the page it would open) are in
    ``workdir``/runtime.

    Yields (base_url, token, root). The server and its kernels stop afterwards.
    """
    root = Path(workdir) / "course"
    shutil.copytree(ROOT / "lessons", root / "lessons")
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ,
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
           "JUPYTER_CONFIG_PATH": str(ROOT / "jupyter_config"),
           "JUPYTER_CONFIG_DIR": str(Path(workdir) / "user-config"),
           "JUPYTERLAB_WORKSPACES_DIR": str(Path(workdir) / "workspaces"),
           "JUPYTER_RUNTIME_DIR": str(Path(workdir) / "runtime")}
    env.pop("NBGRADER_EXECUTION", None)
    env.pop("LESSONKIT_PROGRESS_FILE", None)  # the kernels note progress beside the lessons, as a student's do
    log = open(Path(workdir) / "jupyter.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--ServerApp.disable_check_xsrf=False", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate", *(["--allow-root"] if os.geteuid() == 0 else []), *args],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/api/status?token={token}", proc, Path(workdir) / "jupyter.log", "JupyterLab", 90)
        yield base, token, root
    finally:
        stop_group(proc, 15)
        log.close()


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)


def open_notebook(page, base, token, path):
    """Open a notebook in a workspace of its own (so no tab of an earlier test comes
    back with it) and wait until its cells are shown and its kernel is ready."""
    page.goto(f"{base}/lab/workspaces/w{secrets.token_hex(4)}/tree/{path}?token={token}")
    page.wait_for_function(
        """() => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell').length > 1
                 && !/No Kernel|Starting|Connecting/.test(
                     document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-KernelName')?.innerText
                     ?? 'No Kernel')""", timeout=120_000)
    wait_idle(page)


def wait_idle(page, timeout=120_000):
    """Until the open notebook's kernel is idle (JupyterLab 4's execution indicator)."""
    page.wait_for_function(
        """() => { const el = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) '
                                                    + '.jp-Notebook-ExecutionIndicator');
                   return el && el.getAttribute('data-status') === 'idle'; }""", timeout=timeout)


def run_command(page, command):
    """Run a JupyterLab command through its menu item (e.g. runmenu:run-all)."""
    menus = {"runmenu:run-all": "Run", "runmenu:restart-and-run-all": "Run"}
    page.locator(".lm-MenuBar-itemLabel", has_text=menus[command]).first.click()
    page.locator(f'li.lm-Menu-item[data-command="{command}"]').first.click()


def dismiss_dialogs(page, artifacts=None):
    """Accept any JupyterLab dialog in the way (e.g. a kernel that restarted under
    load), after saving what it said; return the texts."""
    texts = []
    for _ in range(5):
        dialog = page.locator(".jp-Dialog")
        if not dialog.count() or not dialog.first.is_visible():
            break
        texts.append(dialog.first.inner_text())
        if artifacts:
            Path(artifacts).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(artifacts) / f"unexpected_dialog_{len(texts)}.png"))
        buttons = dialog.first.locator(".jp-Dialog-button.jp-mod-accept")
        (buttons.first.click() if buttons.count() else page.keyboard.press("Escape"))
        page.wait_for_timeout(500)
    if texts:
        print("dismissed JupyterLab dialogs:", texts)
    return texts


def run_all(page, tries=3):
    """Run All Cells, and make sure it took: some code cell must be queued or run."""
    started = """() => [...document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
        .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"""
    for attempt in range(tries):
        dismiss_dialogs(page, ROOT / "test-artifacts" / "browser")
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first.click(position={"x": 5, "y": 5})
        run_command(page, "runmenu:run-all")
        try:
            page.wait_for_function(started, timeout=15_000)
            return
        except Exception:  # noqa: BLE001 - the menu click was lost; try again
            if attempt == tries - 1:
                raise


def code_cell(page, text):
    """The code cell whose source contains ``text``."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell",
                        has=page.locator(".jp-InputArea", has_text=text)).first


def replace_source(page, cell, source):
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source)
