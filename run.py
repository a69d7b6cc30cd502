#!/usr/bin/env python3
"""The course's two commands. Each sets up .venv/ (once, and again when the
requirements change) and then does its job:

    python3 run.py lab     start JupyterLab at the course index (Ctrl+C twice stops it)
    python3 run.py test    run the whole test suite; extra arguments go to pytest

Needs only Python 3.11 or newer with its standard library.
"""

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
INDEX = "lessons/00_index/00_index.ipynb"
MINIMUM = (3, 11)


def venv_python():
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def venv_environ():
    """The environment with .venv's scripts first on PATH (nbgrader calls alembic)."""
    env = dict(os.environ)
    env["PATH"] = str(venv_python().parent) + os.pathsep + env.get("PATH", "")
    # the learners' settings: nbgrader's instructor tools off, Validate on (jupyter_config/)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        p for p in (str(ROOT / "jupyter_config"), env.get("JUPYTER_CONFIG_PATH")) if p)
    return env


def _venv_is_usable():
    py = venv_python()
    if not py.exists():
        return False
    out = subprocess.run([py, "-c", "import sys; print(sys.version_info >= (3, 11))"],
                         capture_output=True, text=True)
    return out.stdout.strip() == "True"


def ensure_env(requirements):
    """Create .venv if needed and install ``requirements`` into it when they changed."""
    if sys.version_info < MINIMUM:
        sys.exit(f"The course needs Python 3.11 or newer; {sys.executable} is "
                 f"{platform.python_version()}. Run this script with a newer one, "
                 f"for example: python3.11 run.py {' '.join(sys.argv[1:])}")
    if not _venv_is_usable():
        shutil.rmtree(VENV, ignore_errors=True)
        print(f"Creating {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    files = [ROOT / "pyproject.toml", ROOT / "requirements.txt", ROOT / requirements]
    if requirements == "requirements-test.txt":   # it includes the grading requirements
        files.append(ROOT / "requirements-grading.txt")
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    stamp = VENV / f".installed-{Path(requirements).stem}"
    if not stamp.exists() or stamp.read_text() != digest:
        print(f"Installing {requirements} into .venv ...", flush=True)
        subprocess.run([venv_python(), "-m", "pip", "install", "-r", ROOT / requirements], check=True)
        stamp.write_text(digest)
    return venv_python()


def landing_url():
    """The page JupyterLab opens on: the index, with the file browser on lessons/ (the
    folders in the order to work through them)."""
    if not (ROOT / INDEX).exists():
        return "/lab/tree/lessons"
    return f"/lab/tree/{INDEX}?file-browser-path=/lessons"


def lab_arguments(args):
    """``jupyter lab``'s arguments: open the landing page, then ``args``."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args = ["--allow-root", *args]  # containers and hubs often run as root
    return [f"--LabApp.default_url={landing_url()}", *args]


def lab(args):
    py = ensure_env("requirements.txt")
    print("JupyterLab is starting; press Ctrl+C twice in this terminal to stop it.", flush=True)
    return subprocess.call([py, "-m", "jupyter", "lab", *lab_arguments(args)], cwd=ROOT, env=venv_environ())


def test(args):
    py = ensure_env("requirements-test.txt")
    if not any(a == "-n" or a.startswith("-n") or a == "-p" for a in args):
        args = ["-n", "auto", *args]
    return subprocess.call([py, "-m", "pytest", *args], cwd=ROOT, env=venv_environ())


COMMANDS = {"lab": lab, "test": test}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
