"""The Binder files agree with requirements.txt and the learners' settings are real
(repo2docker cannot run here: no Docker engine)."""

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _requirements():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_runtime_is_python_311_which_nbgrader_096_needs():
    assert (ROOT / "runtime.txt").read_text().strip() == "python-3.11"
    pins = _requirements()
    assert pins["nbgrader"] == "0.9.6", "0.9.5's lab extension breaks on JupyterLab >= 4.3 (docs/design.md §7)"
    from importlib.metadata import requires

    needs = " ".join(requires("nbgrader") or [])
    assert "jupyterlab" in needs


def test_requirements_pin_the_runtime_set_and_install_the_repo():
    pins = _requirements()
    for name in ("jupyterlab", "nbgrader", "ipywidgets", "jupyterlab-widgets", "matplotlib", "numpy"):
        assert name in pins, f"{name} must be pinned in requirements.txt"
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert "-e ." in lines, "notebooks import lessonkit from the installed repository"
    assert not any(name.startswith("torch") for name in pins), "PyTorch is a test-time reference only"
    from importlib.metadata import version

    for name, pinned in pins.items():
        assert version(name) == pinned, f"the environment has {name} {version(name)}, requirements.txt {pinned}"


def test_binder_uses_the_root_files_only():
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists(), \
        "a binder/ folder would make repo2docker ignore the root requirements.txt"
    post = (ROOT / "postBuild").read_text()
    assert post.startswith("#!/bin/bash") and "jupyter_config" in post
    assert (ROOT / "postBuild").stat().st_mode & 0o111


def test_learners_settings_disable_real_instructor_extensions():
    import jupyterlab_widgets  # noqa: F401 - widgets render only with it installed

    page = json.loads((ROOT / "jupyter_config" / "labconfig" / "page_config.json").read_text())
    disabled = page["disabledExtensions"]
    share = next(p for p in (Path(__import__("sys").prefix) / "share" / "jupyter" / "labextensions"
                             / "@jupyter" / "nbgrader").glob("static/*.js") if "formgrader" in p.read_text())
    bundle = " ".join(p.read_text() for p in share.parent.glob("*.js"))
    for plugin in disabled:
        if plugin.startswith("@jupyter/nbgrader"):
            assert plugin in bundle, f"{plugin} is not an nbgrader plugin id"
    assert "@jupyter/nbgrader:formgrader" in disabled and "@jupyter/nbgrader:validate-assignment" not in disabled
    server = json.loads((ROOT / "jupyter_config" / "jupyter_server_config.json").read_text())
    extensions = server["ServerApp"]["jpserver_extensions"]
    assert extensions["nbgrader.server_extensions.formgrader"] is False
    assert extensions["nbgrader.server_extensions.validate_assignment"] is True


def test_readme_badge_opens_the_index_in_jupyterlab():
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"https://mybinder\.org/v2/gh/[^)\s]+\?urlpath=([^)\s]+)", readme)
    assert match, "README needs a Binder badge with ?urlpath=lab/tree/..."
    from urllib.parse import unquote

    spec = importlib.util.spec_from_file_location("course_run", ROOT / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    assert "/" + unquote(match.group(1)) == run.landing_url(), "the badge and run.py open different pages"
    path = unquote(match.group(1)).split("?")[0].removeprefix("lab/tree/")
    assert (ROOT / path).is_file(), f"the badge opens {path}, which does not exist"
    assert path == "lessons/00_index/00_index.ipynb"


@pytest.mark.parametrize("command", ["python3 run.py lab", "python3 run.py test"])
def test_readme_states_the_two_commands(command):
    assert command in (ROOT / "README.md").read_text()
