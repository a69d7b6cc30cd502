"""Generate the student versions in lessons/ from the masters in source/."""

import shutil
import tempfile
from pathlib import Path

import nbformat

from . import notebooks
from .nbgrader_setup import ROOT, course_config, put_tools_on_path


def lesson_names(root=ROOT):
    return sorted(p.name for p in (Path(root) / "source").iterdir()
                  if p.is_dir() and p.name[:2].isdigit())


def clean_masters(names, root=ROOT):
    """Strip outputs and widget state from the masters in place."""
    for name in names:
        for path in sorted((Path(root) / "source" / name).glob("*.ipynb")):
            nb = notebooks.read(path)
            if notebooks.clean(nb):
                nbformat.write(nb, str(path))


def generate(names, source_root=ROOT, out_dir=None):
    """Run nbgrader generate_assignment for ``names``; return the written notebooks.

    The student versions go to ``out_dir`` (default: ``lessons/`` of source_root).
    A throwaway gradebook keeps the repository free of one.
    """
    from nbgrader.apps import NbGraderAPI

    put_tools_on_path()
    out_dir = Path(out_dir or Path(source_root) / "lessons")
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        config = course_config(source_root, db_url=f"sqlite:///{tmp}/gradebook.db")
        config.CourseDirectory.release_directory = str(Path(tmp) / "release")
        config.Application.log_level = "ERROR"
        api = NbGraderAPI(config=config)
        for name in names:
            result = api.generate_assignment(name, force=True)
            if not result["success"]:
                raise RuntimeError(f"nbgrader could not generate {name}:\n{result['log']}\n{result['error']}")
            target = out_dir / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(Path(tmp) / "release" / name, target)
            written += sorted(target.glob("*.ipynb"))
    return written


def release(names=None, root=ROOT):
    names = names or lesson_names(root)
    clean_masters(names, root)
    return generate(names, root)
