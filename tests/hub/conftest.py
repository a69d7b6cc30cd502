"""A class on one machine, as an instructor runs it on a JupyterHub: real Unix users
(created here, as root, and removed afterwards), nbgrader's exchange in a folder they
share, the course's environment reachable by them.

The course's ``.venv`` is built on the interpreter that made it, which may live where
other users cannot go (pyenv under /root, say). The students get a virtual environment
of their own on the system's Python of the same version, whose site folder points at
the course's packages (a ``.pth`` file) and whose Jupyter folders are the course's:
the same environment, reachable by every user, as a hub's shared one is.
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from ..browser.conftest import browser, chromium, page  # noqa: F401 - the browser fixtures, shared
from ..grading.conftest import bwrap  # noqa: F401 - the grading sandbox fixture, shared

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-class-test-password-7"


def _system_python():
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for folder in ("/usr/bin", "/usr/local/bin"):
        candidate = Path(folder) / version
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def as_user(user, args, cwd=None, env=None, **kw):
    """Run ``args`` as ``user`` (runuser), in their home unless ``cwd`` is given."""
    home = pwd.getpwnam(user).pw_dir
    base = {"HOME": home, "USER": user, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    settings = [f"{k}={v}" for k, v in {**base, **(env or {})}.items()]
    return subprocess.run(["runuser", "-u", user, "--", "env", *settings, *map(str, args)], cwd=cwd or home,
                          capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="session")
def hub_base():
    """A folder every user may enter (mode 0755), removed at the end."""
    if os.geteuid() != 0:
        pytest.skip("the hub tests create Unix users: run them as root (CI does)")
    for tool in ("useradd", "userdel", "runuser", "chpasswd"):
        if not shutil.which(tool):
            pytest.skip(f"the hub tests need {tool} (Debian's passwd and util-linux)")
    base = Path(tempfile.mkdtemp(prefix="lstm-hub-", dir="/tmp"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def real_users(names):
    """Real users with homes and a password, removed afterwards. Each test module has
    users of its own: modules may run at once, in different pytest-xdist workers."""
    with _user_database():
        for user in names:
            subprocess.run(["userdel", "-r", user], capture_output=True)
            subprocess.run(["useradd", "-m", "-s", "/bin/bash", user], check=True, capture_output=True)
        subprocess.run(["chpasswd"], input="".join(f"{u}:{PASSWORD}\n" for u in names), text=True, check=True)
    try:
        yield tuple(names)
    finally:
        with _user_database():
            for user in names:
                subprocess.run(["pkill", "-KILL", "-u", user], capture_output=True)
                subprocess.run(["userdel", "-r", user], capture_output=True)


@contextlib.contextmanager
def _user_database():
    """One worker at a time changes /etc/passwd (useradd refuses a locked one)."""
    import fcntl

    with open("/tmp/lstm-hub-users.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def class_python(hub_base):
    """The students' interpreter: the course's packages, reachable by every user."""
    python = _system_python()
    if python is None:
        pytest.skip(f"the hub tests need the system's python{sys.version_info.major}.{sys.version_info.minor}")
    venv = hub_base / "class-venv"
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    site = next((venv / "lib").glob("python3.*/site-packages"))
    course_site = next((ROOT / ".venv" / "lib").glob("python3.*/site-packages"))
    (site / "course.pth").write_text(f"import site; site.addsitedir({str(course_site)!r})\n")
    for shared in ("etc/jupyter", "share/jupyter"):   # server extensions, JupyterLab's app and widgets
        (venv / shared).parent.mkdir(parents=True, exist_ok=True)
        (venv / shared).symlink_to(ROOT / ".venv" / shared)
    subprocess.run(["chmod", "-R", "a+rX", str(venv)], check=True)
    probe = subprocess.run(["runuser", "-u", "nobody", "--", str(venv / "bin" / "python"), "-c",
                            "import nbgrader, lessonkit, jupyterhub"], capture_output=True, text=True)
    assert probe.returncode == 0, ("the course's environment is not readable by other users "
                                   f"(its folders must be mode 755): {probe.stderr[-500:]}")
    return venv / "bin" / "python"
