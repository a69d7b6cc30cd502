"""A real JupyterHub on loopback (its configurable-http-proxy from npm, PAM logins of
real users, one server per student spawned as that user): a student logs in and lands
on the course's index, served through the hub."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..browser.lab import free_port, stop_group, wait_until_serving
from .conftest import PASSWORD, ROOT, real_users

CONFIG = ROOT / "docs" / "jupyterhub_config.py"


@pytest.fixture(scope="module")
def students(hub_base):
    with real_users(["lstm-hub-cy"]) as names:
        yield names


@pytest.fixture(scope="module")
def hub(hub_base, students, class_python):
    proxy = shutil.which("configurable-http-proxy")
    if not proxy:
        pytest.skip("the hub test needs configurable-http-proxy: npm install -g configurable-http-proxy")
    student = students[0]
    home = Path(f"/home/{student}")
    shutil.copytree(ROOT / "lessons", home / "lessons")
    subprocess.run(["chown", "-R", f"{student}:{student}", str(home / "lessons")], check=True)
    state = hub_base / "hub"
    state.mkdir()
    port = free_port()
    # the documented example, with this machine's paths and free ports
    settings = {"LSTM_HUB_PORT": str(port), "LSTM_HUB_API_PORT": str(free_port()),
                "LSTM_PROXY_API_PORT": str(free_port()), "LSTM_HUB_STATE": str(state),
                "LSTM_COURSE_PYTHON": str(class_python), "LSTM_COURSE_ROOT": str(ROOT),
                "LSTM_HUB_USERS": student, "LSTM_PROXY": proxy}
    log = open(state / "jupyterhub.log", "w")
    path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    hub = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], cwd=state,
                           env={**os.environ, **settings, "PATH": path}, stdout=log, stderr=subprocess.STDOUT,
                           start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/hub/api/", hub, state / "jupyterhub.log", "JupyterHub", 120)
        yield base, student, state
    finally:
        stop_group(hub, 30)
        subprocess.run(["pkill", "-TERM", "-u", student], capture_output=True)
        log.close()


def test_a_student_logs_in_and_lands_on_the_index(hub, page):
    from playwright.sync_api import expect

    from ..browser.conftest import shot

    base, student, state = hub
    page.goto(f"{base}/hub/login")
    page.fill("input[name=username]", student)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    try:
        page.wait_for_url(f"**/user/{student}/lab/**", timeout=180_000)
        panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        expect(panel).to_contain_text("01 · The RNN", timeout=120_000)
    except Exception:
        shot(page, "hub_login_failed")
        print((state / "jupyterhub.log").read_text()[-4000:])
        raise
    assert "/lessons/00_index/00_index.ipynb" in page.url
    shot(page, "hub_index")
    # the server is the student's own, running as that user
    owner = subprocess.run(["pgrep", "-u", student, "-f", "jupyterhub.singleuser"], capture_output=True, text=True)
    assert owner.stdout.strip(), "no single-user server runs as the student"
