"""Browser tests need Debian's Chromium; CI installs it (.ci/run), locally they skip."""

from pathlib import Path

import pytest

from .lab import ROOT, chromium_path, lab_server, launch

ARTIFACTS = ROOT / "test-artifacts" / "browser"


@pytest.fixture(scope="session")
def chromium():
    if not chromium_path():
        pytest.skip("browser tests need Chromium: sudo apt-get install chromium")
    pytest.importorskip("playwright", reason="browser tests need playwright: python3 run.py test installs it")


@pytest.fixture(scope="module")
def lab(chromium, tmp_path_factory):
    with lab_server(tmp_path_factory.mktemp("lab")) as server:
        yield server


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def shot(page, name, locator=None):
    """Save a screenshot as a test artifact; return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    (locator or page).screenshot(path=str(path))
    return Path(path)
